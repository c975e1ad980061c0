"""Self-reflection: re-answer once from the passage sentences that support the question.

When a chat's ``reflect`` switch is on (:class:`ConversationSettings`) and an answer from
documents has a sentence no passage supports, :class:`.reply.Reply` asks the model once more.
The second prompt holds only the *supporting passage sentences* (:func:`supporting_sentences`:
the sentences of the retrieved passages that best match the question and the first answer),
fenced as passages are, with an instruction to use only them. Both answers are checked
(:mod:`.support`) and the better-supported one is kept (:func:`choose`); in a stored chat the
other is kept as a sibling branch, its meta saying it was not kept and why.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

from assistant.core.knowledge.injection import find_instructions, sentence_spans, strip_control

from .support import SentenceSupport, content_tokens, summary

SENTENCES = 5  # passage sentences given to the re-answer
INSTRUCTION = ("Your first answer said things these documents do not support. Answer again using only the "
               "sentences quoted below, in their own words where you can, in one or two sentences. "
               "If they do not contain the answer, say you could not find it in the documents.")

Embed = Callable[[list[str]], Any]


@dataclass
class Candidate:
    """One answer and its support: ``text`` (the model's words), ``sentences`` (checked)."""

    text: str
    sentences: list[SentenceSupport] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        return summary(self.sentences)

    def key(self) -> tuple[float, int, int]:
        """Orders answers: supported share, then supported sentences, then fewer unsupported ones.

        An answer with no claim to check (it says the documents do not contain the answer)
        scores 0 supported and 0 unsupported: better than an answer none of whose claims is
        supported, worse than one with any supported sentence.
        """
        c = self.counts
        share = c["supported"] / c["sentences"] if c["sentences"] else 0.0
        return share, c["supported"], -(c["sentences"] - c["supported"])

    def describe(self, short: bool = False) -> str:
        """"2 of 3 sentences supported" ("2 of 3" when ``short``)."""
        c = self.counts
        if not c["sentences"]:
            return "no claim (it says the documents do not contain the answer)"
        return f"{c['supported']} of {c['sentences']}" + ("" if short else " sentences supported")


def supporting_sentences(question: str, answer: str, passages: Sequence[Any], embed: Embed | None = None,
                         limit: int = SENTENCES) -> list[Any]:
    """The passage sentences that best match the question and the first answer.

    Each sentence is scored by the share of the question's content words it holds, half the
    share of the answer's, and (with ``embed``) its cosine similarity with the question.
    Sentences withheld as orders to the assistant are never chosen.

    Returns:
        Passages (copies, same citations) holding only the chosen sentences, in prompt order;
        passages with no chosen sentence are left out.
    """
    from assistant.core.knowledge import Citation, Passage

    q_tokens, a_tokens = content_tokens(question), content_tokens(answer)
    cands: list[tuple[int, int, str]] = []  # (passage index, order, sentence)
    for pi, p in enumerate(passages):
        text, _ = strip_control(p.text)
        withheld = find_instructions(text)
        for si, (s, e) in enumerate(sentence_spans(text)):
            sent = " ".join(text[s:e].split())
            if sent and not any(ws < e and s < we for ws, we in withheld):
                cands.append((pi, si, sent))
    if not cands:
        return []
    sims = [0.0] * len(cands)
    if embed is not None:
        import numpy as np

        vecs = np.asarray(embed([question] + [c[2] for c in cands]), dtype=np.float32)
        norms = np.linalg.norm(vecs, axis=1, keepdims=True)
        vecs = vecs / np.where(norms == 0, 1.0, norms)
        sims = [float(x) for x in vecs[1:] @ vecs[0]]

    def score(i: int) -> float:
        toks = content_tokens(cands[i][2])
        q = len(q_tokens & toks) / len(q_tokens) if q_tokens else 0.0
        a = len(a_tokens & toks) / len(a_tokens) if a_tokens else 0.0
        return q + 0.5 * a + sims[i]

    best = sorted(sorted(range(len(cands)), key=score, reverse=True)[:limit])
    out = []
    for pi in sorted({cands[i][0] for i in best}):
        p = passages[pi]
        text = " ".join(cands[i][2] for i in best if cands[i][0] == pi)
        out.append(Passage(text, p.score, Citation(**vars(p.citation)), p.chunk_id, p.relevance))
    return out


def context_block(chosen: list[Any]) -> str:
    """The re-answer's passage block: the chosen sentences, fenced, after the instruction to use only them."""
    from assistant.core.knowledge import build_context_block

    return f"{INSTRUCTION}\n\n{build_context_block(chosen)}"


def choose(first: Candidate, second: Candidate) -> tuple[str, str]:
    """Which answer to keep ("first" or "reflected") and why, in words.

    The re-answer is kept only when it is strictly better supported (:meth:`Candidate.key`).
    """
    if second.key() > first.key():
        return "reflected", f"kept the re-answer: {second.describe()} vs {first.describe(True)} for the first answer"
    return "first", f"kept the first answer: {first.describe()} vs {second.describe(True)} for the re-answer"
