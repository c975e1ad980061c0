"""Small file helpers shared by the indexer, the adapter registry and the downloader."""
from __future__ import annotations

import hashlib
from pathlib import Path

CHUNK = 1 << 20


def sha256_of(path: Path | str) -> str:
    """The file's sha256 as hex, read in 1 MiB blocks (models are gigabytes)."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(CHUNK), b""):
            h.update(block)
    return h.hexdigest()
