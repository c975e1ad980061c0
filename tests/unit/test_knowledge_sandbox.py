"""The parser child's limits hold without RLIMIT_AS (Windows, macOS), its text is capped, it dies
with its parent, and it cannot reach the network. The parse functions below run inside the child."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from assistant.core.knowledge import types as T
from assistant.core.knowledge.sandbox import ParserPool

HOSTILE = "tests.unit.test_knowledge_sandbox:hostile"
ROOT = Path(__file__).resolve().parents[2]


def hostile(path: str, password: str | None = None):
    """Behave like a hostile file, by name (runs in the parser child)."""
    from assistant.core.knowledge.parsers import ParseResult, parse_file

    name = os.path.basename(path)
    if name.startswith("hog"):  # touches every page it allocates, so resident memory really grows
        blocks = []
        while True:
            blocks.append(b"\x01" * (32 * 1024 * 1024))
    if name.startswith("hang"):
        while True:  # busy, holding a CPU
            pass
    if name.startswith("net"):
        port = int(Path(path).read_text(encoding="utf-8"))
        with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
            s.sendall(b"document text leaves the machine")
        return ParseResult(sections=[T.Section(text="sent")])
    return parse_file(path, password)


@pytest.mark.slow
def test_memory_watchdog_stops_a_parser_without_an_address_space_limit(tmp_path):
    hog = tmp_path / "hog.txt"
    hog.write_text("x", encoding="utf-8")
    good = tmp_path / "good.txt"
    good.write_text("still works", encoding="utf-8")
    # address_limit=False: what Windows and macOS get (no RLIMIT_AS)
    pool = ParserPool(timeout=60, memory_mb=400, target=HOSTILE, address_limit=False)
    try:
        t = time.monotonic()
        res = pool.parse(str(hog))
        assert res.status == T.TOO_LARGE and "400 MB" in res.reason
        assert time.monotonic() - t < 30  # stopped by memory, long before the 60 s time limit
        assert pool.parse(str(good)).sections[0].text == "still works"
    finally:
        pool.close()


@pytest.mark.slow
def test_extracted_text_over_the_cap_is_too_large(tmp_path):
    from assistant.core.knowledge.sandbox import MAX_TEXT_BYTES

    assert MAX_TEXT_BYTES == 50 * 1024 * 1024
    big = tmp_path / "big.txt"
    big.write_text(("The quick brown fox jumps over the lazy dog. " * 24 + "\n") * 2000, encoding="utf-8")  # ~2 MB
    small = tmp_path / "small.txt"
    small.write_text("A short note.", encoding="utf-8")
    pool = ParserPool(timeout=60, max_text_bytes=1024 * 1024)
    try:
        res = pool.parse(str(big))
        assert res.status == T.TOO_LARGE and "1 MB of text" in res.reason and not res.sections
        assert pool.parse(str(small)).status == T.INDEXED
    finally:
        pool.close()


@pytest.mark.slow
@pytest.mark.skipif(os.name != "posix", reason="kill -9 of the parent")
def test_a_busy_parser_exits_when_hearth_is_killed(tmp_path):
    import psutil

    hang = tmp_path / "hang.txt"
    hang.write_text("x", encoding="utf-8")
    script = tmp_path / "parent.py"
    script.write_text(textwrap.dedent(f"""
        import sys, threading, time
        from assistant.core.knowledge.sandbox import ParserPool

        if __name__ == "__main__":
            pool = ParserPool(timeout=3600, target={HOSTILE!r})
            threading.Thread(target=pool.parse, args=({str(hang)!r},), daemon=True).start()
            while pool.pid is None:
                time.sleep(0.05)
            time.sleep(3)  # the child has started parsing (busy loop)
            print(pool.pid, flush=True)
            time.sleep(3600)
    """), encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    parent = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True, env=env, cwd=ROOT)
    try:
        assert parent.stdout is not None
        child_pid = int(parent.stdout.readline())
        child = psutil.Process(child_pid)
        assert child.is_running() and child.cpu_percent(interval=0.5) > 20  # really busy
    finally:
        parent.kill()
        parent.wait()

    def gone() -> bool:
        try:
            return child.status() == psutil.STATUS_ZOMBIE
        except psutil.NoSuchProcess:
            return True

    deadline = time.monotonic() + 10
    while not gone() and time.monotonic() < deadline:
        time.sleep(0.1)
    try:
        assert gone(), "the parser child outlived the killed parent"
    finally:
        if not gone():
            child.kill()


@pytest.mark.slow
@pytest.mark.network_loopback
def test_the_parser_child_cannot_open_connections_not_even_loopback(tmp_path):
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    server.settimeout(0.5)
    f = tmp_path / "net.txt"
    f.write_text(str(server.getsockname()[1]), encoding="utf-8")
    pool = ParserPool(timeout=30, target=HOSTILE)
    try:
        res = pool.parse(str(f))
        assert res.status != T.INDEXED and "network" in res.reason
        with pytest.raises(socket.timeout):
            server.accept()
    finally:
        pool.close()
        server.close()
