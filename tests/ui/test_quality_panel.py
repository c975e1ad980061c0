"""Tools → Quality dashboard: the numbers of answers given through the facade (scripted engine, real
store) and of the ratings, shown in the window with plots."""
from __future__ import annotations

import pytest
from PySide6.QtGui import QColor

from assistant.core.app import Hearth
from tests.ui.conftest_helpers import close_all, make_window
from tests.ui.fakes import ScriptedEngine
from tests.unit.test_quality import _ask, _backdate, _rate

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints", "does not support raise")


@pytest.fixture
def hearth(paths):
    h = Hearth(engine=ScriptedEngine(delay=0.002))
    yield h
    close_all(h)


def _open(qtbot, w):
    menu = next(a.menu() for a in w.menuBar().actions() if a.text() == "&Tools")
    next(a for a in menu.actions() if a.text() == "&Quality dashboard…").trigger()
    dash = w.quality_dashboard
    qtbot.waitUntil(lambda: dash.quality is not None, timeout=30000)
    return dash


def _has_colour(widget, colour: str) -> bool:
    img = widget.grab().toImage()
    want = QColor(colour).rgb()
    return any(img.pixel(x, y) == want for x in range(0, img.width(), 2) for y in range(0, img.height(), 2))


def test_the_dashboard_shows_answers_ratings_and_speed_by_model(qtbot, hearth, smollm2_path, gemma_path):
    ids = [_ask(hearth, smollm2_path, f"Question {i}?")[1] for i in range(3)]
    ids.append(_ask(hearth, gemma_path, "What is the capital of France?")[1])
    _backdate(hearth, ids[0], 3)
    _rate(hearth, ids[1], "up")
    _rate(hearth, ids[2], "up")
    _rate(hearth, ids[3], "down")
    w = make_window(qtbot, hearth)
    dash = _open(qtbot, w)
    assert dash.isVisible()
    assert dash.summary.text().startswith("4 answers · 👍 2  👎 1 (67% 👍) · context used: median 1%")
    rows = [[dash.models.item(r, c).text() for c in range(5)] for r in range(dash.models.rowCount())]
    assert [r[:2] for r in rows] == [[smollm2_path.name, "3"], [gemma_path.name, "1"]]
    assert rows[0][2].endswith(" s") and float(rows[0][3]) > 0 and rows[0][4] == "1%"
    # last 30 days, one bar group per day: three answers today, one three days ago
    assert len(dash.answers_chart.labels) == 30 and dash.answers_chart.series[0][2][-4:] == [1, 0, 0, 3]
    assert [s[2][-1] for s in dash.ratings_chart.series] == [2, 1]
    assert [(n, len(pts)) for n, _c, pts in dash.ttft_chart.series] == [(smollm2_path.name, 3), (gemma_path.name, 1)]
    assert [len(pts) for _n, _c, pts in dash.speed_chart.series] == [3, 1]
    assert _has_colour(dash.answers_chart, "#3b82f6") and _has_colour(dash.ratings_chart, "#ef4444")
    assert _has_colour(dash.speed_chart, "#f59e0b")  # the second model's line


def test_the_period_changes_what_is_counted_and_an_empty_home_says_so(qtbot, hearth, smollm2_path):
    old = _ask(hearth, smollm2_path, "Old question?")[1]
    _backdate(hearth, old, 20)
    w = make_window(qtbot, hearth)
    dash = _open(qtbot, w)
    assert dash.summary.text().startswith("1 answer · no ratings yet")
    with qtbot.waitSignal(dash.loaded, timeout=30000) as got:
        dash.period.setCurrentIndex(dash.period.findData(7))
    assert got.args[0].answers == 0 and dash.summary.text().startswith("0 answers")
    assert dash.models.rowCount() == 0 and dash.ttft_chart.series == []
    assert not _has_colour(dash.answers_chart, "#3b82f6")
