"""Shared fixtures. The whole suite runs offline: outgoing connections are refused.

Loopback stays open for tests that start a local server (mark them ``network_loopback``).
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ["ANONYMIZED_TELEMETRY"] = "False"
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
# One ONNX export of the embedder for the whole run (each test has its own Hearth home, whose cache
# would otherwise export it again); child processes inherit it.
if "HEARTH_EMBEDDER_CACHE" not in os.environ:
    import atexit
    import shutil
    import tempfile

    os.environ["HEARTH_EMBEDDER_CACHE"] = tempfile.mkdtemp(prefix="hearth-embedder-cache-")
    atexit.register(shutil.rmtree, os.environ["HEARTH_EMBEDDER_CACHE"], ignore_errors=True)

# Importing the window package first applies its guard against Qt binding defects
# (assistant/ui/qt_fixes.py) before any test creates a widget.
import assistant.ui  # noqa: E402,F401

ROOT = Path(__file__).resolve().parent.parent
SHARED_EVAL = (ROOT.parent / "shared" / "eval").resolve()


@pytest.fixture(autouse=True)
def offline():
    """Block every non-loopback connection for the duration of each test."""
    from assistant.core import netguard

    with netguard.guard(block=True, allow_loopback=True, strict=True) as log:
        yield log


@pytest.fixture(autouse=True)
def hearth_home(tmp_path, monkeypatch):
    """Every test gets its own empty Hearth home (data, config, cache, logs)."""
    home = tmp_path / "hearth-home"
    monkeypatch.setenv("HEARTH_HOME", str(home))
    return home


@pytest.fixture
def paths(hearth_home):
    from assistant.core import paths as p

    return p.resolve().ensure()


@pytest.fixture(autouse=True)
def memory_keyring():
    """A private in-memory keyring, so tests never touch (or need) the user's real one."""
    import keyring
    from keyring.backend import KeyringBackend

    class MemoryKeyring(KeyringBackend):
        priority = 1  # type: ignore[assignment]

        def __init__(self):
            super().__init__()
            self.store: dict[tuple[str, str], str] = {}

        def get_password(self, service, username):
            return self.store.get((service, username))

        def set_password(self, service, username, password):
            self.store[(service, username)] = password

        def delete_password(self, service, username):
            self.store.pop((service, username), None)

    previous = keyring.get_keyring()
    kr = MemoryKeyring()
    keyring.set_keyring(kr)
    yield kr
    keyring.set_keyring(previous)


@pytest.fixture(scope="session")
def shared_eval() -> Path:
    """``../shared/eval`` beside the project: real test material nobody here wrote."""
    if not SHARED_EVAL.is_dir():
        pytest.fail(f"test material not found at {SHARED_EVAL}: clone the project beside shared/")
    return SHARED_EVAL


@pytest.fixture(scope="session")
def smollm2_path() -> Path:
    from assistant.core.models import embedded

    p = embedded.default_chat_model()
    if p is None:
        pytest.fail("SmolLM2 model package missing: run python3 packaging/dev.py test")
    return p


@pytest.fixture(scope="session")
def gemma_path() -> Path:
    from assistant.core.models import embedded

    p = embedded.gemma_test_model()
    if p is None:
        pytest.fail("Gemma 3 270M model package missing: run python3 packaging/dev.py test")
    return p
