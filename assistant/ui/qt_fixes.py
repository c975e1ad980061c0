"""Guards against known defects of the installed Qt binding, detected at run time.

PySide6 6.12.0 (with CPython 3.11) loses references to two singletons:

- ``SignalInstance.emit()`` returns ``True`` without taking a new reference to it, so every
  ``emit()`` called from Python drops one reference to ``True``;
- every Python override of a C++ virtual that returns ``None`` (``paintEvent``, ``run``, a
  model's ``data()`` for an unknown role...) drops one reference to ``None``.

After a few hundred such calls CPython aborts ("bool_dealloc" / "none_dealloc: deallocating
None"), which a window reaches within seconds. The guard measures both; when references are
lost it gives ``None``, ``True`` and ``False`` a very large reference count, the way CPython
3.12+ makes them immortal, so the lost references can never bring them to zero. Other objects
are not affected (checked: strings, ints and objects returned from overrides keep their counts).
Fixed bindings are detected and left alone.
"""
from __future__ import annotations

import ctypes
import logging
import sys

log = logging.getLogger("assistant.ui")
_applied = False
_RESERVE = 1 << 40  # far more emits than any session performs


def emit_loses_reference() -> bool:
    """True when ``Signal.emit()`` drops a reference to its bool result (the 6.12.0 defect)."""
    from PySide6.QtCore import QObject, Signal

    class _Probe(QObject):
        ping = Signal()

    probe = _Probe()
    before_t, before_f = sys.getrefcount(True), sys.getrefcount(False)
    for _ in range(8):
        probe.ping.emit()
    lost = (before_t - sys.getrefcount(True)) + (before_f - sys.getrefcount(False))
    if lost > 0:
        _give_back(True, before_t - sys.getrefcount(True))
        _give_back(False, before_f - sys.getrefcount(False))
    return lost > 0


def none_return_loses_reference() -> bool:
    """True when a Python override returning None drops a reference to None (the 6.12.0 defect)."""
    from PySide6.QtCore import QAbstractListModel, QModelIndex, Qt

    class _Probe(QAbstractListModel):
        def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008 (Qt signature)
            return 1

        def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> None:
            return None

    probe = _Probe()
    idx = probe.index(0)
    before = sys.getrefcount(None)
    for _ in range(8):
        idx.data(Qt.ItemDataRole.UserRole)
    lost = before - sys.getrefcount(None)
    _give_back(None, lost)
    return lost > 0


def _give_back(obj: object, n: int) -> None:
    if n > 0:
        ref = ctypes.c_ssize_t.from_address(id(obj))
        ref.value += n


def apply() -> bool:
    """Apply the guard once if this binding needs it. Returns whether it was needed."""
    global _applied
    if _applied:
        return True
    if sys.version_info >= (3, 12):  # True and False are immortal there
        return False
    if emit_loses_reference() | none_return_loses_reference():
        for obj in (None, True, False):
            _give_back(obj, _RESERVE)
        _applied = True
        log.info("applied the PySide6 emit() reference guard")
        return True
    return False
