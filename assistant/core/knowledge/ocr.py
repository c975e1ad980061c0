"""Optical character recognition of page images, offline, in the parser child.

RapidOCR runs the PP-OCR detection, direction and recognition models (Chinese and English) with
onnxruntime; the models ship inside the ``rapidocr-onnxruntime`` wheel, so nothing is downloaded.
The engine is loaded once per parser child, on the first page that needs it.

A page is read line by line in small batches, so a page can stop at its own deadline (or the
file's) and between pages the caller can report progress and honour a cancel request. Each line
keeps its recognition confidence; lines below :data:`MIN_LINE_CONFIDENCE` are not indexed.
"""
from __future__ import annotations

import logging
import os
import threading
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from . import types as T

log = logging.getLogger("assistant.knowledge")

IMAGE_EXTENSIONS = {".png", ".jpg", ".jpeg", ".tif", ".tiff", ".webp", ".bmp"}

MAX_OCR_PAGES = 100  # pages read by OCR per file; the rest are reported, not read (a setting later)
PAGE_DEADLINE_S = 60.0  # one page may take this long; past it the page keeps the lines read so far
MIN_LINE_CONFIDENCE = 0.6  # recognised lines below this are dropped (mostly specks, stamps, handwriting)
RENDER_DPI = 150  # PDF pages are rendered at this resolution for OCR ...
MAX_SIDE_PX = 1600  # ... but never larger than this on the long side (the detector's memory grows with it)
MAX_IMAGE_PIXELS = 60_000_000  # an image file larger than this is refused before it is decoded
DEADLINE_MARGIN_S = 10.0  # OCR ends this long before the parser's time limit: the result must still travel back
REC_BATCH = 6  # lines recognised per model call: the deadline and cancel are checked between calls

Progress = Callable[[int, int, str], None]  # (pages done, pages to read, what in words)
Cancelled = Callable[[], bool]


class OcrUnavailable(Exception):
    """The OCR engine cannot be loaded (package missing or broken); the message says which."""


@dataclass
class OcrLine:
    """One recognised line of text and the recogniser's confidence in it (0 to 1)."""

    text: str
    confidence: float


@dataclass
class OcrPage:
    """What OCR read on one page image.

    Attributes:
        lines: the lines kept (confidence at least :data:`MIN_LINE_CONFIDENCE`), in reading order.
        dropped: how many recognised lines were dropped for low confidence.
        partial: the page ran out of time (its deadline or the file's) before every line was read.
    """

    lines: list[OcrLine] = field(default_factory=list)
    dropped: int = 0
    partial: bool = False

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)

    @property
    def confidence(self) -> float | None:
        """Mean confidence of the kept lines, weighted by their length; None without lines."""
        total = sum(len(line.text) for line in self.lines)
        if not total:
            return None
        return sum(line.confidence * len(line.text) for line in self.lines) / total


_engine = None
_engine_lock = threading.Lock()


def engine():
    """The RapidOCR engine of this process, loaded on first use.

    Raises:
        OcrUnavailable: rapidocr-onnxruntime (or OpenCV, onnxruntime) is not installed or fails to load.
    """
    global _engine
    with _engine_lock:
        if _engine is None:
            _fewer_malloc_arenas()
            try:
                import cv2
                from rapidocr_onnxruntime import RapidOCR
            except Exception as e:  # ImportError, or a native library that fails to load
                raise OcrUnavailable(f"the OCR engine (rapidocr-onnxruntime) cannot be loaded: {e}") from e
            cv2.setNumThreads(1)  # each OpenCV worker thread would reserve its own malloc arena
            # Few threads: the parser child shares the machine with the embedder and the app.
            threads = max(1, min(4, (os.cpu_count() or 2) // 2))
            _engine = RapidOCR(intra_op_num_threads=threads, inter_op_num_threads=1, text_score=0.0)
        return _engine


def _fewer_malloc_arenas() -> None:
    """Limit glibc to two malloc arenas: each thread's own arena reserves 64 MB of address space,
    which counts against the parser child's ``RLIMIT_AS`` (measured: 260 MB less at the peak)."""
    import sys

    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").mallopt(-8, 2)  # M_ARENA_MAX
    except (OSError, AttributeError):  # not glibc (musl): nothing to tune
        pass


def short_error(e: BaseException) -> str:
    """An engine error in a few words (onnxruntime's messages carry a whole traceback)."""
    text = str(e).strip().splitlines()
    last = text[-1] if text else type(e).__name__
    if "bad_alloc" in last or isinstance(e, MemoryError):
        return "not enough memory to read it"
    return f"{type(e).__name__}: {last[:160]}"


def available() -> bool:
    """Whether OCR can run here (the package imports; the models are not loaded)."""
    try:
        import importlib.util

        return importlib.util.find_spec("rapidocr_onnxruntime") is not None
    except (ImportError, ValueError):
        return False


def _is_cjk(ch: str) -> bool:
    return "\u2e80" <= ch <= "\u9fff" or "\uac00" <= ch <= "\ud7af" or "\uf900" <= ch <= "\ufaff" \
        or "\uff00" <= ch <= "\uffef"


def _join(left: str, right: str) -> str:
    """Two pieces of one row: no space between CJK characters, one space otherwise."""
    if left and right and _is_cjk(left[-1]) and _is_cjk(right[0]):
        return left + right
    return f"{left} {right}"


def _rows(boxes: list, texts: list[tuple[str, float]]) -> list[OcrLine]:
    """Boxes read on the same row joined into one line, rows top to bottom, pieces left to right."""
    items = []
    for box, (text, conf) in zip(boxes, texts):
        ys = [p[1] for p in box]
        xs = [p[0] for p in box]
        items.append((min(ys), max(ys), min(xs), text, conf))
    items.sort(key=lambda it: (it[0] + it[1]) / 2)
    rows: list[list[tuple]] = []
    for it in items:
        mid = (it[0] + it[1]) / 2
        if rows:
            last = rows[-1]
            top = min(r[0] for r in last)
            bottom = max(r[1] for r in last)
            if top <= mid <= bottom:
                last.append(it)
                continue
        rows.append([it])
    out: list[OcrLine] = []
    for row in rows:
        row.sort(key=lambda it: it[2])
        text = row[0][3]
        for it in row[1:]:
            text = _join(text, it[3])
        n = sum(len(it[3]) for it in row) or 1
        out.append(OcrLine(text, sum(it[4] * len(it[3]) for it in row) / n))
    return out


def ocr_image(img, deadline: float | None = None, cancelled: Cancelled | None = None) -> OcrPage:
    """Read the text of one page image.

    Args:
        img: the image as a numpy array: BGR (OpenCV's order), BGRA or grayscale.
        deadline: ``time.monotonic()`` value after which reading stops (the page keeps what it read).
        cancelled: returns True when the user cancelled; checked between batches of lines.

    Returns:
        The lines read, those below :data:`MIN_LINE_CONFIDENCE` dropped.

    Raises:
        OcrUnavailable: the engine cannot be loaded.
    """
    eng = engine()
    page_deadline = time.monotonic() + PAGE_DEADLINE_S
    deadline = page_deadline if deadline is None else min(deadline, page_deadline)
    img = eng.load_img(img)
    img, ratio_h, ratio_w = eng.preprocess(img)
    record = {"preprocess": {"ratio_h": ratio_h, "ratio_w": ratio_w}}
    img, record = eng.maybe_add_letterbox(img, record)
    boxes, _ = eng.auto_text_det(img)
    if not boxes:
        return OcrPage()
    crops = eng.get_crop_img_list(img, boxes)
    page = OcrPage()
    texts: list[tuple[str, float]] = []
    batch_s = 0.0
    for i in range(0, len(crops), REC_BATCH):
        t0 = time.monotonic()
        if t0 + batch_s > deadline or (cancelled is not None and cancelled()):
            page.partial = True
            break
        turned, _, _ = eng.text_cls(crops[i:i + REC_BATCH])  # lines upside down are turned first
        res, _ = eng.text_rec(turned)
        texts += [(str(r[0]), float(r[1])) for r in res]
        batch_s = time.monotonic() - t0
    kept_boxes, kept = [], []
    for box, (text, conf) in zip(boxes, texts):
        if not text.strip():
            continue
        if conf < MIN_LINE_CONFIDENCE:
            page.dropped += 1
            continue
        kept_boxes.append(box)
        kept.append((text.strip(), conf))
    page.lines = _rows(kept_boxes, kept)
    return page


def scale_for(width_pt: float, height_pt: float) -> float:
    """Render scale of a PDF page (points to pixels) for OCR: :data:`RENDER_DPI`, long side capped."""
    scale = RENDER_DPI / 72
    longest = max(width_pt, height_pt, 1.0)
    return min(scale, MAX_SIDE_PX / longest)


def sandbox_deadline() -> float | None:
    """The parser child's deadline for the current file (``time.monotonic()``), or None outside it.

    The child's watch thread (see :mod:`.sandbox`) ends the process past ``timeout`` + a grace
    period; OCR stops a few seconds before the parent's own ``timeout`` so that the pages read so
    far come back instead of a "timed out" with nothing.
    """
    from . import sandbox

    for t in threading.enumerate():
        started = getattr(t, "started", None)
        limit = getattr(t, "deadline_s", None)
        if isinstance(t, sandbox._ChildWatch) and started is not None and limit is not None:
            return started + limit - sandbox.DEADLINE_GRACE_S - DEADLINE_MARGIN_S
    return None


def _extended(deadline: float | None) -> float | None:
    """``deadline``, moved later when the parser child's own deadline moved (it does as pages arrive)."""
    if deadline is None:
        return None
    live = sandbox_deadline()
    return live if live is not None and live > deadline else deadline


@dataclass
class OcrRun:
    """What OCR made of the pages of one file.

    Attributes:
        sections: one section per page that had text, with its page number and confidence.
        wanted: pages that needed OCR; ``read`` of them were read (``partial`` of those only in part).
        dropped: low-confidence lines left out, over all pages.
        stopped: why reading stopped early: "" (it did not), "time", "cancelled" or "cap".
        errors: pages that could not be rendered or read, in words.
    """

    sections: list[T.Section] = field(default_factory=list)
    wanted: int = 0
    read: int = 0
    partial: int = 0
    dropped: int = 0
    stopped: str = ""
    errors: list[str] = field(default_factory=list)

    @property
    def confidence(self) -> float | None:
        """Mean confidence over the pages read, weighted by their text's length."""
        pairs = [(len(s.text), s.confidence) for s in self.sections if s.confidence is not None]
        total = sum(n for n, _ in pairs)
        return sum(n * c for n, c in pairs) / total if total else None

    def describe(self, what: str = "page") -> str:
        """How the text was read, in words (the reason shown beside ``indexed (OCR)``)."""
        parts = [f"text read by OCR from {self.read} of {_n(self.wanted, what)}"]
        conf = self.confidence
        if conf is not None:
            parts.append(f"mean confidence {conf:.0%}")
        if self.dropped:
            parts.append(f"{self.dropped} unclear line{'s' if self.dropped != 1 else ''} left out")
        if self.partial:
            parts.append(f"{self.partial} page{'s' if self.partial != 1 else ''} read only in part (time limit)")
        if self.stopped == "time":
            parts.append(f"stopped after {_n(self.read, what)}: the time allowed per file ran out")
        elif self.stopped == "cap":
            parts.append(f"only the first {_n(MAX_OCR_PAGES, what)} are read by OCR")
        if self.errors:
            parts.append(f"{len(self.errors)} could not be read ({self.errors[0]})")
        return "; ".join(parts)


def _n(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


Render = Callable[[int], object]  # page number -> image (numpy array, BGR or grayscale)


def read_pages(pages: list[int], total: int, render: Render, *, progress: Progress | None = None,
               cancelled: Cancelled | None = None, deadline: float | None = None) -> OcrRun:
    """OCR the given pages one by one: progress before each, cancel and deadline between them.

    Args:
        pages: 1-based page numbers to read, in order (at most :data:`MAX_OCR_PAGES` are read).
        total: pages in the whole file (for "OCR page 3 of 40").
        render: returns the image of a page.
        progress: called with (pages done, pages to read, "OCR page 3 of 40").
        cancelled: True once the user cancelled: reading stops before the next page.
        deadline: ``time.monotonic()`` value; no page is started that would likely end after it.

    Raises:
        OcrUnavailable: the engine cannot be loaded.
    """
    run = OcrRun(wanted=len(pages))
    todo = pages[:MAX_OCR_PAGES]
    spent: list[float] = []
    for k, page_no in enumerate(todo):
        if cancelled is not None and cancelled():
            run.stopped = "cancelled"
            return run
        deadline = _extended(deadline)
        if deadline is not None:
            expect = max(spent) if spent else 0.0
            if time.monotonic() + expect > deadline:
                run.stopped = "time"
                return run
        if progress is not None:
            progress(k, len(todo), f"OCR page {page_no} of {total}")
            deadline = _extended(deadline)  # in the parser child a page reported starts its time limit again
        t0 = time.monotonic()
        try:
            img = render(page_no)
        except Exception as e:  # PDFium and Pillow raise a variety on broken pages; one page, not the file
            run.errors.append(f"page {page_no}: {type(e).__name__}: {e}")
            continue
        try:
            page = ocr_image(img, deadline, cancelled)
        except OcrUnavailable:
            raise
        except Exception as e:  # onnxruntime's errors (out of memory under the child's limit): this page only
            run.errors.append(f"page {page_no}: {short_error(e)}")
            continue
        finally:
            del img
        spent.append(time.monotonic() - t0)
        run.read += 1
        run.partial += page.partial
        run.dropped += page.dropped
        if page.lines:
            run.sections.append(T.Section(text=page.text, page=page_no, confidence=page.confidence))
    if progress is not None and todo:
        progress(len(todo), len(todo), f"OCR done ({len(todo)} of {total} pages)")
    if len(pages) > len(todo):
        run.stopped = "cap"
    return run


def result_of(run: OcrRun, base: list[T.Section] | None = None, what: str = "page", *,
              extractor: str = "ocr", password_used: bool = False, before: str = "") -> T.ParseResult:
    """The parse result of an OCR run, merged by page into ``base`` (text-layer sections, if any).

    A run that read nothing says why: cancelled, out of time (``needs OCR``: a later run may
    finish), or no text found (``empty``).
    """
    if run.stopped == "cancelled":
        return T.ParseResult(T.CANCELLED, f"cancelled during OCR after {run.read} of {_n(run.wanted, what)}",
                             password_used=password_used)
    by_page = {s.page: s for s in base or []}
    for s in run.sections:
        by_page[s.page] = s
    sections = sorted(by_page.values(), key=lambda s: (s.page or 0))
    lead = f"{before}; " if before else ""
    if not run.sections:
        unread = run.stopped == "time" or run.partial or run.errors  # nothing read, but not for want of text
        if run.errors:
            why = f"OCR could not read the page images ({run.errors[0]})"
        elif unread:
            why = "OCR ran out of time before it read a line (the time allowed per file)"
        else:
            why = f"OCR found no text ({_n(run.read, what)} read)"
        if base and any(s.text.strip() for s in base):  # a mixed PDF keeps its text layer
            return T.ParseResult(sections=sections, password_used=password_used, extractor=extractor.split("+")[0],
                                 reason=lead + f"{_n(run.wanted, what)} without text: {why}")
        return T.ParseResult(T.NEEDS_OCR if unread else T.EMPTY, lead + why, password_used=password_used)
    return T.ParseResult(sections=sections, password_used=password_used, extractor=extractor,
                         reason=lead + run.describe(what), ocr_pages=len(run.sections), ocr_confidence=run.confidence)


def parse_image(p: Path, *, progress: Progress | None = None, cancelled: Cancelled | None = None,
                deadline: float | None = None) -> T.ParseResult:
    """Text of an image file (PNG, JPEG, TIFF, WebP, BMP) read by OCR; each TIFF page is a page."""
    import numpy as np
    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # measured just below, in our words
            im = Image.open(p)
            w, h = im.size
    except Image.DecompressionBombError:
        return T.ParseResult(T.TOO_LARGE, f"the image is larger than {MAX_IMAGE_PIXELS // 1_000_000} megapixels")
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as e:
        return T.ParseResult(T.DAMAGED, f"cannot read the image: {e}")
    with im:
        if w * h > MAX_IMAGE_PIXELS:
            return T.ParseResult(T.TOO_LARGE, f"the image has {w}x{h} pixels, more than "
                                 f"{MAX_IMAGE_PIXELS // 1_000_000} megapixels")
        frames = getattr(im, "n_frames", 1) if im.format == "TIFF" else 1  # GIF-like animations: first frame

        def render(page_no: int):
            im.seek(page_no - 1)
            frame = im.convert("L") if im.mode in ("I;16", "I", "F", "1") else im.convert("RGB")
            arr = np.asarray(frame)
            return arr if arr.ndim == 2 else np.ascontiguousarray(arr[:, :, ::-1])  # RGB -> BGR

        try:
            run = read_pages(list(range(1, frames + 1)), frames, render, progress=progress, cancelled=cancelled,
                             deadline=deadline)
        except OcrUnavailable as e:
            return T.ParseResult(T.NEEDS_OCR, f"an image: {e}")
    if frames == 1:
        for s in run.sections:
            s.page = None  # one picture: cited like a text file, without a page number
    return result_of(run, what="page" if frames > 1 else "image")
