"""`hearth gui` (and `hearth` alone) runs the embedder and Chroma beside the window's process.

Their native calls hold the interpreter long enough to freeze the window (Chroma's upsert about
500 ms); the switch that moves them into child processes must be on for the window users open.
"""
from __future__ import annotations

import pytest

from assistant import cli
from assistant.core.knowledge import chroma_child, embedders


@pytest.fixture
def window_recorder(monkeypatch):
    import assistant.ui.app as ui_app

    seen: dict[str, bool] = {}

    class _App:
        def __init__(self, *a, **kw) -> None:
            seen["embedder_in_child"] = embedders._IN_CHILD
            seen["chroma_in_child"] = chroma_child.in_child()

        def run(self) -> int:
            return 0

    monkeypatch.setattr(ui_app, "App", _App)
    monkeypatch.setattr(embedders, "_IN_CHILD", False)
    yield seen
    chroma_child.run_chroma_in_child(False)


@pytest.mark.parametrize("argv", [["gui"], []])
def test_the_window_runs_the_embedder_and_chroma_in_child_processes(window_recorder, argv):
    assert cli.main(argv) == 0
    assert window_recorder == {"embedder_in_child": True, "chroma_in_child": True}
