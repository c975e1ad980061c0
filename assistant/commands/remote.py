"""`hearth remote ...`: model servers (OpenAI-compatible) a chat can use as ``remote:NAME[/MODEL]``."""
from __future__ import annotations

import argparse
import json
import sys


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("remote", help="add, list, check and remove model servers (llama.cpp, vLLM, Ollama...)",
                       description="Use a model on another machine's OpenAI-compatible server. A chat then picks "
                                   "it like a local model: --model remote:NAME or remote:NAME/MODEL_ID.")
    rsub = p.add_subparsers(dest="remote_command", metavar="ACTION", required=True)
    add = rsub.add_parser("add", help="add (or replace) a server")
    add.add_argument("name", help="your name for it (chats use remote:NAME)")
    add.add_argument("--url", required=True, help="the OpenAI base URL, e.g. http://gpu-box:8080/v1")
    add.add_argument("--model", default="", help="the model id to use when a chat names none "
                                                  "(default: the first the server lists)")
    add.add_argument("--key", action="store_true", help="the server needs an API key: ask for it and keep it "
                                                        "in the system keyring")
    add.add_argument("--yes", action="store_true", help="agree to send chats to a server off this machine "
                                                        "without asking")
    add.set_defaults(func=run_add)
    ls = rsub.add_parser("list", help="the servers added")
    ls.add_argument("--json", action="store_true", help="print one JSON object")
    ls.set_defaults(func=run_list)
    ck = rsub.add_parser("check", help="connect to a server and list its models")
    ck.add_argument("name")
    ck.set_defaults(func=run_check)
    al = rsub.add_parser("allow", help="agree to send chats to a server that is not on this machine")
    al.add_argument("name")
    al.set_defaults(func=run_allow)
    rm = rsub.add_parser("remove", help="forget a server and its key")
    rm.add_argument("name")
    rm.set_defaults(func=run_remove)


def _servers():
    from assistant.core import paths
    from assistant.core.engine.remote_servers import RemoteServers

    return RemoteServers(paths.resolve().ensure())


def _ask_consent(name: str, host: str) -> bool:
    print(f"{host} is not this computer: what you type in chats that use this server (and passages from your "
          "documents) will be sent there.", file=sys.stderr)
    if not sys.stdin.isatty():
        print(f"Not asked (no terminal): agree later with `hearth remote allow {name}`.", file=sys.stderr)
        return False
    answer = input("Send chats there? [y/N] ").strip().lower()
    return answer in ("y", "yes")


def run_add(args: argparse.Namespace) -> int:
    import getpass

    from assistant.core.engine.remote_servers import RemoteServer, check_url
    from assistant.core.errors import HearthError

    url = check_url(args.url)
    probe = RemoteServer(args.name, url)
    key = None
    if args.key:
        key = getpass.getpass(f"API key for {args.name} ({probe.host}): ").strip()
        if not key:
            raise HearthError("no key was entered; nothing was added")
    consented = probe.on_this_machine or args.yes or _ask_consent(args.name, probe.host)
    server = _servers().add(args.name, url, model=args.model, key=key, consented=consented)
    where = "on this computer" if server.on_this_machine else f"runs on {server.host}"
    print(f"Added remote:{server.name} ({where}){' with its key in the keyring' if key else ''}.")
    if not server.may_send:
        print(f"Chats will not be sent there until you agree: `hearth remote allow {server.name}`.")
    print(f"Try it: hearth remote check {server.name}")
    return 0


def run_list(args: argparse.Namespace) -> int:
    servers = _servers().list()
    if args.json:
        print(json.dumps({"servers": [
            {"name": s.name, "url": s.url, "model": s.model, "has_key": s.has_key, "host": s.host,
             "on_this_machine": s.on_this_machine, "allowed": s.may_send} for s in servers]}, indent=2))
        return 0
    if not servers:
        print("No model servers. Add one with `hearth remote add NAME --url http://HOST:PORT/v1`.")
    for s in servers:
        where = "on this computer" if s.on_this_machine else f"runs on {s.host}"
        notes = [where, "key in keyring" if s.has_key else "no key"]
        if not s.may_send:
            notes.append(f"not allowed yet: `hearth remote allow {s.name}`")
        print(f"  remote:{s.name}{'/' + s.model if s.model else ''}\n      {s.url}\n      {', '.join(notes)}")
    return 0


def run_check(args: argparse.Namespace) -> int:
    from assistant.core.engine.remote import RemoteEngine

    server = _servers().get(args.name)
    with RemoteEngine(server, server.key()) as engine:
        ids = engine.list_models()
    print(f"The server at {server.host} answers and offers {len(ids)} model(s):")
    for mid in ids:
        print(f"  remote:{server.name}/{mid}")
    return 0


def run_allow(args: argparse.Namespace) -> int:
    server = _servers().allow(args.name)
    print(f"Chats may now be sent to remote:{server.name} ({server.host}).")
    return 0


def run_remove(args: argparse.Namespace) -> int:
    _servers().remove(args.name)
    print(f"Removed remote:{args.name} and its key.")
    return 0
