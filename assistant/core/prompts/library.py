"""The template library: built-ins from ``resources/templates`` plus the user's own, with versions.

User templates live in one SQLite file under ``paths.templates`` (WAL mode, one transaction per
save), so a crash at any instant leaves either the old or the new version, never half of one.
Every save adds a version; nothing is overwritten, so the user can look back, diff and restore.
"""
from __future__ import annotations

import dataclasses
import difflib
import logging
import sqlite3
import time
from pathlib import Path
from typing import Any, Iterator

from assistant.core import paths as paths_mod
from assistant.core.paths import Paths
from assistant.core.prompts import pack
from assistant.core.prompts.template import (PromptTemplate, RenderedPrompt, TemplateError,
                                             TemplateExists, TemplateNotFound, TemplateReadOnly,
                                             TemplateVersion, dump, parse, render, validate)

log = logging.getLogger("assistant.prompts")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS template_versions (
    name TEXT NOT NULL,
    version INTEGER NOT NULL,
    saved_at REAL NOT NULL,
    text TEXT NOT NULL,
    PRIMARY KEY (name, version)
);
CREATE TABLE IF NOT EXISTS templates (
    name TEXT PRIMARY KEY,
    current_version INTEGER NOT NULL
);
"""


def builtin_dir() -> Path:
    """Folder of the built-in templates shipped with Hearth."""
    return paths_mod.resources_dir() / "templates"


def load_builtins(folder: Path | None = None) -> dict[str, PromptTemplate]:
    """Read the built-in templates. A broken file is logged and left out, never fatal."""
    out: dict[str, PromptTemplate] = {}
    for f in sorted((folder or builtin_dir()).glob("*.md")):
        try:
            t = parse(f.read_text(encoding="utf-8"), f.name)
        except (OSError, TemplateError) as e:
            log.error("built-in template %s skipped: %s", f, e)
            continue
        t.builtin, t.version = True, t.version or 1
        out[t.name] = t
    return out


class TemplateLibrary:
    """All templates the user can use.

    Args:
        paths: Hearth's folders; user templates go in ``paths.templates``.
        builtin_folder: where the built-ins are (tests point it elsewhere).
    """

    def __init__(self, paths: Paths, builtin_folder: Path | None = None):
        self.db_path = paths.templates / "templates.sqlite3"
        self.db_path.parent.mkdir(parents=True, exist_ok=True)
        self._builtins = load_builtins(builtin_folder)
        with self._db() as db:
            db.executescript(_SCHEMA)

    # ---- storage ------------------------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.db_path, timeout=10)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        return db

    class _Tx:
        def __init__(self, db: sqlite3.Connection):
            self.db = db

        def __enter__(self) -> sqlite3.Connection:
            return self.db

        def __exit__(self, exc_type: Any, *_: Any) -> None:
            try:
                if exc_type is None:
                    self.db.commit()
                else:
                    self.db.rollback()
            finally:
                self.db.close()

    def _db(self) -> "TemplateLibrary._Tx":
        return self._Tx(self._connect())

    def _row_template(self, name: str, version: int, text: str) -> PromptTemplate:
        t = parse(text, f"stored template '{name}' v{version}")
        t.version, t.builtin = version, False
        return t

    # ---- reading ------------------------------------------------------------------------------

    def list(self) -> list[PromptTemplate]:
        """Every template (latest versions), built-ins and the user's, sorted by name."""
        out = dict(self._builtins)
        with self._db() as db:
            rows = db.execute("SELECT v.name, v.version, v.text FROM templates t JOIN template_versions v"
                              " ON v.name = t.name AND v.version = t.current_version").fetchall()
        for name, version, text in rows:
            out[name] = self._row_template(name, version, text)
        return sorted(out.values(), key=lambda t: t.name.lower())

    def names(self) -> list[str]:
        return [t.name for t in self.list()]

    def exists(self, name: str) -> bool:
        if name in self._builtins:
            return True
        with self._db() as db:
            return db.execute("SELECT 1 FROM templates WHERE name=?", (name,)).fetchone() is not None

    def get(self, name: str, version: int | None = None) -> PromptTemplate:
        """A template by name; the latest version unless ``version`` is given.

        Raises:
            TemplateNotFound: no such template or version.
        """
        if name in self._builtins:
            t = self._builtins[name]
            if version not in (None, t.version):
                raise TemplateNotFound(f"built-in template '{name}' has only version {t.version}")
            return dataclasses.replace(t, variables=dict(t.variables), sampling=dict(t.sampling))
        with self._db() as db:
            if version is None:
                row = db.execute("SELECT current_version FROM templates WHERE name=?", (name,)).fetchone()
                if row is None:
                    raise TemplateNotFound(f"no template named '{name}'")
                version = int(row[0])
            row = db.execute("SELECT text FROM template_versions WHERE name=? AND version=?",
                             (name, version)).fetchone()
        if row is None:
            raise TemplateNotFound(f"template '{name}' has no version {version}")
        return self._row_template(name, version, row[0])

    def history(self, name: str) -> list[TemplateVersion]:
        """Saved versions of a template, oldest first (a built-in has just its own)."""
        if name in self._builtins:
            t = self.get(name)
            return [TemplateVersion(name, t.version, 0.0, t)]
        with self._db() as db:
            rows = db.execute("SELECT version, saved_at, text FROM template_versions WHERE name=?"
                              " ORDER BY version", (name,)).fetchall()
        if not rows:
            raise TemplateNotFound(f"no template named '{name}'")
        return [TemplateVersion(name, v, at, self._row_template(name, v, text)) for v, at, text in rows]

    def diff(self, name: str, v1: int, v2: int) -> str:
        """Unified diff between two versions of a template, as the user reads the files."""
        a, b = dump(self.get(name, v1)), dump(self.get(name, v2))
        return "".join(difflib.unified_diff(a.splitlines(keepends=True), b.splitlines(keepends=True),
                                            fromfile=f"{name} v{v1}", tofile=f"{name} v{v2}"))

    def search(self, query: str) -> list[PromptTemplate]:
        """Fuzzy search by name (then description), best first; for the ``/`` picker."""
        return pack.search(query, self.list())

    # ---- changing -----------------------------------------------------------------------------

    def save(self, template: PromptTemplate) -> int:
        """Save a new version of a user template (creating it if new). Returns the version number.

        Raises:
            TemplateReadOnly: the name is a built-in's.
            TemplateError: the template is invalid (name, body, sampling keys, Jinja syntax).
        """
        with self._db() as db:
            return self._save(db, template)

    def _save(self, db: sqlite3.Connection, template: PromptTemplate) -> int:
        t = validate(dataclasses.replace(template, variables=dict(template.variables),
                                         sampling=dict(template.sampling)))
        if t.name in self._builtins:
            raise TemplateReadOnly(f"'{t.name}' is a built-in template and cannot be changed; "
                                   "duplicate it under a new name")
        text = dump(t)
        row = db.execute("SELECT MAX(version) FROM template_versions WHERE name=?", (t.name,)).fetchone()
        version = int(row[0] or 0) + 1
        db.execute("INSERT INTO template_versions(name, version, saved_at, text) VALUES (?,?,?,?)",
                   (t.name, version, time.time(), text))
        db.execute("INSERT INTO templates(name, current_version) VALUES (?, ?) ON CONFLICT(name)"
                   " DO UPDATE SET current_version=excluded.current_version", (t.name, version))
        template.version = version
        return version

    def duplicate(self, name: str, new_name: str) -> PromptTemplate:
        """Copy a template (built-ins included) under a new name, as version 1 of a user template."""
        if self.exists(new_name):
            raise TemplateExists([new_name])
        t = dataclasses.replace(self.get(name), name=new_name, builtin=False, version=0)
        self.save(t)
        return t

    def delete(self, name: str) -> None:
        """Delete a user template and its history. Built-ins cannot be deleted."""
        if name in self._builtins:
            raise TemplateReadOnly(f"'{name}' is a built-in template and cannot be deleted")
        with self._db() as db:
            if db.execute("DELETE FROM templates WHERE name=?", (name,)).rowcount == 0:
                raise TemplateNotFound(f"no template named '{name}'")
            db.execute("DELETE FROM template_versions WHERE name=?", (name,))

    def restore(self, name: str, version: int) -> int:
        """Make an old version current again, as a new version (history is never rewritten)."""
        old = self.get(name, version)
        if old.builtin:
            return old.version
        return self.save(old)

    # ---- files --------------------------------------------------------------------------------

    def export(self, names: list[str]) -> str:
        """One readable Markdown file with the named templates (latest versions)."""
        return pack.export_text([self.get(n) for n in names])

    def import_text(self, text: str, overwrite: bool = False, source: str = "import") -> list[str]:
        """Add the templates in ``text`` (one or a pack). All or nothing.

        Raises:
            TemplateExists: some names exist and ``overwrite`` is False (``.names`` lists them).
            TemplateReadOnly: a name is a built-in's (those are never replaced).
            TemplateError: the text is not a valid template file.
        """
        templates = pack.parse_pack(text, source)
        builtin = [t.name for t in templates if t.name in self._builtins]
        if builtin:
            raise TemplateReadOnly(f"cannot import over built-in template(s): {', '.join(builtin)}")
        if not overwrite:
            taken = [t.name for t in templates if self.exists(t.name)]
            if taken:
                raise TemplateExists(taken)
        with self._db() as db:  # one transaction: a bad pack leaves the library untouched
            for t in templates:
                self._save(db, t)
        return [t.name for t in templates]

    # ---- use ----------------------------------------------------------------------------------

    def render(self, name: str, variables: dict[str, Any], version: int | None = None, *,
               cancelled: Any = None, seconds: float | None = None) -> RenderedPrompt:
        """Render a template within its time and size bounds; see :func:`assistant.core.prompts.template.render`.

        Args:
            cancelled: optional: a callable or Event that stops the render when it says so.
            seconds: optional: another time bound than the default 2 s.
        """
        return render(self.get(name, version), variables, cancelled=cancelled, seconds=seconds)

    def __iter__(self) -> Iterator[PromptTemplate]:
        return iter(self.list())
