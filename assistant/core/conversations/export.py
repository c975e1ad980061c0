"""Conversations out to Markdown and JSON, and JSON back in (checked before anything is stored)."""
from __future__ import annotations

from assistant.core.errors import HearthError
import dataclasses
import datetime as _dt
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from assistant.core.conversations.store import Conversation, StoredMessage

FORMAT = "hearth-conversation"
VERSION = 1
_ROLES = ("system", "user", "assistant")
_STATUSES = ("complete", "stopped", "error", "streaming")
_SPEAKERS = {"system": "System", "user": "You", "assistant": "Assistant"}


class ImportProblem(HearthError, ValueError):
    """The file is not a conversation Hearth can import; the message says exactly what is wrong."""


def to_markdown(conv: "Conversation", thread: list["StoredMessage"]) -> str:
    """The visible thread as Markdown: a title, then each message under its speaker's name."""
    when = _dt.datetime.fromtimestamp(conv.created).strftime("%Y-%m-%d %H:%M")
    out = [f"# {conv.title}", "", f"*{when}*"]
    model = conv.settings.get("model")
    if model:
        out[-1] += f" · model `{model}`"
    for m in thread:
        out += ["", f"## {_SPEAKERS.get(m.role, m.role)}", "", m.content.rstrip()]
        if m.status == "stopped":
            out += ["", "*(stopped before the end)*"]
        elif m.status == "error":
            out += ["", "*(this answer failed)*"]
        if m.citations:
            out += ["", "Sources:"]
            for i, c in enumerate(m.citations, 1):
                where = c.get("title") or c.get("source") or c.get("path") or "document"
                page = f", page {c['page']}" if c.get("page") is not None else ""
                out.append(f"{i}. {where}{page}")
    return "\n".join(out).rstrip() + "\n"


def to_json(conv: "Conversation", messages: list["StoredMessage"]) -> dict:
    """The whole conversation (every branch) as a JSON-ready dict."""
    c = dataclasses.asdict(conv)
    c.pop("deleted", None)
    leaf = c.pop("active_leaf", None)
    return {"format": FORMAT, "version": VERSION, "conversation": c, "active_leaf": leaf,
            "messages": [dataclasses.asdict(m) for m in messages]}


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
            "settings": _need(c, "settings", dict, "conversation") if "settings" in c else {}}
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
                     "created": float(_need(m, "created", (int, float), where)), "status": status,
                     "stats": m.get("stats") or {}, "citations": m.get("citations") or [],
                     "meta": m.get("meta") or {}})
        for key, typ in (("stats", dict), ("citations", list), ("meta", dict)):
            if not isinstance(msgs[-1][key], typ):
                raise ImportProblem(f"{where}: '{key}' should be {typ.__name__}")
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
