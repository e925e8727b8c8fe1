"""Property-based tests of the scoring rules (hypothesis)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from plans import plan_frames

from bsc_widgets.scoring import formulas as scores
from bsc_widgets.scoring import score_review
from bsc_widgets.scoring.rollups import weighted_rollup

finite = st.floats(min_value=-1e9, max_value=1e9, allow_nan=False, allow_infinity=False)
positive = st.floats(min_value=1e-6, max_value=1e9, allow_nan=False, allow_infinity=False)


@given(finite, finite, finite)
def test_directional_score_stays_in_0_to_10(actual: float, target: float, red: float) -> None:
    assume(target != red)
    s = float(scores.score_directional(actual, target, red))
    assert 0.0 <= s <= 10.0


@given(finite, finite, positive, positive)
def test_range_score_stays_in_0_to_10(actual: float, lower: float, width: float, tolerance: float) -> None:
    s = float(scores.score_range(actual, lower, lower + width, tolerance))
    assume(lower + width > lower)
    assert 0.0 <= s <= 10.0


@given(st.lists(finite, min_size=2, max_size=30), finite, positive)
def test_higher_is_better_never_decreases_as_the_actual_grows(actuals: list[float], red: float, gap: float) -> None:
    target = red + gap
    assume(target != red)
    ordered = np.sort(np.asarray(actuals))
    s = scores.score_directional(ordered, target, red)
    assert np.all(np.diff(s) >= -1e-12)


@given(st.lists(finite, min_size=2, max_size=30), finite, positive)
def test_lower_is_better_never_increases_as_the_actual_grows(actuals: list[float], target: float, gap: float) -> None:
    red = target + gap
    assume(target != red)
    ordered = np.sort(np.asarray(actuals))
    s = scores.score_directional(ordered, target, red)
    assert np.all(np.diff(s) <= 1e-12)


weights = st.floats(min_value=0.01, max_value=100, allow_nan=False)
kpi_case = st.tuples(st.integers(0, 3), weights, st.one_of(st.none(), st.floats(0, 20, allow_nan=False)))


@settings(max_examples=40, deadline=None)
@given(st.lists(kpi_case, min_size=1, max_size=8), st.lists(weights, min_size=4, max_size=4),
       st.lists(weights, min_size=2, max_size=2), st.floats(min_value=0.01, max_value=100))
def test_scaling_every_weight_changes_no_rollup(kpis: list[tuple[int, float, float | None]],
                                                objective_weights: list[float], perspective_weights: list[float],
                                                factor: float) -> None:
    def review(scale: float) -> dict[str, pd.DataFrame]:
        persp = [{"scorecard_id": "org", "perspective_id": p, "name": p, "position": i + 1,
                  "weight": perspective_weights[i] * scale} for i, p in enumerate(["p0", "p1"])]
        objs = [{"objective_id": f"o{i}", "scorecard_id": "org", "perspective_id": f"p{i % 2}", "title": f"o{i}",
                 "weight": w * scale} for i, w in enumerate(objective_weights)]
        kp = [{"kpi_id": f"k{j}", "scorecard_id": "org", "objective_id": f"o{o}", "name": f"k{j}",
               "polarity": "higher", "frequency": "Q", "aggregation": "last", "weight": w * scale}
              for j, (o, w, _) in enumerate(kpis)]
        tg = [{"kpi_id": f"k{j}", "period": "2026Q1", "scorecard_id": "org", "target": 10, "red_flag": 5}
              for j in range(len(kpis))]
        act = [{"kpi_id": f"k{j}", "period": "2026Q1", "scorecard_id": "org", "value": v}
               for j, (_, _, v) in enumerate(kpis) if v is not None]
        frames = plan_frames(scorecards=[{"scorecard_id": "org", "name": "Org"}], perspectives=persp,
                             objectives=objs, kpis=kp, targets=tg, actuals=act)
        return score_review(frames, "2026Q1").tables()

    base, scaled = review(1.0), review(factor)
    for level in ("objectives", "perspectives", "scorecards"):
        for column in ("score", "coverage"):
            np.testing.assert_allclose(scaled[level][column].to_numpy(float), base[level][column].to_numpy(float),
                                       rtol=1e-9, atol=1e-12, err_msg=f"{level}.{column}")
    card = base["scorecards"].iloc[0]
    assert 0.0 <= card["coverage"] <= 1.0
    assert np.isnan(card["score"]) or 0.0 <= card["score"] <= 10.0


def test_a_rollup_of_perfect_scores_is_exactly_10() -> None:
    # Found by hypothesis: summing weight x 10 in floating point gave 10.000000000000002 (above the 0-10 range).
    weights = np.array([33.79774343845825, 39.167983862810836, 89.02853245695918, 22.72348777740264])
    assert (weights * 10.0).sum() / weights.sum() > 10, "the floating-point overshoot this test guards against"
    roll = weighted_rollup(np.zeros(4, dtype=np.int64), np.full((4, 1), 10.0), np.ones((4, 1)), weights, 1)
    assert roll.score[0, 0] == 10.0 and roll.coverage[0, 0] == 1.0


@given(st.lists(st.tuples(st.floats(0, 10), weights), min_size=1, max_size=12))
def test_a_rollup_stays_between_its_lowest_and_highest_child(children: list[tuple[float, float]]) -> None:
    scores_ = np.array([[s] for s, _ in children])
    roll = weighted_rollup(np.zeros(len(children), dtype=np.int64), scores_, np.ones_like(scores_),
                           np.array([w for _, w in children]), 1)
    assert scores_.min() <= roll.score[0, 0] <= scores_.max()
    assert 0.0 <= roll.coverage[0, 0] <= 1.0
