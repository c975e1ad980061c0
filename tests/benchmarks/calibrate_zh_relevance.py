"""Calibrate the Chinese relevance bar (grounding.MIN_COVERAGE_ZH) on the CMRC 2018 sets.

    python tests/benchmarks/calibrate_zh_relevance.py [--seed 1] [--n 150]

Keyword coverage (:func:`assistant.core.answers.grounding.keyword_coverage`) of a question in
the best passage of a collection, for questions the collection can answer and for questions it
cannot. Two collections:

- ``retrieval/cmrc2018_zh``: the 848 DEV passages plus the TRIAL passages of half the TRIAL
  articles (seeded split); answerable = questions about that half, off-topic = questions about
  the other half (same genre and style, the hard case) and 10 general Chinese questions.
- ``qa/cmrc2018_trial``: half of the 256 articles, split into paragraphs; the same split of questions.

The best passage is taken over the whole collection (no retrieval), an upper bound of the best
of the k retrieved, so the off-topic share kept is a pessimistic figure. Prints a table of the
share of questions kept at each bar.
"""
from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

from assistant.core.answers.grounding import keyword_coverage

ROOT = Path(__file__).resolve().parents[2].parent / "shared" / "eval"
GENERAL = ["水银的沸点是多少摄氏度？", "2018年世界杯冠军是哪个国家？", "红烧肉应该怎么做？", "光合作用需要哪些条件？",
           "北京到上海的高铁要几个小时？", "莎士比亚写过哪些悲剧？", "比特币是谁发明的？", "人体有多少块骨头？",
           "珠穆朗玛峰有多高？", "如何申请美国签证？"]
BARS = (0.2, 0.25, 0.3, 0.34, 0.4, 0.45, 0.5, 0.6)


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _best(question: str, passages: list[str]) -> float:
    return max(keyword_coverage(question, p) for p in passages)


def _table(name: str, rows: dict[str, list[float]]) -> None:
    print(f"\n{name}: share of questions kept (best passage coverage >= bar)")
    print("bar    " + "  ".join(f"{k} ({len(v)})" for k, v in rows.items()))
    for bar in BARS:
        print(f"{bar:<6} " + "  ".join(f"{sum(x >= bar for x in v) / len(v):>{len(k) + len(str(len(v))) + 3}.3f}"
                                       for k, v in rows.items()))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--n", type=int, default=150)
    a = ap.parse_args()
    rnd = random.Random(a.seed)

    questions = [q for q in _jsonl(ROOT / "qa" / "cmrc2018_trial" / "questions.jsonl") if q["question"].strip()]
    articles = sorted({Path(q["doc"]).stem for q in questions})
    rnd.shuffle(articles)
    half = set(articles[: len(articles) // 2])
    inside = rnd.sample([q["question"] for q in questions if Path(q["doc"]).stem in half], a.n)
    outside = rnd.sample([q["question"] for q in questions if Path(q["doc"]).stem not in half], a.n)

    corpus = _jsonl(ROOT / "retrieval" / "cmrc2018_zh" / "corpus.jsonl")
    passages = [c["title"] + "\n" + c["text"] for c in corpus
                if not c["_id"].startswith("TRIAL") or c["_id"] in half]
    _table(f"retrieval/cmrc2018_zh ({len(passages)} passages)",
           {"answerable": [_best(q, passages) for q in inside], "off-topic CMRC": [_best(q, passages) for q in outside],
            "general": [_best(q, passages) for q in GENERAL]})

    paragraphs = []
    for art in sorted(half):
        text = (ROOT / "qa" / "cmrc2018_trial" / "docs" / f"{art}.md").read_text(encoding="utf-8")
        paragraphs += [p for p in text.split("\n\n") if p.strip()]
    _table(f"qa/cmrc2018_trial ({len(half)} articles, {len(paragraphs)} paragraphs)",
           {"answerable": [_best(q, paragraphs) for q in inside], "off-topic CMRC": [_best(q, paragraphs) for q in outside],
            "general": [_best(q, paragraphs) for q in GENERAL]})


if __name__ == "__main__":
    main()
