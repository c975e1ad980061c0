"""A collection kept on a Chroma server (``chroma run``), shared by every Hearth that adds it.

Two server collections make one Hearth collection: ``<name>`` holds the chunks (vectors, text and
citation data as metadata) and ``<name>.hearth-files`` is the shared manifest: one record per
source file (its hash, status and chunk count as metadata), ``pending`` records written before
chunks are, and the collection's metadata (the embedder and a change token that keys the local
BM25 cache). The order of a write is the local one: pending record, chunk upsert, file record
(the commit), stale deletes, pending cleared.

A chunk is visible to searches only when the committed record of its file names it (same file
hash, index below the chunk count), so chunks of a run the server or the client died in never
show. Chunk ids are deterministic (file hash + path + number): indexing again upserts the same
ids, and committing a file deletes its chunks of any other hash, so a re-run converges to the
same chunk set without duplicates.

Locally a remote collection is a folder under ``paths.collections`` with ``remote.json`` (name,
URL, server-side name, watched folders) and the BM25 cache; the token stays in the keyring.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import re
import shutil
import threading
import time
import uuid
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any, Iterable, Iterator, Sequence
from urllib.parse import urlsplit

from . import types as T
from .manifest import _owner, now
from .store import CHROMA_BATCH, CollectionStore

log = logging.getLogger("assistant.knowledge")

SPEC_FILE = "remote.json"
FILES_SUFFIX = ".hearth-files"
PAGE = 1000
_DUMMY = [1.0]  # companion records carry no meaning as vectors; Chroma needs one
_FIXED = ("embedder", "dimension", "normalized")  # collection metadata that never changes once set
_CHROMA_NAME = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9._-]{1,60}[a-zA-Z0-9]$")
FRESH_S = 1.0  # a change token read this recently is reused (every search reads a fresh one as it begins)
ROWS_S = 5.0  # chunk rows a search got with its query stay usable this long, on the thread that got them


def token_secret(cid: str) -> str:
    """Keyring name of a remote collection's token."""
    return f"chroma-token:{cid}"


def server_name_for(name: str) -> str:
    """The collection's name on the server: the user's name when Chroma accepts it, else a stable hash."""
    if _CHROMA_NAME.match(name) and ".." not in name:
        return name
    return "hearth-" + hashlib.sha256(name.encode("utf-8")).hexdigest()[:20]


def check_url(url: str) -> str:
    """Normalise ``http://HOST:PORT``; raise KnowledgeError in words when it is not one."""
    u = urlsplit(url.strip())
    if u.scheme not in ("http", "https") or not u.hostname:
        raise T.KnowledgeError(f"'{url}' is not a Chroma server address; give one like http://HOST:8000.")
    return f"{u.scheme}://{u.netloc}".rstrip("/")


def _path_id(path: str) -> str:
    return "file:" + hashlib.sha1(path.encode("utf-8", "surrogatepass")).hexdigest()


def _chunk_ids_of(path: str, sha: str, n: int) -> list[str]:
    tag = hashlib.sha1(path.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    return [f"{sha[:24]}-{tag}-{i:05d}" for i in range(n)]


def _token() -> int:
    return uuid.uuid4().int & ((1 << 62) - 1)


class RemoteSpec:
    """What ``remote.json`` holds."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / SPEC_FILE
        self.data: dict[str, Any] = json.loads(self.path.read_text("utf-8")) if self.path.exists() else {}
        self._lock = threading.Lock()

    def save(self) -> None:
        with self._lock:
            tmp = self.path.with_suffix(".tmp")
            tmp.write_text(json.dumps(self.data, ensure_ascii=False, indent=1), "utf-8")
            os.replace(tmp, self.path)

    @property
    def url(self) -> str:
        return self.data["url"]

    @property
    def host(self) -> str:
        return urlsplit(self.url).hostname or ""


class _Guarded:
    """A Chroma object whose every call is let through the network guard and has errors in words."""

    def __init__(self, obj: Any, store: "RemoteCollectionStore") -> None:
        self._obj, self._store = obj, store

    def __getattr__(self, attr: str) -> Any:
        value = getattr(self._obj, attr)
        if not callable(value):
            return value

        def call(*a: Any, **kw: Any) -> Any:
            with self._store.talking():
                return value(*a, **kw)
        return call


class _ChunkCollection(_Guarded):
    """The server's chunk collection, trimmed to as few round trips per search as Chroma allows.

    A search (``retrieval.search``) asks ``count()`` first, then ``query``, then maybe ``get`` of
    keyword-only hits, then the manifest's ``chunk_rows``. So ``count()`` starts reading the
    collection's change token in the background (the search sees the server as it is when it
    begins), and ``query``/``get`` by ids also bring back the chunks' text and metadata, which
    ``chunk_rows`` then takes from this thread's cache instead of asking the server again.
    """

    def count(self) -> int:
        self._store.manifest.refresh_state()
        self._store.rows.clear()
        with self._store.talking():
            return self._obj.count()

    def query(self, *a: Any, include: Sequence[str] = ("distances",), **kw: Any) -> Any:
        want = list(dict.fromkeys([*include, "documents", "metadatas"]))
        with self._store.talking():
            res = self._obj.query(*a, include=want, **kw)
        for ids, mds, docs in zip(res["ids"], res["metadatas"] or [], res["documents"] or []):
            self._store.rows.put(ids, mds, docs)
        return res

    def get(self, ids: Any = None, *a: Any, include: Sequence[str] = ("metadatas", "documents"), **kw: Any) -> Any:
        small = isinstance(ids, list) and 0 < len(ids) <= PAGE and not a and not kw
        want = list(dict.fromkeys([*include, "documents", "metadatas"])) if small else list(include)
        with self._store.talking():
            res = self._obj.get(ids, *a, include=want, **kw)
        if small:
            self._store.rows.put(res["ids"], res["metadatas"] or [], res["documents"] or [])
        return res


class _RowCache(threading.local):
    """Chunk rows (metadata, text) the current thread's latest search received, for a few seconds."""

    def __init__(self) -> None:
        self.at = 0.0
        self.rows: dict[str, tuple[dict, str]] = {}

    def clear(self) -> None:
        self.at, self.rows = time.monotonic(), {}

    def put(self, ids: Sequence[str], mds: Sequence[dict], docs: Sequence[str]) -> None:
        if len(self.rows) > 4 * PAGE:
            self.rows = {}
        self.rows.update((c, (md, doc)) for c, md, doc in zip(ids, mds, docs) if md is not None and doc is not None)

    def take(self, ids: Sequence[str]) -> dict[str, tuple[dict, str]]:
        if not self.rows or time.monotonic() - self.at > ROWS_S:
            return {}
        return {c: self.rows[c] for c in ids if c in self.rows}


class RemoteManifest:
    """The manifest API of :class:`~.manifest.Manifest`, kept on the server (see the module docstring)."""

    def __init__(self, store: "RemoteCollectionStore") -> None:
        self.store = store
        self.lock = threading.RLock()
        self._pending: dict[str, set[str]] = {}  # pending record id -> ids it still covers
        self._fixed: dict[str, Any] = {}  # the embedder's record, once the server has one
        self._state: tuple[float, "Future[dict] | dict"] | None = None  # (read at, collection metadata)
        self._files_gen: int | None = None  # file records read at this change token ...
        self._files_seen: dict[str, dict | None] = {}  # ... path -> record (None: no such file)

    # -- plumbing -----------------------------------------------------------------------------
    @property
    def _files_col(self) -> Any:
        self.store.chroma  # opens both collections
        return self.store._files

    def _records(self, where: dict | None = None, ids: list[str] | None = None,
                 docs: bool = False) -> list[tuple[str, dict, str | None]]:
        col = self._files_col
        include = ["metadatas", "documents"] if docs else ["metadatas"]
        out: list[tuple[str, dict, str | None]] = []
        if ids is not None:
            for i in range(0, len(ids), PAGE):
                got = col.get(ids=ids[i:i + PAGE], include=include)
                out += zip(got["ids"], got["metadatas"], got["documents"] or [None] * len(got["ids"]))
            return out
        off = 0
        while True:
            got = col.get(where=where, include=include, limit=PAGE, offset=off)
            out += zip(got["ids"], got["metadatas"], got["documents"] or [None] * len(got["ids"]))
            if len(got["ids"]) < PAGE:
                return out
            off += PAGE

    @staticmethod
    def _row(md: dict) -> T.SourceFile:
        return T.SourceFile(md["path"], int(md["size"]), float(md["mtime"]), md["sha256"], md["status"],
                            md.get("error", ""), int(md["chunks"]), md.get("embedder", ""),
                            float(md["indexed_at"]) if md.get("indexed_at", -1) >= 0 else None)

    def _put(self, f: T.SourceFile) -> None:
        md = {"kind": "file", "path": f.path, "size": f.size, "mtime": f.mtime, "sha256": f.sha256,
              "status": f.status, "error": f.reason, "chunks": f.chunks, "embedder": f.embedder,
              "indexed_at": f.indexed_at if f.indexed_at is not None else -1.0}
        self._files_col.upsert(ids=[_path_id(f.path)], metadatas=[md], documents=[f.path], embeddings=[_DUMMY])

    def _meta(self, client: Any = None) -> dict:
        if client is None:
            self.store.chroma
            client = self.store._client
        with self.store.talking():
            md = dict(client.get_collection(self.store.files_name).metadata or {})
        with self.lock:
            self._state = (time.monotonic(), md)
        return md

    def refresh_state(self) -> None:
        """Start reading the change token now, in the background (a search begins)."""
        self.store.chroma
        # the client is handed over: the worker must not wait for the store's lock, which a search
        # building its keyword index holds while it waits for this read
        fut = self.store.pool.submit(self._meta, self.store._client)
        with self.lock:
            self._state = (time.monotonic(), fut)

    def _state_meta(self) -> dict:
        """The collection's metadata as read at most :data:`FRESH_S` ago (or now)."""
        with self.lock:
            state = self._state
        if state is None or time.monotonic() - state[0] > FRESH_S:
            return self._meta()
        if isinstance(state[1], dict):
            return state[1]
        try:
            return state[1].result()
        except BaseException:
            with self.lock:
                if self._state is state:
                    self._state = None  # the next read asks the server again
            raise

    def close(self) -> None:
        """Nothing to close: the server keeps the manifest."""

    # -- meta ---------------------------------------------------------------------------------
    def get(self, key: str, default: str = "") -> str:
        if key == "name":
            return self.store.spec.data.get("name", default)
        if key in _FIXED and self._fixed.get("embedder"):
            v = self._fixed.get(key)
            return default if v is None else str(v)
        md = self._meta()
        if md.get("embedder"):  # recorded once, never changed: no round trip per search for it
            self._fixed = {k: md.get(k) for k in _FIXED}
        v = md.get(key)
        return default if v is None else str(v)

    def set(self, **values: object) -> None:
        with self.lock:
            if "name" in values:
                self.store.spec.data["name"] = str(values.pop("name"))
                self.store.spec.save()
            values.pop("created", None)
            if values:
                md = self._meta()
                md.update({k: str(v) for k, v in values.items()})
                self._files_col.modify(metadata=md)
                self._fixed = {}
                self._state = (time.monotonic(), md)

    @property
    def generation(self) -> int:
        """A token changed on every change of the chunk set by any client (keys the BM25 cache)."""
        return int(self._state_meta().get("generation", "0") or 0)

    def _bump(self) -> None:
        self.set(generation=_token())

    # -- files --------------------------------------------------------------------------------
    def file(self, path: str) -> T.SourceFile | None:
        got = self._records(ids=[_path_id(path)])
        return self._row(got[0][1]) if got else None

    def files(self) -> list[T.SourceFile]:
        return sorted((self._row(md) for _, md, _ in self._records({"kind": "file"})), key=lambda f: f.path)

    def counts(self) -> tuple[int, int]:
        fs = self.files()
        return len(fs), sum(f.chunks for f in fs)

    def chunk_ids(self, path: str | None = None) -> set[str]:
        fs = [f for f in ([self.file(path)] if path is not None else self.files()) if f is not None]
        return {i for f in fs for i in _chunk_ids_of(f.path, f.sha256, f.chunks)}

    def record_status(self, f: T.SourceFile) -> None:
        with self.lock:
            old = self.file(f.path)
            self._put(f)
            if old is not None and old.chunks:
                self._bump()

    def touch(self, path: str, size: int, mtime: float) -> None:
        row = self.file(path)
        if row is not None:
            row.size, row.mtime = size, mtime
            self._put(row)

    def mark_lost(self, path: str) -> None:
        row = self.file(path)
        if row is not None:
            row.sha256, row.size = "", -1
            with self.lock:
                self._put(row)
                self._bump()  # its chunks stop being visible: a change of the chunk set

    # -- pending (crash safety) ---------------------------------------------------------------
    def add_pending(self, ids: Iterable[str]) -> None:
        """Note ids about to be written or deleted, on the server, before the chunks are touched."""
        ids = set(ids)
        if not ids:
            return
        rid = f"pending:{_owner()}:{uuid.uuid4().hex[:8]}"
        self._files_col.upsert(ids=[rid], documents=[json.dumps(sorted(ids))], embeddings=[_DUMMY],
                               metadatas=[{"kind": "pending", "owner": _owner(), "at": now()}])
        with self.lock:
            self._pending[rid] = ids

    def clear_pending(self, ids: Iterable[str]) -> None:
        ids = set(ids)
        with self.lock:
            done = []
            for rid, left in self._pending.items():
                left -= ids
                if not left:
                    done.append(rid)
            for rid in done:
                del self._pending[rid]
        if done:
            self._files_col.delete(ids=done)

    def pending(self) -> set[str]:
        """Pending ids of crashed runs: unknown across machines, so none (uncommitted chunks are invisible)."""
        return set()

    def pending_all(self) -> set[str]:
        return {i for _, _, doc in self._records({"kind": "pending"}, docs=True) for i in json.loads(doc or "[]")}

    # -- chunks -------------------------------------------------------------------------------
    def replace_file(self, f: T.SourceFile, chunks: list[T.Chunk]) -> None:
        """Commit a file whose chunks are on the server; then drop its chunks of any other version."""
        with self.lock:
            self._put(f)
            self._bump()
        self.store.chroma.delete(where={"$and": [{"path": f.path}, {"sha": {"$ne": f.sha256[:24]}}]})

    def remove_file(self, path: str) -> None:
        with self.lock:
            self._files_col.delete(ids=[_path_id(path)])
            self._bump()
        self.store.chroma.delete(where={"path": path})

    def _file_records(self, paths: set[str]) -> dict[str, dict | None]:
        """path -> committed file record (None: none), read once per change token.

        Every change of which chunks are visible (a commit, a removal, a status change of a file
        with chunks, a lost file) changes the token, so records read at the same token still hold.
        """
        gen = self.generation
        with self.lock:
            if self._files_gen != gen:
                self._files_gen, self._files_seen = gen, {}
            seen = self._files_seen
            missing = sorted(p for p in paths if p not in seen)
        if missing:
            found = {md["path"]: md for _, md, _ in self._records(ids=[_path_id(p) for p in missing])}
            with self.lock:
                for p in missing:
                    seen[p] = found.get(p)
        return {p: seen.get(p) for p in paths}

    def _committed(self, rows: list[tuple[str, dict]]) -> set[str]:
        files = self._file_records({md["path"] for _, md in rows})
        ok = set()
        for cid, md in rows:
            f = files.get(md["path"])
            if f is not None and f["sha256"][:24] == md.get("sha") and int(md["idx"]) < int(f["chunks"]):
                ok.add(cid)
        return ok

    def chunk_rows(self, ids: list[str]) -> dict[str, tuple]:
        """id -> (path, idx, page, start, end, heading, text) of the committed chunks among ``ids``."""
        col = self.store.chroma._obj  # not the wrapper: these rows are not kept
        cached = self.store.rows.take(ids)
        got_rows: list[tuple[str, dict, str]] = [(c, md, doc) for c, (md, doc) in cached.items()]
        rest = [c for c in ids if c not in cached]
        for i in range(0, len(rest), PAGE):
            with self.store.talking():
                got = col.get(ids=rest[i:i + PAGE], include=["metadatas", "documents"])
            got_rows += zip(got["ids"], got["metadatas"], got["documents"])
        ok = self._committed([(c, md) for c, md, _ in got_rows])
        out: dict[str, tuple] = {}
        for cid, md, doc in got_rows:
            if cid in ok:
                page = int(md.get("page", -1))
                out[cid] = (md["path"], int(md["idx"]), None if page < 0 else page, int(md.get("start", 0)),
                            int(md.get("end", 0)), md.get("heading", ""), doc)
        return out

    def iter_chunks(self, page: int = PAGE) -> Iterator[tuple[str, str, str]]:
        """(id, heading, text) of every committed chunk on the server."""
        files = {md["path"]: md for _, md, _ in self._records({"kind": "file"})}
        col = self.store.chroma
        off = 0
        while True:
            got = col.get(include=["metadatas", "documents"], limit=page, offset=off)
            for cid, md, doc in zip(got["ids"], got["metadatas"], got["documents"]):
                f = files.get(md["path"])
                if f is not None and f["sha256"][:24] == md.get("sha") and int(md["idx"]) < int(f["chunks"]):
                    yield cid, md.get("heading", ""), doc
            if len(got["ids"]) < page:
                return
            off += page

    # -- watched folders (local: they are paths on this machine) ------------------------------
    def watched(self) -> list[str]:
        return sorted(self.store.spec.data.get("watched", []))

    def set_watched(self, folder: str, enabled: bool) -> None:
        w = set(self.store.spec.data.get("watched", []))
        (w.add if enabled else w.discard)(folder)
        self.store.spec.data["watched"] = sorted(w)
        self.store.spec.save()


class RemoteCollectionStore(CollectionStore):
    """A collection on a Chroma server: same interface as :class:`CollectionStore`."""

    def __init__(self, folder: Path) -> None:  # noqa: D107 - no super(): nothing local but the cache
        self.folder = folder
        self.id = folder.name
        self.spec = RemoteSpec(folder)
        self.manifest = RemoteManifest(self)  # type: ignore[assignment]
        self._client = None
        self._collection = None
        self._files = None
        self._bm25 = None
        self._lock = threading.RLock()
        self._reconciled = True
        self.rows = _RowCache()
        self._pool: ThreadPoolExecutor | None = None

    @classmethod
    def create(cls, folder: Path, name: str, url: str, server_name: str | None = None) -> "RemoteCollectionStore":
        folder.mkdir(parents=True, exist_ok=False)
        spec = RemoteSpec(folder)
        spec.data = {"name": name, "url": check_url(url), "server_name": server_name or server_name_for(name),
                     "watched": []}
        spec.save()
        return cls(folder)

    @property
    def url(self) -> str:
        return self.spec.url

    @property
    def pool(self) -> ThreadPoolExecutor:
        """One thread for reads that overlap a search's own requests."""
        with self._lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(1, thread_name_prefix=f"chroma-{self.id}")
            return self._pool

    @property
    def files_name(self) -> str:
        return self.spec.data["server_name"] + FILES_SUFFIX

    @contextlib.contextmanager
    def talking(self) -> Iterator[None]:
        """Let the server's host through the network guard; server failures become KnowledgeError."""
        import httpx

        from assistant.core import netguard

        with netguard.allow_hosts([self.spec.host]):
            try:
                yield
            except (httpx.TransportError, ConnectionError) as e:
                raise T.KnowledgeError(
                    f"The Chroma server at {self.url} (collection '{self.name}') did not answer: {e}. "
                    "Nothing half-written is visible to searches.",
                    fix="Start the server (or check the address), then run the same command again: "
                        "what was committed stays, the rest is indexed then.") from e
            except ValueError as e:
                if "connect" not in str(e).lower():
                    raise
                raise T.KnowledgeError(f"Could not connect to the Chroma server at {self.url} "
                                       f"(collection '{self.name}').",
                                       fix="Start the server (chroma run) or check the address.") from e

    @property
    def chroma(self):
        """The server's chunk collection, every call guarded (opened on first use)."""
        with self._lock:
            if self._collection is None:
                import chromadb
                from chromadb.config import Settings

                from assistant.core import secrets

                u = urlsplit(self.url)
                token = secrets.get_secret(token_secret(self.id))
                headers = {"Authorization": f"Bearer {token}"} if token else None
                with self.talking():
                    client = chromadb.HttpClient(host=u.hostname, port=u.port or (443 if u.scheme == "https" else 80),
                                                 ssl=u.scheme == "https", headers=headers,
                                                 settings=Settings(anonymized_telemetry=False))
                    col = client.get_or_create_collection(self.spec.data["server_name"], embedding_function=None,
                                                          configuration={"hnsw": {"space": "cosine"}})
                    files = client.get_or_create_collection(self.files_name, embedding_function=None)
                self._client = _Guarded(client, self)
                self._files = _Guarded(files, self)
                self._collection = _ChunkCollection(col, self)
            return self._collection

    def upsert(self, chunks: Sequence[T.Chunk], vectors, path: str | Sequence[str]) -> None:
        """Write chunks with all their citation data (the server is the only copy of it)."""
        col = self.chroma
        self.rows.clear()
        paths = [path] * len(chunks) if isinstance(path, str) else list(path)
        for i in range(0, len(chunks), CHROMA_BATCH):
            part = chunks[i:i + CHROMA_BATCH]
            col.upsert(ids=[c.chunk_id for c in part], embeddings=vectors[i:i + CHROMA_BATCH],
                       documents=[c.text for c in part],
                       metadatas=[{"path": p, "page": c.page if c.page is not None else -1, "idx": c.index,
                                   "sha": c.chunk_id.split("-", 1)[0], "start": c.start, "end": c.end,
                                   "heading": c.heading}
                                  for c, p in zip(part, paths[i:i + CHROMA_BATCH])])

    def reconcile(self) -> None:
        """Nothing to do on open: uncommitted chunks are invisible and a re-run converges (module docstring)."""

    def close(self) -> None:
        """Drop the client (the server keeps everything)."""
        with self._lock:
            self._collection = self._files = self._client = None
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True)

    def destroy(self) -> None:
        """Forget the collection on this machine; the server's copy (shared with others) stays."""
        from assistant.core import secrets

        self.close()
        secrets.delete_secret(token_secret(self.id))
        shutil.rmtree(self.folder, ignore_errors=False)


def is_remote(folder: Path) -> bool:
    """Whether a collection folder is a remote collection's."""
    return (folder / SPEC_FILE).exists()


__all__ = ["RemoteCollectionStore", "RemoteManifest", "check_url", "is_remote", "server_name_for", "token_secret"]
