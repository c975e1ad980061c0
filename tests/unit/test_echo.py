"""A model that repeats its instructions: they are taken off the answer, quotations of passages stay."""
from __future__ import annotations

from assistant.core.answers.echo import ONLY_ECHO_EN, instruction_lines, only_echo_text, strip_echo
from assistant.core.answers.reply import build_messages
from assistant.core.knowledge.citations import CLOSE, OPEN

SYSTEM = "You are a helpful assistant named Hearth."
INSTRUCTION = ("Answer using only the numbered passages below. After each statement, cite the passage it "
               "comes from as [n].")
PASSAGE = "以2V2、4V4随机配对的方式,玩家可依胜场数爬牌位。中离者4分钟内不得配对。"


def _messages(question="若游戏中离，则多少分钟内不得进行配对？"):
    block = f"{INSTRUCTION}\n\n[1] (TRIAL_800.md, 泡泡战士)\n{OPEN}\n{PASSAGE}\n{CLOSE}"
    return build_messages(SYSTEM, [], question, block)


def test_the_lines_outside_the_passages_are_the_instructions():
    lines = instruction_lines(_messages())
    assert SYSTEM in lines and INSTRUCTION in lines and OPEN in lines and "[1] (TRIAL_800.md, 泡泡战士)" in lines
    assert PASSAGE not in lines  # the documents' words are not Hearth's


def test_a_repeated_prompt_leaves_the_quoted_passage():
    # as Gemma 3 270M writes it: one newline where the prompt had two, cut off by the token limit
    answer = f"{SYSTEM}\n{INSTRUCTION}\n[1] (TRIAL_800.md, 泡泡战士)\n{OPEN}\n以2V2、4V4随机配对的方式,玩家"
    assert strip_echo(answer, _messages()) == "以2V2、4V4随机配对的方式,玩家"


def test_an_answer_cut_off_inside_the_instructions_is_all_echo():
    answer = f"{SYSTEM}\n\nAnswer using only the numbered passages below. After each"
    assert strip_echo(answer, _messages()) == ""
    assert only_echo_text("若游戏中离？") != ONLY_ECHO_EN and only_echo_text("Why?") == ONLY_ECHO_EN


def test_real_answers_are_left_alone():
    msgs = _messages()
    for answer in ("中离者4分钟内不得配对 [1]。", "You are right: 4 minutes [1].",
                   "Answer: 4 minutes.", "You are a helpful assistant? Yes: 4 minutes."):
        assert strip_echo(answer, msgs) == answer
    # a short question repeated as the first word is not an echo
    assert strip_echo("hi! How can I help?", build_messages(None, [], "hi")) == "hi! How can I help?"


def test_the_question_line_repeated_before_the_answer_is_taken_off():
    msgs = _messages("How many minutes must a player who left wait?")
    answer = "Question: How many minutes must a player who left wait?\n4 minutes [1]."
    assert strip_echo(answer, msgs) == "4 minutes [1]."


def test_an_answer_going_round_its_prompt_is_cut_where_it_replays_it():
    q = "梧桐树协议是什么？"
    answer = (f"{SYSTEM}\n{OPEN}\n梧桐树协议是1792年签订的协议。\n{CLOSE}\n\nQuestion: {q}\n嚟 嚟 {OPEN}\n"
              "梧桐树协议是1792年签订的协议。")
    assert strip_echo(answer, _messages(q)) == "梧桐树协议是1792年签订的协议。"
    assert strip_echo(f"It was signed in 1792 [1].\n\nQuestion: {q}", _messages(q)) == "It was signed in 1792 [1]."
    assert strip_echo(f"4 minutes [1]. {SYSTEM}", _messages()) == "4 minutes [1]."
