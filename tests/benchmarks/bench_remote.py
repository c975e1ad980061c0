"""Remote benchmark: a model on an OpenAI-compatible server, through Hearth and called directly.

Starts llama-cpp-python's own server (``python -m llama_cpp.server``) with SmolLM2 on a loopback
port, then streams the same answer, alternately, through Hearth (``Hearth.answer`` with
``remote:bench``: the facade, the prompt building, :class:`RemoteEngine`) and with the ``openai``
client straight to the server, same messages and sampling.

Run: ``python tests/benchmarks/bench_remote.py [--reps 5]``. The last line is one JSON object:

* ``remote_tokens_per_s_ratio``: generation tokens/s through Hearth / called directly (medians of
  ``--reps``; goal >= 0.95). Tokens are the streamed chunks on both sides (llama.cpp's server sends
  one per token and no usage in a stream), timed from the first chunk to the last.
* ``remote_end_to_end_ratio``: the same, timed from the request to the last chunk (so it includes
  time to first token).
* ``remote_ttft_overhead_ms``: time to first token through Hearth minus directly (fastest of each).
"""
from __future__ import annotations

import argparse
import json
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from assistant.core.app import ConversationSettings, Hearth  # noqa: E402
from assistant.core.engine.types import Message  # noqa: E402

PROMPT = "Write a long story about a dragon who learns to bake bread in a small village."
GEN_TOKENS = 128


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_llama_server(model: Path, log: Path) -> tuple[subprocess.Popen, str]:
    import httpx

    port = _free_port()
    with open(log, "wb") as f:
        proc = subprocess.Popen([sys.executable, "-m", "llama_cpp.server", "--model", str(model), "--host",
                                 "127.0.0.1", "--port", str(port), "--n_ctx", "2048"], stdout=f, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/v1"
    t0 = time.monotonic()
    while time.monotonic() - t0 < 180:
        if proc.poll() is not None:
            raise SystemExit(f"llama_cpp.server exited: {log.read_text()[-2000:]}")
        try:
            httpx.get(f"{url}/models", timeout=2)
            return proc, url
        except httpx.TransportError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("llama_cpp.server did not start within 180 s")


def _rates(t0: float, first: float | None, last: float, n: int) -> tuple[float, float, float]:
    """(ttft s, generation tokens/s, end-to-end tokens/s)."""
    first = first or last
    return first - t0, (n - 1) / max(last - first, 1e-9), n / max(last - t0, 1e-9)


def via_hearth(hearth: Hearth) -> tuple[float, float, float]:
    t0 = time.perf_counter()
    first, n = None, 0
    reply = hearth.answer([Message("user", PROMPT)], settings=ConversationSettings(model="remote:bench"),
                          sampling={"temperature": 0.0, "seed": 0, "max_tokens": GEN_TOKENS})
    for _ in reply:
        n += 1
        if first is None:
            first = time.perf_counter()
    return _rates(t0, first, time.perf_counter(), n)


def via_openai(client) -> tuple[float, float, float]:
    t0 = time.perf_counter()
    first, n = None, 0
    stream = client.chat.completions.create(model="any", messages=[{"role": "user", "content": PROMPT}],
                                            stream=True, temperature=0.0, top_p=0.95, seed=0, max_tokens=GEN_TOKENS)
    for chunk in stream:
        if chunk.choices and chunk.choices[0].delta.content:
            n += 1
            if first is None:
                first = time.perf_counter()
    return _rates(t0, first, time.perf_counter(), n)


def measure_remote_model(reps: int) -> dict:
    """Tokens/s of a llama.cpp server through Hearth ÷ called directly with the openai client."""
    import openai

    from assistant.core.models import embedded

    model = embedded.default_chat_model()
    if model is None:
        raise SystemExit("SmolLM2 model package missing: run python3 packaging/dev.py test")
    tmp = Path(tempfile.mkdtemp(prefix="hearth-bench-remote-"))
    proc, url = start_llama_server(model, tmp / "llama-server.log")
    hearth = Hearth(tmp / "home")
    try:
        hearth.remote_servers.add("bench", url)
        with openai.OpenAI(base_url=url, api_key="unused", max_retries=0, timeout=300) as client:
            via_hearth(hearth), via_openai(client)  # warm-up: model pages, prompt cache, connections
            h, d = [], []
            for r in range(reps):
                # alternate the order, so neither side always runs on a warmer (or busier) machine
                pair = (via_hearth(hearth), via_openai(client)) if r % 2 == 0 else \
                    tuple(reversed((via_openai(client), via_hearth(hearth))))
                h.append(pair[0])
                d.append(pair[1])
                print(f"rep {r}: hearth {pair[0][1]:.1f} tok/s (ttft {pair[0][0] * 1000:.0f} ms) | "
                      f"direct {pair[1][1]:.1f} tok/s (ttft {pair[1][0] * 1000:.0f} ms)", file=sys.stderr)
    finally:
        hearth.close()
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()

    def med(rows: list, i: int) -> float:
        return statistics.median(x[i] for x in rows)

    return {
        "remote_tokens_per_s_ratio": round(med(h, 1) / med(d, 1), 3),
        "remote_end_to_end_ratio": round(med(h, 2) / med(d, 2), 3),
        "remote_ttft_overhead_ms": round((min(x[0] for x in h) - min(x[0] for x in d)) * 1000, 1),
        "remote_hearth_tokens_per_s": round(med(h, 1), 1),
        "remote_direct_tokens_per_s": round(med(d, 1), 1),
        "remote_reps": reps,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=5)
    args = ap.parse_args()
    result = measure_remote_model(args.reps)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
