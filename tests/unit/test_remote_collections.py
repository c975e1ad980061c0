"""Remote collections without a server: addresses, names, and a server that is not there.

The tests on a real ``chroma run`` server are in tests/integration/test_chroma_server.py.
"""
from __future__ import annotations

import json
import socket

import pytest

from assistant.core.knowledge import HashEmbedder, KnowledgeBase, KnowledgeError
from assistant.core.knowledge.remote_store import check_url, server_name_for, token_secret


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_addresses_are_checked_in_words():
    assert check_url(" http://gpu-box:8000/ ") == "http://gpu-box:8000"
    for bad in ("gpu-box:8000", "ftp://x:1", "http://"):
        with pytest.raises(KnowledgeError, match="not a Chroma server address"):
            check_url(bad)


def test_server_names_are_stable_and_accepted_by_chroma():
    assert server_name_for("team-docs") == "team-docs"
    zh = server_name_for("团队文档")
    assert zh == server_name_for("团队文档") and zh.startswith("hearth-") and zh.isascii()
    assert server_name_for("a") != server_name_for("b")


@pytest.mark.network_loopback
def test_a_server_that_does_not_answer_adds_nothing(paths, memory_keyring):
    url = f"http://127.0.0.1:{closed_port()}"
    kb = KnowledgeBase(paths, HashEmbedder())
    try:
        with pytest.raises(KnowledgeError) as e:
            kb.add_remote_collection("team", url, token="s3cret")
        assert url in str(e.value) and e.value.fix
        assert kb.list_collections() == []
        assert memory_keyring.store == {}  # the token did not stay behind
        assert not any(paths.collections.iterdir())
    finally:
        kb.close()


@pytest.mark.network_loopback
def test_cli_add_remote_asks_for_the_token_and_reports_a_dead_server(monkeypatch, capsys, memory_keyring):
    from assistant import cli

    asked = []
    monkeypatch.setattr("getpass.getpass", lambda prompt: asked.append(prompt) or "tok")
    url = f"http://127.0.0.1:{closed_port()}"
    assert cli.main(["collections", "add-remote", "team", "--url", url, "--token"]) == 1
    err = capsys.readouterr().err
    assert url in err and "fix:" in err
    assert asked and url in asked[0]
    assert not any(k[1].startswith("chroma-token:") for k in memory_keyring.store)
    assert cli.main(["collections", "list", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"collections": []}


def test_token_names_are_per_collection():
    assert token_secret("remote-1") != token_secret("remote-2")
