"""Chinese questions against Chinese documents with the real MiniLM (English-only) and Chroma:
the relevance cut-off reads the question's characters, not MiniLM's noise."""
from __future__ import annotations

import shutil

import pytest

from assistant.core.answers.grounding import NOT_FOUND_ZH
from assistant.core.app import ConversationSettings, Hearth
from tests.unit.test_answer_support import ScriptEngine

ARTICLES = ("TRIAL_800", "TRIAL_106", "TRIAL_109")
ANSWERABLE = "若游戏中离，则多少分钟内不得进行配对？"  # TRIAL_800, answer "4分钟"
OFF_TOPIC = ["水银的沸点是多少摄氏度？", "2018年世界杯冠军是哪个国家？"]


@pytest.fixture(scope="module")
def cmrc(tmp_path_factory, shared_eval):
    """A Hearth (scripted model, real knowledge base) with three CMRC 2018 trial articles indexed."""
    home = tmp_path_factory.mktemp("home")
    docs = home / "docs"
    docs.mkdir()
    for a in ARTICLES:
        shutil.copy(shared_eval / "qa" / "cmrc2018_trial" / "docs" / f"{a}.md", docs)
    h = Hearth(home, engine=ScriptEngine(["若游戏中离，4分钟内不得进行配对。"]))
    assert all(r.status == "indexed" for r in h.knowledge.index("cmrc", [docs]))
    yield h
    h.close()


def _ask(h, question, mode="balanced"):
    h.engine.sent.clear()
    conv = h.new_conversation(settings=ConversationSettings(model="m.gguf", collection="cmrc", grounding=mode))
    reply = h.reply(conv.id, question)
    reply.run()
    return reply


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["balanced", "strict"])
def test_an_answerable_cmrc_question_is_answered(cmrc, mode):
    reply = _ask(cmrc, ANSWERABLE, mode)
    assert cmrc.engine.sent, "the model was not asked"
    assert reply.text == "若游戏中离，4分钟内不得进行配对。" and not reply.not_found
    assert reply.citations[0]["cited"] and reply.citations[0]["source_path"].endswith("TRIAL_800.md")


@pytest.mark.slow
@pytest.mark.parametrize("question", OFF_TOPIC)
def test_an_off_topic_chinese_question_gets_not_found_without_asking_the_model(cmrc, question):
    assert cmrc.knowledge.embedder.languages == ("en",)  # MiniLM: its scores are noise here
    reply = _ask(cmrc, question)
    assert reply.text == NOT_FOUND_ZH and reply.not_found
    assert cmrc.engine.sent == []
    assert reply.citations and not any(c["cited"] for c in reply.citations)  # the closest passages shown
