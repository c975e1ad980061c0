"""The model's own check of a sentence that words and meaning found unsupported (the chat's ``verify``).

The support check (:mod:`.support`) is lexical and semantic: a sentence that says what a passage
says in other words can miss it. With ``verify`` on, each such sentence (reason "no passage"; a
number, name or link found in no passage stays unsupported: that rule is not up to the model) is
put to the model with the passage sentences that share most of its words:

    Passage: …
    Sentence: …
    Does the passage say what the sentence says? Answer yes or no.

The answer is constrained to "yes" or "no" by a llama.cpp grammar (:data:`GRAMMAR`), greedy, so
it costs one short prompt and one token per sentence. A "yes" makes the sentence supported with
``reason="model"``, citing that passage. At most :data:`MAX_CHECKS` sentences per answer.
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

from assistant.core.knowledge.injection import sentence_spans

from .support import SentenceSupport, clip_quote, content_tokens

GRAMMAR = 'root ::= "yes" | "no"'
PROMPT = ("Passage:\n{passage}\n\nSentence: {sentence}\n\n"
          "Does the passage say what the sentence says? Answer yes or no.")
MAX_CHECKS = 6
CONTEXT_SENTENCES = 2  # passage sentences shown to the model: those sharing most words with the claim


def _best_context(sentence: str, passages: Sequence[Any]) -> tuple[int, str] | None:
    """(passage number, its sentences sharing most words with ``sentence``, in order) or None."""
    tokens = content_tokens(sentence)
    if not tokens:
        return None
    best: tuple[float, int, str] | None = None
    for n, p in enumerate(passages, 1):
        shared = [(len(tokens & content_tokens(p.text[s:e])), (s, e)) for s, e in sentence_spans(p.text)]
        chosen = sorted(span for _, span in sorted(shared, key=lambda x: -x[0])[:CONTEXT_SENTENCES])
        text = " ".join(" ".join(p.text[s:e].split()) for s, e in chosen)
        overlap = len(tokens & content_tokens(text)) / len(tokens)
        if chosen and (best is None or overlap > best[0]):
            best = (overlap, n, text)
    if best is None or best[0] == 0:
        return None
    return best[1], best[2]


def verify(sentences: list[SentenceSupport], passages: Sequence[Any],
           ask: Callable[[str], str]) -> list[SentenceSupport]:
    """Put the unsupported "no passage" sentences to the model (``ask(prompt) -> "yes"|"no"``); in place.

    Returns ``sentences``, those the model says a passage supports now supported (reason "model").
    """
    todo = [s for s in sentences if s.checked and not s.supported and s.reason == "no passage"]
    for s in todo[:MAX_CHECKS]:
        found = _best_context(s.text, passages)
        if found is None:
            continue
        number, context = found
        reply = ask(PROMPT.format(passage=context, sentence=" ".join(s.text.split())))
        if reply.strip().lower().startswith("yes"):
            c = passages[number - 1].citation
            s.supported, s.reason = True, "model"
            s.source = {"number": number, "source_path": c.source_path, "page": c.page,
                        "quote": clip_quote(context),
                        "score": 0.0}
    return sentences
