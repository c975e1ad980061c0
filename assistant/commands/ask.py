"""`hearth ask "question"`: one answer, streamed, or one JSON object with ``--json``.

``--general`` answers from general knowledge, not the documents (see
:meth:`assistant.core.app.Hearth.answer_anyway`): nothing is retrieved, checked or cited, and
the output says so. When an answer from documents ends in "not found", the text output says how
to ask for such an answer.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import shlex
from typing import Any

from assistant.commands import chat
from assistant.core.engine.types import Message

GENERAL_NOTE = "(from general knowledge, not your documents)"


def add_options(p: argparse.ArgumentParser) -> None:
    """The options only ``ask`` has (the shared ones are :func:`chat.add_answer_options`)."""
    p.add_argument("--general", action="store_true",
                   help="answer from general knowledge, not your documents: nothing is looked up or cited, and "
                        "the answer is marked as such (e.g. after 'not found' with --collection)")


def general_hint(question: str) -> str:
    """What the text output says after "not found": how to get an answer from general knowledge."""
    return f"to answer from general knowledge instead: hearth ask --general {shlex.quote(question)}"


def _open(args: argparse.Namespace) -> Any:
    return chat._open(args)


def cmd_ask(args: argparse.Namespace) -> int:
    """Answer one question; stream it, or print one JSON object with ``--json``."""
    general = bool(getattr(args, "general", False))
    hearth = _open(args)
    try:
        cs = chat.settings_from_args(hearth, args, greedy=True)
        if args.no_log:
            system = cs.system_prompt or hearth.settings.system_prompt
            msgs = ([Message("system", system)] if system else []) + [Message("user", args.question)]
            reply = hearth.answer(msgs, settings=cs, general=general)
        else:
            conv = hearth.new_conversation(settings=cs)
            reply = hearth.reply(conv.id, args.question, general=general)
        if general and not args.json:
            print(GENERAL_NOTE, flush=True)
        chat.stream_reply(reply, echo=not args.json)
        facts = hearth.engine_for(reply.model).facts
        if args.json:
            out = {"question": args.question, "answer": reply.text, "model": reply.model,
                   "model_name": facts.name if facts else "",
                   "stats": dataclasses.asdict(reply.stats) if reply.stats else None,
                   "conversation_id": reply.conv_id, "general_knowledge": general}
            if cs.collection:
                out["collection"] = cs.collection
                out["citations"] = reply.citations
                if not general:
                    out["support"] = reply.sentences
                    out["grounding"] = reply.support
                    if reply.raw_text != reply.text:
                        out["raw_answer"] = reply.raw_text
                    if reply.reflection is not None:
                        out["reflection"] = reply.reflection
            print(json.dumps(out, ensure_ascii=False))
        else:
            print()
            chat.print_support(reply)
            chat.print_sources(reply.citations)
            if reply.not_found:
                print(general_hint(args.question))
        return 0
    finally:
        hearth.close()
