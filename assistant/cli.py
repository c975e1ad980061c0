"""The `hearth` entry point: the window by default; subcommands for the terminal.

Each subcommand lives in :mod:`assistant.commands` as a module with ``register(subparsers)``;
this file only wires them together, so it stays small.
"""
from __future__ import annotations

import argparse
import importlib
import os
import sys
import tempfile

# Offline is the default: the embedder and tokenizers never try to reach a hub.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

COMMAND_MODULES = ("doctor", "chat", "index", "evals", "templates", "adapters", "models", "bench", "gui")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hearth", description="Hearth: a private AI assistant on your desktop.")
    parser.add_argument("--home", help="keep all of Hearth's data under this folder (like HEARTH_HOME)")
    parser.add_argument("--temp-home", action="store_true",
                        help="use a fresh temporary folder for all data (for trying things out)")
    parser.add_argument("-v", "--verbose", action="store_true", help="also print warnings to the terminal")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            mod = importlib.import_module(f"assistant.commands.{name}")
        except ModuleNotFoundError as e:
            if e.name == f"assistant.commands.{name}":
                continue  # a command group not built yet
            raise
        mod.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run Hearth. Returns the process exit code."""
    import multiprocessing

    multiprocessing.freeze_support()  # the engine worker re-enters here in a frozen build
    parser = build_parser()
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    if args.temp_home:
        os.environ["HEARTH_HOME"] = tempfile.mkdtemp(prefix="hearth-")
    elif args.home:
        os.environ["HEARTH_HOME"] = os.path.abspath(args.home)

    from assistant.core import logs, netguard, paths

    if os.environ.get("HEARTH_BLOCK_NETWORK") == "1":
        # strict offline mode (used by the bundle smoke test): refuse every non-loopback connection
        netguard.guard(block=True, allow_loopback=True).__enter__()
    p = paths.resolve().ensure()
    logs.setup(p.log_file, console=args.verbose)
    if not args.command:
        args = parser.parse_args(["gui"])
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print()
        return 130


if __name__ == "__main__":
    sys.exit(main())
