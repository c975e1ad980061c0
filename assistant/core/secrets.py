"""Secrets (tokens, PDF passwords, server credentials) live in the OS keyring only.

A machine without a usable keyring backend gets :class:`NoKeyringError` with a message saying
what to do; Hearth never falls back to storing secrets in plain text.
"""
from __future__ import annotations

from assistant.core.errors import HearthError
import logging

log = logging.getLogger("assistant.secrets")

SERVICE = "hearth"


class NoKeyringError(HearthError, RuntimeError):
    """No usable keyring backend on this machine."""


def _backend():
    import keyring
    from keyring.backends import fail

    kr = keyring.get_keyring()
    if isinstance(kr, fail.Keyring) or type(kr).__name__ in {"Keyring"} and "fail" in type(kr).__module__:
        raise NoKeyringError(
            "No system keyring is available, so Hearth cannot store secrets safely. "
            "Install and unlock one (GNOME Keyring / KWallet on Linux; built in on Windows and macOS), "
            "or enter the secret each time.")
    return kr


def backend_name() -> str:
    """The keyring backend in use, or raise :class:`NoKeyringError`."""
    kr = _backend()
    return f"{type(kr).__module__}.{type(kr).__name__}"


def set_secret(name: str, value: str) -> None:
    _backend().set_password(SERVICE, name, value)


def get_secret(name: str) -> str | None:
    try:
        return _backend().get_password(SERVICE, name)
    except NoKeyringError:
        return None


def delete_secret(name: str) -> None:
    import keyring.errors

    try:
        _backend().delete_password(SERVICE, name)
    except (keyring.errors.PasswordDeleteError, NoKeyringError):
        pass
