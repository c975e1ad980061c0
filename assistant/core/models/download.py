"""Model downloads the user asked for: https only, resumable, one at a time per file, verified.

Only runs when the user asks for a download. The file is fetched into a ``.part`` file in the
cache folder; a dropped connection resumes where it stopped (also in a later session), but only
with ``If-Range`` and the validator (strong ETag, else Last-Modified) the server gave for the
bytes already kept, so a file re-uploaded in between restarts from zero instead of giving old
start + new end. Redirects must stay on https (an https -> http redirect is refused), and the
user's Hugging Face token is sent to the hub only, never to the storage it redirects to.

After the transfer the sha256 and the size are checked: against the catalog's published values
when it has them; for a hub file without one, against the LFS sha256 the hub announces in its
redirect (``X-Linked-Etag``). A file that fails a check is deleted, never installed. A second
request for a file already downloading (in this process or another) gets
:class:`DownloadBusy` at once.

While the transfer runs, :func:`assistant.core.netguard.allow_hosts` opens exactly the hosts of
this download (the hub's, for a hub URL) in any active network guard.

Why not ``huggingface_hub.hf_hub_download``: the installed release (2.x) deletes its partial
file when a download fails or is cancelled (no resume across attempts), checks the size but not
the sha256, and hands Xet-stored files to native code that no network guard can see.
"""
from __future__ import annotations

import contextlib
import hashlib
import http.client
import json
import logging
import os
import re
import shutil
import socket
import threading
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Callable, Iterator

from assistant.core import netguard
from assistant.core import paths as hearth_paths
from assistant.core.errors import ModelError
from assistant.core.errors import HearthError

if TYPE_CHECKING:
    from assistant.core.models.catalog import CatalogEntry

log = logging.getLogger("assistant.models")

TOKEN_SECRET = "huggingface_token"
CHUNK = 1 << 20
Progress = Callable[[int, int | None], None]


class DownloadError(HearthError, RuntimeError):
    """The download failed; the message says why and what to do next. A resumable ``.part`` is kept."""


class DownloadCancelled(DownloadError):
    """The user cancelled; the ``.part`` file is kept so the next download resumes."""


class DownloadBusy(DownloadError):
    """This file is already being downloaded (here or by another Hearth); nothing was started."""


@dataclass
class DownloadResult:
    """A finished download.

    Attributes:
        path: the installed file.
        sha256: its checksum.
        size_bytes: its size.
        verified: "sha256" (matched the catalog's published checksum), "hub-sha256" (matched
            the LFS checksum the hub announced) or "size" (no checksum known).
        message: what was checked, in words.
    """

    path: Path
    sha256: str
    size_bytes: int
    verified: str
    message: str


def part_path(filename: str, paths: hearth_paths.Paths | None = None) -> Path:
    """Where the unfinished download of ``filename`` is kept."""
    p = paths or hearth_paths.resolve()
    return p.cache / "downloads" / (filename + ".part")


def _meta_path(part: Path) -> Path:
    return part.with_name(part.name + ".json")


# -- one download per file ------------------------------------------------------------------------
_active: set[str] = set()
_active_lock = threading.Lock()


def is_downloading(filename: str) -> bool:
    """True while this process downloads ``filename``."""
    with _active_lock:
        return filename in _active


def _try_lock(f: IO[bytes]) -> bool:
    if os.name == "nt":  # pragma: no cover - Windows
        import msvcrt

        try:
            msvcrt.locking(f.fileno(), msvcrt.LK_NBLCK, 1)
            return True
        except OSError:
            return False
    import fcntl

    try:
        fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)  # the system drops it if we die
        return True
    except OSError:
        return False


@contextlib.contextmanager
def _only_download_of(filename: str, part: Path) -> Iterator[None]:
    busy = DownloadBusy(f"{filename} is already downloading; wait for it to finish or cancel it first")
    with _active_lock:
        if filename in _active:
            raise busy
        _active.add(filename)
    try:
        with open(part.with_name(part.name + ".lock"), "a+b") as lf:
            if not _try_lock(lf):  # another Hearth process has it
                raise busy
            yield
    finally:
        with _active_lock:
            _active.discard(filename)


# -- the URL rules ----------------------------------------------------------------------------------
def _host(url: str) -> str:
    return (urllib.parse.urlsplit(url).hostname or "").lower()


def _is_hf(url: str) -> bool:
    host = _host(url)
    return host == "huggingface.co" or host.endswith(".huggingface.co") or host.endswith(".hf.co")


def _is_loopback_url(url: str) -> bool:
    return netguard._is_loopback_host(_host(url)) and bool(_host(url))


def _check_scheme(url: str) -> None:
    scheme = urllib.parse.urlsplit(url).scheme.lower()
    if scheme == "https" or (scheme == "http" and _is_loopback_url(url)):
        return  # plain http only to this computer (a local mirror, the tests)
    raise DownloadError(f"{url}: Hearth downloads only over https, so what arrives is what the server sent",
                        fix="Use the https:// address of the file.")


class _SafeRedirects(urllib.request.HTTPRedirectHandler):
    """Follows redirects that stay on https; remembers the LFS checksum the hub announces."""

    def __init__(self) -> None:
        super().__init__()
        self.linked_sha256: str | None = None
        self.linked_size: int | None = None

    def redirect_request(self, req: Any, fp: Any, code: int, msg: str, headers: Any,
                         newurl: str) -> Any:
        newurl = urllib.parse.urljoin(req.full_url, newurl)
        new_scheme = urllib.parse.urlsplit(newurl).scheme.lower()
        if new_scheme != "https" and not (new_scheme == "http" and _is_loopback_url(req.full_url)
                                          and _is_loopback_url(newurl)):
            raise DownloadError(f"{req.full_url} redirected to {newurl}, which is not https; the download "
                                "was refused so nobody on the way can change the file")
        etag = (headers.get("X-Linked-Etag") or "").strip('"').lower()
        if re.fullmatch(r"[0-9a-f]{64}", etag):
            self.linked_sha256 = etag
        size = headers.get("X-Linked-Size") or ""
        if size.isdigit():
            self.linked_size = int(size)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _gated_message(url: str, token: str | None) -> str:
    page = url.split("/resolve/")[0] if "/resolve/" in url else url
    if token:
        return (f"The server refused the Hugging Face token for {url}. Open {page}, accept the model's "
                "licence with the same account, and check the token in Settings.")
    return (f"{url} needs a Hugging Face account: open {page}, accept the model's licence, then save "
            "an access token in Settings (it is kept in the system keyring).")


# -- the part file's validator ------------------------------------------------------------------------
def _read_meta(part: Path) -> dict[str, Any]:
    try:
        data = json.loads(_meta_path(part).read_text(encoding="utf-8"))
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def _write_meta(part: Path, meta: dict[str, Any]) -> None:
    tmp = _meta_path(part).with_suffix(".tmp")
    tmp.write_text(json.dumps(meta), encoding="utf-8")
    os.replace(tmp, _meta_path(part))


def _validator(headers: Any) -> str | None:
    """A value usable in ``If-Range``: a strong ETag, else Last-Modified; None when neither."""
    etag = headers.get("ETag")
    if etag and not etag.startswith("W/"):
        return etag
    return headers.get("Last-Modified") or None


def _discard(part: Path) -> None:
    part.unlink(missing_ok=True)
    _meta_path(part).unlink(missing_ok=True)


# -- the transfer -----------------------------------------------------------------------------------
class _Dropped(Exception):
    """The server closed the connection before sending the whole file."""


class _Restart(Exception):
    """The bytes kept no longer match the file on the server: start again from zero."""


def _reason(e: BaseException) -> str:
    if isinstance(e, urllib.error.URLError) and not isinstance(e, urllib.error.HTTPError):
        return f"network error: {e.reason}"
    return str(e) or type(e).__name__


def download(url: str, filename: str, *, sha256: str | None = None, size_bytes: int | None = None,
             gated: bool = False, progress: Progress | None = None, cancel: threading.Event | None = None,
             paths: hearth_paths.Paths | None = None, retries: int = 3, timeout: float = 30.0,
             validate_gguf: bool = True, subfolder: str | None = None) -> DownloadResult:
    """Download ``url`` into Hearth's models folder as ``filename``, resuming if a part exists.

    Args:
        url: an https address (plain http only to this computer).
        sha256: the published checksum; None = not published (the hub's LFS checksum is used
            when it announces one, else only the size is checked).
        size_bytes: the expected size, when known (else the size the server reports).
        gated: the model needs a Hugging Face token (read from the keyring).
        progress: called with (bytes done, total bytes or None) after each chunk.
        cancel: set it to stop; the partial file is kept for a later resume.
        retries: how many times a dropped connection is resumed automatically.
        validate_gguf: check the finished file is a usable GGUF model before installing it.
        subfolder: install into this folder inside the models folder (the parts of a split model
            stay together there, out of the registry's listing of the models folder).

    Raises:
        DownloadBusy: this file is already downloading.
        DownloadCancelled: ``cancel`` was set.
        DownloadError: not https, a redirect off https, network failure after the retries,
            refused access, wrong checksum or size, or a file that is not a model. The message
            says what to do next.
    """
    p = (paths or hearth_paths.resolve()).ensure()
    if Path(filename).name != filename or not filename or filename in (".", ".."):
        raise DownloadError(f"{filename!r} is not a plain file name")
    _check_scheme(url)
    if subfolder is not None and (Path(subfolder).name != subfolder or subfolder in ("", ".", "..")):
        raise DownloadError(f"{subfolder!r} is not a plain folder name")
    dest = (p.models / subfolder / filename) if subfolder else (p.models / filename)
    if dest.exists():
        raise DownloadError(f"{dest} already exists; remove it first to download it again")
    part = part_path(filename, p)
    part.parent.mkdir(parents=True, exist_ok=True)
    cancel = cancel or threading.Event()
    hosts = netguard.HUB_HOSTS if _is_hf(url) else (_host(url),)
    with _only_download_of(filename, part), netguard.allow_hosts(hosts):
        token = _token() if gated else None
        redirects = _SafeRedirects()
        total = _transfer(url, filename, part, sha256, size_bytes, token, timeout, retries, progress,
                          cancel, redirects)
        return _finish(part, dest, sha256, size_bytes, total, validate_gguf, redirects, cancel)


def _token() -> str | None:
    from assistant.core import secrets

    return secrets.get_secret(TOKEN_SECRET)


def _transfer(url: str, filename: str, part: Path, sha256: str | None, size_bytes: int | None,
              token: str | None, timeout: float, retries: int, progress: Progress | None,
              cancel: threading.Event, redirects: _SafeRedirects) -> int | None:
    total: int | None = size_bytes  # the server's figure replaces it once known
    attempt = 0
    tried_token = token is not None
    while True:
        offset = part.stat().st_size if part.exists() else 0
        try:
            return _fetch(url, part, offset, total, token, timeout, progress, cancel, redirects,
                          resume_blind=sha256 is not None)
        except _Restart as e:
            log.warning("download of %s: %s; starting again from zero", filename, e)
            _discard(part)
            total = size_bytes
            continue
        except urllib.error.HTTPError as e:
            if e.code in (401, 403):
                if not tried_token and _is_hf(url):
                    tried_token, token = True, _token()
                    if token:
                        continue  # the model turned out to be gated: try once with the token
                raise DownloadError(_gated_message(url, token)) from None
            if e.code == 404:
                raise DownloadError(f"{url} was not found (HTTP 404); the catalog may be out of date") from None
            if e.code == 416:  # nothing left to send: the part is complete, or longer than the file
                if total is not None and offset == total:
                    return total
                _discard(part)
                continue
            err: BaseException = e
        except urllib.error.URLError as e:  # could not connect at all: retrying now will not help
            if isinstance(e.reason, DownloadError):
                raise e.reason from None
            if isinstance(e.reason, netguard.NetworkBlocked):
                raise DownloadError(f"the download of {filename} was blocked by Hearth's offline mode "
                                    f"({e.reason})") from None
            have = part.stat().st_size if part.exists() else 0
            kept = f"; {have} bytes are kept and the next try resumes from there" if have else ""
            raise DownloadError(f"cannot reach {_host(url)} ({_reason(e)}). "
                                f"Check the internet connection and try again{kept}") from None
        except (http.client.HTTPException, OSError, _Dropped) as e:
            if isinstance(e, netguard.NetworkBlocked):
                raise DownloadError(f"the download of {filename} was blocked by Hearth's offline mode "
                                    f"({e})") from None
            err = e
        attempt += 1
        if attempt > retries:
            have = part.stat().st_size if part.exists() else 0
            raise DownloadError(f"the download of {filename} stopped ({_reason(err)}); {have} bytes are kept "
                                "and the next try resumes from there") from None
        log.warning("download of %s interrupted (%s); resuming (try %d of %d)", filename, _reason(err),
                    attempt, retries)
        if cancel.wait(min(2.0 ** attempt / 4, 5.0)):
            raise DownloadCancelled(f"download cancelled; {part.stat().st_size if part.exists() else 0} "
                                    "bytes kept to resume later")


def _fetch(url: str, part: Path, offset: int, total: int | None, token: str | None, timeout: float,
           progress: Progress | None, cancel: threading.Event, redirects: _SafeRedirects,
           resume_blind: bool) -> int | None:
    """One request: append to ``part`` from ``offset``. Returns the file's total size if known."""
    meta = _read_meta(part) if offset else {}
    validator = meta.get("validator") if meta.get("url") == url else None
    if offset and not validator and not resume_blind:
        # No way to ask "only if unchanged" and no checksum to catch a mix: start afresh.
        raise _Restart("the server gave no ETag or Last-Modified for the bytes kept")
    req = urllib.request.Request(url, headers={"User-Agent": "Hearth/0.1", "Accept-Encoding": "identity"})
    if offset:
        req.add_header("Range", f"bytes={offset}-")
        if validator:
            req.add_header("If-Range", validator)
    if token:
        # Unredirected: the token goes to the hub only, not to the storage it redirects to.
        req.add_unredirected_header("Authorization", f"Bearer {token}")
    opener = urllib.request.build_opener(redirects)
    with opener.open(req, timeout=timeout) as resp:
        got = _validator(resp.headers)
        mode = "ab"
        if offset and resp.status == 206:
            m = re.match(r"bytes (\d+)-(\d+)/(\d+|\*)", resp.headers.get("Content-Range", ""))
            if not m or int(m.group(1)) != offset:
                raise _Dropped(f"the server resumed at the wrong place ({resp.headers.get('Content-Range')})")
            if validator and got and got != validator:
                raise _Restart("the file on the server changed since the first bytes were kept")
            if m.group(3) != "*":
                total = int(m.group(3))
        else:  # the whole file (changed since, or no resume support): start over
            offset, mode = 0, "wb"
            length = resp.headers.get("Content-Length")
            if length and length.isdigit():
                total = int(length)
            _write_meta(part, {"url": url, "validator": got})
        done = offset
        with open(part, mode) as f:
            while True:
                if cancel.is_set():
                    raise DownloadCancelled(f"download cancelled; {done} bytes kept to resume later")
                try:
                    block = resp.read(CHUNK)
                except http.client.IncompleteRead as e:
                    f.write(e.partial)
                    raise _Dropped("the connection was closed early") from None
                except (socket.timeout, ConnectionError) as e:
                    raise _Dropped(f"the connection was lost ({e})") from None
                if not block:
                    break
                f.write(block)
                done += len(block)
                if progress:
                    progress(done, total)
            f.flush()
        if total is not None and done < total:
            raise _Dropped(f"the connection was closed after {done} of {total} bytes")
    return total


def _sha256(path: Path, cancel: threading.Event) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(CHUNK):
            if cancel.is_set():
                raise DownloadCancelled("download cancelled while checking it; the file is kept to check again")
            h.update(block)
    return h.hexdigest()


def _finish(part: Path, dest: Path, sha256: str | None, expected: int | None, total: int | None,
            validate_gguf: bool, redirects: _SafeRedirects, cancel: threading.Event) -> DownloadResult:
    size = part.stat().st_size

    def refuse(why: str) -> DownloadError:
        _discard(part)
        return DownloadError(f"{dest.name}: {why}; the damaged file was deleted. Try the download again.")

    for want in (expected, total, redirects.linked_size):
        if want is not None and size != want:
            raise refuse(f"expected {want} bytes but received {size}")
    digest = _sha256(part, cancel)
    if sha256:
        if digest.lower() != sha256.lower():
            raise refuse(f"the checksum does not match (expected {sha256}, got {digest})")
        verified, msg = "sha256", f"sha256 verified against the published checksum ({digest})"
    elif redirects.linked_sha256:
        if digest != redirects.linked_sha256:
            raise refuse(f"the checksum does not match the hub's (expected {redirects.linked_sha256}, got {digest})")
        verified, msg = "hub-sha256", (f"no checksum in the catalog; sha256 matches the one the hub announced "
                                       f"({digest}), size {size} bytes")
    else:
        verified = "size"
        msg = f"checksum not published; size verified ({size} bytes); sha256 {digest}"
    if validate_gguf:
        from assistant.core.models import gguf_info

        try:
            gguf_info.read_model_facts(part)
        except ModelError as e:
            _discard(part)
            raise DownloadError(f"{dest.name}: the downloaded file is not a usable model ({e}); it was deleted") \
                from None
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(str(part), str(dest))
    _meta_path(part).unlink(missing_ok=True)
    log.info("downloaded %s: %s", dest, msg)
    return DownloadResult(dest, digest, size, verified, msg)


def download_entry(entry: CatalogEntry, **kwargs: Any) -> DownloadResult:
    """Download a catalog entry (see :func:`download` for the keyword arguments)."""
    return download(entry.url, entry.filename, sha256=entry.sha256, size_bytes=entry.size_bytes,
                    gated=entry.gated, **kwargs)
