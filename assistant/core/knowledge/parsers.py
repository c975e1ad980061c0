"""File parsers: PDF, plain text, Markdown, HTML, DOCX and source code into text sections.

Text decoding lives in :mod:`.textdecode`, Word documents in :mod:`.worddoc`.

These run inside the parser child process (see :mod:`.sandbox`), so a hostile file can hang or
exhaust only that process. Each parser returns a :class:`ParseResult`: sections of text with
page numbers and heading paths, or a status the user can act on.
"""
from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from . import types as T
from .garble import garbled_reason
from .textdecode import NotText, decode_text
from .worddoc import parse_docx

TEXT_EXTENSIONS = {".txt", ".text", ".log", ".csv", ".tsv", ".rst", ".org", ".tex", ".json", ".yaml", ".yml",
                   ".toml", ".ini", ".cfg", ".conf", ".xml", ".srt", ".vtt"}
MARKDOWN_EXTENSIONS = {".md", ".markdown", ".mdown", ".mkd"}
HTML_EXTENSIONS = {".html", ".htm", ".xhtml"}
CODE_EXTENSIONS = {".py", ".pyi", ".js", ".jsx", ".ts", ".tsx", ".java", ".kt", ".c", ".h", ".cc", ".cpp", ".hpp",
                   ".cs", ".go", ".rs", ".rb", ".php", ".swift", ".m", ".scala", ".sh", ".bash", ".zsh", ".ps1",
                   ".sql", ".r", ".lua", ".pl", ".hs", ".ml", ".css", ".scss", ".vue", ".dart", ".jl"}
SUPPORTED_EXTENSIONS = (TEXT_EXTENSIONS | MARKDOWN_EXTENSIONS | HTML_EXTENSIONS | CODE_EXTENSIONS
                        | {".pdf", ".docx"})


@dataclass
class ParseResult:
    """What a parser made of a file: sections, or a status and reason when there is no usable text."""

    status: str = T.INDEXED
    reason: str = ""
    sections: list[T.Section] = field(default_factory=list)
    password_used: bool = False


def is_supported(path: Path) -> bool:
    """Whether Hearth has a parser for this file's type (by extension)."""
    return path.suffix.lower() in SUPPORTED_EXTENSIONS


def parse_file(path: str, password: str | None = None) -> ParseResult:
    """Parse one file into sections (runs in the parser child).

    Args:
        path: the file.
        password: the password of a protected PDF or Word document, or None (a PDF then tries the
            empty one).
    """
    p = Path(path)
    ext = p.suffix.lower()
    if ext == ".pdf":
        res = parse_pdf(p, password)
    elif ext == ".docx":
        res = parse_docx(p, password)
    elif ext in SUPPORTED_EXTENSIONS:
        try:
            text = decode_text(p.read_bytes())
        except NotText as e:
            return ParseResult(T.UNSUPPORTED, str(e))
        if ext in MARKDOWN_EXTENSIONS:
            res = ParseResult(sections=markdown_sections(text))
        elif ext in HTML_EXTENSIONS:
            res = ParseResult(sections=html_sections(text))
        else:
            res = ParseResult(sections=[T.Section(text=text)])
    else:
        return ParseResult(T.UNSUPPORTED, f"no parser for {ext or 'files without an extension'}")
    return finish(res)


def finish(res: ParseResult) -> ParseResult:
    """Normalise text, drop empty sections, and flag empty or garbled results."""
    if res.status != T.INDEXED:
        return res
    for s in res.sections:
        # NFKC folds Arabic presentation forms and full-width Latin into ordinary letters.
        s.text = unicodedata.normalize("NFKC", s.text).replace("\x00", "")
    res.sections = [s for s in res.sections if s.text.strip()]
    if not res.sections:
        return ParseResult(T.EMPTY, "the file has no text", password_used=res.password_used)
    why = garbled_reason("\n".join(s.text for s in res.sections[:200]))
    if why:
        return ParseResult(T.GARBLED, why, password_used=res.password_used)
    return res


def read_text(p: Path) -> str | None:
    """Read a text file in whatever encoding it uses; None when it is not text."""
    try:
        return decode_text(p.read_bytes())
    except NotText:
        return None


_MD_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")


def markdown_sections(text: str) -> list[T.Section]:
    """Split Markdown at headings; each section carries its heading path ("A > B > C")."""
    sections: list[T.Section] = []
    path: list[tuple[int, str]] = []
    start = 0
    heading = ""
    in_fence = False
    pos = 0
    for line in text.splitlines(keepends=True):
        if line.lstrip().startswith(("```", "~~~")):
            in_fence = not in_fence
        m = None if in_fence else _MD_HEADING.match(line.rstrip("\r\n"))
        if m:
            if text[start:pos].strip():
                sections.append(T.Section(text=text[start:pos], heading=heading, offset=start))
            level = len(m.group(1))
            path = [(lv, h) for lv, h in path if lv < level] + [(level, m.group(2))]
            heading = " > ".join(h for _, h in path)
            start = pos
        pos += len(line)
    if text[start:].strip():
        sections.append(T.Section(text=text[start:], heading=heading, offset=start))
    return sections


class _HTMLText(HTMLParser):
    BLOCK = {"p", "div", "br", "li", "tr", "section", "article", "h1", "h2", "h3", "h4", "h5", "h6",
             "pre", "blockquote", "table", "ul", "ol", "header", "footer", "dt", "dd", "hr"}
    SKIP = {"script", "style", "noscript", "template", "svg", "head"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0
        self.heading_level = 0
        self.heading_text: list[str] = []
        self.marks: list[tuple[int, int, str]] = []  # (offset, level, title)

    def _len(self) -> int:
        return sum(len(p) for p in self.parts)

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in self.SKIP:
            self.skip += 1
        if tag in self.BLOCK:
            self.parts.append("\n\n" if tag != "br" else "\n")
        if re.fullmatch(r"h[1-6]", tag) and not self.skip:
            self.heading_level = int(tag[1])
            self.heading_text = []
            self.marks.append((self._len(), self.heading_level, ""))

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP and self.skip:
            self.skip -= 1
        if re.fullmatch(r"h[1-6]", tag) and self.heading_level and self.marks:
            off, lv, _ = self.marks[-1]
            self.marks[-1] = (off, lv, " ".join("".join(self.heading_text).split()))
            self.heading_level = 0
        if tag in self.BLOCK:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if self.skip:
            return
        self.parts.append(data)
        if self.heading_level:
            self.heading_text.append(data)


def html_sections(text: str) -> list[T.Section]:
    """Visible text of an HTML page, split at headings (script and style dropped)."""
    p = _HTMLText()
    p.feed(text)
    p.close()
    full = re.sub(r"\n[ \t]*\n(\s*\n)+", "\n\n", "".join(p.parts))
    if not p.marks:
        return [T.Section(text=full)]
    # Re-derive heading offsets in the cleaned text by searching the titles in order.
    sections: list[T.Section] = []
    path: list[tuple[int, str]] = []
    cursor = 0
    starts: list[tuple[int, str]] = []
    for _, level, title in p.marks:
        i = full.find(title, cursor) if title else -1
        if i < 0:
            continue
        path = [(lv, h) for lv, h in path if lv < level] + [(level, title)]
        starts.append((i, " > ".join(h for _, h in path)))
        cursor = i + len(title)
    bounds = [(0, "")] + starts
    for n, (s, h) in enumerate(bounds):
        e = bounds[n + 1][0] if n + 1 < len(bounds) else len(full)
        if full[s:e].strip():
            sections.append(T.Section(text=full[s:e], heading=h, offset=s))
    return sections


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


def parse_pdf(p: Path, password: str | None) -> ParseResult:
    """Text of each page of a PDF (1-based page numbers), handling encryption and broken pages."""
    from pypdf import PdfReader
    from pypdf.errors import FileNotDecryptedError, PdfReadError

    used_password = False
    try:
        reader = PdfReader(str(p), strict=False)
        if reader.is_encrypted:
            ok = False
            for candidate in ([password] if password else []) + [""]:
                try:
                    if reader.decrypt(candidate):
                        ok, used_password = True, bool(candidate)
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
            return _without_text(pages, sections, errors, warned, used_password)
    res = ParseResult(sections=sections, password_used=used_password)
    if errors:
        res.reason = f"{len(errors)} of {n} pages could not be read ({errors[0]})"
    return res


def _without_text(pages, sections: list[T.Section], errors: list[str], warned: _PypdfWarnings,
                  used_password: bool) -> ParseResult:
    """Status of a PDF with (almost) no text: damaged, a scan that needs OCR, or really empty.

    A scan is told by what its pages paint (image XObjects or inline images), not by images that
    merely sit in the resources; a page whose content cannot be decoded makes the file damaged.
    """
    n = len(pages)
    if errors and not sections:
        return ParseResult(T.DAMAGED, f"no page could be read ({errors[0]})")
    problems = list(errors)
    scanned = 0
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
            scanned += 1
    if any(s.text.strip() for s in sections) and not scanned:  # a little text, and no page is a picture
        return ParseResult(sections=sections, password_used=used_password,
                           reason=f"{len(problems)} of {n} pages could not be read ({problems[0]})" if problems else "")
    if problems:
        return ParseResult(T.DAMAGED, f"no text could be read; {len(problems)} of {n} pages are broken ({problems[0]})",
                           password_used=used_password)
    if scanned:
        return ParseResult(T.NEEDS_OCR, f"{scanned} of {n} pages are images without a text layer",
                           password_used=used_password)
    return ParseResult(T.EMPTY, "the PDF has no text", password_used=used_password)
