"""The model manager: the installed-models table (checked with qtmodeltester), real GGUF facts,
a corrupt file refused in words, a dropped .gguf added, GPU layers and context saved."""
from __future__ import annotations

import pytest

from assistant.core.app import Hearth
from assistant.ui.models_table import InstalledModelsModel, ModelRow, rows_from_registry
from tests.ui.conftest_helpers import close_all, make_window
from tests.ui.fakes import ScriptedEngine

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints", "does not support raise")


@pytest.fixture
def hearth(paths):
    h = Hearth(engine=ScriptedEngine())
    yield h
    close_all(h)


def test_installed_models_model_passes_qtmodeltester(qtmodeltester, paths, smollm2_path, gemma_path):
    from assistant.core.models.registry import ModelRegistry

    reg = ModelRegistry(paths)
    reg.add_from_disk(gemma_path)
    model = InstalledModelsModel()
    model.set_rows(rows_from_registry(reg.list()))
    qtmodeltester.check(model, force_py=True)
    names = [model.index(r, 0).data() for r in range(model.rowCount())]
    archs = {model.index(r, 4).data() for r in range(model.rowCount())}
    assert len(names) == 2 and {"llama", "gemma3"} <= archs
    smol = next(r for r in model.rows() if r.path == str(smollm2_path))
    assert smol.quantization and smol.context_length > 0 and smol.size_bytes > 50_000_000
    model.set_rows([ModelRow("/x.gguf", "X", 0, "", 0, "", "added", problem="/x.gguf: gone")])
    qtmodeltester.check(model, force_py=True)
    assert model.index(0, 5).data() == "cannot be used"


def test_corrupt_gguf_dropped_on_the_window_is_refused_in_words(qtbot, hearth, tmp_path):
    bad = tmp_path / "broken-model.gguf"
    bad.write_bytes(b"GGUF" + b"\x03\x00\x00\x00" + b"\xff" * 64)
    w = make_window(qtbot, hearth)
    w.add_paths([bad])
    dlg = w.model_dialog
    assert dlg is not None and dlg.isVisible()
    qtbot.waitUntil(lambda: dlg.info.text().startswith("Not added"), timeout=20000)
    text = dlg.info.text()
    assert "broken-model.gguf" in text and "Traceback" not in text
    from assistant.core.models.registry import ModelRegistry

    assert all(m.path.name != bad.name for m in ModelRegistry(hearth.paths).list())


def test_a_good_gguf_is_added_and_listed_with_fit_and_gpu_plan(qtbot, hearth, gemma_path):
    w = make_window(qtbot, hearth)
    dlg = w.open_model_manager()
    with qtbot.waitSignal(dlg.refreshed, timeout=60000):
        dlg.add_from_disk(str(gemma_path))
    qtbot.waitUntil(lambda: dlg.model.rowCount() == 2, timeout=60000)
    row = next(r for r in dlg.model.rows() if r.path == str(gemma_path))
    assert row.architecture == "gemma3" and row.fit_verdict in ("fits", "tight", "too big")
    assert row.gpu_plan  # the offload plan in words ("Runs on the CPU..." here)
    dlg.table.selectRow(dlg.model.rows().index(row))
    assert "gemma3" in dlg.details.text() and row.fit_summary in dlg.details.text()
    assert dlg.catalog.rowCount() >= 3  # the curated catalog is listed for download


def test_gpu_layers_and_context_are_saved(qtbot, hearth):
    w = make_window(qtbot, hearth)
    dlg = w.open_model_manager()
    dlg.gpu_layers.setCurrentText("0")
    dlg.context.setValue(2048)
    dlg.save_load_settings()
    from assistant.core import settings

    s = settings.load(hearth.paths.settings_file)
    assert (s.n_gpu_layers, s.context_length) == ("0", 2048)


@pytest.mark.network_loopback
@pytest.mark.slow
def test_catalog_download_shows_progress_can_be_cancelled_and_resumes(qtbot, hearth, smollm2_path):
    """A catalog model served from a local HTTP server (ranges supported): progress, cancel, resume."""
    import hashlib
    import http.server
    import threading

    from assistant.core.models.catalog import CatalogEntry

    data = smollm2_path.read_bytes()
    slow = threading.Event()
    slow.set()

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *a):
            pass

        def do_GET(self):
            start = int(self.headers.get("Range", "bytes=0-")[6:].split("-")[0] or 0)
            body = data[start:]
            self.send_response(206 if start else 200)
            self.send_header("Content-Length", str(len(body)))
            if start:
                self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
            self.end_headers()
            try:
                for i in range(0, len(body), 1 << 20):
                    self.wfile.write(body[i:i + (1 << 20)])
                    if slow.is_set():
                        threading.Event().wait(0.2)
            except (BrokenPipeError, ConnectionResetError):
                pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        entry = CatalogEntry(id="local", name="Local SmolLM2", url=f"http://127.0.0.1:{server.server_port}/m.gguf",
                             filename="local-smollm2.gguf", licence="Apache-2.0", quantization="Q4_1", context=8192,
                             min_ram_gb=1, hardware="any", size_bytes=len(data),
                             sha256=hashlib.sha256(data).hexdigest())
        w = make_window(qtbot, hearth)
        dlg = w.open_model_manager()
        dlg.download(entry)
        qtbot.waitUntil(lambda: dlg.download_bar.value() > 0, timeout=30000)
        assert dlg.cancel_download.isVisible() and "MB" in dlg.download_bar.format()
        dlg.download(entry)  # a second click while it runs
        assert dlg.download_label.text() == "Local SmolLM2 is already downloading."
        dlg.cancel_download.click()
        qtbot.waitUntil(lambda: not dlg.cancel_download.isVisible(), timeout=30000)
        assert "cancel" in dlg.download_label.text().lower()
        slow.clear()
        with qtbot.waitSignal(dlg.refreshed, timeout=120000):
            dlg.download(entry)  # resumes from the kept part
        qtbot.waitUntil(lambda: any(r.path.endswith("local-smollm2.gguf") for r in dlg.model.rows()),
                        timeout=60000)
        assert dlg.download_label.text() == "Local SmolLM2 is ready."
    finally:
        server.shutdown()


def test_unverified_catalog_models_are_marked_and_need_confirmation(qtbot, hearth, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    from assistant.core.models import catalog

    w = make_window(qtbot, hearth)
    dlg = w.open_model_manager()
    qtbot.waitUntil(lambda: dlg.catalog.rowCount() >= 3, timeout=60000)
    names = {dlg.catalog.item(r, 0).text(): dlg.catalog.item(r, 0).toolTip() for r in range(dlg.catalog.rowCount())}
    unverified = [e for e in catalog.load() if not e.sha256]
    assert unverified, "the test needs an entry without a published checksum"
    for e in catalog.load():
        label = f"{e.name} (unverified)" if not e.sha256 else e.name
        assert label in names
    assert "No checksum" in names[f"{unverified[0].name} (unverified)"]
    asked: list[str] = []

    def refuse(parent, title, text, *a, **kw):
        asked.append(text)
        return QMessageBox.StandardButton.No

    monkeypatch.setattr(QMessageBox, "question", refuse)
    started: list = []
    monkeypatch.setattr(dlg.tasks, "start", lambda *a, **kw: started.append(a))
    dlg.download(unverified[0])
    assert asked and unverified[0].name in asked[0] and started == []
    assert dlg.download_label.text() == f"{unverified[0].name} was not downloaded."
    verified = next(e for e in catalog.load() if e.sha256)
    dlg.download(verified)  # a verified model starts without asking
    assert len(asked) == 1 and len(started) == 1


def test_settings_keep_the_hub_token_in_the_keyring_and_allow_no_system_prompt(qtbot, hearth, memory_keyring):
    from assistant.core import secrets, settings
    from assistant.ui.settings_dialog import SettingsDialog

    dlg = SettingsDialog(hearth)
    qtbot.addWidget(dlg)
    dlg.hf_token.setText("hf_abc123")
    dlg.system_prompt.setPlainText("")
    dlg.save()
    assert secrets.get_secret("huggingface_token") == "hf_abc123"
    text = hearth.paths.settings_file.read_text(encoding="utf-8")
    assert "hf_abc123" not in text
    assert settings.load(hearth.paths.settings_file).system_prompt == ""
    again = SettingsDialog(hearth)
    qtbot.addWidget(again)
    assert again.hf_token.text() == "" and again.system_prompt.toPlainText() == ""  # never shown back
    again.forget_token.click()
    assert secrets.get_secret("huggingface_token") is None


def test_settings_without_a_safe_keyring_say_so_and_store_nothing(qtbot, hearth):
    import keyring
    from keyring.backends import fail

    from assistant.ui.settings_dialog import SettingsDialog

    keyring.set_keyring(fail.Keyring())
    dlg = SettingsDialog(hearth)
    qtbot.addWidget(dlg)
    dlg.show()
    dlg.hf_token.setText("hf_abc123")
    dlg.save()
    assert dlg.isVisible() and "No system keyring is available" in dlg.token_status.text()
    assert not hearth.paths.settings_file.exists() or "hf_abc123" not in hearth.paths.settings_file.read_text()
