"""Languages: English (built in) and Simplified Chinese (Qt .qm files in resources/i18n)."""
from __future__ import annotations

import logging

from PySide6.QtCore import QLibraryInfo, QLocale, QTranslator
from PySide6.QtWidgets import QApplication

from assistant.core.paths import resources_dir

log = logging.getLogger("assistant.ui")
LANGUAGES = {"en": "English", "zh_CN": "简体中文"}
_installed: list[QTranslator] = []


def install(app: QApplication, language: str) -> bool:
    """Switch the app's translators to ``language`` ("en" or "zh_CN"). Returns False if missing."""
    from assistant.core import i18n as core_i18n

    core_i18n.set_language(language if language in LANGUAGES else "en")  # core messages follow the window
    for t in _installed:
        app.removeTranslator(t)
    _installed.clear()
    if language == "en" or language not in LANGUAGES:
        QLocale.setDefault(QLocale(QLocale.Language.English))
        return language == "en"
    ours = QTranslator(app)
    qm = resources_dir() / "i18n" / f"hearth_{language}.qm"
    if not ours.load(str(qm)):
        log.warning("translation %s not found", qm)
        return False
    app.installTranslator(ours)
    _installed.append(ours)
    qt = QTranslator(app)
    if qt.load(f"qtbase_{language}", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)):
        app.installTranslator(qt)
        _installed.append(qt)
    QLocale.setDefault(QLocale(language))
    return True
