"""Grounding modes: what Hearth does with an answer from documents once its support is known.

A chat's ``grounding`` (:class:`ConversationSettings`) is one of:

- ``"balanced"`` (the default): when no retrieved passage reaches :data:`MIN_RELEVANCE`
  ["balanced"], the model is not asked and the answer is :func:`not_found_text`, with the closest
  passages listed as sources. Otherwise the model answers; when none of its sentences is supported
  by a passage, or none of the supported ones answers the question (it only restates it, or adds
  a fact from another part of the passages; see :mod:`.support`), the answer is replaced by
  :func:`not_found_text` (the model's words stay in ``Reply.raw_text``). Unsupported sentences of
  a partly supported answer are kept and marked.
  Sentences that repeat an instruction withheld from a document are removed, and so are the
  unsupported clauses of a sentence whose first clause is supported (see :mod:`.support`).
- ``"strict"`` (documents only): as balanced with a higher relevance bar, and every sentence
  that no passage supports is removed from the answer (a last line says how many were left out).
- ``"off"``: the model's answer as it is. Support is still measured and stored (for the sources
  view and the evaluations) but the text, the prompt and the model call are unchanged.

Relevance calibration (:data:`MIN_RELEVANCE`; relevance = cosine similarity of the question with
a passage, MiniLM-L6, hybrid retrieval, k=4, best of the 4 passages found with no relevance bar).
Measured on 160 questions drawn (seed 1) from ``shared/eval/qa/squad2`` against its 8 articles,
and on 50 off-topic questions against the same articles (40 CMRC 2018 questions, 10 general
English ones: boiling point of mercury, the 2018 World Cup...). Share of questions kept (best
passage at or above the bar):

=====  ===================  =====================  =========
bar    SQuAD answerable     SQuAD unanswerable     off-topic
       (70)                 (90)                   (50)
=====  ===================  =====================  =========
0.20   1.000                0.989                  0.52
0.25   0.986                0.967                  0.30
0.28   0.943                0.933                  0.24
0.30   0.943                0.900                  0.18
0.32   0.929                0.900                  0.10
0.35   0.843                0.856                  0.06
=====  ===================  =====================  =========

Balanced uses 0.25 (keeps 98.6 % of answerable questions); strict 0.30 (keeps 94 %, lets 18 %
of off-topic ones through to the sentence check). SQuAD 2.0's unanswerable questions are written
about the same articles and are *not* separated by relevance (same distribution as the answerable
ones): they are caught, if at all, by the sentence support check. The CMRC 2018 set could not be
calibrated on its own collection yet (indexing its 256 articles did not finish on the test machine).

Chinese questions (:data:`MIN_COVERAGE_ZH`). MiniLM-L6 reads English only; its cosine scores for
a Chinese question are noise, so when the knowledge base's embedder does not read Chinese
(its ``languages``), a passage's relevance to a question in Chinese script is its
:func:`keyword_coverage`: the share of the question's character pairs (pairs with a question
word or particle left out) and Latin words found in the passage. Calibrated with
``tests/benchmarks/calibrate_zh_relevance.py`` (seed 1): 150 CMRC 2018 trial questions about half
of its articles (answerable), 150 about the other half (off-topic, same genre) and 10 general
Chinese questions (boiling point of mercury, the 2018 World Cup...), best passage of the whole
collection (an upper bound of the best of the k retrieved). Share of questions kept:

=====  ========================================  ========================================
       retrieval/cmrc2018_zh, 976 passages       qa/cmrc2018_trial, 128 articles
       (DEV passages + half the TRIAL ones)      (256 paragraphs)
bar    answerable  off-topic CMRC  general       answerable  off-topic CMRC  general
=====  ==========  ==============  =======       ==========  ==============  =======
0.30   1.000       0.613           0.8           1.000       0.373           0.4
0.34   1.000       0.440           0.7           1.000       0.233           0.2
0.40   1.000       0.380           0.7           1.000       0.207           0.2
0.45   0.973       0.227           0.5           0.973       0.087           0.0
0.50   0.967       0.227           0.5           0.967       0.087           0.0
0.60   0.860       0.073           0.2           0.860       0.027           0.0
=====  ==========  ==============  =======       ==========  ==============  =======

Balanced uses 0.40 (keeps every answerable question); strict 0.50 (keeps 96.7 %). Character
trigrams alone separate better but drop 7 % of answerable questions at any bar (0.933 kept at
0.20). The off-topic CMRC questions share the articles' style and vocabulary (names of games,
years, places), so a large Chinese collection still lets a fifth to a third of them through to
the sentence check.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Sequence

from assistant.core.conversations.settings import GROUNDING_MODES

from .support import SentenceSupport

MODES = GROUNDING_MODES
DEFAULT_MODE = "balanced"
MIN_RELEVANCE = {"strict": 0.30, "balanced": 0.25, "off": None}
MIN_COVERAGE_ZH = {"strict": 0.5, "balanced": 0.4, "off": None}  # Chinese questions, English-only embedder

_STOPS = ".!?。！？"
_SEPARATOR_END = re.compile(r"\s*[,;；，:—–]\s*$")  # a clause's separator left at the end of what is kept
_SEPARATOR_RUN = re.compile(r"\s*[,;；，:—–](?:\s*[,;；，:—–])*\s*([.!?。！？])")

NOT_FOUND_EN = "I could not find the answer to this in your documents."
NOT_FOUND_ZH = "我在你的文档中找不到这个问题的答案。"
_CJK = re.compile("[\u3400-\u4dbf\u4e00-\u9fff]")
_CJK_RUN = re.compile("[\u3400-\u4dbf\u4e00-\u9fff]+")
# question words and particles: a character pair holding one says nothing about the topic
_ZH_FUNCTION = frozenset("什么哪谁几怎吗呢吧啊的了是为何其之也都就还又即则和与及或在有被把对从到于这那个些多少")


def asks_in_chinese(question: str) -> bool:
    """Whether Hearth's own words about an answer (not found, left out...) are written in Chinese."""
    return bool(_CJK.search(question))


def not_found_text(question: str) -> str:
    """The answer when the documents do not contain one (in the question's language)."""
    return NOT_FOUND_ZH if asks_in_chinese(question) else NOT_FOUND_EN


def left_out_note(n: int, question: str) -> str:
    """The strict mode's last line: how many sentences no passage supports were left out."""
    if asks_in_chinese(question):
        return f"（已略去 {n} 句没有来源支持的内容。）"
    return f"({n} sentence{'s' if n != 1 else ''} with no supporting passage left out.)"


def relevant(mode: str, passages: Sequence[Any], question: str = "",
             languages: Sequence[str] | None = None) -> bool:
    """Whether any passage reaches the mode's relevance bar (always True with ``off``).

    Args:
        mode: the chat's grounding mode.
        passages: the retrieved passages (``relevance``: cosine similarity with the question).
        question: the question; one in Chinese (or Japanese) script is judged by
            :func:`keyword_coverage` against :data:`MIN_COVERAGE_ZH` when the embedder cannot
            read that script (cosine scores from an English-only embedder are noise there).
        languages: what the knowledge base's embedder reads (its ``languages``; None: every language).
    """
    bar = MIN_RELEVANCE.get(mode)
    if bar is None:
        return True
    if _CJK.search(question) and languages is not None and "zh" not in languages:
        bar_zh = MIN_COVERAGE_ZH[mode]
        return any(keyword_coverage(question, getattr(p, "text", "")) >= bar_zh for p in passages)
    return any(getattr(p, "relevance", 0.0) >= bar for p in passages)


def query_keys(question: str) -> set[str]:
    """What a passage about the question would contain: the question's Chinese character pairs
    (pairs holding a question or function character such as 什/么/哪/的/是 left out), and its Latin
    words (stop words left out) and numbers, lower case."""
    from .support import _STOP, _LATIN, _NUMBER

    keys: set[str] = set()
    for run in _CJK_RUN.findall(question):
        keys |= {run[i:i + 2] for i in range(len(run) - 1) if not (set(run[i:i + 2]) & _ZH_FUNCTION)}
    rest = _CJK_RUN.sub(" ", question)
    keys |= {w.lower() for w in _LATIN.findall(rest) if len(w) > 1 and w.lower() not in _STOP}
    keys |= set(_NUMBER.findall(rest))
    return keys


def keyword_coverage(question: str, text: str) -> float:
    """The share of :func:`query_keys` found in ``text`` (0.0 when the question has none)."""
    keys = query_keys(question)
    if not keys:
        return 0.0
    low = text.lower()
    return sum(k in low for k in keys) / len(keys)


@dataclass
class Outcome:
    """What the user sees of a checked answer.

    Attributes:
        text: the answer shown and stored.
        not_found: the documents do not contain the answer (``text`` says so).
        removed: how many sentences were removed from the model's text.
        reason: "no relevant passage", "no supported sentence", "no sentence answers the question",
            "" (the answer stands).
        body: ``text`` without the strict mode's last line (the part made of the model's sentences).
    """

    text: str
    body: str = ""
    not_found: bool = False
    removed: int = 0
    reason: str = ""


def apply(mode: str, question: str, raw: str, sentences: list[SentenceSupport]) -> Outcome:
    """The answer to show for ``raw`` under ``mode``, given each sentence's support."""
    if mode == "off":
        return Outcome(raw, body=raw)
    checked = [s for s in sentences if s.checked]
    if not any(s.supported for s in checked):
        return Outcome(not_found_text(question), not_found=True, reason="no supported sentence")
    if not any(s.supported and s.answers is not False for s in checked):
        # supported sentences that restate the question, or join its words to a fact from elsewhere
        return Outcome(not_found_text(question), not_found=True, reason="no sentence answers the question")
    # an unsupported clause of a sentence whose first clause holds is left out in both modes: what a
    # split sentence shows is supported (an invented date, or a link planted in a document, goes)
    drop = [s for s in checked
            if not s.supported and (mode == "strict" or s.reason == "instruction" or s.clause)]
    if not drop:
        return Outcome(raw, body=raw)
    keep, pos = [], 0
    for s in drop:
        piece = raw[pos:s.start]
        end = raw[s.start:s.end].rstrip()[-1:]
        if end in _STOPS and _SEPARATOR_END.search(piece):  # a clause that ended its sentence: the stop stays
            piece = _SEPARATOR_END.sub(end + " ", piece)
        keep.append(piece)
        pos = s.end
    keep.append(raw[pos:])
    body = _SEPARATOR_RUN.sub(r"\1", "".join(keep))
    body = re.sub(r"[ \t]{2,}", " ", _SEPARATOR_END.sub("", body)).strip()
    text = f"{body}\n\n{left_out_note(len(drop), question)}" if mode == "strict" else body
    return Outcome(text, removed=len(drop), body=body)
