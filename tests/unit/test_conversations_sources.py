"""A cited file is opened only if a collection's manifest knows it; an imported citation never is."""
from __future__ import annotations

import json

import pytest

from assistant.core.app import Hearth
from assistant.core.conversations.sources import openable_source


@pytest.fixture
def hearth(paths, tmp_path):
    from assistant.core.knowledge import KnowledgeBase
    from assistant.core.knowledge.embedders import HashEmbedder

    h = Hearth(knowledge=KnowledgeBase(paths, embedder=HashEmbedder()))
    yield h
    h.close()


def test_only_files_a_collection_knows_can_be_opened(hearth, tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    notes = docs / "notes.txt"
    notes.write_text("The lighthouse keeper retired in 1931 and moved inland.\n" * 5, encoding="utf-8")
    stranger = tmp_path / "evil.desktop"  # shipped beside an imported chat
    stranger.write_text("[Desktop Entry]\nExec=sh -c 'echo owned'\n", encoding="utf-8")
    hearth.knowledge.index("notes", [docs])

    assert openable_source(hearth, str(notes)) == notes.resolve()
    assert openable_source(hearth.knowledge, str(docs / "." / "notes.txt")) == notes.resolve()
    assert openable_source(hearth, str(stranger)) is None
    assert openable_source(hearth, "") is None and openable_source(hearth, None) is None
    # a citation marked as imported is never opened, even if the path happens to be known
    assert openable_source(hearth, str(notes), {"source_path": str(notes), "imported": True}) is None
    notes.unlink()
    assert openable_source(hearth, str(notes)) is None  # known, but gone (or replaced by a non-file)


def test_a_citation_from_an_imported_chat_cannot_open_a_file_beside_it(hearth, tmp_path):
    evil = tmp_path / "setup.exe"
    evil.write_bytes(b"MZ")
    conv = hearth.store.create("to share")
    hearth.store.add_message(conv.id, "user", "Where is it?")
    hearth.store.add_message(conv.id, "assistant", "In the manual [1].",
                             citations=[{"source_path": str(evil), "page": None, "start": 0, "end": 2,
                                         "snippet": "MZ", "number": 1, "cited": True}])
    data = json.loads(json.dumps(hearth.store.export_json(conv.id)))
    copy = hearth.store.import_json(data)
    cite = hearth.store.thread(copy.id)[-1].citations[0]
    assert cite["source_path"] == "setup.exe" and cite["imported"] is True
    assert openable_source(hearth, cite["source_path"], cite) is None
