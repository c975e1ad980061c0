"""Offline is a property we test: the real model, embedder and Chroma open no connection."""
from __future__ import annotations

import socket

import pytest

from assistant.core import netguard


def test_guard_refuses_outside_connections_and_allows_loopback():
    with netguard.guard(block=True, allow_loopback=True) as log:
        with pytest.raises(netguard.NetworkBlocked):
            socket.create_connection(("93.184.216.34", 80), timeout=1)
        srv = socket.socket()
        srv.bind(("127.0.0.1", 0))
        srv.listen(1)
        c = socket.create_connection(srv.getsockname(), timeout=2)
        c.close()
        srv.close()
    assert log.attempts == ["('93.184.216.34', 80)"]


@pytest.mark.slow
def test_model_embedder_and_chroma_make_no_connection(offline, smollm2_path, tmp_path):
    import chromadb
    import llama_cpp
    from chromadb.config import Settings as ChromaSettings
    from sentence_transformers import SentenceTransformer

    from assistant.core.models import embedded

    llm = llama_cpp.Llama(model_path=str(smollm2_path), n_ctx=256, verbose=False)
    out = llm("The capital of France is", max_tokens=4, temperature=0)
    assert out["choices"][0]["text"].strip()
    llm.close()

    model = SentenceTransformer(str(embedded.default_embedder_dir()), device="cpu")
    vecs = model.encode(["private documents stay on this machine", "Paris is in France"])
    assert vecs.shape == (2, 384)

    client = chromadb.PersistentClient(path=str(tmp_path / "chroma"),
                                       settings=ChromaSettings(anonymized_telemetry=False))
    col = client.get_or_create_collection("offline-check", embedding_function=None)
    col.add(ids=["a", "b"], embeddings=vecs.tolist(), documents=["private", "paris"])
    hit = col.query(query_embeddings=[vecs[1].tolist()], n_results=1)
    assert hit["ids"][0] == ["b"]

    assert offline.attempts == [], f"connections attempted: {offline.attempts}"
