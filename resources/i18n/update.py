"""Refresh the Chinese translation: extract strings, fill them from ``zh_CN.py``, compile the .qm.

Run from the project root: ``python resources/i18n/update.py``. Needs ``pyside6-lupdate`` and
``pyside6-lrelease`` (they come with PySide6) beside the Python that runs it, or on PATH.
"""
from __future__ import annotations

import runpy
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
TS = HERE / "hearth_zh_CN.ts"
QM = HERE / "hearth_zh_CN.qm"


def tool(name: str) -> str:
    local = Path(sys.executable).parent / name
    found = str(local) if local.exists() else shutil.which(name)
    if not found:
        sys.exit(f"{name} not found: install PySide6 (it ships the Qt translation tools)")
    return found


def main() -> int:
    sources = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "assistant" / "ui").glob("*.py"))
    subprocess.run([tool("pyside6-lupdate"), *sources, "-ts", str(TS.relative_to(ROOT)), "-no-obsolete",
                    "-locations", "none"], cwd=ROOT, check=True)
    table = runpy.run_path(str(HERE / "zh_CN.py"))
    text, anywhere = table["TEXT"], table["ANY"]
    tree = ET.parse(TS)
    root = tree.getroot()
    root.set("language", "zh_CN")
    missing = 0
    for ctx in root.iter("context"):
        name = ctx.findtext("name")
        for msg in ctx.iter("message"):
            src = msg.findtext("source")
            zh = text.get(name, {}).get(src) or anywhere.get(src)
            tr = msg.find("translation")
            if zh:
                forms = tr.findall("numerusform")  # a %n message: Chinese has one plural form
                for form in forms:
                    form.text = zh
                if not forms:
                    tr.text = zh
                tr.attrib.pop("type", None)
            else:
                missing += 1
    tree.write(TS, encoding="utf-8", xml_declaration=True)
    subprocess.run([tool("pyside6-lrelease"), str(TS), "-qm", str(QM)], check=True)
    print(f"{TS.name}: {missing} strings without a translation")
    return 0


if __name__ == "__main__":
    sys.exit(main())
