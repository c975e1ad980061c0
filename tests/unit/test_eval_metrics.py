"""Answer metrics against the official SQuAD v2 and CMRC 2018 scripts' results, worked by hand;
abstention recognition on real phrasings; configuration parsing; the paired bootstrap."""
from __future__ import annotations

import pytest

from assistant.core.errors import HearthError
from assistant.core.evals.qa_config import parse_config
from assistant.core.evals.qa_metrics import (bootstrap_ci, cmrc_exact, cmrc_f1, cmrc_segments, contains_answer,
                                             exact_f1, is_abstention, squad_exact, squad_f1, squad_normalize)


# -- SQuAD v2 (evaluate-v2.0.py) ---------------------------------------------------------------
def test_squad_normalisation_drops_case_punctuation_and_articles():
    assert squad_normalize("The Normans, in the 10th century!") == "normans in 10th century"
    assert squad_normalize("An apple a day") == "apple day"
    assert squad_normalize("theatre") == "theatre"  # only whole-word articles


def test_squad_exact_and_f1_match_the_official_script():
    assert squad_exact("the France", "France.") == 1
    assert squad_exact("France", "in France") == 0
    # gold [10th, and, 11th, centuries], prediction [in, 10th, and, 11th, centuries]: P 4/5, R 1
    assert squad_f1("10th and 11th centuries", "in the 10th and 11th centuries") == pytest.approx(8 / 9)
    # repeated tokens count by multiplicity: common {cat: 1, dog: 1}, P = R = 2/3
    assert squad_f1("cat cat dog", "cat dog dog") == pytest.approx(2 / 3)
    assert squad_f1("France", "Denmark") == 0.0
    assert squad_f1("", "") == 1.0 and squad_f1("", "x") == 0.0


def test_best_over_references_and_citation_markers_removed():
    # "France" vs "in France": P 1/2, R 1 -> 2/3; "Normandy France": P 1/2, R 1/2 -> 1/2
    assert exact_f1(["France", "Normandy France"], "in France") == (0.0, pytest.approx(2 / 3))
    assert exact_f1(["France"], "France [1].") == (1.0, 1.0)
    assert exact_f1(["France"], "France [1, 2]") == (1.0, 1.0)


def test_unanswerable_items_score_like_squad_v2s_empty_prediction():
    assert exact_f1([], "I could not find that in the documents.", abstained=True) == (1.0, 1.0)
    assert exact_f1([], "The Normans came in 1066.", abstained=False) == (0.0, 0.0)
    assert exact_f1(["a", "the"], "anything", abstained=True) == (1.0, 1.0)  # references normalise to empty


# -- CMRC 2018 (cmrc2018_evaluate.py) ----------------------------------------------------------
def test_cmrc_mixed_segmentation():
    assert cmrc_segments("iPhone 7发布了") == ["iphone", "7", "发", "布", "了"]
    assert cmrc_segments("《踢爆》，好", rm_punc=True) == ["踢", "爆", "好"]


def test_cmrc_exact_and_f1_match_the_official_script():
    assert cmrc_exact("《踢爆》", "踢爆") == 1
    assert cmrc_exact("踢爆", "踢爆了") == 0
    # segments [4, 分, 钟] vs [4, 分, 钟, 内]: longest common substring 3, P 3/4, R 1 -> 6/7
    assert cmrc_f1("4分钟", "4分钟内") == pytest.approx(6 / 7)
    # CMRC counts the longest common *substring*, not a bag of characters: 1 of 2 in order
    assert cmrc_f1("踢爆", "爆踢") == pytest.approx(0.5)
    assert cmrc_f1("踢爆", "游戏") == 0.0
    assert exact_f1(["4分钟", "四分钟"], "4分钟。", "zh") == (1.0, 1.0)


def test_contains_answer_after_normalisation():
    assert contains_answer("They settled in the 10th and 11th centuries.", ["10th and 11th centuries"])
    assert not contains_answer("In the 110th year", ["10th"])  # whole tokens, not characters
    assert contains_answer("生命数耗完即算为《踢爆》。", ["踢爆"], "zh")
    assert not contains_answer("生命数耗完", ["踢爆"], "zh")


# -- abstention --------------------------------------------------------------------------------
@pytest.mark.parametrize("text", [
    "I could not find that in the documents.",
    "I couldn't find any information about this in the provided passages.",
    "The passages do not mention when the treaty was signed.",
    "The provided documents don't say who won.",
    "This is not mentioned in the provided text.",
    "None of the indexed documents contain anything relevant to this question.",
    "There is no information about the Norman conquest of Wales in the passages.",
    "The documents do not say.",
    "I don't know.",
    "Sorry, I cannot determine that from the context.",
    "",
])
def test_english_abstentions_are_recognised(text):
    assert is_abstention(text, "en")


@pytest.mark.parametrize("text", [
    "文档中没有提到这个问题的答案。",
    "无法从文档中找到相关信息。",
    "抱歉，提供的段落里没有相关信息。",
    "文章并未提及他的出生年份。",
    "我不知道。",
    "The passages do not mention it.",  # a Chinese question answered in English
])
def test_chinese_abstentions_are_recognised(text):
    assert is_abstention(text, "zh")


@pytest.mark.parametrize("text,lang", [
    ("The Normans were in Normandy in the 10th and 11th centuries [1].", "en"),
    ("France.", "en"),
    ("The oil crisis began in October 1973 when OAPEC proclaimed an embargo.", "en"),
    ("It doesn't contain sugar, according to the recipe [2].", "en"),
    ("生命数耗完即算为踢爆。", "zh"),
    ("玩家以水枪、小枪、锤子或是水炸弹泡封敌人。", "zh"),
])
def test_real_answers_are_not_abstentions(text, lang):
    assert not is_abstention(text, lang)


# -- configurations ----------------------------------------------------------------------------
def test_configuration_pairs_parse(tmp_path):
    lora = tmp_path / "style.gguf"
    lora.write_bytes(b"GGUF")
    cfg = parse_config(["model=smollm2", "docs=off", "k=3", "retrieval=bm25", "template=answer-from-documents@2",
                        "system=Be brief.", f"adapter={lora}:0.5", f"adapter={lora}", "temperature=0",
                        "max_tokens=48"], "b")
    assert (cfg.label, cfg.model, cfg.docs, cfg.k, cfg.retrieval) == ("b", "smollm2", False, 3, "bm25")
    assert (cfg.template, cfg.template_version, cfg.system) == ("answer-from-documents", 2, "Be brief.")
    assert cfg.adapters == [{"path": str(lora.resolve()), "scale": 0.5}, {"path": str(lora.resolve()), "scale": 1.0}]
    assert cfg.sampling == {"temperature": 0.0, "max_tokens": 48}
    assert parse_config([]).docs is True


@pytest.mark.parametrize("pair,words", [
    ("colour=blue", "unknown key 'colour'"),
    ("docs", "expected KEY=VALUE"),
    ("docs=maybe", "docs is on or off"),
    ("k=zero", "'zero' is not an integer"),
    ("k=0", "out of range"),
    ("retrieval=magic", "retrieval is one of hybrid, dense, bm25"),
    ("adapter=/no/such/file.gguf:0.5", "does not exist"),
    ("template=@3", "template needs a name"),
])
def test_bad_configuration_pairs_are_clear_errors(pair, words):
    with pytest.raises(HearthError) as e:
        parse_config([pair], "a")
    assert words in str(e.value) and "configuration A" in str(e.value)


# -- paired bootstrap --------------------------------------------------------------------------
def test_bootstrap_interval_is_deterministic_and_brackets_the_mean():
    diffs = [0.5, -0.1, 0.3, 0.0, 0.2, 0.4, -0.2, 0.1, 0.0, 0.6]
    lo, hi = bootstrap_ci(diffs, seed=7)
    assert (lo, hi) == bootstrap_ci(diffs, seed=7)
    assert bootstrap_ci(diffs, seed=8) != (lo, hi)
    assert lo < sum(diffs) / len(diffs) < hi
    assert bootstrap_ci([0.25] * 5, seed=1) == (0.25, 0.25)
    assert bootstrap_ci([], seed=1) == (0.0, 0.0)
