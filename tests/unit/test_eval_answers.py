"""The answer evaluator on the real facade (Hearth.answer, retrieval, citations) with a scripted
engine and the hash embedder: metrics, A/B pairing, interruption, the report and the CLI."""
from __future__ import annotations

import json
import re

import pytest

from assistant.core.app import Hearth
from assistant.core.errors import HearthError
from assistant.core.evals.answers import collection_name, load_set, run_answers, sample_items
from assistant.core.evals.qa_config import parse_config
from assistant.core.evals.report import items_path, write_report
from tests.ui.fakes import ScriptedStream

DOCS = {
    "France.md": "# France\n\nThe capital of France is Paris. Paris lies on the river Seine.\n",
    "Italy.md": "# Italy\n\nThe capital of Italy is Rome. Rome lies on the Tiber.\n",
}
QUESTIONS = [
    {"id": "q1", "question": "What is the capital of France?", "answers": ["Paris"], "unanswerable": False,
     "doc": "docs/France.md", "lang": "en"},
    {"id": "q2", "question": "What is the capital of Italy?", "answers": ["Rome", "the city of Rome"],
     "unanswerable": False, "doc": "docs/Italy.md", "lang": "en"},
    {"id": "q3", "question": "Who painted the ceiling of the capital's <b>cathedral</b>?", "answers": [],
     "unanswerable": True, "doc": "docs/Italy.md", "lang": "en"},
    {"id": "q4", "question": "Which river does Paris lie on?", "answers": ["the Seine"], "unanswerable": False,
     "doc": "docs/France.md", "lang": "en"},
]


class OracleEngine:
    """Answers from the passages when it has them (citing [1]), and guesses wrong without them."""

    def __init__(self, interrupt_after: int | None = None) -> None:
        self.facts = None
        self.prompts: list[list] = []

    def load(self, path, opts=None):
        from assistant.core.engine.types import ModelFacts

        self.facts = ModelFacts(path=str(path), name="Oracle", architecture="llama", parameters=1,
                                quantization="Q4_1", context_length=2048, size_bytes=1, has_chat_template=True)
        return self.facts

    def chat(self, messages, sampling, conversation_id=None):
        self.prompts.append(list(messages))
        user = messages[-1].content
        with_docs = "numbered passages" in user
        if "ceiling" in user:
            text = "I could not find that in the documents." if with_docs else "Michelangelo."
        elif "France" in user.split("Question:")[-1]:
            text = "Paris [1]." if with_docs else "London."
        elif "Italy" in user:
            text = "Rome [1]." if with_docs else "Milan."
        else:
            text = "The Seine [1]." if with_docs else "The Thames."
        return ScriptedStream([w + " " for w in text.split()], 0.0)

    def cancel(self):
        pass

    def set_adapters(self, adapters):
        pass

    def close(self):
        pass


@pytest.fixture
def qa_set(tmp_path):
    root = tmp_path / "tiny-set"
    (root / "docs").mkdir(parents=True)
    for name, text in DOCS.items():
        (root / "docs" / name).write_text(text, encoding="utf-8")
    (root / "questions.jsonl").write_text("".join(json.dumps(q) + "\n" for q in QUESTIONS), encoding="utf-8")
    return root


@pytest.fixture
def hearth(paths, smollm2_path):
    from assistant.core.knowledge import KnowledgeBase
    from assistant.core.knowledge.embedders import HashEmbedder

    h = Hearth(engine=OracleEngine(), knowledge=KnowledgeBase(paths, embedder=HashEmbedder()))
    yield h
    h.close()


def ab(*a: str, b: tuple[str, ...] | None = None):
    out = [parse_config(list(a), "a")]
    if b is not None:
        out.append(parse_config(list(b), "b"))
    return out


def test_docs_on_against_docs_off(hearth, qa_set, tmp_path):
    run = run_answers(qa_set, ab("docs=on", b=("docs=off",)), seed=3, hearth=hearth)
    s = run.summary()
    a, b = s["a"], s["b"]
    assert s["n"] == 4 and not run.interrupted
    assert a["exact"] == 1.0 and a["f1"] == 1.0  # "Paris [1]." is exactly "Paris"; the abstention scores 1
    assert a["abstain_unanswerable"] == 1.0 and a["abstain_answerable"] == 0.0
    assert a["retrieval_hit"] == 1.0 and a["citation_hit"] == 1.0
    assert b["f1"] == 0.0 and b["abstain_unanswerable"] == 0.0 and b["retrieval_hit"] is None
    assert s["paired"]["f1_diff"] == -1.0 and s["paired"]["losses"] == 4 and s["paired"]["ci95"] == [-1.0, -1.0]
    assert {c["id"] for c in s["paired"]["changed"]} == {"q1", "q2", "q3", "q4"}
    # every answer went through the facade: the docs-on prompt carries numbered passages, docs-off none
    prompts = hearth.engine.prompts
    assert len(prompts) == 8 and sum("[1] (France.md" in p[-1].content for p in prompts) >= 2
    assert prompts[0][0].role == "system" and prompts[0][0].content == hearth.settings.system_prompt
    report = write_report(run, tmp_path / "out" / "report.html")
    html = report.read_text(encoding="utf-8")
    assert html.count("class='item'") == 4 and html.count("<svg") == 3
    assert not re.search(r"<link|<script[^>]+src|<img|@import|url\((?!#)|(?:src|href)=['\"]?(?:https?:)?//", html)
    assert "&lt;b&gt;cathedral&lt;/b&gt;" in html and "<b>cathedral</b>" not in html  # document text is escaped
    lines = [json.loads(x) for x in items_path(report).read_text(encoding="utf-8").splitlines()]
    assert [x["id"] for x in lines] == ["q1", "q2", "q3", "q4"] and lines[0]["a"]["answer"].startswith("Paris")


def test_the_collection_is_reused_while_the_documents_are_unchanged(hearth, qa_set):
    name = collection_name(load_set(qa_set))
    run_answers(qa_set, ab("docs=on"), hearth=hearth, limit=1)
    run_answers(qa_set, ab("docs=on"), hearth=hearth, limit=1)
    assert [c.name for c in hearth.knowledge.list_collections()] == [name]
    (qa_set / "docs" / "Italy.md").write_text("# Italy\n\nThe capital of Italy is Rome.\n", encoding="utf-8")
    assert collection_name(load_set(qa_set)) != name


def test_interrupting_keeps_the_items_done(hearth, qa_set, tmp_path):
    seen = []

    def progress(done, total, eta):
        seen.append((done, total))
        if done == 5:
            raise KeyboardInterrupt

    run = run_answers(qa_set, ab("docs=on", b=("docs=off",)), hearth=hearth, progress=progress)
    assert run.interrupted and seen[-1] == (5, 8)
    assert [it.id for it in run.done()] == ["q1", "q2"]  # the third item has only A's answer: left out
    report = write_report(run, tmp_path / "partial.html")
    assert report.read_text(encoding="utf-8").count("class='item'") == 2


def test_seeded_sample_is_the_same_each_time(qa_set):
    items = load_set(qa_set).items
    assert [i.id for i in sample_items(items, 2, 5)] == [i.id for i in sample_items(items, 2, 5)]
    assert len(sample_items(items, 10, 5)) == 4


def test_bad_sets_and_models_are_clear_errors(hearth, qa_set, tmp_path):
    with pytest.raises(HearthError, match="questions.jsonl is missing"):
        load_set(tmp_path)
    with pytest.raises(HearthError, match="neither a GGUF file nor a registered model"):
        run_answers(qa_set, ab("model=no-such-model"), hearth=hearth)
    with pytest.raises(HearthError, match="remote models"):
        run_answers(qa_set, ab("model=remote:gpt"), hearth=hearth)
    with pytest.raises(HearthError, match="template 'no-such-template'|no-such-template"):
        run_answers(qa_set, ab("template=no-such-template"), hearth=hearth)
    assert hearth.engine.prompts == []  # nothing was asked before the configuration was checked
    (qa_set / "questions.jsonl").write_text('{"id": "x", "question": "Why?", "answers": ["a"]}\nnot json\n',
                                            encoding="utf-8")
    with pytest.raises(HearthError, match="line 2: not a question"):
        load_set(qa_set)


def test_a_template_shapes_the_question(hearth, qa_set):
    run = run_answers(qa_set, ab("docs=on", "template=answer-from-documents"), hearth=hearth, limit=1, seed=0)
    sent = hearth.engine.prompts[-1]
    assert sent[0].content.startswith("You answer questions using only the documents provided")
    assert "Question: " in sent[-1].content and run.summary()["n"] == 1


def test_cli_json_report_and_items_file(hearth, qa_set, tmp_path, monkeypatch, capsys):
    import assistant.core.app as app
    from assistant.cli import main

    monkeypatch.setattr(app, "Hearth", lambda *a, **k: hearth)
    report = tmp_path / "r" / "ab.html"
    code = main(["eval", "answers", "--set", str(qa_set), "--limit", "3", "--seed", "2", "--a", "docs=on", "k=2",
                 "--b", "docs=off", "--report", str(report), "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0
    assert set(out) >= {"set", "n", "a", "b", "paired", "report"} and out["n"] == 3
    assert set(out["paired"]) >= {"f1_diff", "ci95", "wins", "ties", "losses"}
    assert out["report"] == str(report.resolve()) and report.exists()
    assert len(report.with_suffix(".jsonl").read_text(encoding="utf-8").splitlines()) == 3


def test_cli_unknown_key_is_a_clear_error(qa_set, capsys):
    from assistant.cli import main

    assert main(["eval", "answers", "--set", str(qa_set), "--a", "colour=blue"]) == 1
    err = capsys.readouterr().err
    assert "configuration A: 'colour=blue': unknown key 'colour'" in err and "known keys: model, docs" in err


def test_items_with_an_empty_question_are_left_out(qa_set):
    # the CMRC 2018 trial set has two such lines (748 and 809): nothing to ask, so nothing to score
    with open(qa_set / "questions.jsonl", "a", encoding="utf-8") as f:
        f.write(json.dumps({"id": "blank", "question": " ", "answers": ["x"], "unanswerable": False}) + "\n")
    s = load_set(qa_set)
    assert [i.id for i in s.items] == ["q1", "q2", "q3", "q4"] and s.skipped == ["blank"]


class CachingEngine(OracleEngine):
    """Like llama.cpp on a CPU: a prompt that repeats the one before it is re-read from its last
    token only, and that rounds differently, so a near tie can come out another way."""

    def __init__(self) -> None:
        super().__init__()
        self.held: list | None = None  # the prompt whose tokens the cache still holds
        self.resets = 0

    def forget_cache(self):
        self.held = None
        self.resets += 1

    def chat(self, messages, sampling, conversation_id=None):
        warm = self.held == messages
        self.held = list(messages)
        if warm:
            self.prompts.append(list(messages))
            return ScriptedStream(["Naples [1]. "], 0.0)
        return super().chat(messages, sampling, conversation_id)


def test_configurations_that_differ_after_generation_get_the_same_words(paths, smollm2_path, qa_set):
    """A (grounding off) and B (balanced) send the same prompt: B must not get other words because
    A's prompt was still in the engine's cache (4 of 30 SQuAD answers differed that way)."""
    from assistant.core.knowledge import KnowledgeBase
    from assistant.core.knowledge.embedders import HashEmbedder

    engine = CachingEngine()
    h = Hearth(engine=engine, knowledge=KnowledgeBase(paths, embedder=HashEmbedder()))
    try:
        run = run_answers(qa_set, ab("grounding=off", b=("grounding=balanced",)), seed=3, hearth=h)
    finally:
        h.close()
    assert engine.prompts and engine.resets == len(engine.prompts)  # every answer read its prompt from the start
    for it in run.items:
        a, b = run.results["a"][it.id], run.results["b"][it.id]
        assert "Naples" not in a.answer + b.answer + b.raw_answer
        assert (b.raw_answer or b.answer) == a.answer or b.answer.startswith("I could not find")
