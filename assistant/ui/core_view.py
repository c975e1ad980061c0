"""The core facade as the window sees it: the parts the GUI thread touches, fetched once.

:class:`assistant.core.app.Hearth` opens its parts lazily under one lock, and holds that lock
while a model loads. The GUI thread reads the conversation store all the time; going through
the facade's property each time would freeze the window for the length of a model load. So the
store is fetched once, at start, and the rest is passed through (heavy parts are only used
from workers).
"""
from __future__ import annotations

from typing import Any


class CoreView:
    """Wraps a :class:`Hearth` for the window.

    Args:
        hearth: the core facade (or a test double with the same attributes).
    """

    def __init__(self, hearth: Any) -> None:
        self._hearth = hearth
        self.store = hearth.store  # opened now, before any worker can hold the facade's lock

    @property
    def facade(self) -> Any:
        """The wrapped facade."""
        return self._hearth

    def engine_if_started(self) -> Any:
        """The engine if it exists, without waiting for the facade's lock (to cancel a load)."""
        started = getattr(self._hearth, "engine_if_started", None)
        return started() if started else getattr(self._hearth, "engine", None)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._hearth, name)


def wrap(hearth: Any) -> CoreView:
    """``hearth`` as a :class:`CoreView` (unchanged if it already is one)."""
    return hearth if isinstance(hearth, CoreView) else CoreView(hearth)
