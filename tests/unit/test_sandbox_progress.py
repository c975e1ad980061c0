"""OCR pages through the parser child: progress reaches the caller, cancel stops between pages, and the
time limit starts again with each page (a long scan is not cut at the per-file limit)."""
from __future__ import annotations

import threading
import time

from assistant.core.knowledge import types as T
from assistant.core.knowledge.sandbox import ParserPool

PAGED = "tests.unit.test_sandbox_progress:paged"


def paged(path: str, password: str | None = None, *, progress=None, cancelled=None):
    """A 'scan' whose pages take 0.7 s each, read like OCR reads them (runs in the parser child)."""
    from assistant.core.knowledge.parsers import ParseResult

    pages = int(open(path, encoding="utf-8").read())
    read = []
    for k in range(pages):
        if cancelled is not None and cancelled():
            return ParseResult(T.CANCELLED, f"cancelled during OCR after {k} of {pages} pages")
        if progress is not None:
            progress(k, pages, f"OCR page {k + 1} of {pages}")
        time.sleep(0.7)
        read.append(T.Section(text=f"page {k + 1}", page=k + 1))
    return ParseResult(sections=read)


def test_pages_report_progress_and_keep_a_long_scan_within_its_time(tmp_path):
    doc = tmp_path / "scan.txt"
    doc.write_text("6", encoding="utf-8")  # 6 pages x 0.7 s = 4.2 s, past the 2 s limit per file
    seen: list[tuple[int, int, str]] = []
    pool = ParserPool(timeout=2, target=PAGED)
    try:
        res = pool.parse(str(doc), progress=lambda d, t, text: seen.append((d, t, text)))
        assert res.status == T.INDEXED and [s.page for s in res.sections] == [1, 2, 3, 4, 5, 6]
        assert [text for *_, text in seen] == [f"OCR page {k} of 6" for k in range(1, 7)]
        res = pool.parse(str(doc))  # no progress wanted: same result, the pipe carries only the answer
        assert res.status == T.INDEXED
        capped = ParserPool(timeout=2, max_total=2.5, target=PAGED)
        try:
            assert capped.parse(str(doc)).status == T.TIMED_OUT  # however many pages arrive
        finally:
            capped.close()
    finally:
        pool.close()


def test_cancel_stops_between_pages_and_the_child_keeps_working(tmp_path):
    doc = tmp_path / "scan.txt"
    doc.write_text("40", encoding="utf-8")
    cancel = threading.Event()
    seen: list[str] = []

    def progress(done: int, total: int, text: str) -> None:
        seen.append(text)
        if done == 2:
            cancel.set()

    pool = ParserPool(timeout=30, target=PAGED)
    try:
        t0 = time.monotonic()
        res = pool.parse(str(doc), progress=progress, cancel=cancel)
        assert res.status == T.CANCELLED and "of 40 pages" in res.reason
        assert len(seen) <= 5 and time.monotonic() - t0 < 15
        small = tmp_path / "small.txt"
        small.write_text("1", encoding="utf-8")
        assert pool.parse(str(small)).status == T.INDEXED  # a late "cancel" does not touch the next file
    finally:
        pool.close()
