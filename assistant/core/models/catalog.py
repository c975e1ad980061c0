"""The curated list of models Hearth offers to download (``resources/catalog.json``)."""
from __future__ import annotations

from assistant.core.errors import HearthError
import json
from dataclasses import dataclass, field
from pathlib import Path

from assistant.core import paths

CATALOG_FILE = "catalog.json"


class CatalogError(HearthError, ValueError):
    """The catalog file is missing or malformed; the message names the file and the entry."""


@dataclass
class CatalogEntry:
    """A model that can be downloaded.

    ``url`` pins the hub revision (a commit) that ``sha256`` was read from. ``sha256`` is None
    when no checksum could be found published: such an entry is shown as unverified and the
    download asks for confirmation first; it is then checked against the hub's announced LFS
    checksum when there is one, else against the size. ``size_bytes`` is None when the exact
    byte count is not published (the size the server reports is checked).
    """

    id: str
    name: str
    url: str
    filename: str
    licence: str
    quantization: str
    context: int
    min_ram_gb: float
    hardware: str
    gated: bool = False
    size_bytes: int | None = None
    approx_size_mb: int | None = None
    sha256: str | None = None
    parameters_b: float | None = None
    languages: list[str] = field(default_factory=list)

    @property
    def display_size_mb(self) -> int | None:
        """The size to show: exact when known, else the approximate one."""
        return round(self.size_bytes / 2**20) if self.size_bytes else self.approx_size_mb


_REQUIRED = {"id": str, "name": str, "url": str, "filename": str, "licence": str, "quantization": str,
             "context": int, "min_ram_gb": (int, float), "hardware": str}


def load(path: Path | None = None) -> list[CatalogEntry]:
    """Read the catalog.

    Args:
        path: a catalog file; default ``resources/catalog.json``.

    Raises:
        CatalogError: naming the file and what is wrong with it.
    """
    path = path or paths.resources_dir() / CATALOG_FILE
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CatalogError(f"{path}: the model catalog is missing") from None
    except (OSError, json.JSONDecodeError) as e:
        raise CatalogError(f"{path}: the model catalog cannot be read ({e})") from None
    models = data.get("models") if isinstance(data, dict) else None
    if not isinstance(models, list):
        raise CatalogError(f"{path}: expected an object with a 'models' list")
    out = []
    for i, m in enumerate(models, 1):
        if not isinstance(m, dict):
            raise CatalogError(f"{path}: entry {i} is not an object")
        for key, typ in _REQUIRED.items():
            if not isinstance(m.get(key), typ):
                raise CatalogError(f"{path}: entry {i} ({m.get('name', '?')}): '{key}' is missing or wrong")
        sha = m.get("sha256")
        if sha is not None and (not isinstance(sha, str) or len(sha) != 64):
            raise CatalogError(f"{path}: entry {i} ({m['name']}): 'sha256' must be 64 hex digits or null")
        known = set(CatalogEntry.__dataclass_fields__)
        out.append(CatalogEntry(**{k: v for k, v in m.items() if k in known}))
    return out


def find(name_or_id: str, entries: list[CatalogEntry] | None = None) -> CatalogEntry:
    """The catalog entry with this id or name (case-insensitive).

    Raises:
        KeyError: with the names that do exist.
    """
    entries = load() if entries is None else entries
    key = name_or_id.strip().lower()
    for e in entries:
        if key in (e.id.lower(), e.name.lower(), e.filename.lower()):
            return e
    raise KeyError(f"no model called {name_or_id!r} in the catalog; choose one of: "
                   + ", ".join(e.id for e in entries))
