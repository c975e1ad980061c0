"""File parsers: PDF, images, plain text, Markdown, HTML, DOCX and source code into text sections.

Text decoding lives in :mod:`.textdecode`, Word documents in :mod:`.worddoc`, PDFs in :mod:`.pdf`,
OCR of scans and images in :mod:`.ocr`.

These run inside the parser child process (see :mod:`.sandbox`), so a hostile file can hang or
exhaust only that process. Each parser returns a :class:`ParseResult`: sections of text with
page numbers and heading paths, or a status the user can act on.
"""
from __future__ import annotations

import re
import unicodedata
from html.parser import HTMLParser
from pathlib import Path

from . import types as T
from .garble import garbled_reason
from .ocr import IMAGE_EXTENSIONS, Cancelled, Progress, parse_image, sandbox_deadline
from .pdf import parse_pdf
from .textdecode import NotText, decode_text
from .types import ParseResult
from .worddoc import parse_docx

TEXT_EXTENSIONS = {".txt", ".text", ".log", ".csv", ".tsv", ".rst", ".org", ".tex", ".json", ".yaml", ".yml",
                   ".toml", ".ini", ".cfg", ".conf", ".xml", ".srt", ".vtt"}
MARKDOWN_EXTENSIONS = {".md", ".markdown", ".mdown", ".mkd"}
HTML_EXTENSIONS = {".html", ".htm", ".xhtml"}
CODE_EXTENSIONS = {".py", ".pyi", ".js", ".jsx", ".ts", ".tsx", ".java", ".kt", ".c", ".h", ".cc", ".cpp", ".hpp",
                   ".cs", ".go", ".rs", ".rb", ".php", ".swift", ".m", ".scala", ".sh", ".bash", ".zsh", ".ps1",
                   ".sql", ".r", ".lua", ".pl", ".hs", ".ml", ".css", ".scss", ".vue", ".dart", ".jl"}
SUPPORTED_EXTENSIONS = (TEXT_EXTENSIONS | MARKDOWN_EXTENSIONS | HTML_EXTENSIONS | CODE_EXTENSIONS
                        | IMAGE_EXTENSIONS | {".pdf", ".docx"})


def is_supported(path: Path) -> bool:
    """Whether Hearth has a parser for this file's type (by extension)."""
    return path.suffix.lower() in SUPPORTED_EXTENSIONS


def parse_file(path: str, password: str | None = None, *, progress: Progress | None = None,
               cancelled: Cancelled | None = None, deadline: float | None = None) -> ParseResult:
    """Parse one file into sections (runs in the parser child).

    Args:
        path: the file.
        password: the password of a protected PDF or Word document, or None (a PDF then tries the
            empty one).
        progress: called with (pages done, pages to read, "OCR page 3 of 40") while OCR reads pages.
        cancelled: returns True once the user cancelled; OCR stops between pages (status ``cancelled``).
        deadline: ``time.monotonic()`` value by which the result must be back; OCR stops before it
            and keeps the pages read. Default: the parser child's own deadline for this file.
    """
    p = Path(path)
    ext = p.suffix.lower()
    if deadline is None:
        deadline = sandbox_deadline()
    if ext == ".pdf":
        res = parse_pdf(p, password, progress=progress, cancelled=cancelled, deadline=deadline)
    elif ext in IMAGE_EXTENSIONS:
        res = parse_image(p, progress=progress, cancelled=cancelled, deadline=deadline)
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
        if res.extractor:
            why += f" (read with {res.extractor})"
        return ParseResult(T.GARBLED, why, password_used=res.password_used, extractor=res.extractor)
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
