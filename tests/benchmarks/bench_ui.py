"""Window benchmarks: cold start, GUI-thread stalls under load, long-conversation appends, idle memory.

Run: ``python tests/benchmarks/bench_ui.py`` (about two minutes on 2 cores). The last line is
one JSON object with ``cold_start_s``, ``max_stall_ms``, ``append_ratio``, ``idle_rss_mb`` and
the baselines they are compared with, measured in the same run:

- cold start: ``hearth gui`` from process start to the first painted window, against a bare
  PySide6 window started the same way;
- stalls: the largest gap of a 10 ms timer from the moment the window is made until its start-up
  warm-up is over (tabs added, model loaded, knowledge base and embedder opened, for someone who
  has a collection), and while SmolLM2 streams answers and 100 PDFs are indexed with the real
  embedder, against the same timer with the window idle. ``max_stall_ms`` is the larger of the
  two; every gap over 50 ms is printed with what the GUI thread (and the thread holding the
  interpreter) was doing, sampled by a watchdog thread. On a shared machine the largest gap is
  mostly luck: the streaming part also reports how many gaps passed 50 ms
  (``load_stalls_over_50ms``), how many of those were in the transcript's paint or layout
  (``load_stalls_in_transcript``) and the 99th percentile gap (``load_gap_p99_ms``);
- appends: adding a message (store + list model + repaint) to a 1,000-message conversation,
  divided by the same for a 10-message one;
- memory: resident size of the idle window before any model is loaded.
"""
from __future__ import annotations

import gc
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SHARED_EVAL = (ROOT.parent / "shared" / "eval").resolve()
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

BARE_WINDOW = ("import time,sys;from PySide6.QtWidgets import QApplication,QMainWindow;"
               "from PySide6.QtCore import QTimer;a=QApplication(sys.argv);w=QMainWindow();w.resize(1180,760);"
               "w.show();QTimer.singleShot(0,lambda:(print('FIRST_PAINT',time.time(),flush=True),a.quit()));a.exec()")


def _child_env(home: str, report: str) -> dict[str, str]:
    return dict(os.environ, HEARTH_HOME=home, QT_QPA_PLATFORM="offscreen", HEARTH_REPORT_FIRST_PAINT=report)


def _first_paint(cmd: list[str], env: dict[str, str]) -> float:
    t0 = time.time()
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=180, cwd=ROOT)
    line = next((x for x in out.stdout.splitlines() if x.startswith("FIRST_PAINT")), None)
    if line is None:
        raise RuntimeError(f"no first paint reported: {out.stdout[-500:]} {out.stderr[-1500:]}")
    return float(line.split()[1]) - t0


def cold_start(runs: int = 5) -> tuple[float, float]:
    """Median seconds to the first painted window: Hearth, and a bare PySide6 window."""
    hearth, bare = [], []
    for _ in range(runs):
        home = tempfile.mkdtemp(prefix="hearth-bench-")
        hearth.append(_first_paint([sys.executable, "-m", "assistant.cli", "gui"], _child_env(home, "quit")))
        bare.append(_first_paint([sys.executable, "-c", BARE_WINDOW], _child_env(home, "quit")))
        shutil.rmtree(home, ignore_errors=True)
    return statistics.median(hearth), statistics.median(bare)


def idle_rss_mb() -> float:
    """Resident memory of the idle window (no model loaded), 3 s after its first paint."""
    import psutil

    home = tempfile.mkdtemp(prefix="hearth-bench-")
    proc = subprocess.Popen([sys.executable, "-m", "assistant.cli", "gui", "--no-warm-up"],
                            env=_child_env(home, "stay"), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            text=True, cwd=ROOT)
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            if line.startswith("FIRST_PAINT"):
                break
        time.sleep(3)
        return psutil.Process(proc.pid).memory_info().rss / 2**20
    finally:
        proc.terminate()
        proc.wait(20)
        shutil.rmtree(home, ignore_errors=True)


def _where(frame, depth: int = 4) -> str:
    """The innermost frames of a stack, project files first: "file:line function < ..."."""
    import traceback

    stack = traceback.extract_stack(frame)[::-1]
    ours = [f for f in stack if "/assistant/" in f.filename]
    pick = (stack[:2] + [f for f in ours if f not in stack[:2]])[:depth]
    return " < ".join(f"{Path(f.filename).name}:{f.lineno} {f.name}" for f in pick)


class _StallMeter:
    """Largest gap between ticks of a 10 ms timer on the GUI thread.

    A watchdog thread looks at the GUI thread every 5 ms; while a tick is late it records where
    the GUI thread is and what the other threads are doing, so each stall can be attributed. On
    Linux each stall also says how the GUI thread spent it (the kernel's schedstat): running, waiting
    for a CPU (the cores busy with other work), or asleep (waiting for the interpreter lock or I/O).
    """

    SAMPLE_AFTER_S = 0.03

    def __init__(self) -> None:
        from PySide6.QtCore import QTimer

        self.gaps: list[float] = []
        self.stalls: list[dict] = []  # gaps over 50 ms: when, how long, where
        self._samples: list[tuple[float, str, list[str]]] = []
        self._last = time.perf_counter()
        self._t0 = self._last
        self.timer = QTimer()
        self.timer.setInterval(10)
        self.timer.timeout.connect(self._tick)
        self._watching = False
        self._gui = threading.get_ident()
        self._gc: list[tuple[float, float, int]] = []  # garbage collections: start, end, generation
        self._gc_start = 0.0
        self._schedstat = f"/proc/self/task/{threading.get_native_id()}/schedstat"
        self._sched = self._read_sched()

    def _read_sched(self) -> tuple[float, float] | None:
        """(seconds run, seconds waited for a CPU) of the GUI thread so far; None off Linux."""
        try:
            with open(self._schedstat) as f:
                run_ns, wait_ns, _ = f.read().split()
            return int(run_ns) / 1e9, int(wait_ns) / 1e9
        except (OSError, ValueError):
            return None

    def _on_gc(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._gc_start = time.perf_counter()
        else:
            self._gc.append((self._gc_start, time.perf_counter(), info["generation"]))

    def _tick(self) -> None:
        now = time.perf_counter()
        gap = now - self._last
        self.gaps.append(gap)
        sched, before = self._read_sched(), self._sched
        self._sched = sched
        if gap > 0.05:
            how = ""
            if sched is not None and before is not None:
                ran, queued = (sched[0] - before[0]) * 1000, (sched[1] - before[1]) * 1000
                how = f"ran {ran:.0f} ms, waited for a CPU {queued:.0f} ms, asleep {max(0.0, gap * 1000 - ran - queued):.0f} ms "\
                      "(the 10 ms between ticks included)"
            during = [smp for smp in self._samples if self._last <= smp[0] <= now]
            gui = statistics.mode([smp[1] for smp in during]) if during else "(not sampled: the watchdog "\
                "could not run either: a thread held the interpreter, the GUI thread in Qt's own code included)"
            others = statistics.mode([o for smp in during for o in smp[2]]) if any(smp[2] for smp in during) else ""
            gc_ms = sum(min(b, now) - max(a, self._last) for a, b, _g in self._gc if a < now and b > self._last)
            self.stalls.append({"at_s": round(self._last - self._t0, 2), "ms": round(gap * 1000, 1),
                                "gui": gui, "other": others, "gc_ms": round(gc_ms * 1000, 1), "how": how})
        self._samples = [smp for smp in self._samples if smp[0] > now - 1]
        self._gc = [c for c in self._gc if c[1] > now - 1]
        self._last = now

    def _watch(self) -> None:
        while self._watching:
            time.sleep(0.005)
            if time.perf_counter() - self._last < self.SAMPLE_AFTER_S:
                continue
            frames = sys._current_frames()
            gui = frames.get(self._gui)
            others = [_where(f, 2) for ident, f in frames.items()
                      if ident not in (self._gui, threading.get_ident())]
            self._samples.append((time.perf_counter(), _where(gui) if gui is not None else "?", others))

    def start(self) -> None:
        self.gaps.clear()
        self.stalls.clear()
        self._last = self._t0 = time.perf_counter()
        self._sched = self._read_sched()
        self.timer.start()
        self._watching = True
        if self._on_gc not in gc.callbacks:
            gc.callbacks.append(self._on_gc)
        threading.Thread(target=self._watch, daemon=True, name="stall-watchdog").start()

    def stop(self) -> float:
        self.timer.stop()
        self._watching = False
        if self._on_gc in gc.callbacks:
            gc.callbacks.remove(self._on_gc)
        return max(self.gaps) * 1000 if self.gaps else 0.0

    def report(self, title: str) -> None:
        for st in sorted(self.stalls, key=lambda d: -d["ms"])[:12]:
            print(f"  {title} stall {st['ms']:.0f} ms at {st['at_s']:.2f} s: GUI thread in {st['gui']}"
                  + (f"; meanwhile {st['other']}" if st["other"] else "")
                  + (f"; garbage collection {st['gc_ms']:.0f} ms of it" if st["gc_ms"] >= 1 else "")
                  + (f" [GUI thread: {st['how']}]" if st.get("how") else ""), flush=True)


def startup_stalls(timeout: float = 240.0) -> tuple[float, list[dict]]:
    """Largest GUI-thread gap from making the window to the end of its warm-up (ms), and the stalls.

    The window is made as ``hearth gui`` makes it, with the warm-up on, for someone who has a
    collection (made beforehand in another process, so the embedder and Chroma load in the
    warm-up, as they do for ``hearth gui``) and the default model.
    """
    from PySide6.QtWidgets import QApplication

    from assistant.core.app import Hearth
    from assistant.ui.app import App

    hearth = Hearth()
    hearth.settings.first_run_done = True
    hearth.settings.context_length = 2048
    app = App(["bench"], hearth=hearth, warm_up=True)
    w = app.make_window()
    w.resize(1180, 760)
    w.show()
    # Making and first painting the window is the cold start (measured above); the warm-up
    # begins at the first paint, and so does this measurement.
    meter = _StallMeter()
    from PySide6.QtCore import QCoreApplication

    while not w._warmed:
        QCoreApplication.processEvents()
    meter.start()
    loaded: list[object] = []
    w.modelReady.connect(lambda _f: loaded.append(1))
    _run_until(lambda: bool(loaded) and w.documents.ready and w.side.count() >= 4, timeout)
    _run_until(lambda: False, 1.5)
    worst = meter.stop()
    ok = bool(loaded) and w.documents.ready
    if not ok:
        print(f"  warm-up did not finish in {timeout:.0f} s (model {bool(loaded)}, documents "
              f"{w.documents.ready})", flush=True)
    meter.report("start-up")
    w.close()
    w.tasks.wait(30000)
    QApplication.processEvents()
    closer = threading.Thread(target=hearth.close, daemon=True)
    closer.start()
    closer.join(30)
    return worst, meter.stalls


def _run_until(cond, timeout: float) -> None:
    from PySide6.QtCore import QCoreApplication, QEventLoop

    end = time.monotonic() + timeout
    while time.monotonic() < end and not cond():
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)
        time.sleep(0.002)


def stalls(window, hearth, pdfs: list[Path], seconds: float = 30.0) -> tuple[float, float, dict]:
    """(max stall under load, max stall idle, details) in milliseconds."""
    meter = _StallMeter()
    meter.start()
    _run_until(lambda: False, 5.0)
    idle = meter.stop()
    # A session of someone who has documents: the window opens the index and loads the embedder
    # in the background after it is painted. Measured on its own: importing torch holds the
    # interpreter lock in long stretches, which no thread can avoid.
    hearth.knowledge.create_collection("Earlier documents")
    panel = window.documents
    warmed: list[object] = []
    meter.start()
    panel.warm_up(then=lambda: warmed.append(1))
    _run_until(lambda: bool(warmed), 180)
    _run_until(lambda: False, 1.0)
    warm_up = meter.stop()
    meter.report("knowledge-base warm-up")
    # load the model first (its own process), so the measured window is streaming + indexing
    window.load_model()
    _run_until(lambda: window.model_label.text().startswith("Model: ") and "loading" not in
               window.model_label.text(), 120)
    hearth.settings.sampling.max_tokens = 400
    conv = window.new_conversation()
    done: list[object] = []
    panel.jobFinished.connect(lambda *a: done.append(a))
    meter.start()
    t0 = time.monotonic()
    window.add_paths(pdfs)  # opens the knowledge base (Chroma, MiniLM) and indexes, in workers
    answers = 0
    chars = 0
    while time.monotonic() - t0 < seconds:
        if not window.chat.generating:
            if answers:
                chars += len(window.chat.model.item(window.chat.model.rowCount() - 1).content)
            window.chat.composer.setPlainText(f"Tell me a long story about lighthouse number {answers + 1}.")
            window.chat.send()
            answers += 1
        _run_until(lambda: False, 0.2)
    loaded = meter.stop()
    meter.report("streaming and indexing")
    # On a shared machine the largest gap is mostly luck; how often the window stalls is steadier.
    gaps = sorted(meter.gaps)
    over = [g for g in gaps if g > 0.05]
    load_p99 = gaps[int(0.99 * (len(gaps) - 1))] * 1000 if gaps else 0.0
    in_chat = sum(1 for st in meter.stalls if "chat_delegate" in st["gui"] or "chat_model" in st["gui"])
    panel.cancel_all()
    window.chat.stop()
    # indexing stops after the file in progress; do not wait for a long one to finish
    _run_until(lambda: not window.chat.generating, 30)
    files_done = panel.job_bar.value() if panel.job_bar.maximum() > 0 else 0
    return loaded, idle, {"answers_started": answers, "answer_chars": chars, "files_with_status": files_done,
                          "conversation": conv, "warm_up_stall_ms": warm_up, "stalls_over_50ms": len(over),
                          "stall_ms_over_50": sum(over) * 1000, "gap_p99_ms": load_p99,
                          "stalls_in_transcript": in_chat}


def appends(window, hearth, reps: int = 15) -> tuple[float, float, float]:
    """Seconds to add one message to a 10- and a 1,000-message conversation; and their ratio.

    An append is what the window does for a new message: store it, append it to the list
    model, and lay out and paint the view. The two sizes are measured alternately, so a busy
    machine slows both alike; the medians are compared.
    """
    from PySide6.QtCore import QCoreApplication

    from assistant.ui.chat_model import ChatItem

    store = hearth.store
    convs = {}
    for n in (10, 1000):
        conv = store.create(f"{n} messages", {})
        for i in range(n):
            role = "user" if i % 2 == 0 else "assistant"
            text = f"Message {i}: " + ("some **markdown** text with a list\n\n- a\n- b\n" if i % 3 else "short")
            store.add_message(conv.id, role, text)
        convs[n] = conv.id
    times: dict[int, list[float]] = {10: [], 1000: []}
    for k in range(reps):
        for n in (10, 1000):
            window.conversations.select(convs[n])
            _run_until(lambda: False, 0.3)  # opened, laid out and painted: not part of the append
            t = time.perf_counter()
            m = store.add_message(convs[n], "user", f"one more message {k}")
            window.chat.model.append(ChatItem.from_stored(m))
            window.chat.view.scrollToBottom()
            QCoreApplication.processEvents()  # the view lays the rows out again
            window.chat.view.viewport().repaint()
            times[n].append(time.perf_counter() - t)
    t10, t1000 = statistics.median(times[10]), statistics.median(times[1000])
    return t10, t1000, t1000 / t10


def main() -> int:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=("start", "memory", "append", "warmup", "stall"), action="append",
                        help="run only these parts (repeatable); default all")
    parser.add_argument("--stall-seconds", type=float, default=30.0)
    parser.add_argument("--encoder-here", action="store_true",
                        help="keep the embedder in the window's process (hearth gui runs it in a child)")
    parser.add_argument("--chroma-here", action="store_true",
                        help="keep Chroma in the window's process (hearth gui runs it in a child)")
    parser.add_argument("--first-start", action="store_true",
                        help="warm-up part: a fresh home's first start, the embedder's one-time ONNX export "
                             "not made yet (an empty embedder cache), so it runs in the warm-up")
    args = parser.parse_args()
    if not args.encoder_here:  # every part, as hearth gui does
        from assistant.ui.app import use_window_processes

        use_window_processes()
    if args.chroma_here:
        from assistant.core.knowledge.chroma_child import run_chroma_in_child

        run_chroma_in_child(False)
    parts = set(args.only or ("start", "memory", "append", "warmup", "stall"))

    from PySide6.QtWidgets import QApplication

    import assistant.ui  # noqa: F401  (applies the binding guard first)

    result: dict[str, object] = {}
    if "start" in parts:
        start_s, bare_s = cold_start()
        print(f"cold start: {start_s:.3f} s (bare PySide6 window {bare_s:.3f} s, ratio {start_s / bare_s:.2f})",
              flush=True)
        result.update(cold_start_s=round(start_s, 3), cold_start_bare_qt_s=round(bare_s, 3))
    if "memory" in parts:
        rss = idle_rss_mb()
        print(f"idle memory before any model: {rss:.0f} MB", flush=True)
        result.update(idle_rss_mb=round(rss, 1))
    if "warmup" in parts:
        os.environ["HEARTH_HOME"] = tempfile.mkdtemp(prefix="hearth-bench-")
        # A returning user: the embedder's one-time ONNX export (made on the first start, in a
        # worker, importing torch) is already in the cache. Made here in another process so that
        # nothing it imports is loaded in this one. HEARTH_EMBEDDER_BACKEND=torch measures the
        # PyTorch embedder instead (the baseline: before ONNX Runtime was the default).
        # The collection is made there too: making it here would import Chroma in this process
        # before the measurement, while ``hearth gui`` imports it in the warm-up.
        # --first-start: a fresh home's first start, whose warm-up makes the export (an empty cache).
        if args.first_start:
            os.environ["HEARTH_EMBEDDER_CACHE"] = tempfile.mkdtemp(prefix="hearth-bench-embedders-")
        warm = "" if args.first_start else " h.knowledge.embedder.warm();"
        subprocess.run([sys.executable, "-c", "from assistant.core.app import Hearth; h = Hearth(); "
                        f"h.knowledge.create_collection('Earlier documents');{warm} h.close()"],
                       check=True, capture_output=True)
        QApplication.instance() or QApplication(["bench"])
        warm_ms, warm_stalls = startup_stalls()
        print(f"GUI stall from making the window to the end of its warm-up"
              f"{' (first start: the embedder is exported)' if args.first_start else ''}: max {warm_ms:.0f} ms "
              f"({len(warm_stalls)} gaps over 50 ms)", flush=True)
        result.update(startup_stall_ms=round(warm_ms, 1), startup_stalls_over_50ms=len(warm_stalls),
                      startup_first_start=args.first_start)
    if parts & {"append", "stall"}:
        home = tempfile.mkdtemp(prefix="hearth-bench-")
        os.environ["HEARTH_HOME"] = home
        app = QApplication.instance() or QApplication(["bench"])
        from assistant.core.app import Hearth
        from assistant.ui.main_window import MainWindow

        hearth = Hearth()
        hearth.settings.first_run_done = True
        hearth.settings.context_length = 2048
        window = MainWindow(hearth, warm_up=False)
        window.resize(1180, 760)
        window.show()
        app.processEvents()
        if "append" in parts:
            t10, t1000, ratio = appends(window, hearth)
            print(f"append: {t10 * 1000:.2f} ms to a 10-message chat, {t1000 * 1000:.2f} ms to a "
                  f"1,000-message chat (ratio {ratio:.2f})", flush=True)
            result.update(append_ratio=round(ratio, 2), append_10_ms=round(t10 * 1000, 2),
                          append_1000_ms=round(t1000 * 1000, 2))
        if "stall" in parts:
            pdfs = sorted((SHARED_EVAL / "pdfs").rglob("*.pdf"))
            extra = Path(home) / "copies"
            extra.mkdir()
            clean = sorted((SHARED_EVAL / "pdfs" / "clean").glob("*.pdf"))
            i = 0
            while len(pdfs) < 100:  # the corpus has 99 files: add copies of clean ones under new names
                dst = extra / f"copy-{i}-{clean[i].name}"
                shutil.copy(clean[i], dst)
                pdfs.append(dst)
                i += 1
            loaded, idle, info = stalls(window, hearth, pdfs[:100], args.stall_seconds)
            print(f"GUI stall: max {loaded:.0f} ms while streaming and indexing 100 PDFs (idle {idle:.0f} ms); "
                  f"{info['answers_started']} answers started, {info['files_with_status']} files indexed "
                  f"meanwhile", flush=True)
            print(f"  {info['stalls_over_50ms']} gaps over 50 ms ({info['stall_ms_over_50']:.0f} ms in all, "
                  f"{info['stalls_in_transcript']} of them painting or laying out the transcript); "
                  f"99th percentile gap {info['gap_p99_ms']:.0f} ms", flush=True)
            print(f"GUI stall while the index and embedder load in the background at start: "
                  f"{info['warm_up_stall_ms']:.0f} ms", flush=True)
            result.update(load_stall_ms=round(loaded, 1), idle_stall_ms=round(idle, 1),
                          warm_up_stall_ms=round(info["warm_up_stall_ms"], 1),
                          stall_answers=info["answers_started"],
                          stall_files_indexed=info["files_with_status"],
                          load_stalls_over_50ms=info["stalls_over_50ms"],
                          load_stalls_in_transcript=info["stalls_in_transcript"],
                          load_gap_p99_ms=round(info["gap_p99_ms"], 1))
        window.close()
        closer = threading.Thread(target=hearth.close, daemon=True)
        closer.start()
        closer.join(30)
    # max_stall_ms: the worst gap anywhere, start-up warm-up included
    stall_parts = [result[k] for k in ("startup_stall_ms", "load_stall_ms", "warm_up_stall_ms") if k in result]
    if stall_parts:
        result["max_stall_ms"] = max(stall_parts)  # type: ignore[type-var]
    result["targets"] = {"cold_start_s": 1.5, "max_stall_ms": 50, "append_ratio": 2, "idle_rss_mb": 300}
    print(json.dumps(result), flush=True)
    os._exit(0)  # a parse still running in the sandbox must not hold the benchmark open


if __name__ == "__main__":
    sys.exit(main())
