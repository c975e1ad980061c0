"""Tools → Evaluate answers: pick a QA set, configure A and B, run in the background with progress,
Stop, read the metric table and open the report. Fast tests use a scripted engine that answers from
its passages and the hash embedder; one slow test runs SmolLM2 on SQuAD 2.0 items."""
from __future__ import annotations

import json
import re
import time

import pytest
from PySide6.QtCore import QUrl

from assistant.core.app import Hearth
from tests.ui.conftest_helpers import close_all, make_window
from tests.unit.test_eval_answers import DOCS, QUESTIONS, OracleEngine

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints", "does not support raise")


class SlowOracle(OracleEngine):
    """The oracle, a quarter second a word: long enough to press Stop in the middle of a run."""

    def chat(self, messages, sampling, conversation_id=None):
        stream = super().chat(messages, sampling, conversation_id)
        stream.delay = 0.25
        return stream


def _hearth(engine, paths):
    from assistant.core.knowledge import KnowledgeBase
    from assistant.core.knowledge.embedders import HashEmbedder

    return Hearth(engine=engine, knowledge=KnowledgeBase(paths, embedder=HashEmbedder()))


@pytest.fixture
def qa_set(tmp_path):
    root = tmp_path / "tiny-set"
    (root / "docs").mkdir(parents=True)
    for name, text in DOCS.items():
        (root / "docs" / name).write_text(text, encoding="utf-8")
    (root / "questions.jsonl").write_text("".join(json.dumps(q) + "\n" for q in QUESTIONS), encoding="utf-8")
    return root


@pytest.fixture
def hearth(paths):
    h = _hearth(OracleEngine(), paths)
    yield h
    close_all(h)


def _open(qtbot, w):
    menu = next(a.menu() for a in w.menuBar().actions() if a.text() == "&Tools")
    next(a for a in menu.actions() if a.text() == "&Evaluate answers…").trigger()
    return w.eval_panel


def _cells(panel, key):
    from assistant.ui.eval_panel import METRIC_NAMES

    rows = [panel.table.verticalHeaderItem(r).text() for r in range(panel.table.rowCount())]
    r = rows.index(METRIC_NAMES[key])
    return [panel.table.item(r, c).text() for c in range(panel.table.columnCount())]


def _choose(qtbot, panel, folder):
    with qtbot.waitSignal(panel.setLoaded, timeout=30000) as got:
        panel.choose_set(str(folder))
    return got.args[0]


def test_tools_menu_opens_the_panel_with_the_chat_model_as_a(qtbot, hearth, smollm2_path):
    w = make_window(qtbot, hearth)
    panel = _open(qtbot, w)
    assert panel.isVisible() and not panel.run_button.isEnabled()  # no set chosen yet
    qtbot.waitUntil(lambda: panel.a.model.count() > 0, timeout=30000)
    assert panel.a.model.currentData() == str(smollm2_path)
    assert panel.a.pairs()[:2] == [f"model={smollm2_path}", "docs=on"] and "docs=off" in panel.b.pairs()


def test_a_run_fills_the_table_and_the_report_opens(qtbot, hearth, qa_set, smollm2_path):
    w = make_window(qtbot, hearth)
    panel = _open(qtbot, w)
    assert _choose(qtbot, panel, qa_set) == 4
    assert "4 questions (1 unanswerable), 2 documents" in panel.set_info.text()
    with qtbot.waitSignal(panel.runFinished, timeout=60000) as done:
        panel.run_button.click()
        assert panel.stop_button.isEnabled() and not panel.run_button.isEnabled()
    s = done.args[0]
    assert s["n"] == 4 and not s["interrupted"]
    # A answers from the documents (all right), B without them (all wrong): the table says so
    assert _cells(panel, "f1") == ["1.000", "0.000", "−1.000  [−1.000, −1.000]"]
    assert _cells(panel, "n") == ["4", "4", ""]
    assert panel.paired_info.text() == "B better on 0 items, equal on 0, worse on 4."
    assert panel.status.text().startswith("Done: 4 items scored") and not panel.progress.isVisible()
    report = panel.report_path
    assert report.is_file() and report.parent == hearth.paths.data / "evals"
    assert report.read_text(encoding="utf-8").count("class='item'") == 4
    opened: list[QUrl] = []
    panel.open_url = opened.append
    assert panel.report_button.isEnabled()
    panel.report_button.click()
    assert opened == [QUrl.fromLocalFile(str(report))]


def test_stop_ends_the_run_and_still_writes_the_partial_report(qtbot, paths, qa_set):
    h = _hearth(SlowOracle(), paths)
    try:
        w = make_window(qtbot, h)
        panel = _open(qtbot, w)
        _choose(qtbot, panel, qa_set)
        panel.run_button.click()
        qtbot.waitUntil(lambda: panel.progress.maximum() == 8 and panel.progress.value() >= 2, timeout=60000)
        assert re.fullmatch(r"\d of 8 answers · \d:\d\d left", panel.progress.format())
        with qtbot.waitSignal(panel.runFinished, timeout=30000) as done:
            panel.stop_button.click()
            assert panel.status.text() == "Stopping…"
        s = done.args[0]
        assert s["interrupted"] and 1 <= s["n"] < 4
        assert panel.status.text().startswith(f"Stopped: {s['n']} items scored")
        assert _cells(panel, "n") == [str(s["n"]), str(s["n"]), ""]
        html = panel.report_path.read_text(encoding="utf-8")
        assert "(interrupted)" in html and html.count("class='item'") == s["n"]
        assert panel.run_button.isEnabled() and not panel.stop_button.isEnabled()
    finally:
        close_all(h)


def test_a_bad_configuration_is_said_in_words(qtbot, hearth, qa_set):
    w = make_window(qtbot, hearth)
    panel = _open(qtbot, w)
    _choose(qtbot, panel, qa_set)
    panel.a.set_model(str(qa_set / "no-such-model.gguf"))
    with qtbot.waitSignal(panel.failed, timeout=30000) as err:
        panel.run_button.click()
    assert "neither a GGUF file nor a registered model" in err.args[0]
    assert panel.status.text().startswith("The evaluation did not run:") and panel.run_button.isEnabled()


def test_a_folder_that_is_not_a_set_is_refused(qtbot, hearth, tmp_path):
    w = make_window(qtbot, hearth)
    panel = _open(qtbot, w)
    panel.choose_set(str(tmp_path))
    qtbot.waitUntil(lambda: panel.set_info.text().startswith("Not a QA set"), timeout=30000)
    assert "questions.jsonl is missing" in panel.set_info.text() and not panel.run_button.isEnabled()


def _rated_answer(hearth, question, answer, better):
    from assistant.core.evals.feedback import FeedbackStore

    conv = hearth.store.create("Rated")
    q = hearth.store.add_message(conv.id, "user", question)
    a = hearth.store.add_message(conv.id, "assistant", answer, parent_id=q.id, meta={"model": "m.gguf"})
    store = FeedbackStore(hearth.paths.data / "feedback.db")
    try:
        store.add(hearth, a.id, "down", better=better)
    finally:
        store.close()
    return a.id


def test_my_feedback_set_becomes_the_set(qtbot, hearth):
    w = make_window(qtbot, hearth)
    panel = _open(qtbot, w)
    assert panel.use_feedback_set() is False
    assert panel.set_info.text().startswith("Your feedback set is empty")
    _rated_answer(hearth, "What is the capital of France?", "London.", "Paris")
    with qtbot.waitSignal(panel.setLoaded, timeout=30000) as got:
        panel.feedback_button.click()
    assert got.args == [1] and panel.run_button.isEnabled()
    assert panel.set_path.text() == str(hearth.paths.data / "evals" / "my-feedback-set")


@pytest.mark.slow
@pytest.mark.timeout(1500)
def test_a_real_run_with_smollm2_and_minilm_on_squad2_items(qtbot, paths, shared_eval, smollm2_path):
    h = Hearth()
    try:
        w = make_window(qtbot, h)
        panel = _open(qtbot, w)
        assert _choose(qtbot, panel, shared_eval / "qa" / "squad2") == 2828
        qtbot.waitUntil(lambda: panel.a.model.count() > 0, timeout=60000)
        panel.limit.setValue(3)
        panel.seed.setValue(3)  # two answerable questions and one unanswerable
        for box, docs in ((panel.a, True), (panel.b, False)):
            box.set_model(str(smollm2_path))
            box.docs.setChecked(docs)
            box.temperature.setValue(0.0)
            box.max_tokens.setValue(32)
        assert panel.a.pairs() == [f"model={smollm2_path}", "docs=on", "k=4", "retrieval=hybrid", "grounding=off",
                                   "temperature=0", "max_tokens=32"]
        t0 = time.monotonic()
        with qtbot.waitSignal(panel.runFinished, timeout=1100000) as done:
            panel.run_button.click()
            qtbot.waitUntil(lambda: panel.status.text().startswith("Indexing"), timeout=120000)
        s = done.args[0]
        print(f"\nEvaluate panel, SmolLM2 + MiniLM on 3 squad2 items ({time.monotonic() - t0:.0f} s):",
              json.dumps({k: s[k] for k in ("a", "b", "paired")}))
        assert s["n"] == 3 and not s["interrupted"]
        for cell in _cells(panel, "f1")[:2] + _cells(panel, "tokens_per_s")[:2]:
            assert 0.0 <= float(cell) < 10000
        assert 0.0 <= float(_cells(panel, "retrieval_hit")[0]) <= 1.0  # A retrieved passages
        assert _cells(panel, "retrieval_hit")[1] == "–"  # B had no documents
        assert re.fullmatch(r"[+−]\d\.\d{3}  \[[+−]\d\.\d{3}, [+−]\d\.\d{3}\]", _cells(panel, "f1")[2])
        assert float(_cells(panel, "s_per_item")[0]) > 0
        assert panel.report_path.is_file() and panel.report_path.stat().st_size > 1000
        lines = panel.report_path.with_suffix(".jsonl").read_text(encoding="utf-8").splitlines()
        assert len(lines) == 3 and all(json.loads(x)["a"]["passages"] for x in lines)
    finally:
        close_all(h)
