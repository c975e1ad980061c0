"""Documents cannot give orders: control tokens stripped, instructions to the assistant neutralised.

A passage is data quoted from the user's files. Before it goes into a prompt
(:func:`assistant.core.knowledge.citations.build_context_block`):

- chat-template markers and control tokens (``<|im_start|>``, ``<start_of_turn>``, ``[INST]``,
  ``<|eot_id|>``, ``<s>``, ``<<SYS>>``...), zero-width and bidirectional control characters are
  removed (:func:`strip_control`), so a document cannot close the user's turn and open a fake one;
- sentences addressed to an assistant ("ignore previous instructions", "you must say",
  "respond only with", "reveal your system prompt", "you are now...", "answer in French",
  and their Chinese counterparts) are found (:func:`find_instructions`) and replaced in the
  prompt by a short placeholder (:func:`neutralise`). Their text is kept, quoted, on the
  passage's citation (``injection: true``, ``injection_quotes``) so the sources view can show
  what was withheld and why.

The detection is a set of regular expressions over phrasing, so it is a filter, not a proof;
the fencing in the prompt and the sentence support check (:mod:`assistant.core.answers.support`, which never counts
a withheld sentence as evidence) are the other two layers.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

# Chat-template markers of the families llama.cpp knows (ChatML, Llama 2/3, Gemma, Phi, Mistral,
# Zephyr, DeepSeek...) and generic special tokens written like them.
_CONTROL = re.compile("|".join([
    r"<\|im_start\|>\s*(?:system|user|assistant|model)?",  # ChatML with its role name
    r"<start_of_turn>\s*(?:user|model|system)?",
    r"<\|[A-Za-z0-9_.:/ -]{1,40}\|>",           # <|im_start|>, <|eot_id|>, <|start_header_id|>, <|endoftext|>
    r"<｜[^｜>\n]{1,40}｜>",                        # DeepSeek's full-width bars
    r"</?(?:start_of_turn|end_of_turn|bos|eos|pad|unk|s|sys|system|user|assistant|im_start|im_end)>",
    r"\[/?(?:INST|SYS|AVAILABLE_TOOLS|TOOL_CALLS|TOOL_RESULTS)\]",
    r"<</?SYS>>",
    r"^\s*#{2,4}\s*(?:Instruction|Response|System|Human|Assistant)s?\s*:",
]), re.IGNORECASE | re.MULTILINE)
_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\u00ad]")

_EN_PATTERNS = [
    # "ignore / disregard / forget ... previous instructions"
    r"\b(?:ignore|disregard|forget|override|bypass|skip)\b[^.!?\n]{0,40}\b(?:instructions?|prompts?|rules|directions|"
    r"guidelines|context|directives?|everything (?:above|before))\b",
    # orders to the model about its answer
    r"\b(?:you|the (?:ai|assistant|model|chatbot|bot|llm))\s+(?:must|should|shall|have to|need to|are (?:required|"
    r"instructed|told|ordered) to|will)\s+(?:always\s+|now\s+|only\s+)?(?:say|answer|respond|reply|write|include|"
    r"output|print|mention|start|begin|end|append|add|tell|use|speak|recommend|claim|state|insert|return)\b",
    r"\b(?:always|only|instead)\s+(?:respond|reply|answer|say|write|output)\b",
    r"\b(?:respond|reply|answer|write)\s+(?:only\s+)?(?:with|using)\s+(?:the\s+)?(?:word|words|phrase|string|text|"
    r"code|token|following|exactly|only)\b",
    r"\b(?:in|at the (?:start|end|beginning) of) (?:your|every|each|the) (?:answer|response|reply)s?\b[^.!?\n]{0,40}"
    r"\b(?:include|say|write|add|put|mention|insert|append)\b",
    r"\b(?:include|add|insert|append|put)\b[^.!?\n]{0,40}\b(?:in|to|into|at the end of) (?:your|every|each|the) "
    r"(?:answer|response|reply|output)s?\b",
    r"\b(?:always|never)?\s*(?:end|start|begin|finish|close|sign)\s+(?:your |every |each |all |the )?(?:answers?|"
    r"responses?|replies|reply|messages?|outputs?)\s+(?:with|by)\b",
    # the system prompt
    r"\b(?:reveal|print|show|repeat|output|disclose|leak|display|recite|tell (?:me|us|the user))\b[^.!?\n]{0,30}"
    r"\b(?:system prompt|system message|(?:hidden|initial|original|secret) (?:prompt|instructions?)|your "
    r"(?:instructions|prompt|rules))\b",
    # persona and language switches
    r"\b(?:you are now|from now on,? you|act as|pretend (?:to be|you are)|role-?play as|your new (?:name|role|"
    r"persona|identity) is|switch (?:to|your) (?:persona|role|character))\b",
    r"\b(?:respond|reply|answer|speak|write|talk)\s+(?:only\s+|exclusively\s+|from now on\s+)?in\s+(?:french|german|"
    r"spanish|italian|portuguese|russian|chinese|japanese|korean|arabic|dutch|pirate|another language|a different "
    r"language|[A-Z][a-z]+ only)\b",
    # messages addressed to the model
    r"\b(?:note|message|instructions?|attention|important|notice)\s+(?:to|for)\s+(?:the\s+|any\s+|all\s+)?(?:ai|"
    r"assistants?|models?|language models?|llms?|chatbots?|bots?)\b",
    r"\b(?:if you are|as) an? (?:ai|language model|llm|assistant)(?: reading this)?\b[^.!?\n]{0,30}\b(?:must|should|"
    r"say|respond|reply|answer|ignore|include)\b",
    r"^\s*(?:system|assistant)\s*:",
    r"^\W*(?:say|print|output|reply|respond|answer)\b(?! (?:to|the|a|an|this|that|these|it|them|questions?)\b)",
    r"\bnew instructions?\s*:",
]
_ZH_PATTERNS = [
    r"(?:忽略|无视|忘记|忘掉|不要理会|跳过)[^。！？\n]{0,12}(?:指令|指示|说明|提示|规则|要求|命令|内容)",
    r"你(?:必须|一定要|务必|需要|应该|应当|只能|要)[^。！？\n]{0,6}(?:说|回答|回复|输出|写|包含|加上|提到|使用|用)",
    r"(?:只|仅)(?:用|以|回答|回复|输出)",
    r"(?:透露|显示|输出|重复|告诉|泄露|打印)[^。！？\n]{0,10}(?:系统提示|提示词|系统消息|指令|初始提示)",
    r"(?:从现在(?:开始|起)|现在起)[^。！？\n]{0,6}你",
    r"你现在是|扮演|假装(?:你)?是",
    r"(?:用|以|改用)(?:英文|英语|法语|德语|日语|韩语|西班牙语|俄语|其他语言)(?:来)?(?:回答|回复|说话|输出)",
    r"(?:给|致)(?:AI|ai|人工智能|助手|模型|语言模型)的?(?:提示|说明|指令|消息)",
]
_INSTRUCTION = re.compile("|".join(f"(?:{p})" for p in _EN_PATTERNS + _ZH_PATTERNS), re.IGNORECASE | re.MULTILINE)
# Where a sentence ends: a full stop (with closing quotes) before a space, a CJK stop, a line break.
_BOUNDARY = re.compile(r"[.!?…]+[\"'”’)\]]*(?=\s|$)|[。！？；]+[”’」』）]*|\n")

PLACEHOLDER = "[withheld: a sentence here gave instructions to an assistant]"


@dataclass
class Neutralised:
    """A passage's text made safe for a prompt.

    Attributes:
        text: the text with control tokens removed and instructions replaced by :data:`PLACEHOLDER`.
        quotes: the withheld sentences, as written in the document (for the sources view).
        control_tokens: how many control tokens or invisible characters were removed.
    """

    text: str
    quotes: list[str] = field(default_factory=list)
    control_tokens: int = 0

    @property
    def flagged(self) -> bool:
        return bool(self.quotes)


def strip_control(text: str) -> tuple[str, int]:
    """``text`` without chat-template markers, control tokens and invisible characters; (text, count)."""
    text, n1 = _CONTROL.subn(" ", text)
    text, n2 = _INVISIBLE.subn("", text)
    return text, n1 + n2


# Words written with a full stop that rarely end a sentence ("St. Bartholomew's Day", "Dr. Smith").
_ABBREVIATIONS = frozenset("st mr mrs ms dr prof jr sr vs etc e.g i.e inc ltd co corp gen gov sen rep rev lt col "
                           "capt sgt mt ft fig vol approx ca cf al dept est jan feb mar apr aug sept sep oct nov "
                           "dec".split())
_WORD_BEFORE = re.compile(r"(?:^|[\s(\[\"'“‘])((?:[A-Za-z]\.)*[A-Za-z]+)$")


def _abbreviation_before(text: str, dot: int) -> bool:
    """Whether the full stop at ``dot`` closes an abbreviation or an initial ("J.", "U.S.") rather than a sentence."""
    m = _WORD_BEFORE.search(text, max(0, dot - 12), dot)
    if m is None:
        return False
    word = m.group(1)
    return (len(word) == 1 and word.isupper()) or word.lower() in _ABBREVIATIONS or (
        "." in word and all(len(p) == 1 for p in word.split(".")))


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each non-blank sentence of ``text`` (English and Chinese stops, line breaks).

    A full stop ends a sentence only before a space or the end ("2.4" and "www.x.org" stay whole),
    and not after a common abbreviation or an initial ("St. Bartholomew's", "J. R. R. Tolkien")
    when a word follows on the same line.
    """
    out = []
    start = 0
    for m in _BOUNDARY.finditer(text):
        if (m.group() == "." and _abbreviation_before(text, m.start())
                and re.match(r"[ \t]+\S", text[m.end():m.end() + 3])):
            continue
        out.append((start, m.end()))
        start = m.end()
    out.append((start, len(text)))
    spans = []
    for s, e in out:
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            spans.append((s, e))
    return spans


def find_instructions(text: str) -> list[tuple[int, int]]:
    """The (start, end) spans of the sentences of ``text`` that give orders to an assistant."""
    return [(s, e) for s, e in sentence_spans(text) if _INSTRUCTION.search(text[s:e])]


def is_instruction(sentence: str) -> bool:
    """Whether one sentence reads as an order to an assistant."""
    return bool(_INSTRUCTION.search(sentence))


def neutralise(text: str) -> Neutralised:
    """``text`` made safe to quote in a prompt (see the module docstring)."""
    clean, n = strip_control(text)
    spans = find_instructions(clean)
    quotes = [clean[s:e] for s, e in spans]
    for s, e in reversed(spans):
        clean = clean[:s] + PLACEHOLDER + clean[e:]
    return Neutralised(text=clean, quotes=quotes, control_tokens=n)
