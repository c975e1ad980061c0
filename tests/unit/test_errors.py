"""One error root: every domain error is a HearthError, worded for the user, with its exit code."""
from __future__ import annotations

import argparse

import pytest

from assistant.core.errors import EXIT_INTERNAL, EXIT_MODEL, EXIT_USER, HearthError, in_words


def _domain_errors():
    from assistant.core.conversations.export import ImportProblem
    from assistant.core.conversations.store import ConversationNotFound
    from assistant.core.engine.types import AdapterError, EngineCrashed, EngineError, ModelError
    from assistant.core.knowledge.types import CollectionNotFound, EmbedderMismatch, KnowledgeError
    from assistant.core.models.catalog import CatalogError
    from assistant.core.models.download import DownloadError
    from assistant.core.netguard import NetworkBlocked
    from assistant.core.prompts.template import TemplateError, TemplateNotFound
    from assistant.core.secrets import NoKeyringError

    return [ImportProblem, ConversationNotFound, AdapterError, EngineCrashed, EngineError, ModelError,
            CollectionNotFound, EmbedderMismatch, KnowledgeError, CatalogError, DownloadError, NetworkBlocked,
            TemplateError, TemplateNotFound, NoKeyringError]


@pytest.mark.parametrize("cls", _domain_errors(), ids=lambda c: c.__name__)
def test_every_domain_error_is_a_hearth_error_in_words(cls):
    e = cls("the file notes.pdf is locked")
    assert isinstance(e, HearthError)
    assert "notes.pdf is locked" in in_words(e) and "Something went wrong" not in in_words(e)


def test_the_window_words_a_knowledge_error_as_written(qapp):
    from assistant.core.knowledge.types import KnowledgeError
    from assistant.ui.errors import in_words as ui_words

    assert ui_words(KnowledgeError("collection 'papers' is being re-indexed")) == \
        "collection 'papers' is being re-indexed"
    assert ui_words(HearthError("no model", fix="add one in Models")) == "no model\nadd one in Models"


def _run(func):
    from assistant.cli import run_command

    return run_command(argparse.Namespace(func=func, command="test"))


def test_cli_exit_codes_and_fix_line(capsys):
    from assistant.core.engine.types import ModelError

    def user_error(_):
        raise HearthError("no collection named 'x'", fix="see `hearth index`")

    def model_error(_):
        raise ModelError("notes.gguf is not a GGUF model file")

    def bug(_):
        raise ZeroDivisionError("division by zero")

    assert _run(user_error) == EXIT_USER
    err = capsys.readouterr().err
    assert "no collection named 'x'" in err and "fix: see `hearth index`" in err
    assert _run(model_error) == EXIT_MODEL
    assert _run(bug) == EXIT_INTERNAL
    err = capsys.readouterr().err
    assert "Something went wrong" in err and "Traceback" not in err


def test_help_documents_the_exit_codes(capsys):
    from assistant import cli

    with pytest.raises(SystemExit):
        cli.main(["--help"])
    out = capsys.readouterr().out
    assert "exit codes" in out and "2  the model" in out and "3  internal" in out
