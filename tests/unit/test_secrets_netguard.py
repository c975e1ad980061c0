"""Secrets only in a real keyring; the network guard sees every way Python code reaches the network."""
from __future__ import annotations

import socket

import keyring
import pytest
from keyring.backend import KeyringBackend

from assistant.core import netguard, secrets


class _Stored(KeyringBackend):
    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service, username):
        return self.store.get((service, username))

    def set_password(self, service, username, password):
        self.store[(service, username)] = password

    def delete_password(self, service, username):
        self.store.pop((service, username), None)


class PlaintextKeyring(_Stored):
    """Like keyrings.alt's file backend: writes secrets to a plain file (priority 0.5)."""

    priority = 0.5  # type: ignore[assignment]


class EncryptedKeyring(_Stored):
    """Like keyrings.alt's encrypted file: asks for a master password on stdin (priority 0.6)."""

    priority = 0.6  # type: ignore[assignment]


def _null_keyring():
    from keyring.backends import null

    return null.Keyring()


def _fail_keyring():
    from keyring.backends import fail

    return fail.Keyring()


@pytest.mark.parametrize("make", [PlaintextKeyring, EncryptedKeyring, _null_keyring, _fail_keyring],
                         ids=["plaintext", "stdin", "null", "fail"])
def test_weak_keyring_backends_are_refused_and_nothing_is_stored(make):
    kr = make()
    keyring.set_keyring(kr)
    with pytest.raises(secrets.NoKeyringError) as e:
        secrets.set_secret("huggingface_token", "hf_secret")
    assert "No system keyring is available" in str(e.value) and type(kr).__name__ in str(e.value)
    assert e.value.fix and "GNOME Keyring" in e.value.fix
    assert secrets.get_secret("huggingface_token") is None
    assert getattr(kr, "store", {}) == {}  # the secret never reached the weak backend


def test_chainer_uses_only_its_safe_children(monkeypatch):
    from keyring.backends import chainer

    weak, good = PlaintextKeyring(), _Stored()
    monkeypatch.setattr(chainer.ChainerBackend, "backends", [weak, good])
    keyring.set_keyring(chainer.ChainerBackend())
    secrets.set_secret("huggingface_token", "hf_secret")
    assert good.store == {("hearth", "huggingface_token"): "hf_secret"} and weak.store == {}
    assert secrets.backend_name().endswith("_Stored")

    monkeypatch.setattr(chainer.ChainerBackend, "backends", [weak])
    with pytest.raises(secrets.NoKeyringError, match="ChainerBackend"):
        secrets.set_secret("huggingface_token", "hf_other")
    assert weak.store == {}


def test_a_system_keyring_keeps_the_secret(memory_keyring):
    secrets.set_secret("huggingface_token", "hf_secret")
    assert secrets.get_secret("huggingface_token") == "hf_secret"
    secrets.delete_secret("huggingface_token")
    assert secrets.get_secret("huggingface_token") is None


# -- the network guard ----------------------------------------------------------------------------
OUTSIDE = ("203.0.113.7", 443)  # TEST-NET-3: never routed


def _on(kind: int, use):
    """Run ``use`` on a fresh socket of this kind, closing it whatever happens."""
    def run():
        with socket.socket(socket.AF_INET, kind) as s:
            return use(s)
    return run


@pytest.mark.parametrize("call", [
    lambda: socket.getaddrinfo("example.com", 443),
    lambda: socket.gethostbyname("example.com"),
    lambda: socket.gethostbyname_ex("example.com"),
    lambda: socket.create_connection(OUTSIDE, timeout=1),
    _on(socket.SOCK_DGRAM, lambda s: s.sendto(b"x", OUTSIDE)),
    _on(socket.SOCK_DGRAM, lambda s: s.sendto(b"x", 0, OUTSIDE)),
    _on(socket.SOCK_STREAM, lambda s: s.connect_ex(OUTSIDE)),
    _on(socket.SOCK_STREAM, lambda s: s.connect(OUTSIDE)),
], ids=["getaddrinfo", "gethostbyname", "gethostbyname_ex", "create_connection", "sendto", "sendto-flags",
        "connect_ex", "connect"])
def test_every_python_route_to_the_network_is_blocked(call):
    with netguard.guard(block=True, allow_loopback=True) as log:
        with pytest.raises(netguard.NetworkBlocked):
            call()
    assert len(log.attempts) == 1


def test_loopback_is_allowed_when_asked_and_refused_when_not():
    with netguard.guard(block=True, allow_loopback=True) as log:
        assert socket.gethostbyname("localhost") in ("127.0.0.1", "::1")
        udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        udp.bind(("127.0.0.1", 0))
        udp.sendto(b"ping", udp.getsockname())
        assert udp.recv(10) == b"ping"
        udp.close()
    assert log.attempts == []
    with netguard.guard(block=True, allow_loopback=False):
        with pytest.raises(netguard.NetworkBlocked):
            socket.create_connection(("127.0.0.1", 9), timeout=1)


def test_allow_hosts_opens_exactly_those_hosts_and_only_inside_the_block(monkeypatch):
    """A download opens the hub: its name and the addresses it resolved to, nothing else."""
    connected: list = []

    def fake_getaddrinfo(host, port, *a, **kw):
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("198.51.100.9", port))]

    monkeypatch.setattr(socket, "getaddrinfo", fake_getaddrinfo)
    monkeypatch.setattr(socket.socket, "connect", lambda self, addr: connected.append(addr))
    with netguard.guard(block=True, allow_loopback=True) as log:
        with netguard.allow_hosts(netguard.HUB_HOSTS):
            socket.getaddrinfo("huggingface.co", 443)
            socket.getaddrinfo("cas-bridge.xethub.hf.co", 443)
            s = socket.socket()
            s.connect(("198.51.100.9", 443))  # an address the hub's name resolved to
            s.close()
            with pytest.raises(netguard.NetworkBlocked):
                socket.getaddrinfo("example.com", 443)
            with pytest.raises(netguard.NetworkBlocked):
                _on(socket.SOCK_STREAM, lambda s: s.connect(("192.0.2.1", 443)))()
            with pytest.raises(netguard.NetworkBlocked):
                socket.getaddrinfo("huggingface.co.evil.example", 443)
        with pytest.raises(netguard.NetworkBlocked):  # closed again afterwards
            socket.getaddrinfo("huggingface.co", 443)
        with pytest.raises(netguard.NetworkBlocked):
            _on(socket.SOCK_STREAM, lambda s: s.connect(("198.51.100.9", 443)))()
    assert connected == [("198.51.100.9", 443)]
    assert len(log.attempts) == 5


def test_strict_guard_ignores_allowed_hosts(monkeypatch):
    monkeypatch.setattr(socket, "getaddrinfo", lambda *a, **kw: [])
    with netguard.guard(block=True, strict=True), netguard.allow_hosts(netguard.HUB_HOSTS):
        with pytest.raises(netguard.NetworkBlocked):
            socket.getaddrinfo("huggingface.co", 443)
