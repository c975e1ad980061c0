"""`hearth ask` / `hearth chat` --grounding and --reflect: through the chat settings, on the real parts."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.cli import build_parser
from assistant.commands.chat import settings_from_args
from assistant.core.answers.grounding import NOT_FOUND_EN
from assistant.core.app import ConversationSettings, Hearth

NOTES = ("# Field notes\n\nThe Kestrel volcano last erupted in 1987 and its crater lake is called Lake Ombra. "
         "The expedition counted 412 flamingos on the lake.\n")


def hearth(*args: str, home: Path, timeout: int = 600) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "assistant", *args], capture_output=True, text=True,
                          timeout=timeout, env={**__import__("os").environ, "HEARTH_HOME": str(home)})


def test_the_options_become_the_chats_settings(tmp_path):
    h = Hearth(tmp_path / "home")
    args = build_parser().parse_args(["ask", "--collection", "notes", "--grounding", "strict", "--reflect",
                                      "--verify", "q?"])
    cs = settings_from_args(h, args, greedy=True)
    assert (cs.grounding, cs.reflect, cs.verify) == ("strict", True, True)
    # a resumed chat keeps its own choice unless an option changes it
    base = ConversationSettings(grounding="off", reflect=True)
    args = build_parser().parse_args(["chat", "--conversation", "abc"])
    assert settings_from_args(h, args, greedy=False, base=base).grounding == "off"
    args = build_parser().parse_args(["chat", "--conversation", "abc", "--no-reflect", "--grounding", "balanced"])
    cs = settings_from_args(h, args, greedy=False, base=base)
    assert (cs.grounding, cs.reflect) == ("balanced", False)
    h.close()


def test_an_unknown_grounding_mode_is_refused_with_the_choices(tmp_path, capsys):
    with pytest.raises(SystemExit) as e:
        build_parser().parse_args(["ask", "--grounding", "loose", "q?"])
    assert e.value.code == 2
    assert "balanced" in capsys.readouterr().err


@pytest.fixture
def notes(tmp_path):
    doc = tmp_path / "docs" / "volcano-notes.md"
    doc.parent.mkdir()
    doc.write_text(NOTES, encoding="utf-8")
    r = hearth("index", str(doc.parent), "--collection", "notes", "--json", home=tmp_path / "home")
    assert r.returncode == 0, r.stdout + r.stderr
    return tmp_path / "home"


@pytest.mark.slow
def test_ask_grounding_off_keeps_the_models_words_where_balanced_says_not_found(notes, smollm2_path):
    question = "Who painted the Mona Lisa?"  # nothing in the notes
    r = hearth("ask", question, "--collection", "notes", "--json", "--max-tokens", "40", home=notes)
    assert r.returncode == 0, r.stderr
    balanced = json.loads(r.stdout)
    assert balanced["answer"] == NOT_FOUND_EN and balanced["grounding"]["mode"] == "balanced"
    r = hearth("ask", question, "--collection", "notes", "--json", "--max-tokens", "40", "--grounding", "off",
               home=notes)
    assert r.returncode == 0, r.stderr
    off = json.loads(r.stdout)
    assert off["answer"] != NOT_FOUND_EN and off["grounding"]["mode"] == "off"
    # the stored chat keeps the choice, so continuing it answers the same way
    h = Hearth(notes)
    assert h.conversation_settings(off["conversation_id"]).grounding == "off"
    h.close()


@pytest.mark.slow
def test_ask_reflect_reports_the_reflection_and_stores_the_switch(notes, smollm2_path):
    r = hearth("ask", "How many flamingos did the expedition count, and when did the volcano erupt?",
               "--collection", "notes", "--json", "--max-tokens", "60", "--reflect", home=notes)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert "reflection" in out and isinstance(out["reflection"]["why"], str)
    h = Hearth(notes)
    assert h.conversation_settings(out["conversation_id"]).reflect is True
    if out["reflection"]["ran"]:  # both answers are in the chat, the kept one shown
        shown = h.store.thread(out["conversation_id"])[-1]
        assert len(h.store.siblings(shown.id)) == 2 and shown.meta["reflection"]["kept"]
    h.close()
