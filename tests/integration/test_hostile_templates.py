"""Hostile chat templates inside a real GGUF, through the real engine process.

The SmolLM2 test model is copied with the ``gguf`` package, changing only
``tokenizer.chat_template``; the copy loads like the original, and asking it anything must come
back with a clear error within a few seconds instead of a hang or an exhausted machine.
"""
from __future__ import annotations

import time
from pathlib import Path

import pytest

from assistant.core.engine.chat_format import ChatTemplateTooCostly
from assistant.core.models.gguf_info import read_model_facts
from assistant.core.engine.process import EngineProcess
from assistant.core.engine.types import LoadOptions, Message, ModelError, SamplingParams

pytestmark = pytest.mark.slow

LOOPS_FOR_EVER = "{% for a in range(99999) %}{% for b in range(99999) %}{% endfor %}{% endfor %}"
HUGE_STRING = "{% set n = 10 ** 10 %}{{ 'x' * n }}"
# A constant: plain Jinja folds it while compiling, which llama-cpp-python does at load time
# (see chat_format.llama_cpp_template_compile_disabled: Hearth skips that compile)
HUGE_CONSTANT = "{{ 'x' * 10**10 }}"
QUESTION = [Message("system", "You are a helpful assistant."), Message("user", "What is the capital of France?")]
SHORT = SamplingParams(temperature=0.0, max_tokens=8, seed=1)


def copy_with_chat_template(src: Path, dst: Path, template: str) -> Path:
    """Copy a GGUF, replacing only its ``tokenizer.chat_template``."""
    import gguf

    reader = gguf.GGUFReader(src)
    arch = reader.fields[gguf.Keys.General.ARCHITECTURE].contents()
    writer = gguf.GGUFWriter(dst, arch=arch, endianess=reader.endianess)
    alignment = reader.fields.get(gguf.Keys.General.ALIGNMENT)
    if alignment is not None:
        writer.data_alignment = alignment.contents()
    for field in reader.fields.values():
        if field.name == gguf.Keys.General.ARCHITECTURE or field.name.startswith("GGUF."):
            continue  # written by GGUFWriter itself
        kind = field.types[0]
        sub = field.types[-1] if kind == gguf.GGUFValueType.ARRAY else None
        value = template if field.name == gguf.Keys.Tokenizer.CHAT_TEMPLATE else field.contents()
        writer.add_key_value(field.name, value, kind, sub_type=sub)
    for t in reader.tensors:
        writer.add_tensor_info(t.name, t.data.shape, t.data.dtype, t.data.nbytes, t.tensor_type)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_ti_data_to_file()
    for t in reader.tensors:
        writer.write_tensor_data(t.data, tensor_endianess=reader.endianess)
    writer.close()
    return dst


@pytest.fixture(scope="module")
def hostile_models(smollm2_path, tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile-gguf")
    return {name: copy_with_chat_template(smollm2_path, folder / f"{name}.gguf", src)
            for name, src in (("loops", LOOPS_FOR_EVER), ("huge", HUGE_STRING), ("constant", HUGE_CONSTANT))}


@pytest.fixture(scope="module")
def engine():
    e = EngineProcess()
    yield e
    e.close()


def _ask(engine: EngineProcess) -> tuple[BaseException, float]:
    start = time.monotonic()
    with pytest.raises(ModelError) as err:
        "".join(engine.chat(QUESTION, SHORT))
    return err.value, time.monotonic() - start


def test_the_copies_differ_from_the_original_only_in_the_template(smollm2_path, hostile_models):
    original = read_model_facts(str(smollm2_path))
    copy = read_model_facts(str(hostile_models["loops"]))
    assert copy.chat_template == LOOPS_FOR_EVER != original.chat_template
    same = ("architecture", "name", "parameters", "n_layers", "n_vocab", "bos_token", "eos_token")
    assert [getattr(copy, k) for k in same] == [getattr(original, k) for k in same]


def test_a_gguf_whose_template_loops_for_ever_answers_with_an_error(engine, hostile_models, smollm2_path):
    path = hostile_models["loops"]
    engine.load(str(path), LoadOptions(n_ctx=512))
    err, took = _ask(engine)
    assert took < 6.0  # the 2 s render bound, plus the trip through the worker
    assert isinstance(err, ChatTemplateTooCostly)
    assert str(path) in str(err) and "longer than 2 s" in str(err)
    assert "Settings" in err.in_words()
    # the worker is fine: the original model answers right after
    engine.load(str(smollm2_path), LoadOptions(n_ctx=512))
    assert "".join(engine.chat(QUESTION, SHORT)).strip()


def test_a_gguf_whose_template_builds_a_huge_string_answers_with_an_error(engine, hostile_models):
    path = hostile_models["huge"]
    engine.load(str(path), LoadOptions(n_ctx=512))
    err, took = _ask(engine)
    assert took < 3.0
    assert isinstance(err, ChatTemplateTooCostly) and "would produce more than" in str(err)
    assert str(path) in str(err)


def test_a_gguf_whose_template_folds_a_huge_constant_loads_and_answers_with_an_error(engine, hostile_models):
    path = hostile_models["constant"]
    start = time.monotonic()
    engine.load(str(path), LoadOptions(n_ctx=512))
    assert time.monotonic() - start < 30  # it took minutes (then the worker was killed) before
    err, took = _ask(engine)
    assert isinstance(err, ChatTemplateTooCostly) and "would produce more than" in str(err)


def test_a_looping_template_in_settings_answers_with_an_error(engine, smollm2_path):
    # The override also carries templates from imported chats.
    engine.load(str(smollm2_path), LoadOptions(n_ctx=512, chat_template=LOOPS_FOR_EVER))
    err, took = _ask(engine)
    assert took < 6.0 and isinstance(err, ChatTemplateTooCostly) and "Settings" in str(err)
