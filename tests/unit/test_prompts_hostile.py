"""Prompt templates and packs from elsewhere cannot hang Hearth or its window."""
from __future__ import annotations

import os
import random
import re
import sys
import time

import pytest

from assistant.core.prompts import PromptTemplate, TemplateError, TemplateLibrary, pack, render
from assistant.core.prompts.template import PromptTooCostly

LOOPS_FOR_EVER = "{% for a in range(99999) %}{% for b in range(99999) %}{% endfor %}{% endfor %}"
HUGE_STRING = "{{ 'x' * 10**10 }}"

# The window's tests see this too: the offscreen platform mentions size hints of popups.
pytestmark = pytest.mark.qt_log_ignore("does not support propagateSizeHints")


@pytest.fixture
def lib(paths):
    return TemplateLibrary(paths)


def test_a_looping_prompt_template_stops_within_its_time_bound():
    start = time.monotonic()
    with pytest.raises(PromptTooCostly) as err:
        render(PromptTemplate(name="spin", body=LOOPS_FOR_EVER), {})
    assert time.monotonic() - start < 3.0
    assert "template 'spin'" in str(err.value) and "longer than 2 s" in str(err.value)
    assert isinstance(err.value, TemplateError)  # the window and the CLI show it like any template error


def test_a_prompt_template_building_a_huge_string_is_refused_at_once():
    start = time.monotonic()
    with pytest.raises(PromptTooCostly) as err:
        render(PromptTemplate(name="big", body="Hello", system=HUGE_STRING), {})
    assert time.monotonic() - start < 1.0
    assert "system prompt of template 'big'" in str(err.value) and "would produce more than" in str(err.value)


def test_the_prompt_sandbox_is_immutable():
    with pytest.raises(TemplateError, match="sandbox"):
        render(PromptTemplate(name="mut", body="{% set l = [1] %}{{ l.append(2) }}{{ l }}"), {})


def test_big_values_the_user_gives_are_not_refused():
    doc = "paragraph\n" * 600_000  # a 6 MB document: the user's own text, not the template's doing
    r = render(PromptTemplate(name="sum", body="Summarise:\n{{ document }}"), {"document": doc})
    assert r.user_text.startswith("Summarise:") and len(r.user_text) > len(doc) - 10


def test_library_render_is_bounded(lib):
    lib.save(PromptTemplate(name="spin", body=LOOPS_FOR_EVER))
    with pytest.raises(PromptTooCostly):
        lib.render("spin", {})


# ---- packs -----------------------------------------------------------------------------------

def _old_strip_comments(chunk):
    return re.sub(r"<!--.*?-->", "", chunk, flags=re.S)


def test_pack_import_of_an_adversarial_comment_pattern_is_linear():
    # 80 KB of unclosed comment openers took the old regex seconds (quadratic); a pack near the
    # size cap would have taken hours. The linear scan reads both at once.
    for size in (80_000, pack.MAX_PACK_CHARS - 10):
        text = "---\nname: a\n---\nbody\n" + "<!--" * (size // 4 - 10)
        start = time.monotonic()
        templates = pack.parse_pack(text, "hostile.md")
        assert time.monotonic() - start < 2.0, size
        assert [t.name for t in templates] == ["a"] and templates[0].body.count("<!--") == size // 4 - 10
    start = time.monotonic()
    assert pack._strip_comments("<!--" * 20_000) == "<!--" * 20_000
    assert time.monotonic() - start < 0.5


def test_the_linear_scan_reads_packs_exactly_as_before():
    rng = random.Random(12)
    pieces = ["<!--", "-->", "a", "\n", "-", "<!", "->", " ", "\t", "S"]
    for _ in range(3000):
        t = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 16))).replace("S", pack.SEPARATOR)
        assert pack._strip_comments(t) == _old_strip_comments(t), t
        old_header = re.sub(r"\A\s*<!--.*?-->\s*", "", t, flags=re.S) if t.lstrip().startswith("<!--") else t
        assert pack._strip_header(t) == old_header, t
        assert pack._split_on_separator(t) == re.split(
            r"^" + re.escape(pack.SEPARATOR) + r"[ \t]*$", t, flags=re.M), t


def test_a_pack_round_trips(lib):
    text = pack.export_text([PromptTemplate(name="one", body="1 {{input}}"),
                             PromptTemplate(name="two", body="2 {{input}}", description="second")])
    assert [t.name for t in pack.parse_pack(text, "p.md")] == ["one", "two"]
    assert [t.name for t in pack.parse_pack(text.replace("\n", "\r\n"), "p.md")] == ["one", "two"]


def test_an_oversized_pack_is_refused_naming_the_file(tmp_path):
    text = "---\nname: a\n---\n" + "x" * (pack.MAX_PACK_CHARS + 1)
    with pytest.raises(TemplateError, match=r"big\.md: .* at most"):
        pack.parse_pack(text, "big.md")
    f = tmp_path / "big.md"
    f.write_bytes(b"x" * (pack.MAX_PACK_CHARS * 4 + 1))
    with pytest.raises(TemplateError, match=r"big\.md: the file is .* MB"):
        pack.read_pack_file(f)


def test_too_many_templates_in_one_pack_are_refused():
    one = "---\nname: t{}\n---\nbody\n"
    text = ("\n" + pack.SEPARATOR + "\n").join(one.format(i) for i in range(pack.MAX_PACK_TEMPLATES + 1))
    with pytest.raises(TemplateError, match="at most 1,000"):
        pack.parse_pack(text, "many.md")


@pytest.mark.skipif(sys.platform == "win32", reason="FIFOs are POSIX")
def test_reading_a_fifo_as_a_pack_does_not_block(tmp_path):
    fifo = tmp_path / "pack.md"
    os.mkfifo(fifo)
    with pytest.raises(TemplateError, match="pack.md: not a regular file"):
        pack.read_pack_file(fifo)


def test_a_pack_that_is_not_utf8_is_named(tmp_path):
    f = tmp_path / "latin.md"
    f.write_bytes("---\nname: caf\xe9\n---\nx\n".encode("latin-1"))
    with pytest.raises(TemplateError, match="latin.md: not UTF-8"):
        pack.read_pack_file(f)


# ---- the window ------------------------------------------------------------------------------

def test_the_picker_renders_a_slow_template_off_the_gui_thread(qtbot, lib):
    from PySide6.QtWidgets import QMainWindow, QPlainTextEdit

    from assistant.ui.template_picker import TemplatePicker

    lib.save(PromptTemplate(name="spin", body="{{ topic }}" + LOOPS_FOR_EVER))
    win = QMainWindow()
    editor = QPlainTextEdit()
    win.setCentralWidget(editor)
    qtbot.addWidget(win)
    picker = TemplatePicker(lib, editor)
    win.show()
    qtbot.keyClicks(editor, "/spin")
    picker.pick("spin")
    picker._fields["topic"].setText("x")
    start = time.monotonic()
    with qtbot.assertNotEmitted(picker.templateChosen, wait=100):
        picker.use_button.click()
        assert time.monotonic() - start < 0.5  # the window went on at once
        assert picker.is_rendering() and "Rendering" in picker.error.text()
    qtbot.waitUntil(lambda: "longer than 2 s" in picker.error.text(), timeout=5000)
    assert not picker.is_rendering() and "spin" in picker.error.text()
    picker.close_picker()
    picker.tasks.wait(5000)


def test_the_prompts_panel_persona_render_is_off_the_gui_thread(qtbot, lib):
    from assistant.ui.prompts_panel import PromptsPanel

    lib.save(PromptTemplate(name="spin", body=LOOPS_FOR_EVER))
    panel = PromptsPanel(lib, ask=lambda *_: True)
    qtbot.addWidget(panel)
    panel.reload(select="spin")
    start = time.monotonic()
    panel.buttons["persona"].click()
    assert time.monotonic() - start < 0.5
    qtbot.waitUntil(lambda: "longer than 2 s" in panel.message.text(), timeout=5000)
    assert panel.buttons["persona"].isEnabled()
    panel.tasks.wait(5000)
