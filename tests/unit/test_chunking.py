"""Chunking by tokens: bounded size, overlap, paragraph respect, CJK without spaces, exact spans."""
from __future__ import annotations

from assistant.core.knowledge import types as T
from assistant.core.knowledge.chunking import Chunker
from assistant.core.knowledge.embedders import HashEmbedder

H = HashEmbedder()


def counter(texts):
    return [H.count_tokens(t) for t in texts]


def test_chunks_stay_within_the_token_budget_and_overlap():
    paras = [" ".join(f"p{i}w{j}" for j in range(30)) + "." for i in range(20)]
    text = "\n\n".join(paras)
    c = Chunker(counter, max_tokens=100, overlap_tokens=40)
    spans = c.chunk_section(T.Section(text=text))
    assert len(spans) > 5
    assert all(H.count_tokens(text[s:e]) <= 100 for s, e in spans)
    assert all(text[s:e].startswith("p") for s, e in spans)  # chunks start at a paragraph boundary
    assert all(spans[i + 1][0] < spans[i][1] for i in range(len(spans) - 1))  # consecutive chunks overlap
    covered = set()
    for s, e in spans:
        covered.update(range(s, e))
    assert all(i in covered for i, ch in enumerate(text) if not ch.isspace())


def test_cjk_without_spaces_is_split_at_sentence_ends_and_windows():
    sentence = "人工智能正在改变我们的生活方式和工作方法。"
    text = sentence * 40 + "这是一个没有标点的很长的中文段落" * 30
    c = Chunker(counter, max_tokens=60, overlap_tokens=0)
    spans = c.chunk_section(T.Section(text=text))
    assert all(H.count_tokens(text[s:e]) <= 60 for s, e in spans)
    assert all(e - s > 20 for s, e in spans[:-1])
    assert text[spans[0][0]:spans[0][1]].endswith("。")
    assert "".join(text[s:e] for s, e in spans) == text  # no overlap asked: exact partition


def test_chunk_ids_are_deterministic_and_spans_cite_the_file():
    secs = [T.Section(text="Alpha beta.\n\nGamma delta.", heading="H", offset=10),
            T.Section(text="Page two text.", page=2)]
    c = Chunker(counter, max_tokens=3, overlap_tokens=0)
    a = c.chunk(secs, "ab" * 32, "/docs/x.md")
    b = c.chunk(secs, "ab" * 32, "/docs/x.md")
    assert [x.chunk_id for x in a] == [x.chunk_id for x in b]
    assert len({x.chunk_id for x in a}) == len(a)
    assert c.chunk(secs, "ab" * 32, "/docs/copy.md")[0].chunk_id != a[0].chunk_id  # same bytes, other file
    assert a[0].start == 10 and a[0].heading == "H" and a[0].text == "Alpha beta."
    page2 = [x for x in a if x.page == 2]
    assert page2[0].start == 0 and page2[-1].end == len("Page two text.")  # PDF spans are per page
