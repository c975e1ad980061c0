"""Re-indexing skips unchanged files, replaces changed ones and removes deleted ones (real Chroma)."""
from __future__ import annotations

import os
import threading
import time

import pytest

from assistant.core.knowledge import EmbedderMismatch, HashEmbedder, KnowledgeBase
from assistant.core.knowledge import types as T


def by_name(reports):
    return {os.path.basename(r.path): r for r in reports}


def test_changed_deleted_and_unchanged_files(paths, tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "keep.txt").write_text("Bananas are rich in potassium.\n", encoding="utf-8")
    (docs / "change.md").write_text("# Plans\n\nWe meet on Monday at the harbour.\n", encoding="utf-8")
    (docs / "gone.txt").write_text("The lighthouse keeper retired in 1998.\n", encoding="utf-8")
    kb = KnowledgeBase(paths, HashEmbedder())
    try:
        first = by_name(kb.index("notes", [docs]))
        assert {r.status for r in first.values()} == {T.INDEXED}
        assert kb.search("notes", "lighthouse keeper retired", k=1)[0].citation.source_path.endswith("gone.txt")

        time.sleep(0.01)
        (docs / "change.md").write_text("# Plans\n\nWe meet on Friday at the station.\n", encoding="utf-8")
        (docs / "gone.txt").unlink()
        second = by_name(kb.index("notes", [docs]))
        assert second["keep.txt"].status == T.UNCHANGED
        assert second["change.md"].status == T.INDEXED
        assert second["gone.txt"].status == T.REMOVED

        hits = kb.search("notes", "when do we meet", k=3, min_score=-1)
        texts = " ".join(p.text for p in hits)
        assert "Friday" in texts and "Monday" not in texts
        assert not any(p.citation.source_path.endswith("gone.txt") for p in hits)
        store = kb._get("notes")
        assert store.manifest.chunk_ids() == store.all_chroma_ids()
        assert [f.status for f in kb.files("notes")] == [T.INDEXED, T.INDEXED]

        # touching a file without changing it is still "unchanged" (hash check after size+mtime)
        os.utime(docs / "keep.txt", (time.time() + 5, time.time() + 5))
        assert by_name(kb.index("notes", [docs]))["keep.txt"].status == T.UNCHANGED
    finally:
        kb.close()


def test_collections_names_rename_delete_and_embedder_mismatch(paths, tmp_path):
    f = tmp_path / "a.txt"
    f.write_text("Quantum tunnelling lets particles cross barriers.", encoding="utf-8")
    kb = KnowledgeBase(paths, HashEmbedder())
    try:
        kb.index("我的文档", [f])
        kb.rename_collection("我的文档", "物理")
        (info,) = kb.list_collections()
        assert info.name == "物理" and info.files == 1 and info.chunks == 1 and info.id.startswith("hearth-")
    finally:
        kb.close()
    other = KnowledgeBase(paths, HashEmbedder(dimension=128, name="another-embedder"))
    try:
        with pytest.raises(EmbedderMismatch, match="Re-index"):
            other.search("物理", "quantum")
        other.reindex("物理", rebuild=True)
        assert other.search("物理", "quantum tunnelling", min_score=-1)[0].text.startswith("Quantum")
        other.delete_collection("物理")
        assert other.list_collections() == []
    finally:
        other.close()


def test_cancel_keeps_what_was_done_and_watching_picks_up_changes(paths, tmp_path):
    docs = tmp_path / "watched"
    docs.mkdir()
    (docs / "one.txt").write_text("Owls hunt at night.", encoding="utf-8")
    kb = KnowledgeBase(paths, HashEmbedder())
    cancel = threading.Event()
    cancel.set()
    try:
        assert [r for r in kb.index("w", [docs], cancel=cancel) if r.status == T.INDEXED] == []
        kb.watch("w", docs)
        assert kb.list_collections()[0].watched == [str(docs.resolve())]
        changes: list = []
        got = threading.Event()

        def on_change(name, reports):
            changes.append((name, reports))
            got.set()

        (docs / "photo.jpg").write_bytes(b"\xff\xd8\xff")
        kb.start_watching(on_change, interval=0.2)
        assert got.wait(30)
        time.sleep(1.0)  # several more passes: files that did not change are not reported again
        assert sum(1 for _, reps in changes for r in reps if r.path.endswith("photo.jpg")) == 1
        got.clear()
        (docs / "two.md").write_text("# Bats\n\nBats navigate by echolocation.", encoding="utf-8")
        assert got.wait(30)
        kb.stop_watching()
        names = {os.path.basename(r.path) for _, reps in changes for r in reps}
        assert {"one.txt", "two.md"} <= names
        assert kb.search("w", "echolocation bats", k=1)[0].citation.heading == "Bats"
    finally:
        kb.close()
