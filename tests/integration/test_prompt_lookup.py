"""Prompt-lookup decoding on the real SmolLM2: answers stay the model's own, Stop still stops.

Drafts are copied from the prompt (SQuAD passages, as in an answer from documents) and checked
by the model in batches. What a user would notice if it were wrong: copied text the model would
not have written, an answer that changes with what happened to be drafted, or a Stop that waits.
"""
from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from assistant.core.engine.process import EngineProcess
from assistant.core.engine.runtime import DOCUMENT_FENCE, ModelRuntime, PromptLookup
from assistant.core.engine.types import LoadOptions, Message, SamplingParams

SQUAD = Path(__file__).resolve().parents[2].parent / "shared" / "eval" / "qa" / "squad2"
SYSTEM = Message("system", "You are a helpful assistant named Hearth.")
# repeat_penalty 1: the greedy token is then the argmax of the logits, which the reference checks
GREEDY = SamplingParams(temperature=0.0, top_k=40, top_p=0.95, min_p=0.05, repeat_penalty=1.0, max_tokens=40, seed=3)


def document_prompt(n_question: int) -> list[Message]:
    """4 passages of a SQuAD document and one of its questions, fenced as Hearth's retrieval does."""
    questions = [json.loads(line) for line in (SQUAD / "questions.jsonl").read_text(encoding="utf-8").splitlines()]
    q = [q for q in questions if not q["unanswerable"]][n_question]
    paras = [p for p in (SQUAD / q["doc"]).read_text(encoding="utf-8").split("\n\n") if len(p) > 200][:4]
    blocks = "\n\n".join(f"[{i}] ({Path(q['doc']).name})\n{DOCUMENT_FENCE}\n{p}\n</document>"
                         for i, p in enumerate(paras, 1))
    return [SYSTEM, Message("user", "Answer using only the numbered passages below. Quote them where you can.\n\n"
                                    f"{blocks}\n\nQuestion: {q['question']}")]


CHAT = [SYSTEM, Message("user", "Tell me about owls in three sentences.")]


def answer(rt: ModelRuntime, messages: list[Message]) -> tuple[str, object]:
    text, stats = "", None
    for item in rt.chat(messages, GREEDY, lambda: False):
        if isinstance(item, str):
            text += item
        else:
            stats = item
    return text, stats


@pytest.fixture(scope="module")
def runtime(smollm2_path):
    rt = ModelRuntime()
    rt.load(str(smollm2_path), LoadOptions(n_ctx=2048, state_cache=False, prompt_lookup="on"))
    yield rt
    rt.unload()


@pytest.mark.slow
@pytest.mark.parametrize("messages", [document_prompt(0), document_prompt(7), CHAT], ids=["doc-a", "doc-b", "chat"])
def test_greedy_answer_with_prompt_lookup_is_the_models_own_choice(runtime, messages):
    import llama_cpp
    import numpy as np

    text, stats = answer(runtime, messages)
    assert stats.prompt_lookup and stats.generated_tokens > 5 and text.strip()
    if messages is not CHAT:
        assert stats.accepted_tokens > 0  # drafts copied from the passages were kept
    llm = runtime.llm
    prompt = runtime._tokenize(runtime.template.render(messages))
    assert len(prompt) % 256 != 1  # the prompt's last slice is a batch too (see PromptLookup)
    kept = llm.input_ids[len(prompt):llm.n_tokens].tolist()  # the answer's tokens (the last is not evaluated)
    assert len(kept) >= stats.generated_tokens - 1
    # reference: the whole answer evaluated in one batch, without drafts; each token must be the argmax
    llm.reset()
    llm.eval(prompt[:-1])
    batch = prompt[-1:] + kept
    llm._batch.set_batch(batch, llm.n_tokens, logits_all=True)
    llm._ctx.decode(llm._batch)
    n_vocab = llm.n_vocab()
    chosen = [int(np.argmax(np.ctypeslib.as_array(llama_cpp.llama_get_logits_ith(llm._ctx.ctx, i), (n_vocab,))))
              for i in range(len(kept))]
    llm.reset()
    assert chosen == kept


# llama.cpp's CPU kernels round a token's logits differently with the size of the batch it is read
# in (and a reused prompt is read differently from a fresh one): about 1 % of a logit here. Two
# runs of the same greedy answer may therefore fork where the model's two best tokens are that close.
NEAR_TIE = 0.5


def answer_tokens(rt: ModelRuntime, messages: list[Message]) -> tuple[str, object, list[int], list[int]]:
    text, stats = answer(rt, messages)
    prompt = rt._tokenize(rt.template.render(messages))
    return text, stats, prompt, rt.llm.input_ids[len(prompt):rt.llm.n_tokens].tolist()


def top_two(rt: ModelRuntime, tokens: list[int]) -> tuple[dict[int, float], float]:
    """The two best next tokens after ``tokens`` (read fresh in one batch) with their logits, and their gap."""
    import llama_cpp
    import numpy as np

    llm = rt.llm
    llm.reset()
    llm.eval(tokens)
    logits = np.ctypeslib.as_array(llama_cpp.llama_get_logits_ith(llm._ctx.ctx, -1), (llm.n_vocab(),)).copy()
    llm.reset()
    a, b = np.argsort(logits)[::-1][:2]
    return {int(a): float(logits[a]), int(b): float(logits[b])}, float(logits[a] - logits[b])


@pytest.mark.slow
@pytest.mark.parametrize("messages", [document_prompt(3), CHAT], ids=["doc", "chat"])
def test_answer_does_not_depend_on_what_was_drafted(runtime, messages, monkeypatch):
    long_drafts, stats_long, prompt, long_tokens = answer_tokens(runtime, messages)
    monkeypatch.setattr(PromptLookup, "MAX_DRAFT", 1)  # one token drafted at each step instead of up to 8
    one_drafts, stats_one, _, one_tokens = answer_tokens(runtime, messages)
    assert stats_one.drafted_tokens != stats_long.drafted_tokens
    if one_drafts == long_drafts:
        return
    # they may part only at a near-tie, each taking one of the model's two best tokens there; a
    # draft kept that the model would not have chosen shows as a fork with a clear winner
    k = next((i for i, (x, y) in enumerate(zip(long_tokens, one_tokens)) if x != y),
             min(len(long_tokens), len(one_tokens)))
    if k == len(long_tokens) == len(one_tokens):
        return  # only the last token differs: it is sampled, not read back, so its logits are not at hand
    best, gap = top_two(runtime, prompt + long_tokens[:k])
    chosen = {t[k] for t in (long_tokens, one_tokens) if k < len(t)}  # (one may have ended there)
    assert gap < NEAR_TIE and chosen <= set(best), (k, gap, long_drafts, one_drafts)


@pytest.mark.slow
def test_stop_within_a_second_with_prompt_lookup(smollm2_path, tmp_path):
    engine = EngineProcess()
    try:
        engine.load(str(smollm2_path), LoadOptions(n_ctx=2048, state_cache_dir=str(tmp_path), prompt_lookup="on"))
        stream = engine.chat(document_prompt(5), SamplingParams(temperature=0.0, max_tokens=400, seed=1))
        got, t_cancel = [], None
        for chunk in stream:
            got.append(chunk)
            if len(got) == 4:
                t_cancel = time.perf_counter()
                stream.cancel()
        elapsed = time.perf_counter() - t_cancel
        assert stream.stats.stopped and stream.stats.finish_reason == "cancelled"
        assert elapsed < 1.0
        assert "".join(got) == stream.text
        # the worker ended that answer by itself (it was not killed): the next one comes from it
        pid = engine.pid
        nxt = engine.chat(CHAT, SamplingParams(temperature=0.0, max_tokens=8, seed=1))
        assert "".join(nxt).strip() and nxt.stats.prompt_lookup
        assert engine.pid == pid and engine.restart_reason is None and not nxt.stats.restart_reason
    finally:
        engine.close()


def test_auto_drafts_only_for_answers_from_documents():
    from assistant.core.knowledge.citations import OPEN

    assert DOCUMENT_FENCE == OPEN  # what auto looks for is what retrieval writes
    rt = ModelRuntime()
    rt.options = LoadOptions(prompt_lookup="auto")
    assert rt._use_prompt_lookup(document_prompt(0))
    assert not rt._use_prompt_lookup(CHAT)
    rt.options = LoadOptions(prompt_lookup="on")
    assert rt._use_prompt_lookup(CHAT)
    rt.options = LoadOptions(prompt_lookup="off")
    assert not rt._use_prompt_lookup(document_prompt(0))
    assert LoadOptions().prompt_lookup == "off"  # off unless chosen: it did not win on a CPU (bench_engine.py)


def test_setting_reaches_the_engine():
    from assistant.core.app import load_options_for
    from assistant.core.settings import Settings

    assert load_options_for(Settings(prompt_lookup="auto")).prompt_lookup == "auto"
    assert load_options_for(Settings(prompt_lookup="sometimes")).prompt_lookup == "off"
    assert Settings.from_dict({"prompt_lookup": "on"}).prompt_lookup == "on"


def test_drafts_follow_the_latest_earlier_occurrence():
    lk = PromptLookup([5, 6, 7, 8, 9, 1, 2, 5, 6, 7, 3, 4], max_draft=3)
    lk.append(5)
    lk.append(6)
    lk.append(7)
    assert lk.draft(8) == [3, 4, 5]  # after "5 6 7": its latest continuation
    assert lk.draft(2) == [3, 4]
    lk2 = PromptLookup([1, 2, 3], max_draft=4)
    lk2.append(42)
    assert lk2.draft(4) == [42]  # nothing matches: the newest token, so the step is still a batch
