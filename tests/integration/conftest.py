"""Fixtures shared by the integration tests."""
from __future__ import annotations

import shutil

import pytest

from assistant.core.app import Hearth


@pytest.fixture
def normans(tmp_path, shared_eval):
    """A Hearth with the SQuAD 2.0 'Normans' article indexed as the collection 'squad'."""
    docs = tmp_path / "docs"
    docs.mkdir()
    shutil.copy(shared_eval / "qa" / "squad2" / "docs" / "Normans.md", docs)
    h = Hearth()
    (rep,) = h.knowledge.index("squad", [docs])
    assert rep.status == "indexed"
    yield h
    h.close()
