"""Resumable model downloads: Range requests into a ``.part`` file, progress, cancel, sha256.

Only runs when the user asks for a download. A dropped connection resumes where it stopped
(also in a later session: the ``.part`` file stays in the cache folder); a file whose checksum
does not match is deleted, never installed. Gated Hugging Face models get the user's token from
the keyring.
"""
from __future__ import annotations

from assistant.core.errors import HearthError
import http.client
import logging
import re
import shutil
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from assistant.core import paths as hearth_paths
from assistant.core.engine.types import ModelError
from assistant.core.files import sha256_of

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


@dataclass
class DownloadResult:
    """A finished download.

    Attributes:
        path: the installed file.
        sha256: its checksum, computed while downloading.
        verified: "sha256" (matched the published checksum) or "size" (no checksum published).
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




def _is_hf(url: str) -> bool:
    host = urllib.parse.urlsplit(url).hostname or ""
    return host == "huggingface.co" or host.endswith(".huggingface.co")


def _open(url: str, offset: int, token: str | None, timeout: float) -> http.client.HTTPResponse:
    req = urllib.request.Request(url, headers={"User-Agent": "Hearth/0.1", "Accept-Encoding": "identity"})
    if offset:
        req.add_header("Range", f"bytes={offset}-")
    if token:
        # Unredirected: the token goes to the hub only, not to the storage it redirects to.
        req.add_unredirected_header("Authorization", f"Bearer {token}")
    return urllib.request.urlopen(req, timeout=timeout)  # noqa: S310 - the URL is the user's choice


def _gated_message(url: str, token: str | None) -> str:
    page = url.split("/resolve/")[0] if "/resolve/" in url else url
    if token:
        return (f"The server refused the Hugging Face token for {url}. Open {page}, accept the model's "
                "licence with the same account, and check the token in Settings.")
    return (f"{url} needs a Hugging Face account: open {page}, accept the model's licence, then save "
            "an access token in Settings (it is kept in the system keyring).")


def download(url: str, filename: str, *, sha256: str | None = None, size_bytes: int | None = None,
             gated: bool = False, progress: Progress | None = None, cancel: threading.Event | None = None,
             paths: hearth_paths.Paths | None = None, retries: int = 3, timeout: float = 30.0,
             validate_gguf: bool = True) -> DownloadResult:
    """Download ``url`` into Hearth's models folder as ``filename``, resuming if a part exists.

    Args:
        sha256: the published checksum; None = "checksum not published", the size is checked.
        size_bytes: the expected size, when known (else the size the server reports).
        gated: the model needs a Hugging Face token (read from the keyring).
        progress: called with (bytes done, total bytes or None) after each chunk.
        cancel: set it to stop; the partial file is kept for a later resume.
        retries: how many times a dropped connection is resumed automatically.
        validate_gguf: check the finished file is a usable GGUF model before installing it.

    Raises:
        DownloadCancelled: ``cancel`` was set.
        DownloadError: network failure after the retries, refused access, wrong checksum or size,
            or a file that is not a model. The message says what to do next.
    """
    p = (paths or hearth_paths.resolve()).ensure()
    if Path(filename).name != filename or not filename:
        raise DownloadError(f"{filename!r} is not a plain file name")
    dest = p.models / filename
    if dest.exists():
        raise DownloadError(f"{dest} already exists; remove it first to download it again")
    part = part_path(filename, p)
    part.parent.mkdir(parents=True, exist_ok=True)
    token = None
    if gated:
        from assistant.core import secrets

        token = secrets.get_secret(TOKEN_SECRET)
    cancel = cancel or threading.Event()
    total: int | None = size_bytes  # the server's figure replaces it once known
    attempt = 0
    while True:
        offset = part.stat().st_size if part.exists() else 0
        try:
            total = _fetch(url, part, offset, total, token, timeout, progress, cancel)
            break
        except urllib.error.HTTPError as e:
            if e.code in (401, 403):
                if token is None and _is_hf(url):
                    from assistant.core import secrets

                    token = secrets.get_secret(TOKEN_SECRET)
                    if token:
                        continue  # the model turned out to be gated: try once with the token
                raise DownloadError(_gated_message(url, token)) from None
            if e.code == 404:
                raise DownloadError(f"{url} was not found (HTTP 404); the catalog may be out of date") from None
            if e.code == 416:  # nothing left to send: the part is complete, or longer than the file
                if size_bytes is not None and offset == size_bytes:
                    break
                part.unlink(missing_ok=True)
                continue
            err: Exception = e
        except urllib.error.URLError as e:  # could not connect at all: retrying now will not help
            have = part.stat().st_size if part.exists() else 0
            kept = f"; {have} bytes are kept and the next try resumes from there" if have else ""
            raise DownloadError(f"cannot reach {urllib.parse.urlsplit(url).hostname} ({_reason(e)}). "
                                f"Check the internet connection and try again{kept}") from None
        except (http.client.HTTPException, OSError, _Dropped) as e:
            err = e
        attempt += 1
        if attempt > retries:
            have = part.stat().st_size if part.exists() else 0
            raise DownloadError(f"the download of {filename} stopped ({_reason(err)}); {have} bytes are kept "
                                "and the next try resumes from there") from None
        log.warning("download of %s interrupted (%s); resuming (try %d of %d)", filename, _reason(err),
                    attempt, retries)
        time.sleep(min(2.0 ** attempt / 4, 5.0))
    return _finish(part, dest, sha256, size_bytes, total, validate_gguf)


class _Dropped(Exception):
    """The server closed the connection before sending the whole file."""


def _reason(e: Exception) -> str:
    if isinstance(e, urllib.error.URLError) and not isinstance(e, urllib.error.HTTPError):
        return f"network error: {e.reason}"
    return str(e) or type(e).__name__


def _fetch(url: str, part: Path, offset: int, total: int | None, token: str | None, timeout: float,
           progress: Progress | None, cancel: threading.Event) -> int | None:
    """One request: append to ``part`` from ``offset``. Returns the file's total size if known."""
    with _open(url, offset, token, timeout) as resp:
        mode = "ab"
        if offset and resp.status == 206:
            m = re.match(r"bytes (\d+)-(\d+)/(\d+|\*)", resp.headers.get("Content-Range", ""))
            if not m or int(m.group(1)) != offset:
                raise _Dropped(f"the server resumed at the wrong place ({resp.headers.get('Content-Range')})")
            if m.group(3) != "*":
                total = int(m.group(3))
        else:  # the server sent the whole file (no resume support): start over
            offset, mode = 0, "wb"
            length = resp.headers.get("Content-Length")
            if length and length.isdigit():
                total = int(length)
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


def _finish(part: Path, dest: Path, sha256: str | None, expected: int | None, total: int | None,
            validate_gguf: bool) -> DownloadResult:
    digest = sha256_of(part)
    size = part.stat().st_size
    if sha256:
        if digest.lower() != sha256.lower():
            part.unlink(missing_ok=True)
            raise DownloadError(f"{dest.name}: the checksum does not match (expected {sha256}, got {digest}); "
                                "the damaged file was deleted. Try the download again.")
        verified, msg = "sha256", f"sha256 verified ({digest})"
    else:
        for want in (expected, total):
            if want is not None and size != want:
                part.unlink(missing_ok=True)
                raise DownloadError(f"{dest.name}: expected {want} bytes but received {size}; the file was "
                                    "deleted. Try the download again.")
        verified = "size"
        msg = f"checksum not published; size verified ({size} bytes); sha256 {digest}"
    if validate_gguf:
        from assistant.core.engine import gguf_info

        try:
            gguf_info.read_model_facts(part)
        except ModelError as e:
            part.unlink(missing_ok=True)
            raise DownloadError(f"{dest.name}: the downloaded file is not a usable model ({e}); it was deleted") \
                from None
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(str(part), str(dest))
    log.info("downloaded %s: %s", dest, msg)
    return DownloadResult(dest, digest, size, verified, msg)


def download_entry(entry: CatalogEntry, **kwargs: object) -> DownloadResult:
    """Download a catalog entry (see :func:`download` for the keyword arguments)."""
    return download(entry.url, entry.filename, sha256=entry.sha256, size_bytes=entry.size_bytes,
                    gated=entry.gated, **kwargs)  # type: ignore[arg-type]
