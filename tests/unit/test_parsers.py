"""Parsers: encodings, Markdown/HTML/DOCX headings, code, unknown types, garbled text; the sandbox limits."""
from __future__ import annotations

import time

import pytest

from assistant.core.knowledge import types as T
from assistant.core.knowledge.garble import garbled_reason
from assistant.core.knowledge.parsers import parse_file
from assistant.core.knowledge.sandbox import ParserPool


def test_text_in_legacy_encodings_is_decoded(tmp_path):
    gbk = tmp_path / "notes.txt"
    gbk.write_bytes("会议在星期五下午三点举行，请准时参加。地点：三楼会议室。".encode("gbk"))
    latin = tmp_path / "brief.txt"
    latin.write_bytes("Grüße aus München, café au lait für alle Mitarbeiter.".encode("cp1252"))
    assert "星期五下午三点" in parse_file(str(gbk)).sections[0].text
    assert "München" in parse_file(str(latin)).sections[0].text


def test_markdown_headings_become_heading_paths(tmp_path):
    f = tmp_path / "guide.md"
    f.write_text("# Guide\n\nIntro.\n\n## Install\n\nRun it.\n\n```\n# not a heading\n```\n\n### Linux\n\napt\n\n"
                 "## Use\n\nClick.\n", encoding="utf-8")
    secs = parse_file(str(f)).sections
    assert [s.heading for s in secs] == ["Guide", "Guide > Install", "Guide > Install > Linux", "Guide > Use"]
    text = f.read_text(encoding="utf-8")
    assert all(text[s.offset:s.offset + len(s.text)] == s.text for s in secs)


def test_html_keeps_visible_text_only(tmp_path):
    f = tmp_path / "page.html"
    f.write_text("<html><head><title>t</title><style>p{color:red}</style></head><body><h1>Fees</h1>"
                 "<p>Late fee is &euro;5.</p><script>alert('x')</script><h2>Refunds</h2><p>Within 30 days.</p>"
                 "</body></html>", encoding="utf-8")
    secs = parse_file(str(f)).sections
    full = " ".join(s.text for s in secs)
    assert "Late fee is €5." in full and "alert" not in full and "color" not in full
    assert secs[-1].heading == "Fees > Refunds" and "Within 30 days" in secs[-1].text


def test_docx_paragraphs_tables_and_headings(tmp_path):
    import docx

    d = docx.Document()
    d.add_heading("Quarterly report", 1)
    d.add_paragraph("Revenue grew by 12 percent.")
    d.add_heading("Risks", 2)
    d.add_paragraph("Supply chain delays.")
    t = d.add_table(rows=1, cols=2)
    t.cell(0, 0).text, t.cell(0, 1).text = "Region", "North"
    f = tmp_path / "report.docx"
    d.save(str(f))
    secs = parse_file(str(f)).sections
    assert secs[0].heading == "Quarterly report" and "Revenue grew" in secs[0].text
    assert secs[-1].heading == "Quarterly report > Risks" and "Region | North" in secs[-1].text


def test_code_unknown_binary_and_empty_files(tmp_path):
    code = tmp_path / "tool.py"
    code.write_text("def area(r):\n    return 3.14159 * r * r\n", encoding="utf-8")
    assert "3.14159" in parse_file(str(code)).sections[0].text
    img = tmp_path / "photo.png"  # images are read by OCR now; a cut one is damaged, said in words
    img.write_bytes(b"\x89PNG\r\n")
    res = parse_file(str(img))
    assert res.status == T.DAMAGED and "cannot read the image" in res.reason
    other = tmp_path / "model.stl"
    other.write_bytes(b"solid x\n")
    assert parse_file(str(other)).status == T.UNSUPPORTED
    fake_txt = tmp_path / "data.txt"
    fake_txt.write_bytes(b"\x00\x01\x02" * 100)
    assert parse_file(str(fake_txt)).status == T.UNSUPPORTED
    empty = tmp_path / "empty.md"
    empty.write_text("  \n\n", encoding="utf-8")
    assert parse_file(str(empty)).status == T.EMPTY


def test_garbled_text_is_flagged_and_real_scripts_are_not():
    assert garbled_reason("Ä¿ ¡¡ ¡¡ Â¼ ¹Ø ÓÚ ºì ¾ü ×÷ Õ½ µÄ Ô­ Ôò £± ¡­ ¡­ ¡­ ¹Ø ÓÚ ºì ¾ü")
    assert garbled_reason("컒쏇뚼쫇뫚쳥ퟖ")
    # pypdf on a Japanese font without a character map (pdfminer__jo.pdf)
    assert garbled_reason("\u0279\u0279\u0982\n\u0398\u0368\u0358\u0360\u0371\u034d\u037e\u0771\u09c5\u0378\u104a\u0c06\u035e\u0395\u0368\u0f17\u07a6\u063b\u0f76\u0c3f\u0c6f\u0377\u037b\u0371\u036d\u0377\u0a68\u034d\u09b0\u0ecc\u0370\u0362\u1edb\u034b\u0392\u038f\u0394\u0c81\u0ecc\u0373\u0f13\u0fb6\u0377\u0df3\u07f9\u0b2e\u1edc\u0de9\u0720\u038d\u0388\u039c\u0373\u0371\u034d\u1ef3\u0360\u1ef6\u0374\u0364\u0378\u0360\u0358\u0364\u0378\u0360\u0358\u0ecc\u0ed3\u0360\u0373\u0355\u0392\u034d\u0354\u0374\u038b\u0368\u0360\u0354\u0374\u0371\u038b\u0393\u036d\u036e\u035a\u0394\u04bc\u054c\u07a6\u0f76\u0c3f\u0c6f\u0377\u037b\u0371\u036d\u0377\u0a68\u034d\u09b0\u0ecc\u0370\u0362\u1edb\u037b\u0354\u0393\u0378\u0368\u038b\u036a\u1ecf\u0366\u0377\u0c3f\u0c6f\u0378\u08e6\u0378\u0395\u1edc\u0279\u0279\u035c\u0395\u0392\u0378\u0ccb\u0947\u0ccb\u0555\u0744\u0377\u0561\u0688\u0371\u0354\u039c\u0363\u0394\u0e4d\u05af\u0354\u0392\u08b4\u0371\u1b85\u08ed\u03a0\u03ef\u03ab\u039b\u036d\u0392")
    for real in ("침하게 흐린 품이 눈이 올 듯하더니 눈은 아니 오고 얼다가 만 비가 추",
                 "Größe und Übermaß: für Äpfel gilt die Formel α + β = γ in München.",
                 "坚持社会主义核心价值体系 增强文化自觉和文化自信 with English words",
                 "Привет, мир! Это обычный русский текст. مرحبا بالعالم",
                 "あのイーハトーヴォのすきとおった風、夏でも底に冷たさをもつ青いそら"):
        assert garbled_reason(real) == "", real


@pytest.mark.slow
def test_sandbox_survives_hangs_bombs_and_crashes(tmp_path):
    good = tmp_path / "good.txt"
    good.write_text("still works", encoding="utf-8")
    for n in ("hang.txt", "bomb.txt", "crash.txt"):
        (tmp_path / n).write_text("x", encoding="utf-8")
    pool = ParserPool(timeout=2, memory_mb=768, target="tests.unit.test_parsers_hostile:parse")
    try:
        t = time.monotonic()
        assert pool.parse(str(tmp_path / "hang.txt")).status == T.TIMED_OUT
        assert time.monotonic() - t < 10
        assert pool.parse(str(good)).sections[0].text == "still works"
        assert pool.parse(str(tmp_path / "bomb.txt")).status == T.TOO_LARGE
        assert pool.parse(str(tmp_path / "crash.txt")).status == T.DAMAGED
        assert pool.parse(str(good)).sections[0].text == "still works"
    finally:
        pool.close()
