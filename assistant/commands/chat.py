"""`hearth chat` (a conversation in the terminal) and `hearth ask "question"` (one answer)."""
from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import uuid
from typing import Any

from assistant.core.engine.types import AdapterSpec, LoadOptions, Message, SamplingParams

EXIT_MODEL_ERROR = 2


def register(sub: argparse._SubParsersAction) -> None:
    for name, helptext in (("chat", "talk with the model in the terminal (Ctrl-C stops an answer, /exit quits)"),
                           ("ask", "ask one question and print the answer")):
        p = sub.add_parser(name, help=helptext)
        if name == "ask":
            p.add_argument("question", help="the question")
            p.add_argument("--json", action="store_true", help="print one JSON object: answer, model, stats")
        p.add_argument("--collection", metavar="NAME",
                       help="answer from this document collection (see `hearth index`), with citations")
        p.add_argument("--model", help="GGUF model file (default: the one in Settings, else the embedded SmolLM2)")
        p.add_argument("--adapter", action="append", default=[], metavar="PATH[:SCALE]",
                       help="apply a LoRA adapter (repeatable), optionally with a scale, e.g. style.gguf:0.5")
        p.add_argument("--system", help="system prompt (default: the one in Settings)")
        p.add_argument("--template", help="chat template: a known name (gemma, chatml, llama3...) or a Jinja file")
        p.add_argument("--temperature", type=float, help="0 = always the most likely word")
        p.add_argument("--max-tokens", type=int, help="longest answer, in tokens")
        p.add_argument("--seed", type=int, help="random seed, for repeatable answers")
        p.add_argument("--n-ctx", type=int, help="context window in tokens (default: from the model)")
        p.set_defaults(func=cmd_ask if name == "ask" else cmd_chat)


def build_messages(question: str, system_prompt: str | None, history: list[Message] | None = None,
                   context_block: str | None = None) -> list[Message]:
    """The messages for one answer.

    Retrieved passages (``context_block``) go into the newest user turn, never the system
    prompt, so earlier turns keep their exact tokens and the model's cache stays warm.
    """
    msgs: list[Message] = []
    if system_prompt:
        msgs.append(Message("system", system_prompt))
    msgs.extend(history or [])
    content = question if not context_block else f"{context_block}\n\nQuestion: {question}"
    msgs.append(Message("user", content))
    return msgs


def parse_adapter(text: str) -> AdapterSpec:
    """``PATH`` or ``PATH:SCALE`` (a Windows drive letter is not mistaken for a scale)."""
    path, sep, scale = text.rpartition(":")
    if sep and path and not ("\\" in scale or "/" in scale):
        try:
            return AdapterSpec(path, float(scale))
        except ValueError:
            pass
    return AdapterSpec(text, 1.0)


def _settings() -> Any:
    from assistant.core import paths, settings

    return settings.load(paths.resolve().settings_file)


def _model_path(args: argparse.Namespace, s: Any) -> str:
    from assistant.core.app import default_model_for

    return args.model or default_model_for(s)


def _template_override(args: argparse.Namespace, s: Any) -> str | None:
    t = args.template or s.chat_template_override or None
    if t and (t.endswith(".jinja") or t.endswith(".j2")):
        from pathlib import Path

        return Path(t).read_text(encoding="utf-8")
    return t


def load_options(args: argparse.Namespace, s: Any) -> LoadOptions:
    """Load options from the settings and the command line (same mapping as the window's)."""
    from assistant.core.app import load_options_for

    return load_options_for(s, {"context_length": args.n_ctx, "chat_template": _template_override(args, s),
                                "adapters": [dataclasses.asdict(parse_adapter(a)) for a in args.adapter]})


class Retrieval:
    """The passages for a question from a collection, and the answer's citations back to them."""

    def __init__(self, collection: str | None) -> None:
        self.collection = collection
        self._kb: Any = None
        self.passages: list[Any] = []

    def context_block(self, question: str) -> str | None:
        if not self.collection:
            return None
        from assistant.core import paths
        from assistant.core.knowledge import KnowledgeBase, build_context_block

        if self._kb is None:
            self._kb = KnowledgeBase(paths.resolve().ensure())
        self.passages = self._kb.search(self.collection, question, k=4)
        return build_context_block(self.passages)

    def citations(self, answer: str) -> list[dict]:
        from assistant.core.knowledge import citations_in_answer

        cited = citations_in_answer(answer, self.passages)
        return [dict(dataclasses.asdict(c), cited=True) for c in cited] or [
            dict(dataclasses.asdict(p.citation), cited=False) for p in self.passages]

    def print_sources(self, answer: str) -> None:
        for c in self.citations(answer):
            where = f"{c['source_path']}" + (f", page {c['page']}" if c.get("page") else "")
            print(f"  [{c['number']}] {where}{'' if c['cited'] else ' (retrieved)'}")

    def close(self) -> None:
        if self._kb is not None:
            self._kb.close()


def sampling_params(args: argparse.Namespace, s: Any, greedy: bool) -> SamplingParams:
    """Sampling from the settings; ``ask`` is greedy with a fixed seed by default (repeatable)."""
    sp = SamplingParams(**dataclasses.asdict(s.sampling))
    if greedy:
        sp.temperature, sp.seed = 0.0, 0
    if args.temperature is not None:
        sp.temperature = args.temperature
    if args.max_tokens is not None:
        sp.max_tokens = args.max_tokens
    if args.seed is not None:
        sp.seed = args.seed
    return sp


def _fail(e: Exception) -> int:
    print(f"hearth: {e}", file=sys.stderr)
    return EXIT_MODEL_ERROR


def cmd_ask(args: argparse.Namespace) -> int:
    """Answer one question; stream it, or print one JSON object with ``--json``."""
    from assistant.core.engine.process import EngineProcess
    from assistant.core.engine.types import EngineError
    from assistant.core.knowledge import KnowledgeError

    s = _settings()
    model = _model_path(args, s)
    if not model:
        from assistant.core.models import embedded

        return _fail(RuntimeError(f"no model to answer with. {embedded.INSTALL_HINT}"))
    system = args.system if args.system is not None else s.system_prompt
    retrieval = Retrieval(args.collection)
    engine = EngineProcess()
    try:
        messages = build_messages(args.question, system, context_block=retrieval.context_block(args.question))
        facts = engine.load(model, load_options(args, s))
        stream = engine.chat(messages, sampling_params(args, s, greedy=True))
        try:
            for chunk in stream:
                if not args.json:
                    print(chunk, end="", flush=True)
        except KeyboardInterrupt:
            stream.cancel()
            stream.drain()
        if args.json:
            out = {"question": args.question, "answer": stream.text, "model": model, "model_name": facts.name,
                   "stats": dataclasses.asdict(stream.stats) if stream.stats else None}
            if args.collection:
                out["collection"] = args.collection
                out["citations"] = retrieval.citations(stream.text)
            print(json.dumps(out, ensure_ascii=False))
        else:
            print()
            if args.collection:
                retrieval.print_sources(stream.text)
        return 0
    except (EngineError, OSError, KnowledgeError) as e:
        return _fail(e)
    finally:
        retrieval.close()
        engine.close()


def cmd_chat(args: argparse.Namespace) -> int:
    """A conversation in the terminal. Ctrl-C stops the answer; /exit (or Ctrl-D) quits."""
    from assistant.core.engine.process import EngineProcess
    from assistant.core.engine.types import EngineCrashed, EngineError
    from assistant.core.knowledge import KnowledgeError

    s = _settings()
    model = _model_path(args, s)
    system = args.system if args.system is not None else s.system_prompt
    retrieval = Retrieval(args.collection)
    engine = EngineProcess()
    try:
        facts = engine.load(model, load_options(args, s))
    except (EngineError, OSError) as e:
        engine.close()
        return _fail(e)
    print(f"Hearth - {facts.name}. Ctrl-C stops an answer; /exit quits.")
    history: list[Message] = []
    conversation = uuid.uuid4().hex
    sampling = sampling_params(args, s, greedy=False)
    try:
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
                block = retrieval.context_block(text)
            except KnowledgeError as e:
                print(f"hearth: {e}")
                continue
            prompt = build_messages(text, system, history, context_block=block)
            stream = engine.chat(prompt, sampling, conversation_id=conversation)
            print("hearth> ", end="", flush=True)
            try:
                for chunk in stream:
                    print(chunk, end="", flush=True)
            except KeyboardInterrupt:
                stream.cancel()
                stream.drain()
                print(" [stopped]", end="")
            except EngineCrashed as e:
                print(f"\n{e}")
                continue
            print()
            if block:
                retrieval.print_sources(stream.text)
            # the turn is kept exactly as sent (passages included), so the next prompt extends it
            history += [prompt[-1], Message("assistant", stream.text)]
    except EngineError as e:
        return _fail(e)
    finally:
        retrieval.close()
        engine.close()
    return 0
