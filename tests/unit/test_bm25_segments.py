"""The keyword index takes additions and removals in place and answers exactly as a rebuild would.

Real text: SciFact abstracts and queries from ``../shared/eval``; a small in-memory manifest
stands in for the SQLite one (the same four calls the store makes).
"""
from __future__ import annotations

import json
import random

import pytest

from assistant.core.knowledge import bm25
from assistant.core.knowledge.bm25 import BASE_FILE, DELTA_FILE, BM25Index, open_index


@pytest.fixture(scope="module")
def scifact(shared_eval):
    folder = shared_eval / "retrieval" / "scifact"
    docs = []
    with open(folder / "corpus.jsonl", encoding="utf-8") as f:
        for line in f:
            d = json.loads(line)
            docs.append((f"sci-{d['_id']}", f"{d['title']}\n{d['text']}"))
            if len(docs) == 1500:
                break
    with open(folder / "queries.jsonl", encoding="utf-8") as f:
        queries = [json.loads(line)["text"] for line in f][:60]
    return docs, queries


class Manifest:
    """The calls ``open_index`` makes of a collection's manifest, over a dict."""

    def __init__(self, docs):
        self.rows = dict(docs)
        self.generation = 1

    def put(self, docs):
        self.rows.update(docs)
        self.generation += 1

    def drop(self, ids):
        for i in ids:
            self.rows.pop(i)
        self.generation += 1

    def chunk_ids(self):
        return set(self.rows)

    def chunk_rows(self, ids):
        return {i: ("/f", 0, None, 0, 0, "", self.rows[i]) for i in ids if i in self.rows}

    def iter_chunks(self):
        return ((i, "", t) for i, t in self.rows.items())


def assert_same_as_rebuild(idx, docs, queries, k=10):
    fresh = BM25Index().build(docs)
    for q in queries:
        assert idx.search(q, k) == fresh.search(q, k), q


def test_adds_and_removes_answer_exactly_like_a_rebuild(scifact):
    docs, queries = scifact
    rng = random.Random(3)
    idx = BM25Index().build(docs[:1000])
    idx.add(docs[1000:1200])
    idx.add(docs[1200:1300])  # a second addition joins the same delta
    gone = set(rng.sample([d[0] for d in docs[:1300]], 150))  # from the base and the delta
    assert idx.remove(gone) == 150
    live = [d for d in docs[:1300] if d[0] not in gone]
    assert len(idx) == len(live) and len(idx.segments) == 2
    assert_same_as_rebuild(idx, live, queries)
    idx.compact()
    assert len(idx.segments) == 1
    assert_same_as_rebuild(idx, live, queries)


def test_a_removed_chunk_added_back_is_found_again(scifact):
    docs, queries = scifact
    idx = BM25Index().build(docs[:300])
    cid, text = docs[5]
    idx.remove([cid])
    assert cid not in {c for c, _ in idx.search(text[:200], 300)}
    idx.add([(cid, text)])
    assert idx.search(text[:200], 1)[0][0] == cid
    assert_same_as_rebuild(idx, docs[:300], queries)


def test_one_more_file_updates_the_delta_and_leaves_the_base_file_alone(scifact, tmp_path):
    docs, queries = scifact
    m = Manifest(docs[:1000])
    idx = open_index(tmp_path, m)
    base = (tmp_path / BASE_FILE).read_bytes()
    full = bm25.REBUILDS["full"]
    m.put(docs[1000:1003])  # one file of three chunks
    idx = open_index(tmp_path, m, idx)
    assert bm25.REBUILDS["full"] == full  # nothing re-tokenised but the new file
    assert (tmp_path / BASE_FILE).read_bytes() == base
    assert (tmp_path / DELTA_FILE).exists()
    m.drop([d[0] for d in docs[10:13]])  # another file taken out
    idx = open_index(tmp_path, m, idx)
    assert bm25.REBUILDS["full"] == full and (tmp_path / BASE_FILE).read_bytes() == base
    live = list(m.rows.items())
    assert_same_as_rebuild(idx, live, queries)
    # A restart reads the base and the delta back and answers the same.
    again = open_index(tmp_path, m)
    assert bm25.REBUILDS["full"] == full
    assert_same_as_rebuild(again, live, queries)


def test_a_delta_past_its_share_is_merged_into_a_new_base(scifact, tmp_path, monkeypatch):
    docs, queries = scifact
    monkeypatch.setattr(bm25, "MERGE_MIN_ROWS", 50)
    m = Manifest(docs[:500])
    idx = open_index(tmp_path, m)
    base = (tmp_path / BASE_FILE).read_bytes()
    m.put(docs[500:600])
    idx = open_index(tmp_path, m, idx)
    assert (tmp_path / BASE_FILE).read_bytes() != base and not (tmp_path / DELTA_FILE).exists()
    assert len(idx.segments) == 1
    assert_same_as_rebuild(open_index(tmp_path, m), list(m.rows.items()), queries)


@pytest.mark.parametrize("damage", ["truncated", "garbage", "flipped byte"])
def test_a_torn_delta_is_redone_from_the_manifest_and_a_torn_base_is_rebuilt(scifact, tmp_path, damage):
    docs, queries = scifact
    m = Manifest(docs[:400])
    idx = open_index(tmp_path, m)
    m.put(docs[400:420])
    m.drop([docs[0][0]])
    open_index(tmp_path, m, idx)
    live = list(m.rows.items())
    for name in (DELTA_FILE, BASE_FILE):
        path = tmp_path / name
        data = bytearray(path.read_bytes())
        if damage == "truncated":
            data = data[: len(data) // 2]
        elif damage == "garbage":
            data = bytearray(random.Random(1).randbytes(len(data)))
        else:  # inside the arrays, where only the checksum can tell
            data[len(data) // 2] ^= 0xFF
        path.write_bytes(bytes(data))
        full = bm25.REBUILDS["full"]
        again = open_index(tmp_path, m)
        assert bm25.REBUILDS["full"] == full + (name == BASE_FILE)
        assert_same_as_rebuild(again, live, queries)
        assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_a_delta_written_over_another_base_is_not_applied(scifact, tmp_path):
    docs, queries = scifact
    m = Manifest(docs[:300])
    idx = open_index(tmp_path, m)
    m.drop([d[0] for d in docs[:100]])
    open_index(tmp_path, m, idx)
    stale_delta = (tmp_path / DELTA_FILE).read_bytes()
    # Another process merged meanwhile: a new base, and this process's older delta written after it.
    BM25Index().build(list(m.rows.items()), generation=m.generation).save(tmp_path / BASE_FILE)
    (tmp_path / DELTA_FILE).write_bytes(stale_delta)
    assert_same_as_rebuild(open_index(tmp_path, m), list(m.rows.items()), queries)


def test_chinese_chunks_added_in_place_score_as_in_a_rebuild(tmp_path):
    base = [("born", "鲁迅1881年出生于浙江绍兴，原名周樟寿。"),
            ("lake", "杭州西湖位于浙江省，是著名的风景区，1982年列入名单。")]
    added = [("phone", "iPhone手机由苹果公司设计。"), ("wall", "长城位于中国北方，是著名的古代建筑。")]
    m = Manifest(base)
    idx = open_index(tmp_path, m)
    m.put(added)
    idx = open_index(tmp_path, m, idx)
    assert len(idx.segments) == 2  # the Chinese chunks went into the delta
    assert idx.search("苹果公司设计的手机", 1)[0][0] == "phone"
    assert idx.search("中国的长城在哪里", 1)[0][0] == "wall"
    assert idx.search("鲁迅出生于哪里？", 1)[0][0] == "born"
    queries = ["苹果公司设计的手机", "中国的长城在哪里", "浙江著名的风景区", "1982年"]
    assert_same_as_rebuild(idx, base + added, queries, k=4)


def test_a_word_left_only_in_removed_chunks_matches_nothing(scifact):
    docs, _ = scifact
    idx = BM25Index().build([("a", "axolotl regenerate heart muscle"), ("b", "mice heart failure")] + docs[:50])
    idx.remove(["a"])
    hits = [c for c, _ in idx.search("axolotl heart", 60)]
    assert hits[0] == "b" and "a" not in hits
    assert idx.search("axolotl", 5) == []


def test_an_update_leaves_the_index_other_threads_are_searching_untouched(scifact, tmp_path):
    docs, queries = scifact
    m = Manifest(docs[:300])
    old = open_index(tmp_path, m)
    before = [old.search(q, 10) for q in queries]
    m.put(docs[300:310])
    m.drop([d[0] for d in docs[:50]])
    new = open_index(tmp_path, m, old)
    assert new is not old and len(new) == 260 and len(old) == 300
    assert [old.search(q, 10) for q in queries] == before
