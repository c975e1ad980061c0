"""`hearth serve`: Hearth as a local OpenAI-compatible server (see assistant/server)."""
from __future__ import annotations

import argparse
import sys

from assistant.core.errors import HearthError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("serve", help="serve an OpenAI-compatible API for other programs (loopback by default)",
                       description="Serve Hearth's models, documents and embedder over an OpenAI-compatible "
                                   "HTTP API. Clients use base URL http://HOST:PORT/v1. Listening on any "
                                   "address other than loopback needs an API key (--new-key).")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this machine only)")
    p.add_argument("--port", type=int, default=8765, help="port (default 8765; 0 = any free port)")
    p.add_argument("--new-key", action="store_true",
                   help="create a new API key, keep it in the keyring, print it once, and exit")
    p.add_argument("--require-key", action="store_true",
                   help="require the API key even on loopback (it is always required on other addresses)")
    p.add_argument("--cors", action="append", default=[], metavar="ORIGIN",
                   help="allow browser pages from this origin (repeatable); CORS is off otherwise")
    p.add_argument("--queue", type=int, default=16, help="requests that may wait for the model (more get 429)")
    p.add_argument("--wait-timeout", type=float, default=300.0,
                   help="seconds a request may wait for the model before it gets 503")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from assistant.core.app import Hearth
    from assistant.server import LocalServer, is_loopback, new_api_key, stored_api_key

    if args.new_key:
        key = new_api_key()
        print(key)
        print("This key is shown once; it is kept in your system keyring. Clients send it as "
              "`Authorization: Bearer KEY` (the openai client's api_key).", file=sys.stderr)
        return 0
    key = None
    if args.require_key or not is_loopback(args.host):
        key = stored_api_key()
        if not key:
            raise HearthError(f"serving on {args.host} needs an API key and none exists yet",
                              fix="create one with `hearth serve --new-key`")
    hearth = Hearth()
    try:
        server = LocalServer(hearth, args.host, args.port, api_key=key, cors_origins=args.cors,
                             max_queue=args.queue, wait_timeout=args.wait_timeout)
        server.run(on_listening=lambda url: print(
            f"Hearth serves an OpenAI-compatible API at {url} (Ctrl-C stops)", file=sys.stderr, flush=True))
    finally:
        hearth.close()
    return 0
