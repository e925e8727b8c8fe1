"""The sections of the period review report, one function per section, each returning HTML.

The review template (``templates/review.ipynb``) is a thin notebook: a markdown heading
and one call per section.  Everything the report shows is computed elsewhere — scores by
:func:`~bsc_widgets.scoring.score_review`, findings by :func:`~bsc_widgets.smart.check_smart`,
business rules (overdue, needs attention) by :mod:`bsc_widgets.model.plan`, charts by
:mod:`bsc_widgets.render.charts` — and drawn here with the theme and the HTML blocks of
:mod:`bsc_widgets.render`::

    report = open_review(store, "org", "2026Q3")
    title(report); headline(report); scores_table(report); strategy_map(report); ...

Sections return :class:`~bsc_widgets.render.html.Html`, which Jupyter displays as HTML;
charts are plotly divs that need plotly.js, which :func:`title` loads (inline, or from a
local file shared by a batch of reports).  Styles travel with the output, so the report
looks the same in JupyterLab, in an exported HTML file and when printed.  To add a
section: write a function here that takes the :class:`ReviewReport` and returns
:func:`~bsc_widgets.render.html.section`, then call it from a cell of the template.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd

from ..model.bands import BandScheme
from ..model.periods import (
    FREQUENCIES,
    PERIOD_NOUNS,
    convert_index,
    first_day,
    frequency,
    last_day,
    period_at,
    period_columns,
    period_index,
)
from ..model.plan import latest_comments
from ..model.values import is_blank, is_missing
from ..model.words import MISSING, capitalised, day, number, percent, plural
from ..render.charts import gantt, kpi_trend
from ..render.charts import strategy_map as strategy_map_chart
from ..render.html import (
    REPORT_CSS,
    Html,
    attention_table,
    band_chip,
    band_legend,
    chip,
    esc,
    figure,
    note,
    plotly_loader,
    section,
    table,
)
from ..render.theme import LEVEL_STATUS, ROLLUP_WORDS, legend, trend_symbol
from ..scoring.bands import card_scheme
from ..scoring.diff import GAINED, IMPROVED, LOST, WORSENED
from ..scoring.formulas import AMBER, FLAT_BELOW, NO_DATA, NO_TARGET, RED, STATUSES
from ..smart import LEVELS, subject_label
from .context import ReviewReport, open_review
from .pinning import RESULTS_MIME, RESULTS_SUFFIX, kpi_values, pin_for, restatements, results_document
from .runner import HEADLINE_MIME

__all__ = [
    "HEADLINE_MIME",
    "Html",
    "ReviewReport",
    "action_plans",
    "attention",
    "cascade",
    "changes",
    "comments",
    "data_as_of",
    "data_quality",
    "headline",
    "headline_values",
    "kpi_table",
    "open_review",
    "results",
    "scores_table",
    "signoffs",
    "smart_findings",
    "strategy_map",
    "summary",
    "timeline",
    "title",
    "trend_charts",
]

def title(report: ReviewReport) -> Html:
    """Title block: scorecard name, period, the date deadlines are judged at, vision; loads styles and plotly.js."""
    card, p = report.card, report.params
    vision = f"<blockquote>{esc(card['vision'])}</blockquote>" if not is_missing(card["vision"]) else ""
    horizon = (f"planning horizon {esc(card['horizon_start'])} to {esc(card['horizon_end'])} · "
               if not is_missing(card["horizon_start"]) else "")
    body = (f"<style>{REPORT_CSS}</style>{plotly_loader(report.plotly_js)}"
            f"<h1>{esc(card['name'])}: review of {report.period}</h1>"
            f'<p class="bsc-sub">Scorecard <b>{esc(report.scorecard)}</b> · {FREQUENCIES[frequency(p.period)]} review '
            f"{day(first_day(p.period), 'long')} – {day(last_day(p.period), 'long')} · {horizon}deadlines judged at "
            f"{day(p.today, 'long')}"
            f"</p>{_in_progress(report)}{_restated(report)}{_signoff_line(report)}{vision}")
    return section(body, "title")


def _in_progress(report: ReviewReport) -> str:
    """A notice that the period is still in progress (its numbers provisional); empty for a finished period."""
    progress = report.progress
    if not progress.in_progress:
        return ""
    why = "it has not ended yet" if not progress.ended else "too little of its data is in"
    return (f'<p class="bsc-progress"><b>{esc(capitalised(progress.label))}</b>: {why}, so its scores and its '
            "change against the previous period are provisional.</p>")


def results(report: ReviewReport) -> dict[str, Any]:
    """The report's results file: its pin, the headline and every level's numbers, and what was first reported."""
    levels = {name: _own(frame, report) for name, frame in report.review.tables().items()}
    pin = report.pin or pin_for("", {}, report.frames)
    return results_document(pin, report.scorecard, report.period, report.params.today.isoformat(),
                            headline_values(report), levels, report.previous, report.attention)


def _restated(report: ReviewReport) -> str:
    """A notice of the KPIs whose numbers changed since the period was first reported (empty when none did)."""
    if report.previous is None:
        return ""
    first = report.previous.get("first_reported") or {"at": report.previous.get("reported_at", ""),
                                                        "kpis": report.previous.get("kpis", {})}
    changed = restatements(first.get("kpis", {}), kpi_values(_own(report.review.kpis, report)))
    if not changed:
        return ""
    when = day(pd.Timestamp(first["at"]), "long") if first.get("at") else "the first report"
    rows = "".join(
        f"<tr><td><b>{esc(r.kpi_id)}</b> {esc(r.name)}</td><td>{esc(field.replace('_', ' '))}</td>"
        f"<td class='num'>{_shown(old)}</td><td class='num'>{_shown(new)}</td></tr>"
        for r in changed for field, old, new in r.changes)
    return (f'<div class="bsc-restated"><b>Restated since {when}</b>: the data behind this period changed after it '
            f"was first reported; {plural(len(changed), 'KPI')} now read differently.<table class='bsc-table'><thead>"
            "<tr><th>KPI</th><th>What</th><th>First reported</th><th>Now</th></tr></thead>"
            f"<tbody>{rows}</tbody></table></div>")


def _shown(value: Any) -> str:
    if value is None:
        return MISSING
    return number(value) if isinstance(value, (int, float)) else esc(value)


def data_as_of(report: ReviewReport) -> Html:
    """What the report read: table versions, the time, the rules and the package — and its results, for the file."""
    document = results(report)
    pin = document["pin"]
    if pin["store"]:
        read = f"store <code>{esc(pin['store'])}</code>"
        versions = ", ".join(f"{esc(t)} v{v}" for t, v in pin["versions"].items())
        asked = f" as of {esc(pin['as_of'])}" if pin["as_of"] else ""
        saved = day(pd.Timestamp(pin["saved_at"]), "long") + pd.Timestamp(pin["saved_at"]).strftime(" %H:%M UTC") \
            if pin["saved_at"] else "an unknown time"
        what = f"Data as of {saved} (the newest save read){asked}: {read}, table versions {versions}."
    else:
        what = f"Data: the embedded sample organisation of bsc-widgets {esc(pin['package_version'])}."
    card = pin["rules"].get("scorecards", {}).get(report.scorecard, {})
    rules = (f"Scoring: {esc(pin['rules'].get('formula', ''))}; green from {number(card.get('green_from'))}, amber "
             f"from {number(card.get('amber_from'))}. bsc-widgets {esc(pin['package_version'])}, schema "
             f"{pin['schema_version']}.")
    body = (f'<p class="bsc-asof">{what} {rules} To make this report again from exactly this data: '
            f"<code>bsc report --store STORE --pin {esc(report.scorecard)}-{esc(report.period)}{RESULTS_SUFFIX} "
            "--out FOLDER</code>.</p>")
    return section(body, "data as of", {RESULTS_MIME: json.dumps(document)})


def _own(frame: pd.DataFrame, report: ReviewReport) -> pd.DataFrame:
    mask = (frame["scorecard_id"] == report.scorecard) & (frame["period"] == report.period)
    return frame[mask.to_numpy(dtype=bool)]


def headline_values(report: ReviewReport) -> dict[str, Any]:
    """The headline as plain values (score, status, coverage, change), as the report index shows it."""
    row = _own(report.review.scorecards, report).iloc[0]

    def value(number_: object) -> float | None:
        return None if is_missing(number_) else float(number_)  # type: ignore[arg-type]

    progress = report.progress
    return {"scorecard": report.scorecard, "name": str(report.card["name"]), "period": report.period,
            "score": value(row["score"]), "status": str(row["status"]), "band": str(row["band"]),
            "band_colour": str(row["band_colour"]), "rollup": str(row["rollup"]),
            "bands": [list(item) for item in legend(_scheme(report))], "coverage": value(row["coverage"]),
            "previous_score": value(row["previous_score"]), "score_change": value(row["score_change"]),
            "trend": str(row["trend"]), "in_progress": progress.in_progress, "progress": progress.label,
            "period_end": progress.ends.isoformat()}


def headline(report: ReviewReport) -> Html:
    """Overall score and status, coverage, change against the previous period, KPI status counts."""
    h = headline_values(report)
    previous = str(report.params.period - 1)
    change = (f"{number(h['score_change'], sign=True)} against {previous} ({number(h['previous_score'])}), "
              f"{trend_symbol(h['trend'])}" + (" (provisional)" if h["in_progress"] else "")
              if h["score_change"] is not None else f"no score in {previous} to compare with")
    progress = f'<div class="bsc-progress">{esc(capitalised(h["progress"]))}</div>' if h["in_progress"] else ""
    kpis = _own(report.review.kpis, report)
    counts = kpis["status"].astype(str).value_counts()
    chips = " ".join(f"{chip(s)} {int(counts[s])}" for s in STATUSES if counts.get(s, 0))
    bands = _scheme(report)
    in_band = kpis["band"].astype(str).value_counts()
    band_chips = " ".join(f"{band_chip(b.name, b.colour)} {int(in_band[b.name])}" for b in reversed(bands.bands)
                          if in_band.get(b.name, 0))
    body = (f'<div class="bsc-headline"><div class="bsc-score">{number(h["score"])}<small> / 10</small></div>'
            f'<div class="bsc-facts">{progress}<div>Status {chip(h["status"])} · band '
            f'{band_chip(h["band"], h["band_colour"], h["status"])} · roll-up: {esc(ROLLUP_WORDS[h["rollup"]])}</div>'
            f"<div>Coverage <b>{percent(h['coverage'])}</b> of the KPI weight has data{_filled_note(kpis)}</div>"
            f"<div>Change <b>{change}</b></div><div>KPIs: {chips or 'none'}</div>"
            f"<div>KPIs by band: {band_chips or 'none'}</div></div></div>{band_legend(bands)}")
    return section(body, "headline", {HEADLINE_MIME: json.dumps(h)})


_LEVEL_NOUNS = {"perspectives": "Perspective", "objectives": "Objective", "kpis": "KPI"}
_LEVEL_WORDS = {"perspectives": "perspective", "objectives": "objective", "kpis": "KPI"}
BIGGEST_MOVES = 5
"""How many score moves without a change of colour the "what changed" section lists."""


def changes(report: ReviewReport) -> Html:
    """What changed since the last review: statuses that moved and the biggest score moves (as ``bsc diff`` says)."""
    found = report.changes
    before = found.from_period
    rows = found.changes[found.changes["level"].isin(list(_LEVEL_NOUNS)).to_numpy(dtype=bool)]
    if rows["score_from"].isna().all():
        return section(note(f"No scores in {before} to compare with."), "what changed")
    moved = rows[rows["status_changed"].to_numpy(dtype=bool)]
    steady = rows[~rows["status_changed"].to_numpy(dtype=bool) & (rows["score_change"].abs() >= FLAT_BELOW)
                  .to_numpy(dtype=bool)]
    steady = steady.iloc[np.argsort(-steady["score_change"].abs().to_numpy(), kind="stable")].head(BIGGEST_MOVES)
    counts = {level: found.counts(level) for level in ("objectives", "kpis")}
    lead = "; ".join(
        f"{plural(sum(c[m] for m in (IMPROVED, WORSENED, GAINED, LOST)), _LEVEL_WORDS[level])} changed status "
        f"({c[IMPROVED]} {IMPROVED}, {c[WORSENED]} {WORSENED}"
        + (f", {c[GAINED]} {GAINED}" if c[GAINED] else "") + (f", {c[LOST]} {LOST}" if c[LOST] else "") + ")"
        for level, c in counts.items())

    def line(r: Any) -> str:
        label = f"<b>{esc(r.id)}</b> {esc(r.label)}" if r.level != "perspectives" else esc(r.label)
        return (f"<tr><td>{_LEVEL_NOUNS[r.level]}</td><td>{label}</td><td>{chip(r.status_from or NO_DATA)} → "
                f"{chip(r.status_to or NO_DATA)}</td><td class='num'>{number(r.score_from)} → "
                f"{number(r.score_to)}</td><td class='num'>{number(r.score_change, sign=True)}</td></tr>")

    head = "".join(f"<th>{c}</th>" for c in ("Level", "What", "Status", "Score", "Change"))
    provisional = (f" Provisional: {esc(report.period)} is {esc(report.progress.label)}."
                   if report.progress.in_progress else "")
    body = f"<p>Since {esc(before)}: {lead}.{provisional}</p>"
    if len(moved):
        body += (f'<table class="bsc-table"><thead><tr>{head}</tr></thead><tbody>'
                 f'{"".join(line(r) for r in moved.itertuples(index=False))}</tbody></table>')
    if len(steady):
        body += (f"<p>Biggest score moves without a change of colour:</p><table class='bsc-table'><thead><tr>{head}"
                 f'</tr></thead><tbody>{"".join(line(r) for r in steady.itertuples(index=False))}</tbody></table>')
    body += ("<p class='bsc-sub'>The same comparison for every level: <code>bsc diff --store STORE --from "
             f"{esc(before)} --to {esc(report.period)} --scorecard {esc(report.scorecard)}</code>.</p>")
    return section(body, "what changed")


SUMMARY_MOVERS = 5
"""How many of the biggest status moves the summary names (the full list is in the appendix)."""


def _kpi_link(kpi_id: object, text: object | None = None) -> str:
    return f'<a href="#kpi-{esc(kpi_id)}">{esc(kpi_id if text is None else text)}</a>'


def needs_attention(report: ReviewReport) -> pd.DataFrame:
    """The KPIs whose trend the report shows: red now, or moved to a worse colour since the last review.

    The rule is stated in the report; the full table of every KPI is in the appendix.
    """
    kpis = _kpis(report)
    moves = report.changes.level("kpis").set_index("id")["move"]
    worsened = kpis["kpi_id"].astype(str).map(moves).eq(WORSENED).to_numpy(dtype=bool)
    return kpis[((kpis["status"] == RED).to_numpy(dtype=bool)) | worsened]


def summary(report: ReviewReport) -> Html:
    """What changed since the last review in brief, and what needs a decision — each line linking to its detail."""
    found = report.changes
    kpi_moves = found.level("kpis")
    moved = kpi_moves[kpi_moves["status_changed"].to_numpy(dtype=bool)].head(SUMMARY_MOVERS)
    counts = {level: found.counts(level) for level in ("objectives", "kpis")}
    changed = []
    if kpi_moves["score_from"].notna().any():
        lead = "; ".join(f"{plural(c[WORSENED], _LEVEL_WORDS[level])} worsened, {c[IMPROVED]} improved"
                         for level, c in counts.items())
        provisional = (f" Provisional: {esc(report.period)} is {esc(report.progress.label)}."
                       if report.progress.in_progress else "")
        changed.append(f"<li>Since {esc(found.from_period)}: {lead} "
                       f'(<a href="#What-changed-since-the-last-review">every move</a>).{provisional}</li>')
        if len(moved):
            items = ", ".join(f"{_kpi_link(r.id)} {chip(r.status_from or NO_DATA)} → {chip(r.status_to or NO_DATA)}"
                              f" ({number(r.score_change, sign=True)})" for r in moved.itertuples(index=False))
            changed.append(f"<li>Biggest status moves: {items}.</li>")
    else:
        changed.append(f"<li>No scores in {esc(found.from_period)} to compare with.</li>")
    decisions = _decisions(report)
    body = (f"<h3>What changed</h3><ul>{''.join(changed)}</ul><h3>Needs a decision</h3>"
            + (f"<ul>{''.join(decisions)}</ul>" if decisions else note("Nothing: no red KPI on an important "
                                                                         "objective, no overdue initiative, every "
                                                                         "KPI has data.")))
    return section(f'<div class="bsc-summary">{body}</div>', "summary")


SHORTENED = 100
"""Characters of a recommendation the summary quotes (the whole comment is in the appendix)."""


def _shortened(text: object) -> str:
    words = str(text)
    return words if len(words) <= SHORTENED else words[:SHORTENED].rsplit(" ", 1)[0] + " …"


def _decisions(report: ReviewReport) -> list[str]:
    """Red KPIs on heavy objectives, overdue initiatives, recommendations, KPIs without data (as list items)."""
    kpis = _kpis(report)
    objs = _own(report.review.objectives, report)
    weights = objs.set_index("objective_id")["weight"]
    heavy = set(weights[weights >= weights.mean()].index.astype(str)) if len(weights) else set()
    red = kpis[((kpis["status"] == RED).to_numpy(dtype=bool)) & kpis["objective_id"].astype(str).isin(heavy)
               .to_numpy(dtype=bool)]
    out = []
    if len(red):
        items = ", ".join(f"{_kpi_link(k.kpi_id, k.name)} ({esc(k.objective_id)})" for k in red.itertuples(index=False))
        out.append(f"<li>{plural(len(red), 'red KPI')} on objectives that weigh at least the average: {items}.</li>")
    ini = report.frames["initiatives"]
    late = ini[(ini["scorecard_id"] == report.scorecard).to_numpy(dtype=bool)
               & ini["initiative_id"].astype(str).isin(report.overdue).to_numpy(dtype=bool)]
    if len(late):
        items = ", ".join(f'<a href="#initiative-{esc(i.initiative_id)}">{esc(i.initiative_id)}</a> {esc(i.title)} '
                          f"(due {esc(i.due)}, {esc(i.owner) or 'no owner'})" for i in late.itertuples(index=False))
        out.append(f"<li>{plural(len(late), 'overdue initiative')}: {items}.</li>")
    comments = report.frames["comments"]
    asked = latest_comments(comments[((comments["scorecard_id"] == report.scorecard)
                                      & (comments["period"] == report.period)
                                      & (comments["kind"] == "recommendation")).to_numpy(dtype=bool)])
    if len(asked):
        def item(c: Any) -> str:
            label = subject_label(report.frames, str(c.subject_type), str(c.subject_id), report.scorecard)
            return (f'<li><a href="#comment-{esc(c.subject_type)}-{esc(c.subject_id)}">{esc(capitalised(label))}'
                    f"</a>: {esc(_shortened(c.text))}</li>")

        items = "".join(item(c) for c in asked.itertuples(index=False))
        out.append(f"<li>{plural(len(asked), 'recommendation')} for {esc(report.period)}:<ul>{items}</ul></li>")
    missing = kpis[(kpis["status"] == NO_DATA).to_numpy(dtype=bool) & kpis["due"].to_numpy(dtype=bool)]
    if len(missing):
        items = ", ".join(_kpi_link(k.kpi_id, k.name) for k in missing.itertuples(index=False))
        out.append(f"<li>{plural(len(missing), 'KPI')} without data for {esc(report.period)}: {items}.</li>")
    return out


def scores_table(report: ReviewReport) -> Html:
    """Perspective scores, and the objectives of each perspective with their scores."""
    persp = _own(report.review.perspectives, report)
    objs = _own(report.review.objectives, report)
    rows: list[str] = []
    for p in persp.itertuples(index=False):
        rows.append(f'<tr class="bsc-group"><td>{esc(p.name)}</td><td class="num">{number(p.score)}</td>'
                    f"<td>{chip(p.status)}</td><td>{band_chip(p.band, p.band_colour, p.status)}</td>"
                    f"<td>{esc(ROLLUP_WORDS[str(p.rollup)])}</td><td class='num'>{percent(p.coverage)}</td>"
                    f"<td class='num'>{number(p.score_change, sign=True)}</td><td>{trend_symbol(p.trend)}</td>"
                    "<td></td></tr>")
        for o in objs[(objs["perspective_id"] == p.perspective_id).to_numpy(dtype=bool)].itertuples(index=False):
            dept = (f"{number(o.cascade_score)} ({int(o.cascade_children)})" if o.cascade_children else "")
            rows.append(f"<tr><td>&nbsp;&nbsp;<b>{esc(o.objective_id)}</b> {esc(o.title)}</td>"
                        f"<td class='num'>{number(o.score)}</td><td>{chip(o.status)}</td>"
                        f"<td>{band_chip(o.band, o.band_colour, o.status)}</td>"
                        f"<td>{esc(ROLLUP_WORDS[str(o.rollup)])}</td><td class='num'>{percent(o.coverage)}</td>"
                        f"<td class='num'>{number(o.score_change, sign=True)}</td>"
                        f"<td>{trend_symbol(o.trend)}</td><td class='num'>{dept}</td></tr>")
    head = "".join(f"<th>{c}</th>" for c in ("Perspective / objective", "Score", "Status", "Band", "Roll-up",
                                              "Coverage", "Change", "Trend", "Departments (n)"))
    body = f'<table class="bsc-table"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'
    return section(body + note("Scores run from 0 to 10; coverage is the share of the weight that had data. "
                                 "Departments: the weighted score of the department objectives that support it. "
                                 "Roll-up: how the children's scores combine (weighted mean, or the worst or best "
                                 "child's score)."),
                    "scores")


def strategy_map(report: ReviewReport) -> Html:
    """The strategy map, objectives in the colour band of their scores, with the bands as its legend."""
    fig = strategy_map_chart(report.frames, report.scorecard, report.review, period=report.period)
    return section(figure(fig, "strategy-map"), "strategy map")


def _target_text(k: Any, d: int) -> str:
    if k.polarity == "range":
        return f"{number(k.lower, d)}–{number(k.upper, d)} (±{number(k.tolerance, d)})"
    return number(k.target, d)


def _forecast_text(k: Any, d: int) -> str:
    if is_missing(k.forecast_value):
        return esc(k.forecast)
    goal = f" vs {number(k.forecast_target, d)}" if not is_missing(k.forecast_target) else ""
    return (f"{esc(k.forecast)}: {number(k.forecast_value, d)} ({number(k.forecast_lower, d)}–"
            f"{number(k.forecast_upper, d)}){goal} in {esc(k.forecast_period)}")


def _kpis(report: ReviewReport) -> pd.DataFrame:
    kpis = _own(report.review.kpis, report)
    return kpis.assign(digits=kpis["decimals"].fillna(1).astype(int))


def _scheme(report: ReviewReport) -> BandScheme:
    """The scorecard's colour bands."""
    return card_scheme(report.frames["scorecards"], report.scorecard)


_FILL_WORDS = {"zero": "no actual: scored 0 (missing data counts as zero)",
               "red": "no actual: counted in the lowest band (missing data counts as red)"}


def _fill_words(k: Any) -> list[str]:
    """What filled a missing actual of a KPI row, in words (empty when nothing did)."""
    filled = str(k.filled)
    if filled == "carried":
        return [f"no actual: {esc(k.carried_from)}'s carried forward"]
    return [_FILL_WORDS[filled]] if filled in _FILL_WORDS else []


def _filled_note(kpis: pd.DataFrame) -> str:
    """How many KPIs were filled by the missing-data policy (they do not count as coverage)."""
    filled = kpis["filled"].astype(str).value_counts()
    parts = [f"{plural(int(filled[f]), 'KPI')} {w}" for f, w in (("carried", "carried forward"),
             ("zero", "scored 0"), ("red", "counted as red")) if filled.get(f, 0)]
    return f"; without data of their own, {', '.join(parts)}, not counted as data" if parts else ""


def kpi_table(report: ReviewReport) -> Html:
    """Every KPI: actual, target, variance, score, status, trend, forecast and missing sub-periods."""
    kpis = _kpis(report)
    rows = []
    for k in kpis.itertuples(index=False):
        d = int(k.digits)
        notes = []
        if k.missing_sub_periods:
            notes.append(f"{int(k.missing_sub_periods)} of {int(k.sub_periods)} "
                         f"{PERIOD_NOUNS.get(str(k.frequency), 'period')}s missing")
        if not k.due:
            notes.append(f"not due; latest {esc(k.as_of)}")
        if isinstance(k.calc_missing, str) and k.calc_missing:
            notes.append(f"blank: {esc(k.calc_missing)}")
        calculated = (f"<br><span class='bsc-note'>calculated as <code>{esc(k.expression)}</code></span>"
                      if _is_calculated(k.expression) else "")
        notes += _fill_words(k)
        carried = "*" if str(k.filled) == "carried" else ""
        rows.append({
            "Objective": f"<b>{esc(k.objective_id)}</b>",
            "KPI": f'<span id="kpi-{esc(k.kpi_id)}"></span>{esc(k.name)}{calculated}',
            "Unit": esc(k.unit),
            "Actual": f"<span class='bsc-num'>{number(k.actual, d)}{carried}</span>",
            "Target": f"<span class='bsc-num'>{_target_text(k, d)}</span>",
            "Variance": f"<span class='bsc-num'>{number(k.variance, d, sign=True)}</span>",
            "Score": f"<span class='bsc-num'>{number(k.score)}</span>", "Status": chip(k.status),
            "Band": band_chip(k.band, k.band_colour, k.status),
            "Trend": trend_symbol(k.trend), "Forecast": _forecast_text(k, d),
            "Missing": "; ".join(notes),
        })
    shown = table(pd.DataFrame(rows)) if rows else note("This scorecard has no KPIs.")
    carried = (kpis["filled"].astype(str) == "carried").to_numpy(dtype=bool)
    footnote = (note("* carried forward: no actual for this period, so the latest earlier actual is shown and "
                     "scored (the missing-data policy); it does not count as coverage.") if carried.any() else "")
    return section(shown + footnote + note("Variance: actual minus target (for range KPIs, the distance outside the "
                                             "band). "
                                  "Forecast: the actuals so far projected to the end of the horizon (a seasonal "
                                  "model once two full seasons show, a straight line otherwise), with its 80 % "
                                  "prediction interval in brackets; on course or off course when the whole "
                                  "interval meets or misses the target there, uncertain otherwise.")
                   + _lineage_table(report), "KPI table")


def _is_calculated(expression: object) -> bool:
    return not is_blank(expression)


def _lineage_table(report: ReviewReport) -> str:
    """How each calculated KPI was computed in the period: its expression and its inputs' values."""
    lineage = report.review.lineage
    lineage = lineage[(lineage["period"] == report.period).to_numpy(dtype=bool)]
    if lineage.empty:
        return ""
    kpis = _kpis(report).set_index("kpi_id")
    rows = []
    for kpi_id, inputs in lineage.groupby("kpi_id", sort=False):
        k = kpis.loc[kpi_id]
        d = int(k["digits"])
        values = "; ".join(
            f"{esc(r.input_name)} ({esc(r.input_id)}): {number(r.input_actual, int(r.input_decimals))}"
            + (f" {esc(r.input_unit)}" if isinstance(r.input_unit, str) else "")
            for r in inputs.itertuples(index=False))
        result = number(k["actual"], d) if not is_missing(k["actual"]) else f"blank: {esc(k['calc_missing'])}"
        rows.append({"KPI": f"<b>{esc(kpi_id)}</b> {esc(k['name'])}", "Calculated as": f"<code>{esc(k['expression'])}"
                     "</code>", f"Inputs in {esc(report.period)}": values, "Result": result})
    return ("<h3>Calculated KPIs: how they were computed</h3>"
            + note("Each input is brought to the calculated KPI's frequency by its own aggregation rule before the "
                   "expression is computed.") + table(pd.DataFrame(rows)))


TREND_HEIGHT = 260
"""Height in pixels of each trend chart in the report (two side by side on a wide screen and on paper)."""


TREND_LIMIT = 24
"""At most this many trend charts (three printed pages); the other KPIs the rule selects are listed with links."""


def _attention_order(report: ReviewReport, flagged: pd.DataFrame) -> pd.DataFrame:
    """Red before moved-to-a-worse-colour; then the KPIs that weigh most in the scorecard, lowest score first."""
    objs = _own(report.review.objectives, report).set_index("objective_id")["weight"]
    weight = flagged["weight"].to_numpy(np.float64) * flagged["objective_id"].astype(str).map(objs) \
        .fillna(1.0).to_numpy(np.float64)
    red = (flagged["status"] == RED).to_numpy(dtype=bool)
    order = np.lexsort((flagged["score"].fillna(10.0).to_numpy(np.float64), -weight, ~red))
    return flagged.iloc[order]


def trend_charts(report: ReviewReport) -> Html:
    """Trend charts of the KPIs that are red or moved to a worse colour (the heaviest first, at most TREND_LIMIT)."""
    kpis = _kpis(report)
    flagged = needs_attention(report)
    if flagged.empty:
        return section(note("No KPI is red or moved to a worse colour since the last review."), "trend charts")
    ranked = _attention_order(report, flagged)
    charted, listed = ranked.head(TREND_LIMIT), ranked.iloc[TREND_LIMIT:]
    parts = [f"<p>{len(flagged)} of {len(kpis)} KPIs are red or moved to a worse colour since the last review "
             "(the rule of this section)"
             + (f"; the {len(charted)} that weigh most are charted, red ones first, the others listed below"
                if len(listed) else "") + "; every KPI is in the appendix.</p><div class='bsc-grid'>"]
    frames = report.calculated  # with the calculated KPIs' values
    for k in charted.itertuples(index=False):
        fig = kpi_trend(frames, str(k.kpi_id), period=report.period, review=report.review)
        fig.update_layout(height=TREND_HEIGHT)
        parts.append(f"<div><p><b>{esc(k.objective_id)}</b> · {_kpi_link(k.kpi_id)} · {chip(k.status)} "
                     f"{trend_symbol(k.trend)} · score {number(k.score)}</p>{figure(fig, f'trend-{k.kpi_id}')}</div>")
    parts.append("</div>")
    if len(listed):
        items = ", ".join(f"{_kpi_link(k.kpi_id)} {chip(k.status)}" for k in listed.itertuples(index=False))
        parts.append(f"<p>Also red or moved to a worse colour ({len(listed)}): {items}.</p>")
    return section("".join(parts), "trend charts")


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
            rows.append(f'<tr class="bsc-group"><td><b>{esc(o.objective_id)}</b> {esc(o.title)}</td><td></td>'
                        f"<td class='num'>{number(o.score)}</td><td>{chip(o.status)}</td>"
                        f"<td class='num'>{number(o.cascade_score)}</td></tr>")
            for c in children[(children["supports"] == o.objective_id).to_numpy(dtype=bool)].itertuples():
                rows.append(f"<tr><td>&nbsp;&nbsp;<b>{esc(c.objective_id)}</b> {esc(c.title)}</td>"
                            f"<td>{esc(names.get(c.scorecard_id, c.scorecard_id))}</td>"
                            f"<td class='num'>{number(c.score)}</td><td>{chip(c.status)}</td><td></td></tr>")
        head = "".join(f"<th>{c}</th>" for c in ("Objective / supporting department objective", "Scorecard",
                                                  "Score", "Status", "Departments"))
        parts.append(f'<table class="bsc-table"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody>'
                     "</table>")
    supporting = own[own["supports"].notna().to_numpy(dtype=bool)]
    if len(supporting):
        parents = everything.set_index("objective_id")
        grid = pd.DataFrame({
            "Objective": [f"<b>{esc(i)}</b> {esc(t)}" for i, t in zip(supporting["objective_id"],
                                                                        supporting["title"], strict=True)],
            "Score": [number(s) for s in supporting["score"]],
            "Supports": [f"<b>{esc(s)}</b> {esc(parents['title'].get(s))} "
                         f"({esc(names.get(parents['scorecard_id'].get(s), ''))})" for s in supporting["supports"]],
            "Its score": [number(parents["score"].get(s)) for s in supporting["supports"]],
            "Its status": [chip(parents["status"].get(s)) for s in supporting["supports"]],
        })
        parts.append("<p>This scorecard's objectives support these objectives of its parent:</p>" + table(grid))
    if not parts:
        parts.append(note("No department scorecard cascades from this scorecard, and it supports no parent "
                           "objective."))
    return section("".join(parts), "cascade")


def action_plans(report: ReviewReport) -> Html:
    """Initiatives: progress and flags, and the work that needs attention (overdue, blocked, unowned)."""
    ini = report.frames["initiatives"]
    ini = ini[(ini["scorecard_id"] == report.scorecard).to_numpy(dtype=bool)]
    tasks = report.frames["tasks"]
    tasks = tasks[(tasks["scorecard_id"] == report.scorecard).to_numpy(dtype=bool)]
    if ini.empty:
        return section(note("This scorecard has no initiatives yet."), "action plans")
    overdue = report.overdue
    done = tasks.assign(_done=(tasks["status"] == "done").to_numpy(dtype=bool)).groupby("initiative_id")["_done"]
    counts = pd.DataFrame({"done": done.sum(), "total": done.size()})

    def flags(rid: str, owner: object) -> str:
        out = [chip(RED, "overdue")] if rid in overdue else []
        if is_blank(owner):
            out.append(chip(AMBER, "no owner"))
        return " ".join(out)

    plans = pd.DataFrame({
        "Initiative": [f'<b id="initiative-{esc(i)}">{esc(i)}</b> {esc(t)}'
                       for i, t in zip(ini["initiative_id"], ini["title"], strict=True)],
        "Objective": [esc(o) for o in ini["objective_id"]], "Owner": [esc(o) for o in ini["owner"]],
        "Status": [esc(s) for s in ini["status"]],
        "Progress": [f'<span class="bsc-bar"><span style="width:{0 if is_missing(p) else p:.0f}%"></span></span> '
                     f"{0 if is_missing(p) else p:.0f}%" for p in ini["percent_complete"]],
        "Due": [esc(d) for d in ini["due"]],
        "Tasks done": [f"{int(counts['done'].get(i, 0))} of {int(counts['total'].get(i, 0))}"
                       for i in ini["initiative_id"]],
        "Flags": [flags(str(i), o) for i, o in zip(ini["initiative_id"], ini["owner"], strict=True)],
    })
    return section(table(plans) + attention(report).body
                   + '<p class="bsc-sub">The initiatives and their tasks on a timeline are in the appendix '
                     '(<a href="#Timeline">Timeline</a>).</p>', "action plans")


def _signed(report: ReviewReport) -> pd.DataFrame:
    """The scorecard's sign-offs, newest first, with whether each signed the plan this report reads."""
    return report.signoffs


def signoffs(report: ReviewReport) -> Html:
    """Who signed off the plan, when, approving or objecting, and whether they signed the plan reported on."""
    signed = _signed(report)
    if signed.empty:
        return section(note("Nobody has signed off this scorecard's plan yet (workshop step 7, or `bsc signoff`)."),
                       "plan sign-off")
    grid = pd.DataFrame({
        "Who": [esc(v) for v in signed["signed_by"]],
        "Decision": ["approved" if d == "approve" else "objected" for d in signed["decision"]],
        "Note": ["" if is_blank(n) else esc(n) for n in signed["note"]],
        "When": [day(t, "long") for t in signed["signed_at"]],
        "Plan signed": ["this plan" if c else "an earlier version (the plan changed since)" for c in signed["current"]],
        "Fingerprint": [f"<code>{esc(f)}</code>" for f in signed["plan_fingerprint"]],
    })
    return section('<a id="plan-sign-off"></a>' + table(grid), "plan sign-off")


def _signoff_line(report: ReviewReport) -> str:
    """One line for the title block: how many stakeholders signed this plan, and objections."""
    signed = _signed(report)
    if signed.empty:
        return ""
    current = signed[signed["current"].to_numpy(dtype=bool)]
    approved = int((current["decision"] == "approve").sum())
    objected = int((current["decision"] == "object").sum())
    parts = [f"plan signed off by {plural(approved, 'stakeholder')}" if approved else "plan not yet approved"]
    if objected:
        parts.append(f"{plural(objected, 'objection')}")
    if len(current) < len(signed):
        parts.append(f"{plural(len(signed) - len(current), 'sign-off')} of an earlier version")
    return f'<p class="bsc-sub"><a href="#plan-sign-off">{esc(capitalised("; ".join(parts)))}</a></p>'


def timeline(report: ReviewReport) -> Html:
    """Initiatives and their tasks on a timeline (Gantt chart), overdue work marked, as of the report's date."""
    ini = report.frames["initiatives"]
    if not (ini["scorecard_id"] == report.scorecard).any():
        return section(note("This scorecard has no initiatives yet."), "timeline")

    def chart() -> str:  # the same for every period of the scorecard: drawn once per process and pinned data
        fig = gantt(report.frames, report.scorecard, today=report.params.today, overdue=report.overdue,
                    as_of_label="as of")
        return figure(fig, "gantt")

    return section(report.share(("timeline", report.scorecard, report.params.today), chart), "timeline")


def attention(report: ReviewReport) -> Html:
    """The work that needs attention, most urgent first (the same list the workshop's review step shows)."""
    items = report.attention
    lead = (f"<p><b>{plural(len(items), 'item')} need{'s' if len(items) == 1 else ''} attention</b> "
            "(overdue, blocked or without an owner):</p>" if len(items) else "")
    return section(lead + attention_table(items), "needs attention")


_SUBJECT_ORDER = {"scorecard": 0, "perspective": 1, "objective": 2, "kpi": 3, "initiative": 4}


def comments(report: ReviewReport) -> Html:
    """The analysis and recommendations entered for this scorecard and period.

    Each thread (subject and kind) shows its latest comment; earlier ones follow it, smaller.
    """
    c = report.frames["comments"]
    c = c[((c["scorecard_id"] == report.scorecard) & (c["period"] == report.period)).to_numpy(dtype=bool)]
    if c.empty:
        return section(note(f"No comments were entered for {report.period}."), "comments")
    c = c.assign(_o=c["subject_type"].map(_SUBJECT_ORDER)).sort_values(
        ["_o", "subject_id", "kind", "number"], ascending=[True, True, True, False], kind="stable")
    parts = []
    for (kind, sid), group in c.groupby(["subject_type", "subject_id"], sort=False):
        label = subject_label(report.frames, str(kind), str(sid), report.scorecard)
        parts.append(f'<h4 id="comment-{esc(kind)}-{esc(sid)}">{esc(capitalised(label))}</h4>')
        for _, thread in group.groupby("kind", sort=False):
            latest, *earlier = thread.itertuples(index=False)
            parts.append(f'<div class="bsc-comment"><b>{esc(latest.kind).capitalize()}</b>: {esc(latest.text)}'
                         f"{_byline(latest)}")
            if earlier:
                items = "".join(f"<li>{esc(e.text)}{_byline(e)}</li>" for e in earlier)
                parts.append(f'<div class="bsc-earlier">Earlier in this thread:<ul>{items}</ul></div>')
            parts.append("</div>")
    return section("".join(parts), "comments")


def _byline(comment: Any) -> str:
    """Who wrote a comment and when."""
    at = "" if is_missing(comment.at) else day(comment.at, "long")
    author = "" if is_blank(comment.author) else esc(comment.author)
    return f'<div class="bsc-meta">{author}{" · " if author and at else ""}{at}</div>'


def smart_findings(report: ReviewReport) -> Html:
    """SMART findings of the plan (errors first), each with the fix."""
    f = report.findings
    if f.empty:
        return section(note("Every objective, KPI and action plan passes the SMART checks."), "SMART findings")
    counts = f["level"].value_counts()
    summary = ", ".join(f"{int(counts[level])} {level}{'s' if counts[level] != 1 and level != 'info' else ''}"
                        for level in LEVELS if counts.get(level, 0))
    grid = pd.DataFrame({
        "Level": [chip(LEVEL_STATUS[str(v)], str(v)) for v in f["level"]],
        "SMART": [esc(v) for v in f["letter"]], "Finding": [esc(v) for v in f["message"]],
        "Fix": [esc(v) for v in f["remedy"]],
    })
    return section(f"<p>{summary}.</p>" + table(grid), "SMART findings")


def _latest_actuals(report: ReviewReport, kpis: pd.DataFrame) -> pd.DataFrame:
    """Per KPI: the last period with an actual up to the end of the review period, and how far behind it is."""
    review_freq = frequency(report.params.period)
    review_index = period_index(report.params.period)
    act = report.calculated["actuals"]  # with computed actuals
    act = act[act["kpi_id"].isin(set(kpis["kpi_id"].astype(str))).to_numpy(dtype=bool)]
    periods = period_columns(act["period"])
    freq = kpis["frequency"].astype(str).to_numpy()
    expected = np.array([convert_index(review_index, review_freq, f) for f in freq], dtype=np.int64)
    expected = np.where(kpis["due"].to_numpy(dtype=bool), expected, expected - 1)
    limit = pd.Series(expected, index=kpis["kpi_id"].astype(str).to_numpy())
    own_freq = kpis.set_index(kpis["kpi_id"].astype(str))["frequency"].astype(str).reindex(act["kpi_id"].astype(str))
    index = periods["index"].to_numpy(dtype=float, na_value=np.nan)
    keep = ((periods["freq"].to_numpy() == own_freq.to_numpy())
            & (index <= limit.reindex(act["kpi_id"].astype(str)).to_numpy()))
    latest = pd.Series(index[keep]).groupby(act["kpi_id"].astype(str).to_numpy()[keep]).max()
    last = latest.reindex(limit.index)
    return pd.DataFrame({"last": [None if pd.isna(i) else str(period_at(f, int(i))) for i, f in zip(last, freq,
                                                                                                      strict=True)],
                         "behind": (limit - last).to_numpy()}, index=limit.index)


def data_quality(report: ReviewReport) -> Html:
    """KPIs without an actual in the period, with stale or partial data, or without a target."""
    kpis = _kpis(report)
    latest = _latest_actuals(report, kpis)
    rows = []
    for k in kpis.itertuples(index=False):
        issues = []
        info = latest.loc[str(k.kpi_id)]
        if str(k.status) == NO_DATA:
            issues.append(f"no actual for {report.period}" + (f" ({esc(k.calc_missing)})" if k.calc_missing else ""))
        if info["last"] is None:
            issues.append("never measured")
        elif info["behind"] >= 1:
            n = int(info["behind"])
            issues.append(f"stale: latest actual is {info['last']}, {plural(n, PERIOD_NOUNS[str(k.frequency)])} "
                          "behind")
        if k.missing_sub_periods and str(k.status) != NO_DATA:
            issues.append(f"{int(k.missing_sub_periods)} of {int(k.sub_periods)} "
                          f"{PERIOD_NOUNS[str(k.frequency)]}s missing")
        if k.target_gaps:
            issues.append(f"targets incomplete: {esc(k.target_gap_periods)} "
                          f"{'has an actual' if k.target_gaps == 1 else 'have actuals'} but no target, so "
                          f"{report.period} is not scored")
        elif str(k.status) == NO_TARGET:
            issues.append(f"no target for {report.period}")
        if issues:
            rows.append({"KPI": f"<b>{esc(k.kpi_id)}</b> {esc(k.name)}", "Objective": esc(k.objective_id),
                         "Frequency": FREQUENCIES[str(k.frequency)], "Latest actual": esc(info["last"]) or MISSING,
                         "Issues": "; ".join(issues)})
    if not rows:
        return section(note(f"Every KPI has its actuals and targets for {report.period}."), "data quality")
    summary = f"<p>{len(rows)} of {len(kpis)} KPIs have gaps in their data for {report.period}.</p>"
    return section(summary + table(pd.DataFrame(rows)), "data quality")

