"""Prove Hearth stays offline: record (and optionally block) outgoing socket connections.

Used by ``hearth doctor`` and by the test suite. Loopback stays allowed when asked, for tests
that start a local server and for a server of the user's own on this machine.
"""
from __future__ import annotations

from assistant.core.errors import HearthError
import contextlib
import ipaddress
import socket
import threading
from dataclasses import dataclass, field
from typing import Any, Iterator


class NetworkBlocked(HearthError, OSError):
    """Raised when code tries to open a connection while the guard blocks the network."""


@dataclass
class NetLog:
    attempts: list[str] = field(default_factory=list)


def _is_loopback(address: Any) -> bool:
    if isinstance(address, (str, bytes)):  # AF_UNIX path
        return True
    host = address[0] if isinstance(address, tuple) and address else ""
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


_lock = threading.Lock()


@contextlib.contextmanager
def guard(block: bool = True, allow_loopback: bool = True) -> Iterator[NetLog]:
    """Record every outgoing connection attempt inside the block; refuse them if ``block``.

    Yields:
        A :class:`NetLog` whose ``attempts`` lists the addresses tried (loopback excluded
        when it is allowed).
    """
    log = NetLog()
    with _lock:
        orig_connect = socket.socket.connect
        orig_connect_ex = socket.socket.connect_ex
        orig_create = socket.create_connection
        orig_getaddrinfo = socket.getaddrinfo

    def check(address: Any) -> None:
        if allow_loopback and _is_loopback(address):
            return
        log.attempts.append(repr(address))
        if block:
            raise NetworkBlocked(f"network access blocked (offline guarantee): {address!r}")

    def connect(self: socket.socket, address: Any) -> Any:
        check(address)
        return orig_connect(self, address)

    def connect_ex(self: socket.socket, address: Any) -> Any:
        check(address)
        return orig_connect_ex(self, address)

    def getaddrinfo(host: Any, *a: Any, **kw: Any) -> Any:
        if host is not None and not (allow_loopback and _is_loopback((host if isinstance(host, str) else host.decode(), 0))):
            check((host, a[0] if a else None))
        return orig_getaddrinfo(host, *a, **kw)

    socket.socket.connect = connect  # type: ignore[method-assign]
    socket.socket.connect_ex = connect_ex  # type: ignore[method-assign]
    socket.getaddrinfo = getaddrinfo  # type: ignore[assignment]
    try:
        yield log
    finally:
        socket.socket.connect = orig_connect  # type: ignore[method-assign]
        socket.socket.connect_ex = orig_connect_ex  # type: ignore[method-assign]
        socket.create_connection = orig_create  # type: ignore[assignment]
        socket.getaddrinfo = orig_getaddrinfo  # type: ignore[assignment]
