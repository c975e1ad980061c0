"""The one root of every error a person can see: :class:`HearthError`.

Every domain error (engine, knowledge, templates, catalog, download, keyring, network guard,
conversations, server) derives from it, so each face has a single place that turns an error
into words: the window's ``in_words``, the CLI's handler in ``cli.main`` and the server's JSON
error body. The message is written for the user; ``fix`` is an optional line saying what to do.

Exit codes of the CLI (documented in ``hearth --help``):

- 1 ``USER``: the request cannot be done as asked (a missing file, a bad name, wrong input);
- 2 ``MODEL``: the model could not be loaded or stopped while answering;
- 3 ``INTERNAL``: anything else (a bug; details are in the log).
"""
from __future__ import annotations

EXIT_OK = 0
EXIT_USER = 1
EXIT_MODEL = 2
EXIT_INTERNAL = 3


class HearthError(Exception):
    """An error whose message is meant for the user.

    Args:
        message: what went wrong, naming the file or thing and the reason.
        fix: optional: what the user can do about it.

    Attributes:
        exit_code: the CLI's exit status for this kind of error (1 = user error).
        http_status: the server's HTTP status for it (400 = the request cannot be served).
        code: a short machine-readable kind, used in the server's JSON error body.
    """

    exit_code: int = EXIT_USER
    http_status: int = 400
    code: str = "invalid_request_error"

    def __init__(self, message: str = "", *args: object, fix: str | None = None) -> None:
        super().__init__(message, *args)
        self.fix = fix

    # The formatting hook: every face reads the message through str() and ``fix``, so both come out
    # in the user's language (assistant.core.i18n; English where there is no translation).
    def __str__(self) -> str:
        from assistant.core.i18n import translate

        return translate(super().__str__())

    @property
    def fix(self) -> str | None:
        """What the user can do about it (in their language), or None."""
        from assistant.core.i18n import translate

        return translate(self._fix) if self._fix else self._fix

    @fix.setter
    def fix(self, value: str | None) -> None:
        self._fix = value

    @property
    def message(self) -> str:
        return str(self)

    def in_words(self) -> str:
        """The message, then the fix line if there is one."""
        text = str(self) or type(self).__name__
        return f"{text}\n{self.fix}" if self.fix else text


class EngineError(HearthError, RuntimeError):
    """Base class of engine errors; the message is meant for the user."""

    exit_code = EXIT_MODEL
    http_status = 503
    code = "model_error"


class ModelError(EngineError):
    """A model file cannot be used (not GGUF, truncated, unsupported...). Names the file and why."""


class NotFound(HearthError):
    """A named thing (conversation, collection, template, model) does not exist."""

    http_status = 404
    code = "not_found"


class Busy(HearthError):
    """Too much work queued right now; try again shortly."""

    http_status = 429
    code = "rate_limit_exceeded"


class Unavailable(HearthError):
    """The request waited longer than it may for the engine; nothing was answered."""

    http_status = 503
    code = "server_busy"


def in_words(e: BaseException | None) -> str:
    """A message a person can act on, for any exception (core errors speak for themselves)."""
    from assistant.core.i18n import tr

    if e is None:
        return ""
    if isinstance(e, HearthError):
        return e.in_words()
    text = str(e) or type(e).__name__
    if isinstance(e, FileNotFoundError):
        return tr("File not found: {path}", path=e.filename or text)
    if isinstance(e, PermissionError):
        return tr("Hearth may not read or write {path}. Check the file's permissions.", path=e.filename or text)
    if isinstance(e, MemoryError):
        return tr("Not enough memory. Try a smaller model or a shorter context in Settings.")
    return tr("Something went wrong: {reason}. Details are in the log.", reason=text)


def exit_code_for(e: BaseException) -> int:
    """The CLI exit status for an error (see the module docstring)."""
    if isinstance(e, HearthError):
        return e.exit_code
    if isinstance(e, (FileNotFoundError, PermissionError, IsADirectoryError, NotADirectoryError)):
        return EXIT_USER
    return EXIT_INTERNAL
