"""`hearth gui` (and `hearth` with no arguments): open the window."""
from __future__ import annotations

import argparse


def register(sub: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    p = sub.add_parser("gui", help="open the Hearth window (the default)")
    p.add_argument("--no-warm-up", action="store_true",
                   help="do not load the model and the document index in the background at start")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    # Only Qt and the light core here: the window imports the heavy parts after it is painted.
    from assistant.ui.app import App

    app = App(warm_up=not getattr(args, "no_warm_up", False))
    return app.run()
