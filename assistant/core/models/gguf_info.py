"""Read a GGUF file's header, metadata and tensor table without touching llama.cpp.

A bad model file must give the user a clear reason, never a llama.cpp abort. This module parses
the header itself (with the ``gguf`` package's type tables) instead of ``gguf.GGUFReader``:
the reader decodes every vocabulary entry into numpy objects, which takes ~10 s for Gemma's
262k-token vocabulary; here large arrays are skipped and only the few entries we need are read.

Public API: :func:`read_header` (a file on disk), :func:`parse_header` (the first bytes of a file,
e.g. fetched by an HTTP range request; :class:`HeaderIncomplete` says how many more are needed),
:func:`facts_from_header` and :func:`read_model_facts` (what the model is; a split model's facts
count all its parts), :func:`split_parts`.
"""
from __future__ import annotations

import math
import mmap
import os
import re
import struct
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import gguf

from assistant.core.errors import ModelError
from assistant.core.models.facts import ModelFacts

GGUF_MAGIC = b"GGUF"
DEFAULT_ALIGNMENT = 32
_SMALL_ARRAY = 64  # arrays up to this length are decoded; longer ones only have their length kept
MAX_STRING = 2**20  # metadata strings longer than this are skipped (their value reads as None), not copied
MAX_ARRAY = 2**30  # llama.cpp's own limit on array elements (GGUF_MAX_ARRAY_ELEMENTS)

_SCALARS: dict[int, str] = {
    gguf.GGUFValueType.UINT8: "<B", gguf.GGUFValueType.INT8: "<b",
    gguf.GGUFValueType.UINT16: "<H", gguf.GGUFValueType.INT16: "<h",
    gguf.GGUFValueType.UINT32: "<I", gguf.GGUFValueType.INT32: "<i",
    gguf.GGUFValueType.FLOAT32: "<f", gguf.GGUFValueType.BOOL: "<?",
    gguf.GGUFValueType.UINT64: "<Q", gguf.GGUFValueType.INT64: "<q",
    gguf.GGUFValueType.FLOAT64: "<d",
}

# Tensor types llama.cpp (as vendored by llama-cpp-python 0.3.36) no longer or not yet runs.
UNSUPPORTED_TYPES: dict[int, str] = {
    4: "Q4_2 (removed from llama.cpp in 2023)",
    5: "Q4_3 (removed from llama.cpp in 2023)",
    31: "Q4_0_4_4 (repacked format removed from llama.cpp; use a plain Q4_0 file)",
    32: "Q4_0_4_8 (repacked format removed from llama.cpp; use a plain Q4_0 file)",
    33: "Q4_0_8_8 (repacked format removed from llama.cpp; use a plain Q4_0 file)",
    36: "IQ4_NL_4_4 (repacked format removed from llama.cpp)",
    37: "IQ4_NL_4_8 (repacked format removed from llama.cpp)",
    38: "IQ4_NL_8_8 (repacked format removed from llama.cpp)",
    40: "NVFP4 (newer than this llama.cpp build)",
    41: "Q1_0 (newer than this llama.cpp build)",
}
# Architectures that are not language models llama.cpp can chat with.
NOT_CHAT_ARCHITECTURES = {"clip": "a vision projector (mmproj), not a language model",
                          "wavtokenizer-dec": "an audio decoder, not a language model"}
SUPPORTED_ARCHITECTURES = frozenset(gguf.MODEL_ARCH_NAMES.values()) - set(NOT_CHAT_ARCHITECTURES)
#: How llama.cpp's gguf-split names the parts of a split model: ``NAME-00001-of-00003.gguf``.
SPLIT_NAME = re.compile(r"-(\d{5})-of-(\d{5})\.gguf$", re.I)


@dataclass
class TensorInfo:
    """One tensor of a GGUF file. ``shape`` is in GGUF ``ne`` order (innermost first)."""

    name: str
    shape: tuple[int, ...]
    type_id: int
    offset: int

    @property
    def n_elements(self) -> int:
        n = 1
        for d in self.shape:
            n *= d
        return n

    @property
    def type_name(self) -> str:
        try:
            return gguf.GGMLQuantizationType(self.type_id).name
        except ValueError:
            return f"type {self.type_id}"

    def nbytes(self) -> int | None:
        """Size of the tensor's data, or None for an unknown type."""
        try:
            block, size = gguf.GGML_QUANT_SIZES[gguf.GGMLQuantizationType(self.type_id)]
        except (ValueError, KeyError):
            return None
        return self.n_elements // block * size


@dataclass
class GGUFHeader:
    """Metadata (small values only) and tensor table of a GGUF file."""

    path: Path
    version: int
    metadata: dict[str, Any]
    array_lengths: dict[str, int]
    tensors: list[TensorInfo]
    data_offset: int
    size_bytes: int
    array_offsets: dict[str, tuple[int, int]] = field(default_factory=dict)  # key -> (elem type, pos)
    special_tokens: dict[str, str] = field(default_factory=dict)  # "bos"/"eos" -> token text

    def get(self, key: str, default: Any = None) -> Any:
        return self.metadata.get(key, default)


class _Cursor:
    def __init__(self, buf: mmap.mmap | bytes, size: int) -> None:
        self.buf, self.size, self.pos = buf, size, 0

    def need(self, n: int) -> None:
        if self.pos + n > self.size:
            raise _Truncated(self.pos + n)

    def unpack(self, fmt: str) -> Any:
        n = struct.calcsize(fmt)
        self.need(n)
        v = struct.unpack_from(fmt, self.buf, self.pos)[0]
        self.pos += n
        return v

    def string(self, limit: int = MAX_STRING) -> str | None:
        """The next string, or None (skipped, not copied) when it is longer than ``limit`` bytes."""
        n = self.unpack("<Q")
        self.need(n)
        if n > limit:
            self.pos += n
            return None
        s = bytes(self.buf[self.pos:self.pos + n]).decode("utf-8", errors="replace")
        self.pos += n
        return s

    def name(self, what: str) -> str:
        """A key or tensor name: a long one means a damaged header."""
        s = self.string()
        if s is None:
            raise ValueError(f"a {what} is longer than {MAX_STRING // 2**20} MB")
        return s

    def skip_string(self) -> None:
        n = self.unpack("<Q")
        self.need(n)
        self.pos += n


class _Truncated(Exception):
    def __init__(self, needed: int) -> None:
        super().__init__(needed)
        self.needed = needed  # the header needs at least this many bytes


class HeaderIncomplete(ModelError):
    """The bytes given to :func:`parse_header` end inside the GGUF header: fetch more, parse again.

    Attributes:
        have: how many bytes were given.
        needed: the header needs at least this many (a lower bound: more may follow).
    """

    def __init__(self, name: str, have: int, needed: int) -> None:
        super().__init__(f"{name}: the first {have:,} bytes end inside the GGUF header; "
                         f"at least {needed:,} are needed.")
        self.have, self.needed = have, needed


def _read_value(cur: _Cursor, vtype: int, key: str, header: GGUFHeader, in_array: bool = False) -> Any:
    if vtype in _SCALARS:
        return cur.unpack(_SCALARS[vtype])
    if vtype == gguf.GGUFValueType.STRING:
        return cur.string()
    if vtype == gguf.GGUFValueType.ARRAY:
        if in_array:  # llama.cpp refuses arrays of arrays too
            raise ValueError(f"metadata key {key!r} is an array of arrays, which GGUF readers do not accept")
        etype = cur.unpack("<I")
        count = cur.unpack("<Q")
        if count > MAX_ARRAY:
            raise ValueError(f"metadata key {key!r} claims {count:,} array elements")
        if etype == gguf.GGUFValueType.ARRAY:
            raise ValueError(f"metadata key {key!r} is an array of arrays, which GGUF readers do not accept")
        if etype not in _SCALARS and etype != gguf.GGUFValueType.STRING:
            raise ValueError(f"unknown metadata value type {etype} in the array {key!r}")
        header.array_lengths[key] = count
        header.array_offsets[key] = (etype, cur.pos)
        if count <= _SMALL_ARRAY:
            return [_read_value(cur, etype, key, header, True) for _ in range(count)]
        if etype in _SCALARS:
            n = struct.calcsize(_SCALARS[etype]) * count
            cur.need(n)
            cur.pos += n
        else:
            cur.need(8 * count)  # every string has at least its length: a lying count fails here, fast
            for _ in range(count):
                cur.skip_string()
        return None
    raise ValueError(f"unknown metadata value type {vtype} for key {key!r}")


def read_header(path: str | os.PathLike[str], special_tokens: bool = False) -> GGUFHeader:
    """Parse a GGUF file's header, metadata and tensor table.

    Args:
        path: the GGUF file.
        special_tokens: also read the text of the BOS/EOS tokens (``header.special_tokens``).

    Raises:
        ModelError: the file is missing, empty, not GGUF, or truncated.
    """
    p = Path(path)
    if not p.exists():
        raise ModelError(f"{p}: the file does not exist.")
    if p.is_dir():
        raise ModelError(f"{p}: this is a folder, not a GGUF model file.")
    size = p.stat().st_size
    if size == 0:
        raise ModelError(f"{p}: the file is empty (0 bytes); the download or copy did not finish.")
    try:
        with open(p, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as mm:
            return _parse_refusing(p, mm, size, size, special_tokens)
    except _Truncated:
        raise ModelError(f"{p}: the file is truncated ({size:,} bytes): its header ends early. "
                         "Download it again.") from None
    except OSError as e:
        raise ModelError(f"{p}: cannot read the file ({e.strerror or e}).") from None


def parse_header(data: bytes | bytearray | memoryview, *, file_size: int | None = None, name: str = "GGUF data",
                 special_tokens: bool = False) -> GGUFHeader:
    """Parse a GGUF header from the first bytes of a file (the tensor data is not needed).

    For a file not on disk: the start of a model on a server, read with an HTTP range request
    before downloading it. Call again with more bytes while it raises :class:`HeaderIncomplete`.

    Args:
        data: the file's first bytes (or all of it).
        file_size: the whole file's size, when known: a header that runs past it, or tensors that
            do, are refused as truncated. None: unknown (running out of ``data`` always means
            "fetch more", and the tensors' end is not checked).
        name: how the file is named in messages (a path, or "owner/repo/file.gguf").
        special_tokens: also read the text of the BOS/EOS tokens (``header.special_tokens``).

    Returns:
        The header; ``header.size_bytes`` is ``file_size`` (or ``len(data)`` when unknown).

    Raises:
        HeaderIncomplete: ``data`` ends inside the header (``needed`` says how far it goes at least).
        ModelError: not a GGUF file, a damaged header, or (with ``file_size``) a truncated file.
    """
    have = len(data)
    if file_size is not None and file_size < have:
        data, have = data[:file_size], file_size
    try:
        return _parse_refusing(Path(name), data, have, file_size, special_tokens)
    except _Truncated as e:
        if file_size is None or have < file_size:
            raise HeaderIncomplete(name, have, e.needed) from None
        raise ModelError(f"{name}: the file is truncated ({file_size:,} bytes): its header ends early.") from None


def _parse_refusing(p: Path, buf: Any, available: int, file_size: int | None, special_tokens: bool) -> GGUFHeader:
    """:func:`_parse`, with whatever a hostile header provokes turned into the same refusal."""
    try:
        return _parse(p, buf, available, file_size, special_tokens)
    except (ValueError, UnicodeDecodeError, TypeError, OverflowError, RecursionError, MemoryError,
            struct.error, KeyError, IndexError) as e:
        raise ModelError(f"{p}: the GGUF header is damaged ({e}).") from None


def _parse(p: Path, mm: Any, available: int, file_size: int | None, special_tokens: bool) -> GGUFHeader:
    """Parse from ``mm``, of which ``available`` bytes may be read; ``file_size``: the file's, if known."""
    cur = _Cursor(mm, available)
    if available < 4 and GGUF_MAGIC.startswith(bytes(mm[:available])) and (file_size is None or file_size > available):
        raise _Truncated(4)
    if available < 4 or mm[:4] != GGUF_MAGIC:
        head = bytes(mm[:4])
        raise ModelError(f"{p}: not a GGUF model file (it starts with {head!r}, not b'GGUF'). "
                         "Hearth runs GGUF models, for example from a llama.cpp conversion.")
    cur.pos = 4
    version = cur.unpack("<I")
    if version not in (2, 3):
        hint = " (a big-endian file?)" if version > 0xFFFF else ""
        raise ModelError(f"{p}: GGUF version {version}{hint} is not supported; versions 2 and 3 are.")
    n_tensors, n_kv = cur.unpack("<Q"), cur.unpack("<Q")
    if n_tensors > 1_000_000 or n_kv > 1_000_000:
        raise ModelError(f"{p}: the GGUF header is damaged (it claims {n_tensors} tensors, {n_kv} keys).")
    size = available if file_size is None else file_size
    header = GGUFHeader(p, version, {}, {}, [], 0, size)
    for _ in range(n_kv):
        key = cur.name("metadata key")
        vtype = cur.unpack("<I")
        if key in header.metadata:
            raise ValueError(f"the metadata key {key!r} appears twice")
        header.metadata[key] = _read_value(cur, vtype, key, header)
        if key == "general.alignment" and vtype != gguf.GGUFValueType.UINT32:
            raise ValueError("general.alignment must be a 32-bit unsigned integer, as llama.cpp requires")
    for _ in range(n_tensors):
        name = cur.name("tensor name")
        n_dims = cur.unpack("<I")
        if n_dims > 8:
            raise ModelError(f"{p}: the GGUF header is damaged (tensor {name!r} has {n_dims} dimensions).")
        shape = tuple(cur.unpack("<Q") for _ in range(n_dims))
        header.tensors.append(TensorInfo(name, shape, cur.unpack("<I"), cur.unpack("<Q")))
    align = header.get("general.alignment", DEFAULT_ALIGNMENT)
    if align <= 0 or align & (align - 1):
        raise ValueError(f"general.alignment is {align}, not a power of 2")
    header.data_offset = (cur.pos + align - 1) // align * align
    # A file cut short keeps its header but loses tensor data: check the last tensor ends in the file.
    end = header.data_offset if header.tensors else cur.pos  # no tensors: no padded data section
    for t in header.tensors:
        nb = t.nbytes()
        if nb is not None:
            end = max(end, header.data_offset + t.offset + nb)
    if file_size is not None and end > size:
        raise ModelError(f"{p}: the file is truncated: it has {size:,} bytes but its tensors need "
                         f"{end:,}. The download or copy did not finish; get the file again.")
    if special_tokens:
        _read_special_tokens(header, cur)
    return header


def _read_special_tokens(header: GGUFHeader, cur: _Cursor) -> None:
    where = header.array_offsets.get("tokenizer.ggml.tokens")
    if where is None or where[0] != gguf.GGUFValueType.STRING:
        return
    wanted = {name: header.get(f"tokenizer.ggml.{name}_token_id") for name in ("bos", "eos")}
    ids = {v for v in wanted.values() if isinstance(v, int)}
    if not ids:
        return
    cur.pos = where[1]
    found: dict[int, str] = {}
    for i in range(min(max(ids) + 1, header.array_lengths["tokenizer.ggml.tokens"])):
        if i in ids:
            found[i] = cur.string() or ""
        else:
            cur.skip_string()
    header.special_tokens = {k: found.get(v, "") for k, v in wanted.items() if isinstance(v, int)}


def read_tensor_shapes(path: str | os.PathLike[str]) -> dict[str, tuple[int, ...]]:
    """Tensor names and shapes (GGUF ``ne`` order) of a GGUF file.

    Raises:
        ModelError: the file cannot be read as GGUF.
    """
    return {t.name: t.shape for t in read_header(path).tensors}


def quantization_name(header: GGUFHeader) -> str:
    """The file's quantization in the usual words (Q4_K_M, Q8_0, F16...)."""
    ft = header.get("general.file_type")
    if isinstance(ft, int):
        try:
            name = gguf.LlamaFileType(ft).name
            return name.removeprefix("MOSTLY_").removeprefix("ALL_")
        except ValueError:
            pass
    counts = Counter(t.type_name for t in header.tensors if len(t.shape) >= 2)
    return counts.most_common(1)[0][0] if counts else "unknown"


def check_runnable(header: GGUFHeader) -> None:
    """Refuse files llama.cpp would reject or abort on.

    Raises:
        ModelError: an adapter instead of a model, an unsupported architecture or tensor type.
    """
    p = header.path
    gtype = header.get("general.type", "model")
    if gtype == "adapter":
        raise ModelError(f"{p}: this is a LoRA adapter, not a model. Load a base model and add "
                         "the adapter in the Adapters panel.")
    arch = header.get("general.architecture")
    if not isinstance(arch, str) or not arch:
        raise ModelError(f"{p}: the file does not say which architecture it is (general.architecture missing).")
    if arch in NOT_CHAT_ARCHITECTURES:
        raise ModelError(f"{p}: architecture '{arch}' is {NOT_CHAT_ARCHITECTURES[arch]}.")
    if arch not in SUPPORTED_ARCHITECTURES:
        raise ModelError(f"{p}: architecture '{arch}' is not supported by this llama.cpp build.")
    bad = Counter()
    for t in header.tensors:
        if t.type_id in UNSUPPORTED_TYPES or t.nbytes() is None:
            bad[t.type_id] += 1
    if bad:
        tid, n = bad.most_common(1)[0]
        what = UNSUPPORTED_TYPES.get(tid, f"unknown tensor type {tid}")
        raise ModelError(f"{p}: quantization {what} cannot run in this build ({n} tensors use it). "
                         "Choose a Q4_K_M, Q5_K_M, Q8_0 or F16 version of the model.")


def _arch_int(header: GGUFHeader, arch: str, key: str) -> int | None:
    v = header.get(f"{arch}.{key}")
    if isinstance(v, list):  # per-layer values (e.g. head_count_kv on some models): take the largest
        nums = [x for x in v if isinstance(x, (int, float)) and not isinstance(x, bool)]
        v = max(nums) if nums else None
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return int(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None


def split_parts(path: str | os.PathLike[str], header: GGUFHeader | None = None) -> list[Path]:
    """The files of a split model in order, from its first part; ``[path]`` for an ordinary file.

    A model split by llama.cpp's gguf-split (``NAME-00001-of-00003.gguf`` ...) says in its first
    part's header how many parts there are (``split.count``); llama.cpp loads the rest from the
    same folder by name.

    Args:
        path: the model file (the first part of a split model).
        header: its header, if already read.

    Raises:
        ModelError: ``path`` is a later part, or a part is missing from the folder.
    """
    p = Path(path)
    header = header or read_header(p)
    count, no = header.get("split.count"), header.get("split.no", 0)
    if not isinstance(count, int) or count <= 1:
        return [p]
    m = SPLIT_NAME.search(p.name)
    if isinstance(no, int) and no > 0:
        first = p.with_name(SPLIT_NAME.sub(f"-00001-of-{count:05d}.gguf", p.name)) if m else None
        raise ModelError(f"{p}: this is part {no + 1} of {count} of a split model; load its first part"
                         + (f" ({first.name})." if first else "."))
    if m is None:  # not named as gguf-split names parts (a download not yet in place): only this part is known
        return [p]
    parts = [p.with_name(SPLIT_NAME.sub(f"-{i:05d}-of-{count:05d}.gguf", p.name)) for i in range(1, count + 1)]
    missing = [q.name for q in parts if not q.is_file()]
    if missing:
        raise ModelError(f"{p}: the model is split into {count} parts but {', '.join(missing)} "
                         f"{'is' if len(missing) == 1 else 'are'} missing from {p.parent}.",
                         fix="Put every part in the same folder (or download the model again).")
    return parts


def facts_from_header(header: GGUFHeader, *, path: str | None = None, size_bytes: int | None = None,
                      parameters: int | None = None) -> ModelFacts:
    """What a model is, from its parsed header (:func:`read_header` or :func:`parse_header`).

    Args:
        header: the header (read with ``special_tokens=True`` for the BOS/EOS text).
        path: the model's name or path in the facts (default: the header's).
        size_bytes: the weights' size (default: the header's file size; a split model: all parts).
        parameters: the parameter count (default: the tensors of this header).

    Raises:
        ModelError: an adapter, an unsupported architecture or quantization (:func:`check_runnable`).
    """
    check_runnable(header)
    arch = header.get("general.architecture")
    tmpl = header.get("tokenizer.chat_template")
    name = path if path is not None else str(header.path)
    n_head = _arch_int(header, arch, "attention.head_count")
    n_embd = _arch_int(header, arch, "embedding_length")
    key_len = _arch_int(header, arch, "attention.key_length")
    if key_len is None and n_head and n_embd:
        key_len = n_embd // n_head
    val_len = _arch_int(header, arch, "attention.value_length") or key_len
    return ModelFacts(
        path=name, name=str(header.get("general.name") or Path(name).stem), architecture=arch,
        parameters=parameters or sum(t.n_elements for t in header.tensors) or None,
        quantization=quantization_name(header),
        context_length=_arch_int(header, arch, "context_length") or 2048,
        size_bytes=header.size_bytes if size_bytes is None else size_bytes,
        has_chat_template=isinstance(tmpl, str) and bool(tmpl.strip()),
        n_layers=_arch_int(header, arch, "block_count"), embedding_length=n_embd,
        chat_template=tmpl if isinstance(tmpl, str) and tmpl.strip() else None,
        bos_token=header.special_tokens.get("bos", ""), eos_token=header.special_tokens.get("eos", ""),
        n_head=n_head, n_head_kv=_arch_int(header, arch, "attention.head_count_kv") or n_head,
        key_length=key_len, value_length=val_len,
        n_vocab=header.array_lengths.get("tokenizer.ggml.tokens") or _arch_int(header, arch, "vocab_size"),
        model_type=str(header.get("general.type", "model")),
        base_name=str(header.get("general.basename", "") or ""),
    )


def read_model_facts(path: str | os.PathLike[str]) -> ModelFacts:
    """What a GGUF model is, read from its header without loading it.

    For a split model (its first part), ``size_bytes`` and ``parameters`` count every part: the
    memory it needs is that of all its weights.

    Raises:
        ModelError: naming the file and the reason (missing, empty, not GGUF, truncated,
            unsupported architecture or quantization, an adapter instead of a model, a later part
            of a split model, a split model with a part missing).
    """
    header = read_header(path, special_tokens=True)
    parts = split_parts(path, header)
    size, params = header.size_bytes, None
    if len(parts) > 1:
        others = [read_header(q) for q in parts[1:]]
        size += sum(h.size_bytes for h in others)
        params = sum(t.n_elements for h in [header, *others] for t in h.tensors) or None
    return facts_from_header(header, path=str(path), size_bytes=size, parameters=params)
