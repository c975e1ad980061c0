"""Passages into the prompt, and the answer's [n] markers back to citations."""
from __future__ import annotations

import re
from pathlib import Path

from .types import Citation, Passage

NO_RELEVANT_PASSAGES = ("None of the indexed documents contain anything relevant to this question. "
                        "Say so plainly, and do not invent an answer or cite sources.")

_MARKER = re.compile(r"\[(\d{1,3}(?:\s*[,;]\s*\d{1,3})*)\]")


def _where(c: Citation) -> str:
    parts = [Path(c.source_path).name]
    if c.page is not None:
        parts.append(f"page {c.page}")
    if c.heading:
        parts.append(c.heading)
    return ", ".join(parts)


def build_context_block(passages: list[Passage]) -> str:
    """Numbered passages plus the instruction to cite them, for the newest user turn.

    Each passage's citation gets its ``number`` set, so the UI can show the list that the model saw.
    With no passages, returns :data:`NO_RELEVANT_PASSAGES`.
    """
    if not passages:
        return NO_RELEVANT_PASSAGES
    blocks = []
    for n, p in enumerate(passages, 1):
        p.citation.number = n
        blocks.append(f"[{n}] ({_where(p.citation)})\n{p.text.strip()}")
    return ("Answer using only the numbered passages below. After each statement, cite the passage it comes "
            "from as [n]. If the passages do not contain the answer, say you could not find it in the "
            "documents.\n\n" + "\n\n".join(blocks))


def citations_in_answer(answer: str, passages: list[Passage]) -> list[Citation]:
    """The citations an answer refers to with [n] markers, in order of first mention, no duplicates.

    Markers outside 1..len(passages) are ignored (a small model sometimes invents them).
    """
    seen: list[int] = []
    for m in _MARKER.finditer(answer):
        for part in re.split(r"\s*[,;]\s*", m.group(1)):
            n = int(part)
            if 1 <= n <= len(passages) and n not in seen:
                seen.append(n)
    out = []
    for n in seen:
        c = passages[n - 1].citation
        c.number = n
        out.append(c)
    return out
