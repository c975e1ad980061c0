"""`hearth gui [FILES...]` (and `hearth` with no arguments): open the window."""
from __future__ import annotations

import argparse
import os
from pathlib import Path


def register(sub: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    p = sub.add_parser("gui", help="open the Hearth window (the default)")
    p.add_argument("files", nargs="*", metavar="FILE",
                   help="documents (or .gguf models) to add, as if dropped on the window")
    p.add_argument("--no-warm-up", action="store_true",
                   help="do not load the model and the document index in the background at start")
    p.add_argument("--smoke-test", action="store_true",
                   help="open the window, print FIRST_PAINT when it is painted, and quit (for installers' checks)")
    p.set_defaults(func=run, files=[])


def run(args: argparse.Namespace) -> int:
    # Only Qt and the light core here: the window imports the heavy parts after it is painted.
    if getattr(args, "smoke_test", False):
        os.environ["HEARTH_REPORT_FIRST_PAINT"] = "quit"
    # numpy first, on this thread: two workers importing it for the first time at once (the GGUF
    # reader, Chroma) can fail with "partially initialized module numpy._typing"
    import numpy  # noqa: F401

    from assistant.ui.app import App, use_window_processes

    use_window_processes()  # the embedder and Chroma beside the window, not in its process
    app = App(warm_up=not getattr(args, "no_warm_up", False),
              open_paths=[Path(f).expanduser().resolve() for f in getattr(args, "files", [])])
    return app.run()
