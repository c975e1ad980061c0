"""The per-collection SQLite manifest: the truth about what is indexed.

Tables: ``meta`` (name, embedder, generation), ``files`` (one row per source file), ``chunks``
(text and citation data of every chunk in Chroma), ``watched`` folders, and ``pending`` (chunk ids
that may exist in Chroma without being committed here, written before every Chroma change so a
crash at any instant can be reconciled). A pending id records which process wrote it, so opening
the collection elsewhere never takes a running index's ids for leftovers of a crash.

One connection is shared by the threads of a process; every statement, reads included, runs
under ``lock``, so a read never sees another thread's transaction half done.
"""
from __future__ import annotations

import os
import sqlite3
import threading
import time
from pathlib import Path
from typing import Iterable, Iterator

from . import types as T

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS files (
    path TEXT PRIMARY KEY, size INTEGER NOT NULL, mtime REAL NOT NULL, sha256 TEXT NOT NULL,
    status TEXT NOT NULL, error TEXT NOT NULL DEFAULT '', chunks INTEGER NOT NULL DEFAULT 0,
    embedder TEXT NOT NULL DEFAULT '', indexed_at REAL);
CREATE TABLE IF NOT EXISTS chunks (
    id TEXT PRIMARY KEY, path TEXT NOT NULL, idx INTEGER NOT NULL, page INTEGER,
    start INTEGER NOT NULL, "end" INTEGER NOT NULL, heading TEXT NOT NULL DEFAULT '', text TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS chunks_path ON chunks(path);
CREATE TABLE IF NOT EXISTS watched (folder TEXT PRIMARY KEY, enabled INTEGER NOT NULL DEFAULT 1);
CREATE TABLE IF NOT EXISTS pending (id TEXT PRIMARY KEY);
"""


class Manifest:
    """A collection's manifest database (WAL mode, one transaction per logical change)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None, timeout=30)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.executescript(SCHEMA)
        if "owner" not in {r[1] for r in self.db.execute("PRAGMA table_info(pending)")}:
            try:
                self.db.execute("ALTER TABLE pending ADD COLUMN owner TEXT NOT NULL DEFAULT ''")
            except sqlite3.OperationalError:  # another process added it first
                pass
        self.lock = threading.RLock()

    def _all(self, sql: str, args: tuple | list = ()) -> list[tuple]:
        with self.lock:
            return self.db.execute(sql, args).fetchall()

    def _one(self, sql: str, args: tuple | list = ()) -> tuple | None:
        with self.lock:
            return self.db.execute(sql, args).fetchone()

    def close(self) -> None:
        """Close the database."""
        with self.lock:
            self.db.close()

    # -- meta ---------------------------------------------------------------------------------
    def get(self, key: str, default: str = "") -> str:
        row = self._one("SELECT value FROM meta WHERE key=?", (key,))
        return row[0] if row else default

    def set(self, **values: object) -> None:
        with self.lock:
            self.db.executemany("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)",
                                [(k, str(v)) for k, v in values.items()])

    @property
    def generation(self) -> int:
        """Bumped on every change of the chunk set (keys the BM25 cache)."""
        return int(self.get("generation", "0") or 0)

    # -- files --------------------------------------------------------------------------------
    def file(self, path: str) -> T.SourceFile | None:
        row = self._one("SELECT path, size, mtime, sha256, status, error, chunks, embedder, indexed_at "
                        "FROM files WHERE path=?", (path,))
        return T.SourceFile(*row) if row else None

    def files(self) -> list[T.SourceFile]:
        rows = self._all("SELECT path, size, mtime, sha256, status, error, chunks, embedder, indexed_at "
                         "FROM files ORDER BY path")
        return [T.SourceFile(*r) for r in rows]

    def counts(self) -> tuple[int, int]:
        """(files, chunks) in the collection."""
        with self.lock:
            f = self.db.execute("SELECT COUNT(*) FROM files").fetchone()[0]
            c = self.db.execute("SELECT COUNT(*) FROM chunks").fetchone()[0]
        return int(f), int(c)

    def chunk_ids(self, path: str | None = None) -> set[str]:
        q = "SELECT id FROM chunks" + (" WHERE path=?" if path is not None else "")
        return {r[0] for r in self._all(q, (path,) if path is not None else ())}

    def record_status(self, f: T.SourceFile) -> None:
        """Record a file that has no chunks (any status but indexed), dropping chunks it had before."""
        with self.lock:
            self.db.execute("BEGIN IMMEDIATE")
            try:
                removed = self.db.execute("DELETE FROM chunks WHERE path=?", (f.path,)).rowcount
                self._upsert_file(f)
                if removed:
                    self._bump()
                self.db.execute("COMMIT")
            except BaseException:
                self.db.execute("ROLLBACK")
                raise

    def touch(self, path: str, size: int, mtime: float) -> None:
        """Remember a new size/mtime for a file whose content hash did not change."""
        with self.lock:
            self.db.execute("UPDATE files SET size=?, mtime=? WHERE path=?", (size, mtime, path))

    def _upsert_file(self, f: T.SourceFile) -> None:
        self.db.execute("INSERT OR REPLACE INTO files(path, size, mtime, sha256, status, error, chunks, embedder, "
                        "indexed_at) VALUES (?,?,?,?,?,?,?,?,?)",
                        (f.path, f.size, f.mtime, f.sha256, f.status, f.reason, f.chunks, f.embedder, f.indexed_at))

    def _bump(self) -> None:
        self.db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('generation', ?)",
                        (str(self.generation + 1),))

    # -- pending (crash safety) ---------------------------------------------------------------
    def add_pending(self, ids: Iterable[str]) -> None:
        """Durably note ids about to be written to or deleted from Chroma (before touching Chroma)."""
        owner = _owner()
        with self.lock:
            self.db.execute("BEGIN IMMEDIATE")
            self.db.executemany("INSERT OR REPLACE INTO pending(id, owner) VALUES (?, ?)", ((i, owner) for i in ids))
            self.db.execute("COMMIT")

    def pending(self) -> set[str]:
        """Ids left pending by processes that are gone (a crash): the ones to reconcile.

        Ids of a process still running (another window, ``hearth index`` in a terminal, another
        thread here) are its work in progress and are left alone.
        """
        alive: dict[str, bool] = {}
        out: set[str] = set()
        for i, owner in self._all("SELECT id, owner FROM pending"):
            if owner not in alive:
                alive[owner] = _owner_alive(owner)
            if not alive[owner]:
                out.add(i)
        return out

    def pending_all(self) -> set[str]:
        """Every pending id, also those of runs in progress (never to be taken for orphans)."""
        return {r[0] for r in self._all("SELECT id FROM pending")}

    def clear_pending(self, ids: Iterable[str]) -> None:
        """Forget pending ids (their Chroma change is committed or undone)."""
        with self.lock:
            self.db.execute("BEGIN IMMEDIATE")
            self.db.executemany("DELETE FROM pending WHERE id=?", ((i,) for i in ids))
            self.db.execute("COMMIT")

    # -- chunks -------------------------------------------------------------------------------
    def replace_file(self, f: T.SourceFile, chunks: list[T.Chunk]) -> None:
        """One transaction: the file's row and its complete chunk set."""
        with self.lock:
            self.db.execute("BEGIN IMMEDIATE")
            try:
                self.db.execute("DELETE FROM chunks WHERE path=?", (f.path,))
                self.db.executemany(
                    'INSERT OR REPLACE INTO chunks(id, path, idx, page, start, "end", heading, text) '
                    "VALUES (?,?,?,?,?,?,?,?)",
                    [(c.chunk_id, f.path, c.index, c.page, c.start, c.end, c.heading, c.text) for c in chunks])
                self._upsert_file(f)
                self._bump()
                self.db.execute("COMMIT")
            except BaseException:
                self.db.execute("ROLLBACK")
                raise

    def remove_file(self, path: str) -> None:
        """Forget a file and its chunks (one transaction)."""
        with self.lock:
            self.db.execute("BEGIN IMMEDIATE")
            self.db.execute("DELETE FROM chunks WHERE path=?", (path,))
            self.db.execute("DELETE FROM files WHERE path=?", (path,))
            self._bump()
            self.db.execute("COMMIT")

    def chunk_rows(self, ids: list[str]) -> dict[str, tuple]:
        """id -> (path, idx, page, start, end, heading, text) for the given ids."""
        out: dict[str, tuple] = {}
        for i in range(0, len(ids), 500):
            part = ids[i:i + 500]
            q = 'SELECT id, path, idx, page, start, "end", heading, text FROM chunks WHERE id IN (%s)' % (
                ",".join("?" * len(part)))
            for r in self._all(q, part):
                out[r[0]] = r[1:]
        return out

    def iter_chunks(self, page: int = 2000) -> Iterator[tuple[str, str, str]]:
        """(id, heading, text) of every chunk, in a stable order.

        Read a page at a time under the lock (never a cursor left open across other threads' writes).
        """
        last = -1
        while True:
            rows = self._all("SELECT rowid, id, heading, text FROM chunks WHERE rowid > ? ORDER BY rowid LIMIT ?",
                             (last, page))
            if not rows:
                return
            for r in rows:
                yield r[1], r[2], r[3]
            last = rows[-1][0]

    def mark_lost(self, path: str) -> None:
        """A file's vectors are gone from Chroma: make the next run index it again."""
        with self.lock:
            self.db.execute("UPDATE files SET sha256='', size=-1 WHERE path=?", (path,))

    # -- watched folders ----------------------------------------------------------------------
    def watched(self) -> list[str]:
        return [r[0] for r in self._all("SELECT folder FROM watched WHERE enabled=1 ORDER BY folder")]

    def set_watched(self, folder: str, enabled: bool) -> None:
        with self.lock:
            if enabled:
                self.db.execute("INSERT OR REPLACE INTO watched(folder, enabled) VALUES (?, 1)", (folder,))
            else:
                self.db.execute("DELETE FROM watched WHERE folder=?", (folder,))


def now() -> float:
    return time.time()


_OWNER: str | None = None


def _start_time(pid: int) -> str:
    import psutil

    return f"{psutil.Process(pid).create_time():.2f}"


def _owner() -> str:
    """This process, as ``pid:start time`` (a pid alone can be reused after a crash)."""
    global _OWNER
    pid = os.getpid()
    if _OWNER is None or not _OWNER.startswith(f"{pid}:"):  # also right in a forked child
        try:
            _OWNER = f"{pid}:{_start_time(pid)}"
        except Exception:  # psutil cannot tell: pending ids then look like a crash's to others
            _OWNER = f"{pid}:?"
    return _OWNER


def _owner_alive(owner: str) -> bool:
    """Whether the process that wrote a pending id is still running."""
    pid_s, _, started = owner.partition(":")
    if not pid_s.isdigit() or started == "?":
        return False  # written before owners were recorded, or unknown: reconcile it
    if owner == _owner():
        return True
    try:
        import psutil

        p = psutil.Process(int(pid_s))
        return p.status() != psutil.STATUS_ZOMBIE and _start_time(int(pid_s)) == started
    except Exception:  # no such process (or no access: then it is not ours to wait for)
        return False
