"""Where Hearth keeps its files. The only module that knows.

Everything lives under platformdirs' per-user locations, unless ``HEARTH_HOME`` is set (or the
CLI's ``--temp-home``), in which case data, config, cache and logs all live under that folder.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

APP_NAME = "Hearth"
ENV_HOME = "HEARTH_HOME"


@dataclass(frozen=True)
class Paths:
    """Resolved locations of Hearth's files.

    Attributes:
        data: conversations, collections (Chroma + manifests), templates, adapters registry.
        config: settings file.
        cache: llama state cache, downloads in progress.
        logs: rotating log files.
    """

    data: Path
    config: Path
    cache: Path
    logs: Path

    @property
    def settings_file(self) -> Path:
        return self.config / "settings.json"

    @property
    def conversations_db(self) -> Path:
        return self.data / "conversations.sqlite3"

    @property
    def collections(self) -> Path:
        return self.data / "collections"

    @property
    def models(self) -> Path:
        return self.data / "models"

    @property
    def templates(self) -> Path:
        return self.data / "templates"

    @property
    def adapters(self) -> Path:
        return self.data / "adapters"

    @property
    def state_cache(self) -> Path:
        return self.cache / "llama-state"

    @property
    def log_file(self) -> Path:
        return self.logs / "hearth.log"

    def ensure(self) -> "Paths":
        """Create the folders, each private to the user (0700).

        Logs name files and questions and the cache holds saved model states and partial
        downloads, so they are kept as private as the data itself.
        """
        for p in (self.data, self.config, self.cache, self.logs):
            p.mkdir(parents=True, exist_ok=True)
            make_private(p)
        return self


def make_private(folder: Path) -> None:
    """Restrict ``folder`` to its owner (0700) on POSIX systems; a no-op elsewhere."""
    if os.name == "posix":
        os.chmod(folder, 0o700)


def resolve(home: str | os.PathLike[str] | None = None) -> Paths:
    """Resolve Hearth's folders.

    Args:
        home: an explicit root; overrides ``HEARTH_HOME`` and platformdirs.

    Returns:
        The resolved (not yet created) paths; call ``ensure()`` to create them.
    """
    root = home if home is not None else os.environ.get(ENV_HOME)
    if root:
        r = Path(root).expanduser().resolve()
        return Paths(data=r / "data", config=r / "config", cache=r / "cache", logs=r / "logs")
    return Paths(
        data=Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)),
        config=Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)),
        cache=Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False)),
        logs=Path(platformdirs.user_log_dir(APP_NAME, appauthor=False)),
    )


def resources_dir() -> Path:
    """The read-only resources folder (icons, templates, catalog), frozen or from source."""
    import sys

    base = getattr(sys, "_MEIPASS", None)
    if base:
        return Path(base) / "resources"
    return Path(__file__).resolve().parents[2] / "resources"
