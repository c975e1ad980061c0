"""`hearth chat` (a conversation in the terminal) and `hearth ask "question"` (one answer).

Both go through the core facade (:class:`assistant.core.app.Hearth`), exactly as the window does:
the same prompt building, retrieval, model loading and sampling. Conversations are stored by
default, so they show in the window and in `hearth conversations`; `--no-log` keeps nothing.
"""
from __future__ import annotations

import argparse
import dataclasses
import sys
import uuid
from pathlib import Path
from typing import Any

from assistant.core.conversations.settings import GROUNDING_MODES
from assistant.core.engine.types import AdapterSpec, Message
from assistant.core.errors import HearthError


def register(sub: argparse._SubParsersAction) -> None:
    for name, helptext in (("chat", "talk with the model in the terminal (Ctrl-C stops an answer, /exit quits)"),
                           ("ask", "ask one question and print the answer")):
        p = sub.add_parser(name, help=helptext)
        if name == "ask":
            p.add_argument("question", help="the question")
            p.add_argument("--json", action="store_true",
                           help="print one JSON object: answer, model, stats, citations, support (per sentence), "
                                "grounding, conversation_id")
        else:
            group = p.add_mutually_exclusive_group()
            group.add_argument("-c", "--continue", dest="resume_latest", action="store_true",
                               help="continue the most recent conversation")
            group.add_argument("--conversation", metavar="ID", help="continue this conversation (an id or a unique prefix)")
        p.add_argument("--no-log", action="store_true", help="do not store this conversation")
        add_answer_options(p)
        if name == "ask":
            from assistant.commands import ask

            ask.add_options(p)
            p.set_defaults(func=ask.cmd_ask)
        else:
            p.set_defaults(func=cmd_chat)


def add_answer_options(p: argparse.ArgumentParser) -> None:
    """The options that say how to answer (shared by ask, chat and templates run)."""
    p.add_argument("--collection", metavar="NAME",
                   help="answer from this document collection (see `hearth index`), with citations")
    p.add_argument("--model", help="GGUF model file (default: the one in Settings, else the embedded SmolLM2)")
    p.add_argument("--adapter", action="append", default=[], metavar="PATH[:SCALE]",
                   help="apply a LoRA adapter (repeatable), optionally with a scale, e.g. style.gguf:0.5")
    p.add_argument("--system", help="system prompt (default: the one in Settings)")
    p.add_argument("--template", help="prompt format: a known name (gemma, chatml, llama3...) or a Jinja file")
    p.add_argument("--temperature", type=float, help="0 = always the most likely word")
    p.add_argument("--max-tokens", type=int, help="longest answer, in tokens")
    p.add_argument("--seed", type=int, help="random seed, for repeatable answers")
    p.add_argument("--n-ctx", type=int, help="context window in tokens (default: from the model)")
    p.add_argument("--grounding", choices=GROUNDING_MODES,
                   help="with --collection: how answers are checked against the documents: balanced (default: "
                        "'not found' when nothing supports the answer), strict (only supported sentences) or off")
    p.add_argument("--reflect", action=argparse.BooleanOptionalAction, default=None,
                   help="with --collection: when a sentence has no supporting passage, answer once more from the "
                        "supporting sentences and keep the better-supported answer (default: off)")
    p.add_argument("--verify", action=argparse.BooleanOptionalAction, default=None,
                   help="with --collection: put the sentences the documents do not support word for word to the "
                        "model (yes/no) before marking them as not found (default: off)")


def parse_adapter(text: str) -> AdapterSpec:
    """``PATH`` or ``PATH:SCALE`` (a Windows drive letter is not mistaken for a scale)."""
    path, sep, scale = text.rpartition(":")
    if sep and path and not ("\\" in scale or "/" in scale):
        try:
            return AdapterSpec(path, float(scale))
        except ValueError:
            pass
    return AdapterSpec(text, 1.0)


def _template_override(name: str | None) -> str | None:
    if name and (name.endswith(".jinja") or name.endswith(".j2")):
        try:
            return Path(name).read_text(encoding="utf-8")
        except OSError as e:
            raise HearthError(f"cannot read the prompt format file {name}: {e.strerror or e}") from e
    return name


def sampling_overrides(args: argparse.Namespace, greedy: bool) -> dict[str, Any]:
    """Sampling choices from the command line; ``ask`` is greedy with a fixed seed by default (repeatable)."""
    out: dict[str, Any] = {"temperature": 0.0, "seed": 0} if greedy else {}
    for key in ("temperature", "max_tokens", "seed"):
        value = getattr(args, key, None)
        if value is not None:
            out[key] = value
    return out


def settings_from_args(hearth: Any, args: argparse.Namespace, greedy: bool, base: Any = None) -> Any:
    """A :class:`ConversationSettings` from the options (on top of ``base``, e.g. a resumed chat)."""
    from assistant.core.app import ConversationSettings, default_model_for

    cs = base or ConversationSettings(model=default_model_for(hearth.settings))
    changes: dict[str, Any] = {}
    if args.model:
        changes["model"] = args.model
    if args.system is not None:
        changes["system_prompt"] = args.system
    if args.collection:
        changes["collection"] = args.collection
    if args.adapter:
        changes["adapters"] = [dataclasses.asdict(parse_adapter(a)) for a in args.adapter]
    if args.n_ctx:
        changes["context_length"] = args.n_ctx
    if getattr(args, "grounding", None):
        changes["grounding"] = args.grounding
    if getattr(args, "reflect", None) is not None:
        changes["reflect"] = args.reflect
    if getattr(args, "verify", None) is not None:
        changes["verify"] = args.verify
    template = _template_override(args.template)
    if template:
        changes["chat_template"] = template
    sampling = sampling_overrides(args, greedy)
    if sampling:
        changes["sampling"] = {**cs.sampling, **sampling}
    return cs.changed(**changes) if changes else cs


def print_sources(citations: list[dict]) -> None:
    for c in citations:
        where = f"{c['source_path']}" + (f", page {c['page']}" if c.get("page") else "")
        note = "" if c.get("cited") else " (closest passage)"
        if c.get("injection"):
            note += " (an instruction to the assistant in it was withheld)"
        print(f"  [{c['number']}] {where}{note}")


def print_support(reply: Any) -> None:
    """After an answer from documents: the checked answer if it differs from what streamed, and a count line."""
    support = getattr(reply, "support", None)
    if not support:
        return
    reflection = getattr(reply, "reflection", None) or {}
    if reflection.get("ran"):
        print(f"re-answered from the supporting sentences; {reflection['why']}")
        if reflection["kept"] == "reflected" and reply.text == reply.raw_text:
            print(f"answer: {reply.text}")
    if reply.raw_text and reply.text != reply.raw_text:
        print(f"checked against your documents: {reply.text}")
    for s in reply.sentences:
        if s["checked"] and not s["supported"]:
            print(f"  not found in your documents: {' '.join(s['text'].split())}")
    if support.get("not_found"):
        print(f"support: the documents do not contain the answer (grounding {support['mode']})")
    else:
        print(f"support: {support['supported']} of {support['sentences']} sentences found in your documents "
              f"(grounding {support['mode']})")


def stream_reply(reply: Any, echo: bool) -> bool:
    """Print the answer as it comes; Ctrl-C stops it (the text so far is kept). True if stopped."""
    it = iter(reply)
    try:
        for chunk in it:
            if echo:
                print(chunk, end="", flush=True)
    except KeyboardInterrupt:
        reply.cancel()
        for _ in it:  # let the engine finish cleanly
            pass
        return True
    return False


def _open(args: argparse.Namespace) -> Any:
    from assistant.core.app import Hearth

    return Hearth()


def _resume(hearth: Any, args: argparse.Namespace) -> Any:
    store = hearth.store
    if args.resume_latest:
        convs = store.list(limit=1_000_000)
        if not convs:
            raise HearthError("there is no conversation to continue yet", fix="start one with `hearth chat`")
        return max(convs, key=lambda c: c.updated)  # the latest, pinned or not
    if args.conversation:
        return hearth.find_conversation(args.conversation)
    return None


def cmd_chat(args: argparse.Namespace) -> int:
    """A conversation in the terminal. Ctrl-C stops the answer; /exit (or Ctrl-D) quits."""
    from assistant.core.app import ConversationSettings

    hearth = _open(args)
    try:
        conv = None if args.no_log else _resume(hearth, args)
        if conv is not None:
            cs = settings_from_args(hearth, args, greedy=False, base=ConversationSettings.from_dict(conv.settings))
            hearth.store.update_settings(conv.id, **cs.to_dict())
        else:
            cs = settings_from_args(hearth, args, greedy=False)
        facts = hearth.ensure_model(cs.model, cs)
        print(f"Hearth - {facts.name}. Ctrl-C stops an answer; /exit quits.")
        if conv is not None:
            for m in hearth.store.thread(conv.id):
                print(f"\n{'you' if m.role == 'user' else 'hearth'}> {m.content}")
        history: list[Message] = []
        key = uuid.uuid4().hex
        while True:
            try:
                line = input("\nyou> ")
            except EOFError:
                print()
                break
            except KeyboardInterrupt:
                print("\n(type /exit to quit)")
                continue
            text = line.strip()
            if not text:
                continue
            if text in ("/exit", "/quit"):
                break
            try:
                if args.no_log:
                    system = cs.system_prompt or hearth.settings.system_prompt
                    msgs = ([Message("system", system)] if system else []) + history + [Message("user", text)]
                    reply = hearth.answer(msgs, settings=cs, conversation_key=key)
                else:
                    if conv is None:
                        conv = hearth.new_conversation(settings=cs)
                    reply = hearth.reply(conv.id, text)
                print("hearth> ", end="", flush=True)
                if stream_reply(reply, echo=True):
                    print(" [stopped]", end="")
            except HearthError as e:
                print(f"\nhearth: {e.in_words()}")
                continue
            print()
            print_support(reply)
            print_sources(reply.citations)
            if args.no_log:
                # the turn is kept exactly as sent (passages included), so the next prompt extends it
                history += [reply.messages[-1], Message("assistant", reply.text)]
        if conv is not None:
            print(f"(saved as conversation {conv.id[:8]}; `hearth chat --conversation {conv.id[:8]}` continues it)",
                  file=sys.stderr)
    finally:
        hearth.close()
    return 0
