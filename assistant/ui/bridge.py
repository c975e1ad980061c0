"""Old name of :mod:`assistant.ui.background`, kept while a few panels still import it from here."""
from assistant.ui.background import Bridge, Tasks, settle_heap

__all__ = ["Bridge", "Tasks", "settle_heap"]
