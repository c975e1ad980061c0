""""Answer anyway from general knowledge" under a "not found" answer: the same question again, as a
sibling branch, with no passage in the prompt, nothing checked or cited, marked general knowledge."""
from __future__ import annotations

import json

from assistant.core.answers import grounding
from assistant.core.app import ConversationSettings, Hearth
from assistant.core.engine.types import Message
from tests.unit.test_answer_reflection import Answers
from tests.unit.test_answer_support import CENSUS, KB, passage

QUESTION = "Who won the 1998 world cup?"
GENERAL = "France won the 1998 World Cup."


def _not_found(tmp_path, *answers, relevance=0.1, reflect=False):
    """A chat over the census passage whose answer to QUESTION is "not found"."""
    h = Hearth(tmp_path / "home", engine=Answers(*answers),
               knowledge=KB([passage(CENSUS, relevance=relevance)]))
    conv = h.new_conversation(settings=ConversationSettings(model="m.gguf", collection="docs", reflect=reflect))
    first = h.reply(conv.id, QUESTION)
    first.run()
    assert first.not_found and first.text == grounding.NOT_FOUND_EN
    return h, conv, first


def test_answer_anyway_regenerates_the_not_found_answer_without_the_documents(tmp_path):
    h, conv, first = _not_found(tmp_path, [GENERAL])
    assert h.engine.sent == []  # nothing relevant: the model was not asked the first time
    reply = h.answer_anyway(conv.id, first.message_id)
    assert "".join(reply) == GENERAL and reply.text == GENERAL
    assert reply.general_knowledge and not reply.not_found
    # the prompt holds the question alone: no passage, no "no relevant passages" block
    (sent,) = h.engine.sent
    assert sent[-1] == Message("user", QUESTION)
    assert all("18,245" not in m.content and "census" not in m.content for m in sent)
    assert reply.citations == [] and reply.support == {} and reply.sentences == []
    # stored beside the "not found" answer, which stays; the new one is shown
    shown = h.store.thread(conv.id)[-1]
    assert shown.id == reply.message_id and shown.content == GENERAL and shown.status == "complete"
    assert shown.meta["general_knowledge"] is True and shown.citations == []
    assert "support" not in shown.meta and "grounding" not in shown.meta
    sibs = [m.id for m in h.store.siblings(reply.message_id)]
    assert sibs == [first.message_id, reply.message_id]
    assert not h.store.message(first.message_id).meta.get("general_knowledge")
    # the chat keeps its documents for the next question
    assert h.conversation_settings(conv.id).collection == "docs"
    h.close()


def test_answer_anyway_after_an_unsupported_answer_keeps_the_models_words_unchecked(tmp_path):
    # relevant passage, but the model's answer has no support: balanced says "not found";
    # from general knowledge the (same) words stand, unchecked, even with reflection on
    invented = ["Dovra has 9,843 residents."]
    h, conv, first = _not_found(tmp_path, invented, invented, relevance=0.6, reflect=True)
    assert "18,245" in h.engine.sent[0][-1].content  # the first answer had the passage
    reply = h.answer_anyway(conv.id, first.message_id)
    reply.run()
    assert reply.text == "Dovra has 9,843 residents." and reply.reflection is None
    assert len(h.engine.sent) == 2 and "18,245" not in h.engine.sent[1][-1].content
    assert h.store.message(reply.message_id).meta["general_knowledge"] is True
    h.close()


def test_earlier_passages_are_not_resent_with_a_general_answer(tmp_path):
    h = Hearth(tmp_path / "home", engine=Answers(["Dovra counted 18,245 residents."], [GENERAL]),
               knowledge=KB([passage(CENSUS)]))
    conv = h.new_conversation(settings=ConversationSettings(model="m.gguf", collection="docs"))
    h.reply(conv.id, "How many people live in Dovra?").run()
    assert "18,245 residents. Dovra lies" in h.engine.sent[0][-1].content
    second = h.reply(conv.id, QUESTION)
    second.run()
    reply = h.answer_anyway(conv.id, second.message_id)
    reply.run()
    prompt = h.engine.sent[-1]
    assert [m.content for m in prompt if m.role == "user"] == ["How many people live in Dovra?", QUESTION]
    h.close()


def test_answer_without_storing_can_be_general(tmp_path):
    h = Hearth(tmp_path / "home", engine=Answers([GENERAL]), knowledge=KB([passage(CENSUS, relevance=0.1)]))
    cs = ConversationSettings(model="m.gguf", collection="docs")
    reply = h.answer([Message("user", QUESTION)], settings=cs, general=True)
    assert reply.run() == GENERAL and reply.general_knowledge and reply.citations == []
    assert h.engine.sent[0][-1] == Message("user", QUESTION)
    h.close()


# -- hearth ask --general ------------------------------------------------------------------------
def _ask_args(*argv):
    """``hearth ask`` arguments as the real command line parses them."""
    from assistant.cli import build_parser
    from assistant.commands import ask

    args = build_parser().parse_args(["ask", *argv])
    assert args.func is ask.cmd_ask  # `hearth ask` runs this command
    return args


def _run_ask(monkeypatch, tmp_path, capsys, *argv, answers=([GENERAL],)):
    from assistant.commands import ask

    h = Hearth(tmp_path / "home", engine=Answers(*answers), knowledge=KB([passage(CENSUS, relevance=0.1)]))
    monkeypatch.setattr(ask, "_open", lambda args: h)
    assert ask.cmd_ask(_ask_args(*argv)) == 0
    return h, capsys.readouterr().out


def test_ask_general_answers_without_the_documents_and_says_so(monkeypatch, tmp_path, capsys):
    from assistant.commands.ask import GENERAL_NOTE

    h, out = _run_ask(monkeypatch, tmp_path, capsys, "--model", "m.gguf", "--collection", "docs", "--general",
                      QUESTION)
    assert out.splitlines()[0] == GENERAL_NOTE == "(from general knowledge, not your documents)"
    assert GENERAL in out and "[1]" not in out and "support:" not in out
    assert h.engine.sent[0][-1] == Message("user", QUESTION)
    again = Hearth(tmp_path / "home")  # the command closed its own
    (conv,) = again.store.list()
    assert again.store.thread(conv.id)[-1].meta["general_knowledge"] is True
    assert again.conversation_settings(conv.id).collection == "docs"  # the chat keeps its documents
    again.close()


def test_ask_general_json_is_marked(monkeypatch, tmp_path, capsys):
    h, out = _run_ask(monkeypatch, tmp_path, capsys, "--model", "m.gguf", "--collection", "docs", "--general",
                      "--json", "--no-log", QUESTION)
    data = json.loads(out)
    assert data["general_knowledge"] is True and data["answer"] == GENERAL and data["citations"] == []
    assert "grounding" not in data
    again = Hearth(tmp_path / "home")
    assert again.store.list() == []  # --no-log: nothing stored
    again.close()


def test_ask_not_found_says_how_to_get_a_general_answer(monkeypatch, tmp_path, capsys):
    h, out = _run_ask(monkeypatch, tmp_path, capsys, "--model", "m.gguf", "--collection", "docs", QUESTION)
    assert grounding.NOT_FOUND_EN in out and h.engine.sent == []
    assert out.rstrip().endswith("to answer from general knowledge instead: hearth ask --general "
                                 "'Who won the 1998 world cup?'")
    h, out = _run_ask(monkeypatch, tmp_path / "2", capsys, "--model", "m.gguf", "--collection", "docs", "--json",
                      QUESTION)
    assert json.loads(out)["general_knowledge"] is False
