"""Grounding modes: what Hearth does with an answer from documents once its support is known.

A chat's ``grounding`` (:class:`ConversationSettings`) is one of:

- ``"balanced"`` (the default): when no retrieved passage reaches :data:`MIN_RELEVANCE`
  ["balanced"], the model is not asked and the answer is :func:`not_found_text`, with the closest
  passages listed as sources. Otherwise the model answers; when none of its sentences is supported
  by a passage, the answer is replaced by :func:`not_found_text` (the model's words stay in
  ``Reply.raw_text``). Unsupported sentences of a partly supported answer are kept and marked.
  Sentences that repeat an instruction withheld from a document are removed.
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

NOT_FOUND_EN = "I could not find the answer to this in your documents."
NOT_FOUND_ZH = "我在你的文档中找不到这个问题的答案。"
_CJK = re.compile("[\u3400-\u4dbf\u4e00-\u9fff]")


def not_found_text(question: str) -> str:
    """The answer when the documents do not contain one (in the question's language)."""
    return NOT_FOUND_ZH if _CJK.search(question) else NOT_FOUND_EN


def left_out_note(n: int, question: str) -> str:
    """The strict mode's last line: how many sentences no passage supports were left out."""
    if _CJK.search(question):
        return f"（已略去 {n} 句没有来源支持的内容。）"
    return f"({n} sentence{'s' if n != 1 else ''} with no supporting passage left out.)"


def relevant(mode: str, passages: Sequence[Any]) -> bool:
    """Whether any passage reaches the mode's relevance bar (always True with ``off``)."""
    bar = MIN_RELEVANCE.get(mode)
    if bar is None:
        return True
    return any(getattr(p, "relevance", 0.0) >= bar for p in passages)


@dataclass
class Outcome:
    """What the user sees of a checked answer.

    Attributes:
        text: the answer shown and stored.
        not_found: the documents do not contain the answer (``text`` says so).
        removed: how many sentences were removed from the model's text.
        reason: "no relevant passage", "no supported sentence", "" (the answer stands).
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
    drop = [s for s in checked if not s.supported and (mode == "strict" or s.reason == "instruction")]
    if not drop:
        return Outcome(raw, body=raw)
    keep, pos = [], 0
    for s in drop:
        keep.append(raw[pos:s.start])
        pos = s.end
    keep.append(raw[pos:])
    body = re.sub(r"[ \t]{2,}", " ", "".join(keep)).strip()
    text = f"{body}\n\n{left_out_note(len(drop), question)}" if mode == "strict" else body
    return Outcome(text, removed=len(drop), body=body)
