"""Prompt templates: parsing, rendering, versions, packs and search, on a real library folder."""
from __future__ import annotations

import sqlite3

import pytest

from assistant.core.engine.types import SamplingParams
from assistant.core.prompts import (PromptTemplate, TemplateError, TemplateExists, TemplateLibrary,
                                    TemplateReadOnly, TemplateVariableError, dump, parse, render)
from assistant.core.prompts.pack import export_text, parse_pack

BUILTINS = {"summarise", "explain", "translate-to-chinese", "translate-from-chinese", "rewrite",
            "extract-to-table", "answer-from-documents", "code-review", "email-reply", "meeting-notes",
            "persona-concise-expert"}


@pytest.fixture
def lib(paths):
    return TemplateLibrary(paths)


def test_builtins_are_all_there_and_render(lib):
    names = {t.name for t in lib.list()}
    assert BUILTINS <= names
    for t in lib.list():
        assert t.builtin and t.description, t.name
        values = {v: f"<{v}>" for v in t.required_variables()}
        r = lib.render(t.name, values)
        text = r.system_prompt if t.persona else r.user_text
        assert text and "{{" not in text
        for v in values.values():
            assert v in (r.user_text + (r.system_prompt or ""))


def test_render_fills_defaults_system_and_sampling(lib):
    r = lib.render("translate-from-chinese", {"input": "你好"})
    assert "你好" in r.user_text and "English" in r.user_text
    assert "translator" in r.system_prompt
    assert r.template_name == "translate-from-chinese" and r.template_version == 1
    assert r.sampling_params(SamplingParams(top_k=7)).temperature == 0.2
    assert r.sampling_params(SamplingParams(top_k=7)).top_k == 7
    r = lib.render("translate-from-chinese", {"input": "你好", "language": "French"})
    assert "French" in r.user_text and "English" not in r.user_text


def test_missing_variable_names_variable_and_template(lib):
    with pytest.raises(TemplateVariableError) as e:
        lib.render("answer-from-documents", {"input": "What is the capital?"})
    assert e.value.variable == "document" and e.value.template == "answer-from-documents"
    assert "document" in str(e.value) and "answer-from-documents" in str(e.value)


def test_sandbox_refuses_unsafe_attribute_access():
    t = PromptTemplate(name="evil", body="{{ input.__class__.__mro__[1].__subclasses__() }}")
    with pytest.raises(TemplateError) as e:
        render(t, {"input": "x"})
    assert "sandbox" in str(e.value) and "evil" in str(e.value)


def test_persona_renders_into_system_prompt(lib):
    r = lib.render("persona-concise-expert", {})
    assert r.persona and r.user_text == "" and "concise expert" in r.system_prompt


def test_parse_dump_round_trip_keeps_everything():
    t = PromptTemplate(name="letter", description='5 tips: "quoted"', body="Dear {{who}},\n\n{{input}}\n",
                       system="Line one\n\nLine three", variables={"who": "friend"},
                       sampling={"temperature": 0.1, "max_tokens": 50}, collection="Work notes",
                       persona=False)
    back = parse(dump(t))
    assert (back.name, back.description, back.body, back.system, back.variables, back.sampling,
            back.collection) == (t.name, t.description, t.body, t.system, t.variables, t.sampling,
                                 t.collection)


@pytest.mark.parametrize("text, words", [
    ("name: x\n---\nbody", "start with"),
    ("---\nname: x\nbody", "closing"),
    ("---\nname: x\ncolour: red\n---\nbody", "unknown key 'colour'"),
    ("---\nname: x\nsampling: {temperature: 1}\n---\nbody", "sampling"),
    ("---\nname: x\nsampling: {\"temprature\": 1}\n---\nbody", "temprature"),
    ("---\nname: x\n---\nHello {{ input \n", "x"),
    ("---\ndescription: no name\n---\nbody", "name"),
])
def test_bad_files_are_refused_with_the_reason(text, words):
    with pytest.raises(TemplateError) as e:
        parse(text, "my.md")
    assert "my.md" in str(e.value) and words in str(e.value)


def test_versions_history_diff_restore(lib, paths):
    t = lib.duplicate("summarise", "my summary")
    assert t.version == 1 and not t.builtin
    t.body = "Summarise in {{points}} points:\n{{input}}\n"
    assert lib.save(t) == 2
    t.variables = {"points": "three"}
    assert lib.save(t) == 3
    assert [v.version for v in lib.history("my summary")] == [1, 2, 3]
    assert lib.get("my summary").variables == {"points": "three"}
    assert "Keep names" in lib.get("my summary", 1).body
    d = lib.diff("my summary", 1, 2)
    assert "-Summarise the text below" in d and "+Summarise in {{points}} points:" in d
    assert lib.restore("my summary", 1) == 4
    assert lib.get("my summary").body == lib.get("my summary", 1).body
    assert lib.render("my summary", {"input": "x"}).template_version == 4
    # A new library object on the same folder (a restart) sees the same history, from WAL SQLite.
    again = TemplateLibrary(paths)
    assert [v.version for v in again.history("my summary")] == [1, 2, 3, 4]
    mode = sqlite3.connect(again.db_path).execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"


def test_builtins_are_read_only_but_duplicable(lib):
    t = lib.get("rewrite")
    t.body = "changed {{input}}"
    with pytest.raises(TemplateReadOnly):
        lib.save(t)
    with pytest.raises(TemplateReadOnly):
        lib.delete("rewrite")
    assert "changed" not in lib.get("rewrite").body
    lib.duplicate("rewrite", "rewrite-mine")
    lib.delete("rewrite-mine")
    assert "rewrite-mine" not in lib.names()


def test_export_import_round_trip_and_conflicts(lib, paths, tmp_path):
    from assistant.core import paths as paths_mod

    a = lib.duplicate("email-reply", "reply-to-boss")
    a.system = "You write for a busy manager."
    lib.save(a)
    lib.save(PromptTemplate(name="haiku", body="Write a haiku about {{input}}.", description="poem",
                            sampling={"temperature": 1.0}))
    text = lib.export(["reply-to-boss", "haiku"])
    assert text.count("<!-- next template -->") == 2 and "name: haiku" in text
    other = TemplateLibrary(paths_mod.resolve(tmp_path / "other").ensure())
    assert other.import_text(text) == ["reply-to-boss", "haiku"]
    for name in ("reply-to-boss", "haiku"):
        x, y = lib.get(name), other.get(name)
        assert (x.body, x.system, x.variables, x.sampling) == (y.body, y.system, y.variables, y.sampling)
    with pytest.raises(TemplateExists) as e:
        other.import_text(text)
    assert e.value.names == ["reply-to-boss", "haiku"]
    assert [v.version for v in other.history("haiku")] == [1]
    assert other.import_text(text, overwrite=True) == ["reply-to-boss", "haiku"]
    assert [v.version for v in other.history("haiku")] == [1, 2]


def test_import_is_all_or_nothing(lib):
    good = dump(PromptTemplate(name="good-one", body="{{input}}"))
    bad = "---\nname: bad\nsampling: {oops}\n---\nx"
    with pytest.raises(TemplateError) as e:
        lib.import_text(export_text([parse(good)]) + "\n<!-- next template -->\n" + bad, source="pack.md")
    assert "pack.md, template 2" in str(e.value)
    assert "good-one" not in lib.names()


def test_single_template_export_is_plain_markdown(lib):
    text = lib.export(["explain"])
    assert text.startswith("---\nname: explain\n") and "next template" not in text
    assert parse_pack(text)[0].name == "explain"


def test_fuzzy_search(lib):
    assert lib.search("summ")[0].name == "summarise"
    assert lib.search("tr ch")[0].name.startswith("translate")
    assert lib.search("cdrv")[0].name == "code-review"
    assert lib.search("zzzz") == []
    assert len(lib.search("")) == len(lib.list())
