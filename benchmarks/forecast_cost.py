"""What the seasonal forecasts cost: statsmodels' ETS fits (before) against the numpy Holt-Winters (now).

    python benchmarks/forecast_cost.py [--scorecards 1000] [--kpis 50] [--months 60] [--limit 0]

Builds the enterprise of ``benchmarks/scoring_vs_duckdb.py`` (1,000 scorecards x 50 monthly
KPIs x 60 months of noise around a level, 2 % missing), lays the actuals out as scoring does
(KPI x month) and, for the 20 quarterly review periods, finds the seasonal cases as scoring
does (two full seasons unbroken and seasons significant at p < 0.001: by chance, about 0.1 %
of the KPI-quarters).  Then, in the same run and on the same cases, it times:

- **statsmodels** (what scoring did before): one ``ETSModel(error="add", trend="add",
  damped_trend=True, seasonal="add", initialization_method="heuristic").fit()`` and its
  forecast with the 80 % interval at the horizon end, case by case;
- **numpy** (what scoring does now): ``holt_winters.fit`` of all cases at once (grid and
  fine grid) and ``holt_winters.predict`` at the horizon end, plus the calibration that
  scoring adds (the past forecasts of every fitted model).

and prints both side by side with the ratio, and how close the fits are: the numpy fit's mean
squared one-step error over statsmodels' (1.0 = as good; below 1: better), and the gap
between the two forecasts in units of statsmodels' standard error.  ``--limit N`` fits only
the first N cases with statsmodels (all by default).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).parent))
import enterprise

from bsc_widgets.model.periods import parse_period, period_index
from bsc_widgets.scoring import forecast as fc
from bsc_widgets.scoring import holt_winters as hw

SEASON = 12


def grid(data: Path) -> np.ndarray:
    """The (KPI x month) grid of actuals, as scoring lays it out."""
    actuals = pd.read_parquet(data / "actuals.parquet", columns=["kpi_id", "period", "value"])
    months = {p: period_index(parse_period(p)) for p in actuals["period"].unique()}
    col = actuals["period"].map(months).to_numpy() - min(months.values())
    row, _ = pd.factorize(actuals["kpi_id"])
    values = np.full((row.max() + 1, col.max() + 1), np.nan)
    values[row, col] = actuals["value"].to_numpy(float)
    return values


def statsmodels_fit(run: np.ndarray, steps: int) -> tuple[float, float, float]:
    """Point forecast, standard error and mean squared one-step error of statsmodels' ETS fit."""
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fitted = ETSModel(pd.Series(run), error="add", trend="add", damped_trend=True, seasonal="add",
                          seasonal_periods=SEASON, initialization_method="heuristic").fit(disp=False)
        frame = fitted.get_prediction(start=len(run) + steps - 1, end=len(run) + steps - 1).summary_frame(alpha=0.2)
    row = frame.iloc[-1]
    return float(row["mean"]), float((row["pi_upper"] - row["mean"]) / fc.Z), float(fitted.mse)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scorecards", type=int, default=1000)
    parser.add_argument("--kpis", type=int, default=50)
    parser.add_argument("--months", type=int, default=60)
    parser.add_argument("--limit", type=int, default=0, help="fit only this many cases with statsmodels (0: all)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        enterprise.build(Path(tmp), args.scorecards, args.kpis, args.months)
        values = grid(Path(tmp))
    width = values.shape[1]
    cutoff = np.arange(2, width, 3, dtype=np.int64)  # the last month of each quarter
    horizon = np.full(len(values), width - 1)
    cases = fc.seasonal_cases(values, cutoff, horizon, SEASON)
    cases &= (horizon[:, None] > cutoff[None, :])
    kk, pp = np.nonzero(cases)
    print(f"data: {len(values):,} monthly KPIs x {width} months, {len(cutoff)} quarterly review periods: "
          f"{len(kk):,} KPI-quarters pass the seasonal test")
    start, cpu = time.perf_counter(), time.process_time()
    fitted, runs, _ = fc._fit_seasonal(values, cutoff, kk, pp, SEASON)
    steps = (horizon[kk] - cutoff[pp])[:, None]
    point, _ = hw.predict(fitted, steps)
    fit_time, fit_cpu = time.perf_counter() - start, time.process_time() - cpu
    start = time.perf_counter()
    scale = fc.change_scale(values)
    cols = np.minimum(fc._run_start(values, cutoff)[kk, pp][:, None] + np.arange(runs.shape[1])[None, :], width - 1)
    fc._seasonal_quantile(fitted, runs, scale[kk[:, None], cols], pp, len(cutoff), steps[:, 0])
    calibration_time = time.perf_counter() - start
    limit = len(kk) if args.limit <= 0 else min(args.limit, len(kk))
    start, cpu = time.perf_counter(), time.process_time()
    old = [statsmodels_fit(runs[b, :fitted.lengths[b]], int(steps[b, 0])) for b in range(limit)]
    old_time, old_cpu = time.perf_counter() - start, time.process_time() - cpu
    old_point, old_sd, old_mse = (np.array(v) for v in zip(*old, strict=True))
    share = limit / len(kk)  # the numpy fit of all cases, pro rata for the same cases
    new_time, new_cpu = fit_time * share, fit_cpu * share
    print(f"\n{'fit + forecast, ' + format(limit, ',') + ' cases':34}{'statsmodels':>14}{'numpy':>14}{'ratio':>10}")
    print(f"{'  wall clock':34}{old_time:>12.2f} s{new_time:>12.3f} s{old_time / new_time:>9.0f}x")
    print(f"{'  CPU time of this process':34}{old_cpu:>12.2f} s{new_cpu:>12.3f} s{old_cpu / new_cpu:>9.0f}x")
    print(f"{'  wall clock per case':34}{old_time / limit * 1000:>11.1f} ms{new_time / limit * 1000:>11.2f} ms")
    print(f"numpy, all {len(kk):,} cases: fit and forecast {fit_time:.3f} s, calibration {calibration_time:.3f} s")
    ratio = fitted.sigma2[:limit] / old_mse
    gap = np.abs(point[:limit, 0] - old_point) / old_sd
    print(f"mean squared one-step error, numpy / statsmodels: median {np.median(ratio):.3f}, "
          f"5-95 % {np.percentile(ratio, 5):.3f}-{np.percentile(ratio, 95):.3f}")
    print(f"forecast gap in statsmodels' standard errors: median {np.median(gap):.2f}, "
          f"95 % {np.percentile(gap, 95):.2f}")


if __name__ == "__main__":
    main()
