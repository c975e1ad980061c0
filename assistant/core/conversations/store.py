"""Conversations and their messages, kept in SQLite so that nothing shown is ever lost.

The database runs in WAL mode with ``synchronous=NORMAL``: each logical change (a message added,
a partial answer saved, a branch switched) is one transaction, so killing the app at any instant
keeps everything committed before it. Messages form a tree (``parent_id``): regenerating an
answer or editing a question adds a sibling instead of overwriting, and the conversation remembers
which leaf is active, so the visible thread is the path from the root to that leaf.
"""
from __future__ import annotations

import contextlib
import json
import logging
import sqlite3
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from assistant.core.conversations import schema, writers
from assistant.core.errors import NotFound

log = logging.getLogger("assistant.conversations")

ROLES = ("system", "user", "assistant")
#: "interrupted": the answer was being written when Hearth (or the machine) died; its text so far
#: is kept and the window offers Regenerate. Set when the store opens (:meth:`recover_interrupted`).
STATUSES = ("complete", "stopped", "error", "streaming", "interrupted")
AUTO = "auto"
BIN_DAYS = 30  # deleted chats stay in the bin this long, then are erased for good
PURGE_EVERY_S = 24 * 3600  # the bin is emptied of old chats at most once a day, when the store opens
_META_COLUMNS = ("model", "template", "template_version")


class ConversationNotFound(NotFound, KeyError):
    """No conversation (or message) with that id."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "not found"


@dataclass
class Conversation:
    """A chat: its title, when it was made and last changed, and its own settings.

    ``settings`` holds the model, template and template_version, adapters (path + scale),
    collection, system_prompt and sampling chosen for this conversation.
    """

    id: str
    title: str
    created: float
    updated: float
    pinned: bool
    settings: dict
    active_leaf: str | None = None
    deleted: float | None = None


@dataclass
class StoredMessage:
    """One message in a conversation's tree.

    ``status`` is "complete", "stopped" (the user pressed stop: the partial answer is kept),
    "error", "streaming" (being written now) or "interrupted" (Hearth died while it was being
    written: the text so far is kept; offer Regenerate). ``meta`` says how an answer was made:
    model, template, template_version, adapters; a question's ``prompt_content`` is the text
    really sent (with the retrieved passages).
    """

    id: str
    conversation_id: str
    parent_id: str | None
    role: str
    content: str
    created: float
    status: str
    stats: dict
    citations: list[dict]
    meta: dict = field(default_factory=dict)


def _insert_message(db: sqlite3.Connection, msg_id: str, conv_id: str, parent: str | None, role: str,
                    content: str, created: float, status: str, stats: dict, citations: list, meta: dict,
                    writer: str | None = None) -> None:
    """One message row; meta's known keys go to their columns, the rest to ``extra``."""
    meta = dict(meta)
    adapters = meta.pop("adapters", [])
    cols = {k: meta.pop(k, None) for k in _META_COLUMNS}
    db.execute(
        "INSERT INTO messages (id, conversation_id, parent_id, role, content, created, status, stats, "
        "citations, model, template, template_version, adapters, extra, writer) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (msg_id, conv_id, parent, role, content, created, status, json.dumps(stats), json.dumps(citations),
         cols["model"], cols["template"], cols["template_version"], json.dumps(adapters), json.dumps(meta),
         writer if status == "streaming" else None))


def _new_id() -> str:
    return str(uuid.uuid4())


def _default_state_dir(db_path: Path) -> Path | None:
    """The saved-states folder of the Hearth home whose conversation database is ``db_path``."""
    from assistant.core import paths

    p = paths.resolve()
    try:
        same = db_path.resolve() == p.conversations_db.resolve()
    except OSError:
        return None
    return p.state_cache if same else None


class ConversationStore:
    """The conversation database. Safe to share between threads (one lock, one connection).

    Opening it also tidies up after the last run: answers left "streaming" by a process that is
    gone are marked "interrupted", and chats in the bin for more than :data:`BIN_DAYS` days are
    erased (at most once a day; see :meth:`housekeeping`).

    Args:
        db_path: the SQLite file (``paths.resolve().conversations_db``); created if missing.
        state_dir: the folder of saved model states (``paths.state_cache``), emptied when chats are
            erased so that nothing of them stays on disk. "auto": that folder when ``db_path`` is
            the default database of the current Hearth home; None: leave saved states alone.
        housekeeping: tidy up on opening (tests of an untidy database pass False).
    """

    def __init__(self, db_path: Path | str, *, state_dir: Path | str | None = "auto",
                 housekeeping: bool = True) -> None:
        self.path = Path(db_path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self._token = uuid.uuid4().hex[:12]
        self._writer = writers.writer_id(self._token)
        self.state_dir = _default_state_dir(self.path) if state_dir == "auto" else \
            (Path(state_dir) if state_dir is not None else None)
        self._db = sqlite3.connect(str(self.path), isolation_level=None, check_same_thread=False, timeout=10)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("PRAGMA foreign_keys=ON")
        # Freed pages are overwritten with zeros: an erased chat's text does not linger in the file.
        self._db.execute("PRAGMA secure_delete=ON")
        schema.migrate(self._db)
        self._fts = schema.has_fts(self._db)
        writers.opened(self._token)
        if housekeeping:
            self.housekeeping()

    # -- plumbing ---------------------------------------------------------------------------
    @contextlib.contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        """One logical change = one transaction."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def _query(self, sql: str, params: tuple = ()) -> list[sqlite3.Row]:
        with self._lock:
            return self._db.execute(sql, params).fetchall()

    @staticmethod
    def _conv(row: sqlite3.Row) -> Conversation:
        return Conversation(id=row["id"], title=row["title"], created=row["created"], updated=row["updated"],
                            pinned=bool(row["pinned"]), settings=json.loads(row["settings"] or "{}"),
                            active_leaf=row["active_leaf"], deleted=row["deleted"])

    @staticmethod
    def _msg(row: sqlite3.Row) -> StoredMessage:
        meta: dict[str, Any] = json.loads(row["extra"] or "{}")
        for key in _META_COLUMNS:
            if row[key] is not None:
                meta[key] = row[key]
        adapters = json.loads(row["adapters"] or "[]")
        if adapters:
            meta["adapters"] = adapters
        return StoredMessage(id=row["id"], conversation_id=row["conversation_id"], parent_id=row["parent_id"],
                             role=row["role"], content=row["content"], created=row["created"],
                             status=row["status"], stats=json.loads(row["stats"] or "{}"),
                             citations=json.loads(row["citations"] or "[]"), meta=meta)

    def _message(self, msg_id: str) -> StoredMessage:
        rows = self._query("SELECT * FROM messages WHERE id = ?", (msg_id,))
        if not rows:
            raise ConversationNotFound(f"no message with id {msg_id}")
        return self._msg(rows[0])

    def message(self, msg_id: str) -> StoredMessage:
        """The message with this id (raises :class:`ConversationNotFound`)."""
        return self._message(msg_id)

    # -- conversations ----------------------------------------------------------------------
    def create(self, title: str = "New chat", settings: dict | None = None) -> Conversation:
        """Start a new, empty conversation."""
        now = time.time()
        conv = Conversation(_new_id(), title, now, now, False, dict(settings or {}))
        with self._tx() as db:
            db.execute("INSERT INTO conversations (id, title, created, updated, pinned, settings) "
                       "VALUES (?, ?, ?, ?, 0, ?)", (conv.id, title, now, now, json.dumps(conv.settings)))
        return conv

    def get(self, conv_id: str) -> Conversation:
        """The conversation with this id, even if it is in the bin (``deleted`` is set then)."""
        rows = self._query("SELECT * FROM conversations WHERE id = ?", (conv_id,))
        if not rows:
            raise ConversationNotFound(f"no conversation with id {conv_id}")
        return self._conv(rows[0])

    def list(self, query: str = "", limit: int = 500) -> list[Conversation]:
        """Conversations not deleted: pinned first, then the most recently changed.

        Args:
            query: words to find in titles or in any message's text (case-insensitive substring).
            limit: the most conversations to return.
        """
        q = query.strip()
        if not q:
            rows = self._query("SELECT * FROM conversations WHERE deleted IS NULL "
                               "ORDER BY pinned DESC, updated DESC LIMIT ?", (limit,))
            return [self._conv(r) for r in rows]
        like = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        if self._fts and len(q) >= 3:  # trigram search needs at least three characters
            text_match = ("SELECT m.conversation_id FROM messages_fts f JOIN messages m ON m.rowid = f.rowid "
                          "WHERE messages_fts MATCH ?")
            text_param: str = '"' + q.replace('"', '""') + '"'
        else:
            text_match = "SELECT conversation_id FROM messages WHERE content LIKE ? ESCAPE '\\'"
            text_param = like
        rows = self._query(
            f"SELECT * FROM conversations WHERE deleted IS NULL AND "
            f"(title LIKE ? ESCAPE '\\' OR id IN ({text_match})) ORDER BY pinned DESC, updated DESC LIMIT ?",
            (like, text_param, limit))
        return [self._conv(r) for r in rows]

    def _set(self, conv_id: str, sql: str, params: tuple) -> None:
        with self._tx() as db:
            cur = db.execute(f"UPDATE conversations SET {sql} WHERE id = ?", (*params, conv_id))
            if cur.rowcount == 0:
                raise ConversationNotFound(f"no conversation with id {conv_id}")

    def rename(self, conv_id: str, title: str) -> None:
        """Give a conversation a new title."""
        self._set(conv_id, "title = ?, updated = ?", (title, time.time()))

    def set_pinned(self, conv_id: str, pinned: bool) -> None:
        """Pin (keep at the top of the list) or unpin a conversation."""
        self._set(conv_id, "pinned = ?", (int(bool(pinned)),))

    def update_settings(self, conv_id: str, **changes: Any) -> dict:
        """Change some of a conversation's settings; the others stay. Returns the new settings."""
        with self._tx() as db:
            row = db.execute("SELECT settings FROM conversations WHERE id = ?", (conv_id,)).fetchone()
            if row is None:
                raise ConversationNotFound(f"no conversation with id {conv_id}")
            settings = json.loads(row["settings"] or "{}")
            settings.update(changes)
            db.execute("UPDATE conversations SET settings = ? WHERE id = ?", (json.dumps(settings), conv_id))
        return settings

    def delete(self, conv_id: str) -> None:
        """Move a conversation to the bin for :data:`BIN_DAYS` days; :meth:`restore` brings it back."""
        self._set(conv_id, "deleted = ?", (time.time(),))

    def restore(self, conv_id: str) -> None:
        """Take a conversation out of the bin (undo :meth:`delete`)."""
        self._set(conv_id, "deleted = NULL", ())

    def deleted(self) -> list[Conversation]:
        """The bin: deleted conversations not erased yet, most recently deleted first."""
        rows = self._query("SELECT * FROM conversations WHERE deleted IS NOT NULL ORDER BY deleted DESC")
        return [self._conv(r) for r in rows]

    def resolve_id(self, prefix: str, *, include_deleted: bool = True) -> str:
        """The full id of the one conversation whose id starts with ``prefix``.

        Raises:
            ConversationNotFound: no conversation, or several, start with it (the message says which).
        """
        p = prefix.strip().lower()
        if not p:
            raise ConversationNotFound("no conversation id given")
        like = p.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        where = "" if include_deleted else " AND deleted IS NULL"
        rows = self._query(f"SELECT id, title FROM conversations WHERE id LIKE ? ESCAPE '\\'{where} LIMIT 6",
                           (like,))
        if not rows:
            raise ConversationNotFound(f"no conversation with an id starting with '{prefix}'")
        if len(rows) > 1 and not any(r["id"] == p for r in rows):
            names = ", ".join(f"{r['id'][:8]} ({r['title']})" for r in rows[:5])
            raise ConversationNotFound(f"'{prefix}' matches several conversations: {names}; give more of the id")
        return next((r["id"] for r in rows if r["id"] == p), rows[0]["id"])

    def purge_deleted(self, older_than_days: float = BIN_DAYS, *, ids: list[str] | None = None) -> int:
        """Erase for good the conversations in the bin for more than ``older_than_days`` days.

        Their messages, their search rows and (with ``state_dir``) the saved model states go too;
        ``secure_delete`` overwrites the freed pages, and the write-ahead log is checkpointed and
        truncated, so their text does not stay readable in the database files.

        Args:
            older_than_days: 0 erases everything in the bin.
            ids: erase only these conversations (they must be in the bin), whatever their age:
                "Delete forever".

        Returns:
            How many conversations were erased.
        """
        cutoff = time.time() - older_than_days * 86400
        with self._tx() as db:
            rows = db.execute("SELECT id FROM conversations WHERE deleted IS NOT NULL AND deleted <= ?",
                              (cutoff if ids is None else float("inf"),)).fetchall()
            found = [r[0] for r in rows if ids is None or r[0] in ids]
            for cid in found:
                db.execute("DELETE FROM messages WHERE conversation_id = ?", (cid,))
                db.execute("DELETE FROM conversations WHERE id = ?", (cid,))
        if found:
            self._scrub()
            self._forget_saved_states()
            log.info("erased %d conversation(s) from the bin", len(found))
        return len(found)

    def delete_forever(self, conv_id: str) -> None:
        """Erase one conversation in the bin now ("Delete forever"); one not in the bin is refused."""
        if self.get(conv_id).deleted is None:
            raise ValueError(f"conversation {conv_id} is not in the bin; delete it first")
        self.purge_deleted(ids=[conv_id])

    def _scrub(self) -> None:
        """Leave no copy of erased text in the files: merge the search index, then flush the WAL."""
        with self._lock:
            if self._fts:  # FTS5 keeps deleted entries in old segments until they are merged
                self._db.execute("INSERT INTO messages_fts(messages_fts) VALUES ('optimize')")
            self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def _forget_saved_states(self) -> None:
        """Delete the saved model states (KV caches hold an erased chat's text).

        A state file's name is a hash of model, adapters and conversation, so the files of one
        conversation cannot be told apart: the whole cache goes (other chats only re-read their
        history once, a few seconds each).
        """
        folder = self.state_dir
        if folder is None or not folder.is_dir():
            return
        for f in folder.glob("*.state"):  # (a .tmp is a state being written now; the cache tidies those)
            try:
                f.unlink()
            except OSError as e:
                log.warning("could not delete the saved model state %s: %s", f, e)

    def housekeeping(self, now: float | None = None) -> dict[str, int]:
        """Tidy up after the last run (called on opening).

        Marks answers whose writer is gone "interrupted", and, if a day has passed since it was
        last done (remembered in the database), erases chats in the bin for over :data:`BIN_DAYS` days.

        Returns:
            {"interrupted": how many answers were marked, "purged": how many chats were erased}.
        """
        now = time.time() if now is None else now
        done = {"interrupted": self.recover_interrupted(), "purged": 0}
        rows = self._query("SELECT value FROM housekeeping WHERE key = 'last_purge'")
        try:
            last = float(rows[0][0]) if rows else 0.0
        except ValueError:
            last = 0.0
        if now - last >= PURGE_EVERY_S or last > now:
            done["purged"] = self.purge_deleted(BIN_DAYS)
            with self._tx() as db:
                db.execute("INSERT OR REPLACE INTO housekeeping (key, value) VALUES ('last_purge', ?)", (repr(now),))
        return done

    # -- messages ---------------------------------------------------------------------------
    def add_message(self, conv_id: str, role: str, content: str, *, parent_id: str | None = AUTO,
                    status: str = "complete", stats: dict | None = None, citations: list[dict] | None = None,
                    meta: dict | None = None) -> StoredMessage:
        """Add a message; it becomes the conversation's active leaf.

        Args:
            parent_id: "auto" = a reply to the active leaf; None = a new root; or a message id
                (regenerating an answer attaches it under the question, beside the old answer).
            status: "streaming" while an answer is being written (save the text with
                :meth:`update_message`), then "complete", "stopped" or "error".
            meta: model, template, template_version, adapters, and any other facts to keep.
        """
        if role not in ROLES:
            raise ValueError(f"role {role!r} is not one of {', '.join(ROLES)}")
        if status not in STATUSES:
            raise ValueError(f"status {status!r} is not one of {', '.join(STATUSES)}")
        meta = dict(meta or {})
        now = time.time()
        msg_id = _new_id()
        with self._tx() as db:
            row = db.execute("SELECT active_leaf FROM conversations WHERE id = ?", (conv_id,)).fetchone()
            if row is None:
                raise ConversationNotFound(f"no conversation with id {conv_id}")
            parent = row["active_leaf"] if parent_id == AUTO else parent_id
            if parent is not None:
                prow = db.execute("SELECT conversation_id FROM messages WHERE id = ?", (parent,)).fetchone()
                if prow is None or prow[0] != conv_id:
                    raise ConversationNotFound(f"no message {parent} in conversation {conv_id}")
            _insert_message(db, msg_id, conv_id, parent, role, content, now, status, stats or {},
                            citations or [], meta, writer=self._writer)
            db.execute("UPDATE conversations SET active_leaf = ?, updated = ? WHERE id = ?", (msg_id, now, conv_id))
        return self._message(msg_id)

    def update_message(self, msg_id: str, *, content: str | None = None, status: str | None = None,
                       stats: dict | None = None, citations: list[dict] | None = None,
                       meta: dict | None = None) -> None:
        """Save a message's new text (the whole text so far), status, stats, citations or meta.

        ``meta`` is merged into what the message already has (model, template, ... and extras).

        While streaming, call it every few hundred milliseconds with the text shown so far:
        a crash then loses nothing the user has already seen.
        """
        sets, params = [], []
        if content is not None:
            sets.append("content = ?"); params.append(content)
        if status is not None:
            if status not in STATUSES:
                raise ValueError(f"status {status!r} is not one of {', '.join(STATUSES)}")
            sets.append("status = ?"); params.append(status)
            sets.append("writer = ?"); params.append(self._writer if status == "streaming" else None)
        if stats is not None:
            sets.append("stats = ?"); params.append(json.dumps(stats))
        if citations is not None:
            sets.append("citations = ?"); params.append(json.dumps(citations))
        if meta:
            meta = dict(meta)
            if "adapters" in meta:
                sets.append("adapters = ?"); params.append(json.dumps(meta.pop("adapters")))
            for key in _META_COLUMNS:
                if key in meta:
                    sets.append(f"{key} = ?"); params.append(meta.pop(key))
            if meta:
                sets.append("extra = json_patch(COALESCE(extra, '{}'), ?)"); params.append(json.dumps(meta))
        if not sets:
            return
        with self._tx() as db:
            cur = db.execute(f"UPDATE messages SET {', '.join(sets)} WHERE id = ?", (*params, msg_id))
            if cur.rowcount == 0:
                raise ConversationNotFound(f"no message with id {msg_id}")
            db.execute("UPDATE conversations SET updated = ? WHERE id = "
                       "(SELECT conversation_id FROM messages WHERE id = ?)", (time.time(), msg_id))

    def delete_message(self, msg_id: str) -> None:
        """Remove one message. Its replies move up to its parent, so nothing else is lost."""
        with self._tx() as db:
            row = db.execute("SELECT conversation_id, parent_id FROM messages WHERE id = ?", (msg_id,)).fetchone()
            if row is None:
                raise ConversationNotFound(f"no message with id {msg_id}")
            conv_id, parent = row["conversation_id"], row["parent_id"]
            db.execute("UPDATE messages SET parent_id = ? WHERE parent_id = ?", (parent, msg_id))
            db.execute("DELETE FROM messages WHERE id = ?", (msg_id,))
            leaf = db.execute("SELECT active_leaf FROM conversations WHERE id = ?", (conv_id,)).fetchone()[0]
            if leaf == msg_id:  # show the newest remaining branch at that point
                db.execute("UPDATE conversations SET active_leaf = ? WHERE id = ?",
                           (self._descend(db, conv_id, parent), conv_id))
            db.execute("UPDATE conversations SET updated = ? WHERE id = ?", (time.time(), conv_id))

    # -- branches ---------------------------------------------------------------------------
    @staticmethod
    def _children_sql(parent: str | None) -> tuple[str, tuple]:
        if parent is None:
            return "conversation_id = ? AND parent_id IS NULL", ()
        return "conversation_id = ? AND parent_id = ?", (parent,)

    def _descend(self, db: sqlite3.Connection, conv_id: str, start: str | None) -> str | None:
        """From ``start`` (None = the roots), follow the newest reply down to a leaf."""
        node = start
        while True:
            where, extra = self._children_sql(node)
            row = db.execute(f"SELECT id FROM messages WHERE {where} ORDER BY created DESC, rowid DESC LIMIT 1",
                             (conv_id, *extra)).fetchone()
            if row is None:
                return node
            node = row[0]

    def thread(self, conv_id: str) -> list[StoredMessage]:
        """The visible conversation: messages from the root to the active leaf."""
        conv = self.get(conv_id)
        if conv.active_leaf is None:
            return []
        rows = self._query("""
            WITH RECURSIVE up(id, depth) AS (
                SELECT ?, 0
                UNION ALL
                SELECT m.parent_id, up.depth + 1 FROM messages m JOIN up ON m.id = up.id
                WHERE m.parent_id IS NOT NULL)
            SELECT m.* FROM up JOIN messages m ON m.id = up.id ORDER BY up.depth DESC""", (conv.active_leaf,))
        return [self._msg(r) for r in rows]

    def siblings(self, msg_id: str) -> list[StoredMessage]:
        """The alternatives at this point (answers regenerated, questions edited), oldest first.

        The list includes the message itself; ``len(...) > 1`` means there are branches to flip.
        """
        msg = self._message(msg_id)
        where, extra = self._children_sql(msg.parent_id)
        rows = self._query(f"SELECT * FROM messages WHERE {where} ORDER BY created, rowid",
                           (msg.conversation_id, *extra))
        return [self._msg(r) for r in rows]

    def switch_branch(self, msg_id: str) -> None:
        """Make the branch through ``msg_id`` the visible one (down to its newest leaf)."""
        msg = self._message(msg_id)
        with self._tx() as db:
            leaf = self._descend(db, msg.conversation_id, msg.id)
            db.execute("UPDATE conversations SET active_leaf = ? WHERE id = ?", (leaf, msg.conversation_id))

    def regenerate_point(self, assistant_msg_id: str) -> str | None:
        """Where a regenerated answer goes: under the same question, beside the old answer.

        Returns:
            The parent id to pass to :meth:`add_message` (None if the answer was a root).
        """
        msg = self._message(assistant_msg_id)
        if msg.role != "assistant":
            raise ValueError(f"message {assistant_msg_id} is a {msg.role} message, not an answer")
        return msg.parent_id

    def edit_user_message(self, msg_id: str, new_content: str) -> StoredMessage:
        """Ask again with different words: a sibling question, made the active leaf; the original stays.

        The old question's ``prompt_content`` (its text as sent, with passages) is not copied: the
        edited question is sent (and later resent) with its own words.
        """
        msg = self._message(msg_id)
        if msg.role != "user":
            raise ValueError(f"message {msg_id} is a {msg.role} message; only questions can be edited")
        meta = {k: v for k, v in msg.meta.items() if k != "prompt_content"}
        return self.add_message(msg.conversation_id, "user", new_content, parent_id=msg.parent_id, meta=meta)

    def messages(self, conv_id: str) -> list[StoredMessage]:
        """Every message of the conversation, all branches, oldest first."""
        rows = self._query("SELECT * FROM messages WHERE conversation_id = ? ORDER BY created, rowid", (conv_id,))
        return [self._msg(r) for r in rows]

    def recover_interrupted(self) -> int:
        """Mark "interrupted" the answers left "streaming" by a process that is gone (a crash, a kill).

        Their text so far is kept. An answer still being written by a live Hearth (the window while
        ``hearth conversations`` runs, or another store open in this process) is left alone.

        Returns:
            How many answers were marked.
        """
        with self._tx() as db:
            rows = db.execute("SELECT id, writer FROM messages WHERE status = 'streaming'").fetchall()
            gone = [r["id"] for r in rows if not writers.alive(r["writer"])]
            for mid in gone:
                db.execute("UPDATE messages SET status = 'interrupted', writer = NULL WHERE id = ?", (mid,))
        if gone:
            log.info("%d answer(s) cut off by the end of a previous run marked interrupted", len(gone))
        return len(gone)

    # -- export -----------------------------------------------------------------------------
    def export_markdown(self, conv_id: str, content_of: Any = None) -> str:
        """The visible thread as Markdown (``content_of``: see :func:`export.to_markdown`)."""
        from assistant.core.conversations import export

        return export.to_markdown(self.get(conv_id), self.thread(conv_id), content_of)

    def export_json(self, conv_id: str) -> dict:
        """The whole conversation, every branch, as a JSON-ready dict."""
        from assistant.core.conversations import export

        return export.to_json(self.get(conv_id), self.messages(conv_id))

    def import_json(self, data: dict) -> Conversation:
        """Add a conversation exported by :meth:`export_json` (with new ids, so twice is fine).

        Raises:
            export.ImportProblem: the data is not a Hearth conversation; the message says what is wrong.
        """
        from assistant.core.conversations import export

        conv, msgs, leaf = export.validate(data)
        id_map = {m["id"]: _new_id() for m in msgs}
        new_id = _new_id()
        with self._tx() as db:
            db.execute("INSERT INTO conversations (id, title, created, updated, pinned, settings, active_leaf) "
                       "VALUES (?, ?, ?, ?, ?, ?, ?)",
                       (new_id, conv["title"], conv["created"], conv["updated"], int(conv["pinned"]),
                        json.dumps(conv["settings"]), id_map.get(leaf) if leaf else None))
            for m in msgs:
                _insert_message(db, id_map[m["id"]], new_id, id_map[m["parent_id"]] if m["parent_id"] else None,
                                m["role"], m["content"], m["created"], m["status"], m["stats"], m["citations"],
                                dict(m["meta"]))
            if not leaf and msgs:
                db.execute("UPDATE conversations SET active_leaf = ? WHERE id = ?",
                           (self._descend(db, new_id, None), new_id))
        return self.get(new_id)

    def close(self) -> None:
        """Close the database (checkpointing the WAL)."""
        writers.closed(self._token)
        with self._lock:
            self._db.close()

    def __enter__(self) -> "ConversationStore":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
