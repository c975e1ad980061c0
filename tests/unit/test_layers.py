"""The house's layer rules, checked on the real import graph (import-linter and grimp).

- the core imports no Qt and no face; the faces (window, CLI, server) do not import each other;
- no cycle between the core's packages (engine, knowledge, adapters, models...).
"""
from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _lint(config: Path, cwd: Path) -> int:
    from importlinter.cli import lint_imports

    old = os.getcwd()
    os.chdir(cwd)
    try:
        return lint_imports(config_filename=str(config), no_cache=True)
    finally:
        os.chdir(old)


def test_layer_contracts_hold():
    assert _lint(ROOT / "pyproject.toml", ROOT) == 0


def test_a_broken_contract_fails(tmp_path, monkeypatch, capsys):
    """The same contracts on a small package whose core imports its window: the check must fail."""
    pkg = tmp_path / "toyapp"
    for sub in ("core", "ui", "commands", "server"):
        (pkg / sub).mkdir(parents=True)
        (pkg / sub / "__init__.py").write_text("")
    (pkg / "__init__.py").write_text("")
    (pkg / "cli.py").write_text("")
    (pkg / "ui" / "window.py").write_text("X = 1\n")
    (pkg / "core" / "facade.py").write_text("from toyapp.ui import window  # the bad import\n")
    config = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    section = config[config.index("[tool.importlinter]"):].replace("assistant", "toyapp")
    (tmp_path / "setup.cfg").write_text("")
    toml = tmp_path / "contracts.toml"
    toml.write_text(section, encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert _lint(toml, tmp_path) != 0
    out = capsys.readouterr().out
    assert "The core knows no Qt and no face BROKEN" in out and "toyapp.core.facade -> toyapp.ui" in out
    (pkg / "core" / "facade.py").write_text("X = 2\n")
    assert _lint(toml, tmp_path) == 0
