"""The HTML report of an answer evaluation, and its one-JSON-line-per-item companion.

The report is one self-contained file: no network, no external script or style sheet. Plots are
drawn with matplotlib into inline SVG. Every item is listed (question, references, each
configuration's answer, passages and citations) and a small inline script filters them by text
and by "changed only". All text, document text included, is escaped: it is data, never markup.
"""
from __future__ import annotations

import datetime
import io
import json
from html import escape
from pathlib import Path
from typing import Any, Callable

from .answers import AnswerRun, ItemResult, QAItem
from .qa_metrics import bootstrap_ci

RATE_METRICS: dict[str, Callable[[QAItem, ItemResult], float | None]] = {
    "exact": lambda it, r: r.exact,
    "f1": lambda it, r: r.f1,
    "abstain_unanswerable": lambda it, r: float(r.abstained) if it.unanswerable else None,
    "abstain_answerable": lambda it, r: None if it.unanswerable else float(r.abstained),
    "citation_hit": lambda it, r: None if r.citation_hit is None else float(r.citation_hit),
    "retrieval_hit": lambda it, r: None if r.retrieval_hit is None else float(r.retrieval_hit),
}
OTHER_METRICS = ("supported_share", "unsupported_numbers", "ttft_p50_s", "tokens_per_s", "s_per_item", "n", "errors")
HIGHER_IS_BETTER = {"exact", "f1", "abstain_unanswerable", "citation_hit", "retrieval_hit", "tokens_per_s",
                    "supported_share"}


def items_path(report: Path) -> Path:
    """Where the per-item JSON lines go: beside the report, same name, ``.jsonl``."""
    return report.with_suffix(".jsonl")


def write_items(run: AnswerRun, path: Path) -> None:
    """One JSON object per answered item (question, references, each configuration's answer and scores)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        for rec in run.item_records():
            f.write(json.dumps(rec, ensure_ascii=False) + "\n")


def metric_intervals(run: AnswerRun) -> dict[str, dict[str, Any]]:
    """For each rate metric: each configuration's 95% interval and, with two, the paired difference's.

    Only items where the metric applies to both configurations count in the difference.
    """
    done = run.done()
    labels = [c.label for c in run.configs]
    out: dict[str, dict[str, Any]] = {}
    for name, fn in RATE_METRICS.items():
        entry: dict[str, Any] = {}
        vals: dict[str, dict[str, float]] = {}
        for lab in labels:
            vals[lab] = {it.id: v for it in done if (v := fn(it, run.results[lab][it.id])) is not None}
            xs = list(vals[lab].values())
            entry[lab] = bootstrap_ci(xs, seed=run.seed) if xs else None
        if len(labels) == 2:
            common = [i for i in vals["a"] if i in vals["b"]]
            diffs = [vals["b"][i] - vals["a"][i] for i in common]
            entry["diff"] = (sum(diffs) / len(diffs), bootstrap_ci(diffs, seed=run.seed)) if diffs else None
        out[name] = entry
    return out


# -- plots -----------------------------------------------------------------------------------
def _svg(fig: Any) -> str:
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight",
                metadata={"Creator": None, "Date": None, "Format": None, "Type": None})
    text = buf.getvalue()
    return text[text.find("<svg"):]  # drop the XML prologue and DOCTYPE (not allowed inside HTML)


def _figure(width: float = 6.0, height: float = 3.0) -> Any:
    from matplotlib.figure import Figure  # no pyplot: no global state, no GUI backend

    return Figure(figsize=(width, height), dpi=96)


COLOURS = {"a": "#3b6fb6", "b": "#d9822b"}


def plots(run: AnswerRun) -> list[tuple[str, str]]:
    """(title, inline SVG) of the score distributions, latencies and paired differences."""
    done = run.done()
    if not done:
        return []
    labels = [c.label for c in run.configs]
    out = []
    fig = _figure()
    ax = fig.subplots()
    bins = [i / 10 for i in range(11)]
    ax.hist([[run.results[lab][it.id].f1 for it in done] for lab in labels], bins=bins,
            label=[lab.upper() for lab in labels], color=[COLOURS[lab] for lab in labels])
    ax.set_xlabel("F1 per item")
    ax.set_ylabel("items")
    ax.legend()
    out.append(("F1 distribution", _svg(fig)))
    fig = _figure()
    ax1, ax2 = fig.subplots(1, 2)
    for ax, key, title in ((ax1, "seconds", "seconds per answer"), (ax2, "ttft_s", "time to first token (s)")):
        data = [[v for it in done if (v := getattr(run.results[lab][it.id], key)) is not None] for lab in labels]
        ax.boxplot([d or [0.0] for d in data], tick_labels=[lab.upper() for lab in labels])
        ax.set_title(title, fontsize=10)
    out.append(("Latency", _svg(fig)))
    if len(labels) == 2:
        fig = _figure()
        ax = fig.subplots()
        ax.hist([run.results["b"][it.id].f1 - run.results["a"][it.id].f1 for it in done],
                bins=[i / 10 - 1 for i in range(21)], color="#6a8f3c")
        ax.axvline(0, color="black", linewidth=0.8)
        ax.set_xlabel("F1 of B minus F1 of A, per item")
        ax.set_ylabel("items")
        out.append(("Paired F1 differences", _svg(fig)))
    return out


# -- HTML ------------------------------------------------------------------------------------
STYLE = """
body{font-family:system-ui,sans-serif;margin:1.5em auto;max-width:1100px;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:.25em .6em;text-align:right}
th:first-child,td:first-child{text-align:left}.better{color:#2a7a2a;font-weight:bold}.worse{color:#b03030}
.item{border:1px solid #ddd;border-radius:6px;margin:.6em 0;padding:.5em .8em}.item h3{margin:.2em 0;font-size:1em}
.cols{display:grid;grid-template-columns:repeat(auto-fit,minmax(300px,1fr));gap:1em}
.ans{white-space:pre-wrap;background:#f7f7f7;padding:.4em;border-radius:4px}.meta{color:#666;font-size:.85em}
.passage{white-space:pre-wrap;font-size:.85em;border-left:3px solid #ccc;padding-left:.5em;margin:.3em 0}
.cited{border-left-color:#3b6fb6}.plots{display:flex;flex-wrap:wrap;gap:1em}.plots svg{max-width:100%;height:auto}
#filters{position:sticky;top:0;background:#fff;padding:.5em 0;border-bottom:1px solid #ddd}
"""
SCRIPT = """
(function(){
  var q=document.getElementById('q'),ch=document.getElementById('changed'),n=document.getElementById('shown');
  function apply(){
    var t=q.value.toLowerCase(),c=ch.checked,k=0,items=document.querySelectorAll('.item');
    for(var i=0;i<items.length;i++){var el=items[i];
      var ok=(!t||el.textContent.toLowerCase().indexOf(t)>=0)&&(!c||el.getAttribute('data-changed')==='1');
      el.style.display=ok?'':'none';if(ok)k++;}
    n.textContent=k;
  }
  q.addEventListener('input',apply);ch.addEventListener('change',apply);apply();
})();
"""


def _fmt(v: Any, digits: int = 3) -> str:
    if v is None:
        return "–"
    if isinstance(v, float):
        return f"{v:.{digits}f}"
    return escape(str(v))


def _ci(ci: Any) -> str:
    return f"[{ci[0]:.3f}, {ci[1]:.3f}]" if ci else ""


def _metric_table(run: AnswerRun) -> str:
    m = run.metrics()
    labels = [c.label for c in run.configs]
    iv = metric_intervals(run)
    head = "".join(f"<th>{lab.upper()}</th><th>95% interval</th>" for lab in labels)
    rows = [f"<tr><th>metric</th>{head}" + ("<th>B − A</th><th>95% interval</th>" if len(labels) == 2 else "")
            + "</tr>"]
    for name in list(RATE_METRICS) + list(OTHER_METRICS):
        cells = "".join(f"<td>{_fmt(m[lab].get(name))}</td><td>{_ci(iv.get(name, {}).get(lab))}</td>"
                        for lab in labels)
        if len(labels) == 2:
            d = iv.get(name, {}).get("diff")
            if d is None and name not in RATE_METRICS:
                a, b = m["a"].get(name), m["b"].get(name)
                d = (b - a, None) if isinstance(a, (int, float)) and isinstance(b, (int, float)) else None
            cls = ""
            if d is not None and d[1] is not None and (d[1][0] > 0 or d[1][1] < 0):
                up = d[1][0] > 0
                cls = " class='better'" if up == (name in HIGHER_IS_BETTER) else " class='worse'"
            cells += f"<td{cls}>{_fmt(d[0] if d else None)}</td><td>{_ci(d[1] if d else None)}</td>"
        rows.append(f"<tr><td>{escape(name)}</td>{cells}</tr>")
    return "<table>" + "".join(rows) + "</table>"


def _answer_block(label: str, r: ItemResult) -> str:
    cited = {c.get("number") for c in r.citations if c.get("cited")}
    flags = [f"F1 {r.f1:.2f}", f"exact {int(r.exact)}"]
    if r.abstained:
        flags.append("abstained")
    if r.retrieval_hit is not None:
        flags.append(f"retrieved answer: {'yes' if r.retrieval_hit else 'no'}")
    if r.citation_hit is not None:
        flags.append(f"cited answer: {'yes' if r.citation_hit else 'no'}")
    if r.ttft_s is not None:
        flags.append(f"first token {r.ttft_s:.2f} s")
    flags.append(f"{r.seconds:.1f} s")
    parts = [f"<div><b>{label.upper()}</b> <span class='meta'>{escape(' · '.join(flags))}</span>"]
    if r.error:
        parts.append(f"<div class='worse'>error: {escape(r.error)}</div>")
    parts.append(f"<div class='ans'>{escape(r.answer)}</div>")
    if r.citations:
        cites = ", ".join(f"[{c.get('number')}] {Path(str(c.get('source_path') or '')).name}"
                          for c in r.citations if c.get("cited"))
        parts.append(f"<div class='meta'>cited: {escape(cites) or 'nothing'}</div>")
    if r.passages:
        ps = "".join(f"<div class='passage{' cited' if p['number'] in cited else ''}'>[{p['number']}] "
                     f"<i>{escape(str(p['source']))}</i>\n{escape(str(p['text']))}</div>" for p in r.passages)
        parts.append(f"<details><summary>{len(r.passages)} passages</summary>{ps}</details>")
    return "".join(parts) + "</div>"


def _items(run: AnswerRun) -> str:
    labels = [c.label for c in run.configs]
    out = []
    for it in run.done():
        rs = {lab: run.results[lab][it.id] for lab in labels}
        diff = rs["b"].f1 - rs["a"].f1 if len(labels) == 2 else 0.0
        refs = " | ".join(it.answers) if it.answers else "(unanswerable: the documents do not say)"
        head = (f"<h3>{escape(it.question)}</h3><div class='meta'>id {escape(it.id)} · {escape(it.doc)} · "
                f"references: {escape(refs)}" + (f" · F1 B − A: {diff:+.2f}" if len(labels) == 2 else "") + "</div>")
        cols = "".join(_answer_block(lab, rs[lab]) for lab in labels)
        out.append(f"<div class='item' data-changed='{1 if abs(diff) > 1e-9 else 0}'>{head}"
                   f"<div class='cols'>{cols}</div></div>")
    return "\n".join(out)


def render_html(run: AnswerRun) -> str:
    """The whole report as one HTML string."""
    s = run.summary()
    done = len(run.done())
    p = run.paired()
    title = f"Hearth answer evaluation: {run.qaset.name}"
    ipm = f" · {s['items_per_minute']} items/min" if s["items_per_minute"] else ""
    cfg_rows = "".join(f"<tr><td>{c.label.upper()}</td><td>{escape(c.describe())}</td>"
                       f"<td>{escape(Path(run.models.get(c.label, c.model)).name)}</td></tr>" for c in run.configs)
    parts = [f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{escape(title)}</title>"
             f"<style>{STYLE}</style></head><body><h1>{escape(title)}</h1>",
             f"<p class='meta'>{escape(str(run.qaset.folder))} · {done} of {len(run.items)} items answered"
             f"{' (interrupted)' if run.interrupted else ''} · seed {run.seed} · {s['seconds']} s"
             f"{ipm} · "
             f"{escape(datetime.datetime.now().isoformat(timespec='seconds'))}</p>",
             f"<h2>Configurations</h2><table><tr><th>side</th><th>settings</th><th>model</th></tr>{cfg_rows}</table>",
             "<h2>Metrics</h2>", _metric_table(run) if done else "<p>No item was answered.</p>"]
    if p is not None and done:
        parts.append(f"<p>Paired F1, B − A: <b>{p.f1_diff:+.3f}</b> (95% bootstrap interval {_ci(p.ci95)}); "
                     f"B better on {p.wins} items, equal on {p.ties}, worse on {p.losses}.</p>")
        if p.changed:
            parts.append("<h3>Items that changed most</h3><ol>" + "".join(
                f"<li>{d:+.2f}: {escape(next(it.question for it in run.items if it.id == i))}</li>"
                for i, d in p.changed) + "</ol>")
    figs = plots(run)
    if figs:
        parts.append("<h2>Plots</h2><div class='plots'>" + "".join(
            f"<figure><figcaption>{escape(t)}</figcaption>{svg}</figure>" for t, svg in figs) + "</div>")
    parts.append("<h2>Items</h2><div id='filters'><input id='q' type='search' placeholder='filter by text' size='40'> "
                 "<label><input id='changed' type='checkbox'> changed only</label> "
                 f"<span class='meta'><span id='shown'>{done}</span> shown</span></div>")
    parts.append(_items(run))
    parts.append(f"<script>{SCRIPT}</script></body></html>")
    return "".join(parts)


def write_report(run: AnswerRun, path: str | Path) -> Path:
    """Write the HTML report and the per-item ``.jsonl`` beside it; returns the report's path."""
    path = Path(path).expanduser().resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(render_html(run), encoding="utf-8")
    tmp.replace(path)
    write_items(run, items_path(path))
    return path
