"""Read less: only the sentences of the retrieved passages that matter for the question.

A small model on a laptop reads a prompt at a few hundred tokens a second, so four full
passages (~1,000 tokens) cost seconds before the first word of the answer. :func:`compress_texts`
keeps, from each passage, the sentences that answer the question, each with the sentence on each
side, in their original order, under a token budget:

- every sentence is scored against the question by its **content words**: the question's words
  (stemmed, stop words dropped; Chinese by characters and character pairs, as the keyword index
  does, :func:`.bm25.tokenize`) it contains ("Brazil" also matches "Brazilian"), each weighted
  by how rare it is among the passages' sentences, numbers and names counting double; plus, when
  an embedder is given, the **embedding similarity** of the sentence with the question;
- the best sentence overall is kept with its neighbours first, then each passage's best sentence
  (a passage is never empty, so its number ``[n]`` still means something), then the next best
  sentences with their neighbours while the budget allows;
- dropped stretches are marked with ``…``.

Scoring by words takes a few milliseconds for four passages.

The texts given are already neutralised (:func:`.injection.neutralise`): compression only ever
removes sentences, so a withheld instruction stays withheld (its placeholder is kept or dropped
like any other sentence), and the answer's sentences are later checked against the full passages.
"""
from __future__ import annotations

import math
import re
from typing import Any, Callable, Sequence

from .bm25 import tokenize
from .injection import sentence_spans

# Estimated tokens of passage text kept in all. On 80 SQuAD 2.0 questions (not those of the eval
# sample) with 4 retrieved passages (~860 estimated tokens), the sentence holding the answer stayed
# in 65-67 of the 69 answers the full passages held for any budget from 175 to 400; 250 makes
# the whole SmolLM2 prompt 0.43 of the full one (397 of 922 tokens).
BUDGET_TOKENS = 250
# Weight of the embedding similarity next to the content-word score (0..1 each). Not used by
# answers: MiniLM on the ~40 sentences of 4 passages took seconds on a busy 2-core machine, more
# than the reading it saves, and kept no more answer sentences on the 80 questions above (62 of 69
# with and without it, budget 200, before rare words were weighted by the square of their rarity).
EMBED_WEIGHT = 0.5
GAP = "…"

_CJK_CHAR = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")
_NAME = re.compile(r"(?<![\w'’-])([A-Z][\w'’-]*|[0-9][\d.,]*)")

Embed = Callable[[list[str]], Any]


def estimate_tokens(text: str) -> int:
    """Prompt tokens a text will take, roughly: a CJK character each, four other characters each."""
    cjk = len(_CJK_CHAR.findall(text))
    return cjk + math.ceil((len(text) - cjk) / 4)


def _question_weights(question: str) -> dict[str, float]:
    """Each content term of the question with its own weight: numbers and names count double."""
    weights = {t: 1.0 for t in tokenize(question)}
    first = re.match(r"\W*(\w+)", question)
    for m in _NAME.finditer(question):
        if first and m.start() == first.start(1) and not m.group()[0].isdigit() and not m.group().isupper():
            continue  # the question's first word is capitalised anyway
        for t in tokenize(m.group()):
            if t in weights:
                weights[t] = 2.0
    return weights


def _matches(term: str, terms: set[str]) -> bool:
    """The term is in the sentence, or a longer form of one of its words is ("Brazil", "Brazilian")."""
    if term in terms:
        return True
    if len(term) < 5 or not term.isascii():
        return False
    return any(len(t) >= 5 and (t.startswith(term) or term.startswith(t)) for t in terms)


def sentence_scores(question: str, sentences: Sequence[str], embed: Embed | None = None) -> list[float]:
    """How much each sentence has to do with the question (higher is closer; see the module docstring).

    The word score is the share of the question's weight the sentence holds, a word weighing its
    own weight times the square of its inverse sentence frequency (a rare word of the question,
    "violence" among many "war", says more than a frequent one).
    """
    q = _question_weights(question)
    terms = [set(tokenize(s)) for s in sentences]
    n = len(sentences)
    hits = {t: [_matches(t, ts) for ts in terms] for t in q}
    w = {t: q[t] * math.log(1 + n / (1 + sum(hits[t]))) ** 2 for t in q}
    total = sum(w.values()) or 1.0
    scores = [sum(w[t] for t in q if hits[t][i]) / total for i in range(n)]
    if embed is not None and sentences:
        import numpy as np

        vecs = np.asarray(embed([question, *sentences]), dtype=np.float32)
        norms = np.linalg.norm(vecs, axis=1, keepdims=True)
        vecs = vecs / np.where(norms == 0, 1.0, norms)
        sims = vecs[1:] @ vecs[0]
        scores = [s + EMBED_WEIGHT * max(0.0, float(x)) for s, x in zip(scores, sims)]
    return scores


def compress_texts(question: str, texts: Sequence[str], *, budget: int = BUDGET_TOKENS,
                   embed: Embed | None = None) -> list[str]:
    """The passages' texts cut down to the sentences that matter for ``question``.

    Args:
        question: the user's question.
        texts: the passages' texts as they go into the prompt (neutralised), in prompt order.
        budget: estimated tokens (:func:`estimate_tokens`) of all kept sentences together. Texts
            already under it are returned unchanged; a single sentence longer than the whole
            budget is cut at a word.
        embed: the knowledge base's embedder (``embed(list[str])`` -> vectors); None scores words only.

    Returns:
        One text per passage, same order: its kept sentences in their original order, runs
        joined as written and dropped stretches shown as ``…``; never empty for a non-empty passage.
    """
    if sum(estimate_tokens(t) for t in texts) <= budget or not question.strip():
        return list(texts)
    spans = [sentence_spans(t) for t in texts]
    units = [(p, i) for p, sp in enumerate(spans) for i in range(len(sp))]
    sents = [texts[p][spans[p][i][0]:spans[p][i][1]] for p, i in units]
    if not units:
        return list(texts)
    scores = dict(zip(units, sentence_scores(question, sents, embed)))
    cost = {u: estimate_tokens(s) + 1 for u, s in zip(units, sents)}
    kept: set[tuple[int, int]] = set()
    used = 0

    def take(group: list[tuple[int, int]]) -> bool:
        nonlocal used
        new = [u for u in group if u not in kept]
        extra = sum(cost[u] for u in new)
        if used + extra > budget:
            return False
        kept.update(new)
        used += extra
        return True

    def window(u: tuple[int, int]) -> list[tuple[int, int]]:
        p, i = u
        return [(p, j) for j in (i - 1, i, i + 1) if 0 <= j < len(spans[p])]

    ranked = sorted(units, key=lambda u: (-scores[u], u))
    if not take(window(ranked[0])):
        take([ranked[0]])
    for p in range(len(texts)):  # a passage is never left empty: its best sentence
        mine = [u for u in ranked if u[0] == p]
        if mine and not any(u[0] == p for u in kept):
            take([mine[0]])
    for u in ranked:
        if used >= budget:
            break
        if scores[u] > 0 and not take(window(u)):
            take([u])
    out = []
    empty = [p for p in range(len(texts)) if spans[p] and not any(u[0] == p for u in kept)]
    for p in range(len(texts)):
        if p in empty:  # even its best sentence did not fit: the start of it, in an equal share of what is left
            mine = next(u for u in ranked if u[0] == p)
            share = max(0, budget - used) // len(empty) - 2
            out.append(f"{_clip(sents[units.index(mine)], share)} {GAP}".strip())
        else:
            out.append(_join(texts[p], spans[p], sorted(i for q, i in kept if q == p)))
    return out


def _join(text: str, spans: list[tuple[int, int]], keep: list[int]) -> str:
    """The kept sentences of one text: contiguous runs as written, gaps as ``…``."""
    if not spans or not keep:
        return text.strip()
    runs: list[list[int]] = []
    for i in keep:
        if runs and i == runs[-1][-1] + 1:
            runs[-1].append(i)
        else:
            runs.append([i])
    parts = [text[spans[r[0]][0]:spans[r[-1]][1]] for r in runs]
    out = f" {GAP} ".join(parts)
    if keep[0] > 0:
        out = f"{GAP} {out}"
    if keep[-1] < len(spans) - 1:
        out = f"{out} {GAP}"
    return out


def _clip(sentence: str, budget: int) -> str:
    """A sentence cut at a word (or a character, in Chinese) to at most ``budget`` estimated tokens."""
    out: list[str] = []
    for word in sentence.split(" "):
        if estimate_tokens(" ".join(out + [word])) > budget:
            break
        out.append(word)
    if out:
        return " ".join(out)
    n = 0
    while n < len(sentence) and estimate_tokens(sentence[:n + 1]) <= budget:
        n += 1
    return sentence[:n]
