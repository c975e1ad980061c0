"""One prompt template: its data, its file format, and how it renders.

A template file is Markdown with a small front matter block between ``---`` lines::

    ---
    name: summarise
    description: Summarise a text in a few bullet points
    variables: {"points": "five"}
    sampling: {"temperature": 0.3}
    system: |
      You are a careful editor.
    ---
    Summarise the text below in {{points}} bullet points.

    {{input}}

Front matter lines are ``key: value``. A value starting with ``{``, ``[`` or ``"`` (and the words
true/false/null and numbers) is read as JSON; ``|`` starts a block of indented lines; anything
else is plain text. The parser is strict: an unknown key or a malformed value is an error naming
the key, so a typo never silently drops a setting.
"""
from __future__ import annotations

import dataclasses
import json
import re
from dataclasses import dataclass, field
from typing import Any

import jinja2
from jinja2 import StrictUndefined, TemplateSyntaxError, UndefinedError, meta
from jinja2.exceptions import SecurityError

from assistant.core.engine.types import SamplingParams
from assistant.core.errors import HearthError, NotFound
from assistant.core.jinja_bounds import (BoundedEnvironment, CancelCheck, Limits, RenderCancelled,
                                         TemplateTooCostly, weight)

#: Variables every template may use; the chat fills them from the conversation.
STANDARD_VARIABLES = ("input", "selection", "document", "language")

_KEYS = ("name", "description", "system", "variables", "sampling", "collection", "persona",
         "version")
_SAMPLING_KEYS = {f.name for f in dataclasses.fields(SamplingParams)}
_KEY_LINE = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*):(?:\s(.*)|)$")


class TemplateError(HearthError, ValueError):
    """A template cannot be read, saved or rendered. The message names the template and why."""


class TemplateVariableError(TemplateError):
    """Rendering needs a variable nobody gave a value for."""

    def __init__(self, variable: str, template: str):
        super().__init__(f"template '{template}' needs a value for the variable '{variable}'")
        self.variable = variable
        self.template = template


class TemplateExists(TemplateError):
    """Importing or saving would replace a template that already exists."""

    def __init__(self, names: list[str]):
        super().__init__("a template with this name already exists: " + ", ".join(names))
        self.names = names


class TemplateNotFound(TemplateError, NotFound, KeyError):
    """No template (or no such version) by that name."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0])


class TemplateReadOnly(TemplateError):
    """Built-in templates cannot be changed or deleted; duplicate them instead."""


class PromptTooCostly(TemplateError, TemplateTooCostly):
    """Rendering a template took longer than its time bound or would build too large a prompt."""


class PromptRenderCancelled(TemplateError, RenderCancelled):
    """Rendering a template was stopped on request (the picker closed)."""


#: Bounds of one prompt-template render: the output may be this long plus twice the values given.
PROMPT_LIMITS = Limits(seconds=2.0, max_chars=4_000_000)


@dataclass
class PromptTemplate:
    """A reusable prompt.

    Attributes:
        name: unique name, what the user types after ``/``.
        description: one line shown in lists and the picker.
        body: Jinja text of the user message (or of the system prompt for a persona).
        system: optional system prompt (Jinja too).
        variables: user-defined variables and their defaults.
        sampling: overrides of :class:`SamplingParams` fields, e.g. ``{"temperature": 0.2}``.
        collection: name of the document collection to answer from by default.
        persona: the rendered body becomes the conversation's system prompt.
        version: version number in the library (built-ins carry their own).
        builtin: shipped with Hearth, read-only.
    """

    name: str
    body: str
    description: str = ""
    system: str = ""
    variables: dict[str, str] = field(default_factory=dict)
    sampling: dict[str, Any] = field(default_factory=dict)
    collection: str = ""
    persona: bool = False
    version: int = 0
    builtin: bool = False

    def variable_names(self) -> list[str]:
        """Every variable the body and system prompt use, in a stable order (standard ones first)."""
        found: set[str] = set()
        env = _environment()
        for text in (self.system, self.body):
            try:
                found |= meta.find_undeclared_variables(env.parse(text))
            except TemplateSyntaxError as e:
                raise TemplateError(f"template '{self.name}': {e.message} (line {e.lineno})") from e
            except RecursionError:
                raise TemplateError(f"template '{self.name}' nests too deeply to be read") from None
        ordered = [v for v in STANDARD_VARIABLES if v in found]
        return ordered + sorted(found - set(STANDARD_VARIABLES))

    def required_variables(self) -> list[str]:
        """Variables that have no default: the user must fill them."""
        return [v for v in self.variable_names() if v not in self.variables]


@dataclass
class RenderedPrompt:
    """What a template produced, ready for the chat.

    ``user_text`` is empty for a persona: its text is in ``system_prompt``.
    """

    user_text: str
    system_prompt: str | None
    sampling: dict[str, Any]
    collection: str | None
    template_name: str
    template_version: int
    persona: bool = False

    def sampling_params(self, base: SamplingParams | None = None) -> SamplingParams:
        """``base`` (or the defaults) with this template's overrides applied."""
        return dataclasses.replace(base or SamplingParams(), **self.sampling)


@dataclass
class TemplateVersion:
    """One saved version of a user template."""

    name: str
    version: int
    saved_at: float
    template: PromptTemplate


# keep_trailing_newline: what the user wrote is what the model sees. One environment for all
# templates: it is immutable (the sandbox refuses list.append and the like) and thread-safe.
_ENV = BoundedEnvironment(PROMPT_LIMITS, undefined=StrictUndefined, keep_trailing_newline=True,
                          autoescape=False)


def _environment() -> BoundedEnvironment:
    return _ENV


def render(template: PromptTemplate, variables: dict[str, Any], *,
           cancelled: CancelCheck | Any | None = None, seconds: float | None = None) -> RenderedPrompt:
    """Render a template with ``variables`` over its declared defaults, within time and size bounds.

    Args:
        template: the template.
        variables: values for its variables (None counts as not given).
        cancelled: optional: stops the render when it returns True (or an Event that is set).
        seconds: optional: a time bound other than :data:`PROMPT_LIMITS` (the window tries
            a render inline for a few milliseconds before handing it to a worker thread).

    Raises:
        TemplateVariableError: a variable used by the template has no value.
        PromptTooCostly: the render took over 2 s or would build too large a prompt.
        PromptRenderCancelled: ``cancelled`` said stop.
        TemplateError: the template text is not valid Jinja, or it failed.
    """
    values = {**template.variables, **{k: v for k, v in variables.items() if v is not None}}
    given = sum(weight(v, PROMPT_LIMITS.max_chars) for v in values.values())
    limits = dataclasses.replace(PROMPT_LIMITS, max_chars=PROMPT_LIMITS.max_chars + 2 * given,
                                 seconds=PROMPT_LIMITS.seconds if seconds is None else seconds)
    env = _environment()
    out: list[str] = []
    for part, text in (("system prompt", template.system), ("prompt", template.body)):
        if not text:
            out.append("")
            continue
        try:
            out.append(env.render(text, values, what=f"the {part} of template '{template.name}'",
                                  cancel=cancelled, limits=limits))
        except UndefinedError as e:
            missing = _missing_name(str(e.message)) or next(
                (v for v in template.variable_names() if v not in values), "?")
            raise TemplateVariableError(missing, template.name) from e
        except TemplateSyntaxError as e:
            raise TemplateError(f"template '{template.name}': {e.message} (line {e.lineno})") from e
        except SecurityError as e:
            raise TemplateError(f"template '{template.name}' was stopped by the sandbox: {e}") from e
        except TemplateTooCostly as e:
            raise PromptTooCostly(str(e), fix="Edit the template: it may loop for ever or repeat text "
                                  "too many times.", template=e.template, bound=e.bound) from None
        except RenderCancelled as e:
            raise PromptRenderCancelled(str(e)) from None
        except TemplateError:
            raise
        except (jinja2.TemplateError, TypeError, ValueError, LookupError, AttributeError,
                ArithmeticError) as e:
            raise TemplateError(f"template '{template.name}' failed: {e}") from e
    system, body = out[0].strip(), out[1].strip()
    if template.persona:
        system, body = body, ""
    return RenderedPrompt(user_text=body, system_prompt=system or None,
                          sampling=dict(template.sampling), collection=template.collection or None,
                          template_name=template.name, template_version=template.version,
                          persona=template.persona)


def _missing_name(message: str) -> str | None:
    m = re.search(r"'([^']+)' is undefined", message)
    return m.group(1) if m else None


# ---- file format -------------------------------------------------------------------------------

def validate(t: PromptTemplate) -> PromptTemplate:
    """Check a template's fields; returns it unchanged or raises :class:`TemplateError`."""
    name = t.name.strip() if isinstance(t.name, str) else ""
    if not name or len(name) > 100 or "\n" in name or "/" in name:
        raise TemplateError(f"template name {t.name!r} must be 1-100 characters, one line, no '/'")
    if not t.body.strip():
        raise TemplateError(f"template '{name}' has an empty body")
    bad = sorted(set(t.sampling) - _SAMPLING_KEYS)
    if bad:
        raise TemplateError(f"template '{name}': unknown sampling setting(s) {', '.join(bad)}; "
                            f"known: {', '.join(sorted(_SAMPLING_KEYS))}")
    if not all(isinstance(k, str) and isinstance(v, (str, int, float)) for k, v in t.variables.items()):
        raise TemplateError(f"template '{name}': variables must map names to text defaults")
    t.name = name
    t.variables = {k: str(v) for k, v in t.variables.items()}
    t.variable_names()  # raises on a Jinja syntax error
    return t


def parse(text: str, source: str = "template") -> PromptTemplate:
    """Read one template from Markdown with front matter.

    Args:
        text: the file's text.
        source: how to name it in errors (a file name).

    Raises:
        TemplateError: naming ``source``, the line and the reason.
    """
    lines = text.replace("\r\n", "\n").split("\n")
    while lines and not lines[0].strip():
        lines.pop(0)
    if not lines or lines[0].strip() != "---":
        raise TemplateError(f"{source}: must start with a '---' front matter line")
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].rstrip() == "---")
    except StopIteration:
        raise TemplateError(f"{source}: front matter has no closing '---' line") from None
    meta_ = _parse_front_matter(lines[1:end], source)
    body = "\n".join(lines[end + 1:]).strip("\n") + "\n"
    if "name" not in meta_:
        raise TemplateError(f"{source}: front matter needs a 'name'")
    t = PromptTemplate(name=str(meta_["name"]), body=body,
                       description=str(meta_.get("description", "")),
                       system=str(meta_.get("system", "")),
                       variables=meta_.get("variables") or {},
                       sampling=meta_.get("sampling") or {},
                       collection=str(meta_.get("collection") or ""),
                       persona=bool(meta_.get("persona", False)),
                       version=int(meta_.get("version", 0) or 0))
    if not isinstance(t.variables, dict) or not isinstance(t.sampling, dict):
        raise TemplateError(f"{source}: 'variables' and 'sampling' must be JSON objects")
    try:
        return validate(t)
    except TemplateError as e:
        raise TemplateError(f"{source}: {e}") from None


def _parse_front_matter(lines: list[str], source: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    i = 0
    while i < len(lines):
        line, lineno = lines[i], i + 2
        i += 1
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        m = _KEY_LINE.match(line)
        if not m:
            raise TemplateError(f"{source}, line {lineno}: expected 'key: value', got {line!r}")
        key, raw = m.group(1), (m.group(2) or "").strip()
        if key not in _KEYS:
            raise TemplateError(f"{source}, line {lineno}: unknown key '{key}' "
                                f"(known: {', '.join(_KEYS)})")
        if key in out:
            raise TemplateError(f"{source}, line {lineno}: '{key}' given twice")
        if raw == "|":
            block: list[str] = []
            while i < len(lines) and (lines[i].startswith("  ") or not lines[i].strip()):
                block.append(lines[i][2:])
                i += 1
            out[key] = "\n".join(block).strip("\n")
        else:
            out[key] = _value(key, raw, f"{source}, line {lineno}")
    return out


def _value(key: str, raw: str, where: str) -> Any:
    """Type each key on its own, so a description like '5 points' stays text."""
    try:
        if key in ("variables", "sampling"):
            value = json.loads(raw) if raw else {}
            if not isinstance(value, dict):
                raise ValueError("expected a JSON object like {\"tone\": \"friendly\"}")
            return value
        if key == "persona":
            if raw not in ("true", "false"):
                raise ValueError("expected true or false")
            return raw == "true"
        if key == "version":
            return int(raw)
        return json.loads(raw) if raw.startswith('"') else raw
    except ValueError as e:
        raise TemplateError(f"{where}: bad value for '{key}' ({e})") from None


def dump(t: PromptTemplate, include_version: bool = False) -> str:
    """Write a template as Markdown with front matter; :func:`parse` reads it back unchanged."""
    out = ["---", f"name: {_scalar(t.name)}"]
    if t.description:
        out.append(f"description: {_scalar(t.description)}")
    if include_version and t.version:
        out.append(f"version: {t.version}")
    if t.persona:
        out.append("persona: true")
    if t.collection:
        out.append(f"collection: {_scalar(t.collection)}")
    if t.variables:
        out.append("variables: " + json.dumps(t.variables, ensure_ascii=False))
    if t.sampling:
        out.append("sampling: " + json.dumps(t.sampling, ensure_ascii=False))
    if t.system:
        out.append("system: |")
        out += [("  " + ln) if ln.strip() else "" for ln in t.system.split("\n")]
    out += ["---", t.body.strip("\n"), ""]
    return "\n".join(out)


def _scalar(value: str) -> str:
    # Plain text unless reading it back would change it (JSON-looking, '|', edge spaces).
    if not value or value != value.strip() or value == "|" or value[0] == '"' or "\n" in value:
        return json.dumps(value, ensure_ascii=False)
    return value
