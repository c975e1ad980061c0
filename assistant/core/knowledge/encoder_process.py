"""The ONNX embedder run in a child process (the window's choice).

Importing ONNX Runtime and creating its inference session each keep the interpreter lock for
50-90 ms in a single C call (measured on 2 cores): in the window's own process that is a GUI
stall, whichever thread does it. :class:`EncoderProcess` has :class:`~.embedders.OnnxEncoder`'s
interface (``tokenize``, ``run``, ``count``, ``dimension``, ``max_seq_length``) and runs one in a
:class:`~.child_service.ChildService`. Token ids go to the child and unit vectors come back (a
batch of 128 vectors is 200 KB through a pipe).

The child runs below Hearth's own priority: with the model streaming on the other core, an embedder
child at the window's priority took the CPU from the GUI thread (bench_ui while streaming and
indexing: 25 pauses over 50 ms, the longest 623 ms). A call it dies in raises
:class:`KnowledgeError` naming the model folder; the next call starts it again. ``hearth gui``
turns it on with :func:`.embedders.run_encoders_in_child`; other faces and the tests keep the
encoder in process, where stalls do not matter.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from .child_service import ChildService
from .types import KnowledgeError


class _Encoder:
    """In the child: the encoder, with the sizes the parent needs first."""

    def __init__(self, onnx_file: str, model_dir: str) -> None:
        from .embedders import OnnxEncoder

        self.enc = OnnxEncoder(Path(onnx_file), Path(model_dir))
        self.tokenize, self.run, self.count = self.enc.tokenize, self.enc.run, self.enc.count

    def hello(self) -> tuple[int, int]:
        return int(self.enc.dimension), int(self.enc.max_seq_length)


class EncoderProcess(ChildService):
    """An :class:`~.embedders.OnnxEncoder` in a child process, called as if it were here.

    Raises:
        KnowledgeError: (making it, or any call) the model could not be loaded, or the child stopped;
            the message names the model folder and the reason.
    """

    def __init__(self, onnx_file: Path, model_dir: Path) -> None:
        super().__init__(_Encoder, (str(onnx_file), str(model_dir)), name="hearth-embedder",
                         what=f"the embedding model in {model_dir}",
                         failed=lambda text, _e: KnowledgeError(f"The embedding model in {model_dir} failed: {text}"))
        self.dimension, self.max_seq_length = self.start()

    def tokenize(self, texts: list[str]) -> list[list[int]]:
        return self.call("tokenize", texts)

    def run(self, ids: list[list[int]]) -> Any:
        return self.call("run", ids)

    def count(self, texts: list[str]) -> list[int]:
        return self.call("count", texts)
