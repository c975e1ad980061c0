"""The hub's GGUF files as a user sees them: quantisation names, split parts joined, a missing part,
the speed table, picking a file by name, and a GGUF header read from the first bytes only."""
from __future__ import annotations

import pytest

from assistant.core.models import gguf_info
from assistant.core.models import fit, hub
from assistant.core.models.hub import HubFile


@pytest.mark.parametrize("name, quant", [
    ("Llama-3.2-1B-Instruct-Q4_K_M.gguf", "Q4_K_M"),
    ("qwen2.5-7b-instruct-q5_k_m-00001-of-00002.gguf", "Q5_K_M"),
    ("gemma-3-270m-it-Q8_0.gguf", "Q8_0"),
    ("Phi-3-mini-4k-instruct-IQ4_XS.gguf", "IQ4_XS"),
    ("model.IQ2_XXS.gguf", "IQ2_XXS"),
    ("SmolLM2-135M-Instruct.Q4_1.gguf", "Q4_1"),
    ("tinyllama-1.1b-chat-v1.0.f16.gguf", "F16"),
    ("Qwen3-8B-BF16.gguf", "BF16"),
    ("gemma-3-4b-it-UD-Q4_K_XL.gguf", "UD-Q4_K_XL"),
    ("Q6_K/Big-Model-00001-of-00003.gguf", "Q6_K"),
    ("Mistral-7B-v0.3.gguf", "?"),
])
def test_quantisation_is_read_from_the_file_name(name, quant):
    assert hub.quantisation_of(name) == quant


def _files(*spec):
    return [HubFile(p, size, "ab" * 32) for p, size in spec]


def test_split_parts_are_joined_into_one_entry_with_their_total_size():
    quants = hub.group_files(_files(
        ("README.md", 5_000),
        ("m-Q8_0-00002-of-00002.gguf", 3_000), ("m-Q8_0-00001-of-00002.gguf", 4_000),
        ("m-Q4_K_M.gguf", 4_500),
        ("mmproj-m-f16.gguf", 900),  # a vision projector, not a chat model
    ))
    assert [(q.name, q.label, q.size_bytes) for q in quants] == [("Q4_K_M", "m-Q4_K_M.gguf", 4_500),
                                                                  ("Q8_0", "m-Q8_0.gguf", 7_000)]
    q8 = quants[1]
    assert [f.path for f in q8.files] == ["m-Q8_0-00001-of-00002.gguf", "m-Q8_0-00002-of-00002.gguf"]
    assert q8.parts_expected == 2 and q8.missing_parts == []


def test_a_split_file_missing_a_part_says_which_and_is_not_downloaded(paths):
    quants = hub.group_files(_files(("big-Q4_K_M-00001-of-00003.gguf", 10),
                                    ("big-Q4_K_M-00003-of-00003.gguf", 10)))
    assert quants[0].missing_parts == [2]
    with pytest.raises(hub.HubError, match=r"split into 3 parts but part\(s\) 2 are missing"):
        hub.download_quantisation(hub.HubModel("o/big"), quants[0], paths=paths, endpoint="http://127.0.0.1:9")


def test_a_file_is_picked_by_name_or_by_an_unambiguous_quantisation():
    quants = hub.group_files(_files(("a-Q4_K_M.gguf", 1), ("a-Q8_0.gguf", 2), ("b-Q8_0.gguf", 2)))
    assert hub.find_quantisation(quants, "q4_k_m").label == "a-Q4_K_M.gguf"
    assert hub.find_quantisation(quants, "b-Q8_0.gguf").label == "b-Q8_0.gguf"
    with pytest.raises(hub.HubError, match="several files have"):
        hub.find_quantisation(quants, "Q8_0")
    with pytest.raises(hub.HubError, match="no file has .* choose one of: a-Q4_K_M.gguf"):
        hub.find_quantisation(quants, "Q2_K")


def test_expected_speed_falls_in_proportion_to_the_weights_and_stays_near_the_measurements():
    pts = hub.MEASURED_SPEED["points"]
    for _name, gb, tps in pts:  # the table reproduces what was measured, within a factor of 2
        assert tps / 2 <= hub.expected_tokens_per_s(int(gb * 1e9)) <= tps * 2
    one, four = hub.expected_tokens_per_s(1_000_000_000), hub.expected_tokens_per_s(4_000_000_000)
    assert four == pytest.approx(one / 4, rel=0.05) and one < pts[0][2]
    assert hub.expected_tokens_per_s(1000) == max(t for _n, _g, t in pts)  # a tiny file is not infinitely fast


def test_disk_full_is_refused_before_anything_is_fetched(paths, monkeypatch):
    import collections

    monkeypatch.setattr(hub.shutil, "disk_usage",
                        lambda _p: collections.namedtuple("U", "total used free")(10 << 30, 9 << 30, 1 << 30))
    q = hub.group_files(_files(("m-Q8_0.gguf", 2 << 30)))[0]
    with pytest.raises(hub.HubError, match=r"needs 2.0 GB but only 1.0 GB are free") as e:
        hub.download_quantisation(hub.HubModel("o/m"), q, paths=paths, endpoint="http://127.0.0.1:9")
    assert "smaller quantisation" in e.value.fix
    assert not list(paths.models.iterdir())


def test_the_header_is_read_from_the_first_bytes_and_asks_for_more_when_they_end_early(smollm2_path):
    data = smollm2_path.read_bytes()
    size = len(data)
    local = gguf_info.read_model_facts(smollm2_path)
    with pytest.raises(gguf_info.HeaderIncomplete):  # SmolLM2's header (49k-token vocabulary) is over 64 KB
        hub._parse_prefix(data[:65536], size, "o/smol.gguf")
    facts = hub._parse_prefix(data[:4 << 20], size, "o/smol.gguf")
    assert facts.chat_template == local.chat_template and facts.context_length == local.context_length
    assert (facts.n_layers, facts.n_head_kv, facts.quantization) == (local.n_layers, local.n_head_kv,
                                                                    local.quantization)
    with pytest.raises(gguf_info.ModelError, match="not a GGUF model file"):
        hub._parse_prefix(b"<html>Sign in</html>" * 100, 2000, "o/page.gguf")


def test_fit_of_a_remote_file_counts_the_kv_cache_at_the_users_context(smollm2_path):
    from assistant.core.models.gpu import BackendInfo

    facts = gguf_info.read_model_facts(smollm2_path)
    cpu = BackendInfo("CPU", gpu_offload=False)
    mem = (16_000, 8_000)
    small = fit.estimate_remote(facts.size_bytes, facts, 2048, "auto", memory_mb=mem, backend=cpu)
    big = fit.estimate_remote(facts.size_bytes, facts, 8192, "auto", memory_mb=mem, backend=cpu)
    assert big.ram_needed_mb > small.ram_needed_mb  # a longer context needs a bigger KV cache
    assert small.ram_needed_mb == fit.estimate(facts, 2048, "auto", memory_mb=mem, backend=cpu).ram_needed_mb
    huge = fit.estimate_remote(40 << 30, None, memory_mb=mem, backend=cpu)
    assert huge.verdict == fit.TOO_BIG and "Too big" in huge.summary


# -- where the hub is: the hub_endpoint setting, the environment, the network guard ---------------------
def _set_hub_endpoint(paths, url):
    from assistant.core import settings

    s = settings.load(paths.settings_file)
    s.hub_endpoint = url
    settings.save(s, paths.settings_file)


def test_the_hub_endpoint_setting_is_used_and_the_environment_wins(paths, monkeypatch):
    monkeypatch.delenv(hub.ENDPOINT_ENV, raising=False)
    monkeypatch.delenv("HF_ENDPOINT", raising=False)
    assert hub.resolve_endpoint() == "https://huggingface.co"  # the default: the official hub
    _set_hub_endpoint(paths, "https://hf-mirror.example.org/")
    assert hub.resolve_endpoint() == "https://hf-mirror.example.org"
    assert hub.file_url("o/m", "m.gguf") == "https://hf-mirror.example.org/o/m/resolve/main/m.gguf"
    monkeypatch.setenv("HF_ENDPOINT", "https://hf-proxy.example.com")
    assert hub.resolve_endpoint() == "https://hf-proxy.example.com"  # HF_ENDPOINT wins over the setting
    monkeypatch.setenv(hub.ENDPOINT_ENV, "http://127.0.0.1:9")
    assert hub.resolve_endpoint() == "http://127.0.0.1:9"
    assert hub.resolve_endpoint("https://given.example") == "https://given.example"


def test_a_bad_hub_endpoint_setting_is_refused_in_words_naming_the_settings_file(paths, monkeypatch):
    monkeypatch.delenv(hub.ENDPOINT_ENV, raising=False)
    monkeypatch.delenv("HF_ENDPOINT", raising=False)
    _set_hub_endpoint(paths, "hf-mirror.example.org")
    with pytest.raises(hub.HubError, match="is not a hub address") as e:
        hub.search("qwen")
    assert str(paths.settings_file) in str(e.value) and "hub_endpoint" in str(e.value)


def test_a_search_opens_exactly_the_configured_hubs_host_and_only_while_it_runs(paths, monkeypatch):
    from assistant.core import netguard

    monkeypatch.delenv(hub.ENDPOINT_ENV, raising=False)
    monkeypatch.delenv("HF_ENDPOINT", raising=False)
    _set_hub_endpoint(paths, "https://hf-mirror.example.org")
    seen = []

    def fake_get(url, what, token=None):
        seen.append((url.split("?")[0], [netguard._host_allowed(h) for h in
                                         ("hf-mirror.example.org", "huggingface.co", "cdn-lfs.hf.co", "example.org")]))
        return []

    monkeypatch.setattr(hub, "_get_json", fake_get)
    hub.search("qwen")
    assert seen == [("https://hf-mirror.example.org/api/models", [True, False, False, False])]
    assert not netguard._host_allowed("hf-mirror.example.org")  # closed again after the search
