"""Start the model's process at Hearth's own priority, whichever thread asks for it.

A thread may run below Hearth's priority (a higher nice value on Linux: a caller's background
work). A child process inherits the nice value of the thread that starts it, and a process cannot
lower its own again without privilege: a model loaded from such a thread would answer at background
priority, behind every other program on the desktop. Hearth makes
one launcher thread when it starts (on the thread that opens it, at the app's priority), and
:func:`run` hands the process start to that thread.
"""
from __future__ import annotations

import queue
import threading
from typing import Any, Callable

_launcher: "_Launcher | None" = None
_made = threading.Lock()


class _Launcher:
    def __init__(self) -> None:
        self._jobs: queue.Queue = queue.Queue()
        self.thread = threading.Thread(target=self._serve, name="hearth-launcher", daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            fn, box, done = self._jobs.get()
            try:
                box.append((True, fn()))
            except BaseException as e:  # handed back to the caller's thread
                box.append((False, e))
            finally:
                done.set()

    def run(self, fn: Callable[[], Any]) -> Any:
        box: list = []
        done = threading.Event()
        self._jobs.put((fn, box, done))
        done.wait()
        ok, value = box[0]
        if not ok:
            raise value
        return value


def make_here() -> None:
    """Make the launcher on this thread (once per process; later calls keep the first)."""
    global _launcher
    with _made:
        if _launcher is None:
            _launcher = _Launcher()


def run(fn: Callable[[], Any]) -> Any:
    """Run ``fn`` (a process start) on the launcher thread, or here when there is none or this is it."""
    launcher = _launcher
    # not alive: this is a forked copy of the process (threads do not survive a fork)
    if launcher is None or threading.current_thread() is launcher.thread or not launcher.thread.is_alive():
        return fn()
    return launcher.run(fn)
