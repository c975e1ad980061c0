"""Keyword search on Chinese mixed with digits and Latin words (no model, no Chroma)."""
from __future__ import annotations

import json

import numpy as np

from assistant.core.knowledge.bm25 import BM25Index, tokenize


def test_a_chinese_run_after_digits_or_latin_letters_is_split_into_characters():
    assert tokenize("1998年出生") == ["1998", "年", "出", "生", "年出", "出生"]
    assert tokenize("iPhone手机") == ["iphone", "手", "机", "手机"]
    assert tokenize("从猛将传 and Z开始") == ["从", "猛", "将", "传", "从猛", "猛将", "将传", "z", "开", "始", "开始"]


def test_english_tokenisation_is_unchanged_by_the_chinese_rules():
    assert tokenize("The cells were binding to 3 proteins_x in 2019.") == ["cell", "bind", "3", "protein", "x", "2019"]


def test_a_chinese_question_finds_the_passage_whose_words_follow_a_number():
    docs = [("born", "鲁迅1881年出生于浙江绍兴，原名周樟寿。"),
            ("other", "杭州西湖位于浙江省，是著名的风景区，1982年列入名单。"),
            ("phone", "iPhone手机由苹果公司设计。")]
    idx = BM25Index().build(docs)
    assert idx.search("鲁迅出生于哪里？", 3)[0][0] == "born"
    assert idx.search("苹果公司设计的手机", 3)[0][0] == "phone"


def test_a_cache_built_by_the_old_tokenizer_is_rebuilt_not_searched(tmp_path):
    idx = BM25Index().build([("a", "鲁迅1881年出生于浙江绍兴")], generation=1)
    path = tmp_path / "bm25.npz"
    idx.save(path)
    assert BM25Index.load(path) is not None
    with np.load(path) as z:
        parts = {k: z[k] for k in z.files}
    meta = json.loads(bytes(parts["meta"]).decode())
    del meta["tokenizer"]  # what a cache written before the tokenizer version existed holds
    parts["meta"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
    with open(path, "wb") as f:
        np.savez(f, **parts)
    assert BM25Index.load(path) is None
