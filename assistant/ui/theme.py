"""Light and dark: follow the system by default; our own palettes when the user picks one.

Both palettes pass WCAG 2.1 AA for text: every text colour against the background it is drawn
on has a contrast ratio of at least 4.5 (:func:`contrast_ratio`, checked by the tests for every
pair in :data:`TEXT_PAIRS`). The text size (Settings → Appearance, 90–200 %) scales the
application font, so the chat, the lists and the dialogs grow together.
"""
from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QColor, QFont, QGuiApplication, QPalette
from PySide6.QtWidgets import QAbstractItemView, QApplication

R = QPalette.ColorRole
_system_palette: QPalette | None = None
_base_font: QFont | None = None

TEXT_SIZES = (90, 200)  # the smallest and largest text size, in percent
#: (text colour, the background it is drawn on) for every kind of text the window shows.
TEXT_PAIRS = ((R.WindowText, R.Window), (R.Text, R.Base), (R.Text, R.AlternateBase),
              (R.ButtonText, R.Button), (R.ToolTipText, R.ToolTipBase), (R.HighlightedText, R.Highlight),
              (R.PlaceholderText, R.Base), (R.Link, R.Base), (R.LinkVisited, R.Base), (R.Text, R.Window))
MIN_CONTRAST = 4.5  # WCAG 2.1 AA, normal-size text


def _set(p: QPalette, colors: dict[QPalette.ColorRole, QColor]) -> QPalette:
    for role, c in colors.items():
        p.setColor(role, c)
    return p


def dark_palette() -> QPalette:
    """A dark palette for the Fusion style."""
    bg, base, text = QColor(37, 37, 40), QColor(28, 28, 30), QColor(230, 230, 230)
    p = _set(QPalette(), {
        R.Window: bg, R.WindowText: text, R.Base: base, R.AlternateBase: bg, R.Text: text,
        R.Button: QColor(48, 48, 52), R.ButtonText: text, R.ToolTipBase: bg, R.ToolTipText: text,
        R.Highlight: QColor(40, 96, 176),  # white on it: 6.4 (the earlier (64,128,220) gave 3.9)
        R.HighlightedText: QColor(255, 255, 255), R.Link: QColor(110, 170, 255),
        R.LinkVisited: QColor(190, 150, 255), R.PlaceholderText: QColor(150, 150, 150),
        R.BrightText: QColor(255, 255, 255)})
    p.setColor(QPalette.ColorGroup.Disabled, R.Text, QColor(120, 120, 120))
    p.setColor(QPalette.ColorGroup.Disabled, R.ButtonText, QColor(120, 120, 120))
    return p


def light_palette(app: QApplication | None = None) -> QPalette:
    """Fusion's light palette with the colours that fail the contrast check made darker:
    selection (white on (48,140,198) is 3.7), placeholders (half-transparent black is 4.0)
    and visited links (magenta on white is 3.1)."""
    from PySide6.QtWidgets import QStyleFactory

    fusion = QStyleFactory.create("Fusion")  # the style apply_theme sets with it
    return _set(QPalette(fusion.standardPalette()), {
        R.Highlight: QColor(30, 100, 160), R.HighlightedText: QColor(255, 255, 255),
        R.PlaceholderText: QColor(110, 110, 110), R.Link: QColor(0, 80, 200),
        R.LinkVisited: QColor(120, 40, 160)})


def _luminance(c: QColor) -> float:
    def channel(v: float) -> float:
        return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(c.redF()) + 0.7152 * channel(c.greenF()) + 0.0722 * channel(c.blueF())


def contrast_ratio(fg: QColor, bg: QColor) -> float:
    """WCAG 2.1 contrast ratio of ``fg`` drawn over ``bg`` (1 to 21); a translucent ``fg`` is
    blended over ``bg`` first, as it is on screen."""
    a = fg.alphaF()
    if a < 1.0:
        fg = QColor.fromRgbF(fg.redF() * a + bg.redF() * (1 - a), fg.greenF() * a + bg.greenF() * (1 - a),
                             fg.blueF() * a + bg.blueF() * (1 - a))
    hi, lo = sorted((_luminance(fg), _luminance(bg)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def contrast_failures(p: QPalette) -> list[tuple[str, str, float]]:
    """The text/background pairs of ``p`` below :data:`MIN_CONTRAST`: (text role, background role, ratio)."""
    out = []
    for fg, bg in TEXT_PAIRS:
        ratio = contrast_ratio(p.color(QPalette.ColorGroup.Active, fg), p.color(QPalette.ColorGroup.Active, bg))
        if ratio < MIN_CONTRAST:
            out.append((fg.name, bg.name, round(ratio, 2)))
    return out


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
        app.setPalette(light_palette(app))
    else:
        app.setPalette(_system_palette)


def clamp_text_size(percent: int) -> int:
    return max(TEXT_SIZES[0], min(TEXT_SIZES[1], int(percent)))


def apply_text_size(app: QApplication, percent: int) -> None:
    """Scale the application font to ``percent`` of the platform's (90–200), live.

    Widgets without a font of their own follow the application font; item views whose delegates
    keep laid-out text (the chat) are told to lay it out again.
    """
    global _base_font
    if _base_font is None:
        _base_font = QFont(app.font())
    font = QFont(_base_font)
    scale = clamp_text_size(percent) / 100.0
    if _base_font.pointSizeF() > 0:
        font.setPointSizeF(_base_font.pointSizeF() * scale)
    else:
        font.setPixelSize(max(6, round(_base_font.pixelSize() * scale)))
    if font == app.font():
        return
    app.setFont(font)  # the widgets get it through posted events: relayout once they have
    QTimer.singleShot(0, app, _relayout_item_views)


def _relayout_item_views() -> None:
    for w in QApplication.allWidgets():
        if isinstance(w, QAbstractItemView):
            delegate = w.itemDelegate()
            if hasattr(delegate, "clear_cache"):  # the chat's delegate caches laid-out messages
                delegate.clear_cache()
            getattr(w.model(), "forget_sizes", lambda: None)()  # the chat's rows remember their sizes
            w.scheduleDelayedItemsLayout()
            w.viewport().update()

