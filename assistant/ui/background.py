"""Background work for the window: one way back to the GUI thread, and a small pool.

Workers never touch widgets. They hand a callable to :class:`Bridge`, whose queued signal runs
it on the GUI thread (Picard's ``to_main``). :class:`Tasks` runs plain callables on a
``QThreadPool`` and reports the result or the error through the bridge.
"""
from __future__ import annotations

import functools
import logging
import sys
from typing import Any, Callable

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal

log = logging.getLogger("assistant.ui")


class Bridge(QObject):
    """Runs callables on the thread that owns it (the GUI thread).

    Signals:
        call(object): a zero-argument callable to run on the GUI thread.
    """

    call = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.closed = False  # set when the window closes: late results are dropped
        self.call.connect(self._run, Qt.ConnectionType.QueuedConnection)

    def to_main(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        """Queue ``fn(*args, **kwargs)`` to run on the GUI thread; safe from any thread.

        A result that arrives after its window was closed (the bridge is gone) is dropped.
        """
        try:
            self.call.emit(functools.partial(fn, *args, **kwargs))
        except RuntimeError as e:  # "Signal source has been deleted": the window closed meanwhile
            log.debug("dropped a background result for a closed window: %s", e)

    def _run(self, fn: Callable[[], Any]) -> None:
        if self.closed:
            log.debug("dropped a background result after the window closed")
            return
        try:
            fn()
        except Exception:  # a slot must not take the event loop down; the crash handler reports it
            sys.excepthook(*sys.exc_info())


class _Job(QRunnable):
    def __init__(self, fn: Callable[[], Any], done: Callable[[Any], None] | None,
                 error: Callable[[BaseException], None] | None, bridge: Bridge) -> None:
        super().__init__()
        self.setAutoDelete(True)
        self._fn, self._done, self._error, self._bridge = fn, done, error, bridge

    def run(self) -> None:
        try:
            result = self._fn()
        except BaseException as e:  # reported to the user in words by the error callback
            if self._error is not None:
                log.info("background job ended with an error shown to the user: %s", e,
                         exc_info=log.isEnabledFor(logging.DEBUG))
                self._bridge.to_main(self._error, e)
            else:
                log.warning("background job failed: %s", e, exc_info=True)
                self._bridge.to_main(_reraise, e)
            return
        if self._done is not None:
            self._bridge.to_main(self._done, result)


# Background jobs run at the window's own priority. They once ran 5 nice steps lower, for the time
# when the embedder computed on them; but a job shares the window's interpreter lock, and the kernel
# preempted a niced job while it held the lock (the model's process busy on the other core), so the
# window waited for it: bench_ui, streaming + indexing, 4-10 pauses over 50 ms (the GUI thread asleep,
# not short of a CPU); at the window's priority, none. The heavy work runs in child processes with
# their own lock, and they run below Hearth's priority (the parser, the embedder, Chroma).


def _reraise(e: BaseException) -> None:
    raise e


class Tasks:
    """Background work for the window: model loading, indexing, generation, downloads.

    Args:
        bridge: where results are delivered.
        max_threads: pool size; generation, indexing and loading may run side by side.
        synchronous: run jobs inline (tests that want determinism).
    """

    def __init__(self, bridge: Bridge, max_threads: int = 6, synchronous: bool = False) -> None:
        self.bridge = bridge
        self.synchronous = synchronous
        self.pool = QThreadPool()
        self.pool.setMaxThreadCount(max_threads)

    def start(self, fn: Callable[[], Any], done: Callable[[Any], None] | None = None,
              error: Callable[[BaseException], None] | None = None) -> None:
        """Run ``fn`` in the background; then ``done(result)`` or ``error(exc)`` on the GUI thread."""
        job = _Job(fn, done, error, self.bridge)
        if self.synchronous:
            job.run()
        else:
            self.pool.start(job)

    def wait(self, msecs: int = 30000) -> bool:
        """Wait for running jobs (used at shutdown and in tests)."""
        return self.pool.waitForDone(msecs)


def settle_heap() -> None:
    """Exclude what is loaded by now (torch, Chroma, the embedder) from future garbage collections.

    Those imports leave about a million long-lived objects; a full collection then scans them
    all and, whichever thread triggers it, holds the interpreter for a quarter of a second,
    which the window shows as a freeze. Call it after a heavy part loaded: the freeze itself
    runs on a short-lived thread, so the GUI thread only starts it (run inline where it was
    measured to wait behind the warm-up's imports for 300 ms).
    """
    # QThreadPool.start returns at once; threading.Thread.start waits until the new thread has
    # the interpreter, which behind the warm-up's imports took a quarter of a second.
    QThreadPool.globalInstance().start(_freeze)


def _freeze() -> None:
    import gc

    gc.freeze()  # no collect first: a full collection here is exactly the pause to avoid
    log.debug("heap settled: %d objects frozen", gc.get_freeze_count())
