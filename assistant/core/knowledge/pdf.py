"""PDF text: pypdf's text layer, PDFium when pypdf's is garbled, OCR for pages that are pictures.

Runs in the parser child (see :mod:`.sandbox`). Every page keeps its 1-based number, whichever
extractor read it, so citations point at the page. The order of attempts for a file:

1. pypdf reads each page's text layer (handles encryption and broken pages);
2. if that text is mojibake (see :mod:`.garble`), PDFium reads the file again: it maps the CJK
   font encodings (GBK CMaps, fonts without a ToUnicode map) that pypdf cannot;
3. pages without any text layer that paint an image (scans), and pages whose text is garbled for
   both, are rendered with PDFium and read by OCR (see :mod:`.ocr`).

The extractor used is reported in ``ParseResult.extractor`` and, when it is not plain pypdf, in
the reason the user sees.
"""
from __future__ import annotations

import logging
import re
from pathlib import Path

from . import types as T
from .garble import garbled_reason
from .ocr import Cancelled, OcrUnavailable, Progress, short_error, read_pages, result_of, scale_for
from .types import ParseResult

log = logging.getLogger("assistant.knowledge")


def parse_pdf(p: Path, password: str | None, *, progress: Progress | None = None,
              cancelled: Cancelled | None = None, deadline: float | None = None) -> ParseResult:
    """Text of each page of a PDF (1-based page numbers): text layer, PDFium fallback, OCR.

    Args:
        p: the PDF.
        password: its password, or None (the empty one is tried).
        progress, cancelled, deadline: passed to OCR (see :func:`.ocr.read_pages`).
    """
    from pypdf import PdfReader
    from pypdf.errors import FileNotDecryptedError, PdfReadError

    used_password = False
    opened_with: str | None = None
    try:
        reader = PdfReader(str(p), strict=False)
        if reader.is_encrypted:
            ok = False
            for candidate in ([password] if password else []) + [""]:
                try:
                    if reader.decrypt(candidate):
                        ok, used_password, opened_with = True, bool(candidate), candidate
                        break
                except (FileNotDecryptedError, NotImplementedError) as e:
                    return ParseResult(T.DAMAGED, f"unsupported encryption: {e}")
            if not ok:
                if password:
                    return ParseResult(T.WRONG_PASSWORD, "the password given does not open this PDF")
                return ParseResult(T.NEEDS_PASSWORD, "this PDF is protected by a password")
        pages = reader.pages
        n = len(pages)
    except (PdfReadError, ValueError, KeyError, TypeError, IndexError, AttributeError, RecursionError,
            OSError, AssertionError) as e:
        return ParseResult(T.DAMAGED, f"cannot read the PDF: {type(e).__name__}: {e}")
    sections: list[T.Section] = []
    errors: list[str] = []
    image_pages = 0
    ocr = _Ocr(p, opened_with, n, progress, cancelled, deadline, used_password)
    with _PypdfWarnings() as warned:
        for i in range(n):
            warned.page = i + 1
            try:
                page = pages[i]
                text = page.extract_text() or ""
            except Exception as e:  # pypdf raises a wide variety on damaged content streams
                errors.append(f"page {i + 1}: {type(e).__name__}: {e}")
                continue
            if _page_has_images(page):
                image_pages += 1
            sections.append(T.Section(text=text, page=i + 1))
        chars = sum(len("".join(s.text.split())) for s in sections)
        if chars == 0 or (image_pages and chars < 16 * max(1, n) and chars < 64):
            res, scanned = _without_text(pages, sections, errors, warned, used_password)
            if res.status == T.NEEDS_OCR:  # the little text there is was judged not real text
                return ocr.pages(scanned, [], res.reason)
            return res
        blank = [s.page for s in sections if not s.text.strip()]
        scanned = [pg for pg in blank if _paints_image(pages[pg - 1])]
    reason = f"{len(errors)} of {n} pages could not be read ({errors[0]})" if errors else ""
    if garbled_reason("\n".join(s.text for s in sections[:200])):
        return _garbled(ocr, sections, reason)
    if scanned:  # a mixed PDF: OCR only the pages that are pictures
        return ocr.pages(scanned, sections, reason, extractor="pypdf+ocr")
    return ParseResult(sections=sections, password_used=used_password, reason=reason, extractor="pypdf")


class _Ocr:
    """OCR of some pages of one PDF, rendered with PDFium (opened on first use)."""

    def __init__(self, p: Path, password: str | None, n: int, progress, cancelled, deadline, used_password: bool):
        self.p, self.password, self.n = p, password, n
        self.progress, self.cancelled, self.deadline = progress, cancelled, deadline
        self.used_password = used_password
        self._doc = None

    def doc(self):
        if self._doc is None:
            import pypdfium2 as pdfium

            self._doc = pdfium.PdfDocument(str(self.p), password=self.password or None)
        return self._doc

    def render(self, page_no: int):
        page = self.doc()[page_no - 1]
        try:
            w, h = page.get_size()
            bitmap = page.render(scale=scale_for(w, h), grayscale=True)
            return bitmap.to_numpy().copy()
        finally:
            page.close()

    def pages(self, wanted: list[int], base: list[T.Section], before: str, extractor: str = "ocr") -> ParseResult:
        """OCR ``wanted`` pages and merge them into ``base``; without OCR, say what it would need."""
        try:
            self.doc()
            run = read_pages(wanted, self.n, self.render, progress=self.progress, cancelled=self.cancelled,
                             deadline=self.deadline)
        except OcrUnavailable as e:
            if any(s.text.strip() for s in base):
                return ParseResult(sections=base, password_used=self.used_password, extractor="pypdf",
                                   reason="; ".join(x for x in (before, f"{len(wanted)} pages are images ({e})") if x))
            return ParseResult(T.NEEDS_OCR, f"{before} ({e})" if before else str(e), password_used=self.used_password)
        except Exception as e:  # PDFium cannot open what pypdf could: keep what pypdf read
            log.warning("PDFium cannot open %s for OCR: %s", self.p, short_error(e))
            if any(s.text.strip() for s in base):
                return ParseResult(sections=base, password_used=self.used_password, reason=before, extractor="pypdf")
            return ParseResult(T.NEEDS_OCR, f"{before} (the pages cannot be rendered for OCR: {short_error(e)})",
                               password_used=self.used_password)
        return result_of(run, base, extractor=extractor, password_used=self.used_password, before=before)

    def text(self) -> list[T.Section] | None:
        """PDFium's text layer of every page; None when PDFium cannot read the file."""
        try:
            doc = self.doc()
            out = []
            for i in range(len(doc)):
                page = doc[i]
                try:
                    tp = page.get_textpage()
                    out.append(T.Section(text=_unvertical(tp.get_text_bounded()), page=i + 1))
                    tp.close()
                finally:
                    page.close()
            return out
        except Exception as e:  # PDFium's errors on broken files: pypdf's verdict stands
            log.info("PDFium cannot read the text of %s: %s", self.p, e)
            return None


def _garbled(ocr: _Ocr, sections: list[T.Section], reason: str) -> ParseResult:
    """pypdf's text is mojibake: PDFium's text if it is real, else OCR of the pages (the last resort)."""
    why = garbled_reason("\n".join(s.text for s in sections[:200]))
    alt = ocr.text()
    if alt is not None and any(s.text.strip() for s in alt) \
            and not garbled_reason("\n".join(s.text for s in alt[:200])):
        return ParseResult(sections=alt, password_used=ocr.used_password, extractor="pdfium",
                           reason=f"read with PDFium (pypdf's text was garbled: {why})")
    pages = [s.page for s in (alt or sections) if s.text.strip()]
    res = ocr.pages(pages, [], f"the text layer is garbled for pypdf and PDFium ({why})")
    if res.status == T.NEEDS_OCR:  # no OCR: the garbled verdict, as before
        return ParseResult(T.GARBLED, res.reason, password_used=ocr.used_password, extractor="pypdf")
    return res


_SHORT_LINE = 2


def _unvertical(text: str) -> str:
    """PDFium's text of vertical writing has one character per line: join such runs into lines."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    short = [len(line.strip()) <= _SHORT_LINE for line in lines if line.strip()]
    if len(short) < 10 or sum(short) < 0.6 * len(short):
        return text
    out: list[str] = []
    run: list[str] = []
    for line in lines:
        if line.strip() and len(line.strip()) <= _SHORT_LINE:
            run.append(line.strip())
            continue
        if run:
            out.append("".join(run))
            run = []
        out.append(line)
    if run:
        out.append("".join(run))
    return "\n".join(out)


def _paints_image(page) -> bool:
    """Whether a page without text paints an image (a scanned page in a mixed PDF)."""
    try:
        contents = page.get_contents()
        data = contents.get_data() if contents is not None else b""
        return _images_drawn(data, page.get("/Resources")) > 0
    except Exception:  # a broken page is reported by text extraction, not here
        return False


def _page_has_images(page) -> bool:
    """Whether the page's resources hold an image (cheap; says nothing about drawing it)."""
    try:
        res = page.get("/Resources")
        res = res.get_object() if res is not None else None
        xobjs = res.get("/XObject") if res is not None else None
        xobjs = xobjs.get_object() if xobjs is not None else None
        if not xobjs:
            return False
        return any(x.get_object().get("/Subtype") == "/Image" for x in xobjs.values())
    except Exception:  # a broken resource dictionary only means "cannot tell"
        return False


_INLINE_IMAGE = re.compile(rb"(?:^|[\s\])>}])BI[\s/]")
_DO = re.compile(rb"/([^\s/\[\]()<>{}%]+)\s*Do(?![^\s\[\]()<>{}/%])")


def _images_drawn(content: bytes, resources, depth: int = 0) -> int:
    """How many images a content stream paints: inline (BI ... ID ... EI) and image XObjects,
    also inside form XObjects (three levels deep at most)."""
    n = len(_INLINE_IMAGE.findall(content))
    if resources is not None:
        resources = resources.get_object()
    xobjs = resources.get("/XObject") if resources is not None else None
    xobjs = xobjs.get_object() if xobjs is not None else {}
    for name in set(_DO.findall(content)):
        x = xobjs.get("/" + name.decode("latin-1"))
        x = x.get_object() if x is not None else None
        if x is None:
            continue
        if x.get("/Subtype") == "/Image":
            n += 1
        elif x.get("/Subtype") == "/Form" and depth < 3:
            n += _images_drawn(x.get_data(), x.get("/Resources") or resources, depth + 1)
    return n


def _cut_flate_stream(page) -> str:
    """Which content stream of the page ends before its compressed data does ("" when none):
    pypdf inflates what is there without a word, so a cut file would pass for a blank or a scan."""
    import zlib

    streams = page.get("/Contents")
    streams = streams.get_object() if streams is not None else None
    items = list(streams) if isinstance(streams, list) else [streams] if streams is not None else []
    for k, item in enumerate(items):
        obj = item.get_object()
        filters = obj.get("/Filter")
        first = filters[0] if isinstance(filters, list) and filters else filters
        raw = getattr(obj, "_data", b"")
        if first == "/FlateDecode" and raw:
            z = zlib.decompressobj()
            try:
                while not z.eof:  # in bounded pieces, output thrown away: never hold a bomb here
                    piece, raw = raw[:65536], raw[65536:]
                    if not z.decompress(z.unconsumed_tail + piece, 1 << 20) and not piece \
                            and not z.unconsumed_tail:
                        break
            except zlib.error as e:
                return f"content stream {k + 1}: {e}"
            if not z.eof:
                return f"content stream {k + 1} is cut short"
    return ""


class _PypdfWarnings(logging.Handler):
    """Collects what pypdf logs about broken streams, by page, while pages are read (pypdf in
    non-strict mode logs a corrupt stream and returns no text instead of raising)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.page = 0
        self.by_page: dict[int, str] = {}

    def emit(self, record: logging.LogRecord) -> None:
        self.by_page.setdefault(self.page, record.getMessage()[:200])

    def __enter__(self) -> "_PypdfWarnings":
        self._logger = logging.getLogger("pypdf")
        self._saved = (self._logger.level, self._logger.propagate)
        self._logger.setLevel(logging.WARNING)
        self._logger.propagate = False  # a status, not a log line
        self._logger.addHandler(self)
        return self

    def __exit__(self, *exc) -> None:
        self._logger.removeHandler(self)
        self._logger.setLevel(self._saved[0])
        self._logger.propagate = self._saved[1]


def _without_text(pages, sections: list[T.Section], errors: list[str], warned: _PypdfWarnings,
                  used_password: bool) -> tuple[ParseResult, list[int]]:
    """Status of a PDF with (almost) no text: damaged, a scan that needs OCR, or really empty.

    A scan is told by what its pages paint (image XObjects or inline images), not by images that
    merely sit in the resources; a page whose content cannot be decoded makes the file damaged.
    """
    n = len(pages)
    if errors and not sections:
        return ParseResult(T.DAMAGED, f"no page could be read ({errors[0]})"), []
    problems = list(errors)
    scanned: list[int] = []
    for s in sections:
        warned.page = s.page
        try:
            page = pages[s.page - 1]
            contents = page.get_contents()
            data = contents.get_data() if contents is not None else b""
            drawn = _images_drawn(data, page.get("/Resources"))
        except Exception as e:  # same variety as text extraction
            problems.append(f"page {s.page}: {type(e).__name__}: {e}")
            continue
        cut = _cut_flate_stream(page)
        if s.page in warned.by_page or cut:
            problems.append(f"page {s.page}: {warned.by_page.get(s.page) or cut}")
        elif drawn:
            scanned.append(s.page)
    if any(s.text.strip() for s in sections) and not scanned:  # a little text, and no page is a picture
        return ParseResult(sections=sections, password_used=used_password, extractor="pypdf",
                           reason=f"{len(problems)} of {n} pages could not be read ({problems[0]})" if problems else ""), []
    if problems:
        return ParseResult(T.DAMAGED, f"no text could be read; {len(problems)} of {n} pages are broken ({problems[0]})",
                           password_used=used_password), []
    if scanned:
        return ParseResult(T.NEEDS_OCR, f"{len(scanned)} of {n} pages are images without a text layer",
                           password_used=used_password), scanned
    return ParseResult(T.EMPTY, "the PDF has no text", password_used=used_password), []
