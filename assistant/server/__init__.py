"""Face 3: Hearth as a local OpenAI-compatible server (see :mod:`assistant.server.app`).

:func:`check_bind` holds the rule for addresses (loopback is open; any other address needs an
API key); :class:`LocalServer` runs uvicorn on a thread, so the window can share its facade
(engine, model, knowledge base, caches) with the server, and ``hearth serve`` runs it in the
foreground.
"""
from __future__ import annotations

import ipaddress
import logging
import socket
import threading
import time
from typing import Any

from assistant.core.errors import HearthError

log = logging.getLogger("assistant.server")

API_KEY_SECRET = "server-api-key"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765


def is_loopback(host: str) -> bool:
    if host in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_bind(host: str, api_key: str | None) -> None:
    """Refuse to listen beyond this machine without an API key."""
    if not is_loopback(host) and not api_key:
        raise HearthError(f"listening on {host} would let other machines use Hearth, so it needs an API key",
                          fix="create one with `hearth serve --new-key` (kept in the keyring), then start again")


def new_api_key() -> str:
    """Create an API key, keep it in the keyring, and return it (shown to the user once)."""
    import secrets as pysecrets

    from assistant.core import secrets

    key = "hearth-" + pysecrets.token_urlsafe(32)
    secrets.set_secret(API_KEY_SECRET, key)
    return key


def stored_api_key() -> str | None:
    from assistant.core import secrets

    try:
        return secrets.get_secret(API_KEY_SECRET)
    except HearthError:
        return None


class LocalServer:
    """uvicorn serving :func:`create_app` on a background thread.

    Args:
        hearth: the core facade to serve.
        host, port: where to listen (port 0 = any free port; see :attr:`port` once started).
        api_key, cors_origins, max_queue, wait_timeout: see :func:`assistant.server.app.create_app`.
    """

    def __init__(self, hearth: Any, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, *,
                 api_key: str | None = None, cors_origins: list[str] | None = None, max_queue: int = 16,
                 wait_timeout: float = 300.0) -> None:
        check_bind(host, api_key)
        self.hearth = hearth
        self.host = host
        self.port = port
        self.api_key = api_key
        self.cors_origins = cors_origins
        self.max_queue = max_queue
        self.wait_timeout = wait_timeout
        self._server: Any = None
        self._thread: threading.Thread | None = None
        self._sock: socket.socket | None = None

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/v1"

    def _config(self) -> Any:
        import uvicorn

        from assistant.server.app import create_app

        app = create_app(self.hearth, api_key=self.api_key, cors_origins=self.cors_origins,
                         max_queue=self.max_queue, wait_timeout=self.wait_timeout)
        return uvicorn.Config(app, log_config=None, access_log=False, lifespan="off",
                              timeout_graceful_shutdown=3)

    def _bind(self) -> socket.socket:
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((self.host, self.port))
            sock.listen(2048)  # connections wait in the backlog until uvicorn accepts them
        except OSError as e:
            sock.close()
            raise HearthError(f"cannot listen on {self.host}:{self.port}: {e.strerror or e}",
                              fix="choose another port with --port") from e
        self.port = sock.getsockname()[1]
        return sock

    def run(self, on_listening: Any = None) -> None:
        """Serve in this thread until :meth:`stop` (or Ctrl-C); ``on_listening(url)`` once bound."""
        import uvicorn

        sock = self._bind()
        if on_listening is not None:
            on_listening(self.url)
        self._server = uvicorn.Server(self._config())
        self._server.run(sockets=[sock])

    def start(self) -> "LocalServer":
        """Serve on a background thread; returns once the server accepts connections."""
        import uvicorn

        self._sock = self._bind()
        self._server = uvicorn.Server(self._config())
        self._server.install_signal_handlers = lambda: None  # not the main thread
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [self._sock]},
                                        name="hearth-server", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 20
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise HearthError(f"the local server did not start on {self.host}:{self.port}")
            time.sleep(0.02)
        log.info("local server listening on %s", self.url)
        return self

    def stop(self, timeout: float = 5.0) -> None:
        """Stop accepting requests and end the thread (answers in progress are cancelled)."""
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():
                self._server.force_exit = True
                self._thread.join(2)
            self._thread = None
        if self._sock is not None:
            self._sock.close()
            self._sock = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()
