"""A real scan through the indexer: "OCR page N of M" reaches the progress callback, and cancel stops it."""
from __future__ import annotations

import shutil
import threading

import pytest

from assistant.core.knowledge import KnowledgeBase
from assistant.core.knowledge import types as T
from assistant.core.knowledge.embedders import HashEmbedder

SCAN = "pdfminer__nonfree__175.pdf"  # two scanned pages, no text layer


@pytest.mark.slow
def test_a_scanned_pdf_reports_each_ocr_page_and_cancel_stops_it(paths, shared_eval, tmp_path):
    src = shared_eval / "pdfs" / "scanned" / SCAN
    doc = tmp_path / SCAN
    shutil.copy(src, doc)
    phases: list[str] = []
    kb = KnowledgeBase(paths, embedder=HashEmbedder(), parse_timeout=600)
    try:
        reports = kb.index("scans", [doc], progress=lambda p: phases.append(p.phase))
        assert reports[0].status == T.INDEXED_OCR
        assert "OCR page 1 of 2" in phases and "OCR page 2 of 2" in phases
        assert phases.index("OCR page 1 of 2") < phases.index("OCR page 2 of 2") < phases.index("done")
        kb.remove_file("scans", str(doc))
        cancel = threading.Event()

        def stop_at_page_2(p: T.IndexProgress) -> None:
            if p.phase == "OCR page 2 of 2":
                cancel.set()

        reports = kb.index("scans", [doc], progress=stop_at_page_2, cancel=cancel)
        assert all(r.status != T.INDEXED_OCR for r in reports)  # stopped, not finished
        assert not kb.files("scans") or kb.files("scans")[0].status != T.INDEXED_OCR
    finally:
        kb.close()
