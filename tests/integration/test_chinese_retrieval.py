"""Chinese questions over Chinese passages with the real MiniLM embedder, real Chroma and BM25.

MiniLM knows no Chinese, so its ranking of Chinese passages is noise; the hybrid search must
still put the passage that answers a Chinese question first (keywords carry it).
"""
from __future__ import annotations

import json
import shutil

import pytest

from assistant.core.knowledge import KnowledgeBase
from assistant.core.knowledge.embedders import SentenceTransformerEmbedder

N_DOCS = 16


@pytest.fixture(scope="module")
def minilm():
    return SentenceTransformerEmbedder()


def _cmrc(shared_eval, folder, n_docs=N_DOCS):
    """The first ``n_docs`` passages of the CMRC trial set copied to ``folder``, and their questions."""
    root = shared_eval / "qa" / "cmrc2018_trial"
    rows = [json.loads(line) for line in (root / "questions.jsonl").read_text(encoding="utf-8").splitlines()
            if line.strip()]
    docs: list[str] = []
    for r in rows:
        if not r.get("unanswerable") and r["doc"] not in docs:
            docs.append(r["doc"])
    docs = docs[:n_docs]
    folder.mkdir()
    for d in docs:
        shutil.copy(root / d, folder)
    return [(r["question"], r["doc"].rsplit("/", 1)[-1]) for r in rows
            if r["doc"] in docs and not r.get("unanswerable")]


@pytest.mark.slow
def test_chinese_questions_find_their_passage_first_with_the_hybrid_search(paths, shared_eval, minilm, tmp_path,
                                                                           offline):
    questions = _cmrc(shared_eval, tmp_path / "cmrc")
    assert minilm.languages == ("en",)
    kb = KnowledgeBase(paths, minilm)
    try:
        reports = kb.index("中文", [tmp_path / "cmrc"])
        assert {r.status for r in reports} == {"indexed"}
        firsts, misses = 0, []
        for q, doc in questions:
            got = kb.search("中文", q, k=5)  # the relevance bar a chat uses
            if got and got[0].citation.source_path.endswith(doc):
                firsts += 1
            else:
                misses.append((q, doc, [p.citation.source_path.rsplit("/", 1)[-1] for p in got]))
        assert firsts / len(questions) >= 0.9, misses[:10]
    finally:
        kb.close()
    assert offline.attempts == []


@pytest.mark.slow
def test_hearth_search_lists_the_passage_with_file_score_and_text(paths, shared_eval, minilm, tmp_path, capsys):
    from assistant.cli import main

    _cmrc(shared_eval, tmp_path / "cmrc", n_docs=6)
    kb = KnowledgeBase(paths, minilm)
    try:
        kb.index("中文", [tmp_path / "cmrc"])
    finally:
        kb.close()
    question = "生命数耗完即算为什么？"  # answered in TRIAL_800.md: "踢爆"
    assert main(["search", question, "--collection", "中文", "--k", "3", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    first = out["passages"][0]
    assert first["file"].endswith("TRIAL_800.md") and "生命数" in first["text"] and first["score"] > 0
    assert first["page"] is None and first["rank"] == 1 and len(out["passages"]) <= 3
    assert main(["search", question, "--collection", "中文"]) == 0
    text = capsys.readouterr().out
    assert text.startswith("[1] TRIAL_800.md") and "生命数" in text
    assert main(["search", "anything", "--collection", "nope"]) == 1
    assert "nope" in capsys.readouterr().err
