"""Core messages in the user's language: the catalog, the locale, HearthError, and the real CLI."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.core import i18n
from assistant.core.errors import HearthError, ModelError, in_words


@pytest.fixture(autouse=True)
def follow_locale():
    i18n.set_language(None)
    yield
    i18n.set_language(None)


@pytest.mark.parametrize("env, expected", [
    ({"LANG": "zh_CN.UTF-8"}, "zh_CN"), ({"LANG": "en_US.UTF-8"}, "en"), ({"LANG": "zh_TW.UTF-8"}, "zh_CN"),
    ({"LC_ALL": "C.UTF-8", "LANG": "zh_CN.UTF-8"}, "en"), ({"LC_MESSAGES": "zh_CN", "LANG": "C"}, "zh_CN"),
    ({"HEARTH_LANGUAGE": "zh_CN", "LC_ALL": "C"}, "zh_CN"), ({}, "en")])
def test_the_language_follows_the_locale_like_other_programs(monkeypatch, env, expected):
    for var in ("HEARTH_LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(var, raising=False)
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    assert i18n.language() == expected
    i18n.set_language("en")  # the window's own setting wins
    assert i18n.language() == "en"


def test_errors_keep_naming_the_file_and_reason_in_chinese():
    i18n.set_language("zh_CN")
    e = ModelError("/home/li/模型/qwen.gguf: the file does not exist.")
    assert str(e) == "/home/li/模型/qwen.gguf：文件不存在。"
    e = ModelError("/m/x.gguf: llama.cpp could not load the model (/m/x.gguf: the GGUF header is damaged (bad)).")
    assert str(e) == "/m/x.gguf：llama.cpp 无法加载该模型（/m/x.gguf：GGUF 文件头已损坏（bad））。"
    assert in_words(FileNotFoundError(2, "No such file", "/data/报告.pdf")) == "找不到文件：/data/报告.pdf"
    unknown = HearthError("a message nobody translated", fix="do this")
    assert unknown.in_words() == "a message nobody translated\ndo this"  # English, never wrong
    i18n.set_language("en")
    assert str(ModelError("/m/x.gguf: the file does not exist.")) == "/m/x.gguf: the file does not exist."


def test_every_translation_keeps_the_fields_of_its_english_template():
    import string

    for en, zh in i18n.CATALOG["zh_CN"].items():
        fields = lambda t: sorted(f for _, f, _, _ in string.Formatter().parse(t) if f)  # noqa: E731
        assert fields(en) == fields(zh), en


def test_defaults_follow_the_language():
    i18n.set_language("zh_CN")
    assert i18n.default_collection_name() == "文档"
    from assistant.core.settings import Settings

    assert "Hearth" in Settings().system_prompt and "助手" in Settings().system_prompt
    i18n.set_language("en")
    assert i18n.default_collection_name() == "Documents"
    assert Settings().system_prompt == "You are a helpful assistant named Hearth."


def _cli() -> list[str]:
    exe = Path(sys.executable).with_name("hearth-cli")
    return [str(exe)] if exe.exists() else [shutil.which("hearth-cli") or "hearth-cli"]


def test_the_cli_speaks_chinese_under_a_chinese_locale(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("LC_ALL", "LC_MESSAGES", "LANGUAGE", "HEARTH_LANGUAGE")}
    env.update(LANG="zh_CN.UTF-8", HEARTH_HOME=str(tmp_path / "home"), PYTHONIOENCODING="utf-8")
    missing = tmp_path / "模型" / "qwen2.5-0.5b.gguf"
    run = subprocess.run(_cli() + ["ask", "--model", str(missing), "你好"], capture_output=True, text=True,
                         env=env, timeout=300)
    assert run.returncode == 2
    assert f"{missing}：文件不存在。" in run.stderr
    run = subprocess.run(_cli() + ["search", "长城", "--collection", "我的笔记"], capture_output=True, text=True,
                         env=env, timeout=300)
    assert run.returncode == 1 and "没有名为“我的笔记”的文档集。" in run.stderr
    env["LANG"] = "en_US.UTF-8"
    run = subprocess.run(_cli() + ["search", "长城", "--collection", "我的笔记"], capture_output=True, text=True,
                         env=env, timeout=300)
    assert "There is no collection named '我的笔记'." in run.stderr
