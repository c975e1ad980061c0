"""The model servers the user added: OpenAI-compatible servers Hearth may send chats to.

A server is a name, a base URL (``http://gpu-box:8080/v1``), an optional default model id and,
when it needs one, an API key kept in the system keyring (never in the file). The list lives in
``remote_servers.json`` under the data folder, written atomically.

A chat picks a remote model by name: ``remote:NAME`` (the server's default model, else the first
it lists) or ``remote:NAME/MODEL_ID``. Text goes to a server that is not on this machine only
after the user agreed once for that server (:class:`NeedsConsent` until then).
"""
from __future__ import annotations

import json
import os
import re
import tempfile
import threading
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from assistant.core import secrets
from assistant.core.errors import HearthError, NotFound
from assistant.core.netguard import _is_loopback_host

PREFIX = "remote:"
FILE_NAME = "remote_servers.json"
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


class NeedsConsent(HearthError):
    """A chat would send text to a server off this machine and the user has not agreed yet."""

    http_status = 403
    code = "consent_required"

    def __init__(self, server: "RemoteServer") -> None:
        super().__init__(f"remote:{server.name} runs on {server.host}, which is not this computer: your "
                         f"messages (and any passages from your documents) would be sent there. Hearth asks "
                         f"once per server before it sends anything.",
                         fix=f"agree with `hearth remote allow {server.name}` (or in the window, when asked)")
        self.server = server
        self.host = server.host


@dataclass
class RemoteServer:
    """One model server.

    Attributes:
        name: the user's name for it (``remote:NAME``).
        url: the OpenAI base URL, e.g. ``http://gpu-box:8080/v1``.
        model: the model id used when a chat names none ("" = the first one the server lists).
        has_key: an API key is kept in the keyring for it.
        consented: the user agreed to send text to it (only asked for servers off this machine).
    """

    name: str
    url: str
    model: str = ""
    has_key: bool = False
    consented: bool = False

    @property
    def host(self) -> str:
        """The host (and port, when given) the server runs on, as the user wrote it."""
        return urlsplit(self.url).netloc.rsplit("@", 1)[-1]

    @property
    def hostname(self) -> str:
        return (urlsplit(self.url).hostname or "").lower()

    @property
    def on_this_machine(self) -> bool:
        return _is_loopback_host(self.hostname)

    @property
    def may_send(self) -> bool:
        """Text may go to it: it is on this machine, or the user agreed."""
        return self.on_this_machine or self.consented

    def key(self) -> str | None:
        """The API key from the keyring (None when it needs none, or the keyring cannot be used)."""
        return secrets.get_secret(key_name(self.name)) if self.has_key else None


def key_name(server_name: str) -> str:
    """The keyring entry of a server's API key."""
    return f"remote-server:{server_name}"


def is_remote(model: Any) -> bool:
    """``model`` names a model on a server (``remote:NAME[/ID]``)."""
    return isinstance(model, str) and model.startswith(PREFIX)


def parse_model(model: str) -> tuple[str, str]:
    """``remote:NAME/MODEL_ID`` -> (NAME, MODEL_ID); the id is "" when not given (it may contain "/")."""
    if not is_remote(model):
        raise HearthError(f"{model!r} is not a remote model (those are named remote:SERVER or remote:SERVER/MODEL)")
    rest = model[len(PREFIX):]
    name, _, model_id = rest.partition("/")
    if not name:
        raise HearthError(f"{model!r} names no server", fix="use remote:SERVER or remote:SERVER/MODEL")
    return name, model_id


def check_url(url: str) -> str:
    """The base URL cleaned up (no trailing slash); a clear error for one that cannot work."""
    url = (url or "").strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise HearthError(f"{url!r} is not a server address",
                          fix="give the OpenAI base URL, e.g. http://gpu-box:8080/v1")
    if parts.username or parts.password:
        raise HearthError("the server address must not contain a user name or password",
                          fix="give the key with --key; it is kept in the keyring")
    return url


class RemoteServers:
    """The registry of model servers (a small JSON file; the keys are in the keyring).

    Args:
        paths: Hearth's resolved paths (the file lives in ``paths.data``).
    """

    def __init__(self, paths: Any) -> None:
        self.file = Path(paths.data) / FILE_NAME
        self._lock = threading.Lock()

    def _read(self) -> dict[str, RemoteServer]:
        try:
            raw = json.loads(self.file.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as e:
            raise HearthError(f"the list of model servers in {self.file} cannot be read ({e})",
                              fix="fix or delete the file, then add the servers again") from None
        known = {f.name for f in fields(RemoteServer)}
        out: dict[str, RemoteServer] = {}
        for item in raw.get("servers", []) if isinstance(raw, dict) else []:
            if isinstance(item, dict) and isinstance(item.get("name"), str) and isinstance(item.get("url"), str):
                s = RemoteServer(**{k: v for k, v in item.items() if k in known})
                out[s.name] = s
        return out

    def _write(self, servers: dict[str, RemoteServer]) -> None:
        self.file.parent.mkdir(parents=True, exist_ok=True)
        body = json.dumps({"version": 1, "servers": [asdict(s) for s in servers.values()]}, indent=2)
        fd, tmp = tempfile.mkstemp(prefix=".remote_servers.", dir=self.file.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(body)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self.file)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def list(self) -> list[RemoteServer]:
        return sorted(self._read().values(), key=lambda s: s.name.lower())

    def get(self, name: str) -> RemoteServer:
        """The server called ``name``.

        Raises:
            NotFound: there is none.
        """
        server = self._read().get(name)
        if server is None:
            raise NotFound(f"there is no model server called {name!r}",
                           fix="see `hearth remote list`; add one with `hearth remote add NAME --url URL`")
        return server

    def add(self, name: str, url: str, *, model: str = "", key: str | None = None,
            consented: bool = False) -> RemoteServer:
        """Add (or replace) a server; ``key`` goes to the keyring, None = it needs no key.

        Raises:
            HearthError: a bad name or URL.
            NoKeyringError: a key was given and there is no usable keyring (nothing is added).
        """
        if not _NAME_RE.match(name or ""):
            raise HearthError(f"{name!r} cannot name a server",
                              fix="use letters, digits, '.', '_' or '-' (up to 64), starting with a letter or digit")
        server = RemoteServer(name=name, url=check_url(url), model=(model or "").strip(), has_key=bool(key),
                              consented=consented)
        if key:
            secrets.set_secret(key_name(name), key)
        else:
            secrets.delete_secret(key_name(name))
        with self._lock:
            servers = self._read()
            servers[name] = server
            self._write(servers)
        return server

    def allow(self, name: str) -> RemoteServer:
        """Record that the user agreed to send text to this server."""
        with self._lock:
            servers = self._read()
            if name not in servers:
                self.get(name)  # raises NotFound in words
            servers[name].consented = True
            self._write(servers)
            return servers[name]

    def remove(self, name: str) -> None:
        """Forget a server and its key.

        Raises:
            NotFound: there is none.
        """
        with self._lock:
            servers = self._read()
            if name not in servers:
                self.get(name)
            del servers[name]
            self._write(servers)
        secrets.delete_secret(key_name(name))


def describe(model: str, paths: Any = None) -> str:
    """How a face shows a model name: ``ID (runs on HOST)`` for a remote one, else the name itself."""
    if not is_remote(model):
        return model
    name, model_id = parse_model(model)
    host = "?"
    if paths is not None:
        try:
            server = RemoteServers(paths).get(name)
            host = server.host
            model_id = model_id or server.model
        except HearthError:
            pass
    return f"{model_id or name} (runs on {host})"
