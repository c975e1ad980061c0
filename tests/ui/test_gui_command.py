"""`hearth gui FILE...` and `--smoke-test`: what launchers and installers call."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_smoke_test_paints_the_window_and_exits(tmp_path):
    env = dict(os.environ, HEARTH_HOME=str(tmp_path), QT_QPA_PLATFORM="offscreen", HEARTH_BLOCK_NETWORK="1")
    r = subprocess.run([sys.executable, "-m", "assistant", "gui", "--smoke-test", "--no-warm-up"],
                       capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)
    assert r.returncode == 0, r.stderr[-2000:]
    assert "FIRST_PAINT" in r.stdout
    assert "Traceback" not in r.stderr


def test_files_given_on_the_command_line_are_added_like_a_drop(qtbot, tmp_path, monkeypatch):
    from assistant.ui.app import App

    doc = tmp_path / "notes.txt"
    doc.write_text("hello", encoding="utf-8")
    app = App(hearth=None, warm_up=False, open_paths=[doc])
    w = app.make_window()
    qtbot.addWidget(w)
    seen = []
    monkeypatch.setattr(w, "add_paths", lambda paths: seen.append(paths))
    app.open_files([doc])  # a FileOpen event after start goes the same way
    assert seen == [[doc]]
    app.hearth.close()
