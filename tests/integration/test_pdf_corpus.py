"""The whole PDF robustness corpus goes through real indexing: every file ends as its manifest expects.

Real parts: the parser child process (pypdf, time and memory limits), the chunker, a real Chroma
directory and the SQLite manifest. The embedder is the hash fake: what is tested here is parsing
and statuses, not vector quality.

Known extraction limits of pypdf that remain (each file still ends with a status the user can act
on, never indexed garbage, never a hang):
- XiaoBiaoSong.pdf, issue3521.pdf: GBK-EUC-H CMap fonts decode to mojibake -> "garbled text".
- jo.pdf, kampo.pdf, nlp2004slides.pdf, issue16538.pdf: Japanese fonts without a usable character
  map decode to a soup of unrelated scripts -> "garbled text" (PyMuPDF/pdfminer read them).
- simple1.pdf: no xref table at all; pypdf cannot repair it -> "damaged" (pdfminer recovers "Hello").
- bomb_giant.pdf: pypdf needs the jbig2dec program for the page -> "damaged" (the text layer
  "GIANT JBIG2 BOMB" is not read, but memory stays bounded).
- secHandler.pdf: pypdf opens it but extracts no text -> "empty" (PyMuPDF reads "Security Handler").
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.core.knowledge import HashEmbedder, KnowledgeBase
from assistant.core.knowledge import types as T

KNOWN_LIMITS = {
    "cjk/pdfjs__XiaoBiaoSong.pdf": T.GARBLED,
    "cjk/pdfjs__issue3521.pdf": T.GARBLED,
    "cjk/pdfminer__jo.pdf": T.GARBLED,
    "cjk/pdfminer__nonfree__kampo.pdf": T.GARBLED,
    "cjk/pdfminer__nonfree__nlp2004slides.pdf": T.GARBLED,
    "cjk/pdfjs__issue16538.pdf": T.GARBLED,
    "malformed/pdfminer__simple1.pdf": T.DAMAGED,
    "malformed/pdfjs__bomb_giant.pdf": T.DAMAGED,
    "encrypted_no_pw/pdfjs__secHandler.pdf": T.EMPTY,
}
# pypdf opens this one with the empty owner password, as the manifest notes.
OPENS_WITHOUT_PASSWORD = {"encrypted_needs_pw/pypdf__encryption__r6-user-password.pdf"}


def expected_statuses(entry: dict) -> set[str]:
    f, cat, exp = entry["file"], entry["category"], entry["expected"]
    if f in KNOWN_LIMITS:
        return {KNOWN_LIMITS[f]}
    if cat == "encrypted_needs_pw":
        return {T.INDEXED} if f in OPENS_WITHOUT_PASSWORD else {T.NEEDS_PASSWORD}
    if entry.get("expected_text_contains"):
        return {T.INDEXED}
    if "report 'empty'" in exp or "empty document" in exp:
        return {T.EMPTY}
    if exp.startswith("no text") or "image only" in exp:
        return {T.NEEDS_OCR}
    if cat in ("malformed", "encrypted_broken"):
        observed = entry["observed"]["no_password"]
        if all(isinstance(v, dict) and v.get("chars", 1) == 0 for k, v in observed.items() if k != "versions"):
            return {T.EMPTY, T.DAMAGED}
        return {T.INDEXED, T.DAMAGED}  # "error or partial, no crash": never timed out or crashed
    return {T.INDEXED}


@pytest.fixture(scope="module")
def corpus(shared_eval) -> list[dict]:
    return json.loads((shared_eval / "pdfs" / "manifest.json").read_text(encoding="utf-8"))


def _text_of(kb: KnowledgeBase, name: str, path: str) -> str:
    store = kb._get(name)
    rows = store.manifest.db.execute("SELECT text FROM chunks WHERE path=? ORDER BY idx", (path,)).fetchall()
    return "\n".join(r[0] for r in rows)


@pytest.mark.slow
def test_every_corpus_file_ends_as_its_manifest_expects(paths, shared_eval, corpus, memory_keyring):
    root = shared_eval / "pdfs"
    kb = KnowledgeBase(paths, HashEmbedder(), parse_timeout=60, parse_memory_mb=1536)
    try:
        reports = {Path(r.path).relative_to(root.resolve()).as_posix(): r for r in kb.index("corpus", [root])}
        mismatches = []
        for e in corpus:
            r = reports[e["file"]]
            want = expected_statuses(e)
            if r.status not in want:
                mismatches.append(f"{e['file']}: {r.status} ({r.reason}), expected {sorted(want)}")
            elif r.status == T.INDEXED:
                assert r.chunks > 0
                needle = e.get("expected_text_contains")
                if needle:
                    text = " ".join(_text_of(kb, "corpus", r.path).split())
                    if " ".join(needle.split()) not in text:
                        mismatches.append(f"{e['file']}: text lacks {needle!r}")
            else:
                assert r.reason, f"{e['file']}: status {r.status} without a reason for the user"
        assert not mismatches, "\n".join(mismatches)
        statuses = {r.status for r in reports.values()}
        assert T.TIMED_OUT not in statuses

        # Encrypted files open with the listed password; a wrong one says so; a good one can be remembered.
        needs_pw = [e for e in corpus if e["category"] == "encrypted_needs_pw" and e["file"] not in OPENS_WITHOUT_PASSWORD]
        pws = {str((root / e["file"]).resolve()): e["password"] for e in needs_pw}
        again = {Path(r.path).relative_to(root.resolve()).as_posix(): r
                 for r in kb.index("corpus", [root / e["file"] for e in needs_pw], passwords=pws,
                                   remember_passwords=True)}
        for e in needs_pw:
            r = again[e["file"]]
            chars = e["observed"]["with_password"]["pypdf"].get("chars", 0) if "with_password" in e["observed"] else 1
            assert r.status in ({T.INDEXED} if chars else {T.EMPTY, T.NEEDS_OCR}), f"{e['file']}: {r.status} {r.reason}"
        assert any(k[1].startswith("pdf-password:") for k in memory_keyring.store)
        wrong = root / needs_pw[0]["file"]
        kb.remove_file("corpus", str(wrong))
        (rep,) = kb.index("corpus", [wrong], passwords={str(wrong.resolve()): "not-the-password"})
        assert rep.status == T.WRONG_PASSWORD
    finally:
        kb.close()
