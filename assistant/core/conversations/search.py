"""The line of a chat that matches a search, shown under its title in the conversation list."""
from __future__ import annotations

from typing import Any, Iterable

WIDTH = 90  # characters of the matching line kept around the match


def _escape_like(q: str) -> str:
    return "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def matching_line(text: str, query: str, width: int = WIDTH) -> str:
    """The line of ``text`` holding ``query`` (case-insensitive), cut to about ``width`` characters
    around the match with "…" where something was left out; "" when it is not there."""
    q = query.strip().casefold()
    if not q:
        return ""
    for line in text.splitlines():
        line = " ".join(line.split())
        at = line.casefold().find(q)
        if at < 0:
            continue
        if len(line) <= width:
            return line
        start = max(0, min(at - width // 3, len(line) - width))
        cut = line[start:start + width].strip()
        return ("…" if start > 0 else "") + cut + ("…" if start + width < len(line) else "")
    return ""


def matching_lines(store: Any, query: str, conv_ids: Iterable[str]) -> dict[str, str]:
    """For each conversation, the first line of its messages (oldest first) that holds ``query``.

    Args:
        store: the :class:`~assistant.core.conversations.store.ConversationStore`.
        query: the words typed in the search line.
        conv_ids: the conversations :meth:`ConversationStore.list` found for it.

    Returns:
        {conversation id: the matching line}; a chat found by its title alone has no entry.
    """
    q = query.strip()
    ids = [str(c) for c in conv_ids]
    if not q or not ids:
        return {}
    found: dict[str, str] = {}
    for i in range(0, len(ids), 400):  # SQLite's limit on parameters is 999 on old builds
        part = ids[i:i + 400]
        marks = ",".join("?" * len(part))
        rows = store._query(  # noqa: SLF001 (same package: the store's lock and connection)
            f"SELECT conversation_id, content FROM messages WHERE conversation_id IN ({marks}) "
            f"AND status != 'streaming' AND content LIKE ? ESCAPE '\\' ORDER BY created",
            (*part, _escape_like(q)))
        for row in rows:
            cid = row["conversation_id"]
            if cid in found:
                continue
            line = matching_line(row["content"], q)
            if line:  # LIKE folds only ASCII case; casefold() may still find it on no line
                found[cid] = line
    return found
