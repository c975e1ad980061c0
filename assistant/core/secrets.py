"""Secrets (tokens, PDF passwords, server credentials) live in the OS keyring only.

Only a keyring backend of priority 1 or more is accepted: the system keyrings (Secret Service,
KWallet, macOS Keychain, Windows Credential Locker) are. Backends that keep secrets in a plain
file or ask for a master password on stdin (``keyrings.alt``'s ``PlaintextKeyring`` and
``EncryptedKeyring``, priority below 1), keyring's ``fail`` and ``null`` backends, and a chainer
without a usable child are refused with :class:`NoKeyringError`, whose message says what to do.
Hearth never falls back to storing secrets in plain text.
"""
from __future__ import annotations

import logging
from typing import Any

from assistant.core.errors import HearthError

log = logging.getLogger("assistant.secrets")

SERVICE = "hearth"
MIN_PRIORITY = 1.0

_FIX = ("Install and unlock a system keyring (GNOME Keyring or KWallet on Linux; it is built in on "
        "Windows and macOS), then try again. Until then, enter the secret each time it is needed.")


class NoKeyringError(HearthError, RuntimeError):
    """No usable keyring backend on this machine; the message names what was found."""


def _priority(kr: Any) -> float:
    try:
        return float(kr.priority)
    except Exception:  # noqa: BLE001 - a backend that cannot say is not usable
        return -1.0


def _describe(kr: Any) -> str:
    return f"{type(kr).__module__}.{type(kr).__name__}"


def _usable(kr: Any) -> Any:
    """The backend to use for ``kr``: itself, or the best usable child of a chainer; else None."""
    from keyring.backends import chainer

    if isinstance(kr, chainer.ChainerBackend):
        children = [c for c in kr.backends if _priority(c) >= MIN_PRIORITY]
        children.sort(key=_priority, reverse=True)
        return children[0] if children else None
    return kr if _priority(kr) >= MIN_PRIORITY else None


def _backend() -> Any:
    import keyring

    kr = keyring.get_keyring()
    use = _usable(kr)
    if use is None:
        raise NoKeyringError(
            f"No system keyring is available that keeps secrets safely (found {_describe(kr)}, which "
            "would keep them in plain text, ask for them on the terminal, or not keep them at all), so "
            "Hearth cannot store secrets.", fix=_FIX)
    return use


def backend_name() -> str:
    """The keyring backend in use.

    Raises:
        NoKeyringError: no usable backend (see the module docstring).
    """
    return _describe(_backend())


def set_secret(name: str, value: str) -> None:
    """Store ``value`` under ``name`` in the system keyring.

    Raises:
        NoKeyringError: no usable backend; nothing was stored.
    """
    _backend().set_password(SERVICE, name, value)


def get_secret(name: str) -> str | None:
    """The secret stored under ``name``, or None when there is none or no usable keyring."""
    try:
        return _backend().get_password(SERVICE, name)
    except NoKeyringError:
        return None


def delete_secret(name: str) -> None:
    """Forget the secret stored under ``name`` (nothing happens if there is none)."""
    import keyring.errors

    try:
        _backend().delete_password(SERVICE, name)
    except (keyring.errors.PasswordDeleteError, NoKeyringError):
        pass
