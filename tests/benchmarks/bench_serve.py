"""Server benchmark: the same answers through `hearth serve` (HTTP, SSE, the openai client) and
straight through the core facade, in one run on one model.

Run: ``python tests/benchmarks/bench_serve.py [--reps 3]``. The last line is one JSON object:

* ``serve_tokens_per_s_ratio``: generation tokens/s streamed through the server / through the
  facade, same prompt, same settings (goal >= 0.95; medians of ``--reps``)
* ``serve_ttft_overhead_ms``: time to first token through the server minus through the facade
  (fastest of ``--reps`` each: on a shared machine a run is only ever slowed by others; goal <= 30)
* ``concurrent_20_ok``: how many of 20 concurrent streamed requests completed (goal 20)
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from assistant.core.app import ConversationSettings, Hearth  # noqa: E402
from assistant.core.engine.types import Message  # noqa: E402
from assistant.server import LocalServer  # noqa: E402

PROMPT = "Write a long story about a dragon who learns to bake bread in a small village."
GEN_TOKENS = 128
SAMPLING = {"temperature": 0.0, "seed": 0, "max_tokens": GEN_TOKENS}


def via_facade(hearth: Hearth, key: str) -> tuple[float, float]:
    """(ttft s, tokens/s) of one answer through the facade."""
    t0 = time.perf_counter()
    first = None
    reply = hearth.answer([Message("user", PROMPT)], settings=ConversationSettings(), sampling=SAMPLING,
                          conversation_key=key)
    for _ in reply:
        if first is None:
            first = time.perf_counter()
    last = time.perf_counter()
    n = reply.stats.generated_tokens
    return (first or last) - t0, (n - 1) / max(last - (first or last), 1e-9)


def via_server(client, key: str) -> tuple[float, float, int]:
    """(ttft s, tokens/s, completion tokens) of one streamed answer through the server."""
    t0 = time.perf_counter()
    first = None
    n = 0
    stream = client.chat.completions.create(model="default", messages=[{"role": "user", "content": PROMPT}],
                                            stream=True, stream_options={"include_usage": True},
                                            temperature=0, seed=0, max_tokens=GEN_TOKENS,
                                            extra_body={"conversation_id": key})
    for chunk in stream:
        if chunk.usage:
            n = chunk.usage.completion_tokens
        if chunk.choices and chunk.choices[0].delta.content:
            last = time.perf_counter()
            if first is None:
                first = last
    last = time.perf_counter()
    return (first or last) - t0, (n - 1) / max(last - (first or last), 1e-9), n


def concurrent(client, n: int = 20) -> int:
    ok: list[int] = []

    def one(i: int) -> None:
        try:
            stream = client.chat.completions.create(model="default", stream=True, max_tokens=16, temperature=0,
                                                    messages=[{"role": "user", "content": f"Say hello to {i}."}])
            finish = None
            for chunk in stream:
                for ch in chunk.choices:
                    finish = ch.finish_reason or finish
            if finish:
                ok.append(i)
        except Exception as e:  # counted as not ok
            print(f"request {i} failed: {e}", file=sys.stderr)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(900)
    return len(ok)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=3)
    args = ap.parse_args()
    import openai

    home = tempfile.mkdtemp(prefix="hearth-bench-serve-")
    hearth = Hearth(home)
    server = LocalServer(hearth, "127.0.0.1", 0, max_queue=64, wait_timeout=900).start()
    client = openai.OpenAI(base_url=server.url, api_key="x", max_retries=0, timeout=900)
    try:
        via_facade(hearth, "warmup")  # load the model once
        f_ttft, f_tps, s_ttft, s_tps = [], [], [], []
        for r in range(args.reps):
            # the same conversation key on both sides, different per rep: each answer reads its prompt
            a = via_facade(hearth, f"bench-{r}-f")
            b = via_server(client, f"bench-{r}-s")
            f_ttft.append(a[0])
            f_tps.append(a[1])
            s_ttft.append(b[0])
            s_tps.append(b[1])
            print(f"rep {r}: facade ttft {a[0] * 1000:.0f} ms {a[1]:.1f} tok/s | "
                  f"server ttft {b[0] * 1000:.0f} ms {b[1]:.1f} tok/s ({b[2]} tokens)", file=sys.stderr)
        ok = concurrent(client)
        result = {
            "serve_tokens_per_s_ratio": round(statistics.median(s_tps) / statistics.median(f_tps), 3),
            "serve_ttft_overhead_ms": round((min(s_ttft) - min(f_ttft)) * 1000, 1),
            "serve_ttft_overhead_ms_median": round((statistics.median(s_ttft) - statistics.median(f_ttft)) * 1000, 1),
            "facade_tokens_per_s": round(statistics.median(f_tps), 1),
            "server_tokens_per_s": round(statistics.median(s_tps), 1),
            "concurrent_20_ok": ok,
        }
    finally:
        client.close()
        server.stop()
        hearth.close()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
