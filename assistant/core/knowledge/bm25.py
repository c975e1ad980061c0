"""A BM25 keyword index over a collection's chunks (numpy + scipy sparse), cached on disk.

Words are lowercased and lightly stemmed; CJK runs become character unigrams and bigrams, so
Chinese and Japanese text without spaces matches. A CJK run is always its own run, also right
after a digit or a Latin letter ("1998年", "iPhone手机"): before, such a run was swallowed into
one long word that no query ever matched. On the CMRC Chinese set (1,104 passages, 1,002
questions) whole-passage BM25 went from nDCG@10 0.938 to 0.982 with that fix; jieba search-mode
words added to the characters scored 0.981 (0.980 with two-character words) and made indexing
four times slower, so characters alone are kept. The index is rebuilt from the manifest when the
collection's generation changes, and saved next to it so a restart does not pay the rebuild.
"""
from __future__ import annotations

import json
import logging
import os
import re
import tempfile
import zlib
from pathlib import Path
from typing import TYPE_CHECKING, Iterable

if TYPE_CHECKING:
    import numpy as np

log = logging.getLogger("assistant.knowledge")

_CJK = r"\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
# Word characters that are not CJK: a Latin/digit word stops where a CJK run starts.
_TOKENS = re.compile(rf"[{_CJK}]+|[^\W_{_CJK}]+", re.UNICODE)
# Bumped whenever ``tokenize`` changes: a cache built with other terms is rebuilt, not searched.
TOKENIZER_VERSION = 2
_CJK_RUN = re.compile(rf"[{_CJK}]")
STOPWORDS = frozenset("""a an and are as at be but by for from has have in into is it its of on or that the their
there these this those to was were which with what when where who whom why how do does did not no can
will would should could may might than then so such also been being about over under between after
before other some any each all more most very""".split())


def _stem(w: str) -> str:
    """A light English stemmer (plural and common suffixes): enough to match cells/cell, binding/bind."""
    if len(w) <= 3 or not w.isascii():
        return w
    for suf, rep in (("ies", "y"), ("sses", "ss"), ("ing", ""), ("edly", ""), ("ed", ""), ("ly", ""),
                     ("es", "e"), ("s", "")):
        if w.endswith(suf) and len(w) - len(suf) >= 3:
            if suf == "s" and w.endswith(("ss", "us", "is")):
                return w
            return w[: len(w) - len(suf)] + rep
    return w


_STEMS: dict[str, str] = {}  # word -> its term ("" for a stopword): most words recur, stemming them once
_STEMS_MAX = 500_000


def tokenize(text: str) -> list[str]:
    """Index terms of a text: stemmed words without stopwords; CJK unigrams and bigrams."""
    out: list[str] = []
    stems = _STEMS
    for tok in _TOKENS.findall(text.lower()):
        if tok[0] >= "\u3040" and _CJK_RUN.match(tok):  # a run is all CJK or none: its first letter says
            out.extend(tok)
            out.extend(tok[i:i + 2] for i in range(len(tok) - 1))
            continue
        term = stems.get(tok)
        if term is None:
            term = "" if tok in STOPWORDS else _stem(tok)
            if len(stems) < _STEMS_MAX:
                stems[tok] = term
        if term:
            out.append(term)
    return out


BASE_FILE = "bm25.npz"  # the base segment: rewritten only by a full build or a merge
DELTA_FILE = "bm25-delta.npz"  # chunks added since, and rows of the base removed since
FORMAT_VERSION = 3  # 3: raw term counts in segments, scored at query time (2 held precomputed weights)
# The delta is merged into the base once it holds this many rows (added + removed) and this
# share of the base: a merge is array work (no tokenising) but rewrites the base file.
MERGE_MIN_ROWS = 5000
MERGE_SHARE = 0.1
REBUILDS = {"full": 0, "updates": 0, "merges": 0}  # counts, for tests and logs


class _Segment:
    """An immutable run of chunks: postings per term (rows, term counts) and token counts per row."""

    __slots__ = ("ids", "terms", "indptr", "rows", "tf", "lens", "_vocab", "_lensf", "_rowof", "_idset")

    def __init__(self, ids: list[str], terms: list[str], indptr, rows, tf, lens) -> None:
        self.ids, self.terms = ids, terms
        self.indptr, self.rows, self.tf, self.lens = indptr, rows, tf, lens
        self._vocab: dict[str, int] | None = None
        self._lensf = None
        self._rowof: dict[str, int] | None = None
        self._idset: frozenset[str] | None = None

    @property
    def rowof(self) -> dict[str, int]:
        """Chunk id -> row (built once: a segment never changes, so copies of an index share it)."""
        if self._rowof is None:
            self._rowof = dict(zip(self.ids, range(len(self.ids))))
        return self._rowof

    @property
    def idset(self) -> frozenset[str]:
        if self._idset is None:
            self._idset = frozenset(self.ids)
        return self._idset

    @property
    def vocab(self) -> dict[str, int]:
        if self._vocab is None:
            self._vocab = {t: j for j, t in enumerate(self.terms)}
        return self._vocab

    @property
    def lensf(self):
        if self._lensf is None:
            import numpy as np

            self._lensf = self.lens.astype(np.float32)
        return self._lensf

    def __len__(self) -> int:
        return len(self.ids)

    @classmethod
    def from_docs(cls, docs: Iterable[tuple[str, str]], batch: int = 50_000) -> "_Segment":
        """Tokenise (chunk id, text) pairs into a segment (the only step that reads text).

        Terms become ids in C (a defaultdict fed by ``map``); (term, chunk) pairs are counted by
        numpy a batch of chunks at a time, which keeps memory bounded at a million chunks.
        """
        from array import array
        from collections import defaultdict
        from itertools import count

        import numpy as np

        vocab: defaultdict[str, int] = defaultdict(count().__next__)
        term_id = vocab.__getitem__
        ids: list[str] = []
        lens = array("i")
        toks = array("i")
        parts: list[tuple] = []
        start = 0

        def flush() -> None:
            nonlocal toks, start
            n = len(ids) - start
            if n:
                col = np.frombuffer(toks, dtype=np.int32).astype(np.int64)
                row = np.repeat(np.arange(n, dtype=np.int64), np.frombuffer(lens, dtype=np.int32)[start:])
                key, cnt = np.unique(col * n + row, return_counts=True)  # by term, then chunk
                parts.append(((key % n + start).astype(np.int32), (key // n).astype(np.int32), cnt.astype(np.int32)))
            toks, start = array("i"), len(ids)

        for cid, text in docs:
            t = tokenize(text)
            ids.append(cid)
            lens.append(len(t))
            toks.extend(map(term_id, t))
            if len(ids) - start >= batch:
                flush()
        flush()
        empty = np.zeros(0, np.int32)
        row, col, cnt = (np.concatenate([p[i] for p in parts]) if parts else empty for i in range(3))
        seg_lens = np.frombuffer(lens, dtype=np.int32).copy() if ids else empty
        return cls._from_postings(ids, list(vocab), row, col, cnt, seg_lens, sorted_=len(parts) <= 1)

    @classmethod
    def _from_postings(cls, ids, terms, row, col, cnt, lens, sorted_: bool = False) -> "_Segment":
        import numpy as np

        if not sorted_:
            order = np.argsort(col, kind="stable")  # by term; rows stay ascending within a term
            row, col, cnt = row[order], col[order], cnt[order]
        indptr = np.zeros(len(terms) + 1, dtype=np.int64)
        np.cumsum(np.bincount(col, minlength=len(terms)), out=indptr[1:])
        tf = np.minimum(cnt, 65535).astype(np.uint16)  # a chunk never repeats a word 65k times
        return cls(ids, terms, indptr, row.astype(np.int32), tf, lens.astype(np.int32))

    @classmethod
    def merge(cls, parts: "list[tuple[_Segment, np.ndarray | None]]") -> "_Segment":
        """One segment from (segment, dead rows mask) pairs, dead rows dropped: array work, no tokenising."""
        import numpy as np

        vocab: dict[str, int] = {}
        ids: list[str] = []
        rows, cols, cnts, lens = [], [], [], []
        offset = 0
        for seg, dead in parts:
            colmap = np.fromiter((vocab.setdefault(t, len(vocab)) for t in seg.terms), dtype=np.int32,
                                 count=len(seg.terms))
            pc = np.repeat(colmap, np.diff(seg.indptr))
            pr, tf = seg.rows, seg.tf
            if dead is not None and dead.any():
                keep = ~dead
                newrow = (np.cumsum(keep) - 1 + offset).astype(np.int32)
                m = keep[pr]
                pc, pr, tf = pc[m], pr[m], tf[m]
                ids.extend(i for i, k in zip(seg.ids, keep.tolist()) if k)
                lens.append(seg.lens[keep])
                offset += int(keep.sum())
            else:
                newrow = np.arange(offset, offset + len(seg), dtype=np.int32)
                ids.extend(seg.ids)
                lens.append(seg.lens)
                offset += len(seg)
            rows.append(newrow[pr])
            cols.append(pc)
            cnts.append(tf.astype(np.int32))
        row = np.concatenate(rows) if rows else np.zeros(0, np.int32)
        col = np.concatenate(cols) if cols else np.zeros(0, np.int32)
        cnt = np.concatenate(cnts) if cnts else np.zeros(0, np.int32)
        terms = list(vocab)
        used = np.bincount(col, minlength=len(terms)) > 0
        if not used.all():  # terms whose every chunk is gone
            remap = (np.cumsum(used) - 1).astype(np.int32)
            col = remap[col]
            terms = [t for t, u in zip(terms, used.tolist()) if u]
        return cls._from_postings(ids, terms, row, col, cnt,
                                  np.concatenate(lens) if lens else np.zeros(0, np.int32))

    def arrays(self, prefix: str) -> dict:
        return {f"{prefix}indptr": self.indptr, f"{prefix}rows": self.rows, f"{prefix}tf": self.tf,
                f"{prefix}lens": self.lens, f"{prefix}ids": _pack(self.ids), f"{prefix}terms": _pack(self.terms)}

    @classmethod
    def from_arrays(cls, z, prefix: str) -> "_Segment":
        import numpy as np

        seg = cls(_unpack(z[f"{prefix}ids"]), _unpack(z[f"{prefix}terms"]), z[f"{prefix}indptr"], z[f"{prefix}rows"],
                  z[f"{prefix}tf"], z[f"{prefix}lens"])
        n, nt = len(seg.ids), len(seg.terms)
        if (seg.indptr.shape != (nt + 1,) or seg.lens.shape != (n,) or seg.rows.shape != seg.tf.shape
                or int(seg.indptr[0]) != 0 or int(seg.indptr[-1]) != len(seg.rows)
                or (len(seg.rows) and (int(seg.rows.min()) < 0 or int(seg.rows.max()) >= n))
                or (nt and int(np.diff(seg.indptr).min()) < 0)):
            raise ValueError(f"a segment of {n} chunks and {nt} terms has inconsistent arrays")
        return seg


def _pack(strings: list[str]):
    """Strings as one uint8 array (NUL-separated UTF-8): no pickles in the file, fast to read back."""
    import numpy as np

    return np.frombuffer("\0".join(strings).encode("utf-8"), dtype=np.uint8) if strings else np.zeros(0, np.uint8)


def _unpack(a) -> list[str]:
    return bytes(a).decode("utf-8").split("\0") if len(a) else []


class BM25Index:
    """Okapi BM25 over chunk texts, in segments that take additions and removals in place.

    A base segment and a small delta of added chunks, with removed rows masked. Term frequencies
    and lengths are kept raw; document frequencies, the chunk count and the average length are
    summed over the live rows of all segments when a query runs, so scores are exactly those of
    an index rebuilt from scratch over the same chunks (ties are broken by chunk id).

    Args:
        k1: term-frequency saturation.
        b: length normalisation.
    """

    def __init__(self, k1: float = 1.2, b: float = 0.75) -> None:
        self.k1, self.b = k1, b
        self.segments: list[_Segment] = []  # [base] or [base, delta]
        self.dead: list["np.ndarray | None"] = []  # per segment: rows removed since it was written
        self.generation = -1
        self.base_uid = ""
        self._stats: tuple[int, int] | None = None

    # -- building and changing ------------------------------------------------------------------
    def build(self, docs: Iterable[tuple[str, str]], generation: int = 0) -> "BM25Index":
        """Build from scratch from (chunk id, text) pairs (one base segment)."""
        self.segments, self.dead = [_Segment.from_docs(docs)], [None]
        self.generation, self.base_uid = generation, os.urandom(8).hex()
        self._changed()
        return self

    def add(self, docs: Iterable[tuple[str, str]]) -> int:
        """Add chunks to the delta segment (a chunk id already present is replaced). Returns how many."""
        new = _Segment.from_docs(docs)
        if not len(new):
            return 0
        self.remove(new.ids)
        if not self.segments:
            self.segments, self.dead, self.base_uid = [new], [None], os.urandom(8).hex()
        elif len(self.segments) == 1:
            self.segments.append(new)
            self.dead.append(None)
        else:
            self.segments[1] = _Segment.merge([(self.segments[1], self.dead[1]), (new, None)])
            self.dead[1] = None
        self._changed()
        return len(new)

    def remove(self, ids: Iterable[str]) -> int:
        """Mark chunks as removed (unknown ids are ignored). Returns how many were live."""
        import numpy as np

        n = 0
        for cid in ids:
            for s in range(len(self.segments) - 1, -1, -1):  # the delta first: a re-added id lives there
                r = self.segments[s].rowof.get(cid)
                if r is None or (self.dead[s] is not None and self.dead[s][r]):
                    continue
                if self.dead[s] is None:
                    self.dead[s] = np.zeros(len(self.segments[s]), dtype=bool)
                self.dead[s][r] = True
                n += 1
                break
        if n:
            self._stats = None
        return n

    def diff(self, want: set[str]) -> tuple[set[str], set[str]]:
        """(ids in ``want`` that are not live here, live ids not in ``want``): set work on cached id sets."""
        from itertools import compress

        dead_ids = [set(compress(seg.ids, d.tolist())) if d is not None else set()
                    for seg, d in zip(self.segments, self.dead)]
        added = set(want)
        removed: set[str] = set()
        for seg, dead in zip(self.segments, dead_ids):
            added -= seg.idset
            removed |= (seg.idset - want) - dead
        for dead in dead_ids:  # removed once, wanted again: added back unless live in another segment
            for cid in dead & want:
                if not self._is_live(cid):
                    added.add(cid)
        return added, removed

    def _is_live(self, cid: str) -> bool:
        for seg, dead in zip(self.segments, self.dead):
            r = seg.rowof.get(cid)
            if r is not None and (dead is None or not dead[r]):
                return True
        return False

    def compact(self) -> None:
        """Merge every segment into one new base, dropping removed rows."""
        if len(self.segments) > 1 or any(d is not None and d.any() for d in self.dead):
            self.segments = [_Segment.merge(list(zip(self.segments, self.dead)))]
            self.dead, self.base_uid = [None], os.urandom(8).hex()
            self._changed()

    def needs_merge(self) -> bool:
        """Whether the delta and removals have grown past their share of the base."""
        if not self.segments:
            return False
        pending = sum(len(s) for s in self.segments[1:]) + sum(int(d.sum()) for d in self.dead if d is not None)
        return pending >= max(MERGE_MIN_ROWS, MERGE_SHARE * len(self.segments[0]))

    def copy(self) -> "BM25Index":
        """A copy to change while searches run on this one (segments are shared: they never change)."""
        c = BM25Index(self.k1, self.b)
        c.segments, c.dead = list(self.segments), [None if d is None else d.copy() for d in self.dead]
        c.generation, c.base_uid, c._stats = self.generation, self.base_uid, self._stats
        return c

    def _changed(self) -> None:
        self._stats = None

    # -- reading ----------------------------------------------------------------------------------
    @property
    def ids(self) -> list[str]:
        """Live chunk ids, base first."""
        return [cid for s, seg in enumerate(self.segments)
                for cid, d in zip(seg.ids, self.dead[s].tolist() if self.dead[s] is not None else [False] * len(seg))
                if not d]

    def live_ids(self) -> set[str]:
        """The set of live chunk ids."""
        return set(self.ids)

    def __len__(self) -> int:
        return self._totals()[0]

    def _totals(self) -> tuple[int, int]:
        """(live chunks, their total length in tokens): exact integers, the same however segmented."""
        if self._stats is None:
            n = total = 0
            for seg, dead in zip(self.segments, self.dead):
                if dead is None:
                    n += len(seg)
                    total += int(seg.lens.sum(dtype="int64"))
                else:
                    n += len(seg) - int(dead.sum())
                    total += int(seg.lens[~dead].sum(dtype="int64"))
            self._stats = (n, total)
        return self._stats

    def search(self, query: str, k: int) -> list[tuple[str, float]]:
        """Top ``k`` (chunk id, score) by BM25, best first; equal scores in chunk id order."""
        import math

        import numpy as np

        n, total = self._totals()
        terms = sorted(set(tokenize(query)))  # a fixed order: the same float sums however segmented
        if not terms or not n or k <= 0:
            return []
        f32 = np.float32
        avgdl = f32(total / n if total else 1.0)
        k1, b = f32(self.k1), f32(self.b)
        postings: list[list[tuple[int, int, int]]] = [[] for _ in self.segments]
        idf: dict[str, "np.float32"] = {}
        for t in terms:
            df = 0
            spans = []
            for s, seg in enumerate(self.segments):
                j = seg.vocab.get(t)
                if j is None:
                    continue
                a, e = int(seg.indptr[j]), int(seg.indptr[j + 1])
                dead = self.dead[s]
                df += e - a - (int(np.count_nonzero(dead[seg.rows[a:e]])) if dead is not None else 0)
                spans.append((s, a, e))
            if df:  # a term left only in removed chunks counts for nothing
                for s, a, e in spans:
                    postings[s].append((len(idf), a, e))
                idf[t] = f32(math.log1p((n - df + 0.5) / (df + 0.5)))
        weights = list(idf.values())
        found_s: list = []
        found_ids: list = []
        for s, seg in enumerate(self.segments):
            if not postings[s]:
                continue
            acc = np.zeros(len(seg), dtype=np.float32)
            for q, a, e in postings[s]:
                rows = seg.rows[a:e]
                tf = seg.tf[a:e].astype(np.float32)
                acc[rows] += tf * (k1 + f32(1)) / (tf + k1 * (f32(1) - b + b * seg.lensf[rows] / avgdl)) * weights[q]
            if self.dead[s] is not None:
                acc[self.dead[s]] = 0
            nz = np.flatnonzero(acc)
            found_s.append(acc[nz])
            found_ids.append((seg, nz))
        if not found_s:
            return []
        scores = np.concatenate(found_s)
        if len(scores) > k:  # everything scoring at least the k-th best (ties included), then by id
            kth = np.partition(scores, len(scores) - k)[len(scores) - k]
            keep = scores >= kth
        else:
            keep = np.ones(len(scores), dtype=bool)
        out: list[tuple[str, float]] = []
        off = 0
        for seg, nz in found_ids:
            m = keep[off:off + len(nz)]
            out.extend((seg.ids[r], float(v)) for r, v in zip(nz[m].tolist(), scores[off:off + len(nz)][m].tolist()))
            off += len(nz)
        out.sort(key=lambda p: (-p[1], p[0]))
        return out[:k]

    # -- files ------------------------------------------------------------------------------------
    def _meta(self, **extra) -> dict:
        return {"generation": self.generation, "k1": self.k1, "b": self.b, "tokenizer": TOKENIZER_VERSION,
                "format": FORMAT_VERSION, "base_uid": self.base_uid, **extra}

    def save(self, path: Path) -> None:
        """Write the whole index as one base segment, durably (see :func:`_write`)."""
        if not self.segments:
            return
        if len(self.segments) > 1 or self.dead[0] is not None:
            self.compact()
        _write(path, self.segments[0].arrays(""), self._meta())

    def save_delta(self, path: Path) -> None:
        """Write what changed since the base (its added chunks and removed base rows), durably."""
        import numpy as np

        arrays: dict = {}
        if len(self.segments) > 1:
            arrays |= self.segments[1].arrays("d_")
            if self.dead[1] is not None:
                arrays["d_dead"] = np.flatnonzero(self.dead[1]).astype(np.int32)
        arrays["base_dead"] = (np.flatnonzero(self.dead[0]).astype(np.int32) if self.dead and self.dead[0] is not None
                               else np.zeros(0, np.int32))
        _write(path, arrays, self._meta(base_rows=len(self.segments[0]) if self.segments else 0))

    @classmethod
    def load(cls, path: Path) -> "BM25Index | None":
        """Read a saved base segment, or None when it is missing or unreadable in any way (it is then rebuilt).

        A cache is only ever a copy of the manifest: a torn or foreign file (EOFError, BadZipFile,
        bad shapes, a wrong checksum, anything) must cost a rebuild, never keyword search.
        """
        got = _read(path)
        if got is None:
            return None
        z, meta = got
        try:
            idx = cls(float(meta["k1"]), float(meta["b"]))
            idx.segments, idx.dead = [_Segment.from_arrays(z, "")], [None]
            idx.generation, idx.base_uid = int(meta["generation"]), str(meta["base_uid"])
            return idx
        except Exception as e:  # noqa: BLE001 - any unreadable cache is rebuilt; the reason is logged
            log.warning("keyword index cache %s is unreadable (%s: %s); rebuilding it", path, type(e).__name__, e)
            return None

    def load_delta(self, path: Path) -> bool:
        """Apply a saved delta written over this base; False (nothing applied) when it is missing,
        torn, or was written over another base."""
        import numpy as np

        got = _read(path)
        if got is None:
            return False
        z, meta = got
        try:
            if meta.get("base_uid") != self.base_uid or int(meta.get("base_rows", -1)) != len(self.segments[0]):
                log.info("keyword index delta %s belongs to another base; it is left out", path)
                return False
            base_dead = z["base_dead"]
            if len(base_dead) and (int(base_dead.min()) < 0 or int(base_dead.max()) >= len(self.segments[0])):
                raise ValueError("removed rows out of range")
            segments, dead = [self.segments[0]], [None]
            if len(base_dead):
                dead[0] = np.zeros(len(self.segments[0]), dtype=bool)
                dead[0][base_dead] = True
            if "d_ids" in z:
                seg = _Segment.from_arrays(z, "d_")
                segments.append(seg)
                dead.append(None)
                if "d_dead" in z and len(z["d_dead"]):
                    dead[1] = np.zeros(len(seg), dtype=bool)
                    dead[1][z["d_dead"]] = True
        except Exception as e:  # noqa: BLE001 - a bad delta is dropped; the manifest diff redoes it
            log.warning("keyword index delta %s is unreadable (%s: %s); redoing it", path, type(e).__name__, e)
            return False
        self.segments, self.dead, self.generation = segments, dead, int(meta["generation"])
        self._changed()
        return True


def _write(path: Path, arrays: dict, meta: dict) -> None:
    """Write arrays and their checksums durably: a private temp file, fsync, rename, fsync of the folder.

    A crash or power cut leaves the old file or the new one, never a torn file under its name;
    two processes saving at once each use their own temp file.
    """
    import numpy as np

    meta = dict(meta, crc={k: zlib.crc32(np.ascontiguousarray(v)) for k, v in arrays.items()})
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".bm25-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(f, meta=np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8), **arrays)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    _fsync_dir(path.parent)


def _read(path: Path) -> "tuple[dict, dict] | None":
    """(arrays, meta) of a file written by :func:`_write`, or None when it is missing, torn or foreign."""
    import numpy as np

    if not path.exists():
        return None
    try:
        with np.load(path, allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.files}
        meta = json.loads(bytes(arrays.pop("meta")).decode())
        if meta.get("tokenizer", 1) != TOKENIZER_VERSION or meta.get("format") != FORMAT_VERSION:
            log.info("keyword index cache %s was built by an older version; rebuilding it", path)
            return None
        crc = meta.get("crc")
        if not isinstance(crc, dict) or set(crc) != set(arrays) or any(
                zlib.crc32(np.ascontiguousarray(v)) != crc[k] for k, v in arrays.items()):
            raise ValueError("checksums do not match its contents")
        return arrays, meta
    except Exception as e:  # noqa: BLE001 - any unreadable cache is rebuilt; the reason is logged
        log.warning("keyword index cache %s is unreadable (%s: %s); rebuilding it", path, type(e).__name__, e)
        return None


def open_index(folder: Path, manifest, current: BM25Index | None = None) -> BM25Index:
    """The keyword index of a collection, brought up to date with its manifest in place.

    The index in memory (or else the one saved in ``folder``) is compared with the manifest's
    chunk ids: removed chunks are masked, added ones tokenised into the delta, and only the delta
    is written. The base is rewritten only by a merge (the delta past its share) or a rebuild (no
    readable base, or most of the collection changed).

    Args:
        folder: the collection's folder (holds ``bm25.npz`` and ``bm25-delta.npz``).
        manifest: the collection's manifest (``generation``, ``chunk_ids``, ``chunk_rows``, ``iter_chunks``).
        current: the index already in memory, if any.
    """
    gen = manifest.generation
    if current is not None and current.generation == gen:
        return current
    base, delta = folder / BASE_FILE, folder / DELTA_FILE
    idx = current.copy() if current is not None else None  # other threads may be searching ``current``
    if idx is None:
        idx = BM25Index.load(base)
        if idx is not None and not idx.load_delta(delta) and delta.exists():
            _unlink(delta)
    if idx is not None and idx.generation == gen:
        return idx
    want = manifest.chunk_ids() if idx is not None else set()
    added_set, removed = idx.diff(want) if idx is not None else (set(), set())
    added = sorted(added_set)
    if idx is None or not len(idx) or len(added) > len(want) // 2:
        return _rebuild(folder, manifest, gen)
    idx.remove(removed)
    rows = manifest.chunk_rows(added) if added else {}
    idx.add((cid, f"{rows[cid][5]}\n{rows[cid][6]}" if rows[cid][5] else rows[cid][6]) for cid in added if cid in rows)
    idx.generation = gen
    REBUILDS["updates"] += 1
    try:
        if idx.needs_merge():
            idx.compact()
            REBUILDS["merges"] += 1
            idx.save(base)
            _unlink(delta)
            log.info("keyword index %s: +%d −%d chunks, merged into a new base of %d", folder.name, len(added),
                     len(removed), len(idx))
        else:
            idx.save_delta(delta)
            log.info("keyword index %s: +%d −%d chunks updated in place", folder.name, len(added), len(removed))
    except OSError as e:
        log.warning("could not save the keyword index cache in %s: %s", folder, e)
    return idx


def _rebuild(folder: Path, manifest, gen: int) -> BM25Index:
    idx = BM25Index().build(((cid, f"{h}\n{t}" if h else t) for cid, h, t in manifest.iter_chunks()), generation=gen)
    REBUILDS["full"] += 1
    log.info("keyword index %s: built from scratch over %d chunks", folder.name, len(idx))
    try:
        idx.save(folder / BASE_FILE)
        _unlink(folder / DELTA_FILE)
    except OSError as e:
        log.warning("could not save the keyword index cache in %s: %s", folder, e)
    return idx


def _unlink(path: Path) -> None:
    try:
        path.unlink()
    except FileNotFoundError:
        pass


def _fsync_dir(folder: Path) -> None:
    """Make a rename in ``folder`` durable (POSIX; Windows has no directory handles to sync)."""
    if os.name != "posix":
        return
    try:
        fd = os.open(str(folder), os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def rrf(rankings: list[list[str]], k: int = 60) -> dict[str, float]:
    """Reciprocal rank fusion of ranked id lists."""
    out: dict[str, float] = {}
    for ranking in rankings:
        for r, cid in enumerate(ranking):
            out[cid] = out.get(cid, 0.0) + 1.0 / (k + r + 1)
    return out


__all__ = ["BM25Index", "open_index", "rrf", "tokenize"]
