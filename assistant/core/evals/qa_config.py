"""One configuration of an answer evaluation, written as ``KEY=VALUE`` pairs.

``hearth eval answers --a model=gemma docs=on k=3 --b model=gemma docs=off`` evaluates two
configurations on the same items. Keys:

- ``model``: a GGUF path, a registered model (file name, file stem or the model's own name, see
  ``hearth models list``), or ``smollm2`` / ``gemma`` for the embedded test models.
- ``docs``: ``on`` (answer from the set's documents, as a chat with a collection) or ``off``.
- ``k``: passages retrieved per question; ``retrieval``: ``hybrid``, ``dense`` or ``bm25``.
- ``template``: a prompt template ``NAME`` or ``NAME@VERSION`` from the template library; the
  question fills its ``input`` variable.
- ``system``: the system prompt (default: the one in Settings, as in a new chat).
- ``adapter``: ``PATH`` or ``PATH:SCALE``, a LoRA adapter; repeat the key for several.
- ``temperature``, ``max_tokens``: sampling overrides (default: Settings' sampling).
- ``grounding``: ``off`` (default here: the model's answers as written), ``balanced`` (a chat's
  default) or ``strict``; see :mod:`assistant.core.answers.grounding`.
- ``reflect``: ``on`` or ``off`` (default): self-reflection, a re-answer from the supporting
  passage sentences when a sentence is unsupported; see :mod:`assistant.core.answers.reflection`.
- ``verify``: ``on`` or ``off`` (default): the model checks the sentences found unsupported; see
  :mod:`assistant.core.answers.verify`.
- ``compress``: ``on`` or ``off`` (default: a chat's default): the prompt holds only the passage
  sentences that matter for the question; see :mod:`assistant.core.knowledge.compress`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.core.conversations.settings import ConversationSettings
from assistant.core.errors import HearthError

KEYS = ("model", "docs", "k", "retrieval", "template", "system", "adapter", "temperature", "max_tokens",
        "grounding", "reflect", "compress", "verify")
GROUNDING_MODES = ("off", "balanced", "strict")
RETRIEVAL_MODES = ("hybrid", "dense", "bm25")
_ON, _OFF = ("on", "true", "yes", "1"), ("off", "false", "no", "0")


@dataclass
class AnswerConfig:
    """What one side of an evaluation answers with.

    Attributes:
        label: "a" or "b".
        model: as written (resolved against the registry when the run starts).
        docs: answer from the set's documents.
        template: template name; template_version None = the newest.
        adapters: [{"path", "scale"}], as a conversation's settings hold them.
        sampling: overrides of the Settings' sampling (temperature, max_tokens).
        pairs: the ``KEY=VALUE`` pairs it was made from (shown in reports).
    """

    label: str = "a"
    model: str = ""
    docs: bool = True
    k: int = 4
    retrieval: str = "hybrid"
    template: str | None = None
    template_version: int | None = None
    system: str | None = None
    adapters: list[dict[str, Any]] = field(default_factory=list)
    sampling: dict[str, Any] = field(default_factory=dict)
    pairs: list[str] = field(default_factory=list)
    grounding: str = "off"
    reflect: bool = False
    compress: bool = ConversationSettings.compress
    verify: bool = False

    def describe(self) -> str:
        """The configuration in one line (its pairs, or "defaults")."""
        return " ".join(self.pairs) or "defaults (docs=on)"

    def as_dict(self) -> dict[str, Any]:
        return {"label": self.label, "pairs": list(self.pairs), "model": self.model, "docs": self.docs, "k": self.k,
                "retrieval": self.retrieval, "template": self.template, "template_version": self.template_version,
                "system": self.system, "adapters": self.adapters, "sampling": self.sampling,
                "grounding": self.grounding, "reflect": self.reflect,
                "compress": self.compress, "verify": self.verify}


def _bad(pair: str, label: str, why: str, fix: str | None = None) -> HearthError:
    return HearthError(f"configuration {label.upper()}: {pair!r}: {why}", fix=fix)


def _number(pair: str, label: str, value: str, kind: type, lo: float, hi: float) -> Any:
    try:
        n = kind(value)
    except ValueError:
        raise _bad(pair, label, f"{value!r} is not a{'n integer' if kind is int else ' number'}") from None
    if not lo <= n <= hi:
        raise _bad(pair, label, f"{value} is out of range ({lo:g} to {hi:g})")
    return n


def _adapter(pair: str, label: str, value: str) -> dict[str, Any]:
    path, scale = value, 1.0
    head, sep, tail = value.rpartition(":")
    if sep and head and not tail.startswith(("\\", "/")):
        try:
            scale = float(tail)
            path = head
        except ValueError:
            pass
    p = Path(path).expanduser()
    if not p.is_file():
        raise _bad(pair, label, f"the adapter file {p} does not exist")
    return {"path": str(p.resolve()), "scale": scale}


def parse_config(pairs: list[str] | None, label: str = "a") -> AnswerConfig:
    """A configuration from ``KEY=VALUE`` pairs (see the module docstring for the keys).

    Raises:
        HearthError: a pair is not ``KEY=VALUE``, the key is unknown or the value is invalid.
    """
    cfg = AnswerConfig(label=label, pairs=list(pairs or []))
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        key = key.strip().lower()
        if not sep or not key:
            raise _bad(pair, label, "expected KEY=VALUE", fix=f"keys: {', '.join(KEYS)}")
        if key not in KEYS:
            raise _bad(pair, label, f"unknown key {key!r}", fix=f"known keys: {', '.join(KEYS)}")
        value = value.strip()
        if key == "model":
            cfg.model = value
        elif key == "docs":
            if value.lower() not in _ON + _OFF:
                raise _bad(pair, label, "docs is on or off")
            cfg.docs = value.lower() in _ON
        elif key == "k":
            cfg.k = _number(pair, label, value, int, 1, 50)
        elif key == "retrieval":
            if value not in RETRIEVAL_MODES:
                raise _bad(pair, label, f"retrieval is one of {', '.join(RETRIEVAL_MODES)}")
            cfg.retrieval = value
        elif key == "template":
            name, at, version = value.partition("@")
            if not name:
                raise _bad(pair, label, "template needs a name (NAME or NAME@VERSION)")
            cfg.template = name
            cfg.template_version = _number(pair, label, version, int, 0, 10**9) if at else None
        elif key == "system":
            cfg.system = value
        elif key == "adapter":
            cfg.adapters.append(_adapter(pair, label, value))
        elif key == "temperature":
            cfg.sampling["temperature"] = _number(pair, label, value, float, 0.0, 5.0)
        elif key == "max_tokens":
            cfg.sampling["max_tokens"] = _number(pair, label, value, int, 1, 1_000_000)
        elif key == "grounding":
            if value not in GROUNDING_MODES:
                raise _bad(pair, label, f"grounding is one of {', '.join(GROUNDING_MODES)}")
            cfg.grounding = value
        elif key == "reflect":
            if value.lower() not in _ON + _OFF:
                raise _bad(pair, label, "reflect is on or off")
            cfg.reflect = value.lower() in _ON
        elif key == "compress":
            if value.lower() not in _ON + _OFF:
                raise _bad(pair, label, "compress is on or off")
            cfg.compress = value.lower() in _ON
        elif key == "verify":
            if value.lower() not in _ON + _OFF:
                raise _bad(pair, label, "verify is on or off")
            cfg.verify = value.lower() in _ON
    return cfg


def resolve_model(hearth: Any, value: str) -> str:
    """The GGUF path for a ``model=`` value (empty: the default model, as a new chat uses).

    Raises:
        HearthError: no such file or registered model, or a remote model (not evaluated yet).
    """
    from assistant.core.models import embedded

    if not value:
        return hearth.default_model_path()
    if value.startswith("remote:"):
        raise HearthError(f"model {value!r}: remote models cannot be evaluated by this version of Hearth",
                          fix="evaluate a local GGUF file or a registered model")
    p = Path(value).expanduser()
    if p.is_file():
        return str(p.resolve())
    low = value.lower()
    aliases = {"smollm2": embedded.default_chat_model, "embedded": embedded.default_chat_model,
               "gemma": embedded.gemma_test_model}
    if low in aliases and (found := aliases[low]()) is not None:
        return str(found)
    for m in hearth.models.list():
        names = {m.path.name.lower(), m.path.stem.lower()}
        if m.facts is not None and getattr(m.facts, "name", ""):
            names.add(str(m.facts.name).lower())
        if low in names:
            if m.problem:
                raise HearthError(f"model {value!r} ({m.path}) cannot be used: {m.problem}")
            return str(m.path)
    raise HearthError(f"model {value!r} is neither a GGUF file nor a registered model",
                      fix="`hearth models list` shows the registered models; or give the file's path")
