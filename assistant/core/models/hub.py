"""Find GGUF models on the Hugging Face hub: search, quantisations with fit and speed, header, download.

Nothing here runs unless the user searches or downloads; while a call runs, the network guard
opens exactly the hub's host (:func:`assistant.core.netguard.allow_hosts`). The hub's address is
the ``hub_endpoint`` setting (default :data:`DEFAULT_ENDPOINT`), overridden by ``HEARTH_HUB_ENDPOINT``
or ``HF_ENDPOINT`` (a mirror, the tests' fake hub on loopback) or the ``endpoint=`` every function
takes (:func:`resolve_endpoint`).

Why the hub's REST API through urllib and not ``huggingface_hub.HfApi``: Hearth sets
``HF_HUB_OFFLINE=1`` for the whole process (the embedder must never reach the hub), and HfApi's
shared HTTP client refuses every request in that mode; lifting it process-wide during a search
would let the embedder's libraries out too. The endpoints used are the ones HfApi calls:
``/api/models`` (``list_models``), ``/api/models/{repo}?blobs=true`` (``model_info(files_metadata=True)``:
sizes and LFS sha256) and ``/{repo}/resolve/{revision}/{file}`` (with a ``Range`` for the header).

A download goes through :mod:`assistant.core.models.download` (resume, If-Range, sha256 against
the hub's LFS checksum, one download per file, progress and cancel); the model is then in the
models folder, so the registry lists it.
"""
from __future__ import annotations

import dataclasses
import json
import logging
import os
import re
import shutil
import threading
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.core import netguard
from assistant.core import paths as hearth_paths
from assistant.core.errors import HearthError, ModelError
from assistant.core.models.facts import ModelFacts
from assistant.core.models import download as dl
from assistant.core.models import fit as fit_mod

log = logging.getLogger("assistant.models")

DEFAULT_ENDPOINT = "https://huggingface.co"
ENDPOINT_ENV = "HEARTH_HUB_ENDPOINT"
SORTS = {"downloads": "downloads", "recent": "lastModified"}
FIRST_RANGE = 1 << 20  # most GGUF headers fit in 1-8 MB (the vocabulary is the bulk)
MAX_HEADER = 64 << 20  # a header larger than this is refused as damaged
DISK_MARGIN = 256 << 20  # left free after a download

# Expected generation speed on this machine class, measured once: greedy generation of 128 tokens
# after a short prompt, llama-cpp-python in-process, CPU only, Hearth's default thread count (1
# on this 2-core machine), best of 3 runs, with the two embedded models. The machine was shared
# (load average about 9 on 2 cores), so these are what a busy computer of this class gives.
# Generating a token reads all the weights once, so speed falls in proportion to their size:
# tokens/s = K / GB, with K (tokens/s x GB) the mean of the measured points.
MEASURED_SPEED: dict[str, Any] = {
    "machine": "2 CPU cores (1 thread), no GPU offload, busy",
    # (model, weights in GB (1e9 bytes), tokens/s)
    "points": [("SmolLM2-135M-Instruct Q4_1", 0.098, 28.8), ("Gemma 3 270M Q4_K_M", 0.253, 7.8)],
}


class HubError(HearthError, RuntimeError):
    """The hub could not be searched or a model not fetched; the message says why and what to do."""


# -- where the hub is ---------------------------------------------------------------------------
def resolve_endpoint(endpoint: str | None = None, paths: hearth_paths.Paths | None = None) -> str:
    """The hub's base address.

    The first that is set: ``endpoint``, the environment's ``HEARTH_HUB_ENDPOINT``, then
    ``HF_ENDPOINT`` (the variable every Hugging Face tool reads), the ``hub_endpoint`` setting
    (a mirror or a company proxy; default :data:`DEFAULT_ENDPOINT`).

    Args:
        endpoint: an address given by the caller.
        paths: whose settings file to read (default: resolved from the environment).

    Raises:
        HubError: the address is not an http(s) address with a host; the message says where it was set.
    """
    where = "the address given"
    url = endpoint
    for var in (ENDPOINT_ENV, "HF_ENDPOINT"):
        if not url and os.environ.get(var):
            url, where = os.environ[var], f"the environment variable {var}"
    if not url:
        from assistant.core import settings as settings_mod

        file = (paths or hearth_paths.resolve()).settings_file
        url, where = settings_mod.load(file).hub_endpoint or DEFAULT_ENDPOINT, f"the hub_endpoint setting in {file}"
    u = urllib.parse.urlsplit(url.strip())
    if u.scheme not in ("http", "https") or not u.hostname:
        raise HubError(f"{url!r} ({where}) is not a hub address; Hearth needs one like {DEFAULT_ENDPOINT}.",
                       fix="Correct it, or remove it to use the official hub.")
    return url.strip().rstrip("/")


def hub_hosts(endpoint: str, files: bool = False) -> tuple[str, ...]:
    """The hosts a call on ``endpoint`` may reach: the hub's API host; with ``files``, its file storage too."""
    host = (urllib.parse.urlsplit(endpoint).hostname or "").lower()
    if files and (host == "huggingface.co" or host.endswith(".huggingface.co")):
        return netguard.HUB_HOSTS  # files are served from its CDNs (*.hf.co)
    return (host,)


# -- what the hub says ----------------------------------------------------------------------------
@dataclass
class HubModel:
    """A model repository found on the hub.

    Attributes:
        id: "owner/name".
        author / downloads / likes / licence: as the hub reports them ("" / 0 when absent).
        last_modified: ISO date of the last change.
        gated: False, or "auto"/"manual": the files need an account that accepted the licence.
        sha: the revision the files were listed at (downloads are pinned to it).
    """

    id: str
    author: str = ""
    downloads: int = 0
    likes: int = 0
    licence: str = ""
    last_modified: str = ""
    gated: bool | str = False
    sha: str = ""
    tags: list[str] = field(default_factory=list)

    @property
    def is_gated(self) -> bool:
        return bool(self.gated)


@dataclass
class HubFile:
    """One file of a repository (one part of a split model)."""

    path: str
    size_bytes: int | None
    sha256: str | None


@dataclass
class Quantisation:
    """One downloadable model file of a repository: a quantisation, its parts joined.

    Attributes:
        name: the quantisation in the usual words (Q4_K_M, Q8_0, IQ4_XS, F16...), "?" if unknown.
        label: the file name without the split suffix ("model-Q4_K_M.gguf").
        files: the parts in order (one for an ordinary file).
        parts_expected: how many parts the file names announce (1 if not split).
        size_bytes: all parts together.
        fit: the memory estimate for this machine at the user's context length.
        tokens_per_s: expected generation speed here, from :data:`MEASURED_SPEED`.
    """

    name: str
    label: str
    files: list[HubFile]
    parts_expected: int = 1
    fit: fit_mod.FitEstimate | None = None
    tokens_per_s: float | None = None

    @property
    def size_bytes(self) -> int:
        return sum(f.size_bytes or 0 for f in self.files)

    @property
    def missing_parts(self) -> list[int]:
        have = {_split_index(f.path) for f in self.files}
        return [i for i in range(1, self.parts_expected + 1) if i not in have] if self.parts_expected > 1 else []

    @property
    def first(self) -> HubFile:
        return self.files[0]


@dataclass
class RemoteHeader:
    """What a model file's GGUF header says, read by range request before downloading it."""

    repo: str
    path: str
    chat_template: str | None
    context_length: int
    facts: ModelFacts
    bytes_read: int


@dataclass
class RepoFiles:
    """A repository's GGUF files grouped by quantisation, smallest first, and its header."""

    model: HubModel
    quantisations: list[Quantisation]
    header: RemoteHeader | None = None
    header_problem: str | None = None


# -- names ------------------------------------------------------------------------------------------
_SPLIT = re.compile(r"-(\d{5})-of-(\d{5})\.gguf$", re.I)
_QUANT = re.compile(r"(?<![A-Za-z0-9])((?:UD-)?(?:I?Q[1-8](?:_[0-9A-Z]+)*|TQ[12]_0|BF16|F16|F32|FP16|FP32|"
                    r"MXFP4(?:_MOE)?))(?![A-Za-z0-9])", re.I)


def _split_index(path: str) -> int:
    m = _SPLIT.search(path)
    return int(m.group(1)) if m else 1


def quantisation_of(filename: str) -> str:
    """The quantisation a GGUF file name announces: ``Llama-3.2-1B-Q4_K_M.gguf`` -> ``Q4_K_M``; "?" if none."""
    stem = _SPLIT.sub("", Path(filename).name)
    stem = re.sub(r"\.gguf$", "", stem, flags=re.I)
    hits = _QUANT.findall(stem)
    if not hits:  # some repos name the folder, not the file ("Q4_K_M/model-00001-of-00002.gguf")
        hits = _QUANT.findall(str(Path(filename).parent))
    return hits[-1].upper().replace("FP16", "F16").replace("FP32", "F32") if hits else "?"


def _is_model_file(path: str) -> bool:
    name = Path(path).name.lower()
    # vision projectors and imatrix data ship beside the model but are not chat models
    return name.endswith(".gguf") and not name.startswith("mmproj") and "imatrix" not in name


def group_files(files: list[HubFile]) -> list[Quantisation]:
    """Group a repository's files into quantisations: GGUF model files only, split parts joined.

    ``model-Q4_K_M-00001-of-00002.gguf`` and ``...-00002-of-00002.gguf`` become one entry of
    two parts; a part missing from the listing shows in ``missing_parts``. Smallest first.
    """
    groups: dict[str, Quantisation] = {}
    for f in files:
        if not _is_model_file(f.path):
            continue
        m = _SPLIT.search(f.path)
        key = _SPLIT.sub(".gguf", f.path) if m else f.path
        q = groups.get(key)
        if q is None:
            q = groups[key] = Quantisation(quantisation_of(f.path), Path(key).name, [],
                                           int(m.group(2)) if m else 1)
        q.files.append(f)
    for q in groups.values():
        q.files.sort(key=lambda f: _split_index(f.path))
    return sorted(groups.values(), key=lambda q: (q.size_bytes, q.label))


# -- speed ------------------------------------------------------------------------------------------
def expected_tokens_per_s(size_bytes: int, table: dict[str, Any] | None = None) -> float | None:
    """Generation speed to expect on this machine class for weights of ``size_bytes`` (see MEASURED_SPEED).

    Never above the fastest measured speed: below ~100 MB other costs than reading weights dominate.
    """
    pts = (table or MEASURED_SPEED)["points"]
    if not size_bytes or not pts:
        return None
    k = sum(gb * tps for _name, gb, tps in pts) / len(pts)
    return round(min(k / (size_bytes / 1e9), max(tps for _n, _g, tps in pts)), 1)


# -- HTTP -----------------------------------------------------------------------------------------------
def _token() -> str | None:
    return dl._token()


def _open(url: str, *, token: str | None = None, headers: dict[str, str] | None = None,
          timeout: float = 20.0) -> Any:
    dl._check_scheme(url)
    req = urllib.request.Request(url, headers={"User-Agent": "Hearth/0.1", "Accept-Encoding": "identity",
                                               **(headers or {})})
    if token:
        req.add_unredirected_header("Authorization", f"Bearer {token}")  # never to the file storage
    redirects = dl._SafeRedirects()
    return urllib.request.build_opener(redirects).open(req, timeout=timeout)


def _fail(e: BaseException, url: str, what: str, token: str | None) -> HubError:
    host = urllib.parse.urlsplit(url).hostname or url
    if isinstance(e, urllib.error.HTTPError):
        if e.code in (401, 403):
            return HubError(dl._gated_message(url, token))
        if e.code == 404:
            return HubError(f"{what} was not found on {host} (HTTP 404).",
                            fix="Check the name (owner/model) or search again.")
        return HubError(f"{host} answered HTTP {e.code} for {what}; try again later.")
    reason = e.reason if isinstance(e, urllib.error.URLError) else e
    if isinstance(reason, (netguard.NetworkBlocked, dl.DownloadError)):
        return HubError(f"{what}: {reason}")
    return HubError(f"cannot reach {host} ({reason}) for {what}.",
                    fix="Check the internet connection and try again.")


def _get_json(url: str, what: str, token: str | None = None) -> Any:
    try:
        with _open(url, token=token) as resp:
            return json.loads(resp.read().decode("utf-8"))
    except (urllib.error.URLError, OSError) as e:
        raise _fail(e, url, what, token) from None
    except ValueError:
        raise HubError(f"{urllib.parse.urlsplit(url).hostname} sent an answer that is not JSON for {what}.") \
            from None


def _licence(item: dict[str, Any]) -> str:
    card = item.get("cardData") if isinstance(item.get("cardData"), dict) else {}
    lic = card.get("license") or card.get("license_name") or ""
    if not lic:
        lic = next((t.split(":", 1)[1] for t in item.get("tags") or [] if str(t).startswith("license:")), "")
    return ", ".join(lic) if isinstance(lic, list) else str(lic)


def _model(item: dict[str, Any]) -> HubModel:
    repo = str(item.get("id") or item.get("modelId") or "")
    return HubModel(id=repo, author=str(item.get("author") or repo.split("/")[0]),
                    downloads=int(item.get("downloads") or 0), likes=int(item.get("likes") or 0),
                    licence=_licence(item), last_modified=str(item.get("lastModified") or ""),
                    gated=item.get("gated") or False, sha=str(item.get("sha") or ""),
                    tags=[str(t) for t in item.get("tags") or []])


# -- search, files, header ------------------------------------------------------------------------------
def search(query: str, *, sort: str = "downloads", limit: int = 20, endpoint: str | None = None) -> list[HubModel]:
    """GGUF model repositories matching ``query``, most downloaded (or most recently updated) first.

    Args:
        query: words to search for in repository names.
        sort: "downloads" or "recent".
        limit: at most this many results.
        endpoint: the hub's address (default :func:`resolve_endpoint`).

    Raises:
        HubError: offline, blocked by offline mode, or the hub refused; in words.
    """
    if sort not in SORTS:
        raise HubError(f"cannot sort by {sort!r}; choose one of: {', '.join(SORTS)}")
    base = resolve_endpoint(endpoint)
    params = [("search", query.strip()), ("filter", "gguf"), ("sort", SORTS[sort]), ("direction", "-1"),
              ("limit", str(max(1, min(int(limit), 100))))]
    params += [("expand", k) for k in ("author", "downloads", "likes", "lastModified", "gated", "cardData",
                                         "tags", "sha")]
    url = f"{base}/api/models?{urllib.parse.urlencode(params)}"
    with netguard.allow_hosts(hub_hosts(base)):
        data = _get_json(url, f"the search for {query!r}")
    if not isinstance(data, list):
        raise HubError(f"{base} answered the search with something that is not a list of models.")
    return [_model(item) for item in data if isinstance(item, dict)]


def model_files(repo: str, *, endpoint: str | None = None) -> tuple[HubModel, list[HubFile]]:
    """A repository's details and files with sizes and LFS sha256.

    Raises:
        HubError: unknown repository, offline, refused.
    """
    if not re.fullmatch(r"[\w.-]+/[\w.-]+", repo):
        raise HubError(f"{repo!r} is not a model repository name; it looks like owner/model.")
    base = resolve_endpoint(endpoint)
    with netguard.allow_hosts(hub_hosts(base)):
        data = _get_json(f"{base}/api/models/{repo}?blobs=true", f"the model {repo}")
    if not isinstance(data, dict):
        raise HubError(f"{base} answered with something that is not a model for {repo}.")
    files = []
    for s in data.get("siblings") or []:
        if not isinstance(s, dict) or not s.get("rfilename"):
            continue
        lfs = s.get("lfs") if isinstance(s.get("lfs"), dict) else {}
        size = lfs.get("size", s.get("size"))
        files.append(HubFile(str(s["rfilename"]), int(size) if isinstance(size, int) else None,
                             lfs.get("sha256") if isinstance(lfs.get("sha256"), str) else None))
    return _model(data), files


def file_url(repo: str, path: str, revision: str = "main", endpoint: str | None = None) -> str:
    """The download address of a file of a repository at ``revision``."""
    return (f"{resolve_endpoint(endpoint)}/{repo}/resolve/{urllib.parse.quote(revision or 'main', safe='')}/"
            f"{urllib.parse.quote(path)}")


def read_header(repo: str, path: str, *, revision: str = "main", size_bytes: int | None = None,
                gated: bool = False, endpoint: str | None = None) -> RemoteHeader:
    """Read a model file's GGUF header with HTTP range requests, without downloading the model.

    Fetches the first MB, and more (doubling) while the header runs past what was fetched.

    Raises:
        HubError: not a GGUF file, a damaged header, gated without a token, offline.
    """
    base = resolve_endpoint(endpoint)
    url = file_url(repo, path, revision, base)
    token = _token() if gated else None
    from assistant.core.models import gguf_info

    want = FIRST_RANGE
    data = b""
    total = size_bytes
    with netguard.allow_hosts(hub_hosts(base, files=True)):
        while True:
            if len(data) < want:
                data, total = _fetch_more(url, data, want, total, token, f"{repo}/{path}")
                if total is None and len(data) < want:  # fewer bytes than asked for: that was the whole file
                    total = len(data)
            try:
                facts = _parse_prefix(data, total, f"{repo}/{path}")
                break
            except gguf_info.HeaderIncomplete as e:
                if total is not None and len(data) >= total:
                    raise HubError(f"{repo}/{path}: the file ends inside its GGUF header; it is damaged.") \
                        from None
                if want >= MAX_HEADER or e.needed > MAX_HEADER:
                    raise HubError(f"{repo}/{path}: the GGUF header is larger than {MAX_HEADER >> 20} MB; "
                                   "Hearth treats it as damaged.") from None
                want = min(max(want * 2, e.needed), MAX_HEADER)
            except ModelError as e:
                raise HubError(str(e)) from None
    log.info("read the header of %s/%s with %d bytes", repo, path, len(data))
    return RemoteHeader(repo, path, facts.chat_template, facts.context_length, facts, len(data))


def _fetch_more(url: str, have: bytes, want: int, total: int | None, token: str | None,
                what: str) -> tuple[bytes, int | None]:
    end = want - 1 if total is None else min(want, total) - 1
    try:
        with _open(url, token=token, headers={"Range": f"bytes={len(have)}-{end}"}) as resp:
            if resp.status == 206:
                m = re.match(r"bytes (\d+)-(\d+)/(\d+|\*)", resp.headers.get("Content-Range", ""))
                if not m or int(m.group(1)) != len(have):
                    raise HubError(f"{what}: the server answered the range request at the wrong place.")
                if m.group(3) != "*":
                    total = int(m.group(3))
                return have + resp.read(end - len(have) + 1), total
            # the whole file is coming (no range support): keep only what is wanted
            length = resp.headers.get("Content-Length")
            return resp.read(want), int(length) if length and length.isdigit() else total
    except (urllib.error.URLError, OSError) as e:
        raise _fail(e, url, what, token) from None


def _parse_prefix(data: bytes, total: int | None, name: str) -> ModelFacts:
    """The model's facts from the first bytes of its file (raises gguf_info.HeaderIncomplete: fetch more)."""
    from assistant.core.models import gguf_info

    header = gguf_info.parse_header(data, file_size=total, name=name, special_tokens=True)
    return gguf_info.facts_from_header(header, path=name)


def repo_files(repo: str, *, n_ctx: int | None = None, gpu_layers: int | str = "auto", read_header_too: bool = True,
               endpoint: str | None = None, backend: Any = None,
               memory_mb: tuple[int, int] | None = None) -> RepoFiles:
    """A repository's quantisations, each with size, fit at ``n_ctx`` and expected speed.

    The header of the smallest complete file is read by range request (its chat template and
    context length, and the layer sizes that make the fit estimate count the KV cache); when it
    cannot be read, the estimates are by size and ``header_problem`` says why.

    Raises:
        HubError: unknown repository, no GGUF files in it, offline.
    """
    model, files = model_files(repo, endpoint=endpoint)
    quants = group_files(files)
    if not quants:
        raise HubError(f"{repo} has no GGUF model files, so Hearth cannot run it.",
                       fix=f"Search for a GGUF version, e.g. `{repo.split('/')[-1]} GGUF`.")
    out = RepoFiles(model, quants)
    if read_header_too:
        first = next((q for q in quants if not q.missing_parts), None)
        if first is not None:
            try:
                out.header = read_header(repo, first.first.path, revision=model.sha or "main",
                                         size_bytes=first.first.size_bytes, gated=model.is_gated, endpoint=endpoint)
            except HubError as e:
                out.header_problem = str(e)
    for q in quants:
        q.fit = fit_mod.estimate_remote(q.size_bytes, out.header.facts if out.header else None, n_ctx,
                                        gpu_layers, memory_mb=memory_mb, backend=backend)
        q.tokens_per_s = expected_tokens_per_s(q.size_bytes)
    return out


def find_quantisation(quants: list[Quantisation], wanted: str) -> Quantisation:
    """The entry named by a file name (any part), a label, or a quantisation name (Q4_K_M).

    Raises:
        HubError: none matches, or a quantisation name matches several files.
    """
    w = wanted.strip().lower()
    for q in quants:
        if w == q.label.lower() or any(w in (f.path.lower(), Path(f.path).name.lower()) for f in q.files):
            return q
    hits = [q for q in quants if q.name.lower() == w]
    if len(hits) == 1:
        return hits[0]
    names = ", ".join(f"{q.label} ({q.name})" for q in quants)
    why = "several files have" if hits else "no file has"
    raise HubError(f"{why} the name or quantisation {wanted!r}; choose one of: {names}")


# -- download -----------------------------------------------------------------------------------------
def download_quantisation(model: HubModel, quant: Quantisation, *, progress: dl.Progress | None = None,
                          cancel: threading.Event | None = None, paths: hearth_paths.Paths | None = None,
                          endpoint: str | None = None) -> Path:
    """Download every part of ``quant`` through the verified download path; return the file to load.

    Parts are checked against the hub's LFS sha256 each; a split model lands in a folder of its
    own in the models folder (its first part is registered as the model), an ordinary one in
    the models folder itself, where the registry lists it.

    Raises:
        HubError: a part is missing from the repository, or not enough free disk space.
        DownloadError / DownloadCancelled / DownloadBusy: from the download itself.
    """
    p = (paths or hearth_paths.resolve()).ensure()
    if quant.missing_parts:
        raise HubError(f"{model.id}/{quant.label} is split into {quant.parts_expected} parts but part(s) "
                       f"{', '.join(map(str, quant.missing_parts))} are missing from the repository; "
                       "it cannot be loaded.", fix="Choose another quantisation.")
    _check_disk(p.models, quant)
    base = resolve_endpoint(endpoint, p)
    folder = None if len(quant.files) == 1 else re.sub(r"\.gguf$", "", quant.label, flags=re.I)
    done_before = 0
    total = quant.size_bytes or None
    installed: list[Path] = []
    for i, f in enumerate(quant.files):
        def part_progress(done: int, _t: int | None, base: int = done_before) -> None:
            if progress:
                progress(base + done, total)

        name = Path(f.path).name
        dest = (p.models / folder / name) if folder else (p.models / name)
        if not dest.exists():
            res = dl.download(file_url(model.id, f.path, model.sha or "main", base), name, sha256=f.sha256,
                              size_bytes=f.size_bytes, gated=model.is_gated, progress=part_progress, cancel=cancel,
                              paths=p, validate_gguf=(i == 0), subfolder=folder)
            dest = res.path
        installed.append(dest)
        done_before += f.size_bytes or dest.stat().st_size
    if folder:  # the registry lists the models folder's own files; a split model is added by reference
        from assistant.core.models.registry import ModelRegistry

        ModelRegistry(p).add_from_disk(installed[0])
    log.info("downloaded %s/%s (%s) to %s", model.id, quant.label, quant.name, installed[0])
    return installed[0]


def _check_disk(folder: Path, quant: Quantisation) -> None:
    need = quant.size_bytes
    if not need:
        return
    folder.mkdir(parents=True, exist_ok=True)
    free = shutil.disk_usage(folder).free
    if free < need + DISK_MARGIN:
        raise HubError(f"{quant.label} needs {need / 2**30:.1f} GB but only {free / 2**30:.1f} GB are free in "
                       f"{folder}; nothing was downloaded.",
                       fix="Free some disk space or choose a smaller quantisation.")


def as_dict(obj: Any) -> Any:
    """A JSON-ready view of the results (for ``--json``); the chat template is kept whole."""
    if isinstance(obj, Quantisation):
        d = dataclasses.asdict(obj)
        d.update(size_bytes=obj.size_bytes, missing_parts=obj.missing_parts)
        return d
    if isinstance(obj, RepoFiles):
        return {"model": dataclasses.asdict(obj.model), "quantisations": [as_dict(q) for q in obj.quantisations],
                "header": None if obj.header is None else {
                    "path": obj.header.path, "chat_template": obj.header.chat_template,
                    "context_length": obj.header.context_length, "architecture": obj.header.facts.architecture,
                    "bytes_read": obj.header.bytes_read},
                "header_problem": obj.header_problem, "speed_measured_on": MEASURED_SPEED["machine"]}
    return dataclasses.asdict(obj)
