"""Engine benchmark: the worker process against raw llama-cpp-python, and the warm cache.

Run: ``python tests/benchmarks/bench_engine.py [--model PATH] [--reps 3]``. Everything is measured
in the same run on the same model and settings; times are seen from the caller's side (what a
user waits for). The last line is one JSON object:

* ``tokens_per_s_ratio``: generation tokens/s through the worker / raw in-process (goal >= 0.95)
* ``ttft_turn20_over_turn2``: time to first token at turn 20 / at turn 2 of one chat (goal <= 1.5)
* ``ttft_return_over_continue``: returning to a ~2,000-token conversation after another one /
  a continuing turn, with the state cache (goal <= 2)
* ``ttft_return_over_continue_uncached``: the same without the state cache, for comparison
* ``ttft_return_over_continue_disk``: the same with the state restored from the disk cache
* ``prompt_lookup_speedup``: decode tokens/s of answers from documents (4 passages of a SQuAD v2
  document + one of its questions, greedy) with prompt-lookup drafting / without, the two
  interleaved question by question (goal >= 1.3); ``prompt_lookup_acceptance`` is the share
  of drafted tokens the model kept, ``prompt_lookup_same_text`` the share of identical answers
* ``doc_ttft_ratio``: time to first token (p50) of answers from documents with compressed passages
  / with full passages (goal <= 0.5), and ``doc_f1_delta``: their SQuAD F1, compressed - full
  (goal within 0.01); both through the answer evaluator (``hearth eval answers``: MiniLM, Chroma,
  SmolLM2, ``docs=on compress=off`` against ``docs=on compress=on``, item by item) on a
  ``--doc-items`` slice of ``../shared/eval/qa/squad2``

Time-to-first-token ratios use the fastest of ``--reps`` runs of each measurement: on a shared
machine a run is only ever slowed down by others, so the minimum is the best estimate of the
engine's own cost (the medians are printed too, as ``*_median`` keys). Tokens/s uses medians.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from assistant.core.engine.process import EngineProcess  # noqa: E402
from assistant.core.engine.types import LoadOptions, Message, SamplingParams  # noqa: E402

N_CTX = 4096
SYSTEM = Message("system", "You are a helpful assistant.")
STORY = "Write a long story about a dragon who learns to bake bread in a small village."
GEN_TOKENS = 128


def _timed_stream(stream) -> tuple[float, float, float, int]:
    """(start, first chunk, last chunk, generated tokens) of an engine stream."""
    t0 = time.perf_counter()
    first = last = None
    for _ in stream:
        last = time.perf_counter()
        if first is None:
            first = last
    return t0, first or t0, last or t0, stream.stats.generated_tokens


def raw_tokens_per_s(model: str, prompt_tokens: list[int], reps: int) -> list[float]:
    """Baseline: the same greedy generation with llama-cpp-python in this process."""
    import llama_cpp

    from assistant.core import logs

    logs.route_llama_logs()
    from assistant.core.engine.runtime import default_threads

    threads = default_threads()  # the worker's settings
    llm = llama_cpp.Llama(model_path=model, n_ctx=N_CTX, n_batch=512, n_threads=threads, n_threads_batch=threads,
                          verbose=False)
    out = []
    for _ in range(reps):
        llm.reset()
        n, first = 0, None
        for tok in llm.generate(prompt_tokens, top_k=40, top_p=0.95, min_p=0.05, temp=0.0, repeat_penalty=1.1):
            now = time.perf_counter()
            if first is None:
                first = now
            if llama_cpp.llama_vocab_is_eog(llm._model.vocab, tok):
                break
            llm.detokenize([tok])  # the worker turns every token into text too
            n += 1
            last = now
            if n >= GEN_TOKENS:
                break
        out.append((n - 1) / (last - first))
    llm.close()
    return out


def worker_tokens_per_s(engine: EngineProcess, reps: int) -> tuple[list[float], int]:
    out, n_tok = [], 0
    for _ in range(reps):
        stream = engine.chat([SYSTEM, Message("user", STORY)],
                             SamplingParams(temperature=0.0, max_tokens=GEN_TOKENS, seed=1))
        _, first, last, n = _timed_stream(stream)
        out.append((n - 1) / (last - first))
        n_tok = n
    return out, n_tok


def long_chat_ttft(engine: EngineProcess, turns: int, conv: str) -> list[float]:
    """Time to first token at each turn of one conversation."""
    history: list[Message] = [SYSTEM]
    ttft = []
    for i in range(turns):
        history.append(Message("user", f"Turn {i + 1}: give me one short fact about the number {i + 7}."))
        stream = engine.chat(history, SamplingParams(temperature=0.0, max_tokens=24, seed=1), conversation_id=conv)
        t0, first, _, _ = _timed_stream(stream)
        ttft.append(first - t0)
        history.append(Message("assistant", stream.text))
    return ttft


def _long_history(n_tokens_target: int = 2000) -> list[Message]:
    msgs = [SYSTEM]
    i = 0
    while True:
        msgs += [Message("user", f"Note {i}: the garden has {i + 3} apple trees and {i + 5} pear trees, "
                                 f"planted in the spring of year {2000 + i} by my neighbour."),
                 Message("assistant", f"Noted: {i + 3} apple trees and {i + 5} pear trees, planted in "
                                      f"{2000 + i}. That is a lovely garden with plenty of fruit.")]
        i += 1
        if i * 75 >= n_tokens_target:
            return msgs


def return_vs_continue(engine: EngineProcess, reps: int) -> tuple[list[float], list[float], int]:
    """(TTFTs returning to a long chat after another one, TTFTs continuing it, its tokens)."""
    sp = SamplingParams(temperature=0.0, max_tokens=8, seed=1)
    cont, ret, size = [], [], 0
    for r in range(reps):
        conv_a, conv_b = f"long-{r}", f"other-{r}"
        hist = _long_history()
        first = engine.chat(hist + [Message("user", "How many apple trees in note 3?")], sp, conversation_id=conv_a)
        _timed_stream(first)
        size = first.stats.prompt_tokens
        hist += [Message("user", "How many apple trees in note 3?"), Message("assistant", first.text)]
        hist.append(Message("user", "And pear trees in note 4?"))
        t0, f, _, _ = _timed_stream(s := engine.chat(hist, sp, conversation_id=conv_a))
        cont.append(f - t0)
        hist += [Message("assistant", s.text)]
        _timed_stream(engine.chat([SYSTEM, Message("user", "Tell me about owls.")], sp, conversation_id=conv_b))
        hist.append(Message("user", "And apple trees in note 5?"))
        t0, f, _, _ = _timed_stream(engine.chat(hist, sp, conversation_id=conv_a))
        ret.append(f - t0)
    return ret, cont, size


SQUAD = Path(__file__).resolve().parents[2].parent / "shared" / "eval" / "qa" / "squad2"


def document_prompts(n: int) -> list[list[Message]]:
    """``n`` answers from documents: 4 passages of a SQuAD document (fenced as retrieval does) + a question."""
    import random

    from assistant.core.knowledge.citations import CLOSE, OPEN

    questions = [json.loads(line) for line in (SQUAD / "questions.jsonl").read_text(encoding="utf-8").splitlines()]
    out = []
    for q in random.Random(1).sample([q for q in questions if not q["unanswerable"]], n):
        paras = [p for p in (SQUAD / q["doc"]).read_text(encoding="utf-8").split("\n\n") if len(p) > 200]
        first = random.Random(q["id"]).randrange(max(1, len(paras) - 3))
        blocks = "\n\n".join(f"[{i}] ({Path(q['doc']).name})\n{OPEN}\n{p}\n{CLOSE}"
                              for i, p in enumerate(paras[first:first + 4], 1))
        out.append([SYSTEM, Message("user", "Answer using only the numbered passages below. After each statement, "
                                            f"cite the passage it comes from as [n].\n\n{blocks}\n\n"
                                            f"Question: {q['question']}")])
    return out


def prompt_lookup_speedup(model: str, gpu_layers: int | str, n_questions: int) -> dict[str, float]:
    """Decode tokens/s with prompt lookup / without on answers from documents, interleaved per question."""
    from assistant.core.engine.runtime import ModelRuntime

    rt = ModelRuntime()
    rt.load(model, LoadOptions(n_ctx=N_CTX, n_gpu_layers=gpu_layers, state_cache=False))
    sp = SamplingParams(temperature=0.0, max_tokens=GEN_TOKENS, seed=1)
    on_tps, off_tps, drafted, accepted, same = [], [], 0, 0, 0
    for i, msgs in enumerate(document_prompts(n_questions)):
        texts = {}
        for mode in (("off", "on") if i % 2 == 0 else ("on", "off")):  # alternate which goes first
            rt.options.prompt_lookup = mode
            text, stats = "", None
            for item in rt.chat(msgs, sp, lambda: False):
                if isinstance(item, str):
                    text += item
                else:
                    stats = item
            texts[mode] = text
            if stats.generated_tokens > 8:
                (on_tps if mode == "on" else off_tps).append(stats.tokens_per_s)
            if mode == "on":
                drafted += stats.drafted_tokens
                accepted += stats.accepted_tokens
        same += texts["on"] == texts["off"]
        print(f"document answer {i}: {len(texts['off'])} chars, same text: {texts['on'] == texts['off']}")
    rt.unload()
    on, off = statistics.median(on_tps), statistics.median(off_tps)
    print(f"prompt lookup: {on:.1f} tok/s with, {off:.1f} without; {accepted}/{drafted} drafted tokens kept")
    return {"prompt_lookup_tokens_per_s": round(on, 1), "plain_tokens_per_s": round(off, 1),
            "prompt_lookup_speedup": round(on / off, 3), "prompt_lookup_acceptance": round(accepted / max(1, drafted), 3),
            "prompt_lookup_same_text": round(same / n_questions, 3)}


def doc_compress(model: str, n_items: int, seed: int = 1) -> dict[str, float | int | None]:
    """TTFT and F1 of answers from documents, compressed passages against full, through the evaluator."""
    from assistant.core.evals.answers import run_answers
    from assistant.core.evals.qa_config import parse_config

    pairs = ["docs=on", f"model={model}"]
    run = run_answers(SQUAD, [parse_config(pairs + ["compress=off"], "a"), parse_config(pairs + ["compress=on"], "b")],
                      limit=n_items, seed=seed)
    s = run.summary()
    full, short = s["a"], s["b"]
    print(f"documents: TTFT p50 {full['ttft_p50_s']} s full, {short['ttft_p50_s']} s compressed; "
          f"F1 {full['f1']:.3f} full, {short['f1']:.3f} compressed ({s['n']} questions)")
    ratio = short["ttft_p50_s"] / full["ttft_p50_s"] if full["ttft_p50_s"] and short["ttft_p50_s"] else None
    return {"doc_items": s["n"], "doc_ttft_full_s": full["ttft_p50_s"], "doc_ttft_compressed_s": short["ttft_p50_s"],
            "doc_ttft_ratio": round(ratio, 3) if ratio is not None else None,
            "doc_f1_full": round(full["f1"], 4), "doc_f1_compressed": round(short["f1"], 4),
            "doc_f1_delta": round(short["f1"] - full["f1"], 4)}


def main() -> int:
    from assistant.core.models import embedded

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default=str(embedded.default_chat_model() or ""))
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--n-gpu-layers", default="0", help='"auto", a count, or 0 for CPU (the default here)')
    ap.add_argument("--questions", type=int, default=12, help="answers from documents for prompt_lookup_speedup")
    ap.add_argument("--doc-items", type=int, default=12, help="SQuAD questions for doc_ttft_ratio and doc_f1_delta")
    ap.add_argument("--only", choices=("all", "prompt-lookup", "doc-compress"), default="all")
    args = ap.parse_args()
    gpu_layers = args.n_gpu_layers if args.n_gpu_layers == "auto" else int(args.n_gpu_layers)
    os.environ.setdefault("HEARTH_HOME", tempfile.mkdtemp(prefix="hearth-bench-"))
    from assistant.core import logs, paths

    logs.setup(paths.resolve().ensure().log_file)
    logs.route_llama_logs()  # llama.cpp's load chatter goes to the log, not the terminal
    results: dict[str, object] = {"model": Path(args.model).name, "n_ctx": N_CTX}
    if args.only in ("all", "doc-compress"):
        results.update(doc_compress(args.model, args.doc_items))
    if args.only == "doc-compress":
        print(json.dumps(results))
        return 0
    results.update(prompt_lookup_speedup(args.model, gpu_layers, args.questions))
    if args.only == "prompt-lookup":
        print(json.dumps(results))
        return 0

    with tempfile.TemporaryDirectory(prefix="hearth-bench-state-") as state_dir:
        opts = LoadOptions(n_ctx=N_CTX, n_gpu_layers=gpu_layers, state_cache_dir=state_dir)
        engine = EngineProcess()
        engine.load(args.model, opts)
        # tokens/s: alternate worker and raw so machine load affects both alike
        from assistant.core.engine.runtime import ModelRuntime

        rt = ModelRuntime()
        rt.load(args.model, LoadOptions(n_ctx=N_CTX, n_gpu_layers=gpu_layers, state_cache=False))
        prompt = rt._tokenize(rt.template.render([SYSTEM, Message("user", STORY)]))
        rt.unload()
        w, raw = [], []
        for _ in range(args.reps):
            w += worker_tokens_per_s(engine, 1)[0]
            raw += raw_tokens_per_s(args.model, prompt, 1)
        results["worker_tokens_per_s"] = round(statistics.median(w), 1)
        results["raw_tokens_per_s"] = round(statistics.median(raw), 1)
        results["tokens_per_s_ratio"] = round(statistics.median(w) / statistics.median(raw), 3)
        print(f"generation: worker {statistics.median(w):.1f} tok/s, raw {statistics.median(raw):.1f} tok/s")

        t2, t20 = [], []
        for r in range(args.reps):
            ttft = long_chat_ttft(engine, 20, f"turns-{r}")
            t2.append(ttft[1])
            t20.append(ttft[19])
            print(f"long chat {r}: ttft turn 2 {ttft[1] * 1000:.0f} ms, turn 20 {ttft[19] * 1000:.0f} ms")
        results["ttft_turn2_s"] = round(min(t2), 4)
        results["ttft_turn20_s"] = round(min(t20), 4)
        results["ttft_turn20_over_turn2"] = round(min(t20) / min(t2), 3)
        results["ttft_turn20_over_turn2_median"] = round(statistics.median(t20) / statistics.median(t2), 3)

        rets, conts, size = return_vs_continue(engine, args.reps)
        ret, cont = min(rets), min(conts)
        results["return_conversation_tokens"] = size
        results["ttft_continue_s"] = round(cont, 4)
        results["ttft_return_s"] = round(ret, 4)
        results["ttft_return_over_continue"] = round(ret / cont, 3)
        results["ttft_return_over_continue_median"] = round(statistics.median(rets) / statistics.median(conts), 3)
        print(f"return to a {size}-token chat: {ret * 1000:.0f} ms vs continuing {cont * 1000:.0f} ms (RAM cache)")
        engine.close()

        for label, extra in (("uncached", {"state_cache": False}), ("disk", {"state_ram_mb": 0})):
            e = EngineProcess()
            e.load(args.model, LoadOptions(n_ctx=N_CTX, n_gpu_layers=gpu_layers, state_cache_dir=state_dir, **extra))
            rets_u, conts_u, _ = return_vs_continue(e, args.reps)
            e.close()
            ret_u, cont_u = min(rets_u), min(conts_u)
            results[f"ttft_return_s_{label}"] = round(ret_u, 4)
            results[f"ttft_return_over_continue_{label}"] = round(ret_u / cont_u, 3)
            print(f"return ({label}): {ret_u * 1000:.0f} ms vs continuing {cont_u * 1000:.0f} ms")
    print(json.dumps(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
