"""Decode the bytes of a text file, whatever its encoding, or say why they are not text.

Covers what ``bytes.decode`` and charset-normalizer miss on their own: UTF-16 without a byte-order
mark, NUL bytes inside otherwise plain text, and EUC-TW (Traditional Chinese in CNS 11643), which
Python has no codec for: the C library's iconv decodes it (glibc on Linux, libiconv on macOS);
where there is none (Windows) such a file is reported as needing conversion to UTF-8.
"""
from __future__ import annotations

import re
import unicodedata


class NotText(ValueError):
    """The bytes of a text-type file are not text in any encoding Hearth can read (message says why)."""


def decode_text(data: bytes) -> str:
    """Decode the bytes of a text file, whatever its encoding; line ends become "\\n".

    Order: a byte-order mark; UTF-16 without a mark (told by where its zero bytes fall); UTF-8
    (NUL bytes that pad or separate records are dropped); EUC-TW (Python has no codec for it:
    the C library's converter decodes it where there is one); then charset-normalizer, first
    with its usual threshold and then over its whole candidate list.

    Raises:
        NotText: binary content, or an encoding this system cannot decode.
    """
    if not data:
        return ""
    text = _decode(data)
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _decode(data: bytes) -> str:
    for bom, enc in ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16")):
        if data.startswith(bom):
            return _checked(data.decode(enc, errors="replace"))
    if b"\x00" in data:
        text = _utf16_by_zero_bytes(data)
        if text is not None:
            return text
        data = data.replace(b"\x00", b"")  # padding or record separators in an otherwise plain text file
        if not data:
            return ""
    try:
        return _checked(data.decode("utf-8"))
    except UnicodeDecodeError:
        pass
    text = _euc_tw(data)
    if text is not None:
        return text
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:  # every candidate looked too chaotic at the usual threshold: rank them all
        best = from_bytes(data, threshold=0.6).best()
    if best is not None:
        return _checked(str(best))
    if _looks_euc_tw(data, need_plane2=False):
        raise NotText(_NO_EUC_TW)
    raise NotText("binary content, not text (no known text encoding fits its bytes)")


def _checked(text: str) -> str:
    """The text itself, unless control characters show it is binary data that happened to decode."""
    bad = sum(1 for c in text[:100_000] if (c < " " and c not in "\t\n\r\f\v\x1b") or c == "\ufffd")
    if bad > 2 and bad > 0.05 * min(len(text), 100_000):
        raise NotText("binary content, not text")
    return text


def _utf16_by_zero_bytes(data: bytes) -> str | None:
    """Decode UTF-16 without a byte-order mark, told from NUL-padded text by where the zero bytes fall.

    UTF-16 puts the zero half of every ASCII character (and of line ends between CJK text) at odd
    offsets (little-endian) or even ones (big-endian) and almost never at the other parity; NUL
    padding in a plain text file falls on both.
    """
    sample = data[:65536]
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    major, minor = max(even, odd), min(even, odd)
    if major < 2 or minor > major // 20 + 1:
        return None
    if major < len(sample) // 8:
        # Few zeros: CJK text in UTF-16, or a UTF-8 file with stray NULs. The second decodes
        # cleanly once the NULs are gone; CJK code units leave invalid UTF-8 behind.
        try:
            data.replace(b"\x00", b"").decode("utf-8")
            return None
        except UnicodeDecodeError:
            pass
    enc = "utf-16-le" if odd > even else "utf-16-be"
    try:
        text = data[: len(data) - len(data) % 2].decode(enc)
    except UnicodeDecodeError:  # lone surrogates: not UTF-16
        return None
    odd_chars = sum(1 for c in text[:50_000] if unicodedata.category(c) in ("Cn", "Co", "Cs")
                    or (c < " " and c not in "\t\n\r\f\v"))
    return None if odd_chars > 0.02 * min(len(text), 50_000) else text


# EUC-TW: ASCII, plane 1 of CNS 11643 in two bytes, planes 1-16 as SS2 (0x8E) + plane + two bytes.
_EUC_TW = re.compile(rb"(?:[\x00-\x7f]|[\xa1-\xfe][\xa1-\xfe]|\x8e[\xa1-\xb0][\xa1-\xfe][\xa1-\xfe])*")
_NO_EUC_TW = ("the text is in EUC-TW (CNS 11643, Traditional Chinese), which Python has no decoder for "
              "and this system has no converter for; save the file as UTF-8")


def _looks_euc_tw(data: bytes, need_plane2: bool) -> bool:
    if not _EUC_TW.fullmatch(data):
        return False
    # Plane 1 Chinese characters start at row 0x44 (lead byte 0xC4); planes 2+ use SS2.
    if need_plane2:
        return re.search(rb"\x8e[\xa2-\xb0]", data) is not None
    return len(re.findall(rb"[\xc4-\xfd][\xa1-\xfe]|\x8e[\xa1-\xb0]", data)) >= 2


def _euc_tw(data: bytes) -> str | None:
    """EUC-TW text decoded by the C library's iconv; None when the bytes are not EUC-TW.

    Raises:
        NotText: the bytes can only be EUC-TW (planes 2 and up) but this system cannot decode it.
    """
    if not _looks_euc_tw(data, need_plane2=False):
        return None
    text = iconv_decode(data, "EUC-TW")
    if text is None:
        if _iconv() is None and _looks_euc_tw(data, need_plane2=True):
            raise NotText(_NO_EUC_TW)
        return None  # not valid CNS 11643 after all (GB2312, EUC-KR and EUC-JP text fails here)
    han = sum(1 for c in text if "\u3400" <= c <= "\u9fff" or "\uf900" <= c <= "\ufaff" or c >= "\U00020000")
    wide = sum(1 for c in text if c > "\x7f")
    return text if wide and han >= 0.5 * wide else None


_ICONV: list = []


def _iconv():
    """The C library's iconv functions (glibc; libiconv on macOS), or None (Windows)."""
    if _ICONV:
        return _ICONV[0]
    import ctypes
    import ctypes.util

    found = None
    for name in (None, ctypes.util.find_library("iconv"), ctypes.util.find_library("c")):
        try:
            lib = ctypes.CDLL(name)
        except (OSError, TypeError):
            continue
        for prefix in ("", "lib"):
            try:
                fns = [getattr(lib, prefix + f) for f in ("iconv_open", "iconv", "iconv_close")]
            except AttributeError:
                continue
            fns[0].argtypes, fns[0].restype = [ctypes.c_char_p, ctypes.c_char_p], ctypes.c_void_p
            pp = ctypes.POINTER(ctypes.c_char_p)
            ps = ctypes.POINTER(ctypes.c_size_t)
            fns[1].argtypes, fns[1].restype = [ctypes.c_void_p, pp, ps, pp, ps], ctypes.c_size_t
            fns[2].argtypes, fns[2].restype = [ctypes.c_void_p], ctypes.c_int
            found = fns
            break
        if found:
            break
    _ICONV.append(found)
    return found


def iconv_decode(data: bytes, encoding: str) -> str | None:
    """Decode strictly with the C library's iconv; None when it lacks the encoding or the bytes are invalid."""
    import ctypes

    fns = _iconv()
    if fns is None:
        return None
    iconv_open, iconv, iconv_close = fns
    cd = iconv_open(b"UTF-8", encoding.encode("ascii"))
    if cd is None or cd == ctypes.c_void_p(-1).value:
        return None
    try:
        src = ctypes.create_string_buffer(data, len(data))
        out_size = 2 * len(data) + 16  # EUC-TW: 1 byte -> 1, 2 -> 3, 4 -> at most 4
        dst = ctypes.create_string_buffer(out_size)
        in_ptr, out_ptr = ctypes.c_char_p(ctypes.addressof(src)), ctypes.c_char_p(ctypes.addressof(dst))
        in_left, out_left = ctypes.c_size_t(len(data)), ctypes.c_size_t(out_size)
        r = iconv(cd, ctypes.byref(in_ptr), ctypes.byref(in_left), ctypes.byref(out_ptr), ctypes.byref(out_left))
        if r == ctypes.c_size_t(-1).value or in_left.value:
            return None
        return dst.raw[: out_size - out_left.value].decode("utf-8", errors="replace")
    finally:
        iconv_close(cd)
