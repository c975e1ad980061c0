"""Downloads from a real HTTP server on 127.0.0.1 serving a real GGUF: resume, checksum, token."""
from __future__ import annotations

import hashlib
import http.server
import re
import shutil
import threading

import pytest

from assistant.core.models import download
from assistant.core.models.registry import ModelRegistry

pytestmark = pytest.mark.network_loopback


class Server:
    """A tiny file server with Range support that can drop a connection or require a token."""

    def __init__(self, payload: bytes):
        self.payload = payload
        self.drop_after: int | None = None  # bytes to send before closing the next response
        self.token: str | None = None
        self.ranges: list[str | None] = []
        self.auth: list[str | None] = []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *a):  # keep test output clean
                pass

            def do_GET(self):
                outer.ranges.append(self.headers.get("Range"))
                outer.auth.append(self.headers.get("Authorization"))
                if outer.token and self.headers.get("Authorization") != f"Bearer {outer.token}":
                    self.send_error(401, "gated")
                    return
                data, start = outer.payload, 0
                m = re.match(r"bytes=(\d+)-$", self.headers.get("Range") or "")
                if m:
                    start = int(m.group(1))
                    self.send_response(206)
                    self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
                else:
                    self.send_response(200)
                body = memoryview(data)[start:]
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if outer.drop_after is not None:
                    cut, outer.drop_after = outer.drop_after, None
                    self.wfile.write(body[:cut])
                    self.wfile.flush()
                    self.close_connection = True
                    return
                self.wfile.write(body)

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.httpd.server_port}/{name}"

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="module")
def gguf_bytes(smollm2_path, tmp_path_factory):
    copy = tmp_path_factory.mktemp("served") / "model.gguf"
    shutil.copyfile(smollm2_path, copy)  # a real model file, served from a copy
    data = copy.read_bytes()
    return data, hashlib.sha256(data).hexdigest()


@pytest.fixture
def server(gguf_bytes):
    s = Server(gguf_bytes[0])
    yield s
    s.close()


def test_dropped_connection_resumes_and_installs_verified_model(server, gguf_bytes, paths):
    data, sha = gguf_bytes
    server.drop_after = len(data) // 3
    with pytest.raises(download.DownloadError, match="bytes are kept and the next try resumes"):
        download.download(server.url("m.gguf"), "smol.gguf", sha256=sha, retries=0)
    part = download.part_path("smol.gguf")
    kept = part.stat().st_size
    assert 0 < kept < len(data) and not (paths.models / "smol.gguf").exists()

    seen: list[tuple[int, int | None]] = []
    res = download.download(server.url("m.gguf"), "smol.gguf", sha256=sha,
                            progress=lambda d, t: seen.append((d, t)))
    assert server.ranges[-1] == f"bytes={kept}-"  # only the missing part was fetched
    assert res.verified == "sha256" and res.sha256 == sha
    assert (paths.models / "smol.gguf").read_bytes() == data and not part.exists()
    assert seen[0][0] > kept and seen[-1] == (len(data), len(data))
    assert [m.path.name for m in ModelRegistry().list() if m.source == "downloaded"] == ["smol.gguf"]


def test_drop_is_retried_automatically(server, gguf_bytes, paths):
    data, sha = gguf_bytes
    server.drop_after = 1_000_000
    res = download.download(server.url("m.gguf"), "auto.gguf", sha256=sha, retries=2)
    assert res.sha256 == sha and server.ranges == [None, "bytes=1000000-"]


def test_bad_checksum_is_refused_and_nothing_installed(server, paths):
    with pytest.raises(download.DownloadError, match="checksum does not match.*deleted"):
        download.download(server.url("m.gguf"), "bad.gguf", sha256="0" * 64)
    assert not (paths.models / "bad.gguf").exists() and not download.part_path("bad.gguf").exists()


def test_unpublished_checksum_checks_size_and_says_so(server, gguf_bytes, paths):
    res = download.download(server.url("m.gguf"), "nosum.gguf", sha256=None)
    assert res.verified == "size" and "checksum not published" in res.message
    assert res.size_bytes == len(gguf_bytes[0])
    with pytest.raises(download.DownloadError, match="expected 123 bytes"):
        download.download(server.url("m.gguf"), "wrongsize.gguf", size_bytes=123)
    assert not (paths.models / "wrongsize.gguf").exists()


def test_cancel_keeps_part_for_later(server, gguf_bytes, paths):
    cancel = threading.Event()

    def progress(done, total):
        if done >= 5_000_000:
            cancel.set()

    with pytest.raises(download.DownloadCancelled):
        download.download(server.url("m.gguf"), "c.gguf", progress=progress, cancel=cancel)
    assert download.part_path("c.gguf").stat().st_size >= 5_000_000
    res = download.download(server.url("m.gguf"), "c.gguf", sha256=gguf_bytes[1])
    assert res.sha256 == gguf_bytes[1]


def test_gated_model_uses_token_from_keyring(server, gguf_bytes, paths):
    from assistant.core import secrets

    server.token = "hf_secret"
    with pytest.raises(download.DownloadError, match="needs a Hugging Face account.*access token"):
        download.download(server.url("m.gguf"), "g.gguf", gated=True)
    secrets.set_secret("huggingface_token", "hf_secret")
    res = download.download(server.url("m.gguf"), "g.gguf", gated=True, sha256=gguf_bytes[1])
    assert res.path.exists() and server.auth[-1] == "Bearer hf_secret"


def test_a_file_that_is_not_a_model_is_refused(paths):
    s = Server(b"<html>Please log in</html>" * 100)
    try:
        with pytest.raises(download.DownloadError, match="not a usable model"):
            download.download(s.url("x.gguf"), "html.gguf")
    finally:
        s.close()
    assert not (paths.models / "html.gguf").exists()
