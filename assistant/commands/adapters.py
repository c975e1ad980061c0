"""`hearth adapters list|add|check|remove`: the LoRA adapter library from the terminal."""
from __future__ import annotations

import argparse
import dataclasses
import json
import sys


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("adapters", help="register LoRA adapters and check them against a model")
    s = p.add_subparsers(dest="adapters_command", metavar="ACTION", required=True)
    ls = s.add_parser("list", help="the registered adapters")
    ls.add_argument("--json", action="store_true", help="print one JSON object")
    ls.add_argument("--model", help="also say whether each fits this GGUF model")
    ls.set_defaults(func=cmd_list)
    add = s.add_parser("add", help="register an adapter file (it stays where it is)")
    add.add_argument("path")
    add.add_argument("--json", action="store_true", help="print one JSON object")
    add.set_defaults(func=cmd_add)
    chk = s.add_parser("check", help="exit 0 if the adapter fits the model, else print why and exit 1")
    chk.add_argument("path")
    chk.add_argument("--model", help="GGUF base model (default: the default chat model)")
    chk.set_defaults(func=cmd_check)
    rm = s.add_parser("remove", help="take an adapter out of the library (its file stays)")
    rm.add_argument("id", help="the adapter's id or file path")
    rm.add_argument("--delete-file", action="store_true", help="also delete the adapter file")
    rm.set_defaults(func=cmd_remove)


def default_model_path() -> str:
    """The model used when none is given: the user's default, else the embedded SmolLM2."""
    from assistant.core import paths, settings
    from assistant.core.app import default_model_for

    return default_model_for(settings.load(paths.resolve().settings_file))


def _registry():
    from assistant.core import paths
    from assistant.core.adapters.registry import AdapterRegistry

    return AdapterRegistry(paths.resolve().ensure())


def cmd_list(args: argparse.Namespace) -> int:
    reg = _registry()
    model = args.model or ""
    rows = []
    for a in reg.list():
        row = dataclasses.asdict(a)
        if model:
            row["compatible"], row["reason"] = reg.compatible_with(a.id, model)
        rows.append(row)
    if args.json:
        print(json.dumps({"adapters": rows, "model": model or None}, ensure_ascii=False))
        return 0
    if not rows:
        print("No adapters yet. Add one with: hearth adapters add FILE.gguf")
        return 0
    for r in rows:
        state = "on " if r["enabled"] else "off"
        line = (f"{r['id']}  [{state} x{r['scale']:+.2f}]  {r['name']}  {r['architecture']}, rank {r['rank']}, "
                f"alpha {r['alpha']:g}, {r['n_pairs']} pairs ({', '.join(r['targets'])}), "
                f"{r['size_bytes'] / 1e6:.1f} MB  {r['path']}")
        if "compatible" in r:
            line += "  fits" if r["compatible"] else f"  does not fit: {r['reason']}"
        print(line)
    return 0


def cmd_add(args: argparse.Namespace) -> int:
    from assistant.core.engine.types import AdapterError

    try:
        a = _registry().add(args.path)
    except AdapterError as e:
        print(f"refused: {' '.join(str(e).split())}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(dataclasses.asdict(a), ensure_ascii=False))
    else:
        print(f"added {a.name} ({a.id}): {a.architecture}, rank {a.rank}, alpha {a.alpha:g}, "
              f"{a.n_pairs} pairs, {', '.join(a.targets)}")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    from assistant.core.adapters.registry import check_file

    model = args.model or default_model_path()
    if not model:
        print("refused: no model to check against; give --model PATH", file=sys.stderr)
        return 2
    ok, reason = check_file(args.path, model)
    if ok:
        print(f"compatible: {args.path} fits {model}")
        return 0
    print(f"refused: {reason}")
    return 1


def cmd_remove(args: argparse.Namespace) -> int:
    reg = _registry()
    try:
        a = reg.get(args.id)
        reg.remove(a.id, delete_file=args.delete_file)
    except KeyError as e:
        print(str(e.args[0]), file=sys.stderr)
        return 1
    print(f"removed {a.name}" + (" and deleted its file" if args.delete_file else f" (file kept: {a.path})"))
    return 0
