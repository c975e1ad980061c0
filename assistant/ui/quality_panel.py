"""Tools → Quality dashboard: answers per day, 👍/👎, speed and context use by model, over time.

The numbers come from :mod:`assistant.core.evals.quality` (what the conversation and feedback
stores already hold), read in the background pool. The plots are a small QPainter widget of
our own: QtCharts is not part of pyside6-essentials, and painting follows the window's theme.
"""
from __future__ import annotations

import datetime
import logging
from typing import Any

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPalette, QPen
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QDialog, QGridLayout, QHBoxLayout, QHeaderView,
                               QLabel, QPushButton, QScrollArea, QSizePolicy, QTableWidget, QTableWidgetItem,
                               QVBoxLayout, QWidget)

from assistant.ui.errors import in_words

log = logging.getLogger("assistant.ui")

COLOURS = ("#3b82f6", "#f59e0b", "#10b981", "#ef4444", "#8b5cf6", "#14b8a6", "#ec4899", "#64748b")
UP, DOWN = "#10b981", "#ef4444"


def _fmt(v: float) -> str:
    if v >= 100:
        return f"{v:.0f}"
    if v >= 10:
        return f"{v:.1f}"
    return f"{v:.2f}".rstrip("0").rstrip(".") if v else "0"


class Chart(QWidget):
    """A small plot: grouped bars per day, or points joined by lines over time; one colour per series.

    Attributes:
        series: what is drawn, as (name, colour, values): bars hold one value per label, lines
            hold (Unix time, value) points.
    """

    def __init__(self, title: str, unit: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title, self.unit = title, unit
        self.kind = "bars"
        self.labels: list[str] = []
        self.series: list[tuple[str, str, list[Any]]] = []
        self.percent = False
        self.setMinimumSize(320, 210)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def set_bars(self, labels: list[str], series: list[tuple[str, str, list[float]]]) -> None:
        """Bars: one group per label (a day), one bar per series."""
        self.kind, self.labels, self.series = "bars", list(labels), [(n, c, list(v)) for n, c, v in series]
        self.update()

    def set_lines(self, series: list[tuple[str, str, list[tuple[float, float]]]], percent: bool = False) -> None:
        """Points over time (x: Unix time), joined per series."""
        self.kind, self.labels, self.percent = "lines", [], percent
        self.series = [(n, c, sorted(p)) for n, c, p in series if p]
        self.update()

    def _values(self) -> list[float]:
        if self.kind == "bars":
            return [v for _n, _c, vs in self.series for v in vs]
        return [y for _n, _c, ps in self.series for _x, y in ps]

    def paintEvent(self, _e: QPaintEvent) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        pal = self.palette()
        text = pal.color(QPalette.ColorRole.WindowText)
        faint = QColor(text)
        faint.setAlpha(60)
        fm = p.fontMetrics()
        lh = fm.height()
        p.setPen(text)
        p.drawText(QRectF(0, 0, self.width(), lh + 2), Qt.AlignmentFlag.AlignLeft, self.title)
        values = self._values()
        x = 4.0
        for name, colour, _v in (self.series if any(values) else []):  # legend, under the title
            p.fillRect(QRectF(x, lh + 4 + lh / 2 - 5, 10, 10), QColor(colour))
            x += 14
            p.drawText(QPointF(x, 2 * lh + 4 - fm.descent()), name)
            x += fm.horizontalAdvance(name) + 12
        top = 1.0 if self.percent else (max(values, default=0.0) or 1.0)
        label = (lambda v: f"{v:.0%}") if self.percent else _fmt
        left = fm.horizontalAdvance(label(top) + self.unit) + 10
        plot = QRectF(left, 2 * lh + 14, self.width() - left - 6, self.height() - 3 * lh - 20)
        p.setPen(QPen(faint))
        p.drawLine(plot.bottomLeft(), plot.bottomRight())
        p.drawLine(plot.topLeft() + QPointF(0, 0), plot.topRight())
        p.setPen(text)
        p.drawText(QRectF(0, plot.top() - lh / 2, left - 6, lh), Qt.AlignmentFlag.AlignRight,
                   label(top) + self.unit)
        p.drawText(QRectF(0, plot.bottom() - lh / 2, left - 6, lh), Qt.AlignmentFlag.AlignRight, "0")
        if not any(values):
            p.drawText(plot, Qt.AlignmentFlag.AlignCenter, self.tr("No data yet"))
            return

        def y_of(v: float) -> float:
            return plot.bottom() - plot.height() * min(v, top) / top

        if self.kind == "bars":
            n = max(1, len(self.labels))
            group = plot.width() / n
            bar = max(1.0, group * 0.8 / max(1, len(self.series)))
            for s, (_name, colour, vs) in enumerate(self.series):
                for i, v in enumerate(vs):
                    if v:
                        x0 = plot.left() + i * group + group * 0.1 + s * bar
                        p.fillRect(QRectF(x0, y_of(v), bar, plot.bottom() - y_of(v)), QColor(colour))
            ticks = [(0, self.labels[0]), (n - 1, self.labels[-1])] if self.labels else []
            spots = [(plot.left() + i * group + group / 2, t[5:]) for i, t in ticks]
        else:
            xs = [x for _n, _c, ps in self.series for x, _y in ps]
            lo, hi = min(xs), max(xs)
            span = (hi - lo) or 1.0

            def x_of(t: float) -> float:
                return plot.left() + (plot.width() * (t - lo) / span if hi > lo else plot.width() / 2)

            for _name, colour, ps in self.series:
                pen = QPen(QColor(colour))
                pen.setWidthF(1.6)
                p.setPen(pen)
                pts = [QPointF(x_of(t), y_of(v)) for t, v in ps]
                for a, b in zip(pts, pts[1:]):
                    p.drawLine(a, b)
                p.setBrush(QColor(colour))
                for pt in pts:
                    p.drawEllipse(pt, 2.5, 2.5)
            days = sorted({datetime.date.fromtimestamp(lo).isoformat(), datetime.date.fromtimestamp(hi).isoformat()})
            spots = [(x_of(lo), days[0][5:])] + ([(x_of(hi), days[-1][5:])] if len(days) > 1 else [])
        p.setPen(text)
        for cx, t in spots:
            w = fm.horizontalAdvance(t)
            cx = min(max(cx - w / 2, plot.left()), plot.right() - w)
            p.drawText(QPointF(cx, plot.bottom() + lh), t)


class QualityDashboard(QDialog):
    """The dashboard window.

    Signals:
        loaded(object): the numbers were read and shown (the :class:`Quality`).
    """

    loaded = Signal(object)

    def __init__(self, hearth: Any, tasks: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.hearth, self.tasks = hearth, tasks
        self.setObjectName("qualityDashboard")
        self.setWindowTitle(self.tr("Quality dashboard"))
        self.period = QComboBox(self)
        for days, words in ((7, self.tr("Last 7 days")), (30, self.tr("Last 30 days")), (90, self.tr("Last 90 days")),
                            (0, self.tr("Everything"))):
            self.period.addItem(words, days)
        self.period.setCurrentIndex(1)
        self.period.currentIndexChanged.connect(lambda _i: self.refresh())
        self.refresh_button = QPushButton(self.tr("Refresh"), self)
        self.refresh_button.clicked.connect(self.refresh)
        self.summary = QLabel(self.tr("Reading…"), self)
        self.summary.setObjectName("qualitySummary")
        self.summary.setWordWrap(True)
        self.answers_chart = Chart(self.tr("Answers per day"))
        self.ratings_chart = Chart(self.tr("Ratings per day"))
        self.ttft_chart = Chart(self.tr("Time to first token (s)"), " s")
        self.speed_chart = Chart(self.tr("Tokens per second"))
        self.context_chart = Chart(self.tr("Context window used"))
        self.models = QTableWidget(0, 5, self)
        self.models.setObjectName("qualityModels")
        self.models.setHorizontalHeaderLabels([self.tr("Model"), self.tr("Answers"), self.tr("First token (median)"),
                                               self.tr("Tokens/s (median)"), self.tr("Context used (median)")])
        self.models.verticalHeader().hide()
        self.models.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.models.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.models.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        grid_host = QWidget()
        grid = QGridLayout(grid_host)
        for i, c in enumerate((self.answers_chart, self.ratings_chart, self.ttft_chart, self.speed_chart,
                               self.context_chart)):
            grid.addWidget(c, i // 2, i % 2)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(grid_host)
        top = QHBoxLayout()
        top.addWidget(self.period)
        top.addStretch(1)
        top.addWidget(self.refresh_button)
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(self.summary)
        lay.addWidget(scroll, 3)
        lay.addWidget(self.models, 1)
        self.quality: Any = None
        self._generation = 0
        self.resize(900, 760)

    def refresh(self) -> None:
        """Read the numbers again (in the background) for the chosen period."""
        from assistant.core.evals.quality import read_quality

        self._generation += 1
        gen, days, hearth = self._generation, self.period.currentData() or None, self.hearth
        self.refresh_button.setEnabled(False)

        def failed(e: BaseException) -> None:
            self.refresh_button.setEnabled(True)
            self.summary.setText(self.tr("The numbers could not be read: %s") % in_words(e))

        self.tasks.start(lambda: read_quality(hearth, days), done=lambda q: self._show(gen, q), error=failed)

    def _show(self, gen: int, q: Any) -> None:
        self.refresh_button.setEnabled(True)
        if gen != self._generation:
            return
        self.quality = q
        parts = [self.tr("1 answer") if q.answers == 1 else self.tr("%d answers") % q.answers]
        if q.up + q.down:
            parts.append(self.tr("👍 %d  👎 %d (%.0f%% 👍)") % (q.up, q.down, 100 * q.positive_share))
        else:
            parts.append(self.tr("no ratings yet"))
        if q.context_share_p50 is not None:
            parts.append(self.tr("context used: median %.0f%%, at most %.0f%%")
                         % (100 * q.context_share_p50, 100 * q.context_share_max))
        if q.dropped_answers:
            parts.append(self.tr("%d answers left out old turns to fit") % q.dropped_answers)
        self.summary.setText(" · ".join(parts))
        self.answers_chart.set_bars(q.days, [(self.tr("answers"), COLOURS[0], q.answers_per_day)])
        self.ratings_chart.set_bars(q.days, [(self.tr("👍 up"), UP, q.up_per_day),
                                                (self.tr("👎 down"), DOWN, q.down_per_day)])
        colour = {m.model: COLOURS[i % len(COLOURS)] for i, m in enumerate(q.models)}
        name = {m.model: m.name for m in q.models}

        def by_model(get: Any) -> list[tuple[str, str, list[tuple[float, float]]]]:
            return [(name[m.model], colour[m.model],
                     [(s.created, v) for s in q.samples if s.model == m.model and (v := get(s)) is not None])
                    for m in q.models]

        self.ttft_chart.set_lines(by_model(lambda s: s.ttft_s))
        self.speed_chart.set_lines(by_model(lambda s: s.tokens_per_s))
        self.context_chart.set_lines(by_model(lambda s: s.context_share), percent=True)
        self.models.setRowCount(len(q.models))
        for r, m in enumerate(q.models):
            cells = [m.name, str(m.answers),
                     "–" if m.ttft_p50_s is None else f"{m.ttft_p50_s:.2f} s",
                     "–" if m.tokens_per_s_p50 is None else f"{m.tokens_per_s_p50:.1f}",
                     "–" if m.context_share_p50 is None else f"{100 * m.context_share_p50:.0f}%"]
            for c, t in enumerate(cells):
                it = QTableWidgetItem(t)
                it.setToolTip(m.model if c == 0 else t)
                self.models.setItem(r, c, it)
        self.loaded.emit(q)
