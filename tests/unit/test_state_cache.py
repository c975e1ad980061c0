"""Saved conversation states on disk are plain data: anything else is refused and deleted."""
from __future__ import annotations

import os
import pickle
import struct
import time

import pytest

from assistant.core.engine import state_cache
from assistant.core.engine.state_cache import SavedState, StateCache

KEY = StateCache.key("model.gguf", "", "conversation-1")


def _spilled(folder, tokens=None, data=b"llama-state-bytes" * 100):
    cache = StateCache(folder, ram_mb=0)  # nothing stays in RAM: every state goes to disk
    cache.put(KEY, SavedState(tokens if tokens is not None else [1, 2, 3, 2**31 - 1, 0], data))
    return cache, folder / f"{KEY}.state"


def test_tokens_and_state_round_trip_through_disk(tmp_path):
    tokens = list(range(0, 50_000, 7)) + [2**31 - 1]
    _, path = _spilled(tmp_path, tokens)
    state, where = StateCache(tmp_path).get(KEY)
    assert where == "disk" and state.tokens == tokens and state.data == b"llama-state-bytes" * 100
    assert path.read_bytes()[:8] == b"HRTHSTAT"  # a fixed header, no pickle


class _Boom:
    def __reduce__(self):  # what a planted pickle would run on load
        return (os.system, ("touch pwned",))


@pytest.mark.parametrize("content", [
    pytest.param(lambda good: b"HEARTH-STATE-1\n" + pickle.dumps(_Boom()), id="old-format-pickle"),
    pytest.param(lambda good: pickle.dumps([1, 2, 3]), id="plain-pickle"),
    pytest.param(lambda good: good[:-10], id="truncated-state"),
    pytest.param(lambda good: good[:20], id="truncated-header"),
    pytest.param(lambda good: good + b"extra", id="trailing-bytes"),
    pytest.param(lambda good: b"XXXXXXXX" + good[8:], id="wrong-magic"),
    pytest.param(lambda good: good[:8] + struct.pack("<I", 99) + good[12:], id="future-version"),
    pytest.param(lambda good: b"", id="empty"),
])
def test_unusable_files_are_refused_and_deleted(tmp_path, monkeypatch, content):
    monkeypatch.chdir(tmp_path)
    _, path = _spilled(tmp_path / "cache")
    path.write_bytes(content(path.read_bytes()))
    state, where = StateCache(tmp_path / "cache").get(KEY)
    assert (state, where) == (None, "")  # the history is re-read instead
    assert not path.exists()
    assert not (tmp_path / "pwned").exists()


def test_stale_half_written_files_are_cleaned_at_start(tmp_path):
    _, path = _spilled(tmp_path)
    stale, fresh = tmp_path / "tmpold.tmp", tmp_path / "tmpnew.tmp"
    stale.write_bytes(b"x" * 1000)
    fresh.write_bytes(b"y")
    old = time.time() - state_cache.STALE_TMP_S - 60
    os.utime(stale, (old, old))
    StateCache(tmp_path)
    assert not stale.exists()
    assert fresh.exists()  # perhaps being written by another Hearth right now
    assert path.exists()
