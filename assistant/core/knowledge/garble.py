"""Detect garbled text (mojibake) so it is flagged instead of indexed.

pypdf decodes some CJK fonts (GBK CMaps, Japanese Identity-H fonts without a ToUnicode map) into
characters from unrelated scripts: Latin-1 symbols for GBK, rare Hangul syllables, or a soup of
IPA, Greek, Coptic, Bengali and Syriac letters for Japanese. Real text changes script at word
boundaries; garbage changes script between almost every pair of letters.
"""
from __future__ import annotations

import unicodedata

_SCRIPT_ALIASES = {"HIRAGANA": "CJK", "KATAKANA": "CJK", "HALFWIDTH": "CJK", "FULLWIDTH": "CJK",
                   "IDEOGRAPHIC": "CJK", "CJK": "CJK"}


def _script(ch: str) -> str:
    try:
        first = unicodedata.name(ch).split(" ", 1)[0]
    except ValueError:
        return "UNKNOWN"
    return _SCRIPT_ALIASES.get(first, first)


def garbled_reason(text: str) -> str:
    """Return why ``text`` looks garbled, or "" when it looks like real text.

    Args:
        text: extracted text of a whole document (or a large sample of it).
    """
    sample = text[:200_000]
    letters = [c for c in sample if c.isalpha()]
    if len(letters) < 5:
        return ""
    n = len(letters)
    replacement = sample.count("\ufffd")
    if replacement > 20 and replacement / max(1, len(sample.strip())) > 0.2:
        return "most characters could not be decoded"
    latin1 = sum(1 for c in letters if "\u00c0" <= c <= "\u00ff")
    latin1_symbols = sum(1 for c in sample if "\u00a1" <= c <= "\u00bf")
    if (latin1 + latin1_symbols) / n > 0.3:
        return "the text decodes as accented Latin letters and symbols (a Chinese/Japanese font read wrongly)"
    # After NFKC, real text keeps almost no loose combining accents; this garbage is full of them.
    loose_marks = sum(1 for c in sample if "\u0300" <= c <= "\u036f")
    if loose_marks >= 10 and loose_marks / n > 0.1:
        return "the text is full of stray accent marks (a font without a usable character map)"
    hangul = [c for c in letters if "\uac00" <= c <= "\ud7ff"]
    if len(hangul) >= 5:
        rare = 0
        for c in hangul:
            try:
                # The 2,350 syllables in everyday use take 2 bytes; the rest need 8-byte escapes.
                if len(c.encode("euc-kr")) != 2:
                    rare += 1
            except UnicodeEncodeError:
                rare += 1
        if rare / len(hangul) > 0.3:
            return "the text decodes as rare Hangul syllables (a Chinese font read wrongly)"
    switches = pairs = 0
    prev = ""
    prev_letter = False
    for c in sample:
        is_letter = c.isalpha() or unicodedata.category(c) == "Mn"
        if is_letter:
            s = _script(c) if c.isalpha() else "MARK"
            if prev_letter:
                pairs += 1
                if s != prev and s != "MARK" and prev != "MARK" and "CJK" not in (s, prev):
                    switches += 1
                elif s == "MARK" and prev == "CJK":
                    switches += 1
            prev = s
        prev_letter = is_letter
    if pairs >= 20 and switches / pairs > 0.15:
        return "letters from unrelated scripts alternate inside words (a font without a usable character map)"
    return ""
