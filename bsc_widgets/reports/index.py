"""The report index: ``index.html`` linking every report of a batch with the numbers of its results file."""

from __future__ import annotations

import html
import os
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..model.plan import IN_PROGRESS_BELOW
from ..model.words import number, percent
from ..render.theme import FONT, INK, LINK, PANEL, RULE, STATUS_COLOURS, band_colour, status_colour, text_on
from ..scoring.formulas import AMBER, NO_TARGET, RED, STATUSES
from .pinning import RESULTS_SUFFIX, load_results
from .runner import ReportResult

__all__ = ["report_numbers", "write_index"]

_INDEX_CSS = """
body{font-family:$font;color:$ink;max-width:1000px;margin:2em auto;
  padding:0 1.5em}
table{border-collapse:collapse;width:100%;margin:.5em 0 1.5em}th{text-align:left;background:$panel;
  border-bottom:2px solid $rule2;padding:.35em .6em}td{border-bottom:1px solid $rule;padding:.35em .6em}
td.num{text-align:right;font-variant-numeric:tabular-nums}.chip{display:inline-block;padding:.05em .6em;
  border-radius:.8em;color:#fff;font-weight:600;font-size:.85em;-webkit-print-color-adjust:exact;
  print-color-adjust:exact}
.legend{margin-right:.8em;white-space:nowrap}
.failed{color:$red}a{color:$link}.progress{border:2px dashed $amber;border-radius:4px;padding:0 .4em;
  font-size:.85em;white-space:nowrap}
""".replace("$font", FONT).replace("$red", STATUS_COLOURS[RED]).replace("$ink", INK).replace(
    "$panel", PANEL).replace("$amber", STATUS_COLOURS[AMBER]).replace("$rule2", STATUS_COLOURS[NO_TARGET]).replace(
    "$rule", RULE).replace("$link", LINK)


def report_numbers(folder: Path, result: ReportResult) -> dict[str, Any]:
    """What the index shows of a report: its results file (headline, KPIs, attention) as written next to it.

    A report without a results file (a custom template that writes none) shows its headline only.
    """
    where = folder / f"{result.job.name}{RESULTS_SUFFIX}"
    if where.is_file():
        return load_results(where)
    return {"headline": result.headline or {}, "kpis": {}, "attention": []}


def _kpi_counts(kpis: dict[str, Any]) -> str:
    counts = Counter(str(k.get("status")) for k in kpis.values())
    return " ".join(f'<span class="chip" style="background:{status_colour(s)}" title="{html.escape(s)}">'
                    f"{counts[s]}</span>" for s in STATUSES if counts.get(s))


def _chip(name: str, colour: str) -> str:
    fill = band_colour(colour)
    return (f'<span class="chip" style="background:{fill};color:{text_on(fill)}">'
            f"{html.escape(name)}</span>")


def _band(headline: dict[str, Any]) -> str:
    """The headline score's colour band as a chip (empty for a results file written before bands)."""
    name = str(headline.get("band") or "")
    return _chip(name, str(headline.get("band_colour") or "")) if name else ""


def _legend(bands: list[list[str]] | None) -> str:
    """The scorecard's colour bands, highest first, with their score ranges (as its reports' headlines hold them)."""
    if not bands:
        return ""
    items = " ".join(f'<span class="legend">{_chip(name, colour)} {html.escape(span)}</span>'
                     for name, colour, span in bands)
    return f"<p>Colour bands (score 0–10): {items}</p>"


def _links(folder: Path, name: str) -> str:
    shown = [(f"{name}.pdf", "PDF"), (f"{name}{RESULTS_SUFFIX}", "results"), (f"{name}.ipynb", "notebook")]
    return " · ".join(f'<a href="{html.escape(file)}">{label}</a>' for file, label in shown
                      if (folder / file).is_file())


def write_index(results: Sequence[ReportResult], out: str | os.PathLike[str]) -> Path:
    """Write ``index.html`` linking every report with its numbers, read from its results file (failures: the reason).

    Per scorecard: its colour bands as a legend.  Per report: the headline score, status,
    colour band, coverage and change, how many KPIs are of each
    status, how many items of work need attention, and links to its PDF, results file and
    executed notebook.
    """
    folder = Path(out)
    groups: dict[str, list[ReportResult]] = {}
    for result in results:
        groups.setdefault(result.job.scorecard, []).append(result)
    parts = []
    for scorecard, rows in groups.items():
        name = next((r.headline["name"] for r in rows if r.headline), scorecard)
        cells = []
        for r in rows:
            if r.ok:
                numbers = report_numbers(folder, r)
                h = numbers["headline"]
                colour = status_colour(h.get("status"))
                progress = (f' <span class="progress">{html.escape(str(h.get("progress")))}</span>'
                            if h.get("in_progress") else "")
                provisional = " (provisional)" if h.get("in_progress") and h.get("score_change") is not None else ""
                cells.append(
                    f'<tr><td><a href="{html.escape(r.job.name)}.html">{html.escape(r.job.period)}</a>{progress}</td>'
                    f'<td class="num">{number(h.get("score"))}</td>'
                    f'<td><span class="chip" style="background:{colour}">'
                    f'{html.escape(str(h.get("status")))}</span></td><td>{_band(h)}</td>'
                    f'<td class="num">{percent(h.get("coverage"))}</td>'
                    f'<td class="num">{number(h.get("score_change"), sign=True)}{provisional}</td>'
                    f'<td class="kpis">{_kpi_counts(numbers.get("kpis", {}))}</td>'
                    f'<td class="num">{len(numbers.get("attention", []))}</td>'
                    f"<td>{_links(folder, r.job.name)}</td></tr>")
            else:
                link = (f'<a href="{html.escape(r.job.name)}.ipynb">executed notebook</a>' if r.notebook
                        else "no notebook")
                cells.append(f'<tr class="failed"><td>{html.escape(r.job.period)}</td>'
                             f'<td colspan="7">failed: {html.escape(str(r.error))}</td><td>{link}</td></tr>')
        bands = next((r.headline.get("bands") for r in rows if r.headline and r.headline.get("bands")), None)
        parts.append(f"<h2>{html.escape(str(name))} <small>({html.escape(scorecard)})</small></h2>{_legend(bands)}"
                     "<table><thead><tr><th>Period</th><th>Score</th><th>Status</th><th>Band</th><th>Coverage</th>"
                     "<th>Change</th>"
                     "<th>KPIs by status</th><th>Needs attention</th><th>Files</th>"
                     f"</tr></thead><tbody>{''.join(cells)}</tbody></table>")
    failed = sum(not r.ok for r in results)
    summary = f"{len(results) - failed} report(s)" + (f", {failed} failed" if failed else "")
    page = (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Period review reports</title>'
            f"<style>{_INDEX_CSS}</style></head><body><h1>Period review reports</h1><p>{summary}. Scores run from 0 "
            "to 10; change is against the previous period; a period in progress (not ended, or less than "
            f"{IN_PROGRESS_BELOW:.0%} of the KPI weight with data) has provisional numbers; KPIs by status counts "
            "green, amber, red and the KPIs without data or target; needs attention counts overdue, blocked and "
            "unowned work. Each report opens offline; its results file holds these numbers, and the executed "
            f"notebook next to it is kept for audit.</p>{''.join(parts)}</body></html>")
    target = folder / "index.html"
    target.write_text(page, encoding="utf-8")
    return target
