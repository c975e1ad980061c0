"""Journeys on the real parts: SmolLM2 through the engine process, MiniLM + Chroma retrieval,
the real store; the window is closed and reopened to find everything again."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from assistant.core.app import Hearth
from tests.ui.conftest_helpers import close_all, click_action, make_window, wait_answer

pytestmark = [pytest.mark.qt_log_ignore("propagateSizeHints", "does not support raise"), pytest.mark.slow]


def _small_settings(h: Hearth, max_tokens: int) -> None:
    h.settings.context_length = 1024
    h.settings.sampling.max_tokens = max_tokens
    h.settings.sampling.temperature = 0.0
    h.settings.sampling.seed = 7


def test_chat_with_smollm2_stop_regenerate_switch_branch_and_reopen(qtbot, paths, smollm2_path):
    h = Hearth()
    _small_settings(h, 300)
    w = make_window(qtbot, h)
    conv = w.new_conversation()
    assert h.store.get(conv).settings["model"] == str(smollm2_path)  # starts with the built-in model
    w.chat.composer.setFocus()
    w.chat.composer.setPlainText("Write a long story about a lighthouse keeper.")
    QTest.keyClick(w.chat.composer, Qt.Key.Key_Return)
    # it streams: the answer grows while the model is still writing
    qtbot.waitUntil(lambda: len(w.chat.model.item(1).content) > 20, timeout=120000)
    assert w.chat.generating and w.chat.model.item(1).status == "streaming"
    QTest.keyClick(w, Qt.Key.Key_Escape)
    wait_answer(qtbot, w, 60000)
    first = w.chat.model.item(1)
    assert first.status == "stopped" and first.content.strip()
    stopped_text = first.content
    # regenerate a short answer: the stopped one stays as branch 1
    h.settings.sampling.max_tokens = 24
    click_action(qtbot, w.chat, 1, "regenerate")
    wait_answer(qtbot, w, 120000)
    second = w.chat.model.item(1)
    assert (second.branch, second.branches) == (2, 2) and second.status == "complete"
    assert second.content.strip() and second.stats["tokens_per_s"] > 0 and second.stats["context_size"] > 0
    click_action(qtbot, w.chat, 1, "prev_branch")
    assert w.chat.model.item(1).content == stopped_text
    w.close()
    close_all(h)

    h2 = Hearth()
    w2 = make_window(qtbot, h2)
    assert w2.chat.conv_id == conv
    again = w2.chat.model.items()
    assert again[0].content == "Write a long story about a lighthouse keeper."
    assert again[1].content == stopped_text and again[1].status == "stopped"
    assert (again[1].branch, again[1].branches) == (1, 2)
    click_action(qtbot, w2.chat, 1, "next_branch")
    assert w2.chat.model.item(1).content == second.content
    assert w2.conversations.list.item(0).text().startswith("Write a long story")
    close_all(h2)


def test_question_on_a_dropped_pdf_is_answered_with_a_clickable_citation(qtbot, paths, shared_eval, monkeypatch):
    """Real MiniLM, Chroma, parsers and citation extraction; the model's words are scripted
    (a 135M model does not reliably write [n] markers), so the test checks the window's part."""
    from tests.ui.fakes import ScriptedEngine

    pdf = shared_eval / "pdfs" / "clean" / "samplefiles__004-pdflatex-4-pages__pdflatex-4-pages.pdf"
    # a sentence the PDF supports: answers are checked against their passages (grounding)
    engine = ScriptedEngine(delay=0.001, script=[
        "A blind text like this gives you information about the selected font [1]."])
    h = Hearth(engine=engine)
    w = make_window(qtbot, h)
    w.new_conversation()
    with qtbot.waitSignal(w.documents.jobFinished, timeout=300000) as job:
        w.add_paths([pdf])
    assert [r.status for r in job.args[1]] == ["indexed"]
    w.chat.composer.setPlainText("What is this document about?")
    w.chat.send()
    wait_answer(qtbot, w, 120000)
    prompt = engine.last_messages[-1].content
    assert "What is this document about?" in prompt and len(prompt) > 200  # passages went in
    answer = w.chat.model.item(1)
    cited = [c for c in answer.citations if c.get("cited", True)]
    assert len(cited) == 1  # the passage that supports the sentence
    cite = cited[0]
    assert cite["source_path"].endswith(pdf.name) and cite["page"] >= 1
    click_action(qtbot, w.chat, 1, "citation")
    # the file is looked up in the collections first, then shown at the page, the passage highlighted
    qtbot.waitUntil(lambda: w.chat.viewer is not None and w.chat.viewer.page is not None, timeout=30000)
    assert w.chat.viewer.path.name == pdf.name and w.chat.viewer.page.page == cite["page"]
    assert w.chat.viewer.page.rects and f"page {cite['page']}" in w.chat.status.text()
    w.chat.viewer.close()
    close_all(h)


def test_a_question_longer_than_the_context_is_cut_and_the_stats_line_says_so(qtbot, paths, smollm2_path):
    h = Hearth()
    _small_settings(h, 8)
    h.settings.context_length = 512
    w = make_window(qtbot, h)
    w.new_conversation()
    w.chat.composer.setPlainText("Please read all of this. " + "The lighthouse keeper counted waves. " * 400)
    w.chat.send()
    wait_answer(qtbot, w, 120000)
    answer = w.chat.model.item(1)
    assert answer.stats.get("truncated_user") is True
    lay = w.chat.delegate.layout_for(answer, 900, w.font())
    assert "your message was cut to fit the context" in lay.stats
    close_all(h)
