"""Charts: strategy map, KPI trend and Gantt figures built from the sample organisation."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from plans import with_markup

from bsc_widgets import InputError, Store, check_smart, score_review
from bsc_widgets.render import charts, theme
from bsc_widgets.scoring.bands import card_scheme as review_bands
from bsc_widgets.scoring.formulas import STATUSES

Frames = dict[str, pd.DataFrame]


@pytest.fixture(scope="module")
def frames(sample_template: Path) -> Frames:
    return Store.open(sample_template).read_all()


def _trace(fig: object, name: str) -> object:
    matches = [t for t in fig.data if t.name == name]  # type: ignore[attr-defined]
    assert len(matches) == 1, [t.name for t in fig.data]  # type: ignore[attr-defined]
    return matches[0]


def test_every_status_has_a_colour() -> None:
    assert set(theme.STATUS_COLOURS) == set(STATUSES)
    assert theme.status_colour("nonsense") == theme.STATUS_COLOURS["no data"]


def test_strategy_map_draws_bands_boxes_and_arrows(frames: Frames) -> None:
    fig = charts.strategy_map(frames, "org")
    objectives = frames["objectives"][frames["objectives"]["scorecard_id"] == "org"]
    titles = _trace(fig, "objective titles")
    assert len(titles.x) == len(objectives)
    assert {t.split("</b>")[0].removeprefix("<b>") for t in titles.text} == set(objectives["objective_id"])
    links = frames["links"][frames["links"]["scorecard_id"] == "org"]
    arrows = _trace(fig, "links")
    assert sum(s > 0 for s in arrows.marker.size) == len(links)
    labels = _trace(fig, "perspectives")
    names = [t.removeprefix("<b>").removesuffix("</b>").replace("<br>", " ") for t in labels.text]
    assert names == ["Financial", "Customer", "Internal Processes", "Learning &amp; Growth"]
    assert list(labels.y) == sorted(labels.y)  # the first position is drawn at the top (y axis reversed)
    assert fig.layout.yaxis.range[0] > fig.layout.yaxis.range[1]
    # Each objective sits inside its perspective's band.
    bands = {s.y0: s.y1 for s in fig.layout.shapes}
    order = frames["perspectives"].query("scorecard_id == 'org'").sort_values("position")["perspective_id"].tolist()
    y = dict(zip([t.split("</b>")[0].removeprefix("<b>") for t in titles.text], titles.y, strict=True))
    tops = sorted(bands)
    for obj in objectives.itertuples():
        top = tops[order.index(obj.perspective_id)]
        assert top < y[obj.objective_id] < bands[top]


def test_strategy_map_follows_reordered_perspectives(frames: Frames) -> None:
    moved = dict(frames)
    persp = frames["perspectives"].copy()
    persp.loc[(persp["scorecard_id"] == "org") & (persp["perspective_id"] == "customer"), "position"] = 0
    moved["perspectives"] = persp
    labels = _trace(charts.strategy_map(moved, "org"), "perspectives")
    assert labels.text[0] == "<b>Customer</b>"


def test_strategy_map_colours_boxes_by_status(frames: Frames) -> None:
    review = score_review(frames, "2026Q3", "org")
    fig = charts.strategy_map(frames, "org", review)
    objs = review.objectives
    bands = review_bands(frames["scorecards"], "org")
    ranges = {name: f"{name} ({span})" for name, _, span in theme.legend(bands)}
    for band, count in objs["band"].astype(str).replace("", "no data").value_counts().items():
        if count:  # the default bands are the status colours, and the legend names their score ranges
            boxes = _trace(fig, ranges.get(band, band))
            assert boxes.fillcolor == theme.STATUS_COLOURS[band]
            assert len(boxes.x) == 6 * count  # five corners and a gap per box
    text = dict(zip([t.split("</b>")[0].removeprefix("<b>") for t in _trace(fig, "objective titles").text],
                    _trace(fig, "objective titles").text, strict=True))
    p2 = objs.set_index("objective_id").loc["P2"]
    assert f"{p2['score']:.1f} / 10" in text["P2"]


def test_strategy_map_rejects_unknown_scorecard_and_period(frames: Frames) -> None:
    with pytest.raises(InputError, match=r"unknown scorecard 'nope'.*org"):
        charts.strategy_map(frames, "nope")
    with pytest.raises(InputError, match="2026Q1 is not in the review"):
        charts.strategy_map(frames, "org", score_review(frames, "2026Q3", "org"), period="2026Q1")


def test_strategy_map_draws_200_objectives(frames: Frames) -> None:
    # How fast this is lives in benchmarks/forms.py (no wall-clock assertions in tests).
    n = 200
    big = dict(frames)
    big["objectives"] = pd.DataFrame({
        "objective_id": [f"O{i}" for i in range(n)], "scorecard_id": "org",
        "perspective_id": np.array(["financial", "customer", "internal", "learning"])[np.arange(n) % 4],
        "title": [f"Improve the outcome number {i} for our customers and staff" for i in range(n)],
        "owner": "Someone", "weight": 1.0, "supports": None, "position": np.arange(n) // 4 + 1})
    big["links"] = pd.DataFrame({"scorecard_id": "org", "cause": [f"O{i}" for i in range(n - 1)],
                                 "effect": [f"O{(7 * i + 3) % n}" for i in range(n - 1)]})
    review = score_review(big, "2026Q3", "org")
    fig = charts.strategy_map(big, "org", review)
    titles = _trace(fig, "objective titles")
    assert len(titles.x) == n
    assert {t.split("</b>")[0].removeprefix("<b>") for t in titles.text} == set(big["objectives"]["objective_id"])
    assert sum(s > 0 for s in _trace(fig, "links").marker.size) == n - 1


def test_kpi_trend_shows_actuals_targets_and_red_flag(frames: Frames) -> None:
    fig = charts.kpi_trend(frames, "rev-net", period="2026Q2")
    actual = _trace(fig, "actual")
    acts = frames["actuals"].query("kpi_id == 'rev-net'").sort_values("period")
    shown = acts[acts["period"] <= "2026-06"]
    assert list(actual.y) == shown["value"].tolist()
    assert list(actual.customdata) == shown["period"].tolist()
    targets = frames["targets"].query("kpi_id == 'rev-net'").sort_values("period")
    assert list(_trace(fig, "target").y) == targets["target"].tolist()  # the path runs on past the period
    assert list(_trace(fig, "red flag").y) == targets["red_flag"].tolist()
    assert len(fig.layout.shapes) == 1 and str(fig.layout.shapes[0].x0).startswith("2026-04-01")


def test_kpi_trend_draws_a_band_for_range_kpis_and_a_forecast(frames: Frames) -> None:
    review = score_review(frames, "2026Q3", "org")
    fig = charts.kpi_trend(frames, "inventory-cover", period="2026Q3", review=review)
    names = [t.name for t in fig.data]
    assert "band (upper)" in names and "band (lower)" in names and "target" not in names
    assert _trace(fig, "band (lower)").fill == "tonexty"
    row = review.kpis.set_index("kpi_id").loc["inventory-cover"]
    forecast = _trace(fig, f"forecast ({row['forecast']})")
    assert forecast.y[-1] == pytest.approx(row["forecast_value"])
    fan = _trace(fig, "forecast interval (80 %)")
    periods = len(forecast.x) - 1  # one point per period after the last actual, to the horizon end
    assert fan.fill == "toself" and len(fan.x) == 2 * periods + 2
    assert list(fan.x[1:periods + 1]) == list(forecast.x[1:]), "the band follows the path period by period"
    assert [fan.y[periods], fan.y[periods + 1]] == pytest.approx([row["forecast_upper"], row["forecast_lower"]])
    assert fan.y[0] == fan.y[-1] == forecast.y[0], "the band starts at the last actual"


def test_kpi_trend_draws_the_seasonal_path_of_net_revenue(frames: Frames) -> None:
    review = score_review(frames, "2026Q3", "org")
    fig = charts.kpi_trend(frames, "rev-net", period="2026Q3", review=review)
    row = review.kpis.set_index("kpi_id").loc["rev-net"]
    path = _trace(fig, "forecast (off course)")
    assert list(path.customdata[1:4]) == ["2026-10", "2026-11", "2026-12"] and path.customdata[-1] == "2027-12"
    values = dict(zip(path.customdata[1:], path.y[1:], strict=True))
    assert values["2027-12"] == pytest.approx(row["forecast_value"])
    assert values["2026-12"] > values["2027-06"] > values["2027-01"], "December peaks, January drops"
    fan = _trace(fig, "forecast interval (80 %)")
    upper = fan.y[1:len(path.x)]
    lower = fan.y[len(path.x):-1][::-1]
    assert all(lo < mid < up for lo, mid, up in zip(lower, path.y[1:], upper, strict=True))


def test_kpi_trend_rejects_unknown_kpi(frames: Frames) -> None:
    with pytest.raises(InputError, match="unknown KPI 'nope'"):
        charts.kpi_trend(frames, "nope")


def test_gantt_marks_overdue_tasks(frames: Frames) -> None:
    today = dt.date(2026, 11, 24)
    fig = charts.gantt(frames, "org", today=today)
    findings = check_smart(frames, "org", today=today)
    overdue = set(findings.loc[findings["check"] == "task-overdue", "subject_id"])
    assert len(overdue) == 6  # the chart and the SMART check apply the same overdue rule
    marked = _trace(fig, "task overdue")
    assert {label.split(" ")[0] for label in marked.y} == overdue
    initiatives = frames["initiatives"].query("scorecard_id == 'org'")
    bars = [t for t in fig.data if t.type == "bar" and t.name.startswith("initiative ")]
    assert sum(len(t.y) for t in bars) == len(initiatives)
    tasks = frames["tasks"].query("scorecard_id == 'org'")
    assert len(fig.layout.yaxis.categoryarray) == len(initiatives) + len(tasks)
    assert fig.layout.shapes[0].x0 == today
    earlier = charts.gantt(frames, "org", today=dt.date(2025, 1, 1))
    assert "task overdue" not in [t.name for t in earlier.data]


def _strings(value: object) -> list[str]:
    """Every string in a figure's JSON (trace and layout), however deep."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list | tuple):
        return [s for v in value for s in _strings(v)]
    return []


def _assert_escaped(fig: object) -> list[str]:
    import json

    strings = _strings(json.loads(fig.to_json()))  # type: ignore[attr-defined]
    assert not [s for s in strings if "<a" in s or "<b>bold" in s], "markup from the plan reached plotly"
    assert not [s for s in strings if "&quot;" in s], "plotly does not decode &quot;: quotes are left alone"
    return [s for s in strings if "&lt;a href=" in s]


def test_chart_texts_from_the_plan_are_escaped(frames: Frames) -> None:
    marked = with_markup(frames)
    review = score_review(marked, "2026Q3", "org")
    escaped = _assert_escaped(charts.strategy_map(marked, "org", review))
    assert any(s.startswith("<b>F1</b> &lt;a href=") and "owner: &lt;a href=" in s for s in escaped), escaped
    assert any("&lt;b&gt;bold&lt;/b&gt; &amp;" in s for s in escaped)  # the perspective labels and boxes

    gantt_fig = charts.gantt(marked, "org", today=dt.date(2026, 11, 24))
    escaped = _assert_escaped(gantt_fig)
    bars = [t for t in gantt_fig.data if t.type == "bar" and t.name.startswith("initiative ")]
    assert all(row[3].startswith("&lt;a href=") for t in bars for row in t.customdata)  # initiative owners
    tasks = [t for t in gantt_fig.data if t.name.startswith("task ")]
    assert all(row[0].startswith("&lt;a href=") for t in tasks for row in t.customdata)  # task owners
    assert all("&lt;a href=" in label.replace("<br>", " ") for label in gantt_fig.layout.yaxis.categoryarray)

    for kpi_id in ("rev-net", "inventory-cover"):
        trend = charts.kpi_trend(marked, kpi_id, period="2026Q3", review=review)
        escaped = _assert_escaped(trend)
        assert trend.layout.title.text.startswith("<b>&lt;a href=")
        assert all(t.meta.startswith("&lt;a href=") and t.hovertemplate.endswith("%{meta}") for t in trend.data
               if t.hoverinfo != "skip")  # the colour-band ribbons have no hover text
        assert trend.layout.yaxis.title.text.startswith("&lt;a href=")


def test_every_chart_draws_with_the_vendored_plotly_js_bundle(frames: Frames) -> None:
    """The reports embed plotly.js's basic bundle: every chart uses only its trace types, and it is the
    plotly.js version the python plotly package writes figures for."""
    from plotly.offline import get_plotlyjs_version

    from bsc_widgets.render import plotly_bundle

    review = score_review(frames, "2026Q3", "org")
    figures = [charts.strategy_map(frames, "org", review=review),
               charts.gantt(frames, "org", today=dt.date(2026, 11, 24)),
               charts.kpi_trend(frames, "rev-net", period="2026Q3", review=review),
               charts.kpi_trend(frames, "inventory-cover", period="2026Q3", review=review)]
    used = {t.type for fig in figures for t in fig.data}
    assert used and used <= plotly_bundle.TRACE_TYPES, used - plotly_bundle.TRACE_TYPES
    source = plotly_bundle.plotly_js()
    assert source.startswith(f"/**\n* plotly.js (basic - minified) v{plotly_bundle.VERSION}\n")
    assert get_plotlyjs_version() == plotly_bundle.VERSION
    assert len(source.encode()) < 1_500_000 and "MIT" in plotly_bundle.LICENSE.read_text(encoding="utf-8")
