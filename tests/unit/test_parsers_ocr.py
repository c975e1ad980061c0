"""OCR plumbing with a scripted recogniser: page order, progress, cancel, deadlines, the page cap,
confidence, and the statuses and reasons a user sees. The real engine is in tests/integration/test_ocr.py."""
from __future__ import annotations

import time

import pytest

from assistant.core.knowledge import ocr
from assistant.core.knowledge import types as T
from assistant.core.knowledge.chunking import Chunker


@pytest.fixture
def scripted(monkeypatch):
    """ocr_image returns the page's scripted lines; a page can be made slow or failing."""
    script: dict = {"slow": set(), "fail": set(), "partial": set()}

    def fake(img, deadline=None, cancelled=None):
        n = img
        if n in script["fail"]:
            raise RuntimeError("[ONNXRuntimeError] : 6 : RUNTIME_EXCEPTION : Traceback...\nstd::bad_alloc")
        if n in script["slow"]:
            time.sleep(0.3)
        page = ocr.OcrPage(lines=[ocr.OcrLine(f"line of page {n}", 0.9)], dropped=1)
        page.partial = n in script["partial"]
        return page

    monkeypatch.setattr(ocr, "ocr_image", fake)
    return script


def _run(pages, total=None, **kw):
    return ocr.read_pages(pages, total or max(pages), lambda n: n, **kw)


def test_pages_are_read_in_order_with_progress_and_confidence(scripted):
    seen = []
    run = _run([2, 5], 5, progress=lambda d, t, w: seen.append((d, t, w)))
    assert seen == [(0, 2, "OCR page 2 of 5"), (1, 2, "OCR page 5 of 5"), (2, 2, "OCR done (2 of 5 pages)")]
    assert [(s.page, s.text, s.confidence) for s in run.sections] == [(2, "line of page 2", 0.9),
                                                                      (5, "line of page 5", 0.9)]
    res = ocr.result_of(run)
    assert res.shown_status == T.INDEXED_OCR and res.ocr_pages == 2 and res.ocr_confidence == pytest.approx(0.9)
    assert res.reason == "text read by OCR from 2 of 2 pages; mean confidence 90%; 2 unclear lines left out"


def test_cancel_stops_between_pages(scripted):
    run_seen: list = []
    run = _run([1, 2, 3], cancelled=lambda: len(run_seen) >= 2, progress=lambda d, t, w: run_seen.append(d))
    assert run.read == 2 and run.stopped == "cancelled"
    res = ocr.result_of(run)
    assert res.status == T.CANCELLED and res.reason == "cancelled during OCR after 2 of 3 pages"


def test_no_page_starts_that_would_end_after_the_file_deadline(scripted):
    scripted["slow"] |= {1, 2, 3}
    run = _run([1, 2, 3], deadline=time.monotonic() + 0.45)
    assert run.read == 1 and run.stopped == "time"
    res = ocr.result_of(run)
    assert res.shown_status == T.INDEXED_OCR and "stopped after 1 page: the time allowed per file ran out" in res.reason


def test_a_page_that_fails_is_reported_and_the_others_are_read(scripted):
    scripted["fail"].add(1)
    run = _run([1, 2])
    assert [s.page for s in run.sections] == [2]
    assert run.errors == ["page 1: not enough memory to read it"]
    scripted["fail"].add(2)
    res = ocr.result_of(_run([1, 2]), before="2 of 2 pages are images without a text layer")
    assert res.status == T.NEEDS_OCR and "OCR could not read the page images (page 1: not enough memory" in res.reason


def test_page_cap(scripted, monkeypatch):
    monkeypatch.setattr(ocr, "MAX_OCR_PAGES", 2)
    run = _run([1, 2, 3, 4])
    assert run.read == 2 and run.stopped == "cap"
    assert "only the first 2 pages are read by OCR" in ocr.result_of(run).reason


def test_ocr_pages_merge_into_text_pages_of_a_mixed_pdf(scripted):
    base = [T.Section("typed page one", page=1), T.Section("", page=2), T.Section("typed page three", page=3)]
    res = ocr.result_of(_run([2], 3), base, extractor="pypdf+ocr")
    assert [(s.page, s.text, s.confidence) for s in res.sections] == [
        (1, "typed page one", None), (2, "line of page 2", 0.9), (3, "typed page three", None)]
    assert res.extractor == "pypdf+ocr" and res.ocr_pages == 1


def test_a_page_out_of_time_before_any_line_is_not_called_empty(scripted, monkeypatch):
    monkeypatch.setattr(ocr, "ocr_image", lambda img, deadline=None, cancelled=None: ocr.OcrPage(partial=True))
    res = ocr.result_of(_run([1]), before="1 of 1 pages are images without a text layer")
    assert res.status == T.NEEDS_OCR and "ran out of time" in res.reason
    monkeypatch.setattr(ocr, "ocr_image", lambda img, deadline=None, cancelled=None: ocr.OcrPage())
    res = ocr.result_of(_run([1]))
    assert res.status == T.EMPTY and res.reason == "OCR found no text (1 page read)"
    base = [T.Section("typed", page=1)]
    res = ocr.result_of(_run([2], 2), base, extractor="pypdf+ocr")
    assert res.status == T.INDEXED and res.extractor == "pypdf" and res.reason == "1 page without text: OCR found no text (1 page read)"


def test_rows_join_boxes_left_to_right_without_spaces_between_chinese():
    boxes = [[(300, 10), (400, 10), (400, 40), (300, 40)], [(10, 12), (200, 12), (200, 38), (10, 38)],
             [(10, 60), (200, 60), (200, 90), (10, 90)], [(220, 62), (330, 62), (330, 88), (220, 88)]]
    texts = [("识别", 0.9), ("文字", 0.8), ("Total", 0.99), ("840 EUR", 0.95)]
    lines = ocr._rows(boxes, texts)
    assert [line.text for line in lines] == ["文字识别", "Total 840 EUR"]
    assert lines[0].confidence == pytest.approx(0.85)


def test_chunks_keep_the_ocr_confidence_of_their_page():
    chunker = Chunker(lambda texts: [len(t.split()) for t in texts], max_tokens=50)
    chunks = chunker.chunk([T.Section("typed text", page=1), T.Section("read from pixels", page=2, confidence=0.93)],
                           "ab" * 32, "/docs/scan.pdf")
    assert [(c.page, c.confidence) for c in chunks] == [(1, None), (2, 0.93)]


def test_render_scale_caps_the_long_side():
    assert ocr.scale_for(420, 595) == pytest.approx(ocr.RENDER_DPI / 72)  # A5 at full resolution
    assert 14400 * ocr.scale_for(14400, 14400) == pytest.approx(ocr.MAX_SIDE_PX)


def test_huge_and_broken_images_are_refused_in_words(tmp_path, monkeypatch):
    from PIL import Image

    from assistant.core.knowledge.parsers import parse_file

    monkeypatch.setattr(ocr, "MAX_IMAGE_PIXELS", 100 * 100)
    Image.new("L", (200, 200), 255).save(tmp_path / "big.png")
    res = parse_file(str(tmp_path / "big.png"))
    assert res.status == T.TOO_LARGE and "200x200 pixels" in res.reason
    (tmp_path / "cut.jpg").write_bytes(b"\xff\xd8\xff\xe0garbage")
    assert parse_file(str(tmp_path / "cut.jpg")).status == T.DAMAGED
