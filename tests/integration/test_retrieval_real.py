"""Retrieval with the real MiniLM embedder, real Chroma and real documents, offline.

Subsets keep this quick (the full SciFact run is in tests/benchmarks/bench_knowledge.py).
"""
from __future__ import annotations

import json
import shutil

import pytest

from assistant.core.evals.beir import run_beir
from assistant.core.knowledge import KnowledgeBase, build_context_block, citations_in_answer
from assistant.core.knowledge.embedders import SentenceTransformerEmbedder


@pytest.fixture(scope="module")
def minilm():
    return SentenceTransformerEmbedder()


@pytest.mark.slow
def test_question_over_a_pdf_cites_the_right_page(paths, shared_eval, minilm, tmp_path, offline):
    pdf = tmp_path / "tracemonkey.pdf"
    shutil.copy(shared_eval / "pdfs" / "clean" / "pdfjs__tracemonkey.pdf", pdf)
    kb = KnowledgeBase(paths, minilm)
    try:
        (rep,) = kb.index("papers", [pdf])
        assert rep.status == "indexed" and rep.chunks > 50
        grants = kb.search("papers", "Which grants from the National Science Foundation sponsored this work?", k=3)
        assert grants[0].citation.page == 13 and "CNS-0615443" in grants[0].text
        assert grants[0].citation.source_path == str(pdf.resolve())
        assert grants[0].text in grants[0].text and grants[0].citation.end > grants[0].citation.start
        exc = kb.search("papers", "What happens when a hot loop keeps failing to record a trace because of exceptions?",
                        k=3, mmr=True)
        assert 6 in [p.citation.page for p in exc]
        block = build_context_block(grants)
        assert "[1] (tracemonkey.pdf, page 13" in block
        (cite,) = citations_in_answer("The NSF funded it under grant CNS-0615443 [1].", grants)
        assert cite.page == 13
        assert kb.search("papers", "recipe for chocolate banana bread with walnuts") == []
    finally:
        kb.close()
    assert offline.attempts == []


@pytest.mark.slow
def test_scifact_subset_through_the_real_path(paths, shared_eval, minilm, offline):
    kb = KnowledgeBase(paths, minilm)
    try:
        scores = run_beir(shared_eval / "retrieval" / "scifact", "train", limit=250, max_queries=120, kb=kb,
                          modes=("fused", "bm25"))
    finally:
        kb.close()
    fused, bm25 = scores["fused"], scores["bm25"]
    assert fused.queries > 60
    assert fused.ndcg10 >= 0.75 and fused.recall10 >= 0.85
    assert fused.ndcg10 >= bm25.ndcg10
    assert kb.list_collections() == []  # the evaluation cleans up after itself
    assert offline.attempts == []


@pytest.mark.slow
def test_chinese_cmrc_subset_indexes_and_retrieves(paths, shared_eval, minilm, offline):
    kb = KnowledgeBase(paths, minilm)
    try:
        scores = run_beir(shared_eval / "retrieval" / "cmrc2018_zh", "dev", limit=120, max_queries=60, kb=kb)
    finally:
        kb.close()
    fused = scores["fused"]
    assert fused.queries >= 30
    assert fused.recall10 >= 0.8 and fused.mrr >= 0.6
    assert offline.attempts == []


@pytest.mark.slow
def test_cli_index_and_eval_report_json(tmp_path, shared_eval, capsys, offline):
    from assistant.cli import main

    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "tea.md").write_text("# Tea\n\nGreen tea is steamed or pan-fired soon after picking.\n", encoding="utf-8")
    (docs / "scan.pdf").write_bytes((shared_eval / "pdfs" / "scanned" / "pdfjs__issue7200.pdf").read_bytes())
    (docs / "locked.pdf").write_bytes(
        (shared_eval / "pdfs" / "encrypted_needs_pw" / "pypdf__encryption__r2-user-password.pdf").read_bytes())
    assert main(["index", str(docs), "--collection", "茶", "--json",
                 "--password", f"{docs / 'locked.pdf'}=asdfzxcv"]) == 0
    out, err = capsys.readouterr()
    rows = {r["path"].rsplit("/", 1)[-1]: r for r in json.loads(out)}
    assert rows["tea.md"]["status"] == "indexed" and rows["tea.md"]["chunks"] == 1
    # a scan is read by OCR now: indexed from its pixels, or empty when OCR finds no words
    assert rows["scan.pdf"]["status"] in ("indexed (OCR)", "empty") and "OCR" in rows["scan.pdf"]["reason"]
    assert rows["locked.pdf"]["status"] == "indexed"
    assert "files" in err  # the progress bar goes to stderr

    beir = tmp_path / "beir"
    (beir / "qrels").mkdir(parents=True)
    corpus = [("d1", "Volcanoes", "Magma rises through the crust and erupts as lava."),
              ("d2", "Glaciers", "Ice sheets carve valleys as they slowly move downhill."),
              ("d3", "Deserts", "Dunes form where wind deposits sand in dry regions.")]
    (beir / "corpus.jsonl").write_text("\n".join(json.dumps({"_id": i, "title": t, "text": x}) for i, t, x in corpus),
                                       encoding="utf-8")
    (beir / "queries.jsonl").write_text("\n".join([json.dumps({"_id": "q1", "text": "How does lava reach the surface?"}),
                                                   json.dumps({"_id": "q2", "text": "What shapes valleys made of ice?"})]),
                                        encoding="utf-8")
    (beir / "qrels" / "test.tsv").write_text("query-id\tcorpus-id\tscore\nq1\td1\t1\nq2\td2\t1\n", encoding="utf-8")
    assert main(["eval", "retrieval", "--beir", str(beir), "--json"]) == 0
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert set(result) >= {"ndcg@10", "recall@10", "mrr", "queries"}
    assert result["queries"] == 2 and result["recall@10"] == 1.0 and result["mrr"] > 0.7
    assert offline.attempts == []
