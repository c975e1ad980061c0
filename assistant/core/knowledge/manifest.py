"""The per-collection SQLite manifest: the truth about what is indexed.

Tables: ``meta`` (name, embedder, generation), ``files`` (one row per source file), ``chunks``
(text and citation data of every chunk in Chroma), ``watched`` folders, and ``pending`` (chunk ids
that may exist in Chroma without being committed here, written before every Chroma change so a
crash at any instant can be reconciled).
"""
from __future__ import annotations

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
        self.lock = threading.RLock()

    def close(self) -> None:
        """Close the database."""
        with self.lock:
            self.db.close()

    # -- meta ---------------------------------------------------------------------------------
    def get(self, key: str, default: str = "") -> str:
        row = self.db.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
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
        row = self.db.execute("SELECT path, size, mtime, sha256, status, error, chunks, embedder, indexed_at "
                              "FROM files WHERE path=?", (path,)).fetchone()
        return T.SourceFile(*row) if row else None

    def files(self) -> list[T.SourceFile]:
        rows = self.db.execute("SELECT path, size, mtime, sha256, status, error, chunks, embedder, indexed_at "
                               "FROM files ORDER BY path").fetchall()
        return [T.SourceFile(*r) for r in rows]

    def counts(self) -> tuple[int, int]:
        """(files, chunks) in the collection."""
        f = self.db.execute("SELECT COUNT(*) FROM files").fetchone()[0]
        c = self.db.execute("SELECT COUNT(*) FROM chunks").fetchone()[0]
        return int(f), int(c)

    def chunk_ids(self, path: str | None = None) -> set[str]:
        q = "SELECT id FROM chunks" + (" WHERE path=?" if path is not None else "")
        return {r[0] for r in self.db.execute(q, (path,) if path is not None else ())}

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
        with self.lock:
            self.db.execute("BEGIN IMMEDIATE")
            self.db.executemany("INSERT OR IGNORE INTO pending(id) VALUES (?)", ((i,) for i in ids))
            self.db.execute("COMMIT")

    def pending(self) -> set[str]:
        return {r[0] for r in self.db.execute("SELECT id FROM pending")}

    def clear_pending(self, ids: Iterable[str] | None = None) -> None:
        with self.lock:
            if ids is None:
                self.db.execute("DELETE FROM pending")
            else:
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
            for r in self.db.execute(q, part):
                out[r[0]] = r[1:]
        return out

    def iter_chunks(self) -> Iterator[tuple[str, str, str]]:
        """(id, heading, text) of every chunk, in a stable order."""
        yield from self.db.execute("SELECT id, heading, text FROM chunks ORDER BY rowid")

    # -- watched folders ----------------------------------------------------------------------
    def watched(self) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT folder FROM watched WHERE enabled=1 ORDER BY folder")]

    def set_watched(self, folder: str, enabled: bool) -> None:
        with self.lock:
            if enabled:
                self.db.execute("INSERT OR REPLACE INTO watched(folder, enabled) VALUES (?, 1)", (folder,))
            else:
                self.db.execute("DELETE FROM watched WHERE folder=?", (folder,))


def now() -> float:
    return time.time()
