"""LoRA adapters: validation against a base model before llama.cpp sees them."""
from assistant.core.adapters.validation import AdapterInfo, inspect_adapter, validate_adapter

__all__ = ["AdapterInfo", "inspect_adapter", "validate_adapter"]
