"""Prove Hearth stays offline: record (and optionally block) outgoing network use.

Used by ``hearth doctor``, by the test suite, by strict offline mode (``HEARTH_BLOCK_NETWORK=1``)
and by the engine and parser children. Loopback stays allowed when asked, for tests that start a
local server and for a server of the user's own on this machine. A download the user starts
opens the hub's hosts (and only those) for its duration with :func:`allow_hosts`.

What it sees: Python code that goes through the :mod:`socket` module: ``socket.connect``,
``connect_ex``, ``sendto``, ``create_connection`` and the name look-ups ``getaddrinfo``,
``gethostbyname`` and ``gethostbyname_ex`` (a DNS query is itself network traffic and names
the host). What it cannot see: native code in C libraries (llama.cpp, a C HTTP client, the
system resolver called from C) opens sockets without passing through Python's socket module.
"""
from __future__ import annotations

import contextlib
import ipaddress
import socket
import threading
from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator

from assistant.core.errors import HearthError

#: The hosts of the Hugging Face hub: the site and its file storage (LFS and Xet CDNs).
HUB_HOSTS = ("huggingface.co", ".huggingface.co", ".hf.co")


class NetworkBlocked(HearthError, OSError):
    """Raised when code tries to use the network while the guard blocks it."""


@dataclass
class NetLog:
    """What one guard saw: the addresses and names tried (allowed ones excluded)."""

    attempts: list[str] = field(default_factory=list)


_lock = threading.Lock()
_allowed_hosts: dict[str, int] = {}  # host pattern -> how many allow_hosts() blocks opened it
_allowed_ips: dict[str, int] = {}  # addresses those hosts resolved to while allowed


def _is_loopback_host(host: Any) -> bool:
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    if not isinstance(host, str):
        return False
    if host in ("localhost", "") or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False


def _is_loopback(address: Any) -> bool:
    if isinstance(address, (str, bytes)):  # AF_UNIX path
        return True
    host = address[0] if isinstance(address, tuple) and address else ""
    return _is_loopback_host(host)


def _host_allowed(host: Any) -> bool:
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    if not isinstance(host, str) or not host:
        return False
    host = host.lower().rstrip(".")
    with _lock:
        if host in _allowed_ips:
            return True
        for pattern in _allowed_hosts:
            if host == pattern or (pattern.startswith(".") and host.endswith(pattern)):
                return True
    return False


def _remember_ips(host: Any, ips: Iterable[str]) -> None:
    if not _host_allowed(host):
        return
    with _lock:
        if not _allowed_hosts:
            return
        for ip in ips:
            _allowed_ips[ip] = _allowed_ips.get(ip, 0) + 1


@contextlib.contextmanager
def allow_hosts(patterns: Iterable[str] = HUB_HOSTS) -> Iterator[None]:
    """Let every active guard pass connections to these hosts inside the block.

    For a download the user started: nothing else is opened, and the hosts close again when
    the block ends.

    Args:
        patterns: host names; one starting with a dot also matches every sub-domain.
    """
    pats = [p.lower().rstrip(".") for p in patterns]
    with _lock:
        for p in pats:
            _allowed_hosts[p] = _allowed_hosts.get(p, 0) + 1
    try:
        yield
    finally:
        with _lock:
            for p in pats:
                n = _allowed_hosts.get(p, 0) - 1
                if n > 0:
                    _allowed_hosts[p] = n
                else:
                    _allowed_hosts.pop(p, None)
            if not _allowed_hosts:
                _allowed_ips.clear()


@contextlib.contextmanager
def guard(block: bool = True, allow_loopback: bool = True, strict: bool = False) -> Iterator[NetLog]:
    """Record every outgoing connection attempt and name look-up inside the block; refuse them if ``block``.

    Hosts opened with :func:`allow_hosts` pass (unless ``strict``), and so does loopback when
    ``allow_loopback``.

    Args:
        block: refuse what is not allowed (else only record it).
        allow_loopback: let connections to this computer through.
        strict: ignore :func:`allow_hosts` too (a test suite that must never reach the internet,
            even when the code under test starts a download).

    Yields:
        A :class:`NetLog` whose ``attempts`` lists the addresses and names tried (allowed
        ones excluded).
    """
    log = NetLog()
    with _lock:
        orig = {
            "connect": socket.socket.connect, "connect_ex": socket.socket.connect_ex,
            "sendto": socket.socket.sendto, "create_connection": socket.create_connection,
            "getaddrinfo": socket.getaddrinfo, "gethostbyname": socket.gethostbyname,
            "gethostbyname_ex": socket.gethostbyname_ex,
        }

    def allowed(address: Any) -> bool:
        if allow_loopback and _is_loopback(address):
            return True
        host = address[0] if isinstance(address, tuple) and address else address
        return not strict and _host_allowed(host)

    def check(address: Any, what: str = "connection") -> None:
        if allowed(address):
            return
        log.attempts.append(repr(address))
        if block:
            raise NetworkBlocked(f"network access blocked (offline guarantee): {what} to {address!r}")

    def check_name(host: Any, port: Any = None) -> None:
        if host is None:  # getaddrinfo(None, port): a local (passive) address, no look-up
            return
        check((host, port), "name look-up")

    def connect(self: socket.socket, address: Any) -> Any:
        check(address)
        return orig["connect"](self, address)

    def connect_ex(self: socket.socket, address: Any) -> Any:
        check(address)
        return orig["connect_ex"](self, address)

    def sendto(self: socket.socket, data: Any, *args: Any) -> Any:
        address = args[-1] if args else None
        check(address, "datagram")
        return orig["sendto"](self, data, *args)

    def create_connection(address: Any, *a: Any, **kw: Any) -> Any:
        check(address)
        return orig["create_connection"](address, *a, **kw)

    def getaddrinfo(host: Any, port: Any = None, *a: Any, **kw: Any) -> Any:
        check_name(host, port)
        result = orig["getaddrinfo"](host, port, *a, **kw)
        _remember_ips(host, (info[4][0] for info in result))
        return result

    def gethostbyname(host: Any) -> Any:
        check_name(host)
        ip = orig["gethostbyname"](host)
        _remember_ips(host, [ip])
        return ip

    def gethostbyname_ex(host: Any) -> Any:
        check_name(host)
        result = orig["gethostbyname_ex"](host)
        _remember_ips(host, result[2])
        return result

    socket.socket.connect = connect  # type: ignore[method-assign]
    socket.socket.connect_ex = connect_ex  # type: ignore[method-assign]
    socket.socket.sendto = sendto  # type: ignore[method-assign]
    socket.create_connection = create_connection  # type: ignore[assignment]
    socket.getaddrinfo = getaddrinfo  # type: ignore[assignment]
    socket.gethostbyname = gethostbyname  # type: ignore[assignment]
    socket.gethostbyname_ex = gethostbyname_ex  # type: ignore[assignment]
    try:
        yield log
    finally:
        socket.socket.connect = orig["connect"]  # type: ignore[method-assign]
        socket.socket.connect_ex = orig["connect_ex"]  # type: ignore[method-assign]
        socket.socket.sendto = orig["sendto"]  # type: ignore[method-assign]
        socket.create_connection = orig["create_connection"]  # type: ignore[assignment]
        socket.getaddrinfo = orig["getaddrinfo"]  # type: ignore[assignment]
        socket.gethostbyname = orig["gethostbyname"]  # type: ignore[assignment]
        socket.gethostbyname_ex = orig["gethostbyname_ex"]  # type: ignore[assignment]
