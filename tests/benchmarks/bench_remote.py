"""Remote benchmark: a model on an OpenAI-compatible server, and a collection on a Chroma server.

Models: starts llama-cpp-python's own server (``python -m llama_cpp.server``) with SmolLM2 on a
loopback port, then streams the same answer, alternately, through Hearth (``Hearth.answer`` with
``remote:bench``: the facade, the prompt building, :class:`RemoteEngine`) and with the ``openai``
client straight to the server, same messages and sampling.

Collections: starts chromadb's own server (``chroma run --path TMP``) on a loopback port, writes
the same ``--chunks`` chunks (default 10,000) into a collection on it and into an embedded (local)
collection, then times ``KnowledgeBase.search`` on each, alternately, with the same real SciFact
queries embedded for real by MiniLM (the whole search: query embedding, Chroma, BM25, fusion,
passage lookup; the remote collection's BM25 is the local cache built from the server's chunks).
Chunk texts are mixes of SciFact sentences (so BM25 sees real vocabulary); chunk vectors are random
unit vectors unless ``--real-vectors`` embeds the chunk texts with MiniLM (minutes on 2 cores). The
two collections hold the same ids, texts and vectors, so both searches do the same work.

Run: ``python tests/benchmarks/bench_remote.py [--reps 5] [--chunks 10000] [--skip model|collections]``.
The last line is one JSON object:

* ``remote_query_p95_ms`` / ``embedded_query_p95_ms``: p95 of a search on the Chroma server's
  collection / on the embedded one (``--queries`` queries each, after 5 warm-up queries); goal
  remote <= 2 x embedded + 20 ms (``remote_query_goal_met``); ``remote_query_p95_ratio`` is their ratio.

* ``remote_tokens_per_s_ratio``: generation tokens/s through Hearth / called directly (medians of
  ``--reps``; goal >= 0.95). Tokens are the streamed chunks on both sides (llama.cpp's server sends
  one per token and no usage in a stream), timed from the first chunk to the last.
* ``remote_end_to_end_ratio``: the same, timed from the request to the last chunk (so it includes
  time to first token).
* ``remote_ttft_overhead_ms``: time to first token through Hearth minus directly (fastest of each).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# offline and quiet, as the app runs (assistant/cli.py sets the same)
for _var, _value in (("HF_HUB_OFFLINE", "1"), ("TRANSFORMERS_OFFLINE", "1"), ("ANONYMIZED_TELEMETRY", "False"),
                     ("TOKENIZERS_PARALLELISM", "false")):
    os.environ.setdefault(_var, _value)

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
SCIFACT = ROOT.parent / "shared" / "eval" / "retrieval" / "scifact"

from assistant.core.app import ConversationSettings, Hearth  # noqa: E402
from assistant.core.engine.types import Message  # noqa: E402

PROMPT = "Write a long story about a dragon who learns to bake bread in a small village."
GEN_TOKENS = 128


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start_server(cmd: list[str], probe: str, log: Path, what: str, wait_s: float = 180) -> subprocess.Popen:
    """Start ``cmd`` with its output in ``log``; return once ``probe`` answers (any HTTP status)."""
    import httpx

    with open(log, "wb") as f:
        proc = subprocess.Popen(cmd, stdout=f, stderr=subprocess.STDOUT)
    t0 = time.monotonic()
    while time.monotonic() - t0 < wait_s:
        if proc.poll() is not None:
            raise SystemExit(f"{what} exited: {log.read_text(errors='replace')[-2000:]}")
        try:
            httpx.get(probe, timeout=2)
            return proc
        except httpx.TransportError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit(f"{what} did not start within {wait_s:.0f} s")


def _stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(15)


def start_llama_server(model: Path, log: Path) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    url = f"http://127.0.0.1:{port}/v1"
    proc = _start_server([sys.executable, "-m", "llama_cpp.server", "--model", str(model), "--host", "127.0.0.1",
                          "--port", str(port), "--n_ctx", "2048"], f"{url}/models", log, "llama_cpp.server")
    return proc, url


def start_chroma_server(folder: Path, log: Path) -> tuple[subprocess.Popen, str]:
    """chromadb's own server (``chroma run``, installed beside this Python) on a free loopback port."""
    chroma = Path(sys.executable).with_name("chroma")
    if not chroma.exists():
        raise SystemExit(f"chromadb's server command is missing ({chroma})")
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    proc = _start_server([str(chroma), "run", "--path", str(folder), "--host", "127.0.0.1", "--port", str(port)],
                         f"{url}/api/v2/heartbeat", log, "chroma run", wait_s=60)
    return proc, url


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
        _stop(proc)

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


def _chunk_texts(n: int) -> list[str]:
    """``n`` chunk texts: random mixes of six SciFact sentences (fixed seed)."""
    from assistant.core.evals.beir import load_beir

    data = load_beir(SCIFACT, "train")
    sentences = [s.strip() for _, text in data.corpus.values() for s in text.split(". ") if len(s) > 30]
    rng = random.Random(7)
    return [". ".join(rng.sample(sentences, 6)) + "." for _ in range(n)]


def _fill(kb, name: str, texts: list[str], vectors) -> None:
    """Write the chunks into collection ``name`` through its store, as indexing does, 1,000 per file."""
    from assistant.core.knowledge import types as T

    store = kb._get(name)
    store.manifest.set(embedder=kb.embedder.name, dimension=kb.embedder.dimension, normalized=1)
    per_file = 1000
    for f in range(0, len(texts), per_file):
        path = f"/bench/file{f // per_file:04d}.txt"
        sha = hashlib.sha256(path.encode()).hexdigest()
        chunks = [T.Chunk(f"{sha[:24]}-{i:05d}", i, text, None, 0, len(text), "")
                  for i, text in enumerate(texts[f:f + per_file])]
        store.upsert(chunks, vectors[f:f + per_file], path)
        store.manifest.replace_file(T.SourceFile(path, 0, 0.0, sha, T.INDEXED, "", len(chunks), kb.embedder.name,
                                                 time.time()), chunks)


def _p(times: list[float], q: float) -> float:
    times = sorted(times)
    return times[int(q * (len(times) - 1))]


def measure_collection_queries(n_chunks: int, n_queries: int, real_vectors: bool) -> dict:
    """p95 search latency on a Chroma server's collection and on an embedded one with the same chunks."""
    import numpy as np

    from assistant.core import paths as P
    from assistant.core.evals.beir import load_beir
    from assistant.core.knowledge import KnowledgeBase
    from assistant.core.knowledge.embedders import SentenceTransformerEmbedder

    tmp = Path(tempfile.mkdtemp(prefix="hearth-bench-chroma-"))
    texts = _chunk_texts(n_chunks)
    embedder = SentenceTransformerEmbedder()
    t = time.perf_counter()
    if real_vectors:
        vectors = np.asarray(embedder.embed(texts), dtype=np.float32)
    else:
        vectors = np.random.default_rng(7).standard_normal((n_chunks, embedder.dimension)).astype(np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    print(f"{n_chunks} chunk vectors ({'MiniLM' if real_vectors else 'random'}) in "
          f"{time.perf_counter() - t:.0f} s", file=sys.stderr)
    queries = list(load_beir(SCIFACT, "train").queries.values())[:n_queries + 5]
    proc, url = start_chroma_server(tmp / "chroma-server", tmp / "chroma.log")
    kb = KnowledgeBase(P.resolve(tmp / "home").ensure(), embedder)
    try:
        kb.create_collection("embedded")
        kb.add_remote_collection("remote", url)
        write_s, cold_ms = {}, {}
        for name in ("embedded", "remote"):
            t = time.perf_counter()
            _fill(kb, name, texts, vectors)
            write_s[name] = time.perf_counter() - t
            print(f"wrote {n_chunks} chunks to the {name} collection in {write_s[name]:.0f} s", file=sys.stderr)
        embedder.embed([queries[0]])  # the query embedder's first use is not the collection's cost
        for name in ("embedded", "remote"):
            # first search: loads the HNSW index and builds the keyword index (remote: from every chunk
            # text on the server, then cached on this machine)
            t = time.perf_counter()
            kb.search(name, queries[1], k=5)
            cold_ms[name] = (time.perf_counter() - t) * 1000
        cache = sum(f.stat().st_size for f in (kb.root / kb._get("remote").id).rglob("bm25*") if f.is_file())
        print(f"first search: embedded {cold_ms['embedded']:.0f} ms, remote {cold_ms['remote']:.0f} ms "
              f"(keyword index cached locally: {cache / 2**20:.1f} MB)", file=sys.stderr)
        for q in queries[:5]:  # warm-up: the query embedder, HNSW loading, the BM25 index (remote: from the server)
            kb.search("embedded", q, k=5)
            kb.search("remote", q, k=5)
        same = 0
        times: dict[str, list[float]] = {"embedded": [], "remote": []}
        for i, q in enumerate(queries[5:]):
            hits = {}
            # alternate the order, so neither side always runs right after the other's cache warm-up
            for name in ("embedded", "remote") if i % 2 == 0 else ("remote", "embedded"):
                t = time.perf_counter()
                hits[name] = [p.chunk_id for p in kb.search(name, q, k=5)]
                times[name].append((time.perf_counter() - t) * 1000)
            same += hits["embedded"] == hits["remote"]
    finally:
        kb.close()
        _stop(proc)
    emb, rem = _p(times["embedded"], 0.95), _p(times["remote"], 0.95)
    print(f"search over {n_chunks} chunks: embedded p50 {_p(times['embedded'], 0.5):.1f} ms, p95 {emb:.1f} ms | "
          f"Chroma server p50 {_p(times['remote'], 0.5):.1f} ms, p95 {rem:.1f} ms; same top-5 for {same} of "
          f"{len(times['remote'])} queries", file=sys.stderr)
    return {
        "remote_query_p95_ms": round(rem, 1),
        "embedded_query_p95_ms": round(emb, 1),
        "remote_query_p95_ratio": round(rem / emb, 2),
        "remote_query_goal_met": rem <= 2 * emb + 20,
        "remote_query_p50_ms": round(_p(times["remote"], 0.5), 1),
        "embedded_query_p50_ms": round(_p(times["embedded"], 0.5), 1),
        "remote_first_query_ms": round(cold_ms["remote"]),
        "embedded_first_query_ms": round(cold_ms["embedded"]),
        "remote_bm25_cache_mb": round(cache / 2**20, 2),
        "remote_write_chunks_per_s": round(n_chunks / write_s["remote"], 1),
        "embedded_write_chunks_per_s": round(n_chunks / write_s["embedded"], 1),
        "query_chunks": n_chunks,
        "query_count": len(times["remote"]),
        "query_same_top5": same,
        "query_real_chunk_vectors": real_vectors,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=5, help="answers streamed each way (models)")
    ap.add_argument("--chunks", type=int, default=10_000, help="chunks in each collection (collections)")
    ap.add_argument("--queries", type=int, default=100, help="timed searches on each collection")
    ap.add_argument("--real-vectors", action="store_true", help="embed the chunks with MiniLM (slow)")
    ap.add_argument("--skip", choices=("model", "collections"), action="append", default=[])
    args = ap.parse_args()
    result: dict = {}
    if "model" not in args.skip:
        result.update(measure_remote_model(args.reps))
    if "collections" not in args.skip:
        result.update(measure_collection_queries(args.chunks, args.queries, args.real_vectors))
    result["load_average_1m"] = round(os.getloadavg()[0], 2)  # the machine may be shared: context for timings
    print(f"remote_tokens_per_s_ratio {result.get('remote_tokens_per_s_ratio')}, "
          f"remote_query_p95_ms {result.get('remote_query_p95_ms')}, "
          f"embedded_query_p95_ms {result.get('embedded_query_p95_ms')}", file=sys.stderr)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
