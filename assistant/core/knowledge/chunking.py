"""Split parsed sections into chunks of about ``max_tokens`` embedder tokens, with overlap.

Chunks respect paragraph and sentence boundaries where they can, never cross a section (a PDF
page or a Markdown heading section), and keep their character span in the section's text, so a
citation can point at the exact place. CJK text without spaces splits at 。！？ and, failing
that, at character windows. Text read by OCR is chunked the same way; each chunk carries its
page's OCR confidence.
"""
from __future__ import annotations

import hashlib
import re
from typing import Callable, Sequence

from . import types as T

_PARAGRAPH = re.compile(r"\n[ \t\r\f\v]*\n")
_SENTENCE = re.compile(r"(?<=[.!?;:])\s+|(?<=[。！？；])|\n")

TokenCounter = Callable[[list[str]], list[int]]


def _spans(text: str, pattern: re.Pattern, start: int, end: int) -> list[tuple[int, int]]:
    """Non-blank pieces of text[start:end] split at ``pattern``, as absolute spans."""
    out: list[tuple[int, int]] = []
    pos = start
    for m in pattern.finditer(text, start, end):
        if m.start() > pos and text[pos:m.start()].strip():
            out.append((pos, m.start()))
        pos = max(pos, m.end())
    if pos < end and text[pos:end].strip():
        out.append((pos, end))
    return out


def _strip(text: str, s: int, e: int) -> tuple[int, int]:
    while s < e and text[s].isspace():
        s += 1
    while e > s and text[e - 1].isspace():
        e -= 1
    return s, e


class Chunker:
    """Token-bounded chunker.

    Args:
        count_tokens: returns the token count of each text (the embedder's tokenizer).
        max_tokens: chunk size limit.
        overlap_tokens: how much of the previous chunk's end a chunk repeats.
    """

    def __init__(self, count_tokens: TokenCounter, max_tokens: int = 256, overlap_tokens: int = 32) -> None:
        self.count = count_tokens
        self.max_tokens = max_tokens
        self.overlap = overlap_tokens

    def _units(self, text: str, start: int, end: int) -> list[tuple[int, int, int]]:
        """Spans (start, end, tokens) each no longer than max_tokens: paragraphs, else sentences, else windows."""
        paras = [_strip(text, s, e) for s, e in _spans(text, _PARAGRAPH, start, end)]
        counts = self.count([text[s:e] for s, e in paras])
        units: list[tuple[int, int, int]] = []
        for (s, e), n in zip(paras, counts):
            if n <= self.max_tokens:
                units.append((s, e, n))
                continue
            sents = [_strip(text, a, b) for a, b in _spans(text, _SENTENCE, s, e)]
            scounts = self.count([text[a:b] for a, b in sents])
            for (a, b), m in zip(sents, scounts):
                if m <= self.max_tokens:
                    units.append((a, b, m))
                else:
                    units.extend(self._windows(text, a, b, m))
        return units

    def _windows(self, text: str, s: int, e: int, n: int) -> list[tuple[int, int, int]]:
        """Cut an over-long run (a CJK paragraph without punctuation, a table) into token-sized windows."""
        out: list[tuple[int, int, int]] = []
        per_char = max(n / max(1, e - s), 1e-6)
        step = max(1, int(self.max_tokens * 0.9 / per_char))
        pos = s
        while pos < e:
            cut = min(e, pos + step)
            if cut < e:  # prefer a space near the cut so words stay whole
                space = text.rfind(" ", pos + step // 2, cut)
                cut = space if space > pos else cut
            piece_n = self.count([text[pos:cut]])[0]
            while piece_n > self.max_tokens and cut - pos > 1:
                cut = pos + max(1, (cut - pos) * 3 // 4)
                piece_n = self.count([text[pos:cut]])[0]
            a, b = _strip(text, pos, cut)
            if b > a:
                out.append((a, b, piece_n))
            pos = cut
        return out

    def chunk_section(self, section: T.Section) -> list[tuple[int, int]]:
        """Spans of the chunks of one section, in the section's own text."""
        text = section.text
        units = self._units(text, 0, len(text))
        chunks: list[tuple[int, int]] = []
        i = 0
        while i < len(units):
            total = units[i][2]
            j = i + 1
            while j < len(units) and total + units[j][2] + 1 <= self.max_tokens:
                total += units[j][2] + 1
                j += 1
            chunks.append((units[i][0], units[j - 1][1]))
            if j >= len(units):
                break
            # Overlap: start the next chunk with trailing units of this one, within the overlap budget.
            back, k = 0, j
            while k - 1 > i and back + units[k - 1][2] <= self.overlap:
                back += units[k - 1][2]
                k -= 1
            i = k
        return chunks

    def chunk(self, sections: Sequence[T.Section], file_sha256: str, path: str) -> list[T.Chunk]:
        """Chunks of a whole file with deterministic ids (file hash + path hash + chunk number)."""
        path_tag = hashlib.sha1(path.encode("utf-8", "surrogatepass")).hexdigest()[:8]
        out: list[T.Chunk] = []
        for sec in sections:
            for s, e in self.chunk_section(sec):
                idx = len(out)
                start = s if sec.page is not None else sec.offset + s
                out.append(T.Chunk(chunk_id=f"{file_sha256[:24]}-{path_tag}-{idx:05d}", index=idx,
                                   text=sec.text[s:e], page=sec.page, start=start, end=start + (e - s),
                                   heading=sec.heading, confidence=sec.confidence))
        return out


def embedding_text(chunk: T.Chunk) -> str:
    """What gets embedded and keyword-indexed: the heading path gives a chunk its context."""
    return f"{chunk.heading}\n{chunk.text}" if chunk.heading else chunk.text
