"""The conversation database's schema, as an ordered list of migrations.

Like simonw/llm's ``migrations.py``: each function runs once, in order, and its name is recorded
in the ``_migrations`` table, so a database written by an older Hearth is brought up to date
when it is opened, without touching what it already holds.
"""
from __future__ import annotations

import logging
import sqlite3
import time
from typing import Callable

log = logging.getLogger("assistant.conversations")

Migration = Callable[[sqlite3.Connection], None]
MIGRATIONS: list[Migration] = []


def migration(fn: Migration) -> Migration:
    """Register ``fn`` as the next migration (order of definition is the order of application)."""
    MIGRATIONS.append(fn)
    return fn


@migration
def m001_initial(db: sqlite3.Connection) -> None:
    db.execute("""
        CREATE TABLE conversations (
            id TEXT PRIMARY KEY,
            title TEXT NOT NULL,
            created REAL NOT NULL,
            updated REAL NOT NULL,
            pinned INTEGER NOT NULL DEFAULT 0,
            settings TEXT NOT NULL DEFAULT '{}',
            active_leaf TEXT
        )""")
    db.execute("""
        CREATE TABLE messages (
            id TEXT PRIMARY KEY,
            conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
            parent_id TEXT,
            role TEXT NOT NULL,
            content TEXT NOT NULL,
            created REAL NOT NULL,
            status TEXT NOT NULL DEFAULT 'complete',
            stats TEXT NOT NULL DEFAULT '{}',
            citations TEXT NOT NULL DEFAULT '[]',
            model TEXT,
            template_version TEXT,
            adapters TEXT NOT NULL DEFAULT '[]'
        )""")
    db.execute("CREATE INDEX messages_by_conversation ON messages(conversation_id, created)")
    db.execute("CREATE INDEX messages_by_parent ON messages(parent_id)")


@migration
def m002_soft_delete_and_meta(db: sqlite3.Connection) -> None:
    # Deleting a conversation only marks it, so the window can offer "undo".
    db.execute("ALTER TABLE conversations ADD COLUMN deleted REAL")
    # The prompt template's name, and any other facts about how an answer was made.
    db.execute("ALTER TABLE messages ADD COLUMN template TEXT")
    db.execute("ALTER TABLE messages ADD COLUMN extra TEXT NOT NULL DEFAULT '{}'")


@migration
def m003_message_search(db: sqlite3.Connection) -> None:
    # Trigram tokens match any substring, Chinese included (unicode61 cannot split CJK words).
    # Streaming rows are indexed once they end, not on every partial save.
    try:
        db.execute("""CREATE VIRTUAL TABLE messages_fts USING fts5(
                          content, content='messages', content_rowid='rowid', tokenize='trigram')""")
    except sqlite3.OperationalError as e:
        log.warning("full-text search unavailable (%s); searching message text with LIKE", e)
        return
    db.execute("""CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages
                  WHEN new.status != 'streaming' BEGIN
                    INSERT INTO messages_fts(rowid, content) VALUES (new.rowid, new.content);
                  END""")
    db.execute("""CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages
                  WHEN old.status != 'streaming' BEGIN
                    INSERT INTO messages_fts(messages_fts, rowid, content)
                      VALUES ('delete', old.rowid, old.content);
                  END""")
    db.execute("""CREATE TRIGGER messages_fts_update_old AFTER UPDATE OF content, status ON messages
                  WHEN old.status != 'streaming' BEGIN
                    INSERT INTO messages_fts(messages_fts, rowid, content)
                      VALUES ('delete', old.rowid, old.content);
                  END""")
    db.execute("""CREATE TRIGGER messages_fts_update_new AFTER UPDATE OF content, status ON messages
                  WHEN new.status != 'streaming' BEGIN
                    INSERT INTO messages_fts(rowid, content) VALUES (new.rowid, new.content);
                  END""")
    db.execute("INSERT INTO messages_fts(rowid, content) "
               "SELECT rowid, content FROM messages WHERE status != 'streaming'")


@migration
def m004_writers_and_housekeeping(db: sqlite3.Connection) -> None:
    # Which process (pid, start time, store) is writing a "streaming" answer: on opening, answers
    # whose writer is gone are marked "interrupted", and a live one in another process is left alone.
    db.execute("ALTER TABLE messages ADD COLUMN writer TEXT")
    # Small facts the store keeps about itself, e.g. when the bin was last emptied.
    db.execute("CREATE TABLE housekeeping (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    db.execute("CREATE INDEX conversations_deleted ON conversations(deleted) WHERE deleted IS NOT NULL")


def has_fts(db: sqlite3.Connection) -> bool:
    """Whether the message search index exists in this database."""
    row = db.execute("SELECT 1 FROM sqlite_master WHERE name = 'messages_fts'").fetchone()
    return row is not None


def migrate(db: sqlite3.Connection, migrations: list[Migration] | None = None) -> list[str]:
    """Apply the migrations this database has not seen yet, each in its own transaction.

    Args:
        db: a connection in autocommit mode (``isolation_level=None``).
        migrations: the list to apply (tests pass a prefix to build an older database).

    Returns:
        The names of the migrations applied now.
    """
    db.execute("CREATE TABLE IF NOT EXISTS _migrations (name TEXT PRIMARY KEY, applied REAL NOT NULL)")
    done = {r[0] for r in db.execute("SELECT name FROM _migrations")}
    applied = []
    for fn in MIGRATIONS if migrations is None else migrations:
        if fn.__name__ in done:
            continue
        db.execute("BEGIN IMMEDIATE")
        try:
            fn(db)
            db.execute("INSERT INTO _migrations (name, applied) VALUES (?, ?)", (fn.__name__, time.time()))
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        log.info("conversation database migrated: %s", fn.__name__)
        applied.append(fn.__name__)
    return applied
