"""The Quality dashboard's numbers, read from a conversation store holding answers given through the
facade (scripted engine: real stats, real storage) and from the feedback store."""
from __future__ import annotations

import datetime
import sqlite3
import time

import pytest

from assistant.core.app import Hearth
from assistant.core.evals.feedback import FeedbackStore
from assistant.core.evals.quality import AnswerSample, read_quality, summarise
from tests.ui.fakes import ScriptedEngine


@pytest.fixture
def hearth(paths):
    h = Hearth(engine=ScriptedEngine(delay=0.002))
    yield h
    h.close()


def _ask(hearth, model, question):
    conv = hearth.new_conversation()
    hearth.store.update_settings(conv.id, model=str(model))
    reply = hearth.reply(conv.id, question)
    reply.run()
    return conv.id, reply.message_id


def _backdate(hearth, message_id, days):
    """Move an answer ``days`` days into the past (as if it had been given then)."""
    with sqlite3.connect(hearth.paths.conversations_db) as db:
        db.execute("UPDATE messages SET created = created - ? WHERE id = ?", (days * 86400, message_id))


def _rate(hearth, message_id, rating):
    store = FeedbackStore(hearth.paths.data / "feedback.db")
    try:
        store.add(hearth, message_id, rating, better="Paris" if rating == "down" else None)
    finally:
        store.close()


def test_answers_ratings_and_speed_by_model(hearth, smollm2_path, gemma_path):
    ids = [_ask(hearth, smollm2_path, f"Question {i}?")[1] for i in range(3)]
    ids.append(_ask(hearth, gemma_path, "What is the capital of France?")[1])
    _backdate(hearth, ids[0], 2)
    _rate(hearth, ids[1], "up")
    _rate(hearth, ids[2], "up")
    _rate(hearth, ids[3], "down")
    q = read_quality(hearth, days=7)
    today = datetime.date.today()
    assert len(q.days) == 7 and q.days[-1] == today.isoformat()
    assert q.answers == 4 and sum(q.answers_per_day) == 4
    assert q.answers_per_day[-1] == 3 and q.answers_per_day[-3] == 1  # one answer two days ago
    assert (q.up, q.down, q.positive_share) == (2, 1, 2 / 3)
    assert q.up_per_day[-1] == 2 and q.down_per_day[-1] == 1
    assert [(m.name, m.answers) for m in q.models] == [(smollm2_path.name, 3), (gemma_path.name, 1)]
    small = q.models[0]
    assert small.ttft_p50_s is not None and small.ttft_p50_s >= 0.002
    assert small.tokens_per_s_p50 is not None and small.tokens_per_s_p50 > 0
    # the scripted engine reports 20 prompt tokens + the answer's 7 words of a 2048-token window
    assert small.context_share_p50 == round(27 / 2048, 3) and q.context_share_max == round(27 / 2048, 3)
    assert [s.model for s in q.samples] == [str(smollm2_path)] * 3 + [str(gemma_path)]
    assert q.samples[0].created < q.samples[1].created  # oldest first


def test_the_period_deleted_chats_and_failed_answers_are_left_out(hearth, smollm2_path):
    old = _ask(hearth, smollm2_path, "Old question?")[1]
    _backdate(hearth, old, 40)
    conv_gone, _ = _ask(hearth, smollm2_path, "Deleted chat?")
    hearth.store.delete(conv_gone)  # in the bin
    conv = hearth.new_conversation()
    user = hearth.store.add_message(conv.id, "user", "Failed?")
    hearth.store.add_message(conv.id, "assistant", "", parent_id=user.id, status="error")
    _ask(hearth, smollm2_path, "Kept?")
    assert read_quality(hearth, days=30).answers == 1
    everything = read_quality(hearth, days=None)
    assert everything.answers == 2 and len(everything.days) >= 40


def test_an_empty_home_has_days_but_no_answers(paths):
    h = Hearth(engine=ScriptedEngine())
    try:
        q = read_quality(h, days=14)
    finally:
        h.close()
    assert len(q.days) == 14 and q.answers == 0 and q.positive_share is None and q.models == []
    assert q.as_dict()["answers_per_day"] == [0] * 14


def test_context_pressure_and_unreadable_stats():
    now = time.time()
    samples = [AnswerSample(now - 10, "a.gguf", 0.5, 20.0, 1000, 2000),
               AnswerSample(now - 5, "a.gguf", 1.5, 10.0, 2100, 2000, dropped_turns=3),
               AnswerSample(now, "remote:lab", None, None, None, None)]
    q = summarise(samples, [(now, "down")], now=now)
    assert q.context_share_p50 == 0.75 and q.context_share_max == 1.0 and q.dropped_answers == 1
    assert [(m.name, m.answers, m.ttft_p50_s, m.tokens_per_s_p50) for m in q.models] == \
        [("a.gguf", 2, 1.0, 15.0), ("lab", 1, None, None)]
    assert q.positive_share == 0.0 and q.days == [datetime.date.today().isoformat()]
