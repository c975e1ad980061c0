"""The embedder's one-time ONNX export and int8 quantisation, made in a child process.

Exporting imports PyTorch and transformers and traces the model; quantising fuses and rewrites the
graph. Both hold the interpreter lock for long stretches (up to 0.7 s at a time on a fresh home's first
start), so in the window's own process its GUI thread stalled, even with the work in a worker thread.
Here they run in a child Python (``python -m assistant.core.knowledge.onnx_export``) that the caller
waits for without holding the lock; the process that embeds never imports torch.

The files are written crash-safely by the child (beside their final name, renamed, the checksum file
last); the parent only checks them afterwards. A child that fails says why on its stderr (one marked
line), and the parent raises :class:`KnowledgeError` naming the model folder and that reason.

Run directly: ``python -m assistant.core.knowledge.onnx_export export MODEL_DIR FOLDER`` or
``... quantize FLOAT_FOLDER MODEL_DIR FOLDER`` (exit status 0 once the files are complete).
"""
from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

from .embedders import INT8_RECIPE, INT8_WEIGHTS, ONNX_FORMAT, _file_sha256
from .types import KnowledgeError

log = logging.getLogger("assistant.knowledge")

_ERROR_MARK = "HEARTH_EXPORT_ERROR "  # the child's last words on stderr when it fails: the reason, as JSON
_STDERR_TAIL = 600  # characters of a crashed child's stderr quoted in its error


class ExportFailed(KnowledgeError):
    """The export or the int8 model could not be made; ``reason`` is why, in words (the child's own error).

    Args:
        message: the whole sentence, naming the model folder.
        reason: why, without the sentence around it (for callers that put it in a message of their own).
    """

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


def export_here(model_dir: Path, folder: Path) -> Path:
    """Export the encoder + mean pooling + L2 normalisation of ``model_dir`` to ``folder/model.onnx``, here.

    Imports PyTorch: called in the child process (or a build script), not in the window's process.
    Offline (the weights are read from the folder) and crash-safe: the file is written beside its
    final name and renamed, and ``export.json`` (its size and SHA-256) is written last, so a torn
    or altered export is never trusted.
    """
    import warnings

    import torch
    from transformers import AutoModel

    folder.mkdir(parents=True, exist_ok=True)
    (folder / "export.json").unlink(missing_ok=True)
    encoder = AutoModel.from_pretrained(str(model_dir), attn_implementation="eager").eval()

    class Pooled(torch.nn.Module):
        def __init__(self, enc) -> None:
            super().__init__()
            self.enc = enc

        def forward(self, input_ids, attention_mask, token_type_ids):
            h = self.enc(input_ids=input_ids, attention_mask=attention_mask,
                         token_type_ids=token_type_ids).last_hidden_state
            m = attention_mask.unsqueeze(-1).to(h.dtype)
            v = (h * m).sum(1) / m.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(v, p=2.0, dim=1)

    example = torch.ones(2, 8, dtype=torch.long)
    axes = {"input_ids": {0: "batch", 1: "tokens"}, "attention_mask": {0: "batch", 1: "tokens"},
            "token_type_ids": {0: "batch", 1: "tokens"}, "embedding": {0: "batch"}}
    tmp = folder / f"model.onnx.{os.getpid()}.part"
    with warnings.catch_warnings(), torch.no_grad():
        # The TorchScript exporter warns that it is legacy and about traced Python branches; the
        # export is checked against PyTorch by the tests, so these are not the user's concern.
        warnings.simplefilter("ignore")
        torch.onnx.export(Pooled(encoder), (example, example, torch.zeros_like(example)), str(tmp),
                          input_names=["input_ids", "attention_mask", "token_type_ids"],
                          output_names=["embedding"], dynamic_axes=axes, opset_version=17, dynamo=False)
    os.replace(tmp, folder / "model.onnx")
    info = {"format": ONNX_FORMAT, "source": str(model_dir), "size": (folder / "model.onnx").stat().st_size,
            "sha256": _file_sha256(folder / "model.onnx"), "torch": torch.__version__}
    part = folder / f"export.json.{os.getpid()}.part"
    part.write_text(json.dumps(info), encoding="utf-8")
    os.replace(part, folder / "export.json")
    return folder / "model.onnx"


def quantize_here(float_folder: Path, model_dir: Path, folder: Path) -> Path:
    """Make ``folder/model.onnx`` here: the float32 export in ``float_folder`` with int8 weights.

    The graph is fused first (attention, layer norms, GELU), then its weights are quantised per output
    channel to 8 bits; activations are quantised at run time. Crash-safe as :func:`export_here`:
    written beside its final name and renamed, ``export.json`` (size, SHA-256, recipe and the float
    export it came from) written last. Needs ``onnx`` and ONNX Runtime, not PyTorch.
    """
    import logging as _logging
    import warnings

    import onnx
    import onnxruntime
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from onnxruntime.transformers.optimizer import optimize_model

    cfg = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "export.json").unlink(missing_ok=True)
    fused = folder / f"fused.onnx.{os.getpid()}.part"
    tmp = folder / f"model.onnx.{os.getpid()}.part"
    root = _logging.getLogger()
    level = root.level
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            # the quantiser advises its shape pre-processing on the root logger; it fails on this graph
            # (symbolic shapes of the pooling) and the fused graph quantises without it
            root.setLevel(max(level, _logging.ERROR))
            opt = optimize_model(str(float_folder / "model.onnx"), model_type="bert",
                                 num_heads=int(cfg["num_attention_heads"]), hidden_size=int(cfg["hidden_size"]),
                                 opt_level=1)
            opt.save_model_to_file(str(fused))
            quantize_dynamic(str(fused), str(tmp), weight_type=getattr(QuantType, INT8_WEIGHTS), per_channel=True,
                             extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT})
    finally:
        root.setLevel(level)
        fused.unlink(missing_ok=True)
    os.replace(tmp, folder / "model.onnx")
    source = json.loads((float_folder / "export.json").read_text(encoding="utf-8"))
    info = {"format": ONNX_FORMAT, "recipe": INT8_RECIPE, "source_sha256": source.get("sha256"),
            "size": (folder / "model.onnx").stat().st_size, "sha256": _file_sha256(folder / "model.onnx"),
            "onnxruntime": onnxruntime.__version__}
    part = folder / f"export.json.{os.getpid()}.part"
    part.write_text(json.dumps(info), encoding="utf-8")
    os.replace(part, folder / "export.json")
    return folder / "model.onnx"


_JOBS = {"export": export_here, "quantize": quantize_here}


def _child_command(job: str, paths: list[Path]) -> list[str]:
    """The command line of the child that does ``job`` on ``paths``."""
    return [sys.executable, "-m", __name__, job, *(str(p) for p in paths)]


def _child_env() -> dict[str, str]:
    """The child's environment: this one, offline, with this copy of Hearth first on its path."""
    root = str(Path(__file__).resolve().parents[3])  # the folder holding the ``assistant`` package
    path = os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH", "")) if p)
    return dict(os.environ, PYTHONPATH=path, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1",
                PYTHONIOENCODING="utf-8")


def _failure_reason(returncode: int, stderr: str) -> str:
    """In words, why the child failed: its own reason, the signal that stopped it, or its stderr's end."""
    from assistant.core.i18n import tr

    for line in reversed(stderr.splitlines()):
        if line.startswith(_ERROR_MARK):
            try:
                reason = str(json.loads(line[len(_ERROR_MARK):]))
            except ValueError:
                reason = line[len(_ERROR_MARK):]
            return reason if len(reason) <= _STDERR_TAIL else reason[:_STDERR_TAIL] + " …"
    if returncode < 0:
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = f"signal {-returncode}"
        if name == "SIGKILL":
            return tr("the process making it was stopped by {signal}: the computer may have run out of memory",
                      signal=name)
        return tr("the process making it was stopped by {signal}", signal=name)
    tail = stderr.strip()[-_STDERR_TAIL:]
    status = tr("the process making it ended with exit status {code}", code=returncode)
    return status + (f": {tail}" if tail else "")


def run_in_child(job: str, paths: list[Path], model_dir: Path) -> None:
    """Do ``job`` (``"export"`` or ``"quantize"``) on ``paths`` in a child Python and wait for it.

    The calling thread waits in the operating system, not holding the interpreter lock, so other
    threads (the window's) keep running. A frozen app has no Python to start with ``-m``: there the
    job runs in this process (it ships its exports and never makes them: this is a fallback only).

    Raises:
        ExportFailed: the child failed or was killed; the message names ``model_dir`` and why.
    """
    from assistant.core.i18n import tr

    if getattr(sys, "frozen", False):
        _JOBS[job](*paths)
        return
    cmd = _child_command(job, paths)
    log.debug("running %s", cmd)
    # Its output goes to a file, not a pipe: this thread then only waits for the child to end (a pipe
    # would wake it at every line the child prints).
    with tempfile.TemporaryFile() as err:
        try:
            rc = subprocess.run(cmd, env=_child_env(), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=err, check=False).returncode
        except OSError as e:
            reason = tr("the process to make it did not start ({error})", error=str(e))
            raise ExportFailed(tr("The embedding model in {folder} could not be prepared: {reason}.",
                                  folder=str(model_dir), reason=reason), reason) from e
        err.seek(0)
        stderr = err.read().decode("utf-8", errors="replace")
    if stderr.strip():
        log.debug("the %s process said: %s", job, stderr.strip()[-4000:])
    if rc != 0:
        what = tr("exported to ONNX") if job == "export" else tr("quantised to int8")
        reason = _failure_reason(rc, stderr)
        raise ExportFailed(tr("The embedding model in {folder} could not be {what}: {reason}.",
                              folder=str(model_dir), what=what, reason=reason), reason)


BACKGROUND_NICE = 5  # how far below Hearth's priority its background children run (Linux nice steps)


def lower_priority() -> None:
    """Run this process (and the threads it makes from now on) below Hearth's priority.

    For background children (the export, the window's embedder): a window waiting for them (on a
    small machine, sharing its cores) keeps its CPU time; on an idle machine this costs nothing.
    """
    if hasattr(os, "nice"):
        try:
            os.nice(BACKGROUND_NICE)
        except OSError:
            pass  # not allowed here: the child runs at the caller's priority


def main(argv: list[str] | None = None) -> int:
    """The child's entry point: ``export MODEL_DIR FOLDER`` or ``quantize FLOAT_FOLDER MODEL_DIR FOLDER``."""
    args = sys.argv[1:] if argv is None else argv
    if not args or args[0] not in _JOBS:
        print(__doc__, file=sys.stderr)
        return 2
    lower_priority()
    try:
        _JOBS[args[0]](*(Path(a) for a in args[1:]))
    except Exception as e:  # noqa: BLE001 - handed to the parent, which tells the user
        import traceback

        traceback.print_exc()
        print(_ERROR_MARK + json.dumps(f"{type(e).__name__}: {e}"), file=sys.stderr, flush=True)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
