"""Chat format resolution: the model's template, known formats, overrides, never a wrong one."""
from __future__ import annotations

import pytest

from assistant.core.engine import chat_format
from assistant.core.engine.types import Message, ModelError, ModelFacts


def _facts(arch="gemma3", name="Gemma 3 270m", template=None, bos="<bos>", eos="<eos>"):
    return ModelFacts(path=f"/m/{name}.gguf", name=name, architecture=arch, parameters=None,
                      quantization="Q4_K_M", context_length=8192, size_bytes=1, has_chat_template=bool(template),
                      chat_template=template, bos_token=bos, eos_token=eos)


CONV = [Message("system", "Be brief."), Message("user", "Hi"), Message("assistant", "Hello!"),
        Message("user", "Capital of France?")]


def test_gemma_without_template_gets_gemma_turns():
    t = chat_format.resolve_template(_facts())
    out = t.render(CONV)
    assert out == ("<bos><start_of_turn>user\nBe brief.\n\nHi<end_of_turn>\n<start_of_turn>model\nHello!<end_of_turn>\n"
                   "<start_of_turn>user\nCapital of France?<end_of_turn>\n<start_of_turn>model\n")
    assert "[INST]" not in out and "<<SYS>>" not in out
    assert "<end_of_turn>" in t.stop


def test_model_template_is_used(smollm2_path):
    from assistant.core.models.gguf_info import read_model_facts

    t = chat_format.resolve_template(read_model_facts(smollm2_path))
    out = t.render(CONV)
    assert t.name == "model"
    assert out.startswith("<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>")
    assert out.endswith("<|im_start|>assistant\n")


def test_unknown_model_without_template_is_refused():
    with pytest.raises(ModelError, match="Pick a chat template in Settings"):
        chat_format.resolve_template(_facts(arch="frobnicator", name="Mystery 1B"))


def test_override_by_name_and_by_jinja():
    t = chat_format.resolve_template(_facts(arch="frobnicator", name="x"), override="chatml")
    assert t.render([Message("user", "Hi")]) == "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n"
    jinja = "{% for m in messages %}[{{ m.role }}]{{ m.content }}{% endfor %}"
    custom = chat_format.resolve_template(_facts(), override=jinja)
    assert custom.render([Message("user", "Hi")]) == "[user]Hi"
    with pytest.raises(ModelError, match="neither a known name"):
        chat_format.resolve_template(_facts(), override="vicuna-ish")
    with pytest.raises(ModelError, match="syntax error"):
        chat_format.resolve_template(_facts(), override="{% for m in messages %}")


def test_known_mistral_merges_system_into_first_user():
    t = chat_format.resolve_template(_facts(arch="llama", name="Mistral 7B Instruct", bos="<s>", eos="</s>"))
    assert t.name == "mistral"
    out = t.render(CONV)
    assert out.startswith("<s>[INST] Be brief.\nHi [/INST]Hello!</s>[INST] Capital of France? [/INST]")


def test_template_that_drops_system_gets_it_merged():
    drops = "{% for m in messages %}{% if m.role != 'system' %}<{{ m.role }}>{{ m.content }}{% endif %}{% endfor %}"
    t = chat_format.ChatTemplate("custom", drops)
    assert t.render([Message("system", "S"), Message("user", "U")]) == "<user>S\nU"


def test_broken_template_is_a_model_error():
    t = chat_format.ChatTemplate("model", "{{ messages[5].content }}")
    with pytest.raises(ModelError, match="cannot format"):
        t.render([Message("user", "x")])
