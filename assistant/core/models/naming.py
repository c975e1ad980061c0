"""How a model is named to people: "SmolLM2 135M Instruct · Q4_1 · 94 MB", not its raw GGUF name.

A GGUF's ``general.name`` is often written by a conversion script from the training run
("Smollm2 135M 8k Lc100K Mix1 Ep2"). The catalog's name wins when the file is one of its
downloads; else the name is cleaned up: the spelling of each word taken from the file name when
it is there ("SmolLM2"), training-run tags (context "8k", "Lc100K", "Mix1", "Ep2") dropped, the
parameter count written "135M", and "Instruct" added when the file name says the model is one.
The window and the CLI both use :func:`friendly_name` and :func:`model_label`.
"""
from __future__ import annotations

import functools
import os
import re
from typing import Any

__all__ = ["friendly_name", "model_label", "size_text", "parameters_text"]

# Words conversion scripts leave in general.name that say nothing to a user.
_RUN_TAGS = re.compile(r"^(?:\d+k|lc\d+k?|mix\d+|ep\d+|gguf|hf|v\d+(?:\.\d+)*-?run\d*|run\d+|final|merged|ckpt\d*)$", re.I)
_QUANT = re.compile(r"(?:^|[._-])((?:i?q\d(?:_[a-z0-9]+)*)|f16|f32|bf16)(?=$|[._-])", re.I)
_SIZE = re.compile(r"^(\d+(?:\.\d+)?)([mbk])$", re.I)
_VARIANTS = (("instruct", "Instruct"), ("chat", "Chat"), ("-it", "IT"), ("thinking", "Thinking"))


def parameters_text(n: int | None) -> str:
    """134515008 -> "135M"; 7.24e9 -> "7.2B" ("" when unknown)."""
    if not n:
        return ""
    if n >= 1e9:
        v = n / 1e9
        return f"{v:.1f}B".replace(".0B", "B") if v < 10 else f"{v:.0f}B"
    return f"{n / 1e6:.0f}M"


def size_text(size_bytes: int | None) -> str:
    """The file size: "94 MB", "4.1 GB" ("" when unknown)."""
    if not size_bytes:
        return ""
    mb = size_bytes / 2**20
    return f"{mb / 1024:.1f} GB" if mb >= 1024 else f"{mb:.0f} MB"


@functools.lru_cache(maxsize=1)
def _catalog_names() -> dict[str, str]:
    try:
        from assistant.core.models import catalog

        return {e.filename.lower(): e.name for e in catalog.load()}
    except Exception:  # no catalog (a broken resources folder) only means no catalog names
        return {}


def _stem_words(path: str) -> list[str]:
    stem = os.path.basename(path)
    stem = re.sub(r"\.gguf$", "", stem, flags=re.I)
    stem = _QUANT.sub("", stem)
    return [w for w in re.split(r"[\s._-]+", stem) if w]


def friendly_name(facts: Any) -> str:
    """The model's name as a person would write it (no size or quantisation).

    Args:
        facts: a :class:`~assistant.core.models.facts.ModelFacts` (or anything with ``path``,
            ``name``, ``base_name`` and ``parameters``).
    """
    path = str(getattr(facts, "path", "") or "")
    known = _catalog_names().get(os.path.basename(path).lower())
    if known:
        return known
    raw = str(getattr(facts, "name", "") or getattr(facts, "base_name", "") or "")
    stem = _stem_words(path)
    if not raw.strip():
        raw = " ".join(stem) or "Model"
    spelled = {w.lower(): w for w in stem if not w.islower()}  # a file name in lower case says nothing
    words: list[str] = []
    for w in raw.replace("_", " ").split():
        if _RUN_TAGS.match(w) and words:  # never drop the first word (the model's name)
            continue
        m = _SIZE.match(w)
        if m:
            w = m.group(1) + m.group(2).upper()
        else:
            w = spelled.get(w.lower(), w)
            if w.islower() and not words:
                w = w[:1].upper() + w[1:]
        words.append(w)
    name = " ".join(words)
    low_stem = "-" + "-".join(s.lower() for s in stem)
    params = parameters_text(getattr(facts, "parameters", None))
    if params and not any(_SIZE.match(w) for w in words):
        name += " " + params
    for needle, label in _VARIANTS:
        if (f"-{needle.strip('-')}-" in low_stem + "-") and label.lower() not in name.lower():
            name += " " + label
            break
    return name


def model_label(facts: Any) -> str:
    """"SmolLM2 135M Instruct · Q4_1 · 94 MB": the friendly name, quantisation and file size."""
    parts = [friendly_name(facts)]
    quant = str(getattr(facts, "quantization", "") or "")
    if quant and quant.lower() not in parts[0].lower():
        parts.append(quant)
    size = size_text(getattr(facts, "size_bytes", None))
    if size:
        parts.append(size)
    return " · ".join(parts)
