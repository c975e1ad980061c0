"""`hearth models ...`: list, add, browse the catalog, download and remove models."""
from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import threading


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("models", help="list, add, download and remove GGUF models")
    msub = p.add_subparsers(dest="models_command", metavar="ACTION", required=True)
    ls = msub.add_parser("list", help="installed models with their facts and whether they fit")
    ls.add_argument("--json", action="store_true", help="print one JSON object")
    ls.set_defaults(func=run_list)
    add = msub.add_parser("add", help="add a GGUF file from disk (it stays where it is)")
    add.add_argument("path")
    add.set_defaults(func=run_add)
    cat = msub.add_parser("catalog", help="models you can download")
    cat.add_argument("--json", action="store_true", help="print one JSON object")
    cat.set_defaults(func=run_catalog)
    dl = msub.add_parser("download", help="download a catalog model (resumes an interrupted download)")
    dl.add_argument("name", help="the catalog id or name, e.g. qwen2.5-1.5b-instruct-q4_k_m")
    dl.add_argument("--yes", action="store_true",
                    help="download a model without a published checksum without asking")
    dl.set_defaults(func=run_download)
    rm = msub.add_parser("remove", help="take a model off the list")
    rm.add_argument("path")
    rm.add_argument("--delete-file", action="store_true", help="also delete the file itself")
    rm.set_defaults(func=run_remove)


def _mb(n: int | None) -> str:
    return "?" if n is None else f"{n / 2**20:,.0f} MB"


def run_list(args: argparse.Namespace) -> int:
    from assistant.core.app import Hearth

    hearth = Hearth()
    models = hearth.models.list()
    rows = []
    for m in models:
        est = hearth.model_fit(m.facts) if m.facts else None  # at the user's context length and GPU layers
        rows.append({"path": str(m.path), "source": m.source, "problem": m.problem,
                     "facts": dataclasses.asdict(m.facts) if m.facts else None,
                     "fit": dataclasses.asdict(est) if est else None})
    if args.json:
        for r in rows:
            if r["facts"]:
                r["facts"].pop("chat_template", None)  # long Jinja text; `hearth templates` shows it
        print(json.dumps({"models": rows}, indent=2, ensure_ascii=False))
        return 0
    if not models:
        print("No models installed. See `hearth models catalog`, or add one with `hearth models add FILE`.")
    for m, r in zip(models, rows):
        if m.facts is None:
            print(f"  [unusable] {m.path}\n      {m.problem}")
            continue
        f = m.facts
        print(f"  {f.name} [{m.source}]\n      {m.path}\n      {f.architecture}, {f.quantization}, "
              f"context {f.context_length}, {_mb(f.size_bytes)}\n      {r['fit']['summary']}")
    return 0


def run_add(args: argparse.Namespace) -> int:
    from assistant.core.engine.types import ModelError
    from assistant.core.models.registry import ModelRegistry

    try:
        m = ModelRegistry().add_from_disk(args.path)
    except ModelError as e:
        print(f"Not added: {e}", file=sys.stderr)
        return 1
    assert m.facts is not None
    print(f"Added {m.facts.name} ({m.facts.architecture}, {m.facts.quantization}) from {m.path}")
    return 0


def run_catalog(args: argparse.Namespace) -> int:
    from assistant.core.models import catalog, fit

    entries = catalog.load()
    if args.json:
        print(json.dumps({"models": [dict(dataclasses.asdict(e), fit=dataclasses.asdict(fit.estimate_entry(e)))
                                     for e in entries]}, indent=2, ensure_ascii=False))
        return 0
    for e in entries:
        size = e.display_size_mb
        gated = " (needs a Hugging Face token)" if e.gated else ""
        unverified = "" if e.sha256 else " [unverified: no published checksum]"
        print(f"  {e.id}{unverified}\n      {e.name}, {e.quantization}, ~{size} MB, {e.licence}{gated}\n"
              f"      {e.hardware} {fit.estimate_entry(e).summary}")
    return 0


def run_download(args: argparse.Namespace) -> int:
    from assistant.core.models import catalog, download

    try:
        entry = catalog.find(args.name)
    except KeyError as e:
        print(e.args[0], file=sys.stderr)
        return 2
    if not entry.sha256 and not args.yes and not _confirm_unverified(entry):
        return 1
    cancel = threading.Event()
    last = [-1]

    def progress(done: int, total: int | None) -> None:
        pct = int(done * 100 / total) if total else -1
        if pct != last[0]:
            last[0] = pct
            shown = f"{pct}%" if total else _mb(done)
            print(f"\r  {entry.filename}: {shown} ({_mb(done)} of {_mb(total)})", end="", file=sys.stderr)

    print(f"Downloading {entry.name} from {entry.url}", file=sys.stderr)
    try:
        res = download.download_entry(entry, progress=progress, cancel=cancel)
    except KeyboardInterrupt:
        cancel.set()
        print("\nCancelled; run the same command again to resume.", file=sys.stderr)
        return 130
    except download.DownloadError as e:
        print(f"\nDownload failed: {e}", file=sys.stderr)
        return 1
    print(f"\nInstalled {res.path}: {res.message}")
    return 0


def _confirm_unverified(entry) -> bool:  # noqa: ANN001 - a CatalogEntry
    print(f"{entry.name} has no published checksum in Hearth's catalog: Hearth cannot prove the file is "
          "the one its authors released (only its size, and the checksum the hub announces, are checked).",
          file=sys.stderr)
    if not sys.stdin or not sys.stdin.isatty():
        print("Run again with --yes to download it anyway.", file=sys.stderr)
        return False
    return input("Download it anyway? [y/N] ").strip().lower() in ("y", "yes")


def run_remove(args: argparse.Namespace) -> int:
    from assistant.core.models.registry import ModelRegistry

    try:
        ModelRegistry().remove(args.path, delete_file=args.delete_file)
    except ValueError as e:
        print(f"Not removed: {e}", file=sys.stderr)
        return 1
    print(f"Removed {args.path}" + (" and deleted the file" if args.delete_file else " (the file is left in place)"))
    return 0
