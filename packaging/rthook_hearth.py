"""PyInstaller runtime hook: runs inside the frozen Hearth before the app's own code.

- A windowed build (Windows ``hearth.exe``, macOS ``Hearth.app``) has no stdout/stderr:
  ``sys.stdout`` is None and the first ``print`` or progress bar (tqdm, used while loading the
  embedder) would raise. Point them at the null device; Hearth's own log file keeps the record.
- Offline by default, exactly as from source: no hub look-ups, no Chroma telemetry.
- ``HEARTH_BLOCK_NETWORK=1`` refuses every non-loopback connection for the whole process (the
  bundle smoke test uses it where a network namespace is not available).
"""
import os
import sys

if sys.stdout is None or sys.stderr is None:
    _null = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115 - lives as long as the process
    if sys.stdout is None:
        sys.stdout = _null
    if sys.stderr is None:
        sys.stderr = _null

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
# Progress bars of the embedder load go nowhere useful in a windowed app.
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

if os.environ.get("HEARTH_BLOCK_NETWORK") == "1":
    from assistant.core import netguard

    # Entered for the life of the process; never exited on purpose.
    netguard.guard(block=True, allow_loopback=True).__enter__()
