"""Plain data exchanged with the engine. Picklable: it crosses the worker-process boundary."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from assistant.core.adapters.spec import AdapterError, AdapterSpec
from assistant.core.errors import EngineError, ModelError
from assistant.core.models.facts import ModelFacts

# the engine's vocabulary, defined where it belongs (errors, model files, adapters) and re-exported here
__all__ = ["AdapterError", "AdapterSpec", "AnswerStats", "EngineCrashed", "EngineError", "LoadOptions", "Message",
           "ModelError", "ModelFacts", "SamplingParams"]


class EngineCrashed(EngineError):
    """The worker process died (llama.cpp abort, segfault, out of memory). The next call restarts it."""


Role = Literal["system", "user", "assistant"]


@dataclass
class Message:
    role: str
    content: str


@dataclass
class SamplingParams:
    temperature: float = 0.7
    top_p: float = 0.95
    top_k: int = 40
    min_p: float = 0.05
    repeat_penalty: float = 1.1
    seed: int = -1
    max_tokens: int = 512
    stop: list[str] = field(default_factory=list)
    grammar: str = ""  # a GBNF grammar the answer must follow (llama.cpp's), "" for none


@dataclass
class LoadOptions:
    n_ctx: int = 0  # 0 = from the model, capped by memory
    n_gpu_layers: int | str = "auto"  # "auto" or a layer count (0 = CPU only, -1 = all)
    chat_template: str | None = None  # override: Jinja text or a known template name
    adapters: list[AdapterSpec] = field(default_factory=list)
    n_threads: int | None = None  # None = half the logical CPUs (llama-cpp-python's default)
    n_threads_batch: int | None = None  # prompt threads; None = the same as n_threads
    seed: int = -1
    n_batch: int = 512  # prompt tokens per decode; a cancel is honoured between batches
    state_cache: bool = True  # save/restore llama state when switching conversations
    state_ram_mb: int = 1024
    state_cache_mb: int = 2048  # disk cap (settings.state_cache_mb)
    state_cache_dir: str | None = None  # default: paths.resolve().state_cache
    # prompt-lookup drafting (runtime.PromptLookup): "auto" = for answers from documents (passages
    # in the newest turn), "on" = every answer, "off" = never. Off by default: on a CPU a batch of
    # drafts costs ~0.3-0.5 of a decode per token, more than SmolLM2's answers accept.
    prompt_lookup: str = "off"


@dataclass
class AnswerStats:
    prompt_tokens: int = 0
    cached_tokens: int = 0  # prompt tokens reused from llama.cpp's cache
    generated_tokens: int = 0
    ttft_s: float = 0.0
    tokens_per_s: float = 0.0
    total_s: float = 0.0
    stopped: bool = False  # the user cancelled; the partial answer is kept
    finish_reason: str = ""  # "stop", "length", "cancelled"
    dropped_turns: int = 0  # old turns left out to fit the context window
    context_used: int = 0
    context_size: int = 0
    load_count: int = 0  # how many times the worker loaded a base model (proves adapters need no reload)
    conversation_id: str | None = None
    state_restored: str = ""  # "", "ram" or "disk": a saved conversation state was restored
    truncated_user: bool = False  # the user's own (newest) message was cut to fit the context window
    restart_reason: str = ""  # why the model process was restarted just before this answer ("" = it was not)
    prompt_lookup: bool = False  # tokens were drafted from the prompt and checked in batches
    drafted_tokens: int = 0  # tokens proposed by prompt lookup
    accepted_tokens: int = 0  # of those, the ones the model chose too (each saved one decode step)
