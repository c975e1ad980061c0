"""Start a real `hearth serve` process on a free loopback port (shared by the server tests)."""
from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path


def start_hearth_serve(home: Path, stdout: int = subprocess.DEVNULL) -> tuple[subprocess.Popen, str]:
    """``hearth serve --port 0`` with its own home; returns the process and the URL it printed."""
    env = {**os.environ, "HEARTH_HOME": str(home)}
    proc = subprocess.Popen([sys.executable, "-m", "assistant", "serve", "--port", "0"], env=env,
                            stderr=subprocess.PIPE, stdout=stdout, text=True)
    try:
        line = ""
        t0 = time.monotonic()
        while "http://" not in line and time.monotonic() - t0 < 60:
            line = proc.stderr.readline()
            assert line or proc.poll() is None, "hearth serve exited"
        return proc, re.search(r"(http://\S+/v1)", line).group(1)
    except BaseException:
        proc.kill()
        raise
