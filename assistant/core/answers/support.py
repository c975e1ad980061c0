"""Which sentences of an answer the retrieved passages support, and which passage supports each.

:func:`check_support` splits an answer into sentences (English and Chinese stops) and, for each
sentence that makes a claim, looks for a passage that supports it:

- **Strict tokens.** Every number (dates and amounts included: ``18,245`` = ``18245``), every URL
  and every name (a capitalised word inside a sentence, a run of capitals such as ``PWNED``)
  must occur in some passage, and the supporting passage must hold all the sentence's numbers. One that occurs in none makes the sentence unsupported, whatever
  else it shares with the passages: a small model's typical invention is a wrong number in an
  otherwise well-worded sentence.
- **Lexical coverage.** The share of the sentence's content words (stop words dropped; Chinese
  by character pairs) found in the passage: at least :data:`LEXICAL_MIN`, or
- **Embedding similarity** with the best passage sentence (the knowledge base's embedder) of at
  least :data:`EMBEDDING_MIN` together with coverage of at least :data:`LEXICAL_WITH_EMBEDDING`
  (a paraphrase keeps some of the passage's words).

Given the question, each supported sentence is also judged on whether it **answers** it
(``answers``, :func:`_answers`): it must add words to the question, and the passage span that holds
most of its words (a sentence with its neighbours) must hold at least :data:`ANSWER_NEW_MIN` of the
added words and :data:`ANSWER_QUESTION_MIN` of the question's words. Chosen on SmolLM2's answers to
100 SQuAD 2.0 questions (seed 11) and checked on 130 others (seeds 13 and 7), same answers rescored:
balanced said "not found" to 40-81 % of the unanswerable questions before and 68-94 % after, F1
+0.05 to +0.16; no answer with F1 over 0.34 was lost.

Sentences withheld from the prompt as instructions to the assistant (:mod:`..knowledge.injection`)
are never evidence; an answer sentence that repeats one is marked ``reason="instruction"``.

The thresholds were set on hand-made cases (tests/unit/test_answer_support.py: right, reworded,
wrong number, wrong name, Chinese) and checked on SmolLM2's SQuAD 2.0 answers, where sentences
that share under half their content words with every passage were, read by hand, unsupported.
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any, Callable, Sequence

from assistant.core.knowledge.injection import PLACEHOLDER, find_instructions, sentence_spans, strip_control

LEXICAL_MIN = 0.6
EMBEDDING_MIN = 0.6
LEXICAL_WITH_EMBEDDING = 0.34
ANSWER_NEW_MIN = 0.6
ANSWER_QUESTION_MIN = 0.2
QUOTE_CHARS = 300

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_MARKER = re.compile(r"\s*\[\d{1,3}(?:\s*[,;]\s*\d{1,3})*\]")
_URL = re.compile(r"(?:https?://|www\.)[^\s<>\"'\])]+", re.IGNORECASE)
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_LATIN = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
_CJK_RUN = re.compile(f"[{_CJK}]+")
_LEADING_MARKERS = re.compile(r"(?:\s*\[\d{1,3}(?:\s*[,;]\s*\d{1,3})*\])+")
_ENUMERATOR = re.compile(r"^\s*(?:\d{1,2}[.)]|[-*•]|#+)\s*$")
_NAME = re.compile(r"(?<![\w'’-])([A-Z][\w'’-]*[A-Za-z]|[A-Z]{2,})")
_ABSTAIN = re.compile(
    r"\b(?:could not|couldn't|cannot|can't|unable to|did not|didn't|do not|don't) (?:find|locate|determine)\b|"
    r"\b(?:not|never) (?:mentioned|stated|specified|provided|given|found|available)\b|"
    r"\b(?:do|does|did)(?: not|n't) (?:mention|say|state|contain|include|specify|provide)\b|"
    r"\bnone of the (?:passages|documents|texts)\b|\bi (?:do not|don't) know\b|"
    r"找不到|没有(?:提到|提及|相关)|无法(?:找到|确定|回答)|不包含|不知道", re.IGNORECASE)
_STOP = frozenset("""a an the and or but nor so yet of to in on at by for with from into onto upon about above
below over under between among through during before after since until while as than then that this these those
there here it its it's is are was were be been being am do does did doing done have has had having will would
shall should can could may might must not no yes i me my we our you your he him his she her they them their who
whom whose which what when where why how all any both each few more most other some such only own same too very
just also again further once if else because though although whether per via according passage passages document
documents text says said say mentioned mention states stated shows show answer cited cite source sources based""".split())
_NOT_NAMES = frozenset("I A The An In On At It This That These Those He She They We You My Our Its His Her Their "
                       "But And Or So If As For From To By With Of Yes No Not".split())

Embed = Callable[[list[str]], Any]


@dataclass
class SentenceSupport:
    """One sentence of an answer and whether the passages support it.

    Attributes:
        text: the sentence as written (with any [n] markers).
        start, end: its span in the answer text.
        supported: a passage supports it (also True for a sentence with nothing to check).
        checked: it makes a claim that was checked (False: a greeting, an enumerator, "not found").
        source: the supporting passage: number (as in the prompt), source_path, page, quote (the
            passage sentence that supports it), score; None when unsupported or unchecked.
        reason: "supported"; or why not: "number" (``detail`` names it), "url", "name",
            "instruction" (repeats a sentence withheld as an order to the assistant), "no passage"
            (nothing in the passages says it); or "nothing to check".
        detail: the number, URL or name found in no passage.
        clause: a clause of a sentence reported clause by clause (its first clause holds; the
            grounding modes leave out its unsupported clauses).
        answers: for a supported sentence checked against a question, whether it answers it (see
            :func:`_answers`); None when not assessed (unsupported, or no question given).
    """

    text: str
    start: int
    end: int
    supported: bool
    checked: bool = True
    source: dict[str, Any] | None = None
    reason: str = "supported"
    detail: str = ""
    clause: bool = False
    answers: bool | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def clip_quote(quote: str) -> str:
    """A supporting quote as shown with a sentence: at most :data:`QUOTE_CHARS` characters."""
    return quote if len(quote) <= QUOTE_CHARS else quote[:QUOTE_CHARS - 1] + "…"


def split_sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence of an answer (English and Chinese).

    [n] markers after a full stop stay with the sentence before them, and a list enumerator
    ("1.") with the sentence it numbers.
    """
    out: list[tuple[int, int]] = []
    for s, e in sentence_spans(text):
        m = _LEADING_MARKERS.match(text, s, e)
        if out and m and m.end() > s:
            out[-1] = (out[-1][0], m.end())  # "... end. [2] Next" : the marker closes the sentence before
            s = m.end()
            while s < e and text[s].isspace():
                s += 1
            if s >= e:
                continue
        if out and _ENUMERATOR.match(text[out[-1][0]:out[-1][1]]):
            out[-1] = (out[-1][0], e)
        else:
            out.append((s, e))
    return out


def _numbers(text: str) -> set[str]:
    out = set()
    for m in _NUMBER.finditer(_URL.sub(" ", text)):
        n = m.group().replace(",", "")
        if "." in n:
            n = n.rstrip("0").rstrip(".") or "0"
        out.add(n)
    return out


def _stem(w: str) -> str:
    w = w.lower().replace("’", "'")
    if w.endswith("'s"):
        w = w[:-2]
    for suffix in ("ies", "es", "s"):
        if len(w) > 4 and w.endswith(suffix) and not w.endswith("ss"):
            return w[: -len(suffix)] + ("y" if suffix == "ies" else "")
    return w


def content_tokens(text: str) -> set[str]:
    """Content words (lower case, light stemming, stop words dropped), numbers, Chinese character pairs."""
    text = _URL.sub(" ", text)
    out = {w for w in (_stem(m.group()) for m in _LATIN.finditer(_CJK_RUN.sub(" ", text)))
           if len(w) > 1 and w not in _STOP}
    out |= _numbers(text)
    for run in _CJK_RUN.findall(text):
        out |= {run[i:i + 2] for i in range(len(run) - 1)} if len(run) > 1 else {run}
    return out


def _names(sentence: str) -> set[str]:
    """Capitalised words that are not the sentence's first word (names, titles, acronyms)."""
    words = list(_NAME.finditer(sentence))
    first = re.match(r"\W*(\w+)", sentence)
    out = set()
    for m in words:
        if first and m.start() == first.start(1):
            if not m.group().isupper() or len(m.group()) < 3:
                continue
        if m.group() not in _NOT_NAMES:
            out.add(m.group())
    return out


def _clean(sentence: str) -> str:
    return _MARKER.sub("", sentence).strip()


@dataclass
class _Evidence:
    number: int
    citation: Any
    text: str
    tokens: set[str]
    sentences: list[tuple[int, int]]
    numbers: set[str]
    sentence_tokens: list[set[str]] = field(default_factory=list)  # content words of each sentence

    def __post_init__(self) -> None:
        self.sentence_tokens = [content_tokens(self.text[s:e]) for s, e in self.sentences]


def check_support(answer: str, passages: Sequence[Any], embed: Embed | None = None,
                  question: str = "") -> list[SentenceSupport]:
    """Each sentence of ``answer`` with its support in ``passages`` (see the module docstring).

    Args:
        answer: the model's text.
        passages: the retrieved passages in prompt order (``text``, ``citation``).
        embed: the knowledge base's embedder (``embed(list[str])`` -> normalised vectors); None
            checks words only.
        question: what was asked; a sentence is only reported clause by clause when its first
            clause adds a word of its supporting passage to the question (see :func:`_lead_clause_holds`).
    """
    evidence: list[_Evidence] = []
    withheld: list[str] = [PLACEHOLDER]  # a model may copy the placeholder itself
    for i, p in enumerate(passages, 1):
        text, _ = strip_control(p.text)
        spans = find_instructions(text)
        withheld += [text[s:e] for s, e in spans]
        for s, e in reversed(spans):
            text = text[:s] + " " * (e - s) + text[e:]  # same offsets, no evidence
        evidence.append(_Evidence(i, p.citation, text, content_tokens(text),
                                  [(s, e) for s, e in sentence_spans(text) if text[s:e].strip()], _numbers(text)))
    all_text = "\n".join(ev.text for ev in evidence)
    known = (_numbers(all_text), all_text.lower(), [content_tokens(w) for w in withheld])
    out = _check_spans(answer, split_sentences(answer), evidence, known, embed)
    # A sentence that fails as a whole may still answer in its first clause, the rest adding an
    # invention ("X was the worst, which occurred in 1599" with a wrong year): then its clauses are
    # reported one by one. Only the first clause can do that (a true side clause does not make an
    # invented answer true), and only when it says more than the question did.
    parts = {i: _clause_spans(answer, r.start, r.end) for i, r in enumerate(out)
             if r.checked and not r.supported and r.reason != "instruction"}
    parts = {i: spans for i, spans in parts.items() if len(spans) > 1}
    asked = content_tokens(question)
    if parts:
        flat = [span for spans in parts.values() for span in spans]
        checked = iter(_check_spans(answer, flat, evidence, known, embed))
        split = {i: [next(checked) for _ in spans] for i, spans in parts.items()}
        for clauses in split.values():
            for c in clauses:
                c.clause = True
        out = [c for i, r in enumerate(out)
               for c in (split[i] if i in split and _lead_clause_holds(split[i][0], asked, evidence) else [r])]
    if question.strip():
        spans = _neighbourhoods(evidence)
        for r in out:
            if r.checked and r.supported:
                r.answers = _answers(content_tokens(_clean(r.text)), asked, spans)
    return out


def _neighbourhoods(evidence: list[_Evidence]) -> list[set[str]]:
    """The content words of each passage sentence together with the sentences either side of it."""
    out = []
    for ev in evidence:
        words = ev.sentence_tokens
        out += [set().union(*words[max(0, j - 1):j + 2]) for j in range(len(words))]
    return out


def _answers(tokens: set[str], asked: set[str], spans: list[set[str]]) -> bool:
    """Whether a supported sentence answers the question rather than restating it or quoting nearby.

    A sentence answers when it adds words to the question (one that only restates the question is
    supported by any passage about it), and the passage span that holds most of its words (a
    sentence and its neighbours) holds at least :data:`ANSWER_NEW_MIN` of those added words and
    :data:`ANSWER_QUESTION_MIN` of the question's own: the answer is said where the passages speak of
    what was asked. Whole-passage coverage lets a small model's guess pass by joining the question's
    words to a name or a date from another part of the passage ("What French city was Pepin from?" -
    "Paris", mentioned elsewhere); SQuAD 2.0's unanswerable questions invite exactly that.
    """
    added = tokens - asked
    if not added or not spans:
        return False
    best = max(spans, key=lambda w: (len(tokens & w), len(asked & w)))
    return (len(added & best) / len(added) >= ANSWER_NEW_MIN
            and len(asked & best) >= ANSWER_QUESTION_MIN * len(asked))


def _lead_clause_holds(lead: SentenceSupport, asked: set[str], evidence: list[_Evidence]) -> bool:
    """Whether a sentence's first clause is supported and adds to the question a content word of the
    passage supporting it (a clause that restates the question is supported by any passage about it)."""
    if not (lead.checked and lead.supported and lead.source):
        return False
    ev = next(e for e in evidence if e.number == lead.source["number"])
    return bool((content_tokens(_clean(lead.text)) - asked) & ev.tokens)


_CLAUSE_BREAK = re.compile(
    r"\s*(?:[;；]|[,，]\s*(?=(?:which|who|whom|whose|when|where|while|whereas|although|though|because|but|and|as|"
    r"after|before|since|so|until|making|leading|resulting|including)\b)|\s[—–]\s)\s*", re.IGNORECASE)


def _clause_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """(start, end) of the clauses of the sentence ``text[start:end]``, which they cover whole.

    Split at semicolons, dashes and at commas before a relative or joining word (which, who, when,
    but, and...); a piece of fewer than three words or two content words joins the next one (the
    last, the one before), so no word of the sentence goes unchecked. One span when it has no parts.
    """
    def small(a: int, b: int) -> bool:
        return len(text[a:b].split()) < 3 or len(content_tokens(_clean(text[a:b]))) < 2

    spans: list[tuple[int, int]] = []
    pos = start
    for m in [*_CLAUSE_BREAK.finditer(text, start, end), None]:
        stop = end if m is None else m.start()
        if stop > pos:
            if spans and small(*spans[-1]):  # a short piece joins the one after it
                spans[-1] = (spans[-1][0], stop)
            else:
                spans.append((pos, stop))
        pos = end if m is None else m.end()
    if len(spans) > 1 and small(*spans[-1]):  # a short last piece joins the one before it
        spans[-2:] = [(spans[-2][0], spans[-1][1])]
    return spans if len(spans) > 1 else [(start, end)]


def _check_spans(answer: str, spans: list[tuple[int, int]], evidence: list[_Evidence],
                 known: tuple[set[str], str, list[set[str]]], embed: Embed | None) -> list[SentenceSupport]:
    """The support of each span of ``answer`` (a sentence or a clause) in the passages' ``evidence``."""
    known_numbers, known_lower, withheld_tokens = known
    out: list[SentenceSupport] = []
    claims: list[tuple[SentenceSupport, str, set[str]]] = []
    for s, e in spans:
        raw = answer[s:e]
        clean = _clean(raw)
        tokens = content_tokens(clean)
        r = SentenceSupport(text=raw, start=s, end=e, supported=True)
        out.append(r)
        if not tokens or _ENUMERATOR.match(clean) or _ABSTAIN.search(clean):
            r.checked, r.reason = False, "nothing to check"
            continue
        r.supported = False
        if any(len(tokens & wt) / len(tokens) >= 0.5 for wt in withheld_tokens):
            r.reason = "instruction"
            continue
        bad_url = next((u for u in _URL.findall(clean) if u.rstrip(".,;:").lower() not in known_lower), None)
        bad_number = next((n for n in sorted(_numbers(clean)) if n not in known_numbers), None)
        bad_name = next((n for n in sorted(_names(clean)) if n.lower() not in known_lower), None)
        if bad_url or bad_number or bad_name:
            r.reason, r.detail = (("url", bad_url) if bad_url else ("number", bad_number) if bad_number
                                  else ("name", bad_name))
            continue
        r.reason = "no passage"
        claims.append((r, clean, tokens))
    if not claims or not evidence:
        return out

    sims = _similarities([c[1] for c in claims], evidence, embed)
    for ci, (r, clean, tokens) in enumerate(claims):
        best: tuple[float, _Evidence, tuple[int, int]] | None = None
        numbers = _numbers(clean)
        for ei, ev in enumerate(evidence):
            if not ev.sentences or not numbers <= ev.numbers:
                continue  # the supporting passage holds every number of the sentence
            cov = len(tokens & ev.tokens) / len(tokens)
            row = sims[ci][ei] if sims is not None else [0.0] * len(ev.sentences)
            # the quote: the passage sentence sharing most words, similarity breaking ties
            j = max(range(len(ev.sentences)), key=lambda k: len(tokens & ev.sentence_tokens[k]) / len(tokens) + row[k])
            sim = max(row) if sims is not None else 0.0
            ok = cov >= LEXICAL_MIN or (sim >= EMBEDDING_MIN and cov >= LEXICAL_WITH_EMBEDDING)
            if ok and (best is None or cov + sim > best[0]):
                best = (cov + sim, ev, ev.sentences[j])
        if best is not None:
            score, ev, (qs, qe) = best
            quote = " ".join(ev.text[qs:qe].split())
            r.supported, r.reason = True, "supported"
            r.source = {"number": ev.number, "source_path": ev.citation.source_path, "page": ev.citation.page,
                        "quote": clip_quote(quote),
                        "score": round(score, 3)}
    return out


def _similarities(claims: list[str], evidence: list[_Evidence], embed: Embed | None) -> list[list[list[float]]] | None:
    """Cosine similarity of each claim with each sentence of each passage ([claim][passage][sentence])."""
    if embed is None:
        return None
    texts = [ev.text[s:e] for ev in evidence for s, e in ev.sentences]
    if not texts:
        return None
    import numpy as np

    vecs = np.asarray(embed(claims + texts), dtype=np.float32)
    norms = np.linalg.norm(vecs, axis=1, keepdims=True)
    vecs = vecs / np.where(norms == 0, 1.0, norms)
    sim = vecs[: len(claims)] @ vecs[len(claims):].T
    out: list[list[list[float]]] = []
    for ci in range(len(claims)):
        row, k = [], 0
        for ev in evidence:
            row.append([float(x) for x in sim[ci, k:k + len(ev.sentences)]])
            k += len(ev.sentences)
        out.append(row)
    return out


def summary(sentences: list[SentenceSupport]) -> dict[str, int]:
    """{"sentences": claims checked, "supported": of those supported, "unsupported_numbers": numbers in no passage}."""
    checked = [s for s in sentences if s.checked]
    return {"sentences": len(checked), "supported": sum(s.supported for s in checked),
            "unsupported_numbers": sum(s.reason == "number" for s in checked)}
