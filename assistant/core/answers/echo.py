"""Prompt echo: a small model that repeats its instructions instead of answering.

Gemma 3 270M, given passages to answer from, starts its answer by copying the prompt: the system
prompt, then Hearth's instruction paragraph, then the passage headers and fences, then passage
text (seen on every one of 20 CMRC 2018 questions, whatever the wording or language of the
instructions). The user must not read Hearth's instructions (they are not the answer, and
showing the system prompt is what an injected document would ask for), so :func:`strip_echo`
removes, from the start of an answer, every line that repeats an instruction of the prompt:

- a line of the system prompt;
- outside the fenced passages of the newest user turn: the instruction paragraph, the passage
  headers (``[2] (file.md, heading)``), the fence tags and the ``Question:`` line;

and cuts the answer where, after some text, it starts replaying the prompt again (a fence tag,
a passage header or an instruction line further on: Gemma 3 270M goes round its prompt until the
token limit).

Text the model copied from *inside* a passage is kept: it is a quotation of the documents, and
the sentence support check (:mod:`.support`) cites it like any other sentence. Comparison
ignores differences of white space; an answer cut off in the middle of an instruction line (the
token limit) counts as echoing it when at least :data:`MIN_PARTIAL` characters match; so does a
whole line only when it is that long, or a fence or passage header (a one-word question such as
"hi" is not taken out of "hi! How can I help?").
"""
from __future__ import annotations

import re
from typing import Any, Sequence

from assistant.core.knowledge.citations import CLOSE, OPEN

from .grounding import asks_in_chinese

MIN_PARTIAL = 16  # characters: a shorter tail of the answer matching the start of a line is a coincidence
_WS = re.compile(r"\s+")
ONLY_ECHO_EN = ("The model repeated its instructions instead of answering. Ask again in other words, "
                "or choose a larger model.")
ONLY_ECHO_ZH = "模型只重复了给它的指示，没有回答。请换个说法再问，或选择更大的模型。"


def _squash(text: str) -> str:
    return _WS.sub("", text)


def instruction_lines(messages: Sequence[Any]) -> list[str]:
    """The lines of the prompt that are Hearth's words, not the user's documents.

    ``messages``: :class:`Message` objects or dicts (role, content), as sent to the model.
    """
    def role_content(m: Any) -> tuple[str, str]:
        return (m["role"], m["content"]) if isinstance(m, dict) else (m.role, m.content)

    lines: list[str] = []
    msgs = [role_content(m) for m in messages]
    for role, content in msgs:
        if role == "system":
            lines += [ln for ln in content.splitlines() if ln.strip()]
    users = [c for r, c in msgs if r == "user"]
    if users:
        inside = False
        for ln in users[-1].splitlines():
            s = ln.strip()
            if s == OPEN:
                inside = True
            elif s == CLOSE:
                inside = False
            elif inside or not s:
                continue
            lines.append(s)
    return [ln for ln in dict.fromkeys(lines) if _squash(ln)]


def _echo_at(answer: str, pos: int, squashed_lines: list[str]) -> int:
    """End of the instruction line repeated at ``answer[pos:]`` (``pos`` when there is none)."""
    best = pos
    for line in squashed_lines:
        i, j = pos, 0
        while i < len(answer) and j < len(line):
            if answer[i].isspace():
                i += 1
            elif answer[i] == line[j]:
                i, j = i + 1, j + 1
            else:
                break
        whole = j == len(line) and (len(line) >= MIN_PARTIAL or line[0] in "<[")  # fences, headers
        cut_off = i >= len(answer) and j >= min(MIN_PARTIAL, len(line))
        if (whole or cut_off) and i > best:
            best = i
    return best


def _replay_at(answer: str, lines: list[str]) -> int:
    """Where ``answer`` starts replaying its prompt again (a fence, a passage header, an
    instruction line), or ``len(answer)``: a real answer never writes those."""
    cut = len(answer)
    for line in [*lines, OPEN, CLOSE]:
        if len(line) >= MIN_PARTIAL or line[0] in "<[":
            i = answer.find(line)
            if 0 <= i < cut:
                cut = i
    return cut


def strip_echo(answer: str, messages: Sequence[Any]) -> str:
    """``answer`` without the instruction lines it repeats at its start, and cut where it starts
    replaying its prompt again further on (see the module)."""
    lines = instruction_lines(messages)
    squashed = [_squash(ln) for ln in lines]
    pos = 0
    while True:
        start = pos
        while pos < len(answer) and answer[pos].isspace():
            pos += 1
        end = _echo_at(answer, pos, squashed)
        if end == pos:
            break
        pos = end
    rest = answer[start:]
    cut = _replay_at(rest, lines)
    if start == 0 and cut == len(rest):
        return answer
    return rest[:cut].strip()


def only_echo_text(question: str) -> str:
    """What the answer says when all the model wrote was its instructions (in the question's language)."""
    return ONLY_ECHO_ZH if asks_in_chinese(question) else ONLY_ECHO_EN
