"""Scoring rules with hand-computed expected values (docs/scoring.md has the same examples)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from plans import plan_frames
from scipy import stats

from bsc_widgets import Store
from bsc_widgets.cli import main
from bsc_widgets.errors import InputError
from bsc_widgets.io.samples import sample_plan
from bsc_widgets.model.schema import PLAN_TABLES
from bsc_widgets.scoring import formulas as scores
from bsc_widgets.scoring import score_review

T = 10 / 3  # one third of the scale


# ---------------------------------------------------------------- formulas
@pytest.mark.parametrize(("actual", "target", "red", "expected"), [
    (5, 10, 5, T), (10, 10, 5, 2 * T), (15, 10, 5, 10), (20, 10, 5, 10), (0, 10, 5, 0), (7.5, 10, 5, 5),
    # lower is better: target below the red flag, same formula
    (20, 10, 20, T), (10, 10, 20, 2 * T), (5, 10, 20, 25 / 3), (0, 10, 20, 10), (30, 10, 20, 0),
])
def test_directional_score(actual: float, target: float, red: float, expected: float) -> None:
    assert scores.score_directional(actual, target, red) == pytest.approx(expected)


@pytest.mark.parametrize(("actual", "expected"), [
    (40, 10), (30, 2 * T), (50, 2 * T), (45, 10 - T * 5 / 10), (35, 10 - T * 5 / 10),
    (25, T), (55, T), (27.5, 5), (52.5, 5), (20, 0), (60, 0), (10, 0),
])
def test_range_score(actual: float, expected: float) -> None:
    assert scores.score_range(actual, 30, 50, 5) == pytest.approx(expected)


def test_status_boundaries_and_labels() -> None:
    s = scores.score_directional([10, 5, 4.99, 6], [10, 10, 10, 10], [5, 5, 5, 5])
    assert list(scores.status(s, [True] * 4, [True] * 4)) == ["green", "amber", "red", "amber"]
    assert list(scores.status([np.nan, np.nan], [False, True], [True, False])) == ["no data", "no target"]
    assert list(scores.status([7.0], [True], [True], green_from=8.0, amber_from=5.0)) == ["amber"]


@pytest.mark.parametrize("green_from", [20 / 3, 6.67, 6.667, 6.6667, 6.665, 6.6716])
def test_a_kpi_exactly_on_target_is_green_with_the_threshold_a_person_types(green_from: float) -> None:
    on_target, below = scores.score_directional([10, 9.9], 10, 5)  # 20/3 and 6.60
    assert list(scores.status([on_target, below], [True] * 2, [True] * 2, green_from=green_from)) == [
        "green", "amber"]
    assert scores.threshold(green_from) == 20 / 3


@pytest.mark.parametrize("amber_from", [10 / 3, 3.33, 3.333, 3.335])
def test_a_kpi_exactly_at_its_red_flag_is_amber_with_the_threshold_a_person_types(amber_from: float) -> None:
    at_red_flag, below = scores.score_directional([5, 4.9], 10, 5)  # 10/3 and 3.27
    assert list(scores.status([at_red_flag, below], [True] * 2, [True] * 2, amber_from=amber_from)) == [
        "amber", "red"]


def test_other_thresholds_are_used_as_typed() -> None:
    assert list(scores.threshold([6.66, 6.68, 6.7, 3.32, 8, np.nan])[:5]) == [6.66, 6.68, 6.7, 3.32, 8]
    on_target = scores.score_directional(10, 10, 5)
    assert list(scores.status([on_target] * 3, [True] * 3, [True] * 3, green_from=[6.66, 6.68, 6.7])) == [
        "green", "amber", "amber"]


def test_a_range_kpi_at_the_edge_of_its_band_is_green() -> None:
    edge = scores.score_range([30, 50], 30, 50, 5)
    assert (edge < 20 / 3).all(), "10 - 10/3 is a hair below 20/3 in floating point"
    assert list(scores.status(edge, [True] * 2, [True] * 2)) == ["green", "green"]
    assert list(scores.status(edge, [True] * 2, [True] * 2, green_from=6.67)) == ["green", "green"]


def test_colour_zones_follow_the_typed_threshold() -> None:
    row = {"target": 100, "red_flag": 80}
    assert scores.colour_zones("higher", row, 6.67, 3.33) == scores.colour_zones("higher", row)
    assert scores.colour_zones("higher", row)[2][1] == pytest.approx(100)  # green from the target


def test_trend_labels() -> None:
    assert list(scores.trend([0.05, -0.099, 0.1, -0.5, np.nan])) == ["flat", "flat", "up", "down", ""]


# ---------------------------------------------------------------- a small plan
def plan(kpis: list[dict[str, Any]], targets: list[dict[str, Any]], actuals: list[dict[str, Any]],
         *, objectives: list[dict[str, Any]] | None = None, extra: dict[str, list[dict[str, Any]]] | None = None,
         horizon_end: str = "2026-12", **card: Any) -> dict[str, pd.DataFrame]:
    """Scorecard 'org' (quarterly review) with two perspectives and the given KPIs."""
    sc = {"scorecard_id": "org", "name": "Org", "horizon_start": "2025-01", "horizon_end": horizon_end,
          "review_frequency": "Q", **card}
    persp = [{"scorecard_id": "org", "perspective_id": "financial", "name": "Financial", "position": 1},
             {"scorecard_id": "org", "perspective_id": "customer", "name": "Customer", "position": 2}]
    objs = objectives or [{"objective_id": "O1", "scorecard_id": "org", "perspective_id": "financial",
                           "title": "Grow revenue"}]
    fill = {"scorecard_id": "org", "objective_id": "O1", "polarity": "higher", "frequency": "M",
            "aggregation": "sum"}
    tables = {"scorecards": [sc], "perspectives": persp, "objectives": objs,
              "kpis": [{**fill, "name": k["kpi_id"], **k} for k in kpis],
              "targets": [{"scorecard_id": "org", **t} for t in targets],
              "actuals": [{"scorecard_id": "org", **a} for a in actuals]}
    for name, rows in (extra or {}).items():
        tables[name] = tables.get(name, []) + rows
    return plan_frames(**tables)


def months(kpi: str, values: dict[str, float | None], field: str = "value") -> list[dict[str, Any]]:
    return [{"kpi_id": kpi, "period": p, field: v} for p, v in values.items() if v is not None]


def targets(kpi: str, periods: list[str], target: float, red: float) -> list[dict[str, Any]]:
    return [{"kpi_id": kpi, "period": p, "target": target, "red_flag": red} for p in periods]


Q1 = ["2026-01", "2026-02", "2026-03"]


def kpi_row(frames: dict[str, pd.DataFrame], period: str, kpi: str = "k") -> pd.Series:
    result = score_review(frames, period, scorecard="org").kpis
    return result.set_index("kpi_id").loc[kpi]


@pytest.mark.parametrize(("rule", "actual", "target", "red"), [
    # Jan 10 (t 12, r 8), Feb missing (t 13, r 9), Mar 20 (t 14, r 10): only Jan and Mar count
    ("sum", 30, 26, 18), ("mean", 15, 13, 9), ("last", 20, 14, 10), ("min", 10, 12, 8), ("max", 20, 14, 10),
])
def test_monthly_kpi_in_quarterly_review_is_aggregated_by_its_rule(rule: str, actual: float, target: float,
                                                                   red: float) -> None:
    tg = [{"kpi_id": "k", "period": p, "target": t, "red_flag": r}
          for p, t, r in zip(Q1, [12, 13, 14], [8, 9, 10], strict=True)]
    frames = plan([{"kpi_id": "k", "aggregation": rule}], tg, months("k", {"2026-01": 10, "2026-03": 20}))
    row = kpi_row(frames, "2026Q1")
    assert (row["actual"], row["target"], row["red_flag"]) == (actual, target, red)
    assert (row["sub_periods"], row["missing_sub_periods"], row["as_of"], row["due"]) == (3, 1, "2026-03", True)
    assert row["score"] == pytest.approx(min(10.0, T * (1 + (actual - red) / (target - red))))
    assert row["variance"] == actual - target


@pytest.mark.parametrize("rule", ["sum", "mean", "last", "min", "max"])
def test_a_month_with_an_actual_but_no_target_leaves_the_quarter_unscored(rule: str) -> None:
    # docs/scoring.md: actuals Jan 100, Feb 100, Mar 100 on target; targets 100 (red flag 80) for Jan and Mar only.
    frames = plan([{"kpi_id": "k", "aggregation": rule}], targets("k", ["2026-01", "2026-03"], 100, 80),
                  months("k", {"2026-01": 100, "2026-02": 100, "2026-03": 100}))
    row = kpi_row(frames, "2026Q1")
    assert row["actual"] == {"sum": 300, "mean": 100, "last": 100, "min": 100, "max": 100}[rule]
    assert np.isnan(row["target"]) and np.isnan(row["score"]) and row["status"] == "no target"
    assert (row["target_gaps"], row["target_gap_periods"]) == (1, "2026-02")
    # The same quarter with February's target is on target (6.67), not 10 as 300 against 200 would score.
    full = plan([{"kpi_id": "k", "aggregation": rule}], targets("k", Q1, 100, 80),
                months("k", {"2026-01": 100, "2026-02": 100, "2026-03": 100}))
    assert kpi_row(full, "2026Q1")["score"] == pytest.approx(20 / 3)
    assert kpi_row(full, "2026Q1")["target_gaps"] == 0
    # A month without an actual needs no target: Jan and Mar only are scored against Jan and Mar.
    partial = plan([{"kpi_id": "k", "aggregation": rule}], targets("k", ["2026-01", "2026-03"], 100, 80),
                   months("k", {"2026-01": 100, "2026-03": 100}))
    assert kpi_row(partial, "2026Q1")["score"] == pytest.approx(20 / 3)


def test_validate_and_lint_name_the_quarter_whose_targets_are_incomplete(tmp_path: Path) -> None:
    frames = plan([{"kpi_id": "k", "aggregation": "sum"}], targets("k", ["2026-01", "2026-03"], 100, 80),
                  months("k", {"2026-01": 100, "2026-02": 100, "2026-03": 100}))
    store = Store.create(tmp_path / "store")
    for name in PLAN_TABLES:
        if len(frames[name]):
            store.upsert(name, frames[name].drop(columns=["revision", "saved_at", "saved_by"], errors="ignore"))
    result = CliRunner().invoke(main, ["validate", "--store", str(tmp_path / "store")])
    assert result.exit_code == 1
    assert "targets 'k/2026Q1', target: the targets of 2026Q1 are incomplete: 2026-02 has an actual but no " \
           "target" in result.output
    assert "enter the target (and red flag, or the band) of 2026-02 for KPI 'k'" in result.output
    lint = CliRunner().invoke(main, ["lint", "--store", str(tmp_path / "store")])
    assert "KPI k: [warning] M  Targets of 2026Q1 are incomplete: 2026-02 has an actual but no target" in lint.output
    store.upsert("targets", [{"scorecard_id": "org", "kpi_id": "k", "period": "2026-02", "target": 100,
                             "red_flag": 80}])
    assert CliRunner().invoke(main, ["validate", "--store", str(tmp_path / "store")]).exit_code == 0


@pytest.mark.parametrize(("rule", "actuals", "actual", "band", "tolerance", "score", "status"), [
    # docs/scoring.md: band 30-45 and tolerance 5 every month; Jan 50, Feb 40, Mar 55
    ("sum", {"2026-01": 50, "2026-02": 40, "2026-03": 55}, 145, (90, 135), 15, T * (2 - 10 / 15), "amber"),
    ("mean", {"2026-01": 50, "2026-02": 40, "2026-03": 55}, 145 / 3, (30, 45), 5, T * (2 - 10 / 15), "amber"),
    ("last", {"2026-01": 50, "2026-02": 40, "2026-03": 55}, 55, (30, 45), 5, 0, "red"),
    # February missing: only January and March count, for the band and the tolerance too
    ("sum", {"2026-01": 50, "2026-03": 55}, 105, (60, 90), 10, T * (2 - 15 / 10), "red"),
    ("mean", {"2026-01": 50, "2026-03": 55}, 52.5, (30, 45), 5, T * (2 - 7.5 / 5), "red"),
])
def test_a_range_kpis_band_and_tolerance_are_aggregated_like_its_actuals(
        rule: str, actuals: dict[str, float], actual: float, band: tuple[float, float], tolerance: float,
        score: float, status: str) -> None:
    tg = [{"kpi_id": "k", "period": p, "lower": 30, "upper": 45, "tolerance": 5} for p in Q1]
    frames = plan([{"kpi_id": "k", "polarity": "range", "aggregation": rule}], tg, months("k", actuals))
    row = kpi_row(frames, "2026Q1")
    assert row["actual"] == pytest.approx(actual)
    assert (row["lower"], row["upper"], row["tolerance"]) == (*band, tolerance)
    assert (row["score"], row["status"]) == (pytest.approx(score), status)


def test_a_typed_green_threshold_of_667_scores_a_kpi_on_target_green() -> None:
    frames = plan([{"kpi_id": "k", "frequency": "Q", "aggregation": "last"},
                   {"kpi_id": "r", "frequency": "Q", "aggregation": "last"}],
                  targets("k", ["2026Q1"], 10, 5) + targets("r", ["2026Q1"], 10, 5),
                  months("k", {"2026Q1": 10}) + months("r", {"2026Q1": 5}), green_from=6.67, amber_from=3.33)
    result = score_review(frames, "2026Q1", scorecard="org")
    assert dict(zip(result.kpis["kpi_id"], result.kpis["status"].astype(str), strict=True)) == {
        "k": "green", "r": "amber"}


def test_quarter_without_any_actual_shows_the_full_target() -> None:
    frames = plan([{"kpi_id": "k"}], targets("k", Q1, 12, 8), [])
    row = kpi_row(frames, "2026Q1")
    assert np.isnan(row["actual"]) and row["target"] == 36 and row["status"] == "no data"
    assert row["missing_sub_periods"] == 3


def test_no_target_status() -> None:
    frames = plan([{"kpi_id": "k"}], [], months("k", {"2026-01": 5}))
    row = kpi_row(frames, "2026Q1")
    assert row["actual"] == 5 and row["status"] == "no target" and np.isnan(row["score"])


def test_lower_is_better_kpi() -> None:
    frames = plan([{"kpi_id": "k", "polarity": "lower", "frequency": "Q", "aggregation": "last"}],
                  targets("k", ["2026Q1"], 10, 20), months("k", {"2026Q1": 15}))
    row = kpi_row(frames, "2026Q1")
    assert row["score"] == pytest.approx(5.0) and row["status"] == "amber" and row["sub_periods"] == 1


@pytest.mark.parametrize(("value", "expected", "variance"), [(40, 10, 0), (27.5, 5, -2.5), (55, T, 5)])
def test_range_kpi_on_both_sides(value: float, expected: float, variance: float) -> None:
    frames = plan([{"kpi_id": "k", "polarity": "range", "frequency": "Q", "aggregation": "mean"}],
                  [{"kpi_id": "k", "period": "2026Q1", "lower": 30, "upper": 50, "tolerance": 5}],
                  months("k", {"2026Q1": value}))
    row = kpi_row(frames, "2026Q1")
    assert row["score"] == pytest.approx(expected) and row["variance"] == variance


def test_annual_kpi_in_quarterly_review_is_due_in_the_last_quarter() -> None:
    frames = plan([{"kpi_id": "k", "frequency": "A", "aggregation": "last"}],
                  [*targets("k", ["2025"], 90, 80), *targets("k", ["2026"], 95, 85)],
                  months("k", {"2025": 100, "2026": 70}))
    q3 = kpi_row(frames, "2026Q3")
    assert (q3["due"], q3["as_of"], q3["actual"], q3["target"]) == (False, "2025", 100, 90)
    assert q3["score"] == pytest.approx(10) and q3["missing_sub_periods"] == 0
    q4 = kpi_row(frames, "2026Q4")
    assert (q4["due"], q4["as_of"], q4["actual"], q4["target"], q4["score"]) == (True, "2026", 70, 95, 0)


def test_annual_kpi_due_without_actual_is_no_data() -> None:
    frames = plan([{"kpi_id": "k", "frequency": "A", "aggregation": "last"}], targets("k", ["2026"], 95, 85),
                  months("k", {"2025": 100}))
    q4 = kpi_row(frames, "2026Q4")
    assert q4["status"] == "no data" and q4["missing_sub_periods"] == 1 and q4["target"] == 95


def test_rollups_renormalise_weights_and_report_coverage() -> None:
    objectives = [{"objective_id": "O1", "scorecard_id": "org", "perspective_id": "financial", "title": "Grow"},
                  {"objective_id": "O2", "scorecard_id": "org", "perspective_id": "financial", "title": "Save"},
                  {"objective_id": "O3", "scorecard_id": "org", "perspective_id": "customer", "title": "Delight",
                   "weight": 2}]
    kpis = [{"kpi_id": "a", "weight": 1, "frequency": "Q"}, {"kpi_id": "b", "weight": 3, "frequency": "Q"},
            {"kpi_id": "c", "weight": 2, "frequency": "Q"}, {"kpi_id": "d", "objective_id": "O2", "frequency": "Q"},
            {"kpi_id": "e", "objective_id": "O3", "frequency": "Q"}]
    tg = [t for k in "abcde" for t in targets(k, ["2026Q1"], 10, 5)]
    # a scores 6 (actual 9), b scores 2 (actual 3), c and d have no data, e scores 10
    act = months("a", {"2026Q1": 9}) + months("b", {"2026Q1": 3}) + months("e", {"2026Q1": 20})
    review = score_review(plan(kpis, tg, act, objectives=objectives), "2026Q1", scorecard="org")
    obj = review.objectives.set_index("objective_id")
    assert obj.loc["O1", "score"] == pytest.approx((1 * 6 + 3 * 2) / 4)
    assert obj.loc["O1", "coverage"] == pytest.approx(4 / 6)
    assert np.isnan(obj.loc["O2", "score"]) and obj.loc["O2", "coverage"] == 0
    assert obj.loc["O2", "status"] == "no data"
    persp = review.perspectives.set_index("perspective_id")
    assert persp.loc["financial", "score"] == pytest.approx(3.0)
    assert persp.loc["financial", "coverage"] == pytest.approx((4 / 6 + 0) / 2)
    assert persp.loc["customer", "score"] == pytest.approx(10) and persp.loc["customer", "coverage"] == 1
    card = review.scorecards.iloc[0]
    assert card["score"] == pytest.approx((3.0 + 10) / 2)
    assert card["coverage"] == pytest.approx((1 / 3 + 1) / 2)
    assert card["status"] == "amber"


def test_cascade_reports_the_supporting_objectives_score() -> None:
    dept = {"scorecards": [{"scorecard_id": "dep", "name": "Dept", "parent_id": "org", "review_frequency": "Q"}],
            "perspectives": [{"scorecard_id": "dep", "perspective_id": "customer", "name": "Customer",
                              "position": 1}],
            "objectives": [{"objective_id": "D1", "scorecard_id": "dep", "perspective_id": "customer",
                            "title": "Answer fast", "supports": "O1", "weight": 1},
                           {"objective_id": "D2", "scorecard_id": "dep", "perspective_id": "customer",
                            "title": "Fix first time", "supports": "O1", "weight": 3}],
            "kpis": [{"kpi_id": "d1", "scorecard_id": "dep", "objective_id": "D1", "name": "d1",
                      "polarity": "higher", "frequency": "Q", "aggregation": "last"},
                     {"kpi_id": "d2", "scorecard_id": "dep", "objective_id": "D2", "name": "d2",
                      "polarity": "higher", "frequency": "Q", "aggregation": "last"}],
            "targets": [{"scorecard_id": "dep", **t} for k in ("d1", "d2") for t in targets(k, ["2026Q1"], 10, 5)],
            "actuals": [{"scorecard_id": "dep", "kpi_id": "d1", "period": "2026Q1", "value": 12},  # 8.0
                        {"scorecard_id": "dep", "kpi_id": "d2", "period": "2026Q1", "value": 6}]}  # 4.0
    frames = plan([{"kpi_id": "k", "frequency": "Q"}], targets("k", ["2026Q1"], 10, 5),
                  months("k", {"2026Q1": 10}), extra=dept)
    review = score_review(frames, "2026Q1", scorecard="org")
    o1 = review.objectives.set_index("objective_id").loc["O1"]
    assert o1["score"] == pytest.approx(2 * T)
    assert o1["cascade_score"] == pytest.approx((1 * 8 + 3 * 4) / 4)
    assert (o1["cascade_coverage"], o1["cascade_children"]) == (1.0, 2)
    assert set(review.objectives["scorecard_id"]) == {"org"}, "department rows are not shown as org's"
    dept_review = score_review(frames, "2026Q1", scorecard="dep")
    assert set(dept_review.objectives["objective_id"]) == {"D1", "D2"}


def test_trend_against_the_previous_quarter() -> None:
    frames = plan([{"kpi_id": "k", "frequency": "Q", "aggregation": "last"}],
                  targets("k", ["2025Q3", "2025Q4", "2026Q1"], 10, 5),
                  months("k", {"2025Q3": 8, "2025Q4": 8.03, "2026Q1": 6.5}))
    review = score_review(frames, ["2025Q3", "2025Q4", "2026Q1"], scorecard="org")
    rows = review.kpis.set_index("period")
    assert rows.loc["2025Q3", "trend"] == "" and np.isnan(rows.loc["2025Q3", "previous_score"])
    assert rows.loc["2025Q4", "trend"] == "flat"
    assert rows.loc["2026Q1", "trend"] == "down"
    assert rows.loc["2026Q1", "score_change"] == pytest.approx(T * (1 + 1.5 / 5) - T * (1 + 3.03 / 5))
    assert list(review.scorecards["trend"]) == ["", "flat", "down"]


@pytest.mark.parametrize(("polarity", "values", "target", "red", "expected", "projected"), [
    ("higher", {"2026-01": 10, "2026-02": 12, "2026-03": 14}, 30, 20, "on course", 32),
    ("higher", {"2026-01": 10, "2026-02": 12, "2026-03": 14}, 35, 20, "off course", 32),
    ("lower", {"2026-01": 10, "2026-02": 12, "2026-03": 14}, 30, 40, "off course", 32),
    ("higher", {"2026-01": 10, "2026-03": 14}, 30, 20, "insufficient data", None),
])
def test_forecast_to_the_horizon_end(polarity: str, values: dict[str, float], target: float, red: float,
                                     expected: str, projected: float | None) -> None:
    frames = plan([{"kpi_id": "k", "polarity": polarity, "aggregation": "last"}],
                  targets("k", ["2026-12"], target, red), months("k", values))
    row = kpi_row(frames, "2026Q1")
    assert row["forecast"] == expected and row["forecast_period"] == "2026-12"
    if projected is None:
        assert np.isnan(row["forecast_value"]) and np.isnan(row["forecast_lower"]) and np.isnan(row["forecast_upper"])
    else:
        assert row["forecast_value"] == pytest.approx(projected) and row["forecast_target"] == target
        # Actuals exactly on a line leave no residual: the interval is the point itself.
        assert row["forecast_lower"] == pytest.approx(projected) and row["forecast_upper"] == pytest.approx(projected)


# The worked example of docs/scoring.md, section 8: Jan-Apr 10, 12, 15, 17 reviewed in 2026Q2.
# Line 9.9 + 2.4 x (x = 0 in January) -> 36.3 in December (x = 11); residuals 0.1, -0.3, 0.3, -0.1,
# s^2 = 0.2 / 2 = 0.1; interval 36.3 +- t(0.9; 2) * sqrt(0.1 * (1 + 1/4 + 9.5^2 / 5)) = 36.3 +- 1.8856 * 1.3892.
T_90_2 = 1.885618  # Student's t, 90th percentile, 2 degrees of freedom (from a table)
HALF_WIDTH = T_90_2 * np.sqrt(0.1 * (1 + 1 / 4 + 9.5 ** 2 / 5))


@pytest.mark.parametrize(("polarity", "target", "red", "expected"), [
    ("higher", 33, 25, "on course"), ("higher", 36, 25, "uncertain"), ("higher", 40, 25, "off course"),
    ("lower", 40, 50, "on course"), ("lower", 36, 50, "uncertain"), ("lower", 33, 50, "off course"),
])
def test_forecast_worked_example_interval_and_call(polarity: str, target: float, red: float, expected: str) -> None:
    frames = plan([{"kpi_id": "k", "polarity": polarity, "aggregation": "last"}],
                  targets("k", ["2026-12"], target, red),
                  months("k", {"2026-01": 10, "2026-02": 12, "2026-03": 15, "2026-04": 17}))
    row = kpi_row(frames, "2026Q2")
    assert round(HALF_WIDTH, 4) == 2.6196
    assert row["forecast_value"] == pytest.approx(36.3)
    assert row["forecast_lower"] == pytest.approx(36.3 - HALF_WIDTH, rel=1e-6)
    assert row["forecast_upper"] == pytest.approx(36.3 + HALF_WIDTH, rel=1e-6)
    assert row["forecast"] == expected


@pytest.mark.parametrize(("band", "expected"), [((30, 40), "on course"), ((35, 40), "uncertain"),
                                               ((20, 30), "off course"), ((39, 45), "off course")])
def test_forecast_call_for_range_kpis_asks_the_whole_interval_to_be_inside_the_band(
        band: tuple[float, float], expected: str) -> None:
    frames = plan([{"kpi_id": "k", "polarity": "range", "aggregation": "last"}],
                  [{"kpi_id": "k", "period": "2026-12", "lower": band[0], "upper": band[1], "tolerance": 5}],
                  months("k", {"2026-01": 10, "2026-02": 12, "2026-03": 15, "2026-04": 17}))
    row = kpi_row(frames, "2026Q2")  # interval [33.68, 38.92] as in the worked example
    assert row["forecast"] == expected and np.isnan(row["forecast_target"])


def test_forecast_uses_only_actuals_known_at_the_review() -> None:
    values = {"2025-10": 1, "2025-11": 2, "2025-12": 3, "2026-01": 100}
    frames = plan([{"kpi_id": "k", "aggregation": "last"}], targets("k", ["2026-12"], 15, 5), months("k", values))
    row = score_review(frames, "2025Q4", scorecard="org").kpis.iloc[0]
    assert row["forecast_value"] == pytest.approx(15) and row["forecast"] == "on course"


def test_forecast_without_target_at_the_horizon_end_is_insufficient() -> None:
    frames = plan([{"kpi_id": "k", "aggregation": "last"}], targets("k", Q1, 30, 20),
                  months("k", {"2026-01": 10, "2026-02": 12, "2026-03": 14}))
    assert kpi_row(frames, "2026Q1")["forecast"] == "insufficient data"


SEASON = [30, -20, -40, -10, 0, 5, 10, 0, -5, 15, 20, -5]  # July to June around a level of 100


def seasonal_months(count: int) -> dict[str, float]:
    """``count`` months from 2024-07 of 100 + the season."""
    periods = pd.period_range("2024-07", periods=count, freq="M")
    return {str(p): 100 + SEASON[i % 12] for i, p in enumerate(periods)}


def test_two_full_seasons_forecast_the_season_not_a_line() -> None:
    # 24 months (2024-07 to 2026-06) of a perfectly seasonal KPI: December is 100 + 5 (the sixth
    # month of the season from July), and the model is certain of it.
    frames = plan([{"kpi_id": "k", "aggregation": "last"}], targets("k", ["2026-12"], 104, 90),
                  months("k", seasonal_months(24)))
    row = kpi_row(frames, "2026Q2")
    assert row["forecast_value"] == pytest.approx(105)
    assert row["forecast_lower"] == pytest.approx(105) and row["forecast_upper"] == pytest.approx(105)
    assert row["forecast"] == "on course"
    # One month fewer: not two full seasons, so the straight line (fitted to 23 months) forecasts instead.
    fewer = plan([{"kpi_id": "k", "aggregation": "last"}], targets("k", ["2026-12"], 104, 90),
                 months("k", seasonal_months(24) | {"2024-07": None}))
    x = np.arange(1, 24)
    line = np.polyfit(x, [seasonal_months(24)[str(p)] for p in pd.period_range("2024-08", "2026-06", freq="M")], 1)
    assert kpi_row(fewer, "2026Q2")["forecast_value"] == pytest.approx(np.polyval(line, 29))


def test_a_series_without_significant_seasons_keeps_the_line() -> None:
    # Alternating noise around a level: two full seasons, but no season stands out from the line.
    values = {str(p): 100 + (-1) ** i * (i % 5) for i, p in enumerate(pd.period_range("2024-07", periods=24, freq="M"))}
    frames = plan([{"kpi_id": "k", "aggregation": "last"}], targets("k", ["2026-12"], 90, 80), months("k", values))
    x = np.arange(24)
    line = np.polyfit(x, list(values.values()), 1)
    assert kpi_row(frames, "2026Q2")["forecast_value"] == pytest.approx(np.polyval(line, 29))


def test_sample_net_revenue_forecasts_the_december_peak_with_holt_winters() -> None:
    """The issue's case: 2026Q3 net revenue against December 2027's target of 10,730."""
    from bsc_widgets.scoring import holt_winters as hw
    from bsc_widgets.scoring.forecast import LEVEL

    frames = sample_plan()
    row = score_review(frames, "2026Q3", scorecard="org").kpis.set_index("kpi_id").loc["rev-net"]
    actuals = frames["actuals"]
    history = actuals[(actuals["kpi_id"] == "rev-net") & (actuals["period"] <= "2026-09")].sort_values("period")
    assert len(history) == 24 and row["forecast_period"] == "2027-12" and row["forecast_target"] == 10730
    y = history["value"].to_numpy(float)[None, :]
    fitted = hw.fit(y, np.array([24]), 12)
    december, sd = hw.predict(fitted, np.array([15]))  # 2026-10 .. 2027-12
    assert row["forecast_value"] == pytest.approx(december[0])
    # Exactly two seasons: no past forecast of the model comes after the seasons its start reads,
    # so nothing calibrates it and the interval is the model's own.
    half = stats.norm.ppf((1 + LEVEL) / 2) * sd[0]
    assert (row["forecast_lower"], row["forecast_upper"]) == pytest.approx((december[0] - half, december[0] + half))
    # A December peak (the line gave a flat 7,977), still short of the target: the whole interval misses it.
    line = np.polyfit(np.arange(24), y[0], 1)
    assert round(np.polyval(line, 38)) == 7977  # 2027-12 is 38 months after 2024-10
    assert row["forecast_lower"] <= row["forecast_value"] <= row["forecast_upper"] < 10730
    assert [round(row[c]) for c in ("forecast_value", "forecast_lower", "forecast_upper")] == [
        9781, 9491, 10071]  # docs/scoring.md, section 8
    assert row["forecast"] == "off course"
    # No peeking: the actuals after the review do not change it.
    later = (actuals["kpi_id"] == "rev-net") & (actuals["period"] > "2026-09")
    assert later.sum() == 1  # 2026-10
    known = {**frames, "actuals": actuals[~later]}
    again = score_review(known, "2026Q3", scorecard="org").kpis.set_index("kpi_id").loc["rev-net"]
    assert again["forecast_value"] == row["forecast_value"]


def test_thresholds_are_configurable_per_scorecard() -> None:
    frames = plan([{"kpi_id": "k", "frequency": "Q"}], targets("k", ["2026Q1"], 10, 5), months("k", {"2026Q1": 10}),
                  green_from=8, amber_from=5)
    row = kpi_row(frames, "2026Q1")
    assert row["score"] == pytest.approx(2 * T) and row["status"] == "amber"


def test_bad_arguments_are_clear() -> None:
    frames = plan([{"kpi_id": "k"}], [], [])
    with pytest.raises(InputError, match="unknown scorecard 'nope'; scorecards in this store: org"):
        score_review(frames, "2026Q1", scorecard="nope")
    with pytest.raises(InputError, match="2026Q5"):
        score_review(frames, "2026Q5")
    with pytest.raises(InputError, match="same frequency"):
        score_review(frames, ["2026Q1", "2026-02"])


def test_monthly_review_of_quarterly_kpi() -> None:
    frames = plan([{"kpi_id": "k", "frequency": "Q", "aggregation": "last"}], targets("k", ["2026Q1"], 10, 5),
                  months("k", {"2026Q1": 10}))
    feb = kpi_row(frames, "2026-02")
    assert not feb["due"] and np.isnan(feb["actual"]) and feb["status"] == "no data"
    mar = kpi_row(frames, "2026-03")
    assert mar["due"] and mar["actual"] == 10 and mar["status"] == "green"


@pytest.mark.parametrize("season", [12, 4])
def test_the_seasonal_test_agrees_with_an_ols_f_test_in_statsmodels(season: int) -> None:
    """Seasons count when a mean per season on top of the line is significant (p < SEASONAL_P)."""
    import statsmodels.api as sm

    from bsc_widgets.scoring.forecast import SEASONAL_P, seasonal_cases

    rng = np.random.default_rng(5)
    width, cutoff = 40, 35
    strength = np.linspace(0, 3, 40)[:, None]
    values = 50 + strength * np.sin(np.arange(width) * 2 * np.pi / season) + rng.normal(0, 2, (40, width))
    values[::7, 20] = np.nan  # a gap: the run starts after it
    found = seasonal_cases(values, np.array([cutoff]), np.full(40, width - 1), season)[:, 0]
    expected = []
    for row in values:
        first = int(np.flatnonzero(np.isnan(row[:cutoff + 1]))[-1]) + 1 if np.isnan(row[:cutoff + 1]).any() else 0
        t = np.arange(first, cutoff + 1)
        line = sm.add_constant(t.astype(float))
        seasons = np.column_stack([line, np.eye(season)[t % season][:, 1:]])
        fits = sm.OLS(row[t], line).fit(), sm.OLS(row[t], seasons).fit()
        expected.append(len(t) >= max(2 * season, 10 + season) and fits[1].compare_f_test(fits[0])[1] < SEASONAL_P)
    assert list(found) == expected and 0 < sum(expected) < 40


# ---------------------------------------------------------------- engine stages: parts side by side, no forecasts
QUARTERS = ["2025Q4", "2026Q1", "2026Q2", "2026Q3"]
FORECAST_COLUMNS = ["forecast", "forecast_value", "forecast_lower", "forecast_upper", "forecast_target"]


def test_kpis_computed_in_many_parts_side_by_side_score_as_in_one(monkeypatch: pytest.MonkeyPatch) -> None:
    """Splitting the KPIs of a frequency into chunks run on threads changes nothing, down to the categories."""
    from bsc_widgets.scoring import kpis, threads

    frames = sample_plan()
    whole = score_review(frames, QUARTERS, forecast=False)
    monkeypatch.setattr(kpis, "CHUNK", 1)
    monkeypatch.setattr(kpis, "WORKERS", 3)
    monkeypatch.setattr(threads, "WORKERS", 3)
    assert len(kpis._parts(frames["kpis"]["frequency"].to_numpy(dtype=str))) > 3  # several parts per frequency
    parts = score_review(frames, QUARTERS, forecast=False)
    for name, table in whole.tables().items():
        pd.testing.assert_frame_equal(parts.tables()[name], table)
    assert parts.kpis["as_of"].notna().any()


def test_without_forecasts_everything_but_the_forecast_columns_is_the_same() -> None:
    frames = sample_plan()
    full = score_review(frames, "2026Q3", scorecard="org")
    scores_only = score_review(frames, "2026Q3", scorecard="org", forecast=False)
    others = [c for c in full.kpis.columns if c not in FORECAST_COLUMNS]
    pd.testing.assert_frame_equal(scores_only.kpis[others], full.kpis[others])
    for name in ("objectives", "perspectives", "scorecards"):
        pd.testing.assert_frame_equal(scores_only.tables()[name], full.tables()[name])
    assert list(scores_only.kpis.columns) == list(full.kpis.columns)
    assert full.kpis["forecast"].notna().all() and scores_only.kpis["forecast"].isna().all()
    assert scores_only.kpis[FORECAST_COLUMNS[1:]].isna().all().all()
