"""The report index: ``index.html`` linking every report of a batch with its headline."""

from __future__ import annotations

import html
import os
from collections.abc import Sequence
from pathlib import Path

from ..model.plan import IN_PROGRESS_BELOW
from ..model.words import number, percent
from ..render.theme import FONT, INK, LINK, PANEL, RULE, STATUS_COLOURS, status_colour
from ..scoring.formulas import AMBER, NO_TARGET, RED
from .runner import ReportResult

__all__ = ["write_index"]

_INDEX_CSS = """
body{font-family:$font;color:$ink;max-width:1000px;margin:2em auto;
  padding:0 1.5em}
table{border-collapse:collapse;width:100%;margin:.5em 0 1.5em}th{text-align:left;background:$panel;
  border-bottom:2px solid $rule2;padding:.35em .6em}td{border-bottom:1px solid $rule;padding:.35em .6em}
td.num{text-align:right;font-variant-numeric:tabular-nums}.chip{display:inline-block;padding:.05em .6em;
  border-radius:.8em;color:#fff;font-weight:600;font-size:.85em;-webkit-print-color-adjust:exact;
  print-color-adjust:exact}
.failed{color:$red}a{color:$link}.progress{border:2px dashed $amber;border-radius:4px;padding:0 .4em;
  font-size:.85em;white-space:nowrap}
""".replace("$font", FONT).replace("$red", STATUS_COLOURS[RED]).replace("$ink", INK).replace(
    "$panel", PANEL).replace("$amber", STATUS_COLOURS[AMBER]).replace("$rule2", STATUS_COLOURS[NO_TARGET]).replace(
    "$rule", RULE).replace("$link", LINK)


def write_index(results: Sequence[ReportResult], out: str | os.PathLike[str]) -> Path:
    """Write ``index.html`` linking every report with its headline score and status (failures with the reason)."""
    folder = Path(out)
    groups: dict[str, list[ReportResult]] = {}
    for result in results:
        groups.setdefault(result.job.scorecard, []).append(result)
    parts = []
    for scorecard, rows in groups.items():
        name = next((r.headline["name"] for r in rows if r.headline), scorecard)
        cells = []
        for r in rows:
            h = r.headline or {}
            if r.ok:
                colour = status_colour(h.get("status"))
                progress = (f' <span class="progress">{html.escape(str(h.get("progress")))}</span>'
                            if h.get("in_progress") else "")
                provisional = " (provisional)" if h.get("in_progress") and h.get("score_change") is not None else ""
                cells.append(
                    f'<tr><td><a href="{html.escape(r.job.name)}.html">{html.escape(r.job.period)}</a>{progress}</td>'
                    f'<td class="num">{number(h.get("score"))}</td>'
                    f'<td><span class="chip" style="background:{colour}">'
                    f'{html.escape(str(h.get("status")))}</span></td>'
                    f'<td class="num">{percent(h.get("coverage"))}</td>'
                    f'<td class="num">{number(h.get("score_change"), sign=True)}{provisional}</td>'
                    f'<td><a href="{html.escape(r.job.name)}.ipynb">notebook</a></td></tr>')
            else:
                link = (f'<a href="{html.escape(r.job.name)}.ipynb">executed notebook</a>' if r.notebook
                        else "no notebook")
                cells.append(f'<tr class="failed"><td>{html.escape(r.job.period)}</td>'
                             f'<td colspan="4">failed: {html.escape(str(r.error))}</td><td>{link}</td></tr>')
        parts.append(f"<h2>{html.escape(str(name))} <small>({html.escape(scorecard)})</small></h2><table><thead><tr>"
                     "<th>Period</th><th>Score</th><th>Status</th><th>Coverage</th><th>Change</th><th>Audit</th>"
                     f"</tr></thead><tbody>{''.join(cells)}</tbody></table>")
    failed = sum(not r.ok for r in results)
    summary = f"{len(results) - failed} report(s)" + (f", {failed} failed" if failed else "")
    page = (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Period review reports</title>'
            f"<style>{_INDEX_CSS}</style></head><body><h1>Period review reports</h1><p>{summary}. Scores run from 0 "
            "to 10; change is against the previous period; a period in progress (not ended, or less than "
            f"{IN_PROGRESS_BELOW:.0%} of the KPI weight with data) has provisional numbers. Each report opens "
            f"offline; the executed notebook next to it is kept for audit.</p>{''.join(parts)}</body></html>")
    target = folder / "index.html"
    target.write_text(page, encoding="utf-8")
    return target
