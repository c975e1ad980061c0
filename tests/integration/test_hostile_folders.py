"""Hostile folders and concurrent use of a collection, on the real parts (MiniLM, Chroma, parser child).

- a folder holding a FIFO, a socket, a link to /dev/zero and link loops: indexing ends, those are
  rows marked skipped with the reason, the regular files are indexed;
- two threads indexing and searching the same collection for about 40 s: no exception, every
  search returns, nothing stored is lost;
- a torn keyword cache is rebuilt and keyword search still answers.
"""
from __future__ import annotations

import os
import socket
import threading
import time
from pathlib import Path

import pytest

from assistant.core.knowledge import KnowledgeBase
from assistant.core.knowledge import types as T
from assistant.core.knowledge.indexer import SKIPPED

pytestmark = pytest.mark.slow

CONCURRENT_SECONDS = 40.0


@pytest.fixture(scope="module")
def minilm():
    from assistant.core.knowledge.embedders import SentenceTransformerEmbedder
    from assistant.core.models import embedded

    if embedded.default_embedder_dir() is None:
        pytest.fail("all-MiniLM-L6-v2 is not installed: run python3 packaging/dev.py test")
    e = SentenceTransformerEmbedder()
    e.embed(["warm up"])
    return e


def run_bounded(fn, seconds: float):
    out: list = []

    def target():
        try:
            out.append(fn())
        except BaseException as e:  # noqa: BLE001 - handed to the test
            out.append(e)

    t = threading.Thread(target=target, daemon=True)
    t.start()
    t.join(seconds)
    assert not t.is_alive(), f"still running after {seconds:.0f} s"
    if isinstance(out[0], BaseException):
        raise out[0]
    return out[0]


@pytest.mark.skipif(os.name != "posix", reason="FIFOs, sockets and /dev/zero are POSIX")
def test_a_folder_of_special_files_is_indexed_without_hanging(paths, tmp_path, minilm):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "keeper.txt").write_text("The lighthouse keeper writes in his log every night.", encoding="utf-8")
    (docs / "tides.md").write_text("# Tides\n\nThe tides follow the moon twice a day.", encoding="utf-8")
    os.mkfifo(docs / "fifo.txt")
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(docs / "s.sock"))
    (docs / "zero.txt").symlink_to("/dev/zero")
    (docs / "urandom.md").symlink_to("/dev/urandom")
    (docs / "loop.txt").symlink_to(docs / "loop.txt")
    (docs / "ping.txt").symlink_to(docs / "pong.txt")
    (docs / "pong.txt").symlink_to(docs / "ping.txt")
    (docs / "parent").symlink_to(tmp_path)
    kb = KnowledgeBase(paths, minilm, parse_timeout=30)
    try:
        reports = {os.path.basename(r.path): r for r in run_bounded(lambda: kb.index("docs", [docs]), 180)}
        assert reports["keeper.txt"].status == T.INDEXED and reports["tides.md"].status == T.INDEXED
        for name in ("fifo.txt", "s.sock", "zero.txt", "urandom.md", "loop.txt", "ping.txt", "pong.txt", "parent"):
            assert reports[name].status == SKIPPED and reports[name].reason, reports[name]
        rows = {os.path.basename(f.path): (f.status, f.reason) for f in kb.files("docs")}
        assert rows["zero.txt"][0] == SKIPPED and "device" in rows["zero.txt"][1]
        assert rows["loop.txt"][0] == SKIPPED and "loop" in rows["loop.txt"][1]
        assert kb.search("docs", "what does the lighthouse keeper write", k=1)[0].citation.source_path.endswith(
            "keeper.txt")
        again = {os.path.basename(r.path): r.status for r in run_bounded(lambda: kb.index("docs", [docs]), 120)}
        assert again["keeper.txt"] == T.UNCHANGED and again["zero.txt"] == SKIPPED
    finally:
        kb.close()
        sock.close()


def test_indexing_and_searching_one_collection_at_once(paths, tmp_path, minilm):
    docs = tmp_path / "docs"
    docs.mkdir()
    topics = ["lighthouse", "harbour", "orchard", "glacier", "volcano", "library"]

    def write(i: int, round_: int) -> None:
        body = " ".join(f"The {topics[i]} report number {round_} mentions item{round_}x{k}." for k in range(40))
        (docs / f"{topics[i]}.txt").write_text(f"{topics[i]} notes, version {round_}.\n\n{body}\n", encoding="utf-8")

    for i in range(len(topics)):
        write(i, 0)
    kb = KnowledgeBase(paths, minilm)
    kb.index("docs", [docs])
    errors: list[BaseException] = []
    searches: list[float] = []
    rounds = [0]
    end = time.monotonic() + CONCURRENT_SECONDS

    def indexer() -> None:
        try:
            while time.monotonic() < end:
                rounds[0] += 1
                for i in range(0, len(topics), 2):  # half the files change every round
                    write((i + rounds[0]) % len(topics), rounds[0])
                kb.index("docs", [docs])
        except BaseException as e:  # noqa: BLE001 - collected for the assertion
            errors.append(e)

    def searcher() -> None:
        n = 0
        try:
            while time.monotonic() < end:
                t = time.monotonic()
                hits = kb.search("docs", f"{topics[n % len(topics)]} report", k=3, min_score=-1,
                                 keyword=bool(n % 2))
                searches.append(time.monotonic() - t)
                assert hits, "a search returned nothing from a collection full of matches"
                n += 1
        except BaseException as e:  # noqa: BLE001 - collected for the assertion
            errors.append(e)

    threads = [threading.Thread(target=indexer, name="indexer"), threading.Thread(target=searcher, name="searcher")]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(CONCURRENT_SECONDS + 300)
        assert not any(t.is_alive() for t in threads), "a thread hung"
        assert not errors, repr(errors[0])
        print(f"{rounds[0]} index rounds, {len(searches)} searches, slowest {max(searches):.2f} s")
        assert rounds[0] >= 2 and len(searches) >= 10
        assert max(searches) < 30, "a search waited for the whole index run"
        # nothing stored was lost: the manifest, Chroma and the files agree
        store = kb._get("docs")
        assert store.manifest.chunk_ids() == store.all_chroma_ids()
        assert {f.status for f in kb.files("docs")} <= {T.INDEXED}
        assert len(kb.files("docs")) == len(topics)
        kb.index("docs", [docs])  # the last version of every file is what is found
        for topic in topics:
            version = (docs / f"{topic}.txt").read_text(encoding="utf-8").split("version ")[1].split(".")[0]
            hits = kb.search("docs", f"{topic} notes version {version}", k=1, min_score=-1, dense=False)
            assert hits and hits[0].citation.source_path.endswith(f"{topic}.txt")
            assert f"version {version}." in hits[0].text
    finally:
        kb.close()


def test_a_torn_keyword_cache_is_rebuilt(paths, tmp_path, minilm):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text("Quantum tunnelling lets particles cross barriers.", encoding="utf-8")
    (docs / "b.txt").write_text("Sourdough needs a starter fed with flour and water.", encoding="utf-8")
    kb = KnowledgeBase(paths, minilm)
    try:
        kb.index("docs", [docs])
        assert kb.search("docs", "sourdough starter", k=1, dense=False)[0].citation.source_path.endswith("b.txt")
        cache = kb._get("docs").folder / "bm25.npz"
    finally:
        kb.close()
    data = cache.read_bytes()
    cache.write_bytes(data[: len(data) // 3])  # a crash while the old code was writing it
    kb = KnowledgeBase(paths, minilm)
    try:
        hits = kb.search("docs", "sourdough starter", k=1, dense=False)
        assert hits and hits[0].citation.source_path.endswith("b.txt")
        assert kb.search("docs", "particles barriers", k=1)[0].citation.source_path.endswith("a.txt")
    finally:
        kb.close()
    assert Path(cache).stat().st_size >= len(data) // 2
