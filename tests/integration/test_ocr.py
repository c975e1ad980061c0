"""OCR on the real parts: RapidOCR's bundled PP-OCR models, PDFium rendering, the parser child,
the chunker, a real Chroma directory and keyword search.

- Screenshots of Chinese and English text, painted here with Qt and the Noto CJK font and saved
  as PNG and JPEG, come back with at least 90% of their characters right.
- The scanned PDFs of ``../shared/eval/pdfs/scanned`` become ``indexed (OCR)``, their passages
  keep page numbers, and a keyword search finds words printed on their pages.
- A PDF with one text page and one scanned page gets OCR on the scanned page only.
"""
from __future__ import annotations

import shutil
import unicodedata
from pathlib import Path

import pytest

from assistant.core.knowledge import HashEmbedder, KnowledgeBase
from assistant.core.knowledge import types as T
from assistant.core.knowledge.parsers import parse_file

pytest.importorskip("rapidocr_onnxruntime", reason="OCR is an install requirement; this checks it works")

ZH_LINES = ["知识库里的文档可以离线搜索", "扫描件中的文字也能被识别出来", "今天下午三点在会议室开会"]
EN_LINES = ["The quick brown fox jumps over the lazy dog", "Invoice 2024-117: total 840 EUR, due in March"]


def _cjk_family() -> str:
    from PySide6.QtGui import QFontDatabase

    for fam in QFontDatabase.families():
        if "CJK SC" in fam or "CJK" in fam:
            return fam
    pytest.fail("no CJK font installed (Debian: apt-get install fonts-noto-cjk)")


def _screenshot(path: Path, lines: list[str], fmt: str, px: int = 30) -> Path:
    """Paint lines of text black on white, the way a screenshot of a document looks."""
    from PySide6.QtCore import QRect, Qt
    from PySide6.QtGui import QColor, QFont, QImage, QPainter

    img = QImage(1100, 80 + len(lines) * int(px * 2.2), QImage.Format.Format_RGB32)
    img.fill(QColor("white"))
    p = QPainter(img)
    font = QFont(_cjk_family())
    font.setPixelSize(px)
    p.setFont(font)
    p.setPen(QColor("black"))
    for i, line in enumerate(lines):
        p.drawText(QRect(40, 40 + i * int(px * 2.2), 1040, int(px * 1.6)), Qt.AlignmentFlag.AlignLeft, line)
    p.end()
    assert img.save(str(path), fmt, 90)
    return path


def _accuracy(expected: str, got: str) -> float:
    """1 - edit distance / length, over the characters without spaces (NFKC: full-width = half-width)."""
    a = "".join(unicodedata.normalize("NFKC", expected).split())
    b = "".join(unicodedata.normalize("NFKC", got).split())
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return 1 - prev[-1] / max(1, len(a))


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
def test_chinese_and_english_screenshots_are_read_with_90_percent_of_characters(qapp, tmp_path, fmt):
    for name, lines in (("zh", ZH_LINES), ("en", EN_LINES)):
        f = _screenshot(tmp_path / f"{name}.{fmt.lower()}", lines, fmt)
        res = parse_file(str(f))
        assert res.shown_status == T.INDEXED_OCR, (res.status, res.reason)
        assert res.extractor == "ocr" and "text read by OCR from 1 of 1 image" in res.reason
        got = "\n".join(s.text for s in res.sections)
        acc = _accuracy("".join(lines), got)
        assert acc >= 0.9, (name, fmt, acc, got)
        assert res.sections[0].page is None and 0.5 < (res.ocr_confidence or 0) <= 1


@pytest.mark.slow
def test_scanned_pdfs_are_indexed_by_ocr_with_pages_and_found_by_keyword(paths, shared_eval, tmp_path):
    src = shared_eval / "pdfs" / "scanned"
    docs = tmp_path / "scans"
    docs.mkdir()
    for name in ("pdfjs__issue7200.pdf", "pdfminer__nonfree__175.pdf"):
        shutil.copy(src / name, docs / name)
    kb = KnowledgeBase(paths, HashEmbedder(), parse_timeout=600)
    try:
        reports = {Path(r.path).name: r for r in kb.index("scans", [docs])}
        for name, r in reports.items():
            assert r.status in T.INDEXED_STATUSES and r.chunks > 0, (name, r.status, r.reason)
            assert "text read by OCR from" in r.reason, (name, r.reason)
        # Words printed on the page images (the lorem-ipsum page; the typed service bulletin, page 2).
        hits = kb.search("scans", "consetetur sadipscing", k=3, dense=False)
        assert hits and hits[0].citation.source_path.endswith("issue7200.pdf") and hits[0].citation.page == 1
        hits = kb.search("scans", "cotter pins axle nuts", k=3, dense=False)
        assert hits and hits[0].citation.source_path.endswith("175.pdf") and hits[0].citation.page == 2
    finally:
        kb.close()
    # Straight from the parser child: the status a user sees says the text was read from pixels.
    from assistant.core.knowledge.sandbox import ParserPool

    pool = ParserPool(timeout=600)
    try:
        res = pool.parse(str(docs / "pdfjs__issue7200.pdf"))
    finally:
        pool.close()
    assert res.shown_status == T.INDEXED_OCR and res.ocr_pages == 1 and res.extractor == "ocr"


@pytest.mark.slow
def test_mixed_pdf_gets_ocr_only_on_its_scanned_page(qapp, tmp_path):
    """Page 1 has a text layer, page 2 is a picture of text: only page 2 is read by OCR."""
    from PySide6.QtGui import QPageSize, QPdfWriter, QPainter, QImage
    from PySide6.QtCore import QRect, Qt

    shot = _screenshot(tmp_path / "page2.png", EN_LINES, "PNG", px=40)
    pdf = tmp_path / "mixed.pdf"
    w = QPdfWriter(str(pdf))
    w.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    w.setResolution(150)
    p = QPainter(w)
    p.drawText(QRect(100, 100, 1000, 200), Qt.AlignmentFlag.AlignLeft, "Minutes of the spring meeting of the garden club")
    w.newPage()
    p.drawImage(QRect(50, 50, 1100, 300), QImage(str(shot)))
    p.end()
    res = parse_file(str(pdf))
    assert res.shown_status == T.INDEXED_OCR and res.extractor == "pypdf+ocr", (res.status, res.reason)
    pages = {s.page: s for s in res.sections}
    assert "garden club" in " ".join(pages[1].text.split()) and pages[1].confidence is None  # text layer, untouched
    assert pages[2].confidence is not None and _accuracy("".join(EN_LINES), pages[2].text) >= 0.9
    assert res.ocr_pages == 1 and "text read by OCR from 1 of 1 page" in res.reason


def test_ocr_stops_between_pages_when_cancelled_and_reports_progress(tmp_path, shared_eval):
    seen: list[tuple[int, int, str]] = []
    res = parse_file(str(shared_eval / "pdfs" / "scanned" / "pdfminer__nonfree__175.pdf"),
                     progress=lambda done, total, what: seen.append((done, total, what)),
                     cancelled=lambda: len(seen) >= 1)
    assert seen == [(0, 2, "OCR page 1 of 2")]
    assert res.status == T.CANCELLED and "after 1 of 2 pages" in res.reason
