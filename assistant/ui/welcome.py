"""First run: what Hearth is, that it stays on this computer, and where better models are."""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QPushButton, QVBoxLayout, QWidget


class WelcomeDialog(QDialog):
    """The welcome shown once.

    Signals:
        modelsRequested(): the user wants to see better models (opens the model manager).
    """

    modelsRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("welcome")
        self.setWindowTitle(self.tr("Welcome to Hearth"))
        title = QLabel("<h2>" + self.tr("Welcome to Hearth") + "</h2>", self)
        body = QLabel(self)
        body.setWordWrap(True)
        body.setTextFormat(Qt.TextFormat.RichText)
        body.setText("<p>" + self.tr("Hearth is an assistant that runs entirely on this computer. "
                                     "Your conversations and documents never leave it, and it works "
                                     "without an internet connection.") + "</p><p>"
                     + self.tr("It starts with a small built-in model (SmolLM2, 135 million parameters) "
                               "so you can chat right away. It is quick but simple; for better "
                               "answers, download a larger model in the model manager.") + "</p><p>"
                     + self.tr("Drop PDFs, Word files or text files on the window to ask questions "
                               "about them; answers cite the page they came from.") + "</p>")
        models = QPushButton(self.tr("See better models…"), self)
        models.clicked.connect(self.modelsRequested)
        models.clicked.connect(self.accept)
        buttons = QDialogButtonBox(self)
        start = buttons.addButton(self.tr("Start chatting"), QDialogButtonBox.ButtonRole.AcceptRole)
        start.setDefault(True)
        buttons.accepted.connect(self.accept)
        lay = QVBoxLayout(self)
        lay.addWidget(title)
        lay.addWidget(body)
        lay.addWidget(models, 0, Qt.AlignmentFlag.AlignLeft)
        lay.addWidget(buttons)
        self.setMinimumWidth(460)
