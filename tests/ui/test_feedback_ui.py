"""👍/👎 and "Write a better answer…" under every finished answer: stored through the core's feedback
store with the answer's full context, shown as chosen after reopening the chat, changeable, and
carried into the exports and an evaluation set."""
from __future__ import annotations

import json
import os

import pytest
from PySide6.QtWidgets import QDialogButtonBox

from assistant.core.app import ConversationSettings, Hearth
from assistant.core.evals.feedback import export_lines, open_store, to_evalset
from tests.ui.conftest_helpers import click_action, close_all, make_window, wait_answer
from tests.ui.fakes import ScriptedEngine

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints", "does not support raise")

BETTER = "The monthly rent is 900 euros, paid on the first day."


@pytest.fixture
def hearth(paths, tmp_path, smollm2_path):
    from assistant.core.knowledge import KnowledgeBase
    from assistant.core.knowledge.embedders import HashEmbedder

    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "lease.md").write_text("# Lease\n\nThe monthly rent is 900 euros, paid on the first day.\n",
                                   encoding="utf-8")
    h = Hearth(engine=ScriptedEngine(delay=0.0, script=["The monthly rent is 700 euros [1]."]),
               knowledge=KnowledgeBase(paths, embedder=HashEmbedder()))
    h.knowledge.index("lease", [docs])
    h.model = str(smollm2_path)
    yield h
    h.close()


def _ask(qtbot, w, h, question):
    conv = h.new_conversation(settings=ConversationSettings(model=h.model, collection="lease", grounding="off"))
    w.open_conversation(conv.id)
    w.chat.composer.setPlainText(question)
    w.chat.send()
    wait_answer(qtbot, w)
    return conv.id


def _rating_of(w, row):
    return w.chat.model.item(row).rating


def test_thumbs_and_a_better_answer_go_to_the_exports_and_an_evalset(qtbot, hearth, tmp_path):
    w = make_window(qtbot, hearth)
    conv = _ask(qtbot, w, hearth, "What is the monthly rent?")
    answer = w.chat.model.item(1)
    assert answer.role == "assistant" and "700 euros" in answer.content
    names = [n for n, _l in w.chat.delegate._actions_for(answer)]
    assert {"rate_up", "rate_down", "better"} <= set(names)
    assert "rate_up" not in [n for n, _l in w.chat.delegate._actions_for(w.chat.model.item(0))]  # not on questions

    # 👍, then changed to 👎: the thumb shows chosen at once, the store keeps the last one
    with qtbot.waitSignal(w.chat.feedbackSaved, timeout=20000):
        click_action(qtbot, w.chat, 1, "rate_up")
    assert _rating_of(w, 1) == "up"
    with qtbot.waitSignal(w.chat.feedbackSaved, timeout=20000):
        click_action(qtbot, w.chat, 1, "rate_down")
    assert _rating_of(w, 1) == "down"
    with open_store(hearth) as fb:
        assert fb.ratings(conv) == {answer.id: ("down", "")}

    # "Write a better answer…": the dialog opens with the answer in it; Save stores it with 👎
    click_action(qtbot, w.chat, 1, "better")
    dialog = w.chat.feedback_dialog
    qtbot.waitUntil(dialog.isVisible)
    assert dialog.editor.toPlainText() == answer.content
    save = dialog.buttons.button(QDialogButtonBox.StandardButton.Save)
    assert not save.isEnabled()  # nothing better written yet
    dialog.editor.setPlainText(BETTER)
    assert save.isEnabled()
    with qtbot.waitSignal(w.chat.feedbackSaved, timeout=20000):
        save.click()
    assert w.chat.model.item(1).better == BETTER
    assert "with your better answer" in w.chat.status.text()

    # reopening the chat shows the chosen thumb again
    w.open_conversation(None)
    w.open_conversation(conv)
    assert _rating_of(w, 1) == "down" and w.chat.model.item(1).better == BETTER
    if os.environ.get("HEARTH_TEST_SHOTS"):  # set to keep the screenshot for a look
        w.chat.view.viewport().grab().save(os.path.join(os.environ["HEARTH_TEST_SHOTS"], "feedback_down.png"))

    # the core's exports carry it with the answer's context (the messages as sent, the model)
    with open_store(hearth) as fb:
        items = fb.list()
    (item,) = items
    assert item.context["model"] == hearth.model and len(item.context["model_sha256"]) == 64
    assert item.context["citations"] and item.context["citations"][0]["source_path"].endswith("lease.md")
    (dpo,) = [json.loads(x) for x in export_lines(items, "dpo-jsonl")]
    assert dpo["chosen"] == BETTER and dpo["rejected"] == answer.content
    assert "900 euros" in dpo["prompt"][-1]["content"]  # the question went with its passage
    (chat,) = [json.loads(x) for x in export_lines(items, "chat-jsonl")]
    assert chat["messages"][-1] == {"role": "assistant", "content": BETTER}
    # ... and becomes an evaluation set with the cited document
    folder = tmp_path / "from-feedback"
    assert to_evalset(items, folder) == 1
    (q,) = [json.loads(x) for x in (folder / "questions.jsonl").read_text(encoding="utf-8").splitlines()]
    assert q["question"] == "What is the monthly rent?" and q["answers"] == [BETTER]
    assert (folder / q["doc"]).read_text(encoding="utf-8").startswith("# Lease")

    # clicking the chosen thumb again takes the rating back
    with qtbot.waitSignal(w.chat.feedbackSaved, timeout=20000):
        click_action(qtbot, w.chat, 1, "rate_down")
    assert _rating_of(w, 1) == ""
    with open_store(hearth) as fb:
        assert fb.ratings(conv) == {}
    close_all(hearth)


def test_a_rating_that_cannot_be_stored_is_put_back_and_said(qtbot, hearth, monkeypatch):
    from assistant.core.evals import feedback

    w = make_window(qtbot, hearth)
    _ask(qtbot, w, hearth, "What is the monthly rent?")

    def broken(*_a, **_k):
        raise OSError("disk full")

    monkeypatch.setattr(feedback.FeedbackStore, "add", broken)
    click_action(qtbot, w.chat, 1, "rate_up")
    qtbot.waitUntil(lambda: "not kept" in w.chat.status.text(), timeout=20000)
    assert _rating_of(w, 1) == ""
    close_all(hearth)
