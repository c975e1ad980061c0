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

COMMAND_MODULES = ("doctor", "chat", "conversations", "feedback", "index", "evals", "templates", "adapters",
                   "models", "serve", "remote", "collections", "search", "gui")

_STRICT_GUARD = None  # the network guard of HEARTH_BLOCK_NETWORK=1

EXIT_CODES_HELP = """exit codes:
  0  done
  1  the request cannot be done as asked (a missing file, an unknown name, bad input)
  2  the model could not be loaded or stopped while answering
  3  internal error (a bug: details are in the log file)
  130  interrupted (Ctrl-C)"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hearth", description="Hearth: a private AI assistant on your desktop.",
        epilog=EXIT_CODES_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--home", help="keep all of Hearth's data under this folder (like HEARTH_HOME)")
    parser.add_argument("--temp-home", action="store_true",
                        help="use a fresh temporary folder for all data (for trying things out)")
    parser.add_argument("-v", "--verbose", action="store_true", help="also print warnings to the terminal")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(f"assistant.commands.{name}").register(sub)
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
        # kept for the life of the process: an unreferenced guard would be undone at once
        global _STRICT_GUARD
        _STRICT_GUARD = netguard.guard(block=True, allow_loopback=True, strict=True)
        _STRICT_GUARD.__enter__()
    p = paths.resolve().ensure()
    logs.setup(p.log_file, console=args.verbose)
    if not args.command:
        args = parser.parse_args(["gui"])
    return run_command(args)


def run_command(args: argparse.Namespace) -> int:
    """Run a parsed command; the one place where errors become words and exit codes."""
    import logging

    from assistant.core.errors import EXIT_INTERNAL, HearthError, exit_code_for, in_words

    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print()
        return 130
    except HearthError as e:
        print(f"hearth: {e}", file=sys.stderr)
        if e.fix:
            from assistant.core.i18n import tr

            print(f"{tr('fix')}: {e.fix}", file=sys.stderr)
        return e.exit_code
    except Exception as e:  # the single handler: words for the user, the traceback in the log
        code = exit_code_for(e)
        if code == EXIT_INTERNAL:
            logging.getLogger("assistant").exception("unexpected error in `hearth %s`", args.command)
        print(f"hearth: {in_words(e)}", file=sys.stderr)
        return code


if __name__ == "__main__":
    sys.exit(main())
