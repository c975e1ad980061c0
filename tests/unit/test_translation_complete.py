"""Every string the window shows has its Simplified Chinese, and the committed .qm carries it.

A string added to ``assistant/ui`` without a line in ``resources/i18n/zh_CN.py`` shows up in English
in the middle of a Chinese window; a table edited without running ``resources/i18n/update.py`` leaves
the shipped ``hearth_zh_CN.qm`` behind it. Both fail here, naming what to do.
"""
from __future__ import annotations

import ast
import re
import runpy
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
I18N = ROOT / "resources" / "i18n"
# printf fields (%s, %d, %.1f, %%), Qt's %1 and %n, str.format's {0}, the tab before a shortcut, HTML tags
PLACEHOLDER = re.compile(r"%(?:\d+|n|%|[-+#0]*\d*(?:\.\d+)?[sdifgeEx])|\{\w*\}|<[^>]+>|\t")


def _tool(name: str) -> str:
    local = Path(sys.executable).parent / name
    found = str(local) if local.exists() else shutil.which(name)
    if not found:
        pytest.fail(f"{name} not found beside {sys.executable} or on PATH: PySide6 ships it")
    return found


@pytest.fixture(scope="module")
def window_strings(tmp_path_factory) -> list[tuple[str, str, bool]]:
    """(context, English, is a %n plural) for every string lupdate finds in assistant/ui, as the .ts holds them."""
    ts = tmp_path_factory.mktemp("i18n") / "hearth_zh_CN.ts"
    sources = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "assistant" / "ui").glob("*.py"))
    run = subprocess.run([_tool("pyside6-lupdate"), *sources, "-ts", str(ts), "-no-obsolete", "-locations", "none"],
                         cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    out = []
    for ctx in ET.parse(ts).getroot().iter("context"):
        name = ctx.findtext("name") or ""
        for msg in ctx.iter("message"):
            out.append((name, msg.findtext("source") or "", msg.get("numerus") == "yes"))
    assert len(out) > 300, "lupdate found almost nothing: is it reading assistant/ui?"
    return out


@pytest.fixture(scope="module")
def table() -> tuple[dict[str, dict[str, str]], dict[str, str]]:
    t = runpy.run_path(str(I18N / "zh_CN.py"))
    return t["TEXT"], t["ANY"]


def _chinese(table, context: str, source: str) -> str | None:
    text, anywhere = table  # the same lookup as resources/i18n/update.py
    return text.get(context, {}).get(source) or anywhere.get(source)


def test_every_window_string_has_a_chinese_translation(window_strings, table):
    missing = [(ctx, src) for ctx, src, _ in window_strings if not _chinese(table, ctx, src)]
    assert not missing, (
        f"{len(missing)} window strings have no Chinese in resources/i18n/zh_CN.py "
        "(add them to TEXT[context] or ANY, then run `python resources/i18n/update.py` and commit the "
        ".ts and .qm):\n" + "\n".join(f"  [{ctx}] {src!r}" for ctx, src in missing))


def test_translations_keep_the_placeholders_and_accelerators(window_strings, table):
    # a lost %s or {0} raises or drops a file name at run time; a lost & loses the Alt key of a menu
    wrong = []
    for ctx, src, _ in window_strings:
        zh = _chinese(table, ctx, src)
        if not zh:
            continue
        if sorted(PLACEHOLDER.findall(src)) != sorted(PLACEHOLDER.findall(zh)) \
                or ("&" in src.replace("&&", "")) != ("&" in zh.replace("&&", "")):
            wrong.append((ctx, src, zh))
    assert not wrong, "\n".join(f"[{c}] {s!r} -> {z!r}" for c, s, z in wrong)


def test_the_committed_qm_carries_the_table(qapp):
    """The shipped .qm (what the window loads) translates strings from several recent panels."""
    from PySide6.QtCore import QTranslator

    tr = QTranslator()
    assert tr.load(str(I18N / "hearth_zh_CN.qm")), "resources/i18n/hearth_zh_CN.qm does not load"
    stale = []
    for ctx, src, want in [
        ("ConversationList", "Yesterday", "昨天"),
        ("Chat", "Write a better answer…", "写一个更好的回答…"),
        ("MainWindow", "&Tools", "工具(&T)"),
        ("EvalPanel", "Evaluate answers", "评测回答"),
        ("QualityDashboard", "Quality dashboard", "质量看板"),
        ("SourceViewer", "Open in the system app", "用系统应用打开"),
    ]:
        if tr.translate(ctx, src) != want:
            stale.append((ctx, src, tr.translate(ctx, src)))
    plural = tr.translate("ReindexDialog", "%n collection(s) were indexed with the previous embedding model and "
                          "cannot be searched with the new one until they are re-indexed: %1.", "", 2)
    if "文档集" not in plural:
        stale.append(("ReindexDialog", "%n collection(s)…", plural))
    assert not stale, f"hearth_zh_CN.qm is older than zh_CN.py: run `python resources/i18n/update.py` ({stale})"


def test_core_messages_through_tr_have_chinese():
    """Every literal template given to assistant.core.i18n.tr() outside the window has a zh entry."""
    from assistant.core import i18n

    catalog = i18n.CATALOG[i18n.CHINESE]
    missing = []
    for path in sorted((ROOT / "assistant").rglob("*.py")):
        if "ui" in path.relative_to(ROOT / "assistant").parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "tr" \
                    and node.args and isinstance(node.args[0], ast.Constant) \
                    and isinstance(node.args[0].value, str) and node.args[0].value not in catalog:
                missing.append(f"{path.relative_to(ROOT)}:{node.lineno}: {node.args[0].value!r}")
    assert not missing, "add these to assistant/core/i18n.py's _ZH:\n" + "\n".join(missing)
