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


def test_readable_share_counts_the_letters_an_embedder_was_trained_on():
    from assistant.core.knowledge.retrieval import readable_share

    assert readable_share("鲁迅出生于哪里？", ("en",)) == 0.0
    assert readable_share("Where was Lu Xun born?", ("en",)) == 1.0
    assert readable_share("iPhone手机", ("en",)) == 0.75
    assert readable_share("鲁迅出生于哪里？", ("en", "zh")) == 1.0
    assert readable_share("鲁迅出生于哪里？", None) == 1.0  # an embedder that declares nothing reads all
    assert readable_share("1998", ("en",)) == 1.0


class _FakeStore:
    """Just what ``search`` reads of a collection: Chroma's query/get, BM25 and the manifest's rows."""

    def __init__(self, texts: dict[str, str], dense_order: list[str]):
        import numpy as np

        self.texts, self.dense_order = texts, dense_order
        self.vecs = {c: np.eye(len(texts), dtype=np.float32)[i] for i, c in enumerate(texts)}
        self._bm25 = BM25Index().build(texts.items())
        store = self

        class Chroma:
            def count(self):
                return len(store.texts)

            def query(self, query_embeddings, n_results, include):
                ids = store.dense_order[:n_results]
                return {"ids": [ids], "distances": [[0.1 * (i + 1) for i in range(len(ids))]]}

            def get(self, ids, include):
                return {"ids": ids, "embeddings": [store.vecs[c] for c in ids]}

        class Manifest:
            def chunk_rows(self, ids):
                return {c: (f"/d/{c}.md", 0, None, 0, 10, "", store.texts[c]) for c in ids if c in store.texts}

        self.chroma, self.manifest = Chroma(), Manifest()

    def bm25(self):
        return self._bm25


class _EnglishOnly:
    name, dimension, normalized, languages = "english-only", 4, True, ("en",)

    def embed(self, texts):
        import numpy as np

        return np.ones((len(texts), self.dimension), dtype=np.float32) / 2


def test_an_english_only_embedder_does_not_outvote_keywords_on_a_chinese_question():
    from assistant.core.knowledge.retrieval import SearchOptions, search

    texts = {"lu": "鲁迅1881年出生于浙江绍兴。", "lake": "西湖位于杭州。", "wall": "长城是古代建筑。",
             "en": "Lu Xun was a writer."}
    # The dense side ranks the answer last (MiniLM's order of Chinese text is noise).
    store = _FakeStore(texts, ["wall", "lake", "en", "lu"])
    got = search(store, _EnglishOnly(), "鲁迅出生于哪里？", 2, SearchOptions(min_score=None))
    assert [p.chunk_id for p in got] == ["lu", "lake"]  # plain fusion put "lake" first (both signals liked it)
    # An English question keeps both signals: the dense order still counts.
    store = _FakeStore(texts, ["en", "wall", "lake", "lu"])
    got = search(store, _EnglishOnly(), "Where was the writer Lu Xun born?", 1, SearchOptions(min_score=None))
    assert got[0].chunk_id == "en"
