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
    with pytest.raises(ValueError, match="empty"):
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
