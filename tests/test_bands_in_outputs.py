"""A five-band scheme set on the scorecard, and a carried-forward actual, in every output: a real store, real runs.

The report is made by ``bsc report`` (papermill, the review template); the xlsx by
``bsc export``; the strategy map is read from the report's plotly figure.
"""

from __future__ import annotations

import html
import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from bsc_widgets import Store, score_review
from bsc_widgets.cli import main
from bsc_widgets.model.bands import BANDS_EXAMPLE, parse_bands
from bsc_widgets.render.theme import legend

FIVE = parse_bands(BANDS_EXAMPLE)[0]
assert FIVE is not None
LEGEND = legend(FIVE)  # (name, colour, score range), highest first


def _data(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if k not in ("revision", "saved_at", "saved_by", "period_start",
                                                             "period_end")}


@pytest.fixture(scope="module")
def banded(tmp_path_factory: pytest.TempPathFactory, sample_template: Path) -> Path:
    """The sample with five bands and carry_forward:1 on 'org', C3 rolled up by its worst KPI, NPS 2026Q3 missing."""
    where = Path(shutil.copytree(sample_template, tmp_path_factory.mktemp("banded") / "store"))
    store = Store.open(where)
    cards = store.read("scorecards")
    org = _data(cards[cards["scorecard_id"] == "org"].iloc[0].to_dict())
    store.upsert("scorecards", [{**org, "bands": BANDS_EXAMPLE, "missing_policy": "carry_forward:1"}])
    objectives = store.read("objectives")
    c3 = _data(objectives[objectives["objective_id"] == "C3"].iloc[0].to_dict())
    store.upsert("objectives", [{**c3, "rollup": "worst"}])
    store.delete("actuals", [("nps", "2026Q3")])
    return where


@pytest.fixture(scope="module")
def report(banded: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("report")
    result = CliRunner().invoke(main, ["report", "--store", str(banded), "--scorecard", "org", "--period", "2026Q3",
                                       "--today", "2026-10-15", "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


def test_the_report_legend_headline_and_tables_use_the_five_bands(report: Path, banded: Path) -> None:
    page = (report / "org-2026Q3.html").read_text(encoding="utf-8")
    legend_html = page.split('<div class="bsc-legend">', 1)[1].split("</div>", 1)[0]
    for name, colour, span in LEGEND:
        assert f"background:{colour}" in legend_html and f">{name}</span> {html.escape(span)}" in legend_html
    review = score_review(Store.open(banded).read_all(), "2026Q3", "org")
    card = review.scorecards.iloc[0]
    assert f'· band <span class="bsc-chip" style="background:{card["band_colour"]};' in page
    kpis = review.kpis
    critical = kpis[kpis["band"] == "critical"]
    assert len(critical), "the sample has KPIs below 2 in 2026Q3"
    for kpi in critical.itertuples():
        row = page.split(f'<span id="kpi-{kpi.kpi_id}"></span>', 1)[1].split("</tr>", 1)[0]
        assert "background:#7f0000" in row and ">critical</span>" in row
    assert "<th>Roll-up</th>" in page
    c3 = page.split("<b>C3</b>", 1)[1].split("</tr>", 1)[0]
    assert "worst child" in c3


def test_the_report_marks_the_carried_value(report: Path) -> None:
    page = (report / "org-2026Q3.html").read_text(encoding="utf-8")
    row = page.split('<span id="kpi-nps"></span>', 1)[1].split("</tr>", 1)[0]
    assert "44*</span>" in row and "no actual: 2026Q2's carried forward" in row
    assert "* carried forward: no actual for this period" in page
    results = json.loads((report / "org-2026Q3.results.json").read_text(encoding="utf-8"))
    assert results["headline"]["bands"] == [list(item) for item in LEGEND]


def test_the_strategy_map_colours_boxes_by_band_with_the_bands_as_legend(report: Path, banded: Path) -> None:
    page = (report / "org-2026Q3.html").read_text(encoding="utf-8")
    figure = page.split('id="bsc-strategy-map"', 1)[1]
    spec = json.loads(re.search(r"Plotly\.newPlot\(\s*\"bsc-strategy-map\",\s*(\[.*?\]),\s*\{", figure, re.S)
                      .group(1))  # type: ignore[union-attr]
    traces = {t.get("name"): t for t in spec}
    for name, colour, span in LEGEND:
        trace = traces[f"{name} ({span})"]
        assert trace["fillcolor"] == colour and trace.get("showlegend", True)
    review = score_review(Store.open(banded).read_all(), "2026Q3", "org")
    objectives = review.objectives
    for name, _, span in LEGEND:
        boxes = traces[f"{name} ({span})"]["x"]
        assert len([x for x in boxes if x is not None]) == 5 * int((objectives["band"] == name).sum())


def test_the_xlsx_sheet_colours_the_band_column_and_has_the_legend(banded: Path, tmp_path: Path) -> None:
    path = tmp_path / "banded.xlsx"
    result = CliRunner().invoke(main, ["export", str(path), "--store", str(banded), "--to", "xlsx", "--scorecard",
                                       "org", "--period", "2026Q3"])
    assert result.exit_code == 0, result.output
    sheet = load_workbook(path)["Scorecard 2026Q3"]
    header = [c.value for c in sheet[2]]
    band_col, rollup_col, missing_col = (header.index(h) for h in ("band", "roll-up", "missing data"))
    review = score_review(Store.open(banded).read_all(), "2026Q3", "org")
    bands = review.kpis.set_index("kpi_id")["band"].astype(str)
    seen = 0
    card = ""
    for row in sheet.iter_rows(min_row=3):
        if row[0].value == "scorecard":
            card = row[1].value
        if row[0].value != "kpi" or card != "org":
            continue
        cell = row[band_col]
        assert cell.value == bands[row[1].value]
        colour = dict((n, c) for n, c, _ in LEGEND)[cell.value]
        assert cell.fill.fgColor.rgb.endswith(colour.lstrip("#").upper())
        seen += 1
    assert seen == len(bands)
    rows = [[c.value for c in r] for r in sheet.iter_rows()]
    start = next(i for i, r in enumerate(rows) if r[0] == "Colour bands")
    assert [(r[1], r[2]) for r in rows[start + 1:start + 6]] == [(n, s) for n, _, s in LEGEND]
    legend_cell = sheet.cell(start + 2, 2)
    assert legend_cell.fill.fgColor.rgb.endswith(LEGEND[0][1].lstrip("#").upper())
    c3 = next(r for r in rows if r[0] == "objective" and r[1] == "C3")
    assert c3[rollup_col] == "worst child"
    nps = next(r for r in rows if r[0] == "kpi" and r[1] == "nps")
    assert nps[missing_col] == "no actual: 2026Q2's carried forward"


def test_bsc_score_shows_bands_roll_up_and_the_carried_value(banded: Path) -> None:
    result = CliRunner().invoke(main, ["score", "--store", str(banded), "--period", "2026Q3", "--scorecard", "org"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    c3 = next(line for line in lines if line.startswith("  C3 "))
    assert c3.endswith("roll-up: worst child")
    nps = next(line for line in lines if line.strip().startswith("nps:"))
    assert "44*" in nps and "2026Q2's carried forward" in nps
    assert any(", band critical" in line for line in lines)


def test_the_report_index_shows_the_band_and_the_legend(report: Path) -> None:
    page = (report / "index.html").read_text(encoding="utf-8")
    for name, colour, span in LEGEND:
        assert f'background:{colour};' in page and f">{name}</span> {html.escape(span)}" in page
    assert "<th>Band</th>" in page
