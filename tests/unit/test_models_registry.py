"""Installed models: the embedded one, downloads, files added from disk; bad files refused in words."""
from __future__ import annotations

import shutil

import pytest

from assistant.core.engine.types import ModelError
from assistant.core.models.registry import ModelRegistry


def test_embedded_model_is_listed_with_facts(paths, smollm2_path):
    models = ModelRegistry().list()
    assert models[0].source == "embedded" and models[0].path == smollm2_path
    f = models[0].facts
    assert f is not None and f.architecture == "llama" and f.quantization == "Q4_1" and f.context_length == 8192


def test_add_from_disk_keeps_a_reference_and_survives_restart(paths, smollm2_path, tmp_path):
    mine = tmp_path / "my models" / "smol copy.gguf"
    mine.parent.mkdir()
    shutil.copyfile(smollm2_path, mine)
    added = ModelRegistry().add_from_disk(mine)
    assert added.source == "added" and added.facts and added.facts.size_bytes == mine.stat().st_size
    assert ModelRegistry().add_from_disk(mine).path == added.path  # twice: still once
    listed = [m for m in ModelRegistry().list() if m.source == "added"]
    assert [m.path for m in listed] == [mine.resolve()]
    ModelRegistry().remove(mine)
    assert mine.exists()  # the user's file is left alone
    assert [m for m in ModelRegistry().list() if m.source == "added"] == []


@pytest.mark.parametrize("content, reason", [
    (b"", "empty"),
    (b"not a gguf file at all" * 10, "GGUF"),
])
def test_corrupt_file_is_refused_in_words(paths, tmp_path, content, reason):
    bad = tmp_path / "broken.gguf"
    bad.write_bytes(content)
    with pytest.raises(ModelError) as e:
        ModelRegistry().add_from_disk(bad)
    assert "broken.gguf" in str(e.value) and reason.lower() in str(e.value).lower()
    assert all(m.path != bad for m in ModelRegistry().list())


def test_truncated_model_is_refused(paths, smollm2_path, tmp_path):
    cut = tmp_path / "cut.gguf"
    cut.write_bytes(smollm2_path.read_bytes()[:1_000_000])
    with pytest.raises(ModelError, match="cut.gguf"):
        ModelRegistry().add_from_disk(cut)


def test_added_file_that_went_missing_shows_a_problem(paths, smollm2_path, tmp_path):
    mine = tmp_path / "moved.gguf"
    shutil.copyfile(smollm2_path, mine)
    ModelRegistry().add_from_disk(mine)
    mine.unlink()
    gone = [m for m in ModelRegistry().list() if m.source == "added"]
    assert len(gone) == 1 and gone[0].facts is None and "moved.gguf" in gone[0].problem


def test_downloaded_models_are_listed_and_removed_only_with_the_file(paths, smollm2_path):
    paths.models.mkdir(parents=True, exist_ok=True)
    dl = paths.models / "downloaded.gguf"
    shutil.copyfile(smollm2_path, dl)
    reg = ModelRegistry()
    assert [m.source for m in reg.list() if m.path == dl] == ["downloaded"]
    with pytest.raises(ValueError, match="delete"):
        reg.remove(dl)
    reg.remove(dl, delete_file=True)
    assert not dl.exists()
    with pytest.raises(ValueError, match="ships with Hearth"):
        reg.remove(smollm2_path)


def test_damaged_registry_file_does_not_break_listing(paths, smollm2_path):
    reg = ModelRegistry()
    reg.file.parent.mkdir(parents=True, exist_ok=True)
    reg.file.write_text("{oops")
    assert [m.source for m in reg.list()] == ["embedded"]
    reg.add_from_disk(smollm2_path.parent / smollm2_path.name)  # already listed: nothing rewritten
    assert reg.file.read_text() == "{oops"


def test_damaged_registry_file_is_kept_aside_when_a_model_is_added(paths, smollm2_path, tmp_path):
    reg = ModelRegistry()
    reg.file.parent.mkdir(parents=True, exist_ok=True)
    reg.file.write_text("{oops")
    mine = tmp_path / "new.gguf"
    shutil.copyfile(smollm2_path, mine)
    reg.add_from_disk(mine)
    kept = list(reg.file.parent.glob("models.damaged-*.json"))
    assert len(kept) == 1 and kept[0].read_text() == "{oops"
    assert [m.path for m in reg.list() if m.source == "added"] == [mine.resolve()]


def _slow_reads(monkeypatch_or_none=None, delay: float = 0.2):
    """Widen the gap between reading and writing models.json, as a slow disk or a busy CPU does."""
    import time

    orig = ModelRegistry._added

    def slow(self):
        out = orig(self)
        time.sleep(delay)
        return out

    if monkeypatch_or_none is not None:
        monkeypatch_or_none.setattr(ModelRegistry, "_added", slow)
    else:
        ModelRegistry._added = slow  # type: ignore[method-assign]


def test_two_models_added_at_the_same_moment_are_both_kept(paths, smollm2_path, tmp_path, monkeypatch):
    import threading

    files = []
    for i in range(4):
        f = tmp_path / f"drop-{i}.gguf"
        shutil.copyfile(smollm2_path, f)
        files.append(f)
    _slow_reads(monkeypatch)
    start = threading.Barrier(len(files))
    errors: list[BaseException] = []

    def add(f):
        start.wait()
        try:
            ModelRegistry(paths).add_from_disk(f)
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=add, args=(f,)) for f in files]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    added = sorted(m.path.name for m in ModelRegistry(paths).list() if m.source == "added")
    assert added == [f.name for f in files]


def _add_in_another_process(home: str, path: str, go) -> None:
    import os

    os.environ["HEARTH_HOME"] = home
    _slow_reads(delay=1.5)
    go.wait(30)
    ModelRegistry().add_from_disk(path)


def test_two_hearth_processes_adding_models_keep_both(paths, smollm2_path, tmp_path, monkeypatch):
    import multiprocessing
    import os

    a, b = tmp_path / "a.gguf", tmp_path / "b.gguf"
    shutil.copyfile(smollm2_path, a)
    shutil.copyfile(smollm2_path, b)
    ctx = multiprocessing.get_context("spawn")
    go = ctx.Event()
    procs = [ctx.Process(target=_add_in_another_process, args=(os.environ["HEARTH_HOME"], str(f), go))
             for f in (a, b)]
    for p in procs:
        p.start()
    go.set()
    for p in procs:
        p.join(120)
    assert [p.exitcode for p in procs] == [0, 0]
    added = sorted(m.path.name for m in ModelRegistry(paths).list() if m.source == "added")
    assert added == ["a.gguf", "b.gguf"]


def test_a_model_file_changed_on_disk_is_read_again(paths, smollm2_path, tmp_path):
    """Facts are kept per file size and time (model lists are read often), never past a change."""
    mine = tmp_path / "changing.gguf"
    shutil.copyfile(smollm2_path, mine)
    ModelRegistry().add_from_disk(mine)
    first = [m for m in ModelRegistry().list() if m.source == "added"][0]
    assert first.facts is not None and first.problem is None
    first.facts.name = "changed by a caller"  # callers get their own copy
    assert [m for m in ModelRegistry().list() if m.source == "added"][0].facts.name != "changed by a caller"
    mine.write_bytes(b"GGUF" + b"\0" * 64)  # damaged in place
    again = [m for m in ModelRegistry().list() if m.source == "added"][0]
    assert again.facts is None and again.problem
