"""The indexing pipeline: scan, decide what changed, parse (in the child), chunk, embed, write.

Parsing runs in a producer thread (the work itself happens in the parser child process) while
the main thread chunks and embeds, so the CPU-bound embedder rarely waits for the parser.
Writes are ordered for crash safety: note pending ids, upsert to Chroma, commit the manifest,
delete superseded vectors, clear pending.
"""
from __future__ import annotations

import errno
import logging
import os
import queue
import stat
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

from assistant.core.files import Cancel, HashCancelled, NotARegularFile, is_cancelled, sha256_of

from . import types as T
from .chunking import Chunker, embedding_text
from .embedders import Embedder
from .parsers import ParseResult, is_supported
from .sandbox import ParserPool
from .store import CollectionStore

log = logging.getLogger("assistant.knowledge")

MAX_FILE_BYTES = 512 * 1024 * 1024
EMBED_SLICE = 256  # chunks per embed call: big enough to batch well, small enough to cancel and report
GROUP_CHUNKS = 128  # small files are embedded together until a group has this many chunks
GROUP_WAIT_S = 0.5  # ... or until the parser has kept the embedder waiting this long

# Statuses of paths that are not indexed at all (beside those in ``types``).
SKIPPED = "skipped"  # not a regular file, or a link leading out of the folder: never read
NOT_FOUND = "not found"  # a path the user named does not exist
ANY_FILE = "*"  # key in ``passwords``: one password for every file that needs one


@dataclass
class _Job:
    path: Path
    key: str
    size: int
    mtime: float
    sha256: str
    password: str | None
    result: ParseResult | None = None




def _kind(mode: int) -> str:
    """What a non-regular file is, in words."""
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISDIR(mode):
        return "a folder"
    return "a special file"


def _inside(target: str, root: str) -> bool:
    try:
        return os.path.commonpath([target, root]) == root
    except ValueError:  # another drive (Windows)
        return False


def _link_key(path: Path) -> str:
    """A link's own key: its folder resolved, its name kept (the target may be anywhere or nowhere)."""
    return str(path.parent.resolve() / path.name)


def classify(path: Path, root: str | None = None) -> tuple[str, str | None]:
    """Decide whether a path is a regular file to index.

    Only regular files are read: FIFOs, sockets and devices can block a reader or never end
    (a link to ``/dev/zero`` has size 0 and endless content). Links are followed only to a
    regular file, and during a folder scan only when the target is inside that folder.

    Args:
        path: the file (or link) found.
        root: the resolved folder being scanned; None for a file the user named directly.

    Returns:
        ``(key, None)`` for a file to index (the key is its resolved path), or ``(key, reason)``
        for one to skip, the reason in words.
    """
    try:
        lst = os.lstat(path)
    except OSError as e:
        return str(path.absolute()), f"cannot read: {e.strerror or e}"
    if not stat.S_ISLNK(lst.st_mode):
        key = str(path.resolve())
        if stat.S_ISREG(lst.st_mode):
            return key, None
        return key, f"{_kind(lst.st_mode)}, not a document"
    key = _link_key(path)
    try:
        target = os.path.realpath(path, strict=True)
    except OSError as e:
        if e.errno == errno.ELOOP:
            return key, "a link that leads back to itself (a loop)"
        return key, "a link to something that does not exist"
    except RuntimeError:  # older Pythons report a loop this way
        return key, "a link that leads back to itself (a loop)"
    try:
        st = os.stat(target)
    except OSError as e:
        return key, f"cannot read the link's target {target}: {e.strerror or e}"
    if stat.S_ISDIR(st.st_mode):
        return key, f"a link to the folder {target} (links to folders are not followed)"
    if not stat.S_ISREG(st.st_mode):
        return key, f"a link to {_kind(st.st_mode)} ({target}), not a document"
    if root is not None and not _inside(target, root):
        return key, f"a link to {target}, outside the folder being indexed (links are followed only inside it)"
    return target, None


def _walk(folder: Path, cancel: Cancel = None) -> Iterator[Path]:
    """Every visible entry of a folder tree that is not a real folder; links to folders are not entered."""
    for root, dirs, files in os.walk(folder):
        if is_cancelled(cancel):
            return
        keep = []
        for d in sorted(dirs):
            if d.startswith("."):
                continue
            if os.path.islink(os.path.join(root, d)):
                files.append(d)  # reported as skipped, never entered (no loops, no escapes)
            else:
                keep.append(d)
        dirs[:] = keep
        for f in sorted(files):
            if not f.startswith(".") and not f.startswith("~$"):
                yield Path(root) / f


def _password_for(path: Path, given: str, passwords: dict[str, str] | None) -> str | None:
    """The password given for a file: by key, path or name; ``"*"`` is one password for every file."""
    if not passwords:
        return None
    for key in (given, str(path), path.name, ANY_FILE):
        if key in passwords:
            return passwords[key]
    return None


def _secret_name(sha: str) -> str:
    return f"pdf-password:{sha}"


class Indexer:
    """Runs one indexing pass over a collection.

    Args:
        store: the collection.
        embedder: the embedder (its tokenizer also sizes the chunks).
        pool: the parser child.
    """

    def __init__(self, store: CollectionStore, embedder: Embedder, pool: ParserPool, chunker: Chunker) -> None:
        self.store, self.embedder, self.pool, self.chunker = store, embedder, pool, chunker

    def run(self, sources: list[Path], *, prune_folders: bool = True, passwords: dict[str, str] | None = None,
            remember_passwords: bool = False, progress: Callable[[T.IndexProgress], None] | None = None,
            cancel: threading.Event | None = None) -> list[T.FileReport]:
        """Index files and folders; returns one report per file seen."""
        m = self.store.manifest
        reports: list[T.FileReport] = []
        emit = progress or (lambda p: None)
        emit(T.IndexProgress("scanning", 0, 0, "", 0))
        seen: dict[str, Path] = {}
        skipped: dict[str, str] = {}
        for src in sources:
            src = Path(src).expanduser()
            if src.is_dir():  # a folder the user named: followed even when it is a link
                root = os.path.realpath(src)
                for f in _walk(src, cancel):
                    key, reason = classify(f, root)
                    if reason is None:
                        seen.setdefault(key, Path(key))
                    else:
                        skipped.setdefault(key, reason)
                if prune_folders and not is_cancelled(cancel):
                    prefix = root.rstrip(os.sep) + os.sep
                    for sf in m.files():
                        if sf.path.startswith(prefix) and sf.path not in seen and sf.path not in skipped \
                                and not os.path.lexists(sf.path):
                            reports.append(self.remove(sf.path))
            elif os.path.lexists(src):
                key, reason = classify(src)
                if reason is None:
                    seen.setdefault(key, Path(key))
                else:
                    skipped.setdefault(key, reason)
            else:
                key_src = str(src.resolve())
                if m.file(key_src) is not None:
                    reports.append(self.remove(key_src))
                elif m.file(str(src.absolute())) is not None:
                    reports.append(self.remove(str(src.absolute())))
                else:
                    reports.append(T.FileReport(str(src.absolute()), NOT_FOUND, "no such file or folder", 0))
        for key, reason in skipped.items():
            if key not in seen:
                reports.append(self._skip(key, reason))
        jobs: list[_Job] = []
        for key, path in seen.items():
            if is_cancelled(cancel):
                break
            try:
                rep = self._triage(key, path, passwords, jobs, cancel)
            except HashCancelled:
                break
            if rep is not None:
                reports.append(rep)
        total = len(seen)
        done = total - len(jobs)
        q: queue.Queue = queue.Queue(maxsize=64)
        stop = threading.Event()

        failure: list[BaseException] = []

        def produce() -> None:
            from assistant.core.i18n import translate

            try:
                for n, job in enumerate(jobs):
                    if stop.is_set() or (cancel is not None and cancel.is_set()):
                        break

                    def pages(_done: int, _total: int, text: str, _key: str = job.key, _n: int = n) -> None:
                        # "OCR page 3 of 40" of a scan being read, in the user's language
                        emit(T.IndexProgress(translate(text), done + _n, total, _key, 0))

                    job.result = self.pool.parse(str(job.path), job.password, progress=pages, cancel=cancel)
                    if job.result.status == T.NEEDS_PASSWORD and job.password is None:
                        stored = self._stored_password(job.sha256)
                        if stored:
                            job.password = stored
                            job.result = self.pool.parse(str(job.path), stored, progress=pages, cancel=cancel)
                    q.put(job)
            except T.KnowledgeError as e:  # handed to the caller's thread below
                failure.append(e)
            finally:
                q.put(None)

        producer = threading.Thread(target=produce, name="hearth-index-parse", daemon=True)
        producer.start()
        group: list[tuple[_Job, list[T.Chunk]]] = []
        state = {"done": done, "chunks": 0}

        def flush() -> bool:
            ok = self._embed_and_write(group, emit, state, total, cancel, remember_passwords, reports)
            group.clear()
            return ok

        try:
            while True:
                try:
                    # With a group waiting, don't idle: embed it if the parser is slow to deliver the next file.
                    job = q.get(timeout=GROUP_WAIT_S) if group else q.get()
                except queue.Empty:
                    if not flush():
                        break
                    continue
                if job is None or (cancel is not None and cancel.is_set()):
                    break
                emit(T.IndexProgress("parsing", state["done"], total, job.key, state["chunks"]))
                chunks = self._prepare(job, reports)
                if chunks is None:
                    state["done"] += 1
                    continue
                group.append((job, chunks))
                # Batch small files together: the embedder is much faster on full, length-sorted batches.
                if sum(len(c) for _, c in group) >= GROUP_CHUNKS and not flush():
                    break
            if group and not (cancel is not None and cancel.is_set()):
                flush()
        finally:
            stop.set()
            while producer.is_alive():
                try:
                    q.get(timeout=0.1)
                except queue.Empty:
                    pass
            producer.join()
        if failure:
            raise failure[0]
        emit(T.IndexProgress("done", state["done"], total, "", state["chunks"]))
        return reports

    def _stored_password(self, sha: str) -> str | None:
        from assistant.core import secrets

        return secrets.get_secret(_secret_name(sha))

    def _triage(self, key: str, path: Path, passwords: dict[str, str] | None, jobs: list[_Job],
                cancel: Cancel = None) -> T.FileReport | None:
        """Decide whether a file needs parsing; return its report when it does not.

        Raises:
            HashCancelled: ``cancel`` was set while the file was being hashed.
        """
        m = self.store.manifest
        try:
            st = path.stat()
        except OSError as e:
            return T.FileReport(key, T.DAMAGED, f"cannot read: {e.strerror or e}", 0)
        if not stat.S_ISREG(st.st_mode):  # replaced since the scan
            return self._skip(key, f"{_kind(st.st_mode)}, not a document")
        row = m.file(key)
        if row is not None and row.status in (T.UNSUPPORTED, T.TOO_LARGE) and row.size == st.st_size \
                and row.mtime == st.st_mtime:
            return T.FileReport(key, row.status, row.reason, 0)
        if not is_supported(path):
            rep = T.FileReport(key, T.UNSUPPORTED, f"no parser for {path.suffix.lower() or 'files without an extension'}", 0)
            self._record(key, st.st_size, st.st_mtime, "", rep)
            return rep
        if st.st_size > MAX_FILE_BYTES:
            rep = T.FileReport(key, T.TOO_LARGE, f"larger than {MAX_FILE_BYTES // (1024 * 1024)} MB", 0)
            self._record(key, st.st_size, st.st_mtime, "", rep)
            return rep
        pw = _password_for(path, key, passwords)
        same_embedder = row is not None and row.embedder in ("", self.embedder.name)
        if row is not None and same_embedder and pw is None and row.size == st.st_size and row.mtime == st.st_mtime \
                and row.sha256:
            return self._unchanged(row)
        try:
            sha = sha256_of(path, cancel=cancel)
        except NotARegularFile:
            return self._skip(key, "not a regular file, not a document")
        except OSError as e:
            return T.FileReport(key, T.DAMAGED, f"cannot read: {e.strerror or e}", 0)
        if row is not None and same_embedder and pw is None and row.sha256 == sha:
            m.touch(key, st.st_size, st.st_mtime)
            return self._unchanged(row)
        jobs.append(_Job(path, key, st.st_size, st.st_mtime, sha, pw))
        return None

    def _skip(self, key: str, reason: str) -> T.FileReport:
        """Record a path that is not indexed (a FIFO, a device, a link out of the folder) as a row with its reason."""
        rep = T.FileReport(key, SKIPPED, reason, 0)
        row = self.store.manifest.file(key)
        if row is None or row.status != SKIPPED or row.reason != reason:
            try:
                mtime = os.lstat(key).st_mtime
            except OSError:
                mtime = 0.0
            self._record(key, 0, mtime, "", rep)
        return rep

    @staticmethod
    def _unchanged(row: T.SourceFile) -> T.FileReport:
        if row.status in T.INDEXED_STATUSES:
            return T.FileReport(row.path, T.UNCHANGED, "", row.chunks)
        return T.FileReport(row.path, row.status, row.reason, 0)

    def _record(self, key: str, size: int, mtime: float, sha: str, rep: T.FileReport) -> None:
        """Record a file without chunks; vectors it had before are removed (pending-first)."""
        m = self.store.manifest
        old = m.chunk_ids(key)
        if old:
            m.add_pending(old)
        m.record_status(T.SourceFile(key, size, mtime, sha, rep.status, rep.reason, 0, self.embedder.name, time.time()))
        if old:
            self.store.delete(sorted(old))
            m.clear_pending(old)

    def remove(self, key: str) -> T.FileReport:
        """Forget a file and its vectors."""
        m = self.store.manifest
        old = m.chunk_ids(key)
        m.add_pending(old)
        m.remove_file(key)
        if old:
            self.store.delete(sorted(old))
        m.clear_pending(old)
        return T.FileReport(key, T.REMOVED, "the file is gone", 0)

    def _prepare(self, job: _Job, reports: list[T.FileReport]) -> list[T.Chunk] | None:
        """Chunks of a parsed file, or None after recording why it has none."""
        res = job.result or ParseResult(T.DAMAGED, "not parsed")
        if res.status == T.INDEXED:
            chunks = self.chunker.chunk(res.sections, job.sha256, job.key)
            if chunks:
                return chunks
            res = ParseResult(T.EMPTY, "the file has no text")
        rep = T.FileReport(job.key, res.status, res.reason, 0)
        self._record(job.key, job.size, job.mtime, job.sha256, rep)
        reports.append(rep)
        return None

    def _embed_and_write(self, group: list[tuple[_Job, list[T.Chunk]]], emit, state: dict, total: int,
                         cancel: threading.Event | None, remember: bool, reports: list[T.FileReport]) -> bool:
        """Embed a group of files' chunks together, then write each file. False when cancelled."""
        import numpy as np

        texts = [embedding_text(c) for _, chunks in group for c in chunks]
        parts = []
        for i in range(0, len(texts), EMBED_SLICE):
            if cancel is not None and cancel.is_set():
                return False
            emit(T.IndexProgress("embedding", state["done"], total, group[0][0].key, state["chunks"] + i))
            # E5-style embedders read stored passages with their own prefix (questions use embed)
            embed = getattr(self.embedder, "embed_passages", self.embedder.embed)
            parts.append(embed(texts[i:i + EMBED_SLICE]))
        vecs = np.concatenate(parts).astype(np.float32)
        self._write(group, vecs, remember)
        for job, chunks in group:
            status = job.result.shown_status if job.result else T.INDEXED  # "indexed (OCR)" when read from pixels
            reports.append(T.FileReport(job.key, status, job.result.reason if job.result else "", len(chunks)))
            state["done"] += 1
            state["chunks"] += len(chunks)
        return True

    def _write(self, group: list[tuple[_Job, list[T.Chunk]]], vecs, remember: bool) -> None:
        """Write a group of files, crash-safe: pending ids, one Chroma upsert for the whole group,
        each file's manifest commit, stale deletes, clear pending.

        Chroma's cost is per call, so a group of small files goes in one call (measured: per-file
        upserts made indexing a folder of small files a third slower than the embedder alone).
        """
        m = self.store.manifest
        pending: list[str] = []
        stale_all: list[str] = []
        for job, chunks in group:
            new_ids = [c.chunk_id for c in chunks]
            stale = sorted(m.chunk_ids(job.key) - set(new_ids))
            pending += new_ids + stale
            stale_all += stale
        m.add_pending(pending)
        self.store.upsert([c for _, chunks in group for c in chunks], vecs,
                          [job.key for job, chunks in group for _ in chunks])
        for job, chunks in group:
            reason = job.result.reason if job.result else ""
            status = job.result.shown_status if job.result else T.INDEXED
            m.replace_file(T.SourceFile(job.key, job.size, job.mtime, job.sha256, status, reason, len(chunks),
                                        self.embedder.name, time.time()), chunks)
        if stale_all:
            self.store.delete(stale_all)
        m.clear_pending(pending)
        if remember:
            for job, _ in group:
                self._remember_password(job)

    def _remember_password(self, job: _Job) -> None:
        if job.password and job.result is not None and job.result.password_used:
            from assistant.core import secrets

            try:
                secrets.set_secret(_secret_name(job.sha256), job.password)
            except secrets.NoKeyringError as e:
                log.warning("password for %s not remembered: %s", job.key, e)
