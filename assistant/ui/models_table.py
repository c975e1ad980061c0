"""The installed-models table model (what the model manager lists)."""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QApplication

PathRole = Qt.ItemDataRole.UserRole + 1


@dataclass
class ModelRow:
    """One installed model with its facts and how it fits this machine."""

    path: str
    name: str
    size_bytes: int
    quantization: str
    context_length: int
    architecture: str
    source: str
    fit_verdict: str = ""
    fit_summary: str = ""
    gpu_plan: str = ""
    problem: str = ""


def rows_from_registry(installed: list[Any], estimate: Any = None) -> list[ModelRow]:
    """Turn :class:`InstalledModel`s into rows; ``estimate(facts)`` gives a FitEstimate (optional)."""
    rows = []
    for m in installed:
        f = m.facts
        if f is None:
            rows.append(ModelRow(str(m.path), os.path.basename(str(m.path)), 0, "", 0, "", m.source,
                                 problem=m.problem or ""))
            continue
        row = ModelRow(str(m.path), f.name or os.path.basename(str(m.path)), f.size_bytes, f.quantization,
                       f.context_length, f.architecture, m.source)
        if estimate is not None:
            try:
                e = estimate(f)
                row.fit_verdict, row.fit_summary, row.gpu_plan = e.verdict, e.summary, e.gpu_plan
            except Exception as ex:  # an estimate is advice: a failure must not hide the model
                row.fit_summary = str(ex)
        rows.append(row)
    return rows


def human_size(n: int) -> str:
    if n <= 0:
        return ""
    if n >= 2**30:
        return f"{n / 2**30:.1f} GB"
    return f"{n / 2**20:.0f} MB"


class InstalledModelsModel(QAbstractTableModel):
    """Rows of :class:`ModelRow`; columns name, size, quantization, context, architecture, fit, source."""

    COLUMNS = (QT_TRANSLATE_NOOP("ModelsTable", "Name"), QT_TRANSLATE_NOOP("ModelsTable", "Size"),
               QT_TRANSLATE_NOOP("ModelsTable", "Quantization"), QT_TRANSLATE_NOOP("ModelsTable", "Context"),
               QT_TRANSLATE_NOOP("ModelsTable", "Architecture"),
               QT_TRANSLATE_NOOP("ModelsTable", "Fits this computer"), QT_TRANSLATE_NOOP("ModelsTable", "Source"))

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[ModelRow] = []

    def set_rows(self, rows: list[ModelRow]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def row(self, i: int) -> ModelRow:
        return self._rows[i]

    def rows(self) -> list[ModelRow]:
        return list(self._rows)

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal \
                and 0 <= section < len(self.COLUMNS):
            return QApplication.translate("ModelsTable", self.COLUMNS[section])
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        r, c = self._rows[index.row()], index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if r.problem and c == 5:
                return QApplication.translate("ModelsTable", "cannot be used")
            return (r.name, human_size(r.size_bytes), r.quantization,
                    f"{r.context_length:,}" if r.context_length else "", r.architecture,
                    {"fits": QApplication.translate("ModelsTable", "yes"), "tight": QApplication.translate("ModelsTable", "tight"),
                     "too big": QApplication.translate("ModelsTable", "too big")}.get(r.fit_verdict, r.fit_verdict),
                    {"embedded": QApplication.translate("ModelsTable", "built in"), "downloaded": QApplication.translate("ModelsTable", "downloaded"),
                     "added": QApplication.translate("ModelsTable", "added")}.get(r.source, r.source))[c]
        if role == Qt.ItemDataRole.ToolTipRole:
            return r.problem or "\n".join(x for x in (r.path, r.fit_summary, r.gpu_plan) if x)
        if role == Qt.ItemDataRole.ForegroundRole and c == 5:
            if r.problem or r.fit_verdict == "too big":
                return QColor("#c62828")
            if r.fit_verdict == "tight":
                return QColor("#ef6c00")
            return None
        if role == Qt.ItemDataRole.TextAlignmentRole and c in (1, 3):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == PathRole:
            return r.path
        return None
