"""Paths, settings and the core/UI boundary."""
from __future__ import annotations

import ast
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.core import paths, settings

ROOT = Path(__file__).resolve().parents[2]


def test_hearth_home_overrides_every_location(tmp_path, monkeypatch):
    monkeypatch.setenv("HEARTH_HOME", str(tmp_path / "h"))
    p = paths.resolve().ensure()
    for d in (p.data, p.config, p.cache, p.logs):
        assert d.is_dir() and tmp_path in d.parents
    if os.name == "posix":
        assert stat.S_IMODE(p.data.stat().st_mode) == 0o700


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_logs_and_cache_are_private_like_data(tmp_path, monkeypatch):
    """Logs name the user's files and questions; the cache holds model states and downloads."""
    from assistant.core import logs

    monkeypatch.setenv("HEARTH_HOME", str(tmp_path / "h"))
    p = paths.resolve()
    for d in (p.data, p.config, p.cache, p.logs):
        d.mkdir(parents=True)
        d.chmod(0o755)  # as an older Hearth (or a umask of 022) left them
    p.ensure()
    assert {d.name: stat.S_IMODE(d.stat().st_mode) for d in (p.data, p.config, p.cache, p.logs)} == \
        {"data": 0o700, "config": 0o700, "cache": 0o700, "logs": 0o700}
    other = tmp_path / "elsewhere" / "logs"
    other.mkdir(parents=True, mode=0o755)
    import logging

    monkeypatch.setattr(logs, "_configured", None)
    root = logging.getLogger("assistant")
    before = list(root.handlers)
    try:
        logs.setup(other / "hearth.log")
        assert stat.S_IMODE(other.stat().st_mode) == 0o700
    finally:
        for h in [h for h in root.handlers if h not in before]:
            root.removeHandler(h)
            h.close()


def test_without_hearth_home_uses_platform_dirs(monkeypatch):
    monkeypatch.delenv("HEARTH_HOME", raising=False)
    p = paths.resolve()
    assert "Hearth" in str(p.data) and "Hearth" in str(p.config)


def test_settings_round_trip_and_defaults(paths):
    s = settings.load(paths.settings_file)
    assert s.sampling.temperature == 0.7 and s.language == "en"
    s.language = "zh_CN"
    s.sampling.max_tokens = 99
    settings.save(s, paths.settings_file)
    again = settings.load(paths.settings_file)
    assert again.language == "zh_CN" and again.sampling.max_tokens == 99


def test_settings_migrate_from_v1(paths):
    paths.settings_file.write_text(json.dumps(
        {"schema_version": 1, "temperature": 0.2, "gpu_layers": 12, "language": "zh_CN"}))
    s = settings.load(paths.settings_file)
    assert s.schema_version == settings.SCHEMA_VERSION
    assert s.sampling.temperature == 0.2 and s.n_gpu_layers == "12" and s.language == "zh_CN"


def test_corrupt_settings_file_is_kept_aside_not_fatal(paths):
    paths.settings_file.write_text("{ not json")
    s = settings.load(paths.settings_file)
    assert s == settings.Settings()
    assert paths.settings_file.with_suffix(".json.bad").read_text() == "{ not json"


def test_bad_setting_value_falls_back_to_default(paths):
    paths.settings_file.write_text(json.dumps({"schema_version": 2, "language": 5, "first_run_done": "yes"}))
    s = settings.load(paths.settings_file)
    assert s.language == "en" and s.first_run_done is False


QT_NAMES = ("PySide6", "PyQt5", "PyQt6", "PySide2", "qtpy", "shiboken6")


def test_core_source_never_imports_qt():
    offenders = []
    for py in (ROOT / "assistant" / "core").rglob("*.py"):
        tree = ast.parse(py.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            if any(n.split(".")[0] in QT_NAMES for n in names):
                offenders.append(f"{py.relative_to(ROOT)}:{node.lineno}")
    assert not offenders, f"assistant/core imports Qt: {offenders}"


def test_importing_every_core_module_loads_no_qt():
    """Import all of assistant.core in a fresh interpreter where Qt cannot be imported at all."""
    code = r"""
import importlib, pkgutil, sys
class NoQt:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in %r:
            raise ImportError("Qt imported from core: " + name)
sys.meta_path.insert(0, NoQt())
import assistant.core as core
for m in pkgutil.walk_packages(core.__path__, "assistant.core."):
    importlib.import_module(m.name)
print("ok", len([m for m in sys.modules if m.startswith("assistant.core")]))
""" % (QT_NAMES,)
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    assert r.stdout.startswith("ok")
