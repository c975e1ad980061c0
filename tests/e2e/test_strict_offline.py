"""HEARTH_BLOCK_NETWORK=1 (the bundle's offline smoke test uses it) really blocks for the whole run."""
from __future__ import annotations

import os
import subprocess
import sys

SNIPPET = """
import socket, sys
from assistant import cli
cli.main(["--temp-home", "conversations", "list"])
try:
    socket.getaddrinfo("example.org", 80)
except OSError as e:
    print("BLOCKED", type(e).__name__)
    sys.exit(0)
print("OPEN")
"""


def test_strict_offline_mode_blocks_after_the_command_returns(tmp_path):
    env = {**os.environ, "HEARTH_BLOCK_NETWORK": "1", "HEARTH_HOME": str(tmp_path)}
    r = subprocess.run([sys.executable, "-c", SNIPPET], env=env, capture_output=True, text=True, timeout=120)
    assert "BLOCKED NetworkBlocked" in r.stdout, r.stdout + r.stderr
