"""Answer evaluation: ask a QA set's questions through Hearth and score the answers.

A QA set is a folder with ``docs/`` (the documents, indexed as one collection, as a user would)
and ``questions.jsonl`` (``id``, ``question``, ``answers``, ``unanswerable``, ``doc``, ``lang``).
Every answer goes through :meth:`Hearth.answer` with :class:`ConversationSettings`, exactly as a
chat in the window answers: same retrieval, prompt building, model loading and sampling. One
:class:`Hearth` (one engine process, one knowledge base) serves the whole run.

Two configurations (A and B, see :mod:`.qa_config`) run on the same items; the paired F1
differences get a seeded bootstrap interval. Ctrl-C (KeyboardInterrupt) ends the run after the
answers already finished, which are kept and scored.
"""
from __future__ import annotations

import hashlib
import json
import logging
import random
import re
import statistics
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable

from assistant.core.errors import HearthError

from .qa_config import AnswerConfig, resolve_model
from .qa_metrics import bootstrap_ci, contains_answer, exact_f1, is_abstention

log = logging.getLogger("assistant.evals")

Progress = Callable[[int, int, float], None]  # (answers done, answers in all, seconds left)
CHANGED_SHOWN = 10


@dataclass
class QAItem:
    """One question of a set; ``answers`` is empty for an unanswerable one."""

    id: str
    question: str
    answers: list[str]
    unanswerable: bool
    doc: str = ""
    lang: str = "en"


@dataclass
class QASet:
    """A loaded QA set: its folder, documents folder and questions (in file order)."""

    name: str
    folder: Path
    docs_dir: Path
    items: list[QAItem]
    skipped: list[str] = field(default_factory=list)  # ids of items left out (an empty question)


def load_set(folder: str | Path) -> QASet:
    """Read a QA set folder.

    Raises:
        HearthError: the folder, ``docs/`` or ``questions.jsonl`` is missing, or a line of
            ``questions.jsonl`` is not a question (the line number is named).
    """
    folder = Path(folder).expanduser().resolve()
    qfile, docs = folder / "questions.jsonl", folder / "docs"
    if not folder.is_dir():
        raise HearthError(f"{folder} is not a folder", fix="give a QA set folder holding docs/ and questions.jsonl")
    for need in (qfile, docs):
        if not need.exists():
            raise HearthError(f"{folder} is not a QA set: {need.name} is missing",
                              fix="a QA set folder holds docs/ (the documents) and questions.jsonl")
    items: list[QAItem] = []
    skipped: list[str] = []
    seen: set[str] = set()
    with open(qfile, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                d = json.loads(line)
                answers = [str(a) for a in d.get("answers") or []]
                item = QAItem(id=str(d["id"]), question=str(d["question"]), answers=answers,
                              unanswerable=bool(d.get("unanswerable", not answers)), doc=str(d.get("doc", "")),
                              lang=str(d.get("lang") or "en"))
            except (ValueError, KeyError, TypeError, AttributeError) as e:
                raise HearthError(f"{qfile}, line {n}: not a question ({type(e).__name__}: {e})",
                                  fix='each line is {"id", "question", "answers": [...], "unanswerable", "lang"}') \
                    from None
            if not item.question.strip():  # real sets have these (CMRC 2018 trial, line 748): nothing to ask
                log.warning("%s, line %d: the question is empty; item %s left out", qfile, n, item.id)
                skipped.append(item.id)
                continue
            if not item.unanswerable and not answers:
                raise HearthError(f"{qfile}, line {n}: an answerable question needs reference answers")
            if item.id in seen:
                raise HearthError(f"{qfile}, line {n}: the id {item.id!r} is used twice")
            seen.add(item.id)
            items.append(item)
    if not items:
        raise HearthError(f"{qfile} holds no questions")
    return QASet(name=folder.name, folder=folder, docs_dir=docs, items=items, skipped=skipped)


def sample_items(items: list[QAItem], limit: int | None, seed: int) -> list[QAItem]:
    """``limit`` items drawn with ``seed`` (the same items every time), kept in file order; all if no limit."""
    if limit is None or limit >= len(items):
        return list(items)
    if limit < 1:
        raise HearthError(f"--limit must be at least 1 (got {limit})")
    keep = set(random.Random(seed).sample(range(len(items)), limit))
    return [it for i, it in enumerate(items) if i in keep]


def collection_name(qaset: QASet) -> str:
    """The run's collection: the set's name plus a hash of its documents (reused while they are unchanged)."""
    h = hashlib.sha256()
    for p in sorted(q for q in qaset.docs_dir.rglob("*") if q.is_file()):
        h.update(p.relative_to(qaset.docs_dir).as_posix().encode("utf-8") + b"\0")
        h.update(hashlib.sha256(p.read_bytes()).digest())
    slug = re.sub(r"[^\w.-]+", "-", qaset.name).strip("-") or "set"
    return f"eval-{slug}-{h.hexdigest()[:12]}"


@dataclass
class ItemResult:
    """One configuration's answer to one item, with its scores."""

    answer: str = ""
    raw_answer: str = ""  # the model's own words when the answer shown differs (grounding, repeated instructions)
    exact: float = 0.0
    f1: float = 0.0
    abstained: bool = False
    citation_hit: bool | None = None  # None: no reference answer or no passages to cite
    retrieval_hit: bool | None = None
    ttft_s: float | None = None
    tokens_per_s: float | None = None
    generated_tokens: int = 0
    seconds: float = 0.0
    passages: list[dict[str, Any]] = field(default_factory=list)
    citations: list[dict[str, Any]] = field(default_factory=list)
    error: str = ""
    checked_sentences: int = 0  # sentences of the answer making a claim (see answers.support)
    supported_sentences: int = 0  # of those, supported by a passage
    unsupported_numbers: int = 0  # sentences with a number found in no passage
    reflection: str = ""  # with reflect=on: "first" or "reflected" (the answer kept), "" when it did not re-answer


def score(item: QAItem, text: str, passages: list[str], cited: list[str]) -> ItemResult:
    """The scores of one answer (``passages``: retrieved texts; ``cited``: texts of the cited ones)."""
    abstained = is_abstention(text, item.lang)
    exact, f1 = exact_f1([] if item.unanswerable else item.answers, text, item.lang, abstained=abstained)
    r = ItemResult(answer=text, exact=exact, f1=f1, abstained=abstained)
    if not item.unanswerable and passages:
        r.retrieval_hit = any(contains_answer(p, item.answers, item.lang) for p in passages)
        r.citation_hit = any(contains_answer(p, item.answers, item.lang) for p in cited)
    return r


def _mean(xs: list[float]) -> float | None:
    return round(sum(xs) / len(xs), 4) if xs else None


def metrics(items: list[QAItem], results: list[ItemResult]) -> dict[str, Any]:
    """A configuration's metrics over the items it answered (``None`` where no item applies)."""
    pairs = list(zip(items, results))
    ok = [r for r in results if not r.error]
    answerable = [r for it, r in pairs if not it.unanswerable]
    return {
        "n": len(results),
        "exact": _mean([r.exact for r in results]),
        "f1": _mean([r.f1 for r in results]),
        "abstain_unanswerable": _mean([float(r.abstained) for it, r in pairs if it.unanswerable]),
        "abstain_answerable": _mean([float(r.abstained) for r in answerable]),
        "citation_hit": _mean([float(r.citation_hit) for r in answerable if r.citation_hit is not None]),
        "retrieval_hit": _mean([float(r.retrieval_hit) for r in answerable if r.retrieval_hit is not None]),
        "ttft_p50_s": round(statistics.median(t), 3) if (t := [r.ttft_s for r in ok if r.ttft_s is not None]) else None,
        "tokens_per_s": round(sum(v) / len(v), 1) if (v := [r.tokens_per_s for r in ok if r.tokens_per_s]) else None,
        "supported_share": round(sum(r.supported_sentences for r in ok) / c, 4)
        if (c := sum(r.checked_sentences for r in ok)) else None,
        "unsupported_numbers": _mean([float(r.unsupported_numbers) for r in ok]),
        "s_per_item": round(sum(r.seconds for r in results) / len(results), 3) if results else None,
        "errors": len(results) - len(ok),
    }


@dataclass
class Paired:
    """B against A on the items both answered: mean F1 difference (B - A) and its interval."""

    f1_diff: float
    ci95: tuple[float, float]
    wins: int  # items where B's F1 is higher
    ties: int
    losses: int
    changed: list[tuple[str, float]]  # (item id, B - A), the largest changes first

    def as_dict(self) -> dict[str, Any]:
        return {"f1_diff": round(self.f1_diff, 4), "ci95": [round(self.ci95[0], 4), round(self.ci95[1], 4)],
                "wins": self.wins, "ties": self.ties, "losses": self.losses,
                "changed": [{"id": i, "f1_diff": round(d, 4)} for i, d in self.changed]}


def paired(a: list[ItemResult], b: list[ItemResult], ids: list[str], seed: int) -> Paired:
    """Paired comparison of two configurations' results on the same items (same order)."""
    diffs = [rb.f1 - ra.f1 for ra, rb in zip(a, b)]
    eps = 1e-9
    changed = sorted(((i, d) for i, d in zip(ids, diffs) if abs(d) > eps), key=lambda x: -abs(x[1]))
    return Paired(f1_diff=sum(diffs) / len(diffs) if diffs else 0.0, ci95=bootstrap_ci(diffs, seed=seed),
                  wins=sum(d > eps for d in diffs), ties=sum(abs(d) <= eps for d in diffs),
                  losses=sum(d < -eps for d in diffs), changed=changed[:CHANGED_SHOWN])


@dataclass
class AnswerRun:
    """A finished (or interrupted) evaluation.

    Attributes:
        results: by configuration label, by item id.
        interrupted: the run was stopped (Ctrl-C) before every item was answered.
    """

    qaset: QASet
    items: list[QAItem]
    configs: list[AnswerConfig]
    seed: int
    collection: str | None = None
    results: dict[str, dict[str, ItemResult]] = field(default_factory=dict)
    models: dict[str, str] = field(default_factory=dict)
    interrupted: bool = False
    seconds: float = 0.0

    def done(self) -> list[QAItem]:
        """The items every configuration answered, in order."""
        return [it for it in self.items if all(it.id in self.results.get(c.label, {}) for c in self.configs)]

    def metrics(self) -> dict[str, dict[str, Any]]:
        done = self.done()
        return {c.label: metrics(done, [self.results[c.label][it.id] for it in done]) for c in self.configs}

    def paired(self) -> Paired | None:
        if len(self.configs) < 2:
            return None
        done = self.done()
        a, b = (self.results[c.label] for c in self.configs[:2])
        return paired([a[it.id] for it in done], [b[it.id] for it in done], [it.id for it in done], self.seed)

    def summary(self, report: str | None = None) -> dict[str, Any]:
        """The run as one JSON-able object: set, n, a, b, paired, report (and a few facts more)."""
        m = self.metrics()
        p = self.paired()
        n = len(self.done())
        return {"set": str(self.qaset.folder), "n": n, "skipped": self.qaset.skipped, "a": m.get("a"), "b": m.get("b"),
                "paired": p.as_dict() if p else None, "report": report, "interrupted": self.interrupted,
                "seed": self.seed, "seconds": round(self.seconds, 1),
                "items_per_minute": round(n * 60 / self.seconds, 2) if self.seconds and n else None,
                "configs": {c.label: {**c.as_dict(), "model": self.models.get(c.label, c.model)} for c in self.configs}}

    def item_records(self) -> list[dict[str, Any]]:
        """One JSON-able record per answered item (for the .jsonl file and the report)."""
        out = []
        for it in self.done():
            rec: dict[str, Any] = asdict(it)
            for c in self.configs:
                rec[c.label] = asdict(self.results[c.label][it.id])
            if len(self.configs) > 1:
                rec["f1_diff"] = round(rec["b"]["f1"] - rec["a"]["f1"], 4)
            out.append(rec)
        return out


def _prompt(hearth: Any, cfg: AnswerConfig, item: QAItem) -> tuple[str, str, dict[str, Any]]:
    """(question text, system prompt, sampling) for one item, through the template if there is one."""
    system = cfg.system if cfg.system is not None else hearth.settings.system_prompt
    if not cfg.template:
        return item.question, system, dict(cfg.sampling)
    tmpl = hearth.templates.get(cfg.template, cfg.template_version)
    values = {"input": item.question}
    values.update({v: "" for v in tmpl.required_variables() if v in ("document", "selection", "language")})
    rendered = hearth.templates.render(cfg.template, values, cfg.template_version)
    sampling = {**(rendered.sampling or {}), **cfg.sampling}
    if rendered.persona:
        return item.question, rendered.system_prompt or system, sampling
    return rendered.user_text, rendered.system_prompt or system, sampling


def forget_cached_prompt(engine: Any) -> None:
    """Make the engine read the next prompt from its first token (called in the engine turn).

    The engine keeps the tokens of the last prompt and answer and re-reads only what follows
    the longest shared prefix. Configuration B asks the same prompt right after A, so B would
    re-read one token where A read hundreds in batches; llama.cpp's one-token and batch kernels
    round differently, enough to flip a near tie even at temperature 0. Measured on 30 SQuAD 2.0
    items (seed 7, SmolLM2, temperature 0, A grounding off, B balanced): the model's words
    differed on 6 of the 29 items where both asked the model with the cache kept, on 0 of 29
    with every answer started cold (B's F1 0.462 vs 0.456; s/item about 9-12 on a busy 2-core
    machine either way, A's prompt no longer served to B). Starting every answer cold makes an
    answer depend on its own prompt only: A and B, and two runs, get the same words when their
    prompts are the same.

    An engine without ``forget_cache`` (a remote one: the server's cache is its own) is left as is.
    """
    reset = getattr(engine, "forget_cache", None)
    if reset is not None:
        reset()


class Stopped(Exception):
    """The run's ``stop`` event was set while an answer was being written (that answer is not scored)."""


def answer_item(hearth: Any, cfg: AnswerConfig, item: QAItem, *, model: str, collection: str | None,
                seed: int, stop: threading.Event | None = None) -> ItemResult:
    """Ask one item through :meth:`Hearth.answer`, as a chat with these settings would, and score it.

    Raises:
        Stopped: ``stop`` was set before the answer was finished (the answer is cancelled).
    """
    from assistant.core.app import ConversationSettings
    from assistant.core.engine.types import Message

    question, system, sampling = _prompt(hearth, cfg, item)
    sampling.setdefault("seed", seed)
    cs = ConversationSettings(model=model, collection=collection if cfg.docs and collection else "", k=cfg.k,
                              retrieval=cfg.retrieval, adapters=[dict(a) for a in cfg.adapters],
                              system_prompt=system or "", grounding=cfg.grounding, reflect=cfg.reflect,
                              compress=cfg.compress, verify=cfg.verify)
    t0 = time.monotonic()
    reply = hearth.answer([Message("user", question)], settings=cs, sampling=sampling)
    if reply.asks_model:
        reply.on_start = lambda: forget_cached_prompt(hearth.engine_for(model))
    for _chunk in reply:
        if stop is not None and stop.is_set():
            reply.cancel()
    if stop is not None and stop.is_set():
        raise Stopped(item.id)
    seconds = time.monotonic() - t0
    texts = [p.text for p in reply.passages]
    cited = [texts[c["number"] - 1] for c in reply.citations
             if c.get("cited") and 1 <= c.get("number", 0) <= len(texts)]
    r = score(item, reply.text, texts, cited)
    r.seconds = seconds
    raw = getattr(reply, "raw_text", "") or ""
    r.raw_answer = raw if raw != reply.text else ""
    if reply.stats is not None:
        r.ttft_s, r.generated_tokens = reply.stats.ttft_s, reply.stats.generated_tokens
        r.tokens_per_s = reply.stats.tokens_per_s or None
    r.passages = [{"number": i, "source": Path(p.citation.source_path).name, "text": p.text}
                  for i, p in enumerate(reply.passages, 1)]
    r.citations = [{k: c.get(k) for k in ("number", "source_path", "snippet", "cited")} for c in reply.citations]
    support = getattr(reply, "support", None) or {}
    r.checked_sentences, r.supported_sentences = support.get("sentences", 0), support.get("supported", 0)
    r.reflection = (getattr(reply, "reflection", None) or {}).get("kept", "")
    r.unsupported_numbers = support.get("unsupported_numbers", 0)
    return r


def run_answers(set_dir: str | Path, configs: list[AnswerConfig], *, limit: int | None = None, seed: int = 0,
                hearth: Any = None, progress: Progress | None = None,
                index_progress: Callable[[Any], None] | None = None,
                stop: threading.Event | None = None) -> AnswerRun:
    """Evaluate one or two configurations on a QA set.

    Args:
        set_dir: the QA set folder (``docs/`` + ``questions.jsonl``).
        configs: A (and B); labels "a" and "b".
        limit, seed: evaluate ``limit`` items drawn with ``seed`` (the seed also seeds sampling
            and the bootstrap).
        hearth: the :class:`Hearth` to use (default: a new one, closed at the end).
        progress: called after each answer with (answers done, answers in all, seconds left).
        index_progress: called while the documents are indexed (:class:`IndexProgress`).
        stop: set it (from another thread: the window's Stop) to end the run like Ctrl-C: the
            answer being written is cancelled and left out, the finished ones are kept.

    Returns:
        The run; ``interrupted`` is True when Ctrl-C or ``stop`` ended it (the finished answers are kept).

    Raises:
        HearthError: a bad set, configuration, template or model; or the first answer of a
            configuration failed.
    """
    if not configs:
        raise HearthError("nothing to evaluate: give at least one configuration")
    qaset = load_set(set_dir)
    items = sample_items(qaset.items, limit, seed)
    own = hearth is None
    if own:
        from assistant.core.app import Hearth

        hearth = Hearth()
    run = AnswerRun(qaset=qaset, items=items, configs=configs, seed=seed)
    try:
        for c in configs:
            run.models[c.label] = resolve_model(hearth, c.model)
            if c.template:
                hearth.templates.get(c.template, c.template_version)  # a missing template fails now, not per item
            run.results[c.label] = {}
        if any(c.docs for c in configs):
            run.collection = _index(hearth, qaset, index_progress, stop)
        _answer_all(hearth, run, progress, stop)
    except Stopped:  # stopped while the documents were being indexed: nothing answered yet
        run.interrupted = True
    finally:
        if own:
            hearth.close()
    return run


def _index(hearth: Any, qaset: QASet, progress: Callable[[Any], None] | None,
           stop: threading.Event | None = None) -> str:
    from assistant.core.knowledge.types import INDEXED, UNCHANGED

    name = collection_name(qaset)
    reports = hearth.knowledge.index(name, [qaset.docs_dir], progress=progress, cancel=stop)
    if stop is not None and stop.is_set():
        raise Stopped()
    for r in reports:
        if r.status not in (INDEXED, UNCHANGED, "skipped"):
            log.warning("evaluation set %s: %s: %s %s", qaset.name, r.path, r.status, r.reason)
    if not any(f.status == INDEXED for f in hearth.knowledge.files(name)):
        raise HearthError(f"no document of {qaset.docs_dir} could be indexed")
    return name


def _answer_all(hearth: Any, run: AnswerRun, progress: Progress | None,
                stop: threading.Event | None = None) -> None:
    configs, items = run.configs, run.items
    # Same base model: answer A and B item by item (an interruption leaves whole pairs, and
    # adapters switch without a reload). Different models: one configuration after the other,
    # since alternating would reload a model for every answer.
    same_model = len({run.models[c.label] for c in configs}) == 1
    order = ([(it, c) for it in items for c in configs] if same_model else
             [(it, c) for c in configs for it in items])
    total, t0 = len(order), time.monotonic()
    try:
        for done, (item, cfg) in enumerate(order, 1):
            if stop is not None and stop.is_set():
                raise Stopped()
            try:
                r = answer_item(hearth, cfg, item, model=run.models[cfg.label], collection=run.collection,
                                seed=run.seed, stop=stop)
            except HearthError as e:
                if not run.results[cfg.label]:
                    raise  # the configuration does not work at all: say so instead of scoring errors
                log.warning("evaluation item %s (%s) failed: %s", item.id, cfg.label, e)
                r = ItemResult(error=str(e))  # scores 0, not an abstention
            run.results[cfg.label][item.id] = r
            elapsed = time.monotonic() - t0
            if progress is not None:
                progress(done, total, elapsed / done * (total - done))
    except (KeyboardInterrupt, Stopped):
        run.interrupted = True
        log.info("answer evaluation interrupted after %d of %d items", len(run.done()), len(items))
    finally:
        run.seconds = time.monotonic() - t0
