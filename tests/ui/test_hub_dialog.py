"""Models → Find online against a fake hub on 127.0.0.1: search, a repository's quantisations with
fit and speed and the header read by range request, a verified download with progress, then
"Use for this chat"; a gated repository without a token says what to do."""
from __future__ import annotations

import json

import pytest

from assistant.core.app import Hearth
from assistant.core.models import hub
from tests.integration.test_models_hub import FakeHub
from tests.ui.conftest_helpers import close_all, make_window
from tests.ui.fakes import ScriptedEngine

pytestmark = [pytest.mark.qt_log_ignore("propagateSizeHints", "does not support raise"),
              pytest.mark.network_loopback]


@pytest.fixture
def hearth(paths):
    h = Hearth(engine=ScriptedEngine())
    yield h
    close_all(h)


@pytest.fixture
def fake_hub(smollm2_path, monkeypatch):
    h = FakeHub()
    h.add("HuggingFaceTB/SmolLM2-135M-Instruct-GGUF", {"SmolLM2-135M-Instruct.Q4_1.gguf": smollm2_path},
          downloads=900)
    h.add("someone/smollm2-gated-GGUF", {"smollm2-Q4_1.gguf": smollm2_path}, gated=True, downloads=10)
    monkeypatch.setenv(hub.ENDPOINT_ENV, h.endpoint)
    yield h
    h.close()


def _search(qtbot, dlg, words):
    dlg.query.setText(words)
    with qtbot.waitSignal(dlg.searched, timeout=30000):
        dlg.search_button.click()


def test_find_online_search_pick_download_and_use_for_this_chat(qtbot, hearth, fake_hub, smollm2_path):
    w = make_window(qtbot, hearth)
    manager = w.open_model_manager()
    assert not fake_hub.requests  # nothing is contacted until the user searches
    dlg = manager.find_online()
    assert dlg.isVisible() and not fake_hub.requests
    _search(qtbot, dlg, "smollm2")
    assert dlg.results.rowCount() == 2
    assert [dlg.results.item(r, 0).text() for r in range(2)] == ["HuggingFaceTB/SmolLM2-135M-Instruct-GGUF",
                                                                 "someone/smollm2-gated-GGUF"]
    assert dlg.results.item(0, 1).text() == "900" and dlg.results.item(1, 5).text() == "needs a token"
    with qtbot.waitSignal(dlg.filesShown, timeout=60000):
        dlg.results.selectRow(0)
    assert dlg.files.rowCount() == 1
    row = [dlg.files.item(0, c).text() for c in range(5)]
    assert row[0] == "Q4_1" and row[1] == "94 MB" and row[2].startswith("Fits")
    assert row[3].endswith("tokens/s") and row[4] == "SmolLM2-135M-Instruct.Q4_1.gguf"
    assert "8,192 tokens of context" in dlg.header_info.text() and "own chat template" in dlg.header_info.text()
    assert dlg.download_button.isEnabled() and not dlg.use_button.isVisible()
    with qtbot.waitSignal(dlg.downloaded, timeout=120000) as got:
        dlg.download_button.click()
        assert dlg.cancel_button.isVisible()
    path = got.args[0]
    assert path == str(hearth.paths.models / "SmolLM2-135M-Instruct.Q4_1.gguf")
    assert dlg.use_button.isVisible() and not dlg.cancel_button.isVisible() and "is ready" in dlg.status.text()
    qtbot.waitUntil(lambda: any(r.path == path for r in manager.model.rows()), timeout=60000)
    with qtbot.waitSignal(manager.modelChosen, timeout=5000) as chosen:
        dlg.use_button.click()
    assert chosen.args == [path]


def test_a_gated_model_without_a_token_says_to_save_one_in_settings(qtbot, hearth, fake_hub):
    fake_hub.token = "hf_secret"
    w = make_window(qtbot, hearth)
    dlg = w.open_model_manager().find_online()
    _search(qtbot, dlg, "gated")
    with qtbot.waitSignal(dlg.filesShown, timeout=60000):
        dlg.results.selectRow(0)
    assert "needs a Hugging Face account" in dlg.header_info.text()
    dlg.download_button.click()
    qtbot.waitUntil(lambda: dlg.status.text().startswith("The download did not finish"), timeout=60000)
    assert "access token in Settings" in dlg.status.text() and not dlg.use_button.isVisible()
    assert dlg.download_button.isEnabled()  # the user can try again after saving a token


def test_offline_search_fails_in_words(qtbot, hearth, fake_hub):
    fake_hub.close()
    w = make_window(qtbot, hearth)
    dlg = w.open_model_manager().find_online()
    dlg.query.setText("smollm2")
    dlg.search_button.click()
    qtbot.waitUntil(lambda: dlg.status.text().startswith("The search did not work"), timeout=30000)
    assert "cannot reach 127.0.0.1" in dlg.status.text() and "Traceback" not in dlg.status.text()
    assert dlg.search_button.isEnabled()


def test_a_download_can_be_cancelled_and_resumes_on_the_next_click(qtbot, hearth, fake_hub, smollm2_path):
    from assistant.core.models import download

    w = make_window(qtbot, hearth)
    dlg = w.open_model_manager().find_online()
    _search(qtbot, dlg, "smollm2")
    with qtbot.waitSignal(dlg.filesShown, timeout=60000):
        dlg.results.selectRow(0)
    fake_hub.slow.set()
    dlg.download_button.click()
    qtbot.waitUntil(lambda: dlg.progress.value() > 0, timeout=30000)
    assert "MB" in dlg.progress.format() and not dlg.download_button.isEnabled()
    dlg.cancel_button.click()
    qtbot.waitUntil(lambda: dlg.status.text().startswith("The download did not finish"), timeout=30000)
    assert "cancelled" in dlg.status.text() and not dlg.use_button.isVisible()
    kept = download.part_path("SmolLM2-135M-Instruct.Q4_1.gguf", hearth.paths).stat().st_size
    assert kept > 0
    fake_hub.slow.clear()
    with qtbot.waitSignal(dlg.downloaded, timeout=120000):
        dlg.download_button.click()
    assert f"bytes={kept}-" in fake_hub.ranges  # resumed, not started again
    assert (hearth.paths.models / "SmolLM2-135M-Instruct.Q4_1.gguf").read_bytes() == smollm2_path.read_bytes()


def _download(qtbot, dlg):
    _search(qtbot, dlg, "smollm2")
    with qtbot.waitSignal(dlg.filesShown, timeout=60000):
        dlg.results.selectRow(0)
    with qtbot.waitSignal(dlg.downloaded, timeout=120000) as got:
        dlg.download_button.click()
    return got.args[0]


def test_compare_on_my_documents_opens_the_evaluator_on_the_feedback_set(qtbot, hearth, fake_hub, smollm2_path):
    from tests.ui.test_eval_panel import _rated_answer

    _rated_answer(hearth, "What is the capital of France?", "London.", "Paris")
    w = make_window(qtbot, hearth)
    dlg = w.open_model_manager().find_online()
    assert not dlg.compare_button.isVisible()
    path = _download(qtbot, dlg)
    assert dlg.compare_button.isVisible() and dlg.compare_button.text() == "Compare on my documents"
    with qtbot.waitSignal(dlg.compareOpened, timeout=10000) as opened:
        dlg.compare_button.click()
    panel = opened.args[0]
    assert panel is w.eval_panel and panel.isVisible()
    qtbot.waitUntil(lambda: panel.qaset is not None and panel.a.model.count() > 0, timeout=30000)
    assert panel.a.model.currentData() == str(smollm2_path)  # the chat's model
    assert panel.b.isChecked() and panel.b.model.currentData() == path  # the new one
    assert panel.a.docs.isChecked() == panel.b.docs.isChecked()  # only the model differs
    assert panel.set_path.text().endswith("my-feedback-set") and len(panel.qaset.items) == 1
    assert panel.run_button.isEnabled()


def test_compare_without_feedback_asks_for_a_qa_folder(qtbot, hearth, fake_hub, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QFileDialog

    from tests.unit.test_eval_answers import DOCS, QUESTIONS

    folder = tmp_path / "my-set"
    (folder / "docs").mkdir(parents=True)
    for name, text in DOCS.items():
        (folder / "docs" / name).write_text(text, encoding="utf-8")
    (folder / "questions.jsonl").write_text("".join(json.dumps(q) + "\n" for q in QUESTIONS), encoding="utf-8")
    asked = []
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a: asked.append(a) or str(folder))
    w = make_window(qtbot, hearth)
    dlg = w.open_model_manager().find_online()
    path = _download(qtbot, dlg)
    with qtbot.waitSignal(dlg.compareOpened, timeout=10000) as opened:
        dlg.compare_button.click()
    panel = opened.args[0]
    assert len(asked) == 1  # the feedback set is empty: a folder was asked for
    qtbot.waitUntil(lambda: panel.qaset is not None, timeout=30000)
    assert panel.set_path.text() == str(folder) and len(panel.qaset.items) == 4
    assert panel.b.model.currentData() == path
