"""The sections of the period review report, one function per section, each returning HTML.

The review template (``templates/review.ipynb``) is a thin notebook: a markdown heading
and one call per section.  Everything the report shows is computed here from the
package's scoring (:func:`~bsc_widgets.review.score_review`), SMART checks
(:func:`~bsc_widgets.smart.check_smart`) and charts (:mod:`bsc_widgets.charts`)::

    report = open_review(store, "org", "2026Q3")
    title(report); headline(report); scores(report); strategy_map(report); ...

Sections return :class:`Html`, which Jupyter displays as HTML; charts are plotly divs
that need plotly.js, which :func:`title` loads (inline, or from a local file shared by
a batch of reports).  Styles travel with the output, so the report looks the same in
JupyterLab, in an exported HTML file and when printed.
"""

from __future__ import annotations

import html
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from . import charts, scores
from .errors import InputError
from .periods import FREQUENCIES, convert_index, parse_period, period_at, period_index
from .report_data import ReportParameters, check_parameters, load_frames
from .review import Review, score_review
from .smart import LEVELS, check_smart, subject_label

__all__ = [
    "HEADLINE_MIME",
    "REPORT_CSS",
    "Html",
    "ReviewReport",
    "action_plans",
    "cascade",
    "comments",
    "data_quality",
    "headline",
    "kpi_table",
    "open_review",
    "plotly_loader",
    "scores_table",
    "smart_findings",
    "strategy_map",
    "title",
    "trend_charts",
]

HEADLINE_MIME = "application/vnd.bsc-widgets.headline+json"
"""Mime type of the machine-readable headline the report index reads from an executed notebook."""

INLINE = "inline"
"""``plotly_js`` value: embed plotly.js in the report (self-contained HTML)."""

_PLOTLY_CONFIG = {"displaylogo": False, "responsive": True, "modeBarButtonsToRemove": ["select2d", "lasso2d"]}
_TREND_SYMBOL = {scores.UP: "▲ up", scores.DOWN: "▼ down", scores.FLAT: "► flat", "": "—"}


class Html:
    """An HTML fragment that Jupyter displays as HTML (with a short plain-text stand-in)."""

    def __init__(self, body: str, label: str = "report section", extra: Mapping[str, Any] | None = None) -> None:
        self.body = body
        self.label = label
        self.extra = dict(extra or {})

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        return {"text/html": self.body, "text/plain": f"<{self.label}>", **self.extra}

    def __str__(self) -> str:
        return self.body


# ----------------------------------------------------------------------------- context
@dataclass
class ReviewReport:
    """Everything the sections of one report need: frames, checked parameters, scores, findings."""

    frames: Mapping[str, pd.DataFrame]
    params: ReportParameters
    review: Review
    plotly_js: str = INLINE

    @property
    def scorecard(self) -> str:
        """Id of the scorecard reviewed."""
        return self.params.scorecard

    @property
    def period(self) -> str:
        """The review period, e.g. ``2026Q3``."""
        return str(self.params.period)

    @cached_property
    def card(self) -> pd.Series:
        """The scorecard's record."""
        cards = self.frames["scorecards"]
        return cards[(cards["scorecard_id"] == self.scorecard).to_numpy(dtype=bool)].iloc[0]

    @cached_property
    def all_scorecards(self) -> Review:
        """The period scored for every scorecard (departments and parents, for the cascade view)."""
        return score_review(self.frames, self.period)

    @cached_property
    def findings(self) -> pd.DataFrame:
        """SMART findings of the scorecard, judged at the report's ``today``."""
        return check_smart(self.frames, self.scorecard, today=self.params.today)


def open_review(store: str, scorecard: str, period: str, *, today: str = "", plotly_js: str = INLINE) -> ReviewReport:
    """Load and check everything a report needs; raise :class:`InputError` with a plain message if it cannot.

    ``store`` is a store folder or URI (``""``: the embedded sample organisation);
    ``today`` (``YYYY-MM-DD``, default the end of the period or the current date if
    earlier) decides what is overdue; ``plotly_js`` is ``"inline"`` (self-contained
    report) or the path of a local plotly.js file relative to the HTML report.
    """
    if "://" in plotly_js:
        raise InputError(f"plotly_js: {plotly_js!r} is a network address; reports must open offline, so give "
                         "'inline' or the path of a local plotly.js file next to the report")
    frames = load_frames(store)
    params = check_parameters(frames, scorecard, period, today)
    return ReviewReport(frames, params, score_review(frames, str(params.period), scorecard), plotly_js)


# ----------------------------------------------------------------------------- formatting
def _missing(value: object) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def _num(value: object, decimals: int = 2, sign: bool = False) -> str:
    if _missing(value):
        return "—"
    number = float(value)  # type: ignore[arg-type]
    if round(number, decimals) == 0:
        number = 0.0  # no "−0.00"
    return f"{number:{'+' if sign else ''},.{decimals}f}".replace("-", "−")


def _pct(value: object) -> str:
    return "—" if _missing(value) else f"{float(value):.0%}"  # type: ignore[arg-type]


def _esc(value: object) -> str:
    return "" if _missing(value) else html.escape(str(value))


def _chip(status: object, text: str | None = None) -> str:
    """A coloured label: the colour of ``status``, reading ``text`` (default: the status)."""
    shown = str(status) if not _missing(status) and str(status) else scores.NO_DATA
    label = html.escape(text if text is not None else shown)
    return f'<span class="bsc-chip" style="background:{charts.status_colour(shown)}">{label}</span>'


def _table(frame: pd.DataFrame, classes: str = "") -> str:
    """An HTML table of already formatted (and escaped) cells."""
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    body = "".join("<tr>" + "".join(f"<td>{v}</td>" for v in row) + "</tr>"
                   for row in frame.itertuples(index=False, name=None))
    return f'<table class="bsc-table {classes}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _note(text: str) -> str:
    return f'<p class="bsc-note">{text}</p>'


def _figure(fig: go.Figure, name: str) -> str:
    """A plotly figure as a div with a stable id (plotly.js is loaded once by :func:`plotly_loader`)."""
    div = fig.to_html(full_html=False, include_plotlyjs=False, div_id=f"bsc-{name}", config=_PLOTLY_CONFIG)
    return f'<div class="bsc-figure">{div}</div>'


def _section(body: str, label: str, extra: Mapping[str, Any] | None = None) -> Html:
    return Html(f'<div class="bsc">{body}</div>', label, extra)


REPORT_CSS = """

.bsc{font-family:"Segoe UI","Helvetica Neue",Arial,sans-serif;color:#1d252c;line-height:1.45}
.bsc h1{font-size:1.9em;margin:.2em 0}.bsc .bsc-sub{color:#5b6770;margin:.2em 0 .8em}
.bsc-chip{display:inline-block;padding:.05em .55em;border-radius:.8em;color:#fff;font-size:.85em;
  font-weight:600;white-space:nowrap;-webkit-print-color-adjust:exact;print-color-adjust:exact}
.bsc-table{border-collapse:collapse;margin:.4em 0 1em;font-size:.9em;width:100%}
.bsc-table th{text-align:left;border-bottom:2px solid #8e99a4;padding:.3em .5em;background:#f3f5f7}
.bsc-table td{border-bottom:1px solid #dde1e5;padding:.3em .5em;vertical-align:top}
.bsc-table td.num,.bsc-num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.bsc-table tr.bsc-group td{background:#f3f5f7;font-weight:600}
.bsc-headline{display:flex;flex-wrap:wrap;gap:1.5em;align-items:center;margin:.5em 0 1em}
.bsc-score{font-size:3em;font-weight:700;line-height:1}.bsc-score small{font-size:.35em;color:#5b6770}
.bsc-facts div{margin:.15em 0}.bsc-note{color:#5b6770;font-style:italic}
.bsc-bar{display:inline-block;width:6em;height:.7em;background:#dde1e5;border-radius:.35em;overflow:hidden;
  vertical-align:middle;-webkit-print-color-adjust:exact;print-color-adjust:exact}
.bsc-bar span{display:block;height:100%;background:#4a7fb5}
.bsc-comment{border-left:4px solid #4a7fb5;margin:.5em 0 .8em;padding:.2em .9em;background:#f7f9fa}
.bsc-comment .bsc-meta{color:#5b6770;font-size:.85em}
.bsc-figure{overflow-x:auto;break-inside:avoid;page-break-inside:avoid}
.bsc blockquote{border-left:4px solid #dde1e5;margin:.5em 0;padding:.1em .9em;color:#37424a}
@media print{.bsc-table{font-size:.8em}.bsc-table tr{break-inside:avoid;page-break-inside:avoid}
  .modebar{display:none!important}}
"""
"""Styles of the report sections (class names start with ``bsc``); :func:`title` emits them."""


# ----------------------------------------------------------------------------- sections
@lru_cache(maxsize=1)
def _plotly_source() -> str:
    from plotly.offline import get_plotlyjs

    return str(get_plotlyjs())


def plotly_loader(plotly_js: str = INLINE) -> str:
    """``<script>`` tags that load plotly.js: inlined, or from a local file (a relative path)."""
    source = _plotly_source() if plotly_js == INLINE else None
    # plotly.js registers itself as an AMD module when require.js is present: hide ``define`` meanwhile.
    hide, restore = ("<script>window.__bscDefine=window.define;window.define=undefined;</script>",
                     "<script>window.define=window.__bscDefine;</script>")
    body = (f'<script type="text/javascript">{source}</script>' if source is not None
            else f'<script src="{html.escape(plotly_js)}"></script>')
    return hide + body + restore


def title(report: ReviewReport) -> Html:
    """Title block: scorecard name, period, the date deadlines are judged at, vision; loads styles and plotly.js."""
    card, p = report.card, report.params
    vision = f"<blockquote>{_esc(card['vision'])}</blockquote>" if not _missing(card["vision"]) else ""
    horizon = (f"planning horizon {_esc(card['horizon_start'])} to {_esc(card['horizon_end'])} · "
               if not _missing(card["horizon_start"]) else "")
    body = (f"<style>{REPORT_CSS}</style>{plotly_loader(report.plotly_js)}"
            f"<h1>{_esc(card['name'])}: review of {report.period}</h1>"
            f'<p class="bsc-sub">Scorecard <b>{_esc(report.scorecard)}</b> · {FREQUENCIES[p.period.freq]} review '
            f"{p.period.start:%d %b %Y} – {p.period.end:%d %b %Y} · {horizon}deadlines judged at {p.today:%d %b %Y}"
            f"</p>{vision}")
    return _section(body, "title")


def _own(frame: pd.DataFrame, report: ReviewReport) -> pd.DataFrame:
    mask = (frame["scorecard_id"] == report.scorecard) & (frame["period"] == report.period)
    return frame[mask.to_numpy(dtype=bool)]


def headline_values(report: ReviewReport) -> dict[str, Any]:
    """The headline as plain values (score, status, coverage, change), as the report index shows it."""
    row = _own(report.review.scorecards, report).iloc[0]

    def plain(value: object) -> float | None:
        return None if _missing(value) else float(value)  # type: ignore[arg-type]

    return {"scorecard": report.scorecard, "name": str(report.card["name"]), "period": report.period,
            "score": plain(row["score"]), "status": str(row["status"]), "coverage": plain(row["coverage"]),
            "previous_score": plain(row["previous_score"]), "score_change": plain(row["score_change"]),
            "trend": str(row["trend"])}


def headline(report: ReviewReport) -> Html:
    """Overall score and status, coverage, change against the previous period, KPI status counts."""
    h = headline_values(report)
    previous = str(period_at(report.params.period.freq, period_index(report.params.period) - 1))
    change = (f"{_num(h['score_change'], sign=True)} against {previous} ({_num(h['previous_score'])}), "
              f"{_TREND_SYMBOL.get(h['trend'], h['trend'])}" if h["score_change"] is not None
              else f"no score in {previous} to compare with")
    kpis = _own(report.review.kpis, report)
    counts = kpis["status"].astype(str).value_counts()
    chips = " ".join(f"{_chip(s)} {int(counts[s])}" for s in scores.STATUSES if counts.get(s, 0))
    body = (f'<div class="bsc-headline"><div class="bsc-score">{_num(h["score"])}<small> / 10</small></div>'
            f'<div class="bsc-facts"><div>Status {_chip(h["status"])}</div>'
            f"<div>Coverage <b>{_pct(h['coverage'])}</b> of the KPI weight has data</div>"
            f"<div>Change <b>{change}</b></div><div>KPIs: {chips or 'none'}</div></div></div>")
    return _section(body, "headline", {HEADLINE_MIME: json.dumps(h)})


def scores_table(report: ReviewReport) -> Html:
    """Perspective scores, and the objectives of each perspective with their scores."""
    persp = _own(report.review.perspectives, report)
    objs = _own(report.review.objectives, report)
    rows: list[str] = []
    for p in persp.itertuples(index=False):
        rows.append(f'<tr class="bsc-group"><td>{_esc(p.name)}</td><td class="num">{_num(p.score)}</td>'
                    f"<td>{_chip(p.status)}</td><td class='num'>{_pct(p.coverage)}</td>"
                    f"<td class='num'>{_num(p.score_change, sign=True)}</td><td>{_TREND_SYMBOL[str(p.trend)]}</td>"
                    "<td></td></tr>")
        for o in objs[(objs["perspective_id"] == p.perspective_id).to_numpy(dtype=bool)].itertuples(index=False):
            dept = (f"{_num(o.cascade_score)} ({int(o.cascade_children)})" if o.cascade_children else "")
            rows.append(f"<tr><td>&nbsp;&nbsp;<b>{_esc(o.objective_id)}</b> {_esc(o.title)}</td>"
                        f"<td class='num'>{_num(o.score)}</td><td>{_chip(o.status)}</td>"
                        f"<td class='num'>{_pct(o.coverage)}</td><td class='num'>{_num(o.score_change, sign=True)}</td>"
                        f"<td>{_TREND_SYMBOL[str(o.trend)]}</td><td class='num'>{dept}</td></tr>")
    head = "".join(f"<th>{c}</th>" for c in ("Perspective / objective", "Score", "Status", "Coverage", "Change",
                                              "Trend", "Departments (n)"))
    body = f'<table class="bsc-table"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'
    return _section(body + _note("Scores run from 0 to 10; coverage is the share of the weight that had data. "
                                 "Departments: the weighted score of the department objectives that support it."),
                    "scores")


def strategy_map(report: ReviewReport) -> Html:
    """The strategy map, objectives coloured by status with their scores."""
    fig = charts.strategy_map(report.frames, report.scorecard, report.review, period=report.period)
    return _section(_figure(fig, "strategy-map"), "strategy map")


def _target_text(k: Any, d: int) -> str:
    if k.polarity == "range":
        return f"{_num(k.lower, d)}–{_num(k.upper, d)} (±{_num(k.tolerance, d)})"
    return _num(k.target, d)


def _forecast_text(k: Any, d: int) -> str:
    if _missing(k.forecast_value):
        return _esc(k.forecast)
    goal = f" vs {_num(k.forecast_target, d)}" if not _missing(k.forecast_target) else ""
    return f"{_esc(k.forecast)}: {_num(k.forecast_value, d)}{goal} in {_esc(k.forecast_period)}"


def _kpis(report: ReviewReport) -> pd.DataFrame:
    kpis = _own(report.review.kpis, report)
    return kpis.assign(digits=kpis["decimals"].fillna(1).astype(int))


def kpi_table(report: ReviewReport) -> Html:
    """Every KPI: actual, target, variance, score, status, trend, forecast and missing sub-periods."""
    kpis = _kpis(report)
    sub = {"M": "months", "Q": "quarters", "A": "years"}
    rows = []
    for k in kpis.itertuples(index=False):
        d = int(k.digits)
        notes = []
        if k.missing_sub_periods:
            notes.append(f"{int(k.missing_sub_periods)} of {int(k.sub_periods)} "
                         f"{sub.get(str(k.frequency), 'periods')} missing")
        if not k.due:
            notes.append(f"not due; latest {_esc(k.as_of)}")
        rows.append({
            "Objective": f"<b>{_esc(k.objective_id)}</b>", "KPI": _esc(k.name), "Unit": _esc(k.unit),
            "Actual": f"<span class='bsc-num'>{_num(k.actual, d)}</span>",
            "Target": f"<span class='bsc-num'>{_target_text(k, d)}</span>",
            "Variance": f"<span class='bsc-num'>{_num(k.variance, d, sign=True)}</span>",
            "Score": f"<span class='bsc-num'>{_num(k.score)}</span>", "Status": _chip(k.status),
            "Trend": _TREND_SYMBOL[str(k.trend)], "Forecast": _forecast_text(k, d),
            "Missing": "; ".join(notes),
        })
    table = _table(pd.DataFrame(rows)) if rows else _note("This scorecard has no KPIs.")
    return _section(table + _note("Variance: actual minus target (for range KPIs, the distance outside the band). "
                                  "Forecast: a straight line through the actuals so far, projected to the end of "
                                  "the horizon and compared with the target there."), "KPI table")


def trend_charts(report: ReviewReport) -> Html:
    """A trend chart with target path and red flag for every KPI that is red or worsening."""
    kpis = _kpis(report)
    flagged = kpis[((kpis["status"] == scores.RED) | (kpis["trend"] == scores.DOWN)).to_numpy(dtype=bool)]
    if flagged.empty:
        return _section(_note("No KPI is red or worsening in this period."), "trend charts")
    parts = [f"<p>{len(flagged)} of {len(kpis)} KPIs are red or scored lower than in the previous period.</p>"]
    for k in flagged.itertuples(index=False):
        fig = charts.kpi_trend(report.frames, str(k.kpi_id), period=report.period, review=report.review)
        parts.append(f"<p><b>{_esc(k.objective_id)}</b> · {_chip(k.status)} {_TREND_SYMBOL[str(k.trend)]} "
                     f"· score {_num(k.score)}</p>" + _figure(fig, f"trend-{k.kpi_id}"))
    return _section("".join(parts), "trend charts")


def cascade(report: ReviewReport) -> Html:
    """How department objectives support this scorecard's objectives, and which parent objectives it supports."""
    everything = report.all_scorecards.objectives
    everything = everything[(everything["period"] == report.period).to_numpy(dtype=bool)]
    everything = everything.astype({"objective_id": str, "scorecard_id": str, "supports": object})
    names = report.frames["scorecards"].set_index("scorecard_id")["name"]
    own = everything[(everything["scorecard_id"] == report.scorecard).to_numpy(dtype=bool)]
    parts = []
    children = everything[everything["supports"].isin(set(own["objective_id"])).to_numpy(dtype=bool)]
    if len(children):
        rows = []
        for o in own[own["objective_id"].isin(set(children["supports"])).to_numpy(dtype=bool)].itertuples():
            rows.append(f'<tr class="bsc-group"><td><b>{_esc(o.objective_id)}</b> {_esc(o.title)}</td><td></td>'
                        f"<td class='num'>{_num(o.score)}</td><td>{_chip(o.status)}</td>"
                        f"<td class='num'>{_num(o.cascade_score)}</td></tr>")
            for c in children[(children["supports"] == o.objective_id).to_numpy(dtype=bool)].itertuples():
                rows.append(f"<tr><td>&nbsp;&nbsp;<b>{_esc(c.objective_id)}</b> {_esc(c.title)}</td>"
                            f"<td>{_esc(names.get(c.scorecard_id, c.scorecard_id))}</td>"
                            f"<td class='num'>{_num(c.score)}</td><td>{_chip(c.status)}</td><td></td></tr>")
        head = "".join(f"<th>{c}</th>" for c in ("Objective / supporting department objective", "Scorecard",
                                                  "Score", "Status", "Departments"))
        parts.append(f'<table class="bsc-table"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody>'
                     "</table>")
    supporting = own[own["supports"].notna().to_numpy(dtype=bool)]
    if len(supporting):
        parents = everything.set_index("objective_id")
        table = pd.DataFrame({
            "Objective": [f"<b>{_esc(i)}</b> {_esc(t)}" for i, t in zip(supporting["objective_id"],
                                                                        supporting["title"], strict=True)],
            "Score": [_num(s) for s in supporting["score"]],
            "Supports": [f"<b>{_esc(s)}</b> {_esc(parents['title'].get(s))} "
                         f"({_esc(names.get(parents['scorecard_id'].get(s), ''))})" for s in supporting["supports"]],
            "Its score": [_num(parents["score"].get(s)) for s in supporting["supports"]],
            "Its status": [_chip(parents["status"].get(s)) for s in supporting["supports"]],
        })
        parts.append("<p>This scorecard's objectives support these objectives of its parent:</p>" + _table(table))
    if not parts:
        parts.append(_note("No department scorecard cascades from this scorecard, and it supports no parent "
                           "objective."))
    return _section("".join(parts), "cascade")


def _overdue(report: ReviewReport) -> set[str]:
    f = report.findings
    return set(f.loc[f["check"].isin(["task-overdue", "initiative-overdue"]), "subject_id"].astype(str))


def action_plans(report: ReviewReport) -> Html:
    """Initiatives and tasks: Gantt chart, progress, overdue and unowned work."""
    ini = report.frames["initiatives"]
    ini = ini[(ini["scorecard_id"] == report.scorecard).to_numpy(dtype=bool)]
    tasks = report.frames["tasks"]
    tasks = tasks[(tasks["scorecard_id"] == report.scorecard).to_numpy(dtype=bool)]
    if ini.empty:
        return _section(_note("This scorecard has no initiatives yet."), "action plans")
    overdue = _overdue(report)
    fig = charts.gantt(report.frames, report.scorecard, today=report.params.today, findings=report.findings)
    done = tasks.assign(_done=(tasks["status"] == "done").to_numpy(dtype=bool)).groupby("initiative_id")["_done"]
    counts = pd.DataFrame({"done": done.sum(), "total": done.size()})

    def flags(rid: str, owner: object) -> str:
        out = [_chip(scores.RED, "overdue")] if rid in overdue else []
        if _missing(owner) or not str(owner).strip():
            out.append(_chip(scores.AMBER, "no owner"))
        return " ".join(out)

    table = pd.DataFrame({
        "Initiative": [f"<b>{_esc(i)}</b> {_esc(t)}" for i, t in zip(ini["initiative_id"], ini["title"], strict=True)],
        "Objective": [_esc(o) for o in ini["objective_id"]], "Owner": [_esc(o) for o in ini["owner"]],
        "Status": [_esc(s) for s in ini["status"]],
        "Progress": [f'<span class="bsc-bar"><span style="width:{0 if _missing(p) else p:.0f}%"></span></span> '
                     f"{0 if _missing(p) else p:.0f}%" for p in ini["percent_complete"]],
        "Due": [_esc(d) for d in ini["due"]],
        "Tasks done": [f"{int(counts['done'].get(i, 0))} of {int(counts['total'].get(i, 0))}"
                       for i in ini["initiative_id"]],
        "Flags": [flags(str(i), o) for i, o in zip(ini["initiative_id"], ini["owner"], strict=True)],
    })
    attention = tasks[(tasks["task_id"].astype(str).isin(overdue) | tasks["owner"].isna()
                       | (tasks["owner"].astype(str).str.strip() == "") | (tasks["status"] == "blocked"))
                      .to_numpy(dtype=bool)]
    parts = [_figure(fig, "gantt"), _table(table)]
    if len(attention):
        parts.append(f"<p><b>{len(attention)} task(s) need attention</b> (overdue, blocked or without owner):</p>")
        parts.append(_table(pd.DataFrame({
            "Task": [f"<b>{_esc(i)}</b> {_esc(d)}" for i, d in zip(attention["task_id"], attention["description"],
                                                                  strict=True)],
            "Owner": [_esc(o) or "<b>nobody</b>" for o in attention["owner"]],
            "Due": [_esc(d) for d in attention["due"]], "Status": [_esc(s) for s in attention["status"]],
            "Flags": [flags(str(i), o) for i, o in zip(attention["task_id"], attention["owner"], strict=True)],
            "Success measure": [_esc(s) for s in attention["success_measure"]],
        })))
    else:
        parts.append(_note("No task is overdue, blocked or without an owner."))
    return _section("".join(parts), "action plans")


_SUBJECT_ORDER = {"scorecard": 0, "perspective": 1, "objective": 2, "kpi": 3, "initiative": 4}


def comments(report: ReviewReport) -> Html:
    """The analysis and recommendations entered for this scorecard and period."""
    c = report.frames["comments"]
    c = c[((c["scorecard_id"] == report.scorecard) & (c["period"] == report.period)).to_numpy(dtype=bool)]
    if c.empty:
        return _section(_note(f"No comments were entered for {report.period}."), "comments")
    c = c.assign(_o=c["subject_type"].map(_SUBJECT_ORDER)).sort_values(["_o", "subject_id", "kind"], kind="stable")
    parts = []
    for (kind, sid), group in c.groupby(["subject_type", "subject_id"], sort=False):
        label = subject_label(report.frames, str(kind), str(sid), report.scorecard)
        parts.append(f"<h4>{_esc(label[:1].upper() + label[1:])}</h4>")
        for row in group.itertuples(index=False):
            at = row.at.strftime("%d %b %Y") if not _missing(row.at) and not pd.isna(row.at) else ""
            parts.append(f'<div class="bsc-comment"><b>{_esc(row.kind).capitalize()}</b>: {_esc(row.text)}'
                         f'<div class="bsc-meta">{_esc(row.author)}{" · " + at if at else ""}</div></div>')
    return _section("".join(parts), "comments")


def smart_findings(report: ReviewReport) -> Html:
    """SMART findings of the plan (errors first), each with the fix."""
    f = report.findings
    if f.empty:
        return _section(_note("Every objective, KPI and action plan passes the SMART checks."), "SMART findings")
    colours = {"error": scores.RED, "warning": scores.AMBER, "info": scores.NO_DATA}
    counts = f["level"].value_counts()
    summary = ", ".join(f"{int(counts[level])} {level}{'s' if counts[level] != 1 and level != 'info' else ''}"
                        for level in LEVELS if counts.get(level, 0))
    table = pd.DataFrame({
        "Level": [_chip(colours[str(v)], str(v)) for v in f["level"]],
        "SMART": [_esc(v) for v in f["letter"]], "Finding": [_esc(v) for v in f["message"]],
        "Fix": [_esc(v) for v in f["remedy"]],
    })
    return _section(f"<p>{summary}.</p>" + _table(table), "SMART findings")


def _latest_actuals(report: ReviewReport, kpis: pd.DataFrame) -> pd.DataFrame:
    """Per KPI: the last period with an actual up to the end of the review period, and how far behind it is."""
    review_freq = report.params.period.freq
    review_index = period_index(report.params.period)
    act = report.frames["actuals"]
    act = act[act["kpi_id"].isin(set(kpis["kpi_id"].astype(str))).to_numpy(dtype=bool)]
    codes, uniques = pd.factorize(act["period"].astype(str))
    parsed = [parse_period(u) for u in uniques]
    act = act.assign(_i=np.array([period_index(p) for p in parsed], dtype=np.int64)[codes] if len(act) else [],
                     _f=np.array([p.freq for p in parsed], dtype=object)[codes] if len(act) else [])
    freq = kpis["frequency"].astype(str).to_numpy()
    expected = np.array([convert_index(review_index, review_freq, f) for f in freq], dtype=np.int64)
    expected = np.where(kpis["due"].to_numpy(dtype=bool), expected, expected - 1)
    limit = pd.Series(expected, index=kpis["kpi_id"].astype(str).to_numpy())
    act = act[(act["_f"].to_numpy() == kpis.set_index(kpis["kpi_id"].astype(str))["frequency"].astype(str)
               .reindex(act["kpi_id"].astype(str)).to_numpy())]
    act = act[(act["_i"].to_numpy() <= limit.reindex(act["kpi_id"].astype(str)).to_numpy())]
    latest = act.groupby(act["kpi_id"].astype(str))["_i"].max()
    last = latest.reindex(limit.index)
    return pd.DataFrame({"last": [None if pd.isna(i) else str(period_at(f, int(i))) for i, f in zip(last, freq,
                                                                                                      strict=True)],
                         "behind": (limit - last).to_numpy()}, index=limit.index)


def data_quality(report: ReviewReport) -> Html:
    """KPIs without an actual in the period, with stale or partial data, or without a target."""
    kpis = _kpis(report)
    latest = _latest_actuals(report, kpis)
    unit = {"M": "month", "Q": "quarter", "A": "year"}
    rows = []
    for k in kpis.itertuples(index=False):
        issues = []
        info = latest.loc[str(k.kpi_id)]
        if str(k.status) == scores.NO_DATA:
            issues.append(f"no actual for {report.period}")
        if info["last"] is None:
            issues.append("never measured")
        elif info["behind"] >= 1:
            n = int(info["behind"])
            issues.append(f"stale: latest actual is {info['last']}, {n} {unit[str(k.frequency)]}"
                          f"{'s' if n != 1 else ''} behind")
        if k.missing_sub_periods and str(k.status) != scores.NO_DATA:
            issues.append(f"{int(k.missing_sub_periods)} of {int(k.sub_periods)} {unit[str(k.frequency)]}s missing")
        if str(k.status) == scores.NO_TARGET:
            issues.append(f"no target for {report.period}")
        if issues:
            rows.append({"KPI": f"<b>{_esc(k.kpi_id)}</b> {_esc(k.name)}", "Objective": _esc(k.objective_id),
                         "Frequency": FREQUENCIES[str(k.frequency)], "Latest actual": _esc(info["last"]) or "—",
                         "Issues": "; ".join(issues)})
    if not rows:
        return _section(_note(f"Every KPI has its actuals and targets for {report.period}."), "data quality")
    summary = f"<p>{len(rows)} of {len(kpis)} KPIs have gaps in their data for {report.period}.</p>"
    return _section(summary + _table(pd.DataFrame(rows)), "data quality")

