"""`hearth templates list|show|run|history|diff|export|import`: prompt templates from the terminal."""
from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("templates", help="list, show, run, import and export prompt templates")
    s = p.add_subparsers(dest="templates_command", metavar="ACTION", required=True)
    ls = s.add_parser("list", help="all templates, built-in and your own")
    ls.add_argument("--json", action="store_true", help="print one JSON object")
    ls.set_defaults(func=cmd_list)
    show = s.add_parser("show", help="print a template as its file text")
    show.add_argument("name")
    show.add_argument("--version", type=int, help="an older version (see `history`)")
    show.set_defaults(func=cmd_show)
    run = s.add_parser("run", help="render a template and ask the default model")
    run.add_argument("name")
    run.add_argument("--var", action="append", default=[], metavar="K=V",
                     help="a variable value (repeatable); K=@FILE reads the value from a file")
    run.add_argument("--version", type=int, help="use an older version of the template")
    run.add_argument("--model", help="GGUF model (default: the default chat model)")
    run.add_argument("--max-tokens", type=int, help="cap the answer length")
    run.add_argument("--render-only", action="store_true", help="print the prompt, do not ask the model")
    run.add_argument("--json", action="store_true", help="print one JSON object (with template name and version)")
    run.add_argument("--no-log", action="store_true", help="do not store the answer as a conversation")
    run.set_defaults(func=cmd_run)
    hist = s.add_parser("history", help="saved versions of a template")
    hist.add_argument("name")
    hist.set_defaults(func=cmd_history)
    diff = s.add_parser("diff", help="what changed between two versions")
    diff.add_argument("name")
    diff.add_argument("v1", type=int)
    diff.add_argument("v2", type=int)
    diff.set_defaults(func=cmd_diff)
    exp = s.add_parser("export", help="write templates to one Markdown file (stdout without -o)")
    exp.add_argument("names", nargs="+")
    exp.add_argument("-o", "--output", help="file to write")
    exp.set_defaults(func=cmd_export)
    imp = s.add_parser("import", help="add the templates in a Markdown file")
    imp.add_argument("file")
    imp.add_argument("--overwrite", action="store_true", help="replace templates with the same name")
    imp.set_defaults(func=cmd_import)


def _library():
    from assistant.core import paths
    from assistant.core.prompts import TemplateLibrary

    return TemplateLibrary(paths.resolve().ensure())


def _fail(message: str, code: int = 1) -> int:
    print(message, file=sys.stderr)
    return code


def parse_vars(pairs: list[str]) -> dict[str, str]:
    """``["k=v", "doc=@notes.txt"]`` -> ``{"k": "v", "doc": <file text>}``."""
    out: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"--var {pair!r}: expected NAME=VALUE")
        if value.startswith("@"):
            value = Path(value[1:]).expanduser().read_text(encoding="utf-8")
        out[key.strip()] = value
    return out


def cmd_list(args: argparse.Namespace) -> int:
    lib = _library()
    items = lib.list()
    if args.json:
        print(json.dumps({"templates": [
            {"name": t.name, "description": t.description, "version": t.version, "builtin": t.builtin,
             "persona": t.persona, "variables": t.variable_names(), "defaults": t.variables}
            for t in items]}, ensure_ascii=False))
        return 0
    width = max((len(t.name) for t in items), default=10)
    for t in items:
        kind = "built-in" if t.builtin else f"v{t.version}"
        print(f"{t.name:<{width}}  {kind:<8}  {t.description}")
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    from assistant.core.prompts import TemplateError, dump

    try:
        t = _library().get(args.name, args.version)
    except TemplateError as e:
        return _fail(str(e))
    print(dump(t, include_version=True), end="")
    return 0


def cmd_history(args: argparse.Namespace) -> int:
    from assistant.core.prompts import TemplateError

    try:
        versions = _library().history(args.name)
    except TemplateError as e:
        return _fail(str(e))
    for v in versions:
        when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(v.saved_at)) if v.saved_at else "built-in"
        print(f"v{v.version}  {when}")
    return 0


def cmd_diff(args: argparse.Namespace) -> int:
    from assistant.core.prompts import TemplateError

    try:
        print(_library().diff(args.name, args.v1, args.v2), end="")
    except TemplateError as e:
        return _fail(str(e))
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from assistant.core.prompts import TemplateError

    try:
        text = _library().export(args.names)
    except TemplateError as e:
        return _fail(str(e))
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
        print(f"exported {len(args.names)} template(s) to {args.output}")
    else:
        print(text, end="")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from assistant.core.prompts import TemplateError, TemplateExists
    from assistant.core.prompts.pack import read_pack_file

    try:
        text = read_pack_file(args.file)
        names = _library().import_text(text, overwrite=args.overwrite, source=args.file)
    except TemplateExists as e:
        return _fail(f"{e}; run again with --overwrite to replace them")
    except (TemplateError, OSError, UnicodeDecodeError) as e:
        return _fail(f"{args.file}: {e}")
    print("imported: " + ", ".join(names))
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from assistant.core.prompts import TemplateError

    try:
        rendered = _library().render(args.name, parse_vars(args.var), version=args.version)
    except (TemplateError, ValueError, OSError) as e:
        return _fail(str(e))
    if args.render_only:
        if args.json:
            print(json.dumps(dataclasses.asdict(rendered), ensure_ascii=False))
        else:
            if rendered.system_prompt:
                print(f"[system]\n{rendered.system_prompt}\n")
            print(rendered.user_text)
        return 0
    return _ask(args, rendered)


def _ask(args: argparse.Namespace, rendered) -> int:
    """Send a rendered template to the model through the core facade (as the window does); stream or print JSON.

    The model loads with the user's settings (GPU layers, prompt format, state cache) like any chat;
    the answer is stored as a conversation attributed to the template unless ``--no-log``.
    """
    from assistant.core.app import ConversationSettings, Hearth, default_model_for
    from assistant.core.engine.types import Message

    hearth = Hearth()
    try:
        cs = ConversationSettings(model=args.model or default_model_for(hearth.settings),
                                  sampling=dict(rendered.sampling or {}))
        if args.max_tokens:
            cs = cs.changed(sampling={**cs.sampling, "max_tokens": args.max_tokens})
        if rendered.persona:
            system, question = rendered.system_prompt, "Hello! Who are you?"
        else:
            system, question = rendered.system_prompt or hearth.settings.system_prompt, rendered.user_text
        if args.no_log:
            msgs = ([Message("system", system)] if system else []) + [Message("user", question)]
            reply = hearth.answer(msgs, settings=cs)
        else:
            conv = hearth.new_conversation(settings=cs.changed(system_prompt=system or ""))
            hearth.apply_template(conv.id, rendered)
            reply = hearth.reply(conv.id, question)
        for chunk in reply:
            if not args.json:
                print(chunk, end="", flush=True)
        if args.json:
            print(json.dumps({"template": rendered.template_name, "template_version": rendered.template_version,
                              "model": reply.model, "system_prompt": system, "prompt": question,
                              "answer": reply.text, "conversation_id": reply.conv_id,
                              "stats": dataclasses.asdict(reply.stats) if reply.stats else None},
                             ensure_ascii=False))
        else:
            print()
    finally:
        hearth.close()
    return 0
