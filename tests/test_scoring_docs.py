"""The worked examples of docs/scoring.md sections 10-12 (colour bands, missing data, roll-up methods)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from plans import plan_frames

from bsc_widgets import BscValidationError, Store, score_review
from bsc_widgets.model.bands import BANDS_EXAMPLE, parse_bands, parse_policy
from bsc_widgets.scoring.bands import band_codes, labels

DOC = (Path(__file__).resolve().parents[1] / "docs" / "scoring.md").read_text(encoding="utf-8")


def _section(title: str) -> str:
    """The text of one section of docs/scoring.md, joined into one line (the examples wrap)."""
    body = DOC.split(f"## {title}", 1)[1].split("\n## ", 1)[0]
    return re.sub(r"\s+", " ", body.replace("> ", " "))


# ----------------------------------------------------------------------------- 10. Colour bands
def test_colour_band_example() -> None:
    text = _section("10. Colour bands")
    assert BANDS_EXAMPLE in text
    five, problem = parse_bands(BANDS_EXAMPLE)
    default, _ = parse_bands("red #d64541 0; amber #f2a900 3.33; green #2e9d5b 6.67")
    assert five is not None and problem is None and default is not None
    scores = np.array([[20 / 3], [9.2], [2.5], [1.11]])
    names, _ = labels(band_codes(scores, [five] * 4), [five] * 4)
    assert names[:, 0].tolist() == ["green", "exceeding", "red", "critical"]
    assert "exactly on target (20/3) is **green**; one scoring 9.2 is **exceeding**; 2.5 is **red**; 1.11 is " \
           "**critical**" in text
    names, _ = labels(band_codes(scores, [default] * 4), [default] * 4)
    assert names[:, 0].tolist() == ["green", "green", "red", "red"]
    assert "the same scores are green, green, red and red" in text


@pytest.mark.parametrize(("text", "code", "words"), [
    ("red #d62728 0; green #2ca02c 5", "bands_count", "has 2 bands"),
    ("low #d62728 0; mid orange 3; high #2ca02c 6", "bands_colour", "'orange', which is not a colour code"),
    ("low #d62728 1; mid #ff9f1c 3; high #2ca02c 6", "bands_order", "starts at 1, not at 0"),
    ("low #d62728 0; mid #ff9f1c 6; high #2ca02c 3", "bands_order", "band 'high' starts at 3, not above band 'mid'"),
    ("low #d62728 0; mid #ff9f1c 3; high #2ca02c 11", "bands_order", "above the highest score 10"),
    ("low #d62728 0; #ff9f1c 3; high #2ca02c six", "bands_format", "needs a name, a colour and a lowest score"),
    ("low #d62728 0; mid #ff9f1c 3; high #2ca02c six", "bands_format", "'six', which is not a number"),
    ("low #d62728 0; Low #ff9f1c 3; high #2ca02c 6", "bands_format", "names the band 'low' twice"),
])
def test_a_wrong_scheme_is_refused_with_the_reason_next_to_the_field(plan: Store, text: str, code: str,
                                                                       words: str) -> None:
    card = plan.read("scorecards").iloc[0].to_dict()
    with pytest.raises(BscValidationError) as caught:
        plan.upsert("scorecards", [{**_data(card), "bands": text}])
    problem = next(p for p in caught.value.problems if p.field == "bands")
    assert problem.code == code and words in problem.message, problem
    assert parse_bands(text)[1] is not None and parse_bands(text)[1].code == code  # type: ignore[union-attr]
    kpi = plan.read("kpis").iloc[0].to_dict()
    with pytest.raises(BscValidationError) as caught:
        plan.upsert("kpis", [{**_data(kpi), "bands": text}])
    assert [p.code for p in caught.value.problems if p.field == "bands"] == [code]
    assert plan.read("kpis")["bands"].isna().all()  # nothing was stored


@pytest.mark.parametrize(("text", "words"), [
    ("sometimes", "is not a missing-data policy"), ("carry_forward", "needs a whole number of periods"),
    ("carry_forward:x", "needs a whole number of periods"), ("carry_forward:13", "carry forward 1 to 12 periods"),
])
def test_a_wrong_missing_data_policy_is_refused(plan: Store, text: str, words: str) -> None:
    kpi = plan.read("kpis").iloc[0].to_dict()
    with pytest.raises(BscValidationError) as caught:
        plan.upsert("kpis", [{**_data(kpi), "missing_policy": text}])
    problem = next(p for p in caught.value.problems if p.field == "missing_policy")
    assert problem.code == "missing_policy" and words in problem.message
    assert "carry_forward:N" in problem.fix
    assert parse_policy(" Carry-Forward : 2 ")[0] is not None


def _data(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if k not in ("revision", "saved_at", "saved_by", "period_start",
                                                             "period_end")}


# ----------------------------------------------------------------------------- 11. Missing data
def _quarterly(policy: str) -> dict[str, pd.DataFrame]:
    return plan_frames(
        scorecards=[{"scorecard_id": "org", "name": "Org", "horizon_start": "2026Q1", "horizon_end": "2026Q4",
                     "review_frequency": "Q", "missing_policy": policy}],
        perspectives=[{"scorecard_id": "org", "perspective_id": "customer", "name": "Customer", "position": 1}],
        objectives=[{"objective_id": "C1", "scorecard_id": "org", "perspective_id": "customer",
                     "title": "Customers recommend us"}],
        kpis=[{"kpi_id": "nps", "scorecard_id": "org", "objective_id": "C1", "name": "NPS", "frequency": "Q",
               "aggregation": "last"}],
        targets=[{"kpi_id": "nps", "scorecard_id": "org", "period": p, "target": 46, "red_flag": 36}
                 for p in ("2026Q1", "2026Q2", "2026Q3", "2026Q4")],
        actuals=[{"kpi_id": "nps", "scorecard_id": "org", "period": "2026Q1", "value": 44}],
    )


PERIODS = ["2026Q1", "2026Q2", "2026Q3"]


def test_carry_forward_one_fills_one_missing_quarter_and_not_two() -> None:
    text = _section("11. Missing data")
    review = score_review(_quarterly("carry_forward:1"), PERIODS)
    kpi = review.kpis.set_index("period")
    assert kpi.loc["2026Q2", "actual"] == 44 and kpi.loc["2026Q2", "filled"] == "carried"
    assert kpi.loc["2026Q2", "carried_from"] == "2026Q1"
    assert kpi.loc["2026Q2", "score"] == pytest.approx(6.0) and kpi.loc["2026Q2", "status"] == "amber"
    assert np.isnan(kpi.loc["2026Q3", "actual"]) and kpi.loc["2026Q3", "status"] == "no data"
    assert kpi.loc["2026Q3", "filled"] == "" and kpi.loc["2026Q1", "filled"] == ""
    assert "2026Q2 shows 44 carried from 2026Q1 and scores 6.00 (amber); 2026Q3 has no data" in text
    objective = review.objectives.set_index("period")
    assert objective.loc["2026Q2", "score"] == pytest.approx(6.0) and objective.loc["2026Q2", "coverage"] == 0
    assert objective.loc["2026Q1", "coverage"] == 1
    assert "scores 6.00 in 2026Q2 with coverage 0" in text
    # The same review period alone reaches back as far as the policy needs.
    alone = score_review(_quarterly("carry_forward:2"), "2026Q3").kpis.iloc[0]
    assert alone["actual"] == 44 and alone["carried_from"] == "2026Q1"


@pytest.mark.parametrize(("policy", "score", "status"), [("zero", 0.0, "red"), ("red", 5 / 3, "red"),
                                                         ("ignore", None, "no data")])
def test_zero_red_and_ignore(policy: str, score: float | None, status: str) -> None:
    kpi = score_review(_quarterly(policy), "2026Q2").kpis.iloc[0]
    assert kpi["status"] == status and np.isnan(kpi["actual"])
    if score is None:
        assert np.isnan(kpi["score"]) and kpi["filled"] == ""
    else:
        assert kpi["score"] == pytest.approx(score) and kpi["filled"] == policy
        said = {"zero": "With `zero` 2026Q2 scores 0.00 (red)", "red": "with `red` 1.67 (red)"}[policy]
        assert said in _section("11. Missing data")


def test_a_kpi_policy_overrides_its_scorecards() -> None:
    frames = _quarterly("zero")
    frames["kpis"] = frames["kpis"].assign(missing_policy="carry_forward:1")
    kpi = score_review(frames, "2026Q2").kpis.iloc[0]
    assert kpi["filled"] == "carried" and kpi["actual"] == 44


def test_red_counts_as_the_lowest_band_of_the_kpis_scheme() -> None:
    frames = _quarterly("red")
    frames["kpis"] = frames["kpis"].assign(bands=BANDS_EXAMPLE)
    kpi = score_review(frames, "2026Q2").kpis.iloc[0]
    assert kpi["score"] == pytest.approx(1.0) and kpi["band"] == "critical"


# ----------------------------------------------------------------------------- 12. Roll-up methods
def _two_kpis(method: str | None, card_method: str = "weighted_mean") -> dict[str, pd.DataFrame]:
    kpis = [{"kpi_id": k, "scorecard_id": "org", "objective_id": "O1", "name": k, "frequency": "Q",
             "aggregation": "last", "weight": w} for k, w in (("a", 1), ("b", 3))]
    return plan_frames(
        scorecards=[{"scorecard_id": "org", "name": "Org", "review_frequency": "Q", "rollup": card_method}],
        perspectives=[{"scorecard_id": "org", "perspective_id": "fin", "name": "Financial", "position": 1}],
        objectives=[{"objective_id": "O1", "scorecard_id": "org", "perspective_id": "fin", "title": "Grow",
                     "rollup": method}],
        kpis=kpis,
        # a = t - 0.1 (t - r) scores 6, b = r - 0.4 (t - r) scores 2 (target 10, red flag 0)
        targets=[{"kpi_id": k, "scorecard_id": "org", "period": "2026Q1", "target": 10, "red_flag": 0}
                 for k in ("a", "b")],
        actuals=[{"kpi_id": "a", "scorecard_id": "org", "period": "2026Q1", "value": 8},
                 {"kpi_id": "b", "scorecard_id": "org", "period": "2026Q1", "value": -4}],
    )


@pytest.mark.parametrize(("method", "expected"), [("weighted_mean", 3.0), ("worst", 2.0), ("best", 6.0),
                                                  (None, 3.0)])
def test_roll_up_methods(method: str | None, expected: float) -> None:
    review = score_review(_two_kpis(method), "2026Q1")
    assert sorted(review.kpis["score"].round(9)) == [2.0, 6.0]
    objective = review.objectives.iloc[0]
    assert objective["score"] == pytest.approx(expected) and objective["coverage"] == 1
    assert objective["rollup"] == (method or "weighted_mean")
    assert "weighted mean 3.00, worst 2.00, best 6.00 — coverage 1 under all three" in _section("12. Roll-up methods")


def test_a_blank_roll_up_follows_the_scorecard() -> None:
    review = score_review(_two_kpis(None, card_method="worst"), "2026Q1")
    assert review.objectives.iloc[0]["score"] == pytest.approx(2.0)
    assert review.objectives.iloc[0]["rollup"] == "worst" and review.scorecards.iloc[0]["rollup"] == "worst"
