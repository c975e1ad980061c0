"""Which cited files may be opened: only those a collection's manifest knows.

A citation's ``source_path`` is just text in the conversation database, and an imported chat can
put anything there (an ``.exe`` or ``.desktop`` file shipped beside the JSON would run when
"opened"). The window and the CLI open a cited file only through :func:`openable_source`.
"""
from __future__ import annotations

import logging
import os
import stat
from pathlib import Path
from typing import Any

from assistant.core.errors import HearthError

log = logging.getLogger("assistant.conversations")


def _knowledge(hearth_or_kb: Any) -> Any:
    """The knowledge base of a :class:`~assistant.core.app.Hearth`, or the object itself."""
    return getattr(hearth_or_kb, "knowledge", hearth_or_kb)


def _key(path: str | os.PathLike[str]) -> str:
    try:
        return os.path.normcase(str(Path(path).resolve()))
    except (OSError, RuntimeError, ValueError):  # a symlink loop, a NUL byte...
        return os.path.normcase(str(path))


def openable_source(hearth_or_kb: Any, path: str | os.PathLike[str] | None,
                    citation: dict | None = None) -> Path | None:
    """The file to open for a citation, or None when it must not be opened.

    Args:
        hearth_or_kb: a ``Hearth`` (its ``knowledge``) or a ``KnowledgeBase``.
        path: the citation's ``source_path``.
        citation: the whole citation, if at hand: one marked ``imported`` is never opened.

    Returns:
        The path, if some collection's manifest lists it and it is a regular file now; else None.
    """
    if not path or (citation is not None and citation.get("imported")):
        return None
    wanted = _key(path)
    kb = _knowledge(hearth_or_kb)
    try:
        known = any(_key(f.path) == wanted
                    for c in kb.list_collections() for f in kb.files(c.name))
    except (OSError, HearthError) as e:
        log.warning("could not read the collections to check %s: %s", path, e)
        return None
    if not known:
        return None
    target = Path(wanted)
    try:
        if not stat.S_ISREG(target.stat().st_mode):
            return None
    except OSError:
        return None
    return target
