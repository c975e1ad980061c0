"""Turn a conversation into the prompt text a model was trained on.

The model's own ``tokenizer.chat_template`` (Jinja) is rendered in a sandbox with the same
environment llama-cpp-python uses. Templates that reject the system role or silently drop it
get the system text merged into the first user turn (as llama.cpp does). A model without a
template gets a known format resolved from its architecture or name; an unknown model without
a template is refused rather than formatted wrongly.

Every render is bounded (:mod:`assistant.core.jinja_bounds`): a template that loops for ever or
builds a huge text is stopped after about 2 s with :class:`ChatTemplateTooCostly`, and a cancel
check (the engine's Stop) is honoured inside the render too.
"""
from __future__ import annotations

import contextlib
import dataclasses
import datetime
import json
from dataclasses import dataclass, field
from typing import Any, Iterator, Sequence

import jinja2
import jinja2.ext

from assistant.core.engine.types import EngineError, Message, ModelError, ModelFacts
from assistant.core.jinja_bounds import (BoundedEnvironment, CancelCheck, Limits, RenderCancelled,
                                         TemplateTooCostly, weight)

_PROBE = "\u2063hearth-system-probe\u2063"

# Known formats, for models whose GGUF has no template (or a setting that names one).
KNOWN_TEMPLATES: dict[str, str] = {
    # Gemma 3's own template: the system text opens the first user turn.
    "gemma": (
        "{{ bos_token }}{% if messages[0]['role'] == 'system' %}"
        "{% set first_user_prefix = messages[0]['content'] + '\\n\\n' %}{% set loop_messages = messages[1:] %}"
        "{% else %}{% set first_user_prefix = '' %}{% set loop_messages = messages %}{% endif %}"
        "{% for message in loop_messages %}"
        "{% set role = 'model' if message['role'] == 'assistant' else message['role'] %}"
        "{{ '<start_of_turn>' + role + '\\n' + (first_user_prefix if loop.first else '') "
        "+ message['content'] | trim + '<end_of_turn>\\n' }}{% endfor %}"
        "{% if add_generation_prompt %}{{ '<start_of_turn>model\\n' }}{% endif %}"),
    "chatml": (
        "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] "
        "+ '<|im_end|>' + '\\n' }}{% endfor %}"
        "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"),
    "llama3": (
        "{{ bos_token }}{% for message in messages %}{{ '<|start_header_id|>' + message['role'] "
        "+ '<|end_header_id|>\\n\\n' + message['content'] | trim + '<|eot_id|>' }}{% endfor %}"
        "{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{% endif %}"),
    "phi3": (
        "{% for message in messages %}{{ '<|' + message['role'] + '|>\\n' + message['content'] + '<|end|>\\n' }}"
        "{% endfor %}{% if add_generation_prompt %}{{ '<|assistant|>\\n' }}{% endif %}"),
    "mistral": (
        "{{ bos_token }}{% for message in messages %}{% if message['role'] == 'user' %}"
        "{{ '[INST] ' + message['content'] + ' [/INST]' }}{% elif message['role'] == 'assistant' %}"
        "{{ message['content'] + eos_token }}{% else %}{{ raise_exception('System role not supported') }}"
        "{% endif %}{% endfor %}"),
    "llama2": (
        "{{ bos_token }}{% for message in messages %}{% if message['role'] == 'system' %}"
        "{{ '[INST] <<SYS>>\\n' + message['content'] + '\\n<</SYS>>\\n\\n' }}"
        "{% elif message['role'] == 'user' %}{% if loop.index0 == 1 and messages[0]['role'] == 'system' %}"
        "{{ message['content'] + ' [/INST]' }}{% else %}{{ '[INST] ' + message['content'] + ' [/INST]' }}{% endif %}"
        "{% else %}{{ ' ' + message['content'] + ' ' + eos_token }}{% endif %}{% endfor %}"),
}
KNOWN_STOPS: dict[str, list[str]] = {
    "gemma": ["<end_of_turn>"], "chatml": ["<|im_end|>"], "llama3": ["<|eot_id|>"],
    "phi3": ["<|end|>"], "mistral": [], "llama2": [],
}
# architecture (or a word in the model's name) -> known format
_BY_ARCH = {"gemma": "gemma", "gemma2": "gemma", "gemma3": "gemma", "gemma3n": "gemma", "qwen": "chatml",
            "qwen2": "chatml", "qwen3": "chatml", "qwen2moe": "chatml", "qwen3moe": "chatml", "phi3": "phi3",
            "smollm3": "chatml", "olmo2": "chatml"}
_BY_NAME = (("gemma", "gemma"), ("llama-3", "llama3"), ("llama 3", "llama3"), ("llama3", "llama3"),
            ("smollm", "chatml"), ("qwen", "chatml"), ("hermes", "chatml"), ("phi-3", "phi3"), ("phi3", "phi3"),
            ("mistral", "mistral"), ("mixtral", "mistral"), ("llama-2", "llama2"), ("llama 2", "llama2"))


class _IgnoreGenerationTags(jinja2.ext.Extension):
    """``{% generation %}`` (used by some HF templates for training masks) renders its body."""

    tags = {"generation"}

    def parse(self, parser: Any) -> Any:
        parser.stream.skip(1)
        return parser.parse_statements(("name:endgeneration",), drop_needle=True)


def _tojson(x: Any, ensure_ascii: bool = False, indent: int | None = None, separators: Any = None,
            sort_keys: bool = False) -> str:
    return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)


def _raise_exception(message: str) -> None:
    raise jinja2.TemplateError(message)


# What a broken or picky template raises while rendering (UndefinedError is a TemplateError).
_TEMPLATE_FAILURES = (jinja2.TemplateError, TypeError, ValueError, KeyError, IndexError, AttributeError,
                      ArithmeticError)

#: Bounds of one chat-template render: the output may be this long plus twice the messages' text.
CHAT_LIMITS = Limits(seconds=2.0, max_chars=4_000_000)


class ChatTemplateTooCostly(ModelError, TemplateTooCostly):
    """A chat template took longer than its time bound or would build too large a prompt."""


class ChatRenderCancelled(EngineError, RenderCancelled):
    """Rendering a chat template was stopped by a cancel (Stop, Quit)."""


# Prompts are not HTML: jinja2's ``safe`` returns Markup, which then HTML-escapes whatever is
# concatenated to it (quotes become &#34;). llama.cpp's engine never escapes, so neither do we.
_ENV = BoundedEnvironment(CHAT_LIMITS, filters={"tojson": _tojson, "safe": lambda x: x},
                          loader=jinja2.BaseLoader(), trim_blocks=True, lstrip_blocks=True,
                          extensions=[_IgnoreGenerationTags, jinja2.ext.loopcontrols])


def render_template(template: str, messages: Sequence[dict[str, Any]], bos_token: str = "", eos_token: str = "",
                    add_generation_prompt: bool = True, now: datetime.datetime | None = None, *,
                    cancelled: CancelCheck | Any | None = None, template_name: str = "the chat template",
                    **extra: Any) -> str:
    """Render a chat template exactly as written (no system-role fix-up), within time and size bounds.

    Args:
        cancelled: optional: stops the render when it returns True (or an Event that is set).
        template_name: how errors name the template.

    Raises:
        jinja2.TemplateError: the template raised (e.g. ``raise_exception``) or is invalid.
        ChatTemplateTooCostly: the render went past 2 s or would build too large a prompt.
        ChatRenderCancelled: ``cancelled`` said stop.
    """
    when = now or datetime.datetime.now()
    msgs = list(messages)
    content = sum(weight(m.get("content"), CHAT_LIMITS.max_chars) for m in msgs if isinstance(m, dict))
    limits = dataclasses.replace(CHAT_LIMITS, max_chars=CHAT_LIMITS.max_chars + 2 * content)
    fix = "Pick another chat template in Settings (Prompt format)."
    try:
        return _ENV.render(template, dict(
            messages=msgs, bos_token=bos_token, eos_token=eos_token,
            add_generation_prompt=add_generation_prompt, raise_exception=_raise_exception,
            strftime_now=lambda fmt: when.strftime(fmt), **extra),
            what=template_name, cancel=cancelled, limits=limits)
    except RenderCancelled as e:
        raise ChatRenderCancelled(str(e)) from None
    except TemplateTooCostly as e:
        raise ChatTemplateTooCostly(str(e), fix=fix, template=e.template, bound=e.bound) from None


def merge_system_into_first_user(messages: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Move a leading system message into the first user turn (``system + "\\n" + user``, like llama.cpp)."""
    msgs = [dict(m) for m in messages]
    if not msgs or msgs[0].get("role") != "system":
        return msgs
    system = msgs.pop(0)
    for m in msgs:
        if m.get("role") == "user":
            m["content"] = f"{system['content']}\n{m['content']}"
            return msgs
    msgs.insert(0, {"role": "user", "content": system["content"]})
    return msgs


@dataclass
class ChatTemplate:
    """A chat format ready to render conversations.

    Attributes:
        name: "model" (the GGUF's own), a known name ("gemma", "chatml"...), or "custom".
        source: the Jinja text.
        stop: extra stop strings that end an answer (besides the model's end-of-generation tokens).
    """

    name: str
    source: str
    bos_token: str = ""
    eos_token: str = ""
    stop: list[str] = field(default_factory=list)
    _system_ok: bool | None = None
    origin: str = ""  # the file the template came from, for errors (a GGUF path); "" when none

    def describe(self) -> str:
        """How errors name this template: ``the chat template (model) of /path/model.gguf``."""
        return f"the chat template ({self.name})" + (f" of {self.origin}" if self.origin else "")

    def supports_system(self, cancelled: CancelCheck | Any | None = None) -> bool:
        """Whether the template keeps a system message (probed once: it may raise or drop it).

        Raises:
            ChatTemplateTooCostly, ChatRenderCancelled: as :meth:`render`.
        """
        if self._system_ok is None:
            try:
                out = render_template(self.source, [{"role": "system", "content": _PROBE},
                                                    {"role": "user", "content": "hi"}],
                                      self.bos_token, self.eos_token, cancelled=cancelled,
                                      template_name=self.describe())
                self._system_ok = _PROBE in out
            except _TEMPLATE_FAILURES:
                self._system_ok = False
        return self._system_ok

    def render(self, messages: Sequence[Message | dict[str, Any]], add_generation_prompt: bool = True,
               *, cancelled: CancelCheck | Any | None = None, **extra: Any) -> str:
        """Render a conversation; a system message the template cannot take joins the first user turn.

        Args:
            cancelled: optional: stops the render when it returns True (or an Event that is set);
                a :func:`assistant.core.jinja_bounds.cancel_scope` around the call works too.

        Raises:
            ModelError: the template fails on this conversation.
            ChatTemplateTooCostly: (a ModelError) the render took over 2 s or built too much.
            ChatRenderCancelled: (an EngineError) ``cancelled`` said stop.
        """
        msgs = [m if isinstance(m, dict) else {"role": m.role, "content": m.content} for m in messages]
        if msgs and msgs[0].get("role") == "system" and not self.supports_system(cancelled):
            msgs = merge_system_into_first_user(msgs)
        try:
            return render_template(self.source, msgs, self.bos_token, self.eos_token, add_generation_prompt,
                                   cancelled=cancelled, template_name=self.describe(), **extra)
        except _TEMPLATE_FAILURES as e:
            raise ModelError(f"the chat template ({self.name}) cannot format this conversation: {e}. "
                             "Pick another chat template in Settings.") from None


class _UnusedChatFormatter:
    """Stands in for llama-cpp-python's ``Jinja2ChatFormatter`` while a model loads.

    ``llama_cpp.Llama()`` compiles every ``tokenizer.chat_template*`` of the GGUF with an
    unbounded Jinja environment, whose optimiser evaluates constant expressions at compile time:
    a template holding ``{{ 'x' * 10**10 }}`` builds its 10 GB string during the load. Hearth
    formats prompts itself (bounded, above) and never uses those handlers.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        pass

    def to_chat_handler(self) -> Any:
        def refuse(*args: Any, **kwargs: Any) -> Any:
            raise ModelError("Hearth formats chats itself; llama-cpp-python's chat handler is disabled.")
        return refuse


@contextlib.contextmanager
def llama_cpp_template_compile_disabled() -> Iterator[None]:
    """Around ``llama_cpp.Llama(...)``: skip its compile of the GGUF's chat templates (see above)."""
    from llama_cpp import llama_chat_format

    original = llama_chat_format.Jinja2ChatFormatter
    llama_chat_format.Jinja2ChatFormatter = _UnusedChatFormatter  # type: ignore[misc,assignment]
    try:
        yield
    finally:
        llama_chat_format.Jinja2ChatFormatter = original  # type: ignore[misc]


def known_template_for(facts: ModelFacts) -> str | None:
    """The known format for a model, from its architecture, then its name; None when unknown."""
    if facts.architecture in _BY_ARCH:
        return _BY_ARCH[facts.architecture]
    hay = f"{facts.name} {facts.base_name} {facts.path.rsplit('/', 1)[-1]}".lower()
    for word, name in _BY_NAME:
        if word in hay:
            return name
    return None


def resolve_template(facts: ModelFacts, override: str | None = None) -> ChatTemplate:
    """Choose the chat format for a model.

    Args:
        facts: the model (its own template, architecture, name, special tokens).
        override: a setting: a known name (``"gemma"``, ``"chatml"``...) or Jinja text.

    Raises:
        ModelError: the override is invalid, or the model has no template and none is known.
    """
    bos, eos = facts.bos_token, facts.eos_token
    if override and override.strip():
        o = override.strip()
        if o in KNOWN_TEMPLATES:
            return ChatTemplate(o, KNOWN_TEMPLATES[o], bos, eos, list(KNOWN_STOPS[o]))
        if "{%" not in o and "{{" not in o:
            raise ModelError(f"chat template setting {o!r} is neither a known name "
                             f"({', '.join(sorted(KNOWN_TEMPLATES))}) nor Jinja text.")
        try:
            _ENV.parse(o)
        except jinja2.TemplateSyntaxError as e:
            raise ModelError(f"the chat template in Settings has a syntax error: {e}") from None
        except RecursionError:
            raise ModelError("the chat template in Settings nests too deeply to be read") from None
        return ChatTemplate("custom", o, bos, eos, origin="Settings")
    if facts.chat_template:
        stops = [s for name, s in (("<end_of_turn>", "<end_of_turn>"), ("<|im_end|>", "<|im_end|>"),
                                   ("<|eot_id|>", "<|eot_id|>"), ("<|end|>", "<|end|>"))
                 if name in facts.chat_template]
        return ChatTemplate("model", facts.chat_template, bos, eos, stops, origin=facts.path)
    name = known_template_for(facts)
    if name is None:
        raise ModelError(f"{facts.path}: the model has no chat template and Hearth does not know the format "
                         f"of '{facts.architecture}' models. Pick a chat template in Settings "
                         f"({', '.join(sorted(KNOWN_TEMPLATES))}, or paste Jinja text).")
    return ChatTemplate(name, KNOWN_TEMPLATES[name], bos, eos, list(KNOWN_STOPS[name]))
