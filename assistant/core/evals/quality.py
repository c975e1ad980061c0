"""What the Quality dashboard shows, read from what Hearth already records.

Every stored answer carries its model and its stats (time to first token, tokens per second,
context used and its size, turns left out to fit); every rating is in the feedback store. This
module reads both, read-only, and sums them up: answers per day, 👍/👎 per day and the share of
👍, speed over time by model, and how full the context window was. Answers of chats in the bin
are left out; answers still being written or that failed are not counted.
"""
from __future__ import annotations

import datetime
import json
import logging
import sqlite3
import statistics
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

log = logging.getLogger("assistant.evals")

COUNTED = ("complete", "stopped")  # answers that were really given (not streaming, failed or interrupted)


@dataclass
class AnswerSample:
    """One stored answer's facts (``None`` where its stats do not say)."""

    created: float
    model: str
    ttft_s: float | None
    tokens_per_s: float | None
    context_used: int | None
    context_size: int | None
    dropped_turns: int = 0

    @property
    def context_share(self) -> float | None:
        """The share of the context window the answer used (0 to 1)."""
        if not self.context_used or not self.context_size:
            return None
        return min(1.0, self.context_used / self.context_size)


@dataclass
class ModelQuality:
    """One model's answers: how many, and their medians."""

    model: str  # as stored: a file path or ``remote:NAME``
    name: str  # the file name (what the dashboard shows)
    answers: int
    ttft_p50_s: float | None
    tokens_per_s_p50: float | None
    context_share_p50: float | None


@dataclass
class Quality:
    """The dashboard's data.

    Attributes:
        days: every day (ISO date, local time) from ``since`` (or the first answer) to today.
        answers_per_day, up_per_day, down_per_day: one count per day of ``days``.
        up, down: ratings in the period; ``positive_share``: up / (up + down), None without ratings.
        samples: the answers, oldest first (for the plots over time).
        models: per model, the most used first.
        context_share_p50, context_share_max: of the answers that say how full the window was.
        dropped_answers: answers for which old turns were left out to fit the context window.
    """

    days: list[str] = field(default_factory=list)
    answers_per_day: list[int] = field(default_factory=list)
    up_per_day: list[int] = field(default_factory=list)
    down_per_day: list[int] = field(default_factory=list)
    up: int = 0
    down: int = 0
    samples: list[AnswerSample] = field(default_factory=list)
    models: list[ModelQuality] = field(default_factory=list)
    context_share_p50: float | None = None
    context_share_max: float | None = None
    dropped_answers: int = 0

    @property
    def answers(self) -> int:
        return len(self.samples)

    @property
    def positive_share(self) -> float | None:
        return self.up / (self.up + self.down) if self.up + self.down else None

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d.pop("samples")
        d.update(answers=self.answers, positive_share=self.positive_share)
        return d


def _connect(path: Path) -> sqlite3.Connection | None:
    if not path.is_file():
        return None
    # read-only: the dashboard never writes, and the window's own connection keeps writing meanwhile
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=10, check_same_thread=False)


def _num(v: Any) -> float | None:
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) and v > 0 else None


def _day(t: float) -> str:
    return datetime.date.fromtimestamp(t).isoformat()


def _median(xs: list[float]) -> float | None:
    return round(statistics.median(xs), 3) if xs else None


def read_samples(conversations_db: str | Path, since: float = 0.0) -> list[AnswerSample]:
    """The stored answers since ``since`` (a Unix time), oldest first; none if the file does not exist."""
    db = _connect(Path(conversations_db))
    if db is None:
        return []
    try:
        rows = db.execute(
            "SELECT m.created, m.model, m.stats FROM messages m JOIN conversations c ON c.id = m.conversation_id "
            f"WHERE m.role = 'assistant' AND m.status IN ({', '.join('?' * len(COUNTED))}) AND c.deleted IS NULL "
            "AND m.created >= ? ORDER BY m.created", (*COUNTED, since)).fetchall()
    finally:
        db.close()
    out = []
    for created, model, stats_text in rows:
        try:
            stats = json.loads(stats_text or "{}")
        except ValueError:
            log.warning("an answer's stats are not JSON; counted without them")
            stats = {}
        if not isinstance(stats, dict):
            stats = {}
        used, size = _num(stats.get("context_used")), _num(stats.get("context_size"))
        out.append(AnswerSample(created=float(created), model=str(model or ""), ttft_s=_num(stats.get("ttft_s")),
                                tokens_per_s=_num(stats.get("tokens_per_s")),
                                context_used=int(used) if used else None, context_size=int(size) if size else None,
                                dropped_turns=int(_num(stats.get("dropped_turns")) or 0)))
    return out


def read_ratings(feedback_db: str | Path, since: float = 0.0) -> list[tuple[float, str]]:
    """(time, "up" or "down") of each rating since ``since``; none if the feedback file does not exist."""
    db = _connect(Path(feedback_db))
    if db is None:
        return []
    try:
        return [(float(t), str(r)) for t, r in
                db.execute("SELECT created, rating FROM feedback WHERE created >= ? ORDER BY created", (since,))]
    except sqlite3.OperationalError as e:  # a feedback file from before the table existed
        log.warning("cannot read the ratings in %s: %s", feedback_db, e)
        return []
    finally:
        db.close()


def summarise(samples: list[AnswerSample], ratings: list[tuple[float, str]], since: float | None = None,
              now: float | None = None) -> Quality:
    """Sum answers and ratings up per day and per model (see :class:`Quality`)."""
    now = time.time() if now is None else now
    q = Quality(samples=list(samples))
    starts = [s.created for s in samples] + [t for t, _r in ratings]
    first = since if since else (min(starts) if starts else now)
    day, last = datetime.date.fromtimestamp(first), datetime.date.fromtimestamp(now)
    while day <= last:
        q.days.append(day.isoformat())
        day += datetime.timedelta(days=1)
    index = {d: i for i, d in enumerate(q.days)}
    q.answers_per_day = [0] * len(q.days)
    q.up_per_day = [0] * len(q.days)
    q.down_per_day = [0] * len(q.days)
    for s in samples:
        if (i := index.get(_day(s.created))) is not None:
            q.answers_per_day[i] += 1
    for t, rating in ratings:
        i = index.get(_day(t))
        if rating == "up":
            q.up += 1
            if i is not None:
                q.up_per_day[i] += 1
        elif rating == "down":
            q.down += 1
            if i is not None:
                q.down_per_day[i] += 1
    by_model: dict[str, list[AnswerSample]] = {}
    for s in samples:
        by_model.setdefault(s.model, []).append(s)
    for model, ss in sorted(by_model.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        name = model.split(":", 1)[1] if model.startswith("remote:") else (Path(model).name if model else "?")
        q.models.append(ModelQuality(
            model=model, name=name, answers=len(ss),
            ttft_p50_s=_median([s.ttft_s for s in ss if s.ttft_s is not None]),
            tokens_per_s_p50=_median([s.tokens_per_s for s in ss if s.tokens_per_s is not None]),
            context_share_p50=_median([c for s in ss if (c := s.context_share) is not None])))
    shares = [c for s in samples if (c := s.context_share) is not None]
    q.context_share_p50 = _median(shares)
    q.context_share_max = round(max(shares), 3) if shares else None
    q.dropped_answers = sum(1 for s in samples if s.dropped_turns)
    return q


def read_quality(hearth: Any, days: int | None = 30, now: float | None = None) -> Quality:
    """The dashboard's data for a Hearth home: the last ``days`` days (None: everything)."""
    now = time.time() if now is None else now
    since = None
    if days:
        start = datetime.date.fromtimestamp(now) - datetime.timedelta(days=days - 1)
        since = datetime.datetime.combine(start, datetime.time()).timestamp()
    paths = hearth.paths
    samples = read_samples(paths.conversations_db, since or 0.0)
    ratings = read_ratings(Path(paths.data) / "feedback.db", since or 0.0)
    return summarise(samples, ratings, since, now)
