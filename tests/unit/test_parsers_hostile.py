"""Parse functions that behave like hostile files, run inside the parser child by the sandbox tests."""
from __future__ import annotations

import os
import time

from assistant.core.knowledge.parsers import parse_file


def parse(path: str, password: str | None = None):
    """Hang, exhaust memory or crash depending on the file name; parse normally otherwise."""
    name = os.path.basename(path)
    if name.startswith("hang"):
        time.sleep(3600)
    if name.startswith("bomb"):
        blocks = []
        while True:  # a decompression bomb: grow until the memory limit stops it
            blocks.append(bytearray(64 * 1024 * 1024))
    if name.startswith("crash"):
        os._exit(11)
    return parse_file(path, password)
