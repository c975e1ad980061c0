"""Only regular files are indexed; the rest are rows the user sees with a reason (real parser child,
real Chroma, hash embedder). And `hearth index` says "not found" and keeps passwords off the command line."""
from __future__ import annotations

import io
import os
import socket
import threading
from pathlib import Path

import pytest

from assistant.core.knowledge import HashEmbedder, KnowledgeBase
from assistant.core.knowledge import types as T
from assistant.core.knowledge.indexer import NOT_FOUND, SKIPPED

posix_only = pytest.mark.skipif(os.name != "posix", reason="FIFOs, sockets and /dev/zero are POSIX")


def by_name(reports):
    return {os.path.basename(r.path): r for r in reports}


def hostile_folder(tmp_path: Path) -> tuple[Path, socket.socket]:
    docs = tmp_path / "docs"
    (docs / "sub").mkdir(parents=True)
    (docs / "notes.txt").write_text("The lighthouse keeper writes in his log every night.", encoding="utf-8")
    (docs / "sub" / "plans.md").write_text("# Plans\n\nWe meet on Friday at the harbour.", encoding="utf-8")
    os.mkfifo(docs / "pipe.txt")
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(docs / "live.sock"))
    (docs / "zero.txt").symlink_to("/dev/zero")
    (docs / "loop.txt").symlink_to(docs / "loop.txt")
    (docs / "a.txt").symlink_to(docs / "b.txt")
    (docs / "b.txt").symlink_to(docs / "a.txt")
    secret = tmp_path / "secret.txt"
    secret.write_text("The password of the safe is 4711.", encoding="utf-8")
    (docs / "escape.txt").symlink_to(secret)
    (docs / "up").symlink_to(tmp_path)  # a link to a folder above: a loop if it were entered
    (docs / "same.txt").symlink_to(docs / "notes.txt")  # inside: the same file, indexed once
    return docs, sock


@posix_only
def test_fifo_socket_dev_zero_and_loops_are_skipped_with_reasons(paths, tmp_path):
    docs, sock = hostile_folder(tmp_path)
    kb = KnowledgeBase(paths, HashEmbedder(), parse_timeout=20)
    out: list = []
    try:
        t = threading.Thread(target=lambda: out.append(kb.index("docs", [docs])), daemon=True)
        t.start()
        t.join(120)
        assert not t.is_alive(), "indexing hung on a special file"
        reports = by_name(out[0])
        assert reports["notes.txt"].status == T.INDEXED and reports["plans.md"].status == T.INDEXED
        assert "same.txt" not in reports  # the inside link is the same file as notes.txt
        expect = {"pipe.txt": "FIFO", "live.sock": "socket", "zero.txt": "device", "loop.txt": "loop",
                  "a.txt": "loop", "b.txt": "loop", "escape.txt": "outside the folder", "up": "folder"}
        for name, words in expect.items():
            assert reports[name].status == SKIPPED and words in reports[name].reason, (name, reports[name])
        # rows the user sees in the collection, with the reason
        rows = {os.path.basename(f.path): f for f in kb.files("docs")}
        assert rows["zero.txt"].status == SKIPPED and "device" in rows["zero.txt"].reason
        assert rows["escape.txt"].status == SKIPPED
        # nothing from outside the folder got in
        hits = kb.search("docs", "password of the safe", k=5, min_score=-1)
        assert all("secret" not in p.citation.source_path for p in hits)
        assert kb.search("docs", "lighthouse keeper log", k=1)[0].citation.source_path.endswith("notes.txt")

        # the next pass stays quiet and the skipped rows stay; a link removed is pruned
        (docs / "zero.txt").unlink()
        again = by_name(kb.index("docs", [docs]))
        assert again["notes.txt"].status == T.UNCHANGED and again["pipe.txt"].status == SKIPPED
        assert again["zero.txt"].status == T.REMOVED
        assert "zero.txt" not in {os.path.basename(f.path) for f in kb.files("docs")}
        # re-indexing the collection does not follow the escaping link either
        assert "secret.txt" not in {os.path.basename(r.path) for r in kb.reindex("docs")}
    finally:
        kb.close()
        sock.close()


@posix_only
def test_a_special_file_named_directly_is_skipped_and_a_link_to_a_file_is_followed(paths, tmp_path):
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    real = tmp_path / "real.txt"
    real.write_text("Tides follow the moon.", encoding="utf-8")
    link = tmp_path / "link.txt"
    link.symlink_to(real)
    kb = KnowledgeBase(paths, HashEmbedder())
    try:
        reports = by_name(kb.index("c", [fifo, link, tmp_path / "missing.txt"]))
        assert reports["pipe.txt"].status == SKIPPED
        assert reports["real.txt"].status == T.INDEXED
        assert reports["missing.txt"].status == NOT_FOUND
    finally:
        kb.close()


def test_cancel_reaches_the_hashing_of_a_large_file(paths, tmp_path, monkeypatch):
    from assistant.core.knowledge import indexer

    big = tmp_path / "big.txt"
    big.write_bytes(b"word " * (4 << 20))  # 20 MB
    cancel = threading.Event()
    real = indexer.sha256_of
    hashed: list = []

    def hash_while_user_cancels(path, **kw):
        cancel.set()  # the user presses Cancel while this file is being hashed
        try:
            hashed.append(real(path, **kw))
        except BaseException as e:
            hashed.append(e)
            raise

    monkeypatch.setattr(indexer, "sha256_of", hash_while_user_cancels)
    kb = KnowledgeBase(paths, HashEmbedder())
    try:
        kb.index("c", [big], cancel=cancel)
        assert len(hashed) == 1 and not isinstance(hashed[0], str), "the hash ran to the end after Cancel"
        assert kb.files("c") == []  # nothing half-done was recorded
    finally:
        kb.close()


# --- the command line -----------------------------------------------------------------------------------

@pytest.fixture
def hash_cli(monkeypatch):
    """`hearth` in-process with the hash embedder (the MiniLM runs are elsewhere)."""
    from assistant.core.knowledge import embedders

    monkeypatch.setattr(embedders, "default_embedder", lambda **_: HashEmbedder())
    from assistant import cli

    return cli.main


def test_index_of_a_missing_path_says_not_found_and_exits_1(hash_cli, tmp_path, capsys):
    ok = tmp_path / "ok.txt"
    ok.write_text("Bananas are rich in potassium.", encoding="utf-8")
    rc = hash_cli(["index", str(tmp_path / "missing" / "path"), str(ok)])
    out = capsys.readouterr()
    assert rc == 1
    assert "not found" in out.out and "not found" in out.err
    assert "damaged" not in out.out + out.err
    assert "indexed" in out.out  # the files that exist are still indexed


def locked_pdf(shared_eval: Path) -> Path:
    return shared_eval / "pdfs" / "encrypted_needs_pw" / "pypdf__crazyones-encrypted-256.pdf"


def test_password_on_the_command_line_works_with_a_warning(hash_cli, shared_eval, capsys):
    pdf = locked_pdf(shared_eval)
    rc = hash_cli(["index", str(pdf), "--password", f"{pdf}=password"])
    out = capsys.readouterr()
    assert rc == 0 and "indexed" in out.out
    assert "other users" in out.err and "--ask-password" in out.err


def test_password_stdin_reads_one_password_or_file_lines(hash_cli, shared_eval, capsys, monkeypatch):
    pdf = locked_pdf(shared_eval)
    monkeypatch.setattr("sys.stdin", io.StringIO("password\n"))
    assert hash_cli(["index", "-c", "one", str(pdf), "--password-stdin"]) == 0
    assert "indexed" in capsys.readouterr().out
    monkeypatch.setattr("sys.stdin", io.StringIO(f"{pdf}=password\n/nonexistent/x.pdf=nope\n"))
    with pytest.raises(SystemExit):  # a line naming no file is refused, not guessed at
        hash_cli(["index", "-c", "two", str(pdf), "--password-stdin"])
    monkeypatch.setattr("sys.stdin", io.StringIO(f"{pdf}=password\n"))
    assert hash_cli(["index", "-c", "two", str(pdf), "--password-stdin"]) == 0
    out = capsys.readouterr()
    assert "indexed" in out.out and "other users" not in out.err


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_ask_password_prompts_without_echo_for_each_locked_file(hash_cli, shared_eval, capsys, monkeypatch):
    pdf = locked_pdf(shared_eval)
    asked: list[str] = []
    answers = iter(["wrong", "password"])

    def fake_getpass(prompt: str = "") -> str:
        asked.append(prompt)
        return next(answers)

    monkeypatch.setattr("getpass.getpass", fake_getpass)
    monkeypatch.setattr("sys.stdin", Terminal(""))
    rc = hash_cli(["index", str(pdf), "--ask-password"])
    out = capsys.readouterr()
    assert rc == 0
    assert len(asked) == 2 and pdf.name in asked[0] and "wrong" in asked[1]
    assert "indexed" in out.out and "needs password" not in out.out
    monkeypatch.setattr("sys.stdin", io.StringIO(""))  # not a terminal: refused, with the alternative named
    assert hash_cli(["index", str(pdf), "--ask-password"]) == 2
    assert "--password-stdin" in capsys.readouterr().err
