"""Template packs (several templates in one readable file) and fuzzy search for the ``/`` picker."""
from __future__ import annotations

import collections
import os
import stat
from pathlib import Path

from assistant.core.prompts.template import PromptTemplate, TemplateError, dump, parse

#: The largest template file or pack Hearth reads (characters of text, and bytes on disk).
MAX_PACK_CHARS = 4_000_000
#: The most templates one pack may hold (each is parsed and checked on import).
MAX_PACK_TEMPLATES = 1000

#: The line between two templates of a pack. An HTML comment: invisible when the file is viewed
#: as Markdown, unmistakable when read as text.
SEPARATOR = "<!-- next template -->"
_PACK_HEADER = "<!-- Hearth prompt templates: {n} -->"


def export_text(templates: list[PromptTemplate]) -> str:
    """One template as plain Markdown with front matter, or several as a pack."""
    if not templates:
        raise TemplateError("nothing to export: no templates chosen")
    for t in templates:
        if SEPARATOR in t.body or SEPARATOR in t.system:
            raise TemplateError(f"template '{t.name}' contains the pack separator line {SEPARATOR}")
    if len(templates) == 1:
        return dump(templates[0])
    parts = [_PACK_HEADER.format(n=len(templates)) + "\n"] + [dump(t) for t in templates]
    return ("\n" + SEPARATOR + "\n\n").join(parts)


def parse_pack(text: str, source: str = "import") -> list[PromptTemplate]:
    """Read one template or a pack. Every template is checked before any is returned.

    Reading is linear in the size of the text (no backtracking pattern), and the text may be at
    most :data:`MAX_PACK_CHARS` characters with at most :data:`MAX_PACK_TEMPLATES` templates.

    Raises:
        TemplateError: naming the template's position in the file and the reason.
    """
    if len(text) > MAX_PACK_CHARS:
        raise TemplateError(f"{source}: the file has {len(text):,} characters; a template file or pack "
                            f"may have at most {MAX_PACK_CHARS:,}")
    chunks = [c for c in _split_on_separator(text) if _strip_comments(c).strip()]
    if not chunks:
        raise TemplateError(f"{source}: no template found")
    if len(chunks) > MAX_PACK_TEMPLATES:
        raise TemplateError(f"{source}: the pack holds {len(chunks):,} templates; at most "
                            f"{MAX_PACK_TEMPLATES:,} can be imported at once")
    out: list[PromptTemplate] = []
    for i, chunk in enumerate(chunks, 1):
        where = source if len(chunks) == 1 else f"{source}, template {i}"
        out.append(parse(_strip_header(chunk), where))
    counts = collections.Counter(t.name for t in out)
    dup = sorted(n for n, c in counts.items() if c > 1)
    if dup:
        raise TemplateError(f"{source}: the same name appears twice: {', '.join(dup)}")
    return out


def read_pack_file(path: str | os.PathLike[str]) -> str:
    """The text of a template file or pack, refusing what is not a small regular UTF-8 file.

    A FIFO or device would block a plain ``read_text`` for ever, and a huge file would fill memory.

    Raises:
        TemplateError: naming the file and the reason (not a file, too large, not UTF-8, unreadable).
    """
    p = Path(path)
    try:
        with open(p, "rb", opener=lambda f, flags: os.open(f, flags | getattr(os, "O_NONBLOCK", 0))) as fh:
            st = os.fstat(fh.fileno())
            if not stat.S_ISREG(st.st_mode):
                raise TemplateError(f"{p.name}: not a regular file")
            if st.st_size > MAX_PACK_CHARS * 4:  # UTF-8: up to 4 bytes a character
                raise TemplateError(f"{p.name}: the file is {st.st_size / 1e6:.1f} MB; a template file or "
                                    f"pack may be at most {MAX_PACK_CHARS / 1e6:g} MB")
            data = fh.read(MAX_PACK_CHARS * 4 + 1)
    except OSError as e:
        raise TemplateError(f"{p.name}: cannot be read ({e.strerror or e})") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise TemplateError(f"{p.name}: not UTF-8 text (byte {e.start})") from None


def _split_on_separator(text: str) -> list[str]:
    """Split at lines that are exactly :data:`SEPARATOR` (trailing spaces, tabs or a CR allowed)."""
    chunks: list[str] = []
    start = pos = 0
    while True:
        i = text.find(SEPARATOR, pos)
        if i < 0:
            break
        end = i + len(SEPARATOR)
        eol = text.find("\n", end)
        line_end = len(text) if eol < 0 else eol
        if (i == 0 or text[i - 1] == "\n") and not text[end:line_end].strip(" \t\r"):
            chunks.append(text[start:i])
            start = line_end  # the newline stays with the next chunk, as re.split left it
        pos = end
    chunks.append(text[start:])
    return chunks


def _strip_header(chunk: str) -> str:
    """Drop one leading ``<!-- ... -->`` (the pack's header line) and the blank space around it."""
    rest = chunk.lstrip()
    if not rest.startswith("<!--"):
        return chunk
    end = rest.find("-->", 4)
    if end < 0:
        return chunk
    return rest[end + 3:].lstrip()


def _strip_comments(chunk: str) -> str:
    """The text without ``<!-- ... -->`` comments: one pass with ``str.find`` (the regex was quadratic)."""
    out: list[str] = []
    pos = 0
    while True:
        i = chunk.find("<!--", pos)
        if i < 0:
            out.append(chunk[pos:])
            break
        out.append(chunk[pos:i])
        j = chunk.find("-->", i + 4)
        if j < 0:  # an unclosed comment runs to the end, as the regex left it
            out.append(chunk[i:])
            break
        pos = j + 3
    return "".join(out)


def fuzzy_score(query: str, t: PromptTemplate) -> float:
    """How well ``query`` matches a template; 0 means no match.

    Letters of the query must appear in order in the name (like most command palettes); a
    prefix or a word start scores higher, a compact match scores higher. The description is
    searched as a fallback, for a whole-word hit.
    """
    q = query.strip().lower()
    if not q:
        return 1.0
    name = t.name.lower()
    if name.startswith(q):
        return 100.0 - len(name) / 100
    if q in name:
        return 80.0 - name.index(q) / 10
    pos, score, prev = 0, 0.0, -2
    for ch in q:
        if ch == " ":
            continue
        idx = name.find(ch, pos)
        if idx < 0:
            break
        score += 3.0 if idx == prev + 1 else (2.0 if idx == 0 or name[idx - 1] in " -_" else 1.0)
        prev, pos = idx, idx + 1
    else:
        return 10.0 + score / max(1, len(q))
    if all(w in t.description.lower() for w in q.split()):
        return 5.0
    return 0.0


def search(query: str, templates: list[PromptTemplate]) -> list[PromptTemplate]:
    """Templates matching ``query``, best first (all of them by name for an empty query)."""
    scored = [(fuzzy_score(query, t), t) for t in templates]
    return [t for s, t in sorted(scored, key=lambda st: (-st[0], st[1].name)) if s > 0]
