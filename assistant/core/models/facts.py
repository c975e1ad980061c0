"""What a GGUF model file says about itself: plain, picklable data (it crosses the worker-process boundary)."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass
class ModelFacts:
    """What Hearth tells the user about a GGUF model before (and after) loading it."""

    path: str
    name: str
    architecture: str
    parameters: int | None
    quantization: str
    context_length: int
    size_bytes: int
    has_chat_template: bool
    n_layers: int | None = None
    embedding_length: int | None = None
    chat_template: str | None = None  # the GGUF's tokenizer.chat_template (Jinja), if any
    bos_token: str = ""
    eos_token: str = ""
    n_head: int | None = None
    n_head_kv: int | None = None
    key_length: int | None = None  # per attention head; sizes the KV cache
    value_length: int | None = None
    n_vocab: int | None = None
    model_type: str = "model"  # general.type
    base_name: str = ""  # general.basename (helps resolve a chat format when there is no template)
