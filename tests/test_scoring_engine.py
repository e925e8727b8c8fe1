"""Engine paths of the vectorised scoring: calculated KPIs of a coarser frequency than the review, typed rows
of a calculated KPI left by an older store, and colour bands of schemes of different lengths banded together."""

from __future__ import annotations

import numpy as np
import pandas as pd
from plans import plan_frames

from bsc_widgets.model.bands import BANDS_EXAMPLE, default_scheme, scheme
from bsc_widgets.scoring import score_review
from bsc_widgets.scoring.bands import band_codes

CARD = {"scorecard_id": "org"}


def _frames(actuals: list[dict[str, object]], kpis: list[dict[str, object]]) -> dict[str, pd.DataFrame]:
    return plan_frames(
        scorecards=[{**CARD, "name": "Org", "horizon_start": "2026-01", "horizon_end": "2026-12",
                     "review_frequency": "Q"}],
        perspectives=[{**CARD, "perspective_id": "financial", "name": "Financial", "position": 1}],
        objectives=[{**CARD, "objective_id": "O1", "perspective_id": "financial", "title": "Grow"}],
        kpis=[{**CARD, "objective_id": "O1", "name": k["kpi_id"], **k} for k in kpis],
        actuals=[{**CARD, **a} for a in actuals])


def test_an_annual_calculated_kpi_says_in_every_quarter_which_input_lacks_the_year() -> None:
    frames = _frames(
        actuals=[{"kpi_id": "sales", "period": p, "value": 10.0} for p in ("2026Q1", "2026Q2", "2026Q3", "2026Q4")],
        kpis=[{"kpi_id": "sales", "frequency": "Q", "aggregation": "sum"},
              {"kpi_id": "staff", "frequency": "Q", "aggregation": "last"},
              {"kpi_id": "per-head", "frequency": "A", "aggregation": "last", "expression": "sales / staff"}])
    review = score_review(frames, ["2026Q1", "2026Q2", "2026Q3", "2026Q4"], forecast=False)
    rows = review.kpis[review.kpis["kpi_id"] == "per-head"]
    assert rows["actual"].isna().all()
    assert rows["calc_missing"].tolist() == ["input staff has no actual for 2026"] * 4


def test_actuals_typed_for_a_calculated_kpi_by_an_older_store_are_replaced_by_the_computed_ones() -> None:
    frames = _frames(
        actuals=[{"kpi_id": "sales", "period": "2026Q1", "value": 1200.0},
                 {"kpi_id": "staff", "period": "2026Q1", "value": 40.0}],
        kpis=[{"kpi_id": "sales", "frequency": "Q", "aggregation": "sum"},
              {"kpi_id": "staff", "frequency": "Q", "aggregation": "last"},
              {"kpi_id": "per-head", "frequency": "Q", "aggregation": "last", "expression": "sales / staff"}])
    typed = pd.DataFrame([{**CARD, "kpi_id": "per-head", "period": "2026Q1", "value": 999.0}])
    frames["actuals"] = pd.concat([frames["actuals"], typed.astype(frames["actuals"].dtypes[typed.columns])],
                                  ignore_index=True)  # what the checks of a save now refuse
    review = score_review(frames, "2026Q1", forecast=False)
    actual = review.kpis.set_index("kpi_id")["actual"]
    assert actual["per-head"] == 30.0
    assert actual["sales"] == 1200.0


def test_scores_of_schemes_of_three_and_five_bands_are_banded_together() -> None:
    five, three = scheme(BANDS_EXAMPLE), default_scheme(8.0, 5.0)
    score = np.array([[1.11, 9.2, 20 / 3], [2.5, 7.9, np.nan], [2.0, 10 / 3, 10.0]])  # 3.33 typed as a bound: 10/3
    codes = band_codes(score, [five, three], which=[0, 1, 0])
    assert codes.tolist() == [[0, 4, 3], [0, 1, -1], [1, 2, 4]]
    assert [five.names[c] for c in codes[2]] == ["red", "amber", "exceeding"]
