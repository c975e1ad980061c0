"""Hashing reads only regular files, never more than their size, and stops when cancelled."""
from __future__ import annotations

import hashlib
import os
import threading

import pytest

from assistant.core.files import HashCancelled, NotARegularFile, sha256_of
from assistant.core.knowledge.indexer import classify

posix_only = pytest.mark.skipif(os.name != "posix", reason="FIFOs and /dev/zero are POSIX")


def finishes(fn, seconds: float = 5.0):
    """Run ``fn`` in a thread; return (finished, result or exception)."""
    out: list = []

    def run():
        try:
            out.append(fn())
        except BaseException as e:  # noqa: BLE001 - handed back to the test
            out.append(e)

    t = threading.Thread(target=run, daemon=True)
    t.start()
    t.join(seconds)
    return (not t.is_alive()), (out[0] if out else None)


def test_hash_of_a_regular_file_is_its_sha256(tmp_path):
    f = tmp_path / "a.bin"
    data = os.urandom(3 * (1 << 20) + 17)
    f.write_bytes(data)
    assert sha256_of(f) == hashlib.sha256(data).hexdigest()


@posix_only
def test_a_fifo_is_refused_at_once_instead_of_blocking_for_a_writer(tmp_path):
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    done, result = finishes(lambda: sha256_of(fifo))
    assert done, "hashing a FIFO blocked"
    assert isinstance(result, NotARegularFile)


@posix_only
def test_a_link_to_dev_zero_is_refused_instead_of_read_for_ever(tmp_path):
    link = tmp_path / "zero.txt"
    link.symlink_to("/dev/zero")
    assert os.stat(link).st_size == 0  # why a size check alone would not do
    done, result = finishes(lambda: sha256_of(link))
    assert done, "hashing /dev/zero never ended"
    assert isinstance(result, NotARegularFile)


def test_hashing_stops_when_cancelled_between_blocks(tmp_path):
    f = tmp_path / "big.bin"
    f.write_bytes(b"x" * (8 << 20))
    calls = []

    def cancel():
        calls.append(1)
        return len(calls) > 2

    with pytest.raises(HashCancelled):
        sha256_of(f, cancel=cancel)
    assert len(calls) == 3  # stopped after two 1 MiB blocks, not after all eight
    ev = threading.Event()
    ev.set()
    with pytest.raises(HashCancelled):
        sha256_of(f, cancel=ev)


@posix_only
def test_classify_says_what_each_special_path_is(tmp_path):
    import socket

    root = tmp_path / "docs"
    root.mkdir()
    (root / "ok.txt").write_text("fine", encoding="utf-8")
    os.mkfifo(root / "pipe.txt")
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(root / "s.sock"))
    (root / "zero.txt").symlink_to("/dev/zero")
    (root / "loop.txt").symlink_to(root / "loop.txt")
    (root / "gone.txt").symlink_to(root / "nothing-here.txt")
    outside = tmp_path / "secret.txt"
    outside.write_text("private", encoding="utf-8")
    (root / "out.txt").symlink_to(outside)
    (root / "in.txt").symlink_to(root / "ok.txt")
    r = str(root.resolve())
    try:
        assert classify(root / "ok.txt", r) == (str((root / "ok.txt").resolve()), None)
        assert classify(root / "in.txt", r) == (str((root / "ok.txt").resolve()), None)  # same file, one key
        assert "FIFO" in classify(root / "pipe.txt", r)[1]
        assert "socket" in classify(root / "s.sock", r)[1]
        assert "device" in classify(root / "zero.txt", r)[1]
        assert "loop" in classify(root / "loop.txt", r)[1]
        assert "does not exist" in classify(root / "gone.txt", r)[1]
        key, reason = classify(root / "out.txt", r)
        assert key.endswith("out.txt") and "outside the folder" in reason
        # a file the user names directly may be a link anywhere, but only to a regular file
        assert classify(root / "out.txt") == (str(outside.resolve()), None)
        assert "device" in classify(root / "zero.txt")[1]
    finally:
        sock.close()
