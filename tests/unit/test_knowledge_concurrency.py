"""Indexing and searching at once: one tokenizer, one manifest connection, pending ids of live runs."""
from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from assistant.core.knowledge import types as T
from assistant.core.knowledge.embedders import FairLock, SentenceTransformerEmbedder
from assistant.core.knowledge.manifest import Manifest


class _Exclusive:
    """Like the Rust tokenizer: using it from two threads at once raises "Already borrowed"."""

    def __init__(self) -> None:
        self.busy = False
        self.uses = 0

    def use(self, seconds: float = 0.002) -> None:
        if self.busy:
            raise RuntimeError("Already borrowed")
        self.busy = True
        try:
            time.sleep(seconds)
            self.uses += 1
        finally:
            self.busy = False


class FakeTokenizer:
    def __init__(self, guard: _Exclusive) -> None:
        self.guard = guard

    def __call__(self, texts, **kw):
        self.guard.use()
        if isinstance(texts, str):
            return {"input_ids": texts.split()}
        return {"input_ids": [t.split() for t in texts]}


class FakeModel:
    """A sentence-transformers stand-in whose encode and tokenizer share one exclusive tokenizer."""

    max_seq_length = 256

    def __init__(self) -> None:
        self.guard = _Exclusive()
        self.tokenizer = FakeTokenizer(self.guard)

    def get_sentence_embedding_dimension(self) -> int:
        return 4

    def encode(self, texts, **kw):
        self.guard.use()
        return np.array([[len(t), 1.0, 0.0, 0.0] for t in texts], dtype=np.float32)


def fake_embedder() -> SentenceTransformerEmbedder:
    e = SentenceTransformerEmbedder("/models/fake", name="fake", batch_size=4)
    e._model = FakeModel()
    return e


def test_indexing_and_search_share_the_tokenizer_without_already_borrowed():
    e = fake_embedder()
    errors: list[BaseException] = []
    stop = time.monotonic() + 1.5

    def index_side():
        while time.monotonic() < stop:
            try:
                e.count_tokens_batch([f"chunk {i} text" for i in range(8)])
                e.embed([f"chunk {i} " * (i + 1) for i in range(12)])
            except RuntimeError as err:
                errors.append(err)
                return

    def search_side():
        while time.monotonic() < stop:
            try:
                e.embed(["what does the keeper write"])
                e.count_tokens("what does the keeper write")
            except RuntimeError as err:
                errors.append(err)
                return

    threads = [threading.Thread(target=index_side), threading.Thread(target=search_side)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert not errors, errors[0]
    assert e._model.guard.uses > 20


def test_embed_keeps_the_order_of_the_texts():
    e = fake_embedder()
    texts = ["a", "ccc", "bb", "dddddd", "e", "ffff"]
    v = e.embed(texts)
    assert v[:, 0].tolist() == [float(len(t)) for t in texts]


def test_fair_lock_serves_waiters_in_arrival_order():
    lock = FairLock()
    order: list[int] = []
    lock.acquire()
    threads = []
    for i in range(3):
        t = threading.Thread(target=lambda i=i: (lock.acquire(), order.append(i), lock.release()))
        t.start()
        threads.append(t)
        time.sleep(0.05)  # let each thread queue before the next
    lock.release()
    for t in threads:
        t.join(5)
    assert order == [0, 1, 2]


def test_a_search_gets_the_embedder_between_two_batches_of_a_long_index_run():
    e = fake_embedder()
    model = e._model
    slow = model.guard.use
    model.guard.use = lambda seconds=0.05: slow(seconds)  # each batch takes 50 ms
    started = threading.Event()

    def index_side():
        started.set()
        e.embed([f"chunk {i}" for i in range(4 * 40)])  # 40 batches: two seconds

    t = threading.Thread(target=index_side)
    t.start()
    started.wait()
    time.sleep(0.1)
    t0 = time.monotonic()
    e.embed(["a question"])
    waited = time.monotonic() - t0
    t.join(10)
    assert waited < 0.5, f"the search waited {waited:.2f} s for the index run"


def test_manifest_reads_wait_for_a_transaction_of_another_thread(tmp_path):
    m = Manifest(tmp_path / "manifest.sqlite3")
    chunks = [T.Chunk(f"id{i}", i, f"text {i}", None, 0, 5, "") for i in range(3)]
    m.replace_file(T.SourceFile("/a.txt", 1, 1.0, "s", T.INDEXED, "", 3, "e", 0.0), chunks)
    in_tx = threading.Event()

    def rewrite():
        # what replace_file does inside its transaction: the old chunks are gone, the new ones not yet in
        with m.lock:
            m.db.execute("BEGIN IMMEDIATE")
            m.db.execute("DELETE FROM chunks WHERE path=?", ("/a.txt",))
            in_tx.set()
            time.sleep(0.3)
            m.db.executemany('INSERT INTO chunks(id, path, idx, page, start, "end", heading, text) '
                             "VALUES (?,?,?,?,?,?,?,?)",
                             [(c.chunk_id, "/a.txt", c.index, None, 0, 5, "", c.text) for c in chunks])
            m.db.execute("COMMIT")

    t = threading.Thread(target=rewrite)
    t.start()
    in_tx.wait()
    seen = m.chunk_ids("/a.txt")
    rows = m.chunk_rows(["id0", "id1", "id2"])
    t.join()
    m.close()
    assert seen == {"id0", "id1", "id2"}, "a search read the other thread's half-done transaction"
    assert len(rows) == 3


def test_pending_ids_of_a_running_process_are_not_taken_for_a_crash(tmp_path):
    import subprocess
    import sys

    m = Manifest(tmp_path / "manifest.sqlite3")
    try:
        m.add_pending(["mine"])
        with m.lock:
            m.db.execute("INSERT INTO pending(id, owner) VALUES ('legacy', '')")
            m.db.execute("INSERT INTO pending(id, owner) VALUES ('dead', '999999999:12.00')")
        other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
        try:
            import psutil

            started = f"{psutil.Process(other.pid).create_time():.2f}"
            with m.lock:
                m.db.execute("INSERT INTO pending(id, owner) VALUES ('busy', ?)", (f"{other.pid}:{started}",))
            assert m.pending() == {"legacy", "dead"}  # ours and the other live process's are work in progress
            assert m.pending_all() == {"mine", "legacy", "dead", "busy"}
        finally:
            other.kill()
            other.wait()
        assert m.pending() == {"legacy", "dead", "busy"}  # once it is gone, its ids are a crash's leftovers
    finally:
        m.close()


@pytest.mark.parametrize("setting", ["bge-m3", "sentence-transformers/paraphrase-multilingual-mpnet-base-v2"])
def test_an_unknown_embedder_setting_is_an_error_naming_it(paths, setting):
    from assistant.core import settings
    from assistant.core.knowledge.embedders import default_embedder

    s = settings.load(paths.settings_file)
    s.embedder = setting
    settings.save(s, paths.settings_file)
    with pytest.raises(T.KnowledgeError) as err:
        default_embedder()
    assert setting in str(err.value) and err.value.fix


def test_the_default_and_a_model_folder_are_accepted(paths, tmp_path):
    from assistant.core import settings
    from assistant.core.knowledge.embedders import MINILM, MINILM_INT8_NAME, default_embedder
    from assistant.core.models import embedded

    if embedded.default_embedder_dir() is not None:
        assert default_embedder().name == MINILM_INT8_NAME  # automatic, nothing indexed yet
        assert default_embedder(recorded=[MINILM]).name == MINILM  # a home indexed with the float one keeps it
    folder = tmp_path / "paraphrase-multilingual-MiniLM-L12-v2"
    folder.mkdir()  # the files a sentence-transformers folder has (checked before it is used)
    (folder / "modules.json").write_text('[{"idx": 0, "name": "0", "path": "", '
                                         '"type": "sentence_transformers.models.Transformer"}]', encoding="utf-8")
    for name in ("config.json", "model.safetensors", "tokenizer.json"):
        (folder / name).write_text("{}", encoding="utf-8")
    s = settings.load(paths.settings_file)
    s.embedder = str(folder)
    settings.save(s, paths.settings_file)
    e = default_embedder()
    # another MiniLM must not be recorded as all-MiniLM-L6-v2, or collections would mix their vectors
    assert e.model_dir == folder and e.name == folder.name
