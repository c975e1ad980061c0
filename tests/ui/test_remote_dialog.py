"""Models → Add a server: Test lists a real (loopback) server's models, a wrong key is said in words,
Save keeps the server with its key in the keyring, and a server off this machine asks first."""
from __future__ import annotations

import pytest

from assistant.core.app import Hearth
from assistant.ui.background import Bridge, Tasks
from assistant.ui.remote_dialog import RemoteServerDialog
from tests.unit.test_remote_engine import box  # noqa: F401 - the scripted OpenAI-compatible server fixture

pytestmark = [pytest.mark.network_loopback, pytest.mark.qt_log_ignore("propagateSizeHints", "does not support raise")]


@pytest.fixture
def dialog(qtbot, hearth_home):
    hearth = Hearth(hearth_home)
    tasks = Tasks(Bridge())
    dlg = RemoteServerDialog(hearth, tasks)
    qtbot.addWidget(dlg)
    dlg.show()
    yield dlg
    tasks.wait(10000)
    hearth.close()


def test_test_button_lists_the_models_and_save_keeps_the_server(qtbot, dialog, box, memory_keyring):
    box.script.key = "k-1"
    dialog.name.setText("box")
    dialog.url.setText(box.url)
    dialog.key.setText("wrong")
    assert not dialog.consent.isVisible()  # on this machine: nothing to agree to
    with qtbot.waitSignal(dialog.tested, timeout=10000) as sig:
        dialog.test_button.click()
    assert sig.args == [False] and "refused the key" in dialog.status.text()
    dialog.key.setText("k-1")
    with qtbot.waitSignal(dialog.tested, timeout=10000) as sig:
        dialog.test_button.click()
    assert sig.args == [True] and "tiny-1, tiny-2" in dialog.status.text()
    assert [dialog.model.itemText(i) for i in range(dialog.model.count())] == ["tiny-1", "tiny-2"]
    dialog.model.setCurrentText("tiny-2")
    with qtbot.waitSignal(dialog.serverAdded) as added:
        dialog.save_button.click()
    assert added.args == ["remote:box/tiny-2"]
    server = dialog.hearth.remote_servers.get("box")
    assert server.model == "tiny-2" and server.key() == "k-1" and server.may_send


def test_a_server_off_this_machine_is_kept_only_as_agreed(qtbot, dialog):
    dialog.name.setText("gpu")
    dialog.url.setText("http://gpu-box.invalid:8080/v1")
    assert dialog.consent.isVisible() and "gpu-box.invalid:8080" in dialog.consent.text()
    dialog.save_button.click()
    assert not dialog.hearth.remote_servers.get("gpu").may_send  # not ticked: chats ask first
    dialog.consent.setChecked(True)
    dialog.save_button.click()
    assert dialog.hearth.remote_servers.get("gpu").may_send


def test_a_bad_address_is_said_in_words(qtbot, dialog):
    dialog.name.setText("x")
    dialog.url.setText("gpu-box:8080")
    with qtbot.waitSignal(dialog.tested) as sig:
        dialog.test_button.click()
    assert sig.args == [False] and "not a server address" in dialog.status.text()
