"""File parsers: PDF, plain text, Markdown, HTML, DOCX and source code into text sections.

These run inside the parser child process (see :mod:`.sandbox`), so a hostile file can hang or
exhaust only that process. Each parser returns a :class:`ParseResult`: sections of text with
page numbers and heading paths, or a status the user can act on.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from . import types as T
from .garble import garbled_reason

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
        password: a PDF password, or None to try the empty one.
    """
    p = Path(path)
    ext = p.suffix.lower()
    if ext == ".pdf":
        res = parse_pdf(p, password)
    elif ext == ".docx":
        res = parse_docx(p)
    elif ext in SUPPORTED_EXTENSIONS:
        text = read_text(p)
        if text is None:
            return ParseResult(T.UNSUPPORTED, "binary content, not text")
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
    """Read a text file in whatever encoding it uses; None when it is binary."""
    data = p.read_bytes()
    if not data:
        return ""
    for bom, enc in ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16")):
        if data.startswith(bom):
            return data.decode(enc, errors="replace")
    if b"\x00" in data[:8192]:  # text files (without a UTF-16 BOM) never contain NUL bytes
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    return None if best is None else str(best)


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


def parse_docx(p: Path) -> ParseResult:
    """Paragraphs and tables of a Word document, split at Heading styles."""
    import docx

    try:
        doc = docx.Document(str(p))
    except Exception as e:  # python-docx raises many types for broken zips/xml
        return ParseResult(T.DAMAGED, f"cannot open the document: {type(e).__name__}: {e}")
    lines: list[tuple[str, int]] = []  # (text, heading level or 0)
    for para in doc.paragraphs:
        style = (para.style.name if para.style is not None else "") or ""
        m = re.match(r"(?:Heading|Title)\s*(\d*)", style)
        level = (int(m.group(1)) if m.group(1) else 1) if m else 0
        lines.append((para.text, level))
    for table in doc.tables:
        for row in table.rows:
            lines.append((" | ".join(c.text for c in row.cells), 0))
    sections: list[T.Section] = []
    path: list[tuple[int, str]] = []
    buf: list[str] = []
    heading = ""
    offset = 0
    cur_start = 0
    for text, level in lines:
        if level and text.strip():
            if "".join(buf).strip():
                sections.append(T.Section(text="\n\n".join(buf), heading=heading, offset=cur_start))
            path = [(lv, h) for lv, h in path if lv < level] + [(level, text.strip())]
            heading = " > ".join(h for _, h in path)
            buf, cur_start = [], offset
        buf.append(text)
        offset += len(text) + 2
    if "".join(buf).strip():
        sections.append(T.Section(text="\n\n".join(buf), heading=heading, offset=cur_start))
    return ParseResult(sections=sections)


def _page_has_images(page) -> bool:
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
    for i in range(n):
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
        if errors and not sections:
            return ParseResult(T.DAMAGED, f"no page could be read ({errors[0]})")
        if image_pages:
            return ParseResult(T.NEEDS_OCR, f"{image_pages} of {n} pages are images without a text layer",
                               password_used=used_password)
        if errors:
            return ParseResult(T.DAMAGED, f"no text could be read ({errors[0]})")
        return ParseResult(T.EMPTY, "the PDF has no text", password_used=used_password)
    res = ParseResult(sections=sections, password_used=used_password)
    if errors:
        res.reason = f"{len(errors)} of {n} pages could not be read ({errors[0]})"
    return res
