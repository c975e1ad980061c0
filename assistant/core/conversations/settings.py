"""A conversation's own choices, typed and versioned: :class:`ConversationSettings`.

Stored as JSON in the conversation row. Reading goes through :meth:`ConversationSettings.from_dict`,
which migrates old layouts and drops unknown or mistyped values (a hand-edited or imported chat
never breaks the window); writing goes through :meth:`ConversationSettings.to_dict`.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

SCHEMA_VERSION = 1
GROUNDING_MODES = ("strict", "balanced", "off")  # kept equal to assistant.core.answers.grounding.MODES


@dataclass
class ConversationSettings:
    """What one conversation uses; empty/None fields fall back to Hearth's settings.

    Attributes:
        model: GGUF path (or registered name) for this chat.
        system_prompt: this chat's system prompt ("" = the default from Settings).
        collection: answer from this document collection (its user-facing name).
        k: passages retrieved per question.
        retrieval: "hybrid", "dense" or "bm25".
        sampling: overrides of :class:`SamplingParams` fields (temperature, max_tokens, seed...).
        adapters: [{"path": ..., "scale": ...}] LoRA adapters applied for this chat.
        context_length: 0 = from Settings/the model.
        chat_template: prompt format override (a known name or Jinja text).
        template, template_version: the prompt template last applied to this chat.
        template_pending: the next answer is the one the template asked for (stamped with it).
        grounding: how answers from documents are checked against them: "balanced" (default),
            "strict" (documents only) or "off"; see :mod:`assistant.core.answers.grounding`.
        reflect: when an answer from documents has unsupported sentences, re-answer once from
            the supporting passage sentences and keep the better-supported answer (both stored
            as branches); see :mod:`assistant.core.answers.reflection`.
        verify: a sentence of an answer from documents that no passage supports by words and
            meaning is put to the model ("Is this sentence supported by the passages? yes/no",
            constrained to those words by a grammar); see :mod:`assistant.core.answers.verify`.
        compress: answers from documents read only the passage sentences that matter for the
            question (:mod:`assistant.core.knowledge.compress`): a shorter prompt, a faster first word.
    """

    model: str = ""
    system_prompt: str = ""
    collection: str = ""
    k: int = 4
    retrieval: str = "hybrid"
    sampling: dict[str, Any] = field(default_factory=dict)
    adapters: list[dict[str, Any]] = field(default_factory=list)
    context_length: int = 0
    chat_template: str | None = None
    template: str | None = None
    template_version: int | None = None
    template_pending: bool = False
    grounding: str = "balanced"
    reflect: bool = False
    compress: bool = True  # TTFT 0.28x of full passages, F1 -0.006 (30 SQuAD items, SmolLM2)
    verify: bool = False  # the model itself checks sentences the word/meaning check found unsupported
    schema_version: int = SCHEMA_VERSION

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> "ConversationSettings":
        """Settings from a stored dict; values of the wrong type fall back to their defaults."""
        data = migrate(dict(data or {}))
        out = cls()
        for f in dataclasses.fields(cls):
            if f.name not in data or f.name == "schema_version":
                continue
            value = data[f.name]
            default = getattr(out, f.name)
            if value is None:
                if f.name in ("chat_template", "template", "template_version"):
                    setattr(out, f.name, None)
                continue
            if isinstance(default, bool):
                ok = isinstance(value, bool)
            elif isinstance(default, int) or f.name == "template_version":
                ok = isinstance(value, int) and not isinstance(value, bool)
            elif isinstance(default, dict):
                ok = isinstance(value, dict)
            elif isinstance(default, list):
                ok = isinstance(value, list) and all(isinstance(a, dict) and isinstance(a.get("path"), str)
                                                     for a in value)
            else:
                ok = isinstance(value, str)
            if ok:
                setattr(out, f.name, value)
        if out.retrieval not in ("hybrid", "dense", "bm25"):
            out.retrieval = "hybrid"
        if out.grounding not in GROUNDING_MODES:
            out.grounding = "balanced"
        out.k = max(1, min(out.k, 50))
        return out

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def changed(self, **changes: Any) -> "ConversationSettings":
        """A copy with some fields changed (validated like a stored dict)."""
        return ConversationSettings.from_dict({**self.to_dict(), **changes})


def migrate(data: dict[str, Any]) -> dict[str, Any]:
    """Bring an older settings dict up to :data:`SCHEMA_VERSION`.

    Version 0 (no ``schema_version``): the untyped dict of the first release, read field by
    field (the names did not change).
    """
    version = data.get("schema_version", 0)
    if not isinstance(version, int) or version < 1:
        data["schema_version"] = 1
    return data
