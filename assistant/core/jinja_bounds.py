"""Render Jinja templates within bounds of time, size and cancellation.

Chat templates come from GGUF files, imported chats and a setting; prompt templates from packs
people share. Jinja's sandbox stops a template from reaching files or Python internals, but not
from looping for ever (``{% for a in range(99999) %}{% for b in range(99999) %}``) or building a
10 GB string (``'x' * 10**10``). :class:`BoundedEnvironment` closes that gap:

* ``*``, ``**``, ``+`` and ``%`` are intercepted and refuse a result larger than the limits;
  so are ``~``, the buffers of ``{% set %}`` blocks and macros, the filters that can grow a
  text (``center``, ``indent``, ``join``, ``batch``...) and the ``str`` methods that can
  (``ljust``, ``replace``, ``format``...);
* every ``{% for %}`` loop, every call and ``range`` check a wall-clock deadline and an
  optional cancel check, so a loop that produces no output is still stopped;
* :meth:`BoundedEnvironment.render` streams the output with ``generate()`` and counts it.

Going over a bound raises :class:`TemplateTooCostly` (a :class:`HearthError` naming the template
and the bound); a cancel raises :class:`RenderCancelled`.
"""
from __future__ import annotations

import contextlib
import contextvars
import re
import threading
import time
import types
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Callable, Iterator, Mapping

import jinja2
from jinja2 import nodes
from jinja2.compiler import CodeGenerator, Frame
from jinja2.sandbox import ImmutableSandboxedEnvironment

from assistant.core.errors import HearthError

#: Returns True when the caller wants the render stopped (the engine's cancel flag, an Event's ``is_set``).
CancelCheck = Callable[[], bool]


@dataclass(frozen=True)
class Limits:
    """How much one render may cost.

    Attributes:
        seconds: wall-clock time for the whole render.
        max_chars: characters of output, and of any text or list built on the way.
        max_items: items of a list built on the way (``[x] * n``, ``batch``).
        max_range: numbers ``range()`` may produce.
        max_int_bits: size of an integer built with ``*`` or ``**``.
    """

    seconds: float = 2.0
    max_chars: int = 4_000_000
    max_items: int = 1_000_000
    max_range: int = 100_000
    max_int_bits: int = 100_000


class TemplateTooCostly(HearthError):
    """A template took too long or would build too much; the message names the template and the bound.

    Attributes:
        template: how the template was named (``"the chat template of model.gguf"``).
        bound: ``"time"``, ``"size"`` or ``"depth"``.
    """

    code = "template_too_costly"

    def __init__(self, message: str = "", *args: object, fix: str | None = None, template: str = "",
                 bound: str = "") -> None:
        super().__init__(message, *args, fix=fix)
        self.template, self.bound = template, bound


class RenderCancelled(HearthError):
    """The render was stopped on request (Stop, Quit, a closed window)."""

    code = "cancelled"


# ---- the budget of the render running on this thread ---------------------------------------------

class _Budget:
    __slots__ = ("what", "limits", "deadline", "cancel", "next_cancel_check")

    def __init__(self, what: str, limits: Limits, cancel: CancelCheck | None) -> None:
        self.what, self.limits, self.cancel = what, limits, cancel
        self.deadline = time.monotonic() + limits.seconds
        self.next_cancel_check = 0.0

    def check(self) -> None:
        now = time.monotonic()
        if now > self.deadline:
            raise TemplateTooCostly(f"{self.what} took longer than {self.limits.seconds:g} s to render and "
                                    "was stopped (it may loop for ever)", template=self.what, bound="time")
        if self.cancel is not None and now >= self.next_cancel_check:
            self.next_cancel_check = now + 0.02  # a cross-process Event costs a lock: not on every item
            if self.cancel():
                raise RenderCancelled(f"{self.what}: rendering was stopped on request")


_CURRENT: contextvars.ContextVar[_Budget | None] = contextvars.ContextVar("hearth_render_budget", default=None)
_SCOPE_CANCEL: contextvars.ContextVar[CancelCheck | None] = contextvars.ContextVar("hearth_render_cancel",
                                                                                 default=None)
_DEFAULT_LIMITS = Limits()


def _limits() -> Limits:
    b = _CURRENT.get()
    return b.limits if b is not None else _DEFAULT_LIMITS


def _tick() -> None:
    b = _CURRENT.get()
    if b is not None:
        b.check()


def _too_big(detail: str) -> TemplateTooCostly:
    b = _CURRENT.get()
    what = b.what if b is not None else "the template"
    return TemplateTooCostly(f"{what} would produce more than {_limits().max_chars:,} characters ({detail}) "
                             "and was stopped", template=what, bound="size")


def as_cancel_check(cancel: CancelCheck | threading.Event | Any | None) -> CancelCheck | None:
    """A callable for ``cancel``: an Event (threading or multiprocessing) becomes its ``is_set``."""
    if cancel is None:
        return None
    is_set = getattr(cancel, "is_set", None)
    return is_set if callable(is_set) else cancel


@contextlib.contextmanager
def cancel_scope(cancel: CancelCheck | threading.Event | Any | None) -> Iterator[None]:
    """Every bounded render on this thread inside the block also stops when ``cancel`` says so.

    For callers that render through layers that take no cancel argument (the engine's context
    fitting renders a chat template many times)::

        with cancel_scope(cancelled):
            fit = context.fit_to_context(...)
    """
    token = _SCOPE_CANCEL.set(as_cancel_check(cancel))
    try:
        yield
    finally:
        _SCOPE_CANCEL.reset(token)


# ---- sizes -----------------------------------------------------------------------------------------

def weight(value: Any, limit: int = 1 << 62, _depth: int = 0) -> int:
    """About how many characters ``str(value)`` would take; stops counting past ``limit``.

    Containers count every reference, so ``[big_text] * 1000`` weighs a thousand texts.
    """
    if isinstance(value, (str, bytes)):
        return len(value)
    if isinstance(value, _BoundedRange):
        return 8 * len(value)
    if isinstance(value, Mapping):
        items: Any = (x for kv in value.items() for x in kv)
    elif isinstance(value, (list, tuple, set, frozenset)):
        items = value
    else:
        return 1
    if _depth > 16:
        return 1
    total = 2
    for item in items:
        total += weight(item, limit - total, _depth + 1) + 2
        if total > limit:
            break
    return total


def _check_weight(value: Any, what: str, factor: int = 1) -> None:
    limit = _limits().max_chars
    if not isinstance(value, (str, int, float, bool, type(None))) and weight(value, limit) * factor > limit:
        raise _too_big(f"{what} a value that large")


def _is_int(x: Any) -> bool:
    return type(x) is int


# printf-style fields: %(name)-10.3s, %*d...
_PERCENT_FIELD = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(\*|\d+)?(?:\.(\*|\d+))?")
_BRACE_NUMBER = re.compile(r"\d+")


def _check_percent(fmt: str, args: Any) -> None:
    """``fmt % args``: widths and precisions must fit, and so must each argument repeated per field."""
    limit = _limits().max_chars
    fields = 0
    for m in _PERCENT_FIELD.finditer(fmt):
        fields += 1
        for g in m.groups():
            if g and g != "*" and int(g) > limit:
                raise _too_big(f"a '%' format asks for a width of {g}")
    values = args if isinstance(args, tuple) else (args,)
    if any(_is_int(v) and abs(v) > limit for v in values) and "*" in fmt:
        raise _too_big("a '%*' format asks for a huge width")
    if fields and len(fmt) + fields * max((weight(v, limit) for v in values), default=0) > limit:
        raise _too_big("a '%' format repeats a long value")


def _check_brace_format(fmt: str, args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> None:
    """``fmt.format(...)``: no huge widths, and the fields times the longest value must fit."""
    limit = _limits().max_chars
    fields = fmt.count("{")
    for spec in re.findall(r"\{[^{}]*\}", fmt):
        for num in _BRACE_NUMBER.findall(spec):
            if len(num) > 12 or int(num) > limit:
                raise _too_big(f"a format field asks for a width of {num}")
    values = list(args) + list(kwargs.values())
    if any(_is_int(v) and abs(v) > limit for v in values):
        raise _too_big("a format asks for a huge width")
    biggest = max((weight(v, limit) for v in values), default=0)
    if len(fmt) + fields * biggest > limit:
        raise _too_big("a format repeats a long value")


def _check_str_method(owner: str | bytes, name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[Any, ...]:
    """Refuse a call on a text that would build one too large; returns the (maybe materialised) args."""
    limit = _limits().max_chars
    n = len(owner)
    est = n
    if name in ("ljust", "rjust", "center", "zfill"):
        width = args[0] if args else kwargs.get("width", 0)
        est = max(n, width) if _is_int(width) else n
    elif name == "expandtabs":
        size = args[0] if args else kwargs.get("tabsize", 8)
        est = n + owner.count("\t" if isinstance(owner, str) else b"\t") * (size if _is_int(size) else 8)
    elif name == "replace" and len(args) >= 2:
        old, new = args[0], args[1]
        count = args[2] if len(args) > 2 else kwargs.get("count", -1)
        hits = (owner.count(old) if old else n + 1) if isinstance(old, type(owner)) else 0
        if _is_int(count) and count >= 0:
            hits = min(hits, count)
        est = n + hits * max(0, len(new) - len(old)) if isinstance(new, type(owner)) else n
    elif name == "join" and args:
        items = list(args[0]) if not isinstance(args[0], (list, tuple)) else args[0]
        if len(items) > _limits().max_items:
            raise _too_big(f"join() of {len(items):,} items")
        est = sum(weight(x, limit) for x in items) + n * max(0, len(items) - 1)
        args = (items, *args[1:])
    elif name == "translate" and args and isinstance(args[0], Mapping):
        longest = max((len(v) for v in args[0].values() if isinstance(v, (str, bytes))), default=1)
        est = n * max(1, longest)
    elif name in ("format", "format_map") and isinstance(owner, str):
        if name == "format_map":
            _check_brace_format(owner, (), args[0] if args and isinstance(args[0], Mapping) else {})
        else:
            _check_brace_format(owner, args, kwargs)
    if est > limit:
        raise _too_big(f"{name}() would make a text of {est:,} characters")
    return args


# ---- bounded building blocks -----------------------------------------------------------------------

class _BoundedRange:
    """``range()`` for templates: at most ``max_range`` numbers, and iterating checks the deadline."""

    __slots__ = ("_r",)

    def __init__(self, r: range) -> None:
        self._r = r

    def __iter__(self) -> Iterator[int]:
        budget = _CURRENT.get()
        for i, x in enumerate(self._r):
            if budget is not None and not i & 255:
                budget.check()
            yield x

    def __len__(self) -> int:
        return len(self._r)

    def __getitem__(self, key: Any) -> Any:
        item = self._r[key]
        return _BoundedRange(item) if isinstance(item, range) else item

    def __contains__(self, x: object) -> bool:
        return x in self._r

    def __reversed__(self) -> "_BoundedRange":
        return _BoundedRange(self._r[::-1])

    def __eq__(self, other: object) -> bool:
        return self._r == (other._r if isinstance(other, _BoundedRange) else other)

    def __hash__(self) -> int:
        return hash(self._r)

    def __repr__(self) -> str:
        return repr(self._r)

    def index(self, x: int) -> int:
        return self._r.index(x)

    def count(self, x: int) -> int:
        return self._r.count(x)


def bounded_range(*args: int) -> _BoundedRange:
    """The templates' ``range``: refuses more than ``Limits.max_range`` numbers."""
    _tick()
    r = range(*args)
    if len(r) > _limits().max_range:
        raise _too_big(f"range() of {len(r):,} numbers; at most {_limits().max_range:,} are allowed")
    return _BoundedRange(r)


bounded_range.hearth_bounded = True  # type: ignore[attr-defined]


class _Ticking:
    """What a ``{% for %}`` loop iterates: the original sequence, with a deadline check per item."""

    __slots__ = ("_it",)

    def __init__(self, iterable: Any) -> None:
        self._it = iterable

    def __iter__(self) -> Iterator[Any]:
        budget = _CURRENT.get()
        if budget is None:
            yield from self._it
            return
        for x in self._it:
            budget.check()
            yield x

    def __len__(self) -> int:  # LoopContext asks, for loop.length and loop.last
        return len(self._it)


def _ticking(iterable: Any) -> Any:
    _tick()
    return _Ticking(iterable)


_ticking.hearth_bounded = True  # type: ignore[attr-defined]


# Filters that can make their result much larger than their input, and how large it would be.
def _est_filter(name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[Any, ...]:
    limit, items_limit = _limits().max_chars, _limits().max_items
    if not args:
        return args
    value = args[0]

    def arg(i: int, key: str, default: Any) -> Any:
        return args[i] if len(args) > i else kwargs.get(key, default)

    text_len = weight(value, limit)
    est = text_len
    if name == "center":
        width = arg(1, "width", 80)
        est = max(text_len, width if _is_int(width) else 0)
    elif name == "indent":
        width = arg(1, "width", 4)
        w = width if _is_int(width) else len(str(width))
        est = text_len + (str(value).count("\n") + 1 if isinstance(value, str) else 1) * w
    elif name == "wordwrap":
        width, wrap = arg(1, "width", 79), arg(3, "wrapstring", None)
        if _is_int(width):
            est = text_len + (text_len // max(1, width) + 1) * len(wrap if isinstance(wrap, str) else "\n")
    elif name == "format" and isinstance(value, str):
        _check_percent(value, tuple(args[1:]) if len(args) > 1 else (kwargs or ()))
    elif name == "replace" and isinstance(value, str) and len(args) >= 3:
        count = arg(3, "count", None)
        return args[:1] + _check_str_method(value, "replace", (args[1], args[2], -1 if count is None else count),
                                            {})[:2] + args[3:]
    elif name == "join":
        items = value if isinstance(value, (list, tuple)) else list(value)
        sep = arg(1, "d", "")
        if len(items) > items_limit:
            raise _too_big(f"join of {len(items):,} items")
        est = sum(weight(x, limit) for x in items) + len(str(sep)) * max(0, len(items) - 1)
        args = (items, *args[1:])
    elif name in ("batch", "slice"):
        count, fill = arg(1, "linecount" if name == "batch" else "slices", 1), arg(2, "fill_with", None)
        if _is_int(count) and count > items_limit:
            raise _too_big(f"{name}({count:,})")
        if fill is not None and _is_int(count):
            est = text_len + count * weight(fill, limit)
    elif name == "tojson":
        indent = arg(1, "indent", None)
        est = text_len * (1 + (indent if _is_int(indent) and indent > 0 else 0))
    if est > limit:
        raise _too_big(f"the '{name}' filter would make {est:,} characters")
    return args


def _bound_filter(name: str, func: Callable[..., Any]) -> Callable[..., Any]:
    pass_arg = getattr(func, "jinja_pass_arg", None)
    skip = 1 if pass_arg is not None else 0

    def bounded(*args: Any, **kwargs: Any) -> Any:
        head, rest = args[:skip], args[skip:]
        if rest:
            _check_weight(rest[0], f"the '{name}' filter got")
            rest = _est_filter(name, rest, kwargs)
        return func(*head, *rest, **kwargs)

    if pass_arg is not None:
        bounded.jinja_pass_arg = pass_arg  # type: ignore[attr-defined]
    bounded.__name__ = getattr(func, "__name__", name)
    return bounded


class _BoundedCodeGenerator(CodeGenerator):
    """Compiles ``a ~ b`` to a join that checks the size (text templates: no autoescape)."""

    def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:  # noqa: N802 (Jinja's API)
        if frame.eval_ctx.volatile or frame.eval_ctx.autoescape:
            super().visit_Concat(node, frame)
            return
        self.write("environment.hearth_concat((")
        for arg in node.nodes:
            self.visit(arg, frame)
            self.write(", ")
        self.write("))")


class BoundedEnvironment(ImmutableSandboxedEnvironment):
    """An immutable sandbox whose renders are bounded in time, size and by a cancel check.

    Args:
        limits: the default bounds of :meth:`render`.
        filters: extra filters (bounded like the built-in ones); e.g. a ``tojson`` of one's own.
        **options: passed to :class:`jinja2.Environment` (``trim_blocks``, ``undefined``...).
    """

    intercepted_binops = frozenset({"*", "**", "+", "%"})
    code_generator_class = _BoundedCodeGenerator

    def __init__(self, limits: Limits | None = None, filters: Mapping[str, Callable[..., Any]] | None = None,
                 **options: Any) -> None:
        options.setdefault("finalize", _finalize)
        super().__init__(**options)
        self.limits = limits or Limits()
        self.filters.update(filters or {})
        for name in list(self.filters):
            self.filters[name] = _bound_filter(name, self.filters[name])
        self.globals["range"] = bounded_range
        self.globals.pop("lipsum", None)  # lipsum(n=10**9) is a loop in disguise; prompts never need it
        self._compiled: OrderedDict[str, jinja2.Template] = OrderedDict()
        self._compiled_lock = threading.Lock()

    # -- compiling ---------------------------------------------------------------------------------
    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        tree = super()._parse(source, name, filename)
        # Every loop's sequence goes through _ticking, so loops that print nothing still meet the deadline.
        for loop in tree.find_all(nodes.For):
            loop.iter = nodes.Call(nodes.EnvironmentAttribute("hearth_ticking"), [loop.iter], [], None, None,
                                   lineno=loop.iter.lineno)
        return tree

    hearth_ticking = staticmethod(_ticking)

    def compiled(self, source: str) -> jinja2.Template:
        """``from_string`` with a small cache (a chat template is rendered many times per answer).

        Raises:
            jinja2.TemplateSyntaxError: the text is not valid Jinja.
            TemplateTooCostly: the text nests too deeply to compile.
        """
        with self._compiled_lock:
            t = self._compiled.get(source)
            if t is not None:
                self._compiled.move_to_end(source)
                return t
        try:
            t = self.from_string(source)
        except RecursionError:
            raise TemplateTooCostly("the template nests too deeply to be read", bound="depth") from None
        with self._compiled_lock:
            self._compiled[source] = t
            while len(self._compiled) > 32:
                self._compiled.popitem(last=False)
        return t

    # -- runtime hooks -----------------------------------------------------------------------------
    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        lim = _limits()
        if operator == "*":
            _check_mul(left, right, lim)
        elif operator == "**":
            if _is_int(left) and _is_int(right) and right > 0 and abs(left) > 1 \
                    and abs(left).bit_length() * right > lim.max_int_bits:
                raise _too_big(f"'**' would make a number of about {abs(left).bit_length() * right:,} bits")
        elif operator == "+":
            if isinstance(left, (str, bytes)) and isinstance(right, (str, bytes)):
                if len(left) + len(right) > lim.max_chars:
                    raise _too_big("'+' would join two very long texts")
            elif isinstance(left, (list, tuple)) and isinstance(right, (list, tuple)):
                if len(left) + len(right) > lim.max_items or \
                        weight(left, lim.max_chars) + weight(right, lim.max_chars) > lim.max_chars:
                    raise _too_big("'+' would join two very long lists")
        elif operator == "%" and isinstance(left, str):
            _check_percent(left, right)
        return super().call_binop(context, operator, left, right)

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805 (Jinja's API)
        _tick()
        target = getattr(__obj, "__wrapped__", __obj)  # str.format comes wrapped by the sandbox
        if isinstance(target, types.BuiltinMethodType):
            owner = getattr(target, "__self__", None)
            if isinstance(owner, (str, bytes)):
                args = _check_str_method(owner, target.__name__, args, kwargs)
            elif isinstance(owner, int) and any(_is_int(a) and a > _limits().max_chars
                                                for a in (*args, *kwargs.values())):
                raise _too_big(f"{target.__name__}() was asked for a huge size")
        return super().call(__context, __obj, *args, **kwargs)

    def hearth_concat(self, parts: tuple[Any, ...]) -> str:
        """``a ~ b ~ c`` with a size check before the texts are built."""
        limit = _limits().max_chars
        total = 0
        for p in parts:
            total += weight(p, limit)
            if total > limit:
                raise _too_big("'~' would join very long texts")
        return "".join(map(str, parts))

    def concat(self, parts: Any) -> str:  # type: ignore[override]  # buffers of set blocks, macros, call blocks
        parts = parts if isinstance(parts, list) else list(parts)
        total = sum(len(p) for p in parts)
        if total > _limits().max_chars:
            raise _too_big(f"a block would hold {total:,} characters")
        return "".join(parts)

    # -- rendering ---------------------------------------------------------------------------------
    def render(self, source: str | jinja2.Template, variables: Mapping[str, Any], *, what: str = "the template",
               cancel: CancelCheck | threading.Event | Any | None = None, limits: Limits | None = None) -> str:
        """Render ``source`` with ``variables`` within the bounds.

        Args:
            source: Jinja text (compiled once and cached) or a template of this environment.
            variables: the template's context.
            what: how errors name the template, e.g. ``"the chat template of model.gguf"``.
            cancel: stops the render when it returns True (or an Event that gets set); a
                :func:`cancel_scope` around the call works too.
            limits: this render's bounds (the environment's by default).

        Raises:
            TemplateTooCostly: over the time, size or nesting bound.
            RenderCancelled: ``cancel`` said stop.
            jinja2.TemplateError: and whatever the template itself raises.
        """
        lim = limits or self.limits
        budget = _Budget(what, lim, as_cancel_check(cancel) or _SCOPE_CANCEL.get())
        token = _CURRENT.set(budget)
        try:
            template = self.compiled(source) if isinstance(source, str) else source
            out: list[str] = []
            size = 0
            for chunk in template.generate(**variables):
                size += len(chunk)
                if size > lim.max_chars:
                    raise _too_big("its output")
                budget.check()
                out.append(chunk)
            return "".join(out)
        except RecursionError:
            raise TemplateTooCostly(f"{what} nests or recurses too deeply and was stopped", template=what,
                                    bound="depth") from None
        except MemoryError:
            raise TemplateTooCostly(f"{what} ran out of memory and was stopped", template=what,
                                    bound="size") from None
        except TemplateTooCostly as e:
            if not e.template:  # raised while compiling: name the template now
                raise TemplateTooCostly(f"{what}: {e}", template=what, bound=e.bound) from None
            raise
        finally:
            _CURRENT.reset(token)


def _check_mul(left: Any, right: Any, lim: Limits) -> None:
    if _is_int(left) and _is_int(right):
        if abs(left).bit_length() + abs(right).bit_length() > lim.max_int_bits:
            raise _too_big("'*' would make a huge number")
        return
    seq, n = (left, right) if _is_int(right) else (right, left) if _is_int(left) else (None, 0)
    if seq is None or n <= 0 or not isinstance(seq, (str, bytes, list, tuple)):
        return
    if not isinstance(seq, (str, bytes)) and len(seq) * n > lim.max_items:
        raise _too_big(f"'*' repeats a list {n:,} times")
    if weight(seq, lim.max_chars) * n > lim.max_chars:
        raise _too_big(f"'*' repeats a {'text' if isinstance(seq, (str, bytes)) else 'list'} {n:,} times")


def _finalize(value: Any) -> Any:
    """Every ``{{ ... }}``: a container is turned into text only if that text fits."""
    _check_weight(value, "'{{ }}' printed")
    return value
