""""Write a better answer…": a small dialog with the answer prefilled, for the user to correct.

What the user writes is stored as a 👎 rating with a better answer (see
:mod:`assistant.core.evals.feedback`), which the exports and ``to-evalset`` turn into training
and evaluation data.
"""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QPlainTextEdit, QVBoxLayout, QWidget


class BetterAnswerDialog(QDialog):
    """Edit an answer into a better one; :meth:`text` is the result once accepted.

    Save stays disabled while the text is empty or still the answer as written.
    """

    def __init__(self, question: str, answer: str, better: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("betterAnswerDialog")
        self.setWindowTitle(self.tr("Write a better answer"))
        self._answer = answer.strip()
        intro = QLabel(self.tr("What should Hearth have answered? Your answer is kept with the question and "
                               "its passages, marked as a bad answer, for fine-tuning exports and evaluation sets."), self)
        intro.setWordWrap(True)
        intro.setTextFormat(Qt.TextFormat.PlainText)
        asked = QLabel(self.tr("Question: %s") % " ".join(question.split())[:300], self)
        asked.setWordWrap(True)
        asked.setTextFormat(Qt.TextFormat.PlainText)  # the user's words, never markup
        self.editor = QPlainTextEdit(self)
        self.editor.setObjectName("betterAnswer")
        self.editor.setAccessibleName(self.tr("Better answer"))
        self.editor.setPlainText(better or answer)
        self.editor.selectAll()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel,
                                        self)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.editor.textChanged.connect(self._check)
        lay = QVBoxLayout(self)
        lay.addWidget(intro)
        lay.addWidget(asked)
        lay.addWidget(self.editor, 1)
        lay.addWidget(self.buttons)
        self.resize(520, 320)
        self._check()

    def text(self) -> str:
        """The better answer as written."""
        return self.editor.toPlainText().strip()

    def _check(self) -> None:
        text = self.text()
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setEnabled(bool(text) and text != self._answer)
