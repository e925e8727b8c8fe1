"""Forecasts: the numpy Holt-Winters against statsmodels, and the calibrated interval (docs/scoring.md, section 8)."""

from __future__ import annotations

import math
import subprocess
import sys
import warnings

import numpy as np
import pandas as pd
import pytest
from statsmodels.tsa.exponential_smoothing.ets import ETSModel
from statsmodels.tsa.exponential_smoothing.initialization import _initialization_heuristic
from statsmodels.tsa.holtwinters import ExponentialSmoothing

from bsc_widgets.io.samples import sample_plan
from bsc_widgets.model.periods import parse_period, period_index
from bsc_widgets.scoring import holt_winters as hw
from bsc_widgets.scoring import score_review
from bsc_widgets.scoring.forecast import CALIBRATION_LEADS, GROWTH, LEVEL, MIN_ORIGIN, MIN_POOL, forecast_path
from bsc_widgets.scoring.forecast import _t_quantile as t_quantile


def _series(season: int, lengths: list[int], seed: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """Rows of trend + seasons + noise, left-aligned with NaN after each row's length."""
    rng = np.random.default_rng(seed)
    width = max(lengths)
    t = np.arange(width)
    k = len(lengths)
    rows = (100 + rng.normal(0, 1, (k, 1)) * t + rng.uniform(5, 20, (k, 1))
            * np.sin(2 * np.pi * t / season + rng.uniform(0, 6, (k, 1))) + rng.normal(0, 3, (k, width)))
    lengths_ = np.array(lengths)
    rows[t[None, :] >= lengths_[:, None]] = np.nan
    return rows, lengths_


@pytest.mark.parametrize(("season", "lengths"), [(12, [24, 30, 41]), (4, [14, 15, 23])])
def test_holt_winters_equals_statsmodels_at_the_same_parameters(season: int, lengths: list[int]) -> None:
    """Start, one-step fits, forecasts and 80 % intervals of statsmodels' ETS (A, Ad, A), for a batch of lengths."""
    runs, n = _series(season, lengths)
    params = hw.Params(*(np.array([0.3, 0.6, 0.1]), np.array([0.1, 0.05, 0.3]), np.array([0.2, 0.05, 0.4]),
                         np.array([0.9, 0.98, 0.8])))
    start = hw.initial_states(runs, n, season)
    final, errors, _ = hw.smooth(runs, n, season, params, start)
    fitted = hw.Fitted(params, final, n, season, errors, (errors ** 2).sum(axis=1) / n)
    point, sd = hw.predict(fitted, np.broadcast_to(np.arange(1, 2 * season + 3), (len(n), 2 * season + 2)))
    for b, length in enumerate(n):
        y = runs[b, :length]
        level, trend, seasons = _initialization_heuristic(y, trend="add", seasonal="add", seasonal_periods=season)
        assert (start.level[b], start.trend[b]) == pytest.approx((level, trend))
        assert start.seasons[b] == pytest.approx(seasons)
        a, beta, g, phi = (float(v[b]) for v in (params.alpha, params.beta, params.gamma, params.phi))
        model = ETSModel(pd.Series(y), error="add", trend="add", damped_trend=True, seasonal="add",
                         seasonal_periods=season, initialization_method="heuristic")
        with warnings.catch_warnings(), model.fix_params({"smoothing_level": a, "smoothing_trend": a * beta,
                                                           "smoothing_seasonal": g, "damping_trend": phi}):
            warnings.simplefilter("ignore")
            ets = model.fit(disp=False)
        frame = ets.get_prediction(start=length, end=length + 2 * season + 1).summary_frame(alpha=1 - LEVEL)
        assert y - errors[b, :length] == pytest.approx(ets.fittedvalues.to_numpy())
        assert point[b] == pytest.approx(frame["mean"].to_numpy())
        assert point[b] + 1.2815515655446004 * sd[b] == pytest.approx(frame["pi_upper"].to_numpy())
        # statsmodels' Holt-Winters (the smoothing-parameter form used here) fits the same one-step values.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            classic = ExponentialSmoothing(y, trend="add", damped_trend=True, seasonal="add", seasonal_periods=season,
                                           initialization_method="heuristic").fit(
                smoothing_level=a, smoothing_trend=beta, smoothing_seasonal=g, damping_trend=phi, optimized=False)
        assert y - errors[b, :length] == pytest.approx(classic.fittedvalues)


def test_the_grid_fit_is_about_as_good_as_statsmodels_optimiser() -> None:
    runs, n = _series(12, [24, 28, 33, 36, 40, 48], seed=8)
    fitted = hw.fit(runs, n, 12)
    for b, length in enumerate(n):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ets = ETSModel(pd.Series(runs[b, :length]), error="add", trend="add", damped_trend=True, seasonal="add",
                           seasonal_periods=12, initialization_method="heuristic").fit(disp=False)
        assert fitted.sigma2[b] <= ets.mse * 1.05, "mean squared one-step error within 5 % of statsmodels' optimum"


def test_scoring_does_not_import_statsmodels() -> None:
    code = ("import sys\nfrom bsc_widgets.io.samples import sample_plan\nfrom bsc_widgets.scoring import score_review\n"
            "kpis = score_review(sample_plan(), '2026Q3').kpis\n"
            "assert kpis.set_index('kpi_id').loc['rev-net', 'forecast_value'] > 9000\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'statsmodels'))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# The calibration, re-implemented the slow and obvious way (docs/scoring.md, section 8).


def _scale(values: np.ndarray, upto: int) -> float:
    """Mean absolute change between consecutive actuals up to column ``upto``."""
    changes = [abs(values[j] - values[j - 1]) for j in range(1, upto + 1)
               if not np.isnan(values[j]) and not np.isnan(values[j - 1])]
    return float(np.mean(changes)) if changes else math.nan


def _line(values: np.ndarray, upto: int, at: int) -> tuple[float, float]:
    """The least-squares line through the actuals up to ``upto``: point and 80 % OLS half-width at column ``at``."""
    x = np.flatnonzero(~np.isnan(values[:upto + 1]))
    y = values[x]
    slope, intercept = np.polyfit(x, y, 1)
    residual = y - (intercept + slope * x)
    s2 = (residual ** 2).sum() / (len(x) - 2)
    spread = math.sqrt(s2 * (1 + 1 / len(x) + (at - x.mean()) ** 2 / ((x - x.mean()) ** 2).sum()))
    return float(intercept + slope * at), float(t_quantile(np.array([len(x) - 2.0]))[0] * spread)


def _reference_interval(rows: dict[str, np.ndarray], kpi: str, cutoff: int, horizon: int) -> dict[str, float]:
    """The rule of section 8 for a line forecast: pooled past errors in units of each KPI's scale."""
    lead = horizon - cutoff
    pools: dict[int, list[float]] = {}
    for values in rows.values():
        for origin in range(cutoff):
            if (~np.isnan(values[:origin + 1])).sum() < MIN_ORIGIN or not _scale(values, origin) > 0:
                continue
            for ahead in range(1, CALIBRATION_LEADS + 1):
                if origin + ahead <= cutoff and not np.isnan(values[origin + ahead]):
                    point, _ = _line(values, origin, origin + ahead)
                    pools.setdefault(ahead, []).append(abs(values[origin + ahead] - point) / _scale(values, origin))
    usable = [ahead for ahead in range(1, min(lead, CALIBRATION_LEADS) + 1) if len(pools.get(ahead, [])) >= MIN_POOL]
    used = max(usable)
    errors = sorted(pools[used])
    at_used = errors[math.ceil(LEVEL * (len(errors) + 1)) - 1]
    q = at_used * (lead / used) ** GROWTH
    point, own = _line(rows[kpi], cutoff, horizon)
    scale = _scale(rows[kpi], cutoff)
    return {"point": point, "own": own, "lead": used, "errors": len(errors), "q_used": at_used, "q": q,
            "scale": scale, "half": max(own, q * scale)}


def _monthly_rows(frames: dict[str, pd.DataFrame], first: str, last: str) -> dict[str, np.ndarray]:
    kpis = frames["kpis"]
    actuals = frames["actuals"]
    start = period_index(parse_period(first))
    width = period_index(parse_period(last)) - start + 1
    rows = {}
    for kpi in kpis.loc[kpis["frequency"] == "M", "kpi_id"]:
        values = np.full(width, np.nan)
        for row in actuals[actuals["kpi_id"] == kpi].itertuples():
            col = period_index(parse_period(row.period)) - start
            if 0 <= col < width:
                values[col] = row.value
        rows[str(kpi)] = values
    return rows


def test_worked_example_the_calibrated_interval_of_gross_margin() -> None:
    """docs/scoring.md, section 8: the sample's gross margin, review 2026Q2, forecast for December 2027."""
    frames = sample_plan()
    row = score_review(frames, "2026Q2").kpis.set_index("kpi_id").loc["gross-margin"]
    rows = _monthly_rows(frames, "2024-10", "2026-06")  # what is known at the end of 2026Q2
    cutoff, horizon = 20, 38  # 2026-06 and 2027-12, counted from 2024-10
    rows = {k: np.concatenate([v, np.full(horizon - cutoff, np.nan)]) for k, v in rows.items()}
    ref = _reference_interval(rows, "gross-margin", cutoff, horizon)
    assert row["forecast_period"] == "2027-12"
    assert row["forecast_value"] == pytest.approx(ref["point"])
    assert (row["forecast_upper"] - row["forecast_value"]) == pytest.approx(ref["half"])
    assert (row["forecast_value"] - row["forecast_lower"]) == pytest.approx(ref["half"])
    # The numbers the docs quote.
    assert round(row["forecast_value"], 2) == 56.75 and round(ref["own"], 2) == 0.85
    assert (ref["lead"], ref["errors"]) == (16, 37)  # 18 months ahead has fewer than 20 past errors; 16 has 37
    assert round(ref["q_used"], 2) == 10.98 and round(ref["q"], 2) == 11.64  # 10.98 x (18 / 16) ** 0.5
    assert round(ref["scale"], 2) == 0.49 and round(ref["half"], 2) == 5.70
    assert (round(row["forecast_lower"], 2), round(row["forecast_upper"], 2)) == (51.04, 62.45)
    assert row["forecast_target"] == 56 and row["forecast"] == "uncertain"


def test_the_path_ends_at_the_scored_forecast_and_follows_the_seasons() -> None:
    frames = sample_plan()
    row = score_review(frames, "2026Q3").kpis.set_index("kpi_id").loc["rev-net"]
    values = _monthly_rows(frames, "2024-10", "2027-12")["rev-net"]
    values[24:] = np.nan  # known at the end of 2026Q3: 2024-10 .. 2026-09
    path = forecast_path(values, 23, 38, 12)
    point = path.point[0, 0]
    assert bool(path.seasonal[0, 0]) and len(point) == 15  # 2026-10 .. 2027-12
    assert point[-1] == pytest.approx(row["forecast_value"])
    # December peaks and January drops, as in the actuals: not a straight line.
    assert point[2] == max(point[:12]) and point[3] == min(point[:12])  # 2026-12 and 2027-01
