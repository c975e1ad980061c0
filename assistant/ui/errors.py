"""Errors in words, and the crash handler (log it, show it, let the user copy the details)."""
from __future__ import annotations

import logging
import sys
import traceback
from types import TracebackType
from typing import Any

from PySide6.QtWidgets import QApplication, QMessageBox

log = logging.getLogger("assistant.ui")


def in_words(e: BaseException | None) -> str:
    """A message a person can act on. Core errors (:class:`HearthError`) already speak in words."""
    if e is None:
        return ""
    from assistant.core.engine.types import EngineCrashed
    from assistant.core.errors import HearthError

    text = str(e) or type(e).__name__
    if isinstance(e, EngineCrashed):
        return QApplication.translate("Errors", "The model stopped unexpectedly: %s. It restarts on your next message.") % text
    if isinstance(e, HearthError):
        return e.in_words()
    if isinstance(e, FileNotFoundError):
        return QApplication.translate("Errors", "File not found: %s") % (e.filename or text)
    if isinstance(e, PermissionError):
        return QApplication.translate("Errors", "Hearth may not read or write %s. Check the file's permissions.") % (e.filename or text)
    if isinstance(e, MemoryError):
        return QApplication.translate("Errors", "Not enough memory. Try a smaller model or a shorter context in Settings.")
    return QApplication.translate("Errors", "Something went wrong: %s. Details are in the log.") % text


class CrashHandler:
    """``sys.excepthook`` for the window: logs the traceback and shows it with "Copy details".

    Args:
        parent: the window the dialog belongs to (may be None).
        show_dialog: False in tests that only check the log.
    """

    def __init__(self, parent: Any = None, show_dialog: bool = True) -> None:
        self.parent = parent
        self.show_dialog = show_dialog
        self.last_details = ""
        self._previous = sys.excepthook
        self._showing = False

    def install(self) -> "CrashHandler":
        sys.excepthook = self
        return self

    def uninstall(self) -> None:
        if sys.excepthook is self:
            sys.excepthook = self._previous

    def __call__(self, etype: type[BaseException], value: BaseException, tb: TracebackType | None) -> None:
        self.last_details = "".join(traceback.format_exception(etype, value, tb))
        log.error("unexpected error\n%s", self.last_details)
        if not self.show_dialog or self._showing or QApplication.instance() is None:
            return
        self._showing = True
        try:
            box = QMessageBox(self.parent)
            box.setIcon(QMessageBox.Icon.Critical)
            box.setWindowTitle(QApplication.translate("Errors", "Hearth hit a problem"))
            box.setText(in_words(value) + "\n\n" + QApplication.translate(
                "Errors", "Your conversations are saved. If this keeps happening, copy the details "
                          "into a bug report."))
            box.setDetailedText(self.last_details)
            copy = box.addButton(QApplication.translate("Errors", "Copy details"), QMessageBox.ButtonRole.ActionRole)
            box.addButton(QMessageBox.StandardButton.Close)
            copy.clicked.disconnect()
            copy.clicked.connect(lambda: QApplication.clipboard().setText(self.last_details))
            box.exec()
        finally:
            self._showing = False
