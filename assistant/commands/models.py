"""`hearth models ...`: list, add, browse the catalog, download and remove models."""
from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import threading
from typing import Any, Callable


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
    se = msub.add_parser("search", help="search the Hugging Face hub for GGUF models (contacts the hub)")
    se.add_argument("query", nargs="+", help="words in the model's name, e.g. qwen 1.5b instruct")
    se.add_argument("--sort", choices=("downloads", "recent"), default="downloads")
    se.add_argument("--limit", type=int, default=20)
    se.add_argument("--json", action="store_true", help="print one JSON object")
    se.set_defaults(func=run_search)
    fi = msub.add_parser("files", help="a hub model's quantisations with size, fit and expected speed")
    fi.add_argument("repo", help="owner/model, as `hearth models search` shows it")
    fi.add_argument("--json", action="store_true", help="print one JSON object (with the chat template)")
    fi.set_defaults(func=run_files)
    get = msub.add_parser("get", help="download a file of a hub model, verified, and add it to the list")
    get.add_argument("repo", help="owner/model")
    get.add_argument("file", help="the file name, or its quantisation (e.g. Q4_K_M)")
    get.set_defaults(func=run_get)
    rm = msub.add_parser("remove", help="take a model off the list")
    rm.add_argument("path")
    rm.add_argument("--delete-file", action="store_true", help="also delete the file itself")
    rm.set_defaults(func=run_remove)


def _mb(n: int | None) -> str:
    return "?" if n is None else f"{n / 2**20:,.0f} MB"


def _progress_printer(label: str) -> Callable[[int, int | None], None]:
    """A download progress callback: one line on stderr, "LABEL: 42% (120 MB of 285 MB)", redrawn in place.

    Redrawn at each whole percent, or at each MB when the total is not known ("LABEL: 120 MB").
    """
    last: list[Any] = [None]

    def progress(done: int, total: int | None) -> None:
        step = (True, int(done * 100 / total)) if total else (False, done >> 20)
        if step != last[0]:
            last[0] = step
            shown = f"{step[1]}% ({_mb(done)} of {_mb(total)})" if total else _mb(done)
            print(f"\r  {label}: {shown}", end="", file=sys.stderr)

    return progress


def _download(label: str, fetch: Callable[[Callable[[int, int | None], None], threading.Event], Any]) -> Any:
    """Run ``fetch(progress, cancel)`` showing progress; Ctrl+C cancels it (the part is kept to resume).

    Returns:
        What ``fetch`` returned, or the exit status (130 cancelled, 1 failed) after saying why.
    """
    from assistant.core.models import download

    cancel = threading.Event()
    try:
        return fetch(_progress_printer(label), cancel)
    except KeyboardInterrupt:
        cancel.set()
        print("\nCancelled; run the same command again to resume.", file=sys.stderr)
        return 130
    except download.DownloadError as e:
        print(f"\nDownload failed: {e}", file=sys.stderr)
        return 1


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
    print(f"Downloading {entry.name} from {entry.url}", file=sys.stderr)
    res = _download(entry.filename, lambda progress, cancel: download.download_entry(entry, progress=progress,
                                                                                     cancel=cancel))
    if isinstance(res, int):
        return res
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


# -- the hub ------------------------------------------------------------------------------------------
def _hub_fit_args() -> dict:
    from assistant.core.app import Hearth

    s = Hearth().settings  # the user's context length and GPU layers, as for installed models
    return {"n_ctx": s.context_length or None, "gpu_layers": s.n_gpu_layers}


def run_search(args: argparse.Namespace) -> int:
    from assistant.core.models import hub

    query = " ".join(args.query)
    endpoint = hub.resolve_endpoint()  # the hub_endpoint setting, unless HEARTH_HUB_ENDPOINT/HF_ENDPOINT say otherwise
    found = hub.search(query, sort=args.sort, limit=args.limit, endpoint=endpoint)
    if args.json:
        print(json.dumps({"query": query, "hub": endpoint, "models": [hub.as_dict(m) for m in found]}, indent=2,
                         ensure_ascii=False))
        return 0
    if not found:
        print(f"No GGUF models found for {query!r} on {endpoint}.")
    for m in found:
        gated = "  (gated: needs a Hugging Face token)" if m.is_gated else ""
        print(f"  {m.id}{gated}\n      {m.downloads:,} downloads, {m.likes:,} likes, "
              f"licence {m.licence or 'not stated'}, updated {m.last_modified[:10] or '?'}")
    return 0


def _speed(tps: float | None) -> str:
    return "?" if tps is None else f"~{tps:g} tokens/s"


def run_files(args: argparse.Namespace) -> int:
    from assistant.core.models import hub

    rf = hub.repo_files(args.repo, **_hub_fit_args())
    if args.json:
        print(json.dumps(hub.as_dict(rf), indent=2, ensure_ascii=False))
        return 0
    m = rf.model
    print(f"{m.id}: licence {m.licence or 'not stated'}{', gated' if m.is_gated else ''}")
    if rf.header:
        h = rf.header
        tmpl = "has a chat template" if h.chat_template else "no chat template (Hearth picks one by architecture)"
        print(f"  {h.facts.architecture}, context {h.context_length:,} tokens, {tmpl}")
    elif rf.header_problem:
        print(f"  header not read: {rf.header_problem}")
    for q in rf.quantisations:
        parts = f", {len(q.files)} parts" if q.parts_expected > 1 else ""
        missing = f" [missing part {', '.join(map(str, q.missing_parts))}]" if q.missing_parts else ""
        print(f"  {q.name:<10} {_mb(q.size_bytes):>10}  {_speed(q.tokens_per_s):<18} {q.label}{parts}{missing}\n"
              f"             {q.fit.summary if q.fit else ''}")
    print(f"  (speeds measured on {hub.MEASURED_SPEED['machine']})")
    return 0


def run_get(args: argparse.Namespace) -> int:
    from assistant.core.models import hub

    model, files = hub.model_files(args.repo)
    quants = hub.group_files(files)
    if not quants:
        raise hub.HubError(f"{args.repo} has no GGUF model files, so Hearth cannot run it.")
    q = hub.find_quantisation(quants, args.file)
    print(f"Downloading {model.id}/{q.label} ({q.name}, {_mb(q.size_bytes)})", file=sys.stderr)
    path = _download(q.label, lambda progress, cancel: hub.download_quantisation(model, q, progress=progress,
                                                                                 cancel=cancel))
    if isinstance(path, int):
        return path
    how = "checked against the hub's sha256" if all(f.sha256 for f in q.files) else "size checked"
    print(f"\nInstalled {path} ({how}).\nUse it: hearth ask --model {path} QUESTION")
    return 0
