"""Light and dark: follow the system by default; a dark palette when the user asks for one."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

_system_palette: QPalette | None = None


def dark_palette() -> QPalette:
    """A dark palette for the Fusion style."""
    p = QPalette()
    bg, base, text = QColor(37, 37, 40), QColor(28, 28, 30), QColor(230, 230, 230)
    for role, c in ((QPalette.ColorRole.Window, bg), (QPalette.ColorRole.WindowText, text),
                    (QPalette.ColorRole.Base, base), (QPalette.ColorRole.AlternateBase, bg),
                    (QPalette.ColorRole.Text, text), (QPalette.ColorRole.Button, QColor(48, 48, 52)),
                    (QPalette.ColorRole.ButtonText, text), (QPalette.ColorRole.ToolTipBase, bg),
                    (QPalette.ColorRole.ToolTipText, text), (QPalette.ColorRole.Highlight, QColor(64, 128, 220)),
                    (QPalette.ColorRole.HighlightedText, QColor(255, 255, 255)),
                    (QPalette.ColorRole.Link, QColor(110, 170, 255)),
                    (QPalette.ColorRole.PlaceholderText, QColor(140, 140, 140))):
        p.setColor(role, c)
    p.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text, QColor(120, 120, 120))
    p.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.ButtonText, QColor(120, 120, 120))
    return p


def system_is_dark() -> bool:
    hints = QGuiApplication.styleHints()
    return hints.colorScheme() == Qt.ColorScheme.Dark


def apply_theme(app: QApplication, theme: str) -> None:
    """Apply "system", "light" or "dark". "system" keeps the platform palette (and follows changes)."""
    global _system_palette
    if _system_palette is None:
        _system_palette = QPalette(app.palette())
    if theme == "dark" or (theme == "system" and system_is_dark()):
        app.setStyle("Fusion")
        app.setPalette(dark_palette())
    elif theme == "light":
        app.setStyle("Fusion")
        app.setPalette(app.style().standardPalette())
    else:
        app.setPalette(_system_palette)
