"""The adapter library with the real LoRA fixtures and the real Gemma 3 270M header."""
from __future__ import annotations

import shutil

import pytest

from assistant.core.adapters.registry import AdapterRegistry, check_file, clamp_scale
from assistant.core.engine.types import AdapterError, AdapterSpec

VALID = ["gemma3_r4_L0-1_q-v_random.gguf", "gemma3_r4_L0-17_all_zeroB.gguf"]
# each refused fixture and the words its reason must contain (the problem, in llama.cpp's terms)
NEGATIVE = {
    "NEG_gemma3_r4_wrong_arch_llama.gguf": "arch mismatch",
    "NEG_gemma3_no_general_type.gguf": "general.type",
    "NEG_gemma3_adapter_type_cvec.gguf": "control_vector",
    "NEG_gemma3_lora_a_transposed.gguf": "incorrect shape",
    "NEG_gemma3_missing_lora_b.gguf": "missing one component",
    "NEG_gemma3_unknown_base_tensor.gguf": "does not exist in base model",
}
# what llama.cpp says of a file on its own, where that differs from its first reason with the model
ON_ITS_OWN = {"NEG_gemma3_lora_a_transposed.gguf": "lora_a tensor is not transposed"}


@pytest.fixture
def fixtures(shared_eval):
    return shared_eval / "lora" / "fixtures"


@pytest.fixture
def reg(paths):
    return AdapterRegistry(paths)


def test_add_reads_the_adapter_facts_and_persists(reg, paths, fixtures):
    a = reg.add(fixtures / "gemma3_r4_L0-1_q-v_random.gguf")
    assert (a.architecture, a.rank, a.n_pairs) == ("gemma3", 4, 4)
    assert sorted(a.targets) == ["attn_q", "attn_v"]
    assert a.size_bytes == (fixtures / "gemma3_r4_L0-1_q-v_random.gguf").stat().st_size
    b = reg.add(fixtures / "gemma3_r4_L0-17_all_zeroB.gguf")
    assert b.n_pairs == 7 * 18 and len(b.targets) == 7
    assert reg.add(fixtures / "gemma3_r4_L0-1_q-v_random.gguf").id == a.id  # same file twice: one entry
    again = AdapterRegistry(paths)
    assert [x.id for x in again.list()] == [a.id, b.id]
    assert again.get(a.id).alpha == a.alpha


def test_valid_fixtures_fit_gemma_and_not_smollm2(reg, fixtures, gemma_path, smollm2_path):
    for name in VALID:
        a = reg.add(fixtures / name)
        assert reg.compatible_with(a.id, gemma_path) == (True, "")
        ok, reason = reg.compatible_with(a.id, smollm2_path)
        assert not ok and "arch mismatch" in reason and "llama" in reason


@pytest.mark.parametrize("name", sorted(NEGATIVE))
def test_each_broken_fixture_is_refused_with_its_reason(reg, fixtures, gemma_path, name):
    ok, reason = check_file(fixtures / name, gemma_path)
    assert not ok and NEGATIVE[name] in reason and name in reason and "\n" not in reason
    try:
        a = reg.add(fixtures / name)
    except AdapterError as e:  # not even a well-formed adapter: it never enters the library
        assert ON_ITS_OWN.get(name, NEGATIVE[name]) in str(e)
        assert reg.list() == []
    else:  # well-formed, but not for this model: listed, and shown as not fitting
        ok, reason2 = reg.compatible_with(a.id, gemma_path)
        assert not ok and NEGATIVE[name] in reason2


def test_compatibility_is_cached_by_file_stamp(reg, fixtures, gemma_path, tmp_path, monkeypatch):
    import assistant.core.adapters.validation as validation

    f = tmp_path / "mine.gguf"
    shutil.copy(fixtures / "gemma3_r4_L0-1_q-v_random.gguf", f)
    a = reg.add(f)
    calls = []
    real = validation.validate_adapter
    monkeypatch.setattr(validation, "validate_adapter", lambda *x: calls.append(x) or real(*x))
    assert reg.compatible_with(a.id, gemma_path)[0]
    assert reg.compatible_with(a.id, gemma_path)[0]
    assert len(calls) == 1
    shutil.copy(fixtures / "NEG_gemma3_unknown_base_tensor.gguf", f)  # the file changed on disk
    ok, reason = reg.compatible_with(a.id, gemma_path)
    assert not ok and "does not exist in base model" in reason and len(calls) == 2


def test_enable_scale_clamp_and_specs(reg, paths, fixtures):
    a = reg.add(fixtures / VALID[0])
    b = reg.add(fixtures / VALID[1])
    assert reg.active_specs() == []
    reg.set_enabled(a.id, True)
    reg.set_scale(a.id, 5)
    reg.set_enabled(b.id, True)
    reg.set_scale(b.id, -3.5)
    assert reg.active_specs() == [AdapterSpec(a.path, 2.0), AdapterSpec(b.path, -2.0)]
    assert clamp_scale(0.25) == 0.25
    assert AdapterRegistry(paths).active_specs() == reg.active_specs()


def test_remove_keeps_the_file_unless_asked(reg, fixtures, tmp_path):
    f = tmp_path / "keep.gguf"
    shutil.copy(fixtures / VALID[0], f)
    a = reg.add(f)
    reg.remove(a.id)
    assert f.exists() and reg.list() == []
    a = reg.add(f)
    reg.remove(str(f), delete_file=True)
    assert not f.exists() and reg.list() == []


def test_missing_file_and_corrupt_list(reg, paths, tmp_path):
    with pytest.raises(AdapterError) as e:
        reg.add(tmp_path / "nope.gguf")
    assert "nope.gguf" in str(e.value)
    junk = tmp_path / "junk.gguf"
    junk.write_bytes(b"not a gguf at all")
    with pytest.raises(AdapterError) as e:
        reg.add(junk)
    assert "junk.gguf" in str(e.value)
    reg.file.parent.mkdir(parents=True, exist_ok=True)
    reg.file.write_text("{broken", encoding="utf-8")
    fresh = AdapterRegistry(paths)
    assert fresh.list() == [] and reg.file.with_suffix(".json.bad").exists()
