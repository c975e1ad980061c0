"""Hearth's window (PySide6). The only package that imports Qt.

Importing it applies :func:`assistant.ui.qt_fixes.apply` (a guard against a PySide6 reference
counting bug) before any widget code runs.
"""
from assistant.ui import qt_fixes as _qt_fixes

_qt_fixes.apply()
