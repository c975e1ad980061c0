"""The core facade with a scripted engine: replies stream, persist, stop, regenerate."""
from __future__ import annotations

import threading

import pytest

from assistant.core.app import Hearth
from assistant.core.engine.types import AnswerStats, ModelFacts


class Stream:
    def __init__(self, words, gate=None):
        self.words, self.gate = words, gate
        self.stats = None
        self._cancel = threading.Event()

    def cancel(self):
        self._cancel.set()

    def __iter__(self):
        n = 0
        for i, w in enumerate(self.words):
            if self._cancel.is_set():
                break
            if self.gate is not None and i == 2:
                self.gate.wait(5)
            n += 1
            yield w
        self.stats = AnswerStats(generated_tokens=n, stopped=self._cancel.is_set(),
                                 finish_reason="cancelled" if self._cancel.is_set() else "stop")


class Engine:
    def __init__(self):
        self.facts = None
        self.loads = 0
        self.sent = []
        self.adapters = []
        self.gate = None

    def load(self, path, options):
        self.loads += 1
        self.facts = ModelFacts(path=path, name="fake", architecture="llama", parameters=1,
                                quantization="Q4_1", context_length=2048, size_bytes=1, has_chat_template=True)
        return self.facts

    def set_adapters(self, adapters):
        self.adapters = adapters

    def chat(self, messages, sampling, conversation_id=None):
        self.sent.append(list(messages))
        return Stream(["Hello", " there", ",", " friend", "."], self.gate)

    def close(self):
        pass


@pytest.fixture
def hearth(tmp_path, smollm2_path):
    h = Hearth(tmp_path / "home", engine=Engine())
    yield h
    h.close()


def test_reply_streams_and_is_stored_complete(hearth):
    conv = hearth.store.create()
    reply = hearth.reply(conv.id, "Hi")
    assert "".join(reply) == "Hello there, friend."
    thread = hearth.store.thread(conv.id)
    assert [m.role for m in thread] == ["user", "assistant"]
    assert thread[1].content == "Hello there, friend." and thread[1].status == "complete"
    assert thread[1].stats["generated_tokens"] == 5


def test_cancel_keeps_the_partial_answer_marked_stopped(hearth):
    conv = hearth.store.create()
    hearth.engine.gate = threading.Event()
    reply = hearth.reply(conv.id, "Hi")
    it = iter(reply)
    got = [next(it), next(it)]
    reply.cancel()
    hearth.engine.gate.set()
    got += list(it)
    stored = hearth.store.thread(conv.id)[-1]
    assert stored.status == "stopped"
    assert stored.content == "".join(got) and stored.content.startswith("Hello there")
    assert stored.content != "Hello there, friend."


def test_regenerate_keeps_the_old_answer_as_a_branch(hearth):
    conv = hearth.store.create()
    list(hearth.reply(conv.id, "Hi"))
    first = hearth.store.thread(conv.id)[-1]
    list(hearth.reply(conv.id, regenerate_of=first.id))
    second = hearth.store.thread(conv.id)[-1]
    assert second.id != first.id
    assert {m.id for m in hearth.store.siblings(second.id)} == {first.id, second.id}
    # the regenerated answer was asked the same question, with the same history
    assert hearth.engine.sent[0] == hearth.engine.sent[1]


def test_second_turn_resends_the_first_exactly(hearth):
    conv = hearth.store.create()
    list(hearth.reply(conv.id, "Hi"))
    list(hearth.reply(conv.id, "And again?"))
    first, second = hearth.engine.sent
    assert second[:len(first)] == first  # prefix unchanged: llama.cpp reuses its cache
    assert second[-1].content == "And again?"
    assert hearth.engine.loads == 1


def test_adapters_change_without_reloading(hearth):
    conv = hearth.store.create(settings={"adapters": []})
    list(hearth.reply(conv.id, "Hi"))
    hearth.store.update_settings(conv.id, adapters=[{"path": "/x/a.gguf", "scale": 0.5}])
    list(hearth.reply(conv.id, "Hi again"))
    assert hearth.engine.loads == 1
    assert [a.scale for a in hearth.engine.adapters] == [0.5]


def test_empty_message_is_refused(hearth):
    conv = hearth.store.create()
    from assistant.core.errors import HearthError

    with pytest.raises(HearthError, match="empty"):
        hearth.reply(conv.id, "   ")


def test_parts_stay_reachable_while_a_model_loads(tmp_path, smollm2_path):
    """The window reads the store while a worker loads a model: that must not wait for the load."""
    loading, release = threading.Event(), threading.Event()

    class SlowEngine(Engine):
        def load(self, path, options):
            loading.set()
            release.wait(10)
            return super().load(path, options)

    h = Hearth(tmp_path / "home", engine=SlowEngine())
    t = threading.Thread(target=h.ensure_model)
    t.start()
    assert loading.wait(5)
    got = []
    reader = threading.Thread(target=lambda: got.append(h.store.list()))
    reader.start()
    reader.join(2)
    assert got == [[]], "the store was blocked by the model load"
    assert h.engine_if_started() is h.engine
    release.set()
    t.join(5)
    h.close()


# -- one core, three faces -------------------------------------------------------------------
def test_answer_stores_nothing_and_uses_the_given_messages(hearth):
    from assistant.core.engine.types import Message

    reply = hearth.answer([Message("system", "Be brief."), Message("user", "Hi"), Message("assistant", "Hello"),
                           Message("user", "Again?")])
    assert "".join(reply) == "Hello there, friend."
    assert reply.message_id is None and reply.stats.generated_tokens == 5
    assert [m.role for m in hearth.engine.sent[0]] == ["system", "user", "assistant", "user"]
    assert hearth.store.list() == []


def test_answer_refuses_a_last_message_that_is_not_the_users(hearth):
    from assistant.core.engine.types import Message
    from assistant.core.errors import HearthError

    with pytest.raises(HearthError, match="user"):
        hearth.answer([Message("user", "Hi"), Message("assistant", "Hello")])


def test_template_stamp_goes_to_the_templated_answer_only(hearth):
    from types import SimpleNamespace

    conv = hearth.store.create()
    rendered = SimpleNamespace(template_name="summarize", template_version=3, system_prompt="Summarize.",
                               sampling={"temperature": 0.2}, collection=None)
    hearth.apply_template(conv.id, rendered)
    list(hearth.reply(conv.id, "Some long text"))
    list(hearth.reply(conv.id, "Thanks! Now something else"))
    answers = [m for m in hearth.store.thread(conv.id) if m.role == "assistant"]
    assert (answers[0].meta["template"], str(answers[0].meta["template_version"])) == ("summarize", "3")
    assert not answers[1].meta.get("template")
    assert hearth.engine.sent[0][0].content == "Summarize."
    # a regenerated templated answer keeps its stamp
    list(hearth.reply(conv.id, regenerate_of=answers[0].id))
    assert hearth.store.thread(conv.id)[-1].meta["template"] == "summarize"


def test_first_question_names_the_chat(hearth):
    conv = hearth.new_conversation()
    list(hearth.reply(conv.id, "How do   herons fish?"))
    assert hearth.store.get(conv.id).title == "How do herons fish?"
    hearth.store.rename(conv.id, "Birds")
    list(hearth.reply(conv.id, "And ducks?"))
    assert hearth.store.get(conv.id).title == "Birds"


def test_answers_from_every_face_take_turns_on_the_one_engine(hearth):
    from assistant.core.engine.types import Message
    from assistant.core.errors import Unavailable

    hearth.engine.gate = threading.Event()
    first = iter(hearth.answer([Message("user", "one")]))
    next(first)  # holds the engine, paused inside the answer
    waiting = hearth.answer([Message("user", "two")])
    waiting.turn_timeout = 0.3
    with pytest.raises(Unavailable, match="busy"):
        list(waiting)
    hearth.engine.gate.set()
    assert "".join(first).endswith("friend.")
    assert "".join(hearth.answer([Message("user", "three")])) == "Hello there, friend."


def test_a_consumer_that_goes_away_stops_the_answer_and_frees_the_engine(hearth):
    conv = hearth.store.create()
    hearth.engine.gate = threading.Event()
    reply = hearth.reply(conv.id, "Hi")
    it = iter(reply)
    next(it)
    it.close()  # e.g. a server client disconnected
    assert not hearth._turn.locked()
    assert hearth.store.thread(conv.id)[-1].status == "stopped"


def test_conversation_settings_survive_bad_values():
    from assistant.core.app import ConversationSettings

    cs = ConversationSettings.from_dict({"model": 5, "k": "many", "adapters": [{"scale": 1}], "sampling": [],
                                         "retrieval": "psychic", "collection": "papers", "junk": 1})
    assert (cs.model, cs.k, cs.adapters, cs.sampling, cs.retrieval) == ("", 4, [], {}, "hybrid")
    assert cs.collection == "papers" and cs.schema_version == 1
    assert ConversationSettings.from_dict(cs.to_dict()) == cs


def test_renaming_a_collection_renames_it_in_every_chat(tmp_path, smollm2_path):
    class Knowledge:
        renamed = None

        def rename_collection(self, old, new):
            self.renamed = (old, new)

        def close(self):
            pass

    h = Hearth(tmp_path / "home", engine=Engine(), knowledge=Knowledge())
    a = h.store.create(settings={"collection": "papers"})
    b = h.store.create(settings={"collection": "other"})
    assert h.rename_collection("papers", "research") == 1
    assert h.store.get(a.id).settings["collection"] == "research"
    assert h.store.get(b.id).settings["collection"] == "other"
    h.close()
