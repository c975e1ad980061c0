"""`hearth eval answers` on the real parts: SmolLM2 through the engine process, MiniLM, Chroma,
a 30-item slice of ../shared/eval/qa/squad2, docs on against docs off."""
from __future__ import annotations

import json

import pytest

from assistant.core.app import Hearth
from assistant.core.evals.answers import run_answers
from assistant.core.evals.qa_config import parse_config
from assistant.core.evals.report import write_report

FAST = ["temperature=0", "max_tokens=48"]
pytestmark = [pytest.mark.slow, pytest.mark.timeout(2400)]  # 60 answers: minutes on 2 busy cores
RATES = ("exact", "f1", "abstain_unanswerable", "abstain_answerable", "citation_hit", "retrieval_hit")


@pytest.fixture(scope="module")
def hearth(tmp_path_factory):
    h = Hearth(home=tmp_path_factory.mktemp("eval-home"))
    yield h
    h.close()


@pytest.fixture(scope="module")
def squad_ab(hearth, smollm2_path):
    from assistant.core import netguard

    with netguard.guard(block=True, allow_loopback=True) as log:
        run = run_answers(_squad(), [
            parse_config([f"model={smollm2_path}", "docs=on", *FAST], "a"),
            parse_config([f"model={smollm2_path}", "docs=off", *FAST], "b")], limit=30, seed=1, hearth=hearth)
    assert log.attempts == []
    print("\nsquad2 30-item A/B:", json.dumps({k: run.summary()[k] for k in ("n", "a", "b", "paired", "seconds",
                                                                           "items_per_minute")}))
    return run


def _squad():
    from tests.conftest import SHARED_EVAL

    return SHARED_EVAL / "qa" / "squad2"


def test_metrics_are_in_range_and_documents_help(squad_ab):
    s = squad_ab.summary()
    assert s["n"] == 30 and not squad_ab.interrupted
    a, b = s["a"], s["b"]
    for side in (a, b):
        for name in RATES:
            assert side[name] is None or 0.0 <= side[name] <= 1.0, (name, side[name])
        assert side["n"] == 30 and side["errors"] == 0 and side["tokens_per_s"] > 0 and side["ttft_p50_s"] > 0
    assert a["retrieval_hit"] > 0.5  # the passages usually hold the answer
    assert b["retrieval_hit"] is None and b["citation_hit"] is None  # docs off: nothing retrieved or cited
    # answering from the documents beats answering from the model's memory, item by item
    assert a["f1"] > b["f1"]
    p = s["paired"]
    assert p["f1_diff"] < 0 and p["losses"] > p["wins"] and p["wins"] + p["ties"] + p["losses"] == 30
    assert p["ci95"][0] <= p["f1_diff"] <= p["ci95"][1]


def test_report_holds_every_item(squad_ab, tmp_path):
    path = write_report(squad_ab, tmp_path / "squad.html")
    html = path.read_text(encoding="utf-8")
    assert html.count("class='item'") == 30 and html.count("<svg") == 3
    for it in squad_ab.items:
        assert f"id {it.id}" in html
    lines = [json.loads(x) for x in path.with_suffix(".jsonl").read_text(encoding="utf-8").splitlines()]
    assert [x["id"] for x in lines] == [it.id for it in squad_ab.items]
    assert all(x["a"]["passages"] and not x["b"]["passages"] for x in lines)


def test_interrupting_writes_a_partial_report(hearth, squad_ab, smollm2_path, tmp_path):
    def progress(done, total, eta):
        if done == 4:
            raise KeyboardInterrupt  # as Ctrl-C would, between answers

    run = run_answers(_squad(), [parse_config([f"model={smollm2_path}", "docs=on", *FAST], "a"),
                                 parse_config([f"model={smollm2_path}", "docs=off", *FAST], "b")],
                      limit=30, seed=1, hearth=hearth, progress=progress)
    assert run.interrupted and len(run.done()) == 2
    assert [c.name for c in hearth.knowledge.list_collections()] == [squad_ab.collection]  # reused, not re-made
    html = write_report(run, tmp_path / "partial.html").read_text(encoding="utf-8")
    assert html.count("class='item'") == 2 and "2 of 30 items answered (interrupted)" in html
