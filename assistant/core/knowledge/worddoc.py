"""Text of Word documents (.docx), read from the XML itself.

python-docx sees only the body's own paragraphs and tables, and only Transitional OOXML. Reading
the XML in document order also finds text in text boxes, content controls (``w:sdt``), fields,
insertions and nested tables, reads Strict OOXML (other namespaces, same element names), and
takes each ``mc:AlternateContent`` once (Word stores a text box twice: DrawingML and a VML
fallback). Password-protected documents (an OLE file with the package encrypted inside, Agile or
Standard encryption) are decrypted in memory with the user's password by msoffcrypto-tool.
"""
from __future__ import annotations

import io
import posixpath
import re
import zipfile
from pathlib import Path

from . import types as T

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
MAX_PART_BYTES = 256 * 1024 * 1024  # an uncompressed XML part larger than this is a zip bomb, not a letter
# Elements whose content is not document text: properties, deleted or moved-away text, field codes.
_SKIP = {"pPr", "rPr", "tblPr", "trPr", "tcPr", "sectPr", "sdtPr", "sdtEndPr", "delText", "del", "moveFrom",
         "instrText", "fldData", "tblGrid", "numPr", "bookmarkStart", "bookmarkEnd", "commentRangeStart",
         "commentRangeEnd", "proofErr", "lastRenderedPageBreak"}
_HEADING_STYLE = re.compile(r"(?:heading|title)\s*(\d*)$", re.IGNORECASE)


class _Damaged(Exception):
    pass


def _local(el) -> str:
    tag = el.tag
    if not isinstance(tag, str):  # comments, processing instructions
        return ""
    return tag.rsplit("}", 1)[-1]


def _attr(el, name: str) -> str | None:
    for k, v in el.attrib.items():
        if k.rsplit("}", 1)[-1] == name:
            return v
    return None


def parse_docx(p: Path, password: str | None = None):
    """Paragraphs, tables, text boxes and content controls of a Word document, split at headings.

    Args:
        p: the .docx file.
        password: the document's password, when it is protected.

    Returns:
        A ParseResult: sections with heading paths, or needs password / wrong password / damaged.
    """
    from .parsers import ParseResult

    used_password = False
    with open(p, "rb") as fh:
        head = fh.read(8)
    source: Path | io.BytesIO = p
    if head == OLE_MAGIC:
        plain = _decrypt(p, password)
        if isinstance(plain, ParseResult):
            return plain
        source, used_password = io.BytesIO(plain), True
    try:
        with zipfile.ZipFile(source) as zf:
            lines = _document_lines(zf)
    except zipfile.BadZipFile as e:
        return ParseResult(T.DAMAGED, f"not a readable Word document (the zip container is broken: {e})")
    except _Damaged as e:
        return ParseResult(T.DAMAGED, str(e))
    except (zipfile.LargeZipFile, NotImplementedError, EOFError, OSError, ValueError) as e:
        return ParseResult(T.DAMAGED, f"cannot read the document: {type(e).__name__}: {e}")
    return ParseResult(sections=_sections(lines), password_used=used_password)


def _decrypt(p: Path, password: str | None):
    """The decrypted package bytes of a protected document, or the ParseResult saying why not."""
    import msoffcrypto
    from msoffcrypto import exceptions as mx

    from .parsers import ParseResult

    with open(p, "rb") as fh:
        try:
            office = msoffcrypto.OfficeFile(fh)
            encrypted = office.is_encrypted()
        except Exception as e:  # msoffcrypto raises assorted errors on OLE files it cannot classify
            return ParseResult(T.DAMAGED, f"an OLE file that is not a readable Word document ({type(e).__name__}: {e})")
        if not encrypted or type(office).__name__ != "OOXMLFile":
            return ParseResult(T.UNSUPPORTED, "an older Word (.doc) or other OLE file named .docx; save it as .docx")
        if not password:
            return ParseResult(T.NEEDS_PASSWORD, "this Word document is protected by a password")
        out = io.BytesIO()
        try:
            office.load_key(password=password)
            office.decrypt(out)
        except mx.InvalidKeyError:
            return ParseResult(T.WRONG_PASSWORD, "the password given does not open this Word document")
        except (mx.DecryptionError, mx.FileFormatError, mx.ParseError, ValueError, KeyError) as e:
            return ParseResult(T.DAMAGED, f"cannot decrypt the document: {type(e).__name__}: {e}")
    data = out.getvalue()
    if not data.startswith(b"PK"):
        return ParseResult(T.WRONG_PASSWORD, "the password given does not open this Word document")
    return data


def _xml(zf: zipfile.ZipFile, name: str):
    from lxml import etree

    try:
        info = zf.getinfo(name)
    except KeyError:
        return None
    if info.file_size > MAX_PART_BYTES:
        raise _Damaged(f"the part {name} unpacks to {info.file_size // 2**20} MB (a zip bomb?)")
    data = zf.read(info)
    if b"<!ENTITY" in data[:4096]:  # Word never declares entities; a billion-laughs file does
        raise _Damaged(f"the part {name} declares XML entities, which Word documents never do")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, remove_comments=True, remove_pis=True)
    try:
        return etree.fromstring(data, parser)
    except etree.XMLSyntaxError as e:
        raise _Damaged(f"the document's XML is broken ({name}: {e})") from None


def _rels(zf: zipfile.ZipFile, part: str) -> dict[str, str]:
    """Relationship type (last path segment) -> target part name, for a part ("" for the package)."""
    folder, base = posixpath.split(part)
    root = _xml(zf, posixpath.join(folder, "_rels", base + ".rels"))
    found: dict[str, str] = {}
    if root is None:
        return found
    for rel in root:
        kind, target = (_attr(rel, "Type") or "").rsplit("/", 1)[-1], _attr(rel, "Target") or ""
        if not target or _attr(rel, "TargetMode") == "External" or kind in found:
            continue
        name = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
        found[kind] = name
    return found


def _document_lines(zf: zipfile.ZipFile) -> list[tuple[str, int]]:
    main = _rels(zf, "").get("officeDocument", "word/document.xml")
    doc = _xml(zf, main)
    if doc is None:
        raise _Damaged(f"not a Word document: the package has no main document part ({main})")
    rels = _rels(zf, main)
    styles = _style_names(_xml(zf, rels["styles"])) if "styles" in rels else {}
    lines: list[tuple[str, int]] = []
    _blocks(doc, lines, styles)
    for kind, item in (("footnotes", "footnote"), ("endnotes", "endnote")):
        notes = _xml(zf, rels[kind]) if kind in rels else None
        for note in notes if notes is not None else ():
            if _local(note) == item and (_attr(note, "type") or "normal") == "normal":
                _blocks(note, lines, styles)
    return lines


def _style_names(root) -> dict[str, str]:
    names: dict[str, str] = {}
    for st in root if root is not None else ():
        if _local(st) == "style":
            sid = _attr(st, "styleId") or ""
            name = next((_attr(c, "val") for c in st if _local(c) == "name"), None)
            names[sid] = name or sid
    return names


def _chosen(alt):
    """The one branch of an mc:AlternateContent to read: the first Choice, else the Fallback."""
    branches = [c for c in alt if _local(c) in ("Choice", "Fallback")]
    return branches[0] if branches else None


def _blocks(el, out: list[tuple[str, int]], styles: dict[str, str]) -> None:
    """Append (text, heading level) for each paragraph and table row under ``el``, in document order."""
    for child in el:
        name = _local(child)
        if name == "p":
            _paragraph(child, out, styles)
        elif name == "tbl":
            for row in (r for r in child if _local(r) in ("tr", "sdt", "customXml")):
                cells: list[str] = []
                _cells(row, cells, styles)
                if cells:
                    out.append((" | ".join(cells), 0))
        elif name == "AlternateContent":
            branch = _chosen(child)
            if branch is not None:
                _blocks(branch, out, styles)
        elif name and name not in _SKIP:
            _blocks(child, out, styles)  # body, sdt, sdtContent, customXml, ins, txbxContent ...


def _cells(row, cells: list[str], styles: dict[str, str]) -> None:
    for c in row:
        name = _local(c)
        if name == "tc":
            inner: list[tuple[str, int]] = []
            _blocks(c, inner, styles)
            cells.append("\n".join(t for t, _ in inner).strip())
        elif name in ("sdt", "sdtContent", "customXml"):
            _cells(c, cells, styles)


def _paragraph(p, out: list[tuple[str, int]], styles: dict[str, str]) -> None:
    parts: list[str] = []
    nested: list[tuple[str, int]] = []  # text boxes anchored in this paragraph follow it

    def walk(el) -> None:
        for c in el:
            name = _local(c)
            if name == "t":
                parts.append(c.text or "")
            elif name == "tab":
                parts.append("\t")
            elif name in ("br", "cr"):
                parts.append("\n")
            elif name == "noBreakHyphen":
                parts.append("-")
            elif name == "txbxContent":
                _blocks(c, nested, styles)
            elif name == "AlternateContent":
                branch = _chosen(c)
                if branch is not None:
                    walk(branch)
            elif name and name not in _SKIP:
                walk(c)

    walk(p)
    out.append(("".join(parts), _heading_level(p, styles)))
    out.extend(nested)


def _heading_level(p, styles: dict[str, str]) -> int:
    ppr = next((c for c in p if _local(c) == "pPr"), None)
    if ppr is None:
        return 0
    for c in ppr:
        if _local(c) == "pStyle":
            sid = _attr(c, "val") or ""
            m = _HEADING_STYLE.match(styles.get(sid, sid).strip())
            if m:
                return int(m.group(1)) if m.group(1) else 1
        elif _local(c) == "outlineLvl":
            val = _attr(c, "val") or ""
            if val.isdigit() and int(val) < 9:
                return int(val) + 1
    return 0


def _sections(lines: list[tuple[str, int]]) -> list[T.Section]:
    """Group paragraphs into sections at headings; each carries its heading path ("A > B")."""
    sections: list[T.Section] = []
    path: list[tuple[int, str]] = []
    buf: list[str] = []
    heading = ""
    offset = cur_start = 0
    for text, level in lines:
        if level and text.strip():
            if "".join(buf).strip():
                sections.append(T.Section(text="\n\n".join(buf), heading=heading, offset=cur_start))
            path = [(lv, h) for lv, h in path if lv < level] + [(level, " ".join(text.split()))]
            heading = " > ".join(h for _, h in path)
            buf, cur_start = [], offset
        buf.append(text)
        offset += len(text) + 2
    if "".join(buf).strip():
        sections.append(T.Section(text="\n\n".join(buf), heading=heading, offset=cur_start))
    return sections
