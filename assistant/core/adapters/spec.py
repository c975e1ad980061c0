"""A LoRA adapter as the engine applies it, and the error when one is refused."""
from __future__ import annotations

from dataclasses import dataclass

from assistant.core.errors import EngineError


class AdapterError(EngineError):
    """A LoRA adapter was refused before llama.cpp saw it. Names the file and why."""


@dataclass
class AdapterSpec:
    path: str
    scale: float = 1.0
