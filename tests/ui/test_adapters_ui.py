"""The adapters panel with the real LoRA fixtures and the real Gemma 3 270M header, offscreen."""
from __future__ import annotations

import shutil

import pytest

from assistant.core.adapters.registry import AdapterRegistry
from assistant.core.engine.types import AdapterSpec
from assistant.ui.adapters_panel import AdaptersPanel


@pytest.fixture
def fixtures(shared_eval):
    return shared_eval / "lora" / "fixtures"


@pytest.fixture
def panel(qtbot, paths, gemma_path):
    answers = []
    p = AdaptersPanel(AdapterRegistry(paths), model_path=lambda: str(gemma_path),
                      ask=lambda title, text: answers.pop(0))
    p.answers = answers
    qtbot.addWidget(p)
    return p


def test_add_enable_scale_emits_specs(qtbot, panel, fixtures, paths):
    a = panel.add_file(str(fixtures / "gemma3_r4_L0-1_q-v_random.gguf"))
    row = panel.rows[a.id]
    # the fit is checked off the GUI thread and shown when known
    qtbot.waitUntil(lambda: "Fits" in row.status.text(), timeout=5000)
    assert row.enabled.isEnabled()
    with qtbot.waitSignal(panel.adaptersChanged, timeout=1000) as sig:
        row.enabled.setChecked(True)
    assert sig.args[0] == [AdapterSpec(a.path, 1.0)]
    with qtbot.waitSignal(panel.adaptersChanged, timeout=1000) as sig:
        row.slider.setValue(-150)
    assert sig.args[0] == [AdapterSpec(a.path, -1.5)] and row.value.text() == "-1.50"
    row.slider.setValue(row.slider.maximum() + 500)  # the slider itself stops at +2
    assert panel.registry.get(a.id).scale == 2.0
    with qtbot.waitSignal(panel.adaptersChanged, timeout=1000) as sig:
        row.enabled.setChecked(False)
    assert sig.args[0] == []
    # choices survive a restart
    assert AdapterRegistry(paths).get(a.id).scale == 2.0


def test_refused_files_and_misfits_are_explained(qtbot, panel, fixtures, paths, smollm2_path):
    assert panel.add_file(str(fixtures / "NEG_gemma3_missing_lora_b.gguf")) is None
    assert "missing one component" in panel.message.text() and panel.rows == {}
    # well-formed but for another model: listed, cannot be enabled, the reason is shown
    other = AdaptersPanel(AdapterRegistry(paths), model_path=lambda: str(smollm2_path))
    qtbot.addWidget(other)
    a = other.add_file(str(fixtures / "gemma3_r4_L0-1_q-v_random.gguf"))
    row = other.rows[a.id]
    qtbot.waitUntil(lambda: "arch mismatch" in row.status.text(), timeout=5000)
    assert not row.enabled.isEnabled()


def test_remove_keeps_the_file_unless_the_user_says_so(qtbot, panel, fixtures, tmp_path):
    f = tmp_path / "mine.gguf"
    shutil.copy(fixtures / "gemma3_r4_L0-1_q-v_random.gguf", f)
    a = panel.add_file(str(f))
    panel.rows[a.id].enabled.setChecked(True)
    panel.answers.append(False)
    with qtbot.waitSignal(panel.adaptersChanged, timeout=1000) as sig:
        panel.rows[a.id].remove.click()
    assert sig.args[0] == [] and f.exists() and panel.rows == {}
    a = panel.add_file(str(f))
    panel.answers.append(True)
    panel.remove(a.id)
    assert not f.exists() and panel.registry.list() == []


@pytest.mark.qt_log_ignore("propagateSizeHints", "does not support raise")  # offscreen platform
def test_the_panel_shows_and_edits_the_adapters_of_the_open_chat(qtbot, paths, fixtures, gemma_path):
    """Answers use each chat's own adapters: the panel shows that, not one global choice."""
    from assistant.core.app import Hearth
    from tests.ui.conftest_helpers import close_all, make_window, wait_answer
    from tests.ui.fakes import ScriptedEngine

    engine = ScriptedEngine(delay=0.001)
    loads = []
    real_load = engine.load
    engine.load = lambda path, opts=None: loads.append(opts) or real_load(path, opts)
    h = Hearth(engine=engine)
    a = h.adapters.add(str(fixtures / "gemma3_r4_L0-1_q-v_random.gguf"))
    tuned = {"path": a.path, "scale": 0.5}
    with_adapter = h.store.create("tuned", {"model": str(gemma_path), "adapters": [tuned]})
    plain = h.store.create("plain", {"model": str(gemma_path)})
    w = make_window(qtbot, h)
    qtbot.waitUntil(lambda: hasattr(w, "adapters_panel"), timeout=30000)
    panel = w.adapters_panel
    w.conversations.select(with_adapter.id)
    assert panel.rows[a.id].enabled.isChecked() and panel.rows[a.id].value.text() == "+0.50"
    w.conversations.select(plain.id)
    row = panel.rows[a.id]
    assert not row.enabled.isChecked()  # this chat's answers use no adapter, and the panel says so
    qtbot.waitUntil(lambda: "Fits" in row.status.text(), timeout=10000)
    row.enabled.setChecked(True)  # switched on for this chat only
    assert h.store.get(plain.id).settings["adapters"] == [{"path": a.path, "scale": 1.0}]
    assert h.store.get(with_adapter.id).settings["adapters"] == [tuned]
    w.chat.composer.setPlainText("hello")
    w.chat.send()
    wait_answer(qtbot, w)
    assert [(s.path, s.scale) for s in loads[-1].adapters] == [(a.path, 1.0)]  # what the answer used
    w.conversations.select(with_adapter.id)
    assert panel.rows[a.id].enabled.isChecked() and panel.rows[a.id].value.text() == "+0.50"
    close_all(h)
