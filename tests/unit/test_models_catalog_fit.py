"""The shipped catalog is well-formed and honest; fit estimates say what a user needs to know."""
from __future__ import annotations

import json
import re

import pytest

from assistant.core.models.gpu import BackendInfo, GpuInfo
from assistant.core.engine.types import ModelFacts
from assistant.core.models import catalog, fit


def test_shipped_catalog_loads_with_several_sizes_and_gated_models():
    entries = catalog.load()
    assert len(entries) >= 8
    assert len({e.id for e in entries}) == len(entries)
    sizes = sorted(e.display_size_mb for e in entries)
    assert sizes[0] < 600 and sizes[-1] > 4000  # from tiny to 7B
    assert any(e.gated for e in entries) and any(not e.gated for e in entries)
    for e in entries:
        assert re.match(r"https://huggingface\.co/[^/]+/[^/]+/resolve/[^/]+/", e.url), e.url
        assert e.url.endswith("/" + e.filename) and e.filename.endswith(".gguf")
        assert e.licence and e.hardware and e.min_ram_gb > 0 and e.context >= 2048
        # a checksum is either a real 64-hex digest or absent, never a placeholder
        assert e.sha256 is None or re.fullmatch(r"[0-9a-f]{64}", e.sha256)


def test_published_checksums_are_pinned_to_the_revision_they_were_read_from():
    """A checksum read from the hub holds for one commit; a later re-upload must not break it."""
    raw = {m["id"]: m for m in json.loads((catalog.paths.resources_dir() / "catalog.json").read_text())["models"]}
    entries = catalog.load()
    verified = [e for e in entries if e.sha256]
    assert len(verified) >= 9  # all but the entries whose checksum could not be found
    for e in verified:
        assert re.search(r"/resolve/[0-9a-f]{40}/", e.url), f"{e.id}: checksum without a pinned commit"
        assert raw[e.id].get("checksum_source"), f"{e.id}: where the checksum was published is not recorded"
    assert len({e.sha256 for e in verified}) == len(verified)
    for e in entries:
        if e.size_bytes is not None:
            assert abs(e.size_bytes / 1e6 - e.approx_size_mb) < 0.05 * e.approx_size_mb


def test_find_by_id_or_name_and_unknown_names_list_choices():
    assert catalog.find("Qwen2.5 1.5B Instruct").id == "qwen2.5-1.5b-instruct-q4_k_m"
    assert catalog.find("QWEN2.5-0.5B-INSTRUCT-Q4_K_M").name == "Qwen2.5 0.5B Instruct"
    with pytest.raises(KeyError, match="choose one of: .*smollm2-360m"):
        catalog.find("gpt-5")


def test_malformed_catalog_is_named(tmp_path):
    bad = tmp_path / "catalog.json"
    bad.write_text(json.dumps({"models": [{"name": "x"}]}))
    with pytest.raises(catalog.CatalogError, match=r"catalog.json: entry 1 \(x\): 'id'"):
        catalog.load(bad)
    bad.write_text("{not json")
    with pytest.raises(catalog.CatalogError, match="cannot be read"):
        catalog.load(bad)
    m = json.loads((catalog.paths.resources_dir() / "catalog.json").read_text())["models"][0]
    bad.write_text(json.dumps({"models": [dict(m, sha256="abc")]}))
    with pytest.raises(catalog.CatalogError, match="64 hex digits"):
        catalog.load(bad)


def facts(size_mb: int, layers: int = 32) -> ModelFacts:
    return ModelFacts(path="m.gguf", name="m", architecture="llama", parameters=None, quantization="Q4_K_M",
                      context_length=8192, size_bytes=size_mb * 2**20, has_chat_template=True,
                      n_layers=layers, embedding_length=4096, n_head=32, n_head_kv=8)


CPU = BackendInfo("CPU", False, [])
CUDA_8G = BackendInfo("CUDA", True, [GpuInfo("RTX", 8192, 8000)])
CUDA_2G = BackendInfo("CUDA", True, [GpuInfo("small", 2048, 2000)])


def test_small_model_fits_on_cpu():
    est = fit.estimate(facts(400), memory_mb=(16384, 12000), backend=CPU)
    assert est.verdict == "fits" and est.gpu_layers == 0
    assert est.summary.startswith("Fits") and "CPU only" in est.summary


def test_big_model_is_too_big_for_small_machine_and_tight_when_memory_is_busy():
    too_big = fit.estimate(facts(4700), memory_mb=(4096, 3000), backend=CPU)
    assert too_big.verdict == "too big" and "Choose a smaller model" in too_big.summary
    tight = fit.estimate(facts(4700), memory_mb=(16384, 4000), backend=CPU)
    assert tight.verdict == "tight" and "Close other programs" in tight.summary


def test_gpu_takes_the_weights_off_ram():
    cpu = fit.estimate(facts(4700), memory_mb=(8192, 4000), backend=CPU)
    gpu = fit.estimate(facts(4700), memory_mb=(8192, 4000), backend=CUDA_8G)
    assert gpu.gpu_layers == -1 and "all 32 layers on the GPU" in gpu.gpu_plan
    assert gpu.ram_needed_mb < cpu.ram_needed_mb / 3 and gpu.verdict == "fits"
    part = fit.estimate(facts(4700), memory_mb=(8192, 4000), backend=CUDA_2G)
    assert 0 < part.gpu_layers < 32 and f"{part.gpu_layers} of 32 layers" in part.gpu_plan
    manual = fit.estimate(facts(4700), requested_gpu_layers=10, memory_mb=(8192, 4000), backend=CUDA_8G)
    assert manual.gpu_layers == 10 and "as set in Settings" in manual.gpu_plan


def test_catalog_entries_are_estimated_before_download():
    qwen7 = catalog.find("qwen2.5-7b-instruct-q4_k_m")
    assert fit.estimate_entry(qwen7, memory_mb=(4096, 3000), backend=CPU).verdict == "too big"
    assert fit.estimate_entry(qwen7, memory_mb=(32768, 20000), backend=CPU).verdict == "fits"
    on_gpu = fit.estimate_entry(qwen7, memory_mb=(8192, 4000), backend=CUDA_8G)
    assert on_gpu.gpu_layers == -1 and on_gpu.verdict == "fits"


def test_real_machine_estimate_for_the_embedded_model(smollm2_path):
    from assistant.core.models import gguf_info

    est = fit.estimate(gguf_info.read_model_facts(smollm2_path))
    assert est.ram_total_mb > 0 and est.ram_needed_mb > 94  # at least the weights
    assert est.verdict in ("fits", "tight", "too big") and est.summary
