"""Template packs (several templates in one readable file) and fuzzy search for the ``/`` picker."""
from __future__ import annotations

import re

from assistant.core.prompts.template import PromptTemplate, TemplateError, dump, parse

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

    Raises:
        TemplateError: naming the template's position in the file and the reason.
    """
    chunks = [c for c in re.split(r"^" + re.escape(SEPARATOR) + r"[ \t]*$", text, flags=re.M)]
    chunks = [c for c in chunks if _strip_comments(c).strip()]
    if not chunks:
        raise TemplateError(f"{source}: no template found")
    out: list[PromptTemplate] = []
    for i, chunk in enumerate(chunks, 1):
        where = source if len(chunks) == 1 else f"{source}, template {i}"
        out.append(parse(_strip_header(chunk), where))
    names = [t.name for t in out]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise TemplateError(f"{source}: the same name appears twice: {', '.join(dup)}")
    return out


def _strip_header(chunk: str) -> str:
    return re.sub(r"\A\s*<!--.*?-->\s*", "", chunk, flags=re.S) if chunk.lstrip().startswith("<!--") else chunk


def _strip_comments(chunk: str) -> str:
    return re.sub(r"<!--.*?-->", "", chunk, flags=re.S)


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
