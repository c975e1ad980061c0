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
        self.if_range: list[str | None] = []
        self.etag: str | None = None  # sent, and honoured in If-Range, when set
        self.redirect_headers: dict[str, str] | None = None  # /r/NAME answers 302 to /NAME with these
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *a):  # keep test output clean
                pass

            def do_GET(self):
                if self.path.startswith("/r/") and outer.redirect_headers is not None:
                    self.send_response(302)
                    self.send_header("Location", self.path[2:])
                    for k, v in outer.redirect_headers.items():
                        self.send_header(k, v)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                outer.ranges.append(self.headers.get("Range"))
                outer.if_range.append(self.headers.get("If-Range"))
                outer.auth.append(self.headers.get("Authorization"))
                if outer.token and self.headers.get("Authorization") != f"Bearer {outer.token}":
                    self.send_error(401, "gated")
                    return
                data, start = outer.payload, 0
                m = re.match(r"bytes=(\d+)-$", self.headers.get("Range") or "")
                if m and self.headers.get("If-Range") and self.headers.get("If-Range") != outer.etag:
                    m = None  # RFC 9110: the validator no longer matches: send the whole new file
                if m:
                    start = int(m.group(1))
                    self.send_response(206)
                    self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
                else:
                    self.send_response(200)
                body = memoryview(data)[start:]
                self.send_header("Content-Length", str(len(body)))
                if outer.etag:
                    self.send_header("ETag", outer.etag)
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


def _reuploaded(data: bytes) -> bytes:
    """The same model re-uploaded with different bytes (still a valid GGUF: the last weight byte differs)."""
    return data[:-1] + bytes([data[-1] ^ 0xFF])


def test_resume_after_a_reupload_restarts_instead_of_mixing_old_and_new(server, gguf_bytes, paths):
    data, _sha = gguf_bytes
    server.etag = '"v1"'
    server.drop_after = len(data) // 2
    with pytest.raises(download.DownloadError, match="bytes are kept"):
        download.download(server.url("m.gguf"), "re.gguf", retries=0)
    new = _reuploaded(data)
    server.payload, server.etag = new, '"v2"'
    res = download.download(server.url("m.gguf"), "re.gguf", retries=0)
    assert server.if_range[-1] == '"v1"' and server.ranges[-1] == f"bytes={len(data) // 2}-"
    got = (paths.models / "re.gguf").read_bytes()
    assert got == new and res.sha256 == hashlib.sha256(new).hexdigest()  # never old start + new end


def test_resume_without_validator_or_checksum_starts_again(server, gguf_bytes, paths):
    data, _sha = gguf_bytes
    server.drop_after = len(data) // 2
    with pytest.raises(download.DownloadError):
        download.download(server.url("m.gguf"), "nv.gguf", retries=0)
    server.payload = _reuploaded(data)
    download.download(server.url("m.gguf"), "nv.gguf", retries=0)
    assert server.ranges[-1] is None  # nothing to prove the kept half is still right: not reused
    assert (paths.models / "nv.gguf").read_bytes() == server.payload


def test_plain_http_to_another_computer_is_refused_before_any_connection(offline, paths):
    with pytest.raises(download.DownloadError, match="only over https"):
        download.download("http://huggingface.co/x/y/resolve/main/m.gguf", "m.gguf")
    assert offline.attempts == []


def test_a_redirect_off_https_is_refused():
    import urllib.request

    handler = download._SafeRedirects()
    req = urllib.request.Request("https://huggingface.co/a/b/resolve/main/m.gguf")
    with pytest.raises(download.DownloadError, match="not https"):
        handler.redirect_request(req, None, 302, "Found", {}, "http://cdn.example/m.gguf")
    ok = handler.redirect_request(req, None, 302, "Found", {"X-Linked-Etag": '"' + "a" * 64 + '"'},
                                  "https://cdn-lfs.hf.co/m.gguf")
    assert ok.full_url == "https://cdn-lfs.hf.co/m.gguf" and handler.linked_sha256 == "a" * 64
    assert ok.get_header("Authorization") is None  # the token is not carried to the storage


def test_redirect_from_loopback_to_http_elsewhere_is_refused(server, paths, offline):
    import urllib.request

    server.redirect_headers = {}  # /r/m.gguf -> /m.gguf on the same loopback server: followed
    assert download.download(server.url("r/m.gguf"), "redir.gguf").path.exists()
    handler = download._SafeRedirects()
    with pytest.raises(download.DownloadError, match="not https"):
        handler.redirect_request(urllib.request.Request(server.url("r/m.gguf")), None, 302, "Found", {},
                                 "http://example.com/m.gguf")
    assert offline.attempts == []


def test_the_hub_announced_checksum_is_checked_when_the_catalog_has_none(server, gguf_bytes, paths):
    data, sha = gguf_bytes
    server.redirect_headers = {"X-Linked-Etag": f'"{sha}"', "X-Linked-Size": str(len(data))}
    res = download.download(server.url("r/m.gguf"), "hub.gguf")
    assert res.verified == "hub-sha256" and "announced" in res.message
    server.redirect_headers = {"X-Linked-Etag": '"' + "0" * 64 + '"'}
    with pytest.raises(download.DownloadError, match="does not match the hub's"):
        download.download(server.url("r/m.gguf"), "hub2.gguf")
    assert not (paths.models / "hub2.gguf").exists()


def test_a_second_download_of_the_same_file_says_it_is_already_running(gguf_bytes, paths):
    import time

    data, sha = gguf_bytes
    gate = threading.Event()
    s = Server(data)
    started = threading.Event()

    def progress(done, total):
        started.set()
        gate.wait(10)

    result: list = []
    t = threading.Thread(target=lambda: result.append(
        download.download(s.url("m.gguf"), "once.gguf", sha256=sha, progress=progress)))
    t.start()
    try:
        assert started.wait(30)
        t0 = time.monotonic()
        with pytest.raises(download.DownloadBusy, match="once.gguf is already downloading"):
            download.download(s.url("m.gguf"), "once.gguf", sha256=sha)
        assert time.monotonic() - t0 < 2 and download.is_downloading("once.gguf")
    finally:
        gate.set()
        t.join(60)
        s.close()
    assert result and result[0].sha256 == sha
    assert s.ranges == [None]  # the refused second request never reached the server


def test_a_download_held_by_another_hearth_process_is_refused(server, paths):
    import fcntl

    part = download.part_path("held.gguf")
    part.parent.mkdir(parents=True, exist_ok=True)
    with open(part.with_name(part.name + ".lock"), "a+b") as other:  # another process's lock
        fcntl.flock(other.fileno(), fcntl.LOCK_EX)
        with pytest.raises(download.DownloadBusy):
            download.download(server.url("m.gguf"), "held.gguf")
    assert server.ranges == []


def test_the_guard_opens_exactly_the_hub_during_a_download(monkeypatch, paths):
    from assistant.core import netguard

    seen = {}

    def fake_transfer(url, *a, **kw):
        seen.update(hub=netguard._host_allowed("huggingface.co"), cdn=netguard._host_allowed("cdn-lfs.hf.co"),
                    other=netguard._host_allowed("example.com"))
        raise download.DownloadError("stopped by the test")

    monkeypatch.setattr(download, "_transfer", fake_transfer)
    with pytest.raises(download.DownloadError, match="stopped by the test"):
        download.download("https://huggingface.co/a/b/resolve/" + "0" * 40 + "/m.gguf", "m.gguf")
    assert seen == {"hub": True, "cdn": True, "other": False}
    assert not netguard._host_allowed("huggingface.co")  # closed again


def test_catalog_download_over_the_network_is_blocked_in_tests(paths):
    """The suite must never reach the internet, even when code starts a hub download."""
    from assistant.core import netguard
    from assistant.core.models import catalog

    entry = catalog.find("smollm2-360m-instruct-q8_0")
    with netguard.guard(block=True, allow_loopback=True, strict=True) as log:
        with pytest.raises(download.DownloadError, match="offline mode"):
            download.download_entry(entry, retries=0)
    assert log.attempts and "huggingface.co" in log.attempts[0]
