"""Settings → Local server: the window serves the OpenAI-compatible API on its own facade."""
from __future__ import annotations

import socket

import pytest

from assistant.core.app import Hearth
from tests.ui.conftest_helpers import close_all, make_window, wait_answer
from tests.ui.fakes import ScriptedEngine

pytestmark = [pytest.mark.network_loopback, pytest.mark.qt_log_ignore("propagateSizeHints", "does not support raise")]


@pytest.fixture
def hearth(paths):
    h = Hearth(engine=ScriptedEngine(delay=0.001))
    yield h
    close_all(h)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_turning_the_server_on_serves_the_windows_own_engine(qtbot, hearth, smollm2_path):
    import openai

    from assistant.ui.server_tab import ServerController
    from assistant.ui.settings_dialog import SettingsDialog

    w = make_window(qtbot, hearth)
    w.local_server = ServerController(hearth)
    dlg = SettingsDialog(hearth, w)
    qtbot.addWidget(dlg)
    tab = dlg.server_tab
    assert tab is not None and tab.status.text() == "Not serving."
    port = _free_port()
    tab.enabled.setChecked(True)
    tab.port.setValue(port)
    with qtbot.waitSignal(w.local_server.changed, timeout=20000):
        dlg.save()
    assert tab.url.text() == f"http://127.0.0.1:{port}/v1" and tab.copy.isEnabled()
    assert hearth.settings.server_enabled and hearth.settings.server_port == port
    # a chat in the window, then a request from another program: one engine answers both
    w.chat.composer.setPlainText("Hello from the window")
    w.chat.send()
    wait_answer(qtbot, w)
    with openai.OpenAI(base_url=tab.url.text(), api_key="any", max_retries=0, timeout=60) as c:
        r = c.chat.completions.create(model="any", messages=[{"role": "user", "content": "Hello from a script"}])
    assert r.choices[0].message.content.startswith("Answer 2:")
    assert hearth.engine.answers == 2
    # and off again
    dlg2 = SettingsDialog(hearth, w)
    qtbot.addWidget(dlg2)
    dlg2.server_tab.enabled.setChecked(False)
    with qtbot.waitSignal(w.local_server.changed, timeout=20000):
        dlg2.save()
    assert dlg2.server_tab.status.text() == "Not serving." and not hearth.settings.server_enabled
    with pytest.raises(openai.APIConnectionError):
        with openai.OpenAI(base_url=f"http://127.0.0.1:{port}/v1", api_key="any", max_retries=0, timeout=5) as c:
            c.models.list()


def test_a_port_in_use_is_said_in_words(qtbot, hearth):
    from assistant.ui.server_tab import LocalServerTab, ServerController

    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen(1)
    try:
        ctl = ServerController(hearth)
        tab = LocalServerTab(ctl, hearth.settings)
        qtbot.addWidget(tab)
        with qtbot.waitSignal(ctl.changed, timeout=20000):
            ctl.apply(True, busy.getsockname()[1])
        assert "cannot listen" in tab.status.text() and str(busy.getsockname()[1]) in tab.status.text()
        assert tab.url.text() == ""
    finally:
        busy.close()
