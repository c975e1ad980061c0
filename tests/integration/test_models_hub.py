"""Finding a model on the hub, end to end against a fake hub on 127.0.0.1 that speaks the hub's API
and file endpoints and serves the real SmolLM2 and Gemma GGUF files: search, quantisations with
fit and speed, the header read by range request, a verified download, registration and a real
answer with the downloaded model; and the failures a user meets, in words."""
from __future__ import annotations

import hashlib
import http.server
import json
import re
import threading
import urllib.parse
from pathlib import Path

import pytest

from assistant import cli
from assistant.core.models import download, gguf_info, hub
from assistant.core.models.registry import ModelRegistry

pytestmark = pytest.mark.network_loopback


_HASHES: dict = {}  # the served files' checksums, computed once per test run


def _sha256(p: Path) -> str:
    if p not in _HASHES:
        _HASHES[p] = hashlib.sha256(p.read_bytes()).hexdigest()
    return _HASHES[p]


class FakeHub:
    """The hub's ``/api/models``, ``/api/models/{repo}?blobs=true`` and ``/{repo}/resolve/{rev}/{file}``
    (a 302 to a storage URL with ``X-Linked-Etag``/``X-Linked-Size``, like the real hub), with
    ``Range`` support, gated repositories and a wrong-checksum file."""

    def __init__(self) -> None:
        self.repos: dict[str, dict] = {}
        self.blobs: dict[str, Path | bytes] = {}
        self.token: str | None = None  # gated repos want "Bearer <token>"
        self.requests: list[str] = []
        self.ranges: list[str | None] = []
        self.auth: list[str | None] = []
        self.drop_after: int | None = None  # bytes of the next file response before the connection is cut
        self.slow = threading.Event()  # set: files are sent 1 MB per 0.2 s (a download to cancel)
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_GET(self):
                outer.requests.append(self.path)
                url = urllib.parse.urlsplit(self.path)
                path = urllib.parse.unquote(url.path)
                q = urllib.parse.parse_qs(url.query)
                if path == "/api/models":
                    return self._json(outer._search(q))
                m = re.fullmatch(r"/api/models/([^/]+/[^/]+)", path)
                if m:
                    repo = outer.repos.get(m.group(1))
                    return self._json(outer._info(repo, "blobs" in q)) if repo else self.send_error(404)
                m = re.fullmatch(r"/([^/]+/[^/]+)/resolve/([^/]+)/(.+)", path)
                if m:
                    return self._resolve(m.group(1), m.group(3))
                m = re.fullmatch(r"/storage/([0-9a-f]{64})", path)
                if m and m.group(1) in outer.blobs:
                    return self._file(outer.blobs[m.group(1)])
                self.send_error(404)

            def _json(self, obj):
                body = json.dumps(obj).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _resolve(self, repo_id, name):
                repo = outer.repos.get(repo_id)
                f = repo and repo["files"].get(name)
                if not f:
                    return self.send_error(404)
                outer.auth.append(self.headers.get("Authorization"))
                if repo["gated"] and self.headers.get("Authorization") != f"Bearer {outer.token}":
                    return self.send_error(401, "gated")
                self.send_response(302)
                self.send_header("Location", f"/storage/{f['served_sha']}")
                self.send_header("X-Linked-Etag", f'"{f["sha256"]}"')
                self.send_header("X-Linked-Size", str(f["size"]))
                self.send_header("Content-Length", "0")
                self.end_headers()

            def _file(self, src):
                size = src.stat().st_size if isinstance(src, Path) else len(src)
                rng = self.headers.get("Range")
                outer.ranges.append(rng)
                start, end = 0, size - 1
                m = re.fullmatch(r"bytes=(\d+)-(\d*)", rng or "")
                if m:
                    start = int(m.group(1))
                    end = min(int(m.group(2)), end) if m.group(2) else end
                    self.send_response(206)
                    self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
                else:
                    self.send_response(200)
                self.send_header("ETag", f'"{size}-{id(src)}"')
                self.send_header("Content-Length", str(end - start + 1))
                self.end_headers()
                if outer.drop_after is not None:  # a cut connection: part of the bytes, then nothing
                    cut, outer.drop_after = outer.drop_after, None
                    data = src.read_bytes() if isinstance(src, Path) else src
                    self.wfile.write(memoryview(data)[start:start + cut])
                    self.wfile.flush()
                    self.close_connection = True
                    return
                try:
                    if isinstance(src, Path):
                        with open(src, "rb") as f:
                            f.seek(start)
                            left = end - start + 1
                            while left > 0 and (block := f.read(min(left, 1 << 20))):
                                self.wfile.write(block)
                                left -= len(block)
                                if outer.slow.is_set():
                                    threading.Event().wait(0.2)
                    else:
                        self.wfile.write(memoryview(src)[start:end + 1])
                except (BrokenPipeError, ConnectionResetError):
                    pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_port}"

    def add(self, repo: str, files: dict[str, Path | bytes], *, gated: bool = False, downloads: int = 0,
            last_modified: str = "2025-01-01T00:00:00.000Z", licence: str = "apache-2.0",
            corrupt: str | None = None, gguf: bool = True) -> None:
        """A repository; ``corrupt`` names a file whose served bytes differ from its announced sha256."""
        entries = {}
        for name, src in files.items():
            data = src if isinstance(src, bytes) else b""
            sha = _sha256(src) if isinstance(src, Path) else hashlib.sha256(data).hexdigest()
            served, served_sha = src, sha
            if name == corrupt:
                key = ("corrupt", src if isinstance(src, Path) else sha)
                if key not in _HASHES:
                    bad = bytearray(src.read_bytes() if isinstance(src, Path) else src)
                    bad[len(bad) // 2] ^= 0xFF
                    _HASHES[key] = (bytes(bad), hashlib.sha256(bytes(bad)).hexdigest())
                served, served_sha = _HASHES[key]
            self.blobs[served_sha] = served
            size = src.stat().st_size if isinstance(src, Path) else len(data)
            entries[name] = {"sha256": sha, "served_sha": served_sha, "size": size}
        self.repos[repo] = {"id": repo, "files": entries, "gated": "manual" if gated else False,
                            "downloads": downloads, "lastModified": last_modified, "licence": licence,
                            "tags": (["gguf"] if gguf else ["safetensors"]) + [f"license:{licence}"]}

    def _info(self, repo, blobs):
        sib = []
        for name, f in repo["files"].items():
            s = {"rfilename": name}
            if blobs:
                s.update(size=f["size"], blobId="0" * 40,
                         lfs={"size": f["size"], "sha256": f["sha256"], "pointerSize": 134})
            sib.append(s)
        return {"id": repo["id"], "author": repo["id"].split("/")[0], "sha": "a" * 40, "gated": repo["gated"],
                "downloads": repo["downloads"], "likes": 3, "lastModified": repo["lastModified"],
                "tags": repo["tags"], "cardData": {"license": repo["licence"]}, "siblings": sib}

    def _search(self, q):
        words = q.get("search", [""])[0].lower()
        hits = [r for r in self.repos.values() if words in r["id"].lower()
                and ("gguf" not in q.get("filter", []) or "gguf" in r["tags"])]
        key = "lastModified" if q.get("sort", ["downloads"])[0] == "lastModified" else "downloads"
        hits.sort(key=lambda r: r[key], reverse=True)
        limit = int(q.get("limit", ["1000"])[0])
        return [{k: v for k, v in self._info(r, False).items() if k != "siblings"} for r in hits[:limit]]

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def fake_hub(smollm2_path, gemma_path, monkeypatch):
    h = FakeHub()
    h.add("HuggingFaceTB/SmolLM2-135M-Instruct-GGUF", {"SmolLM2-135M-Instruct.Q4_1.gguf": smollm2_path,
                                                      "README.md": b"# SmolLM2\n"}, downloads=900)
    h.add("google/gemma-3-270m-GGUF", {"gemma-3-270m-Q4_K_M.gguf": gemma_path}, downloads=500,
          last_modified="2025-06-01T00:00:00.000Z", licence="gemma")
    h.add("someone/smollm2-gated-GGUF", {"smollm2-Q4_1.gguf": smollm2_path}, gated=True, downloads=10)
    h.add("someone/smollm2-broken-GGUF", {"smollm2-Q4_1.gguf": smollm2_path}, corrupt="smollm2-Q4_1.gguf",
          downloads=5)
    h.add("someone/smollm2-safetensors", {"model.safetensors": b"not gguf"}, gguf=False)
    h.add("someone/smollm2-notgguf-GGUF", {"model.safetensors": b"not gguf"}, downloads=1)
    monkeypatch.setenv(hub.ENDPOINT_ENV, h.endpoint)
    yield h
    h.close()


def test_search_lists_gguf_repos_with_their_details_by_downloads_or_recency(fake_hub):
    found = hub.search("smollm2")
    assert [m.id for m in found][:2] == ["HuggingFaceTB/SmolLM2-135M-Instruct-GGUF", "someone/smollm2-gated-GGUF"]
    assert "someone/smollm2-safetensors" not in [m.id for m in found]  # only GGUF repos
    smol = found[0]
    assert (smol.author, smol.downloads, smol.likes, smol.licence) == ("HuggingFaceTB", 900, 3, "apache-2.0")
    assert smol.last_modified.startswith("2025-01-01") and not smol.is_gated and found[1].is_gated
    recent = hub.search("", sort="recent", limit=1)
    assert [m.id for m in recent] == ["google/gemma-3-270m-GGUF"]
    assert any("filter=gguf" in r and "sort=lastModified" in r for r in fake_hub.requests)


def test_files_show_size_fit_speed_and_the_header_read_by_range(fake_hub, smollm2_path):
    rf = hub.repo_files("HuggingFaceTB/SmolLM2-135M-Instruct-GGUF", n_ctx=2048)
    local = gguf_info.read_model_facts(smollm2_path)
    [q] = rf.quantisations
    assert (q.name, q.size_bytes) == ("Q4_1", smollm2_path.stat().st_size)
    assert q.fit.verdict == "fits" and q.tokens_per_s and q.tokens_per_s > 0
    h = rf.header
    assert h.chat_template == local.chat_template and h.context_length == local.context_length == 8192
    assert h.bytes_read < q.size_bytes // 10  # the header only, not the model
    assert all(r and r.startswith("bytes=") for r in fake_hub.ranges)


def test_gemma_header_has_no_chat_template_and_its_own_context(fake_hub, gemma_path):
    rf = hub.repo_files("google/gemma-3-270m-GGUF")
    local = gguf_info.read_model_facts(gemma_path)
    assert rf.header.chat_template is None and rf.header.facts.architecture == "gemma3"
    assert rf.header.context_length == local.context_length and rf.model.licence == "gemma"
    assert rf.header.bytes_read > hub.FIRST_RANGE  # its 262k-token vocabulary needed more than the first range


@pytest.mark.slow
def test_download_is_verified_registered_and_answers_through_hearth_ask(fake_hub, paths, capsys, smollm2_path):
    code = cli.main(["models", "get", "HuggingFaceTB/SmolLM2-135M-Instruct-GGUF", "Q4_1"])
    out, err = capsys.readouterr()
    dest = paths.models / "SmolLM2-135M-Instruct.Q4_1.gguf"
    assert code == 0, err
    assert f"Installed {dest}" in out and dest.read_bytes() == smollm2_path.read_bytes()
    assert any(m.path == dest and m.source == "downloaded" for m in ModelRegistry(paths).list())
    code = cli.main(["ask", "What is the capital of France?", "--model", str(dest), "--json",
                     "--system", "You are a helpful assistant named Hearth.", "--max-tokens", "24"])
    data = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert code == 0 and data["model"] == str(dest) and "Paris" in data["answer"]


def test_a_wrong_checksum_is_refused_and_nothing_is_installed(fake_hub, paths):
    model, files = hub.model_files("someone/smollm2-broken-GGUF")
    q = hub.group_files(files)[0]
    with pytest.raises(download.DownloadError, match="checksum does not match"):
        hub.download_quantisation(model, q, paths=paths)
    assert not list(paths.models.glob("*.gguf"))


def test_a_gated_repo_needs_the_token_from_the_keyring(fake_hub, paths, memory_keyring):
    from assistant.core import secrets

    fake_hub.token = "hf_secret"
    rf = hub.repo_files("someone/smollm2-gated-GGUF")
    assert rf.header is None and "needs a Hugging Face account" in rf.header_problem
    assert "accept the model's licence" in rf.header_problem and "Settings" in rf.header_problem
    with pytest.raises(download.DownloadError, match="needs a Hugging Face account"):
        hub.download_quantisation(rf.model, rf.quantisations[0], paths=paths)
    secrets.set_secret(download.TOKEN_SECRET, "hf_secret")
    rf = hub.repo_files("someone/smollm2-gated-GGUF")
    assert rf.header is not None and rf.header.context_length == 8192
    path = hub.download_quantisation(rf.model, rf.quantisations[0], paths=paths)
    assert path.exists() and "Bearer hf_secret" in fake_hub.auth


def test_errors_in_words_unknown_repo_no_gguf_and_offline(fake_hub, paths, capsys):
    code = cli.main(["models", "files", "nobody/nothing"])
    err = capsys.readouterr().err
    assert code == 1 and "nobody/nothing was not found" in err and "Traceback" not in err
    code = cli.main(["models", "files", "someone/smollm2-notgguf-GGUF"])
    err = capsys.readouterr().err
    assert code == 1 and "has no GGUF model files" in err
    fake_hub.close()
    code = cli.main(["models", "search", "smollm2"])
    err = capsys.readouterr().err
    assert code == 1 and "cannot reach 127.0.0.1" in err and "internet connection" in err


def test_the_real_hub_is_never_contacted_unless_asked_and_then_only_its_host(monkeypatch, offline):
    from assistant.core import netguard

    monkeypatch.delenv(hub.ENDPOINT_ENV, raising=False)
    monkeypatch.delenv("HF_ENDPOINT", raising=False)
    with pytest.raises(hub.HubError, match="blocked"):
        hub.search("qwen")  # the test suite's strict guard refuses even the hub
    assert offline.attempts and all("huggingface.co" in a for a in offline.attempts)
    seen = []

    def fake_get(url, what, token=None):
        seen.append((url.split("?")[0], netguard._host_allowed("huggingface.co"),
                     netguard._host_allowed("cdn-lfs.hf.co"), netguard._host_allowed("example.com")))
        return []

    monkeypatch.setattr(hub, "_get_json", fake_get)
    hub.search("qwen")
    assert seen == [("https://huggingface.co/api/models", True, False, False)]  # the API host, nothing else
    assert not netguard._host_allowed("huggingface.co")  # closed again after the search


@pytest.fixture(scope="module")
def split_smollm2(smollm2_path, tmp_path_factory):
    """SmolLM2 rewritten as a real two-part split GGUF (the way llama.cpp's gguf-split writes it)."""
    import math

    import gguf

    out = tmp_path_factory.mktemp("split") / "m-Q4_1.gguf"
    r = gguf.GGUFReader(smollm2_path)
    w = gguf.GGUFWriter(out, r.fields["general.architecture"].contents(),
                        split_max_tensors=math.ceil(len(r.tensors) / 2))
    for f in r.fields.values():
        if f.name == gguf.Keys.General.ARCHITECTURE or f.name.startswith("GGUF."):
            continue
        vt = f.types[0]
        w.add_key_value(f.name, f.contents(), vt, sub_type=f.types[-1] if vt == gguf.GGUFValueType.ARRAY else None)
    for t in r.tensors:
        w.add_tensor(t.name, t.data, raw_dtype=t.tensor_type)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    parts = sorted(out.parent.glob("m-Q4_1-0000*-of-00002.gguf"))
    assert len(parts) == 2
    return parts


@pytest.mark.slow
def test_a_split_model_is_downloaded_part_by_part_registered_as_one_and_answers(fake_hub, paths, split_smollm2,
                                                                                capsys):
    fake_hub.add("someone/split-GGUF", {p.name: p for p in split_smollm2})
    fake_hub.add("someone/split-missing-GGUF", {split_smollm2[0].name: split_smollm2[0]})
    rf = hub.repo_files("someone/split-GGUF")
    [q] = rf.quantisations
    total = sum(p.stat().st_size for p in split_smollm2)
    assert (q.label, len(q.files), q.size_bytes) == ("m-Q4_1.gguf", 2, total)
    assert rf.header is not None and rf.header.context_length == 8192  # read from the first part
    seen = []
    path = hub.download_quantisation(rf.model, q, paths=paths, progress=lambda d, t: seen.append((d, t)))
    assert path == paths.models / "m-Q4_1" / "m-Q4_1-00001-of-00002.gguf"
    assert (path.parent / "m-Q4_1-00002-of-00002.gguf").read_bytes() == split_smollm2[1].read_bytes()
    assert seen[-1] == (total, total) and all(t == total for _d, t in seen)  # one bar for both parts
    assert [m.path for m in ModelRegistry(paths).list() if m.source != "embedded"] == [path]
    code = cli.main(["ask", "What is the capital of France?", "--model", str(path), "--json",
                     "--system", "You are a helpful assistant named Hearth.", "--max-tokens", "24"])
    data = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert code == 0 and "Paris" in data["answer"]
    code = cli.main(["models", "get", "someone/split-missing-GGUF", "Q4_1"])
    err = capsys.readouterr().err
    assert code == 1 and "part(s) 2 are missing" in err


def test_cli_json_search_and_files(fake_hub, capsys, smollm2_path):
    code = cli.main(["models", "search", "smollm2", "--sort", "downloads", "--limit", "5", "--json"])
    data = json.loads(capsys.readouterr().out)
    assert code == 0 and data["models"][0]["id"] == "HuggingFaceTB/SmolLM2-135M-Instruct-GGUF"
    assert data["hub"] == fake_hub.endpoint  # which hub was searched
    assert data["models"][0]["downloads"] == 900 and data["models"][1]["gated"] == "manual"
    code = cli.main(["models", "files", "HuggingFaceTB/SmolLM2-135M-Instruct-GGUF", "--json"])
    data = json.loads(capsys.readouterr().out)
    local = gguf_info.read_model_facts(smollm2_path)
    [q] = data["quantisations"]
    assert code == 0 and q["name"] == "Q4_1" and q["size_bytes"] == smollm2_path.stat().st_size
    assert q["fit"]["verdict"] == "fits" and q["tokens_per_s"] > 0 and q["files"][0]["sha256"]
    assert data["header"]["chat_template"] == local.chat_template and data["header"]["context_length"] == 8192
    code = cli.main(["models", "files", "HuggingFaceTB/SmolLM2-135M-Instruct-GGUF"])
    out = capsys.readouterr().out
    assert code == 0 and "Q4_1" in out and "tokens/s" in out and "Fits" in out and "context 8,192" in out


def test_a_cut_connection_is_resumed_from_where_it_stopped(fake_hub, paths, smollm2_path):
    model, files = hub.model_files("HuggingFaceTB/SmolLM2-135M-Instruct-GGUF")
    q = hub.find_quantisation(hub.group_files(files), "Q4_1")
    fake_hub.drop_after = 10_000_000
    path = hub.download_quantisation(model, q, paths=paths)
    assert "bytes=10000000-" in fake_hub.ranges  # only the rest was fetched again
    assert path.read_bytes() == smollm2_path.read_bytes()


def test_the_hub_endpoint_setting_points_search_and_download_at_a_mirror_and_only_it(fake_hub, paths, monkeypatch,
                                                                                      smollm2_path):
    """A user sets hub_endpoint (no environment variable): search, header and download go there, and the
    network guard, with this computer's other ports closed too, lets through exactly that host."""
    import socket

    from assistant.core import netguard, settings

    monkeypatch.delenv(hub.ENDPOINT_ENV, raising=False)
    monkeypatch.delenv("HF_ENDPOINT", raising=False)
    s = settings.load(paths.settings_file)
    s.hub_endpoint = fake_hub.endpoint
    settings.save(s, paths.settings_file)
    with socket.socket() as other:  # another server on this computer, which must stay unreachable
        other.bind(("127.0.0.1", 0))
        other.listen()
        other_address = other.getsockname()
        with netguard.guard(block=True, allow_loopback=False) as log:
            assert [m.id for m in hub.search("smollm2")][0] == "HuggingFaceTB/SmolLM2-135M-Instruct-GGUF"
            rf = hub.repo_files("HuggingFaceTB/SmolLM2-135M-Instruct-GGUF")
            assert rf.header is not None and rf.header.context_length == 8192
            path = hub.download_quantisation(rf.model, rf.quantisations[0], paths=paths)
            with pytest.raises(netguard.NetworkBlocked):
                socket.create_connection(other.getsockname(), timeout=2)
            with pytest.raises(netguard.NetworkBlocked):  # the hub's host is open only while a call runs
                socket.create_connection(("127.0.0.1", fake_hub.httpd.server_port), timeout=2)
    assert path.read_bytes() == smollm2_path.read_bytes()
    assert log.attempts == [repr(other_address), repr(("127.0.0.1", fake_hub.httpd.server_port))]


@pytest.mark.slow
def test_a_split_models_facts_and_fit_count_all_its_parts_before_and_after_download(fake_hub, paths, split_smollm2,
                                                                                    smollm2_path, tmp_path):
    """The memory a split model needs is that of all its parts: the same estimate on the hub and on disk."""
    from assistant.core.models import fit
    from assistant.core.models.gpu import BackendInfo

    total = sum(p.stat().st_size for p in split_smollm2)
    facts = gguf_info.read_model_facts(split_smollm2[0])
    whole = gguf_info.read_model_facts(smollm2_path)
    assert facts.size_bytes == total > split_smollm2[0].stat().st_size * 1.5  # not the first part's size
    assert facts.parameters == whole.parameters and facts.n_layers == whole.n_layers
    cpu, mem = BackendInfo("CPU", gpu_offload=False), (16_000, 8_000)
    local = fit.estimate(facts, 2048, "auto", memory_mb=mem, backend=cpu)
    assert local.ram_needed_mb >= total / 2**20  # every part's weights are in memory
    fake_hub.add("someone/split-GGUF", {p.name: p for p in split_smollm2})
    [q] = hub.repo_files("someone/split-GGUF", n_ctx=2048, memory_mb=mem, backend=cpu).quantisations
    assert q.fit.ram_needed_mb == local.ram_needed_mb  # what the hub's list promised is what it needs
    lone = tmp_path / "lone"  # the first part without the second
    lone.mkdir()
    (lone / split_smollm2[0].name).write_bytes(split_smollm2[0].read_bytes())
    with pytest.raises(gguf_info.ModelError, match=r"split into 2 parts but m-Q4_1-00002-of-00002.gguf is missing"):
        gguf_info.read_model_facts(lone / split_smollm2[0].name)
    with pytest.raises(gguf_info.ModelError, match=r"part 2 of 2 of a split model; load its first part "
                                                   r"\(m-Q4_1-00001-of-00002.gguf\)"):
        gguf_info.read_model_facts(split_smollm2[1])
