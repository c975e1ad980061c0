"""Conversations out to Markdown and JSON, and JSON back in (checked before anything is stored).

An imported file is not trusted: only what a chat *says* comes in (titles, text, roles, branches,
statuses, times, stats, citations) plus its system prompt and sampling. What would make Hearth
*act* (model and adapter paths, a chat template, a context length, a collection, a retrieval
prompt) is dropped, and citations keep only a file's name, marked ``imported`` so that nothing
from the file is ever opened (see :mod:`assistant.core.conversations.sources`).
"""
from __future__ import annotations

import dataclasses
import datetime as _dt
import json
import math
import ntpath
import posixpath
from typing import Callable, TYPE_CHECKING, Any

from assistant.core.errors import HearthError

if TYPE_CHECKING:
    from assistant.core.conversations.store import Conversation, StoredMessage

FORMAT = "hearth-conversation"
VERSION = 1
_ROLES = ("system", "user", "assistant")
_STATUSES = ("complete", "stopped", "error", "streaming", "interrupted")
_SPEAKERS = {"system": "System", "user": "You", "assistant": "Assistant"}
_NOTES = {"stopped": "*(stopped before the end)*", "error": "*(this answer failed)*",
          "interrupted": "*(interrupted: Hearth closed before this answer ended)*"}
#: The only conversation settings an imported file may bring.
IMPORTED_SETTINGS = ("system_prompt", "sampling")
_SAMPLING = {"temperature": float, "top_p": float, "top_k": int, "min_p": float, "repeat_penalty": float,
             "seed": int, "max_tokens": int, "stop": list}
_PATH_KEYS = ("source_path", "path", "source")
_MAX_SCALARS = 64  # keys kept per stats/citation dict


def file_name(path: Any) -> str:
    """The last part of a path written on any system ("C:\\x\\a.pdf" and "/x/a.pdf" give "a.pdf")."""
    text = str(path or "")
    return ntpath.basename(posixpath.basename(text)) or text


GENERAL_NOTE = "*From general knowledge, not your documents.*"


def citation_label(c: dict) -> str:
    """How a citation is named to the user: its title, else its file's name, with the page."""
    where = c.get("title") or file_name(c.get("source_path") or c.get("source") or c.get("path")) or "document"
    page = f", page {c['page']}" if c.get("page") is not None else ""
    return f"{where}{page}"


class ImportProblem(HearthError, ValueError):
    """The file is not a conversation Hearth can import; the message says exactly what is wrong."""


def to_markdown(conv: "Conversation", thread: list["StoredMessage"],
                content_of: "Callable[[StoredMessage], str] | None" = None) -> str:
    """The visible thread as Markdown: a title, then each message under its speaker's name.

    Args:
        content_of: the text shown for a message (default: as stored); the facade passes one
            that leaves out a model's reasoning unless the user asks for it.
    """
    when = _dt.datetime.fromtimestamp(conv.created).strftime("%Y-%m-%d %H:%M")
    out = [f"# {conv.title}", "", f"*{when}*"]
    model = conv.settings.get("model")
    if model:
        out[-1] += f" · model `{file_name(model)}`"  # the name, not where it lives on this machine
    for m in thread:
        text = content_of(m) if content_of is not None else m.content
        out += ["", f"## {_SPEAKERS.get(m.role, m.role)}", "", text.rstrip()]
        if m.role == "assistant" and (m.meta or {}).get("general_knowledge") is True:
            out += ["", GENERAL_NOTE]  # as the window marks it: not from the user's documents
        if m.status in _NOTES:
            out += ["", _NOTES[m.status]]
        if m.citations:
            out += ["", "Sources:"]
            for i, c in enumerate(m.citations, 1):
                num = c.get("number") if isinstance(c.get("number"), int) and c.get("number") else i
                out.append(f"{num}. {citation_label(c)}")
    return "\n".join(out).rstrip() + "\n"


def to_json(conv: "Conversation", messages: list["StoredMessage"]) -> dict:
    """The whole conversation (every branch) as a JSON-ready dict."""
    c = dataclasses.asdict(conv)
    c.pop("deleted", None)
    leaf = c.pop("active_leaf", None)
    return {"format": FORMAT, "version": VERSION, "conversation": c, "active_leaf": leaf,
            "messages": [dataclasses.asdict(m) for m in messages]}


def dumps(data: dict) -> str:
    """The text of a JSON export file (UTF-8, Chinese and other text kept readable)."""
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def _need(obj: dict, key: str, types: type | tuple[type, ...], where: str) -> Any:
    if key not in obj:
        raise ImportProblem(f"{where}: the field '{key}' is missing")
    value = obj[key]
    if not isinstance(value, types) or (isinstance(value, bool) and bool not in _as_tuple(types)):
        names = " or ".join(t.__name__ for t in _as_tuple(types))
        raise ImportProblem(f"{where}: '{key}' should be {names}, not {type(value).__name__}")
    return value


def _as_tuple(types: type | tuple[type, ...]) -> tuple[type, ...]:
    return types if isinstance(types, tuple) else (types,)


def validate(data: Any) -> tuple[dict, list[dict], str | None]:
    """Check an exported conversation before importing it.

    Returns:
        (conversation fields, messages with parents before children, active leaf id or None).

    Raises:
        ImportProblem: naming what is wrong (and which message).
    """
    if not isinstance(data, dict):
        raise ImportProblem(f"not a Hearth conversation: expected a JSON object, found {type(data).__name__}")
    if data.get("format") != FORMAT:
        raise ImportProblem(f"not a Hearth conversation: 'format' is {data.get('format')!r}, expected {FORMAT!r}")
    version = data.get("version")
    if not isinstance(version, int) or version > VERSION or version < 1:
        raise ImportProblem(f"conversation format version {version!r} is not supported (this Hearth reads "
                            f"versions 1 to {VERSION}); a newer Hearth may have written it")
    c = _need(data, "conversation", dict, "conversation file")
    conv = {"title": _need(c, "title", str, "conversation"),
            "created": float(_need(c, "created", (int, float), "conversation")),
            "updated": float(_need(c, "updated", (int, float), "conversation")),
            "pinned": bool(c.get("pinned", False)),
            "settings": imported_settings(_need(c, "settings", dict, "conversation") if "settings" in c else {})}
    raw = _need(data, "messages", list, "conversation file")
    msgs: list[dict] = []
    ids: set[str] = set()
    for i, m in enumerate(raw, 1):
        where = f"message {i}"
        if not isinstance(m, dict):
            raise ImportProblem(f"{where}: expected an object, found {type(m).__name__}")
        mid = _need(m, "id", str, where)
        if mid in ids:
            raise ImportProblem(f"{where}: id {mid} appears twice")
        ids.add(mid)
        role = _need(m, "role", str, where)
        if role not in _ROLES:
            raise ImportProblem(f"{where}: role {role!r} is not one of {', '.join(_ROLES)}")
        status = m.get("status", "complete")
        if status not in _STATUSES:
            raise ImportProblem(f"{where}: status {status!r} is not one of {', '.join(_STATUSES)}")
        parent = m.get("parent_id")
        if parent is not None and not isinstance(parent, str):
            raise ImportProblem(f"{where}: 'parent_id' should be a message id or null")
        msgs.append({"id": mid, "parent_id": parent, "role": role, "content": _need(m, "content", str, where),
                     "created": float(_need(m, "created", (int, float), where)),
                     # nobody is writing it any more: an answer exported mid-stream was cut off
                     "status": "interrupted" if status == "streaming" else status,
                     "stats": m.get("stats") or {}, "citations": m.get("citations") or [],
                     "meta": m.get("meta") or {}})
        for key, typ in (("stats", dict), ("citations", list), ("meta", dict)):
            if not isinstance(msgs[-1][key], typ):
                raise ImportProblem(f"{where}: '{key}' should be {typ.__name__}")
        if not all(isinstance(c, dict) for c in msgs[-1]["citations"]):
            raise ImportProblem(f"{where}: each citation should be an object")
        msgs[-1]["stats"] = _scalars(msgs[-1]["stats"])
        msgs[-1]["citations"] = [imported_citation(c) for c in msgs[-1]["citations"]]
        msgs[-1]["meta"] = _imported_meta(msgs[-1]["meta"])
    by_id = {m["id"]: m for m in msgs}
    for i, m in enumerate(msgs, 1):
        if m["parent_id"] is not None and m["parent_id"] not in by_id:
            raise ImportProblem(f"message {i}: its parent {m['parent_id']} is not in the file")
    # Parents must be stored before their replies; this also finds loops.
    ordered: list[dict] = []
    placed: set[str] = set()
    pending = list(msgs)
    while pending:
        ready = [m for m in pending if m["parent_id"] is None or m["parent_id"] in placed]
        if not ready:
            raise ImportProblem(f"messages {', '.join(m['id'] for m in pending[:3])} form a loop of replies")
        ordered += ready
        placed |= {m["id"] for m in ready}
        pending = [m for m in pending if m["id"] not in placed]
    leaf = data.get("active_leaf")
    if leaf is not None and leaf not in by_id:
        raise ImportProblem(f"the active message {leaf} is not in the file")
    return conv, ordered, leaf


def _is_scalar(v: Any) -> bool:
    return v is None or isinstance(v, (str, bool, int)) or (isinstance(v, float) and math.isfinite(v))


def _scalars(d: dict) -> dict:
    """The plain values of a dict (text, numbers, flags), no nested structures."""
    return {str(k): v for k, v in list(d.items())[:_MAX_SCALARS] if _is_scalar(v)}


def imported_settings(settings: dict) -> dict:
    """The settings an imported chat keeps: its system prompt and sampling values of the right types.

    Model, adapters, chat template, context length, collection and prompt template are dropped:
    they name files and formats on the machine that wrote the file.
    """
    out: dict[str, Any] = {}
    if isinstance(settings.get("system_prompt"), str):
        out["system_prompt"] = settings["system_prompt"]
    sampling = settings.get("sampling")
    if isinstance(sampling, dict):
        kept: dict[str, Any] = {}
        for key, typ in _SAMPLING.items():
            v = sampling.get(key)
            if typ is list:
                if isinstance(v, list) and all(isinstance(x, str) for x in v):
                    kept[key] = v[:16]
            elif isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v):
                kept[key] = int(v) if typ is int else float(v)
        if kept:
            out["sampling"] = kept
    return out


def imported_citation(c: dict) -> dict:
    """A citation from a file: only its plain values, a file *name* instead of a path, and ``imported``.

    The window and :func:`~assistant.core.conversations.sources.openable_source` never open a
    citation marked ``imported``.
    """
    out = _scalars(c)
    for key in _PATH_KEYS:
        if key in out and out[key] is not None:
            out[key] = file_name(out[key])
    out["imported"] = True
    return out


def _imported_meta(meta: dict) -> dict:
    """How an imported answer was made, for display only: names, not paths; no retrieval prompt."""
    out: dict[str, Any] = {}
    if isinstance(meta.get("model"), str) and meta["model"]:
        out["model"] = file_name(meta["model"])
    for key in ("template", "template_version"):
        if isinstance(meta.get(key), (str, int)) and not isinstance(meta.get(key), bool):
            out[key] = meta[key]
    adapters = meta.get("adapters")
    if isinstance(adapters, list):
        named = [{"path": file_name(a.get("path")), "scale": a.get("scale", 1.0)} for a in adapters
                 if isinstance(a, dict) and isinstance(a.get("path"), str)
                 and isinstance(a.get("scale", 1.0), (int, float))]
        if named:
            out["adapters"] = named
    return out
