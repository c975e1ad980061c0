"""Feedback on answers (👍/👎, a better answer), kept with everything needed to learn from it.

Each rating is stored with the full context of the answer it judges: the messages as they were
sent (the question with its retrieved passages, earlier turns as first sent), the answer, the
model file and its sha256, the prompt template and version, adapters and scales, sampling, the
citations. From there: ``chat-jsonl`` (supervised fine-tuning), ``dpo-jsonl`` (preference
tuning), ``csv``, and :func:`to_evalset`, which turns 👎 answers with a better answer into a QA
set that ``hearth eval answers`` runs on. The feedback lives in its own SQLite file (WAL, one
transaction per rating; rating a message again replaces the earlier rating).
"""
from __future__ import annotations

import csv
import datetime
import hashlib
import io
import json
import re
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from assistant.core.errors import HearthError, NotFound

RATINGS = ("up", "down")
FORMATS = ("chat-jsonl", "dpo-jsonl", "csv")
_SHA_CACHE: dict[tuple[str, int, float], str] = {}


@dataclass
class Feedback:
    """One rating: ``context`` holds messages, answer, model, model_sha256, template, adapters, sampling..."""

    message_id: str
    conversation_id: str
    rating: str
    better: str
    created: float
    context: dict[str, Any]


def file_sha256(path: str) -> str:
    """sha256 of a file ("" if it cannot be read), remembered while its size and mtime stay the same."""
    try:
        st = Path(path).stat()
    except OSError:
        return ""
    key = (str(path), st.st_size, st.st_mtime)
    if key not in _SHA_CACHE:
        h = hashlib.sha256()
        with open(path, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
        _SHA_CACHE[key] = h.hexdigest()
    return _SHA_CACHE[key]


def answer_context(hearth: Any, message_id: str) -> tuple[str, dict[str, Any]]:
    """(conversation id, the context of a stored answer) as described in the module docstring.

    Raises:
        NotFound: no such message. HearthError: the message is not an answer.
    """
    from dataclasses import asdict

    from assistant.core.conversations.settings import ConversationSettings

    store = hearth.store
    try:
        msg = store.message(message_id)
    except KeyError:
        raise NotFound(f"no message with id {message_id!r}",
                       fix="`hearth conversations show ID --json` lists the message ids") from None
    if msg.role != "assistant":
        raise HearthError(f"message {message_id} is a {msg.role} message; feedback is given on answers")
    chain = []
    parent = msg.parent_id
    while parent:
        m = store.message(parent)
        chain.append(m)
        parent = m.parent_id
    chain.reverse()
    cs = ConversationSettings.from_dict(store.get(msg.conversation_id).settings)
    system = cs.system_prompt or hearth.settings.system_prompt
    sent = [{"role": "system", "content": system}] if system else []
    for m in chain:
        if m.role in ("user", "assistant") and m.status not in ("error", "interrupted"):
            sent.append({"role": m.role, "content": (m.meta or {}).get("prompt_content") or m.content})
    question = next((m.content for m in reversed(chain) if m.role == "user"), "")
    meta = msg.meta or {}
    model = str(meta.get("model") or cs.model or "")
    return msg.conversation_id, {
        "messages": sent, "question": question, "answer": msg.content, "parent_id": msg.parent_id,
        "model": model, "model_sha256": file_sha256(model) if model else "",
        "template": meta.get("template"), "template_version": meta.get("template_version"),
        "adapters": meta.get("adapters") or cs.adapters, "sampling": asdict(hearth.sampling(cs)),
        "collection": cs.collection, "citations": msg.citations, "stats": msg.stats, "status": msg.status,
    }


class FeedbackStore:
    """The ratings, in ``feedback.db`` beside the conversations."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(self.path), isolation_level=None, check_same_thread=False, timeout=10)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("CREATE TABLE IF NOT EXISTS feedback (message_id TEXT PRIMARY KEY, conversation_id TEXT, "
                         "rating TEXT NOT NULL, better TEXT NOT NULL DEFAULT '', created REAL NOT NULL, "
                         "context TEXT NOT NULL)")

    def add(self, hearth: Any, message_id: str, rating: str, better: str | None = None) -> Feedback:
        """Rate a stored answer (replaces an earlier rating of it)."""
        if rating not in RATINGS:
            raise HearthError(f"rating {rating!r}: say up or down")
        conv_id, ctx = answer_context(hearth, message_id)
        fb = Feedback(message_id, conv_id, rating, (better or "").strip(), time.time(), ctx)
        with self._lock:
            self._db.execute("INSERT OR REPLACE INTO feedback VALUES (?, ?, ?, ?, ?, ?)",
                             (fb.message_id, fb.conversation_id, fb.rating, fb.better, fb.created,
                              json.dumps(ctx, ensure_ascii=False)))
        return fb

    def get(self, message_id: str) -> Feedback | None:
        """The rating of one answer, or None."""
        with self._lock:
            r = self._db.execute("SELECT * FROM feedback WHERE message_id = ?", (message_id,)).fetchone()
        return Feedback(r[0], r[1], r[2], r[3], r[4], json.loads(r[5])) if r else None

    def ratings(self, conversation_id: str) -> dict[str, tuple[str, str]]:
        """{answer message id: (rating, better answer)} for one conversation (what the window shows)."""
        with self._lock:
            rows = self._db.execute("SELECT message_id, rating, better FROM feedback WHERE conversation_id = ?",
                                    (conversation_id,)).fetchall()
        return {r[0]: (r[1], r[2]) for r in rows}

    def remove(self, message_id: str) -> bool:
        """Take back the rating of an answer; whether there was one."""
        with self._lock:
            cur = self._db.execute("DELETE FROM feedback WHERE message_id = ?", (message_id,))
        return cur.rowcount > 0

    def list(self, since: float | None = None) -> list[Feedback]:
        """Ratings, oldest first (``since``: a Unix time)."""
        with self._lock:
            rows = self._db.execute("SELECT * FROM feedback WHERE created >= ? ORDER BY created",
                                    (since or 0.0,)).fetchall()
        return [Feedback(r[0], r[1], r[2], r[3], r[4], json.loads(r[5])) for r in rows]

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> "FeedbackStore":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def open_store(hearth: Any) -> FeedbackStore:
    """The feedback store of a Hearth home (``feedback.db`` in its data folder); close it after use."""
    return FeedbackStore(Path(hearth.paths.data) / "feedback.db")


def parse_since(text: str | None) -> float | None:
    """A ``--since`` date (YYYY-MM-DD or an ISO date-time, local time) as a Unix time."""
    if not text:
        return None
    try:
        return datetime.datetime.fromisoformat(text).timestamp()
    except ValueError:
        raise HearthError(f"--since {text!r} is not a date", fix="write it as YYYY-MM-DD") from None


def _prompt(fb: Feedback) -> list[dict[str, str]]:
    return list(fb.context.get("messages") or [])


def export_lines(items: list[Feedback], fmt: str) -> Iterator[str]:
    """The ratings in an export format, line by line (csv: with a header line).

    chat-jsonl: ``{"messages": [...as sent..., {"role": "assistant", "content": good answer}]}`` for
    every 👍 answer and every 👎 answer with a better one. dpo-jsonl: ``{"prompt": messages,
    "chosen", "rejected"}`` for every 👎 answer with a better answer or a 👍 sibling (another
    answer to the same question).
    """
    if fmt not in FORMATS:
        raise HearthError(f"format {fmt!r}: one of {', '.join(FORMATS)}")
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf)
        w.writerow(["created", "message_id", "conversation_id", "rating", "question", "answer", "better", "model",
                    "model_sha256", "template", "template_version"])
        for fb in items:
            c = fb.context
            w.writerow([datetime.datetime.fromtimestamp(fb.created).isoformat(timespec="seconds"), fb.message_id,
                        fb.conversation_id, fb.rating, c.get("question", ""), c.get("answer", ""), fb.better,
                        c.get("model", ""), c.get("model_sha256", ""), c.get("template") or "",
                        c.get("template_version") if c.get("template_version") is not None else ""])
        yield from buf.getvalue().splitlines()
        return
    for fb in items:
        good = fb.better if fb.rating == "down" else (fb.better or fb.context.get("answer", ""))
        if fmt == "chat-jsonl" and good:
            yield json.dumps({"messages": _prompt(fb) + [{"role": "assistant", "content": good}]}, ensure_ascii=False)
        elif fmt == "dpo-jsonl" and fb.rating == "down":
            chosen = fb.better or next((o.context.get("answer") for o in items if o.rating == "up"
                                        and o.context.get("parent_id") == fb.context.get("parent_id")
                                        and o.message_id != fb.message_id), "")
            if chosen:
                yield json.dumps({"prompt": _prompt(fb), "chosen": chosen, "rejected": fb.context.get("answer", "")},
                                 ensure_ascii=False)


def to_evalset(items: list[Feedback], folder: str | Path) -> int:
    """Write 👎 answers that have a better answer as a QA set (docs/ + questions.jsonl); returns how many.

    docs/ gets the files the answers cited when they still exist, else the passages as they were
    sent (taken from the prompt), so the set answers from the same text.
    """
    folder = Path(folder).expanduser()
    docs = folder / "docs"
    docs.mkdir(parents=True, exist_ok=True)
    n = 0
    with open(folder / "questions.jsonl", "w", encoding="utf-8") as out:
        for fb in items:
            if fb.rating != "down" or not fb.better:
                continue
            doc = ""
            for c in fb.context.get("citations") or []:
                src = Path(str(c.get("source_path") or ""))
                if src.is_file():
                    target = docs / src.name
                    if not target.exists():
                        target.write_bytes(src.read_bytes())
                    doc = doc or f"docs/{src.name}"
            if not doc:
                sent = (fb.context.get("messages") or [{}])[-1].get("content", "")
                text = sent.split("\n\nQuestion: ")[0] if "\n\nQuestion: " in sent else ""
                if text:
                    name = f"feedback-{fb.message_id[:12]}.md"
                    (docs / name).write_text(f"# Passages of answer {fb.message_id}\n\n{text}\n", encoding="utf-8")
                    doc = f"docs/{name}"
            q = fb.context.get("question", "")
            out.write(json.dumps({"id": fb.message_id, "question": q, "answers": [fb.better], "unanswerable": False,
                                  "doc": doc, "lang": "zh" if re.search(r"[\u4e00-\u9fa5]", q) else "en"},
                                 ensure_ascii=False) + "\n")
            n += 1
    return n
