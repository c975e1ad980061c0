"""Answer metrics as the official SQuAD v2 and CMRC 2018 evaluation scripts compute them.

English (SQuAD v2 ``evaluate-v2.0.py``): lower case, drop ASCII punctuation, drop the articles
a/an/the, split on whitespace; exact match of the normalised strings and bag-of-tokens F1, each
the best over the reference answers. An item with no reference answers (unanswerable) is scored
as SQuAD v2 scores an empty prediction: 1 when the answer abstains, else 0.

Chinese (CMRC 2018 ``cmrc2018_evaluate.py``): lower case, "mixed segmentation" (each CJK
character is a token; runs of other characters are word-tokenised), CMRC's punctuation list
removed; F1 from the longest common substring of the two token lists, exact match after removing
the punctuation. The official script word-tokenises non-CJK runs with NLTK; here a regular
expression does the same split for words, numbers and punctuation (no NLTK dependency).

Also here: :func:`is_abstention` (does an answer say the documents do not contain the answer?),
:func:`contains_answer` (for citation and retrieval hits) and the paired bootstrap.
"""
from __future__ import annotations

import collections
import random
import re
import string
from typing import Sequence

__all__ = ["squad_normalize", "squad_exact", "squad_f1", "cmrc_segments", "cmrc_exact", "cmrc_f1", "exact_f1",
           "is_abstention", "contains_answer", "strip_citation_markers", "bootstrap_ci"]

# -- English: SQuAD v2 -----------------------------------------------------------------------
_ARTICLES = re.compile(r"\b(a|an|the)\b", re.UNICODE)
_PUNCT = set(string.punctuation)


def squad_normalize(s: str) -> str:
    """SQuAD's ``normalize_answer``: lower case, no punctuation, no articles, single spaces."""
    s = s.lower()
    s = "".join(ch for ch in s if ch not in _PUNCT)
    s = _ARTICLES.sub(" ", s)
    return " ".join(s.split())


def _squad_tokens(s: str) -> list[str]:
    return squad_normalize(s).split() if s else []


def squad_exact(gold: str, pred: str) -> int:
    """1 if the normalised strings are equal."""
    return int(squad_normalize(gold) == squad_normalize(pred))


def squad_f1(gold: str, pred: str) -> float:
    """Token F1 of one reference and one prediction (SQuAD's ``compute_f1``)."""
    g, p = _squad_tokens(gold), _squad_tokens(pred)
    if not g or not p:
        return float(g == p)  # both empty: agree
    same = sum((collections.Counter(g) & collections.Counter(p)).values())
    if same == 0:
        return 0.0
    precision, recall = same / len(p), same / len(g)
    return 2 * precision * recall / (precision + recall)


# -- Chinese: CMRC 2018 ----------------------------------------------------------------------
_CMRC_PUNCT = ['-', ':', '_', '*', '^', '/', '\\', '~', '`', '+', '=', '，', '。', '：', '？', '！', '“', '”', '；',
               '’', '《', '》', '……', '·', '、', '「', '」', '（', '）', '－', '～', '『', '』']
_CJK = re.compile(r"[\u4e00-\u9fa5]")
_WORD = re.compile(r"\w+(?:[.,']\w+)*|[^\w\s]", re.UNICODE)  # stands in for nltk.word_tokenize


def cmrc_segments(s: str, rm_punc: bool = False) -> list[str]:
    """CMRC's ``mixed_segmentation``: CJK characters one by one, other runs word-tokenised."""
    s = str(s).lower().strip()
    out: list[str] = []
    run = ""
    for ch in s:
        if rm_punc and ch in _CMRC_PUNCT:
            continue
        if _CJK.match(ch) or ch in _CMRC_PUNCT:
            if run:
                out.extend(_WORD.findall(run))
                run = ""
            out.append(ch)
        else:
            run += ch
    if run:
        out.extend(_WORD.findall(run))
    return out


def _cmrc_remove_punctuation(s: str) -> str:
    return "".join(ch for ch in str(s).lower().strip() if ch not in _CMRC_PUNCT)


def _lcs_len(a: Sequence[str], b: Sequence[str]) -> int:
    """Length of the longest common substring (contiguous), as CMRC's ``find_lcs``."""
    best = 0
    prev = [0] * (len(b) + 1)
    for x in a:
        cur = [0] * (len(b) + 1)
        for j, y in enumerate(b):
            if x == y:
                cur[j + 1] = prev[j] + 1
                best = max(best, cur[j + 1])
        prev = cur
    return best


def cmrc_exact(gold: str, pred: str) -> int:
    """1 if the strings are equal after CMRC's punctuation removal (and lower-casing)."""
    return int(_cmrc_remove_punctuation(gold) == _cmrc_remove_punctuation(pred))


def cmrc_f1(gold: str, pred: str) -> float:
    """CMRC's F1: longest common substring of the segmented strings (punctuation removed)."""
    g, p = cmrc_segments(gold, rm_punc=True), cmrc_segments(pred, rm_punc=True)
    n = _lcs_len(g, p)
    if n == 0:
        return 0.0
    precision, recall = n / len(p), n / len(g)
    return 2 * precision * recall / (precision + recall)


# -- one item --------------------------------------------------------------------------------
_MARKERS = re.compile(r"\s*\[\d{1,3}(?:\s*[,;]\s*\d{1,3})*\]")


def strip_citation_markers(text: str) -> str:
    """The answer without its ``[n]`` citation markers (references never carry them)."""
    return _MARKERS.sub("", text)


def exact_f1(answers: Sequence[str], prediction: str, lang: str = "en", *,
             abstained: bool = False) -> tuple[float, float]:
    """Exact match and F1 of one prediction, best over the references.

    Args:
        answers: the reference answers; empty for an unanswerable item.
        prediction: the model's answer (citation markers are removed first).
        lang: "zh" scores as CMRC 2018, anything else as SQuAD v2.
        abstained: whether the answer says the documents do not contain it.

    Returns:
        (exact, f1). For an unanswerable item, (1, 1) when the answer abstains, else (0, 0): the
        official SQuAD v2 score of an empty prediction and of any other prediction.
    """
    if lang == "zh":
        gold = [a for a in answers if _cmrc_remove_punctuation(a)]
        em_fn, f1_fn = cmrc_exact, cmrc_f1
    else:
        gold = [a for a in answers if squad_normalize(a)]
        em_fn, f1_fn = squad_exact, squad_f1
    if not gold:
        return (1.0, 1.0) if abstained else (0.0, 0.0)
    pred = strip_citation_markers(prediction)
    return float(max(em_fn(g, pred) for g in gold)), max(f1_fn(g, pred) for g in gold)


def contains_answer(text: str, answers: Sequence[str], lang: str = "en") -> bool:
    """Whether ``text`` contains one of ``answers`` after the set's normalisation.

    English compares whole normalised tokens (so "10th" is not found inside "110th"); Chinese
    compares the punctuation-free strings.
    """
    if lang == "zh":
        hay = _cmrc_remove_punctuation(text)
        return any((n := _cmrc_remove_punctuation(a)) and n in hay for a in answers)
    hay = f" {squad_normalize(text)} "
    return any((n := squad_normalize(a)) and f" {n} " in hay for a in answers)


# -- abstention ------------------------------------------------------------------------------
_SOURCE_EN = r"(?:documents?|passages?|texts?|context|sources?|articles?|information (?:provided|given)|provided)"
_ABSTAIN_EN = re.compile("|".join([
    r"\b(?:could not|couldn't|cannot|can't|can not|unable to|did not|didn't|do not|don't) "
    r"(?:find|locate|see|identify|determine)\b",
    rf"\b{_SOURCE_EN}\b[^.!?\n]{{0,40}}\b(?:do|does|did)(?: not|n't) (?:mention|say|state|contain|include|"
    r"specify|provide|discuss|cover|address|describe|indicate|give|tell|answer|refer)",
    rf"\b(?:not|never) (?:mentioned|stated|specified|provided|given|included|found|discussed|covered|"
    rf"addressed|described|available|present)\b[^.!?\n]{{0,30}}\b(?:in|within|by|from) (?:the |any |these |those )?"
    rf"(?:provided |given |indexed |available )?{_SOURCE_EN}",
    r"\bno (?:information|mention|details?|relevant)\b[^.!?\n]{0,60}"
    r"\b(?:in|within|from|about|regarding|on)\b",
    rf"\bnone of the (?:indexed |provided |given )?{_SOURCE_EN}",
    r"\b(?:not enough|insufficient) (?:information|context|details)",
    r"\bi (?:do ?n[o']t|don't) know\b",
    r"\b(?:there is|there's) no (?:information|mention)\b",
]), re.IGNORECASE)
_ABSTAIN_ZH = re.compile("|".join([
    r"(?:没有|没|未|并未|并没有|无)(?:明确|具体|直接)?(?:提到|提及|说明|涉及|记载|包含|介绍|给出|写明|指出|显示|找到|相关)",
    r"(?:无法|不能|未能|没能|难以)(?:从.{0,12})?(?:找到|确定|回答|得知|判断|获取|查到|得出)",
    r"找不到", r"不包含", r"不知道", r"不清楚",
    r"(?:文档|文章|段落|资料|文本|材料|上下文)(?:中|里|内)?(?:并)?(?:没有|未|无)",
]))


def is_abstention(text: str, lang: str = "en") -> bool:
    """Whether an answer says the documents do not contain the answer (it abstains).

    Recognises the phrasings models use for "not found": "I could not find that in the
    documents", "The passages do not mention ...", "This is not mentioned in the provided
    text", "None of the documents ...", "I don't know", and in Chinese "文档中没有提到",
    "无法从文档中找到", "没有相关信息", "找不到"... English phrasings are recognised whatever
    ``lang`` is (small models often answer Chinese questions in English); Chinese ones are
    looked for when ``lang`` is "zh" or the answer contains CJK characters. An empty answer is
    an abstention (SQuAD v2 scores the empty prediction as "no answer").

    The whole answer is searched, so an answer that hedges ("the passages do not say, but ...")
    counts as abstaining.
    """
    t = " ".join(text.split())
    if not strip_citation_markers(t).strip():
        return True
    if _ABSTAIN_EN.search(t.replace("’", "'")):
        return True
    return bool((lang == "zh" or _CJK.search(t)) and _ABSTAIN_ZH.search(t))


# -- paired comparison -----------------------------------------------------------------------
def bootstrap_ci(diffs: Sequence[float], *, seed: int = 0, rounds: int = 2000,
                 level: float = 0.95) -> tuple[float, float]:
    """Percentile bootstrap interval of the mean of paired differences (same seed, same interval).

    Returns (0, 0) when there are no differences.
    """
    n = len(diffs)
    if n == 0:
        return (0.0, 0.0)
    rng = random.Random(seed)
    means = sorted(sum(diffs[rng.randrange(n)] for _ in range(n)) / n for _ in range(rounds))
    lo_i = int((1 - level) / 2 * rounds)
    hi_i = min(rounds - 1, int((1 + level) / 2 * rounds) - 1)
    return (means[lo_i], means[hi_i])
