"""BM25, fusion, citations and the context block, with fakes (no model, no Chroma)."""
from __future__ import annotations

import sys

from assistant.core.knowledge import NO_RELEVANT_PASSAGES, Citation, Passage, build_context_block, citations_in_answer
from assistant.core.knowledge.bm25 import BM25Index, rrf, tokenize


def test_importing_the_knowledge_package_loads_no_heavy_library():
    import subprocess

    code = ("import sys, assistant.core.knowledge, assistant.commands.index, assistant.commands.evals; "
            "print(sorted(m for m in ('torch','chromadb','sentence_transformers','transformers') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_cjk_is_tokenised_into_unigrams_and_bigrams_and_english_is_stemmed():
    assert tokenize("北京大学") == ["北", "京", "大", "学", "北京", "京大", "大学"]
    assert tokenize("The cells were binding") == ["cell", "bind"]


def test_bm25_ranks_by_keywords_and_survives_a_save(tmp_path):
    docs = [("a", "Mitochondria produce energy in the cell."), ("b", "Ribosomes build proteins."),
            ("c", "长城位于中国北方，是著名的古代建筑。"), ("d", "Energy drinks contain caffeine.")]
    idx = BM25Index().build(docs, generation=3)
    assert idx.search("mitochondria energy", 2)[0][0] == "a"
    assert idx.search("中国的长城在哪里", 1)[0][0] == "c"
    assert idx.search("zebra", 3) == []
    idx.save(tmp_path / "bm25.npz")
    loaded = BM25Index.load(tmp_path / "bm25.npz")
    assert loaded is not None and loaded.generation == 3
    assert loaded.search("ribosomes", 1) == idx.search("ribosomes", 1)


def test_rrf_rewards_agreement():
    fused = rrf([["x", "y", "z"], ["y", "w"]])
    assert max(fused, key=fused.get) == "y"


def _passage(n: int, path: str, page: int | None) -> Passage:
    return Passage(text=f"text {n}", score=1.0 / n, chunk_id=f"c{n}",
                   citation=Citation(source_path=path, page=page, start=0, end=6, snippet=f"text {n}"))


def test_context_block_numbers_passages_and_answers_map_back():
    ps = [_passage(1, "/d/manual.pdf", 4), _passage(2, "/d/notes.md", None), _passage(3, "/d/faq.txt", None)]
    block = build_context_block(ps)
    assert "[1] (manual.pdf, page 4)" in block and "[3] (faq.txt)" in block and "[n]" in block
    cites = citations_in_answer("Press reset [3]. It takes a minute [1, 3]. Also [7] and [0].", ps)
    assert [(c.number, c.source_path) for c in cites] == [(3, "/d/faq.txt"), (1, "/d/manual.pdf")]
    assert build_context_block([]) == NO_RELEVANT_PASSAGES
    assert citations_in_answer("no markers here", ps) == []
