"""Backtest the forecast calls: the old straight line against today's model, on the sample and on seasonal data.

    python benchmarks/forecast_backtest.py [--leads 2 3 4] [--data sample seasonal] [--kpis 40]

Two data sets, each reported on its own:

- **sample**: every KPI of the embedded sample (both scorecards), reviews 2025Q1 .. 2026Q2.
  Its monthly actuals start in 2024-10, so two full seasons are first known at the end of
  2026Q3, after the last review that can be checked: every case of the model is the line.
- **seasonal**: ``enterprise.seasonal_frames`` (40 monthly KPIs over 2022-2025, three in
  four with seasons, trends that drift, plans that miss), reviews 2024Q1 .. 2025Q2: here the
  seasonal model makes most of the forecasts.

For every KPI and review period R, each method forecasts from the actuals known at the end
of R to the period E that ends L quarters later (L = 2, 3, 4; E at the KPI's own frequency:
the last month of that quarter for a monthly KPI), where the actual of E and its target are
known.  The call is compared with what happened: did the actual of E meet E's target (>=
for higher, <= for lower is better, inside the band for range KPIs)?

- **old line**: the least-squares line through the actuals up to the end of R, projected to
  E; "on course" when the point meets the target, "off course" otherwise (what bsc-widgets
  did before the forecast had an interval).  It lives only here, for this comparison.
- **model**: ``score_review`` of R with the scorecards' horizon end set to E: the seasonal
  model or the line, with the calibrated 80 % interval; "on course" / "off course" when the
  whole interval meets / misses the target, "uncertain" otherwise.

Both methods are judged on the same cases (those where both make a forecast).  Printed side
by side: how many calls each made, how often a call made was right, the hit rate over all
cases (an "uncertain" call counts as not right), how often each was right on the cases where
the model made a call; and how often the actual fell inside the model's own 80 % interval
(before calibration) and inside the calibrated one (after), which should be about 80 %.
The same for the cases where the model used seasons and where it used the line.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).parent))
import enterprise

from bsc_widgets.io.samples import sample_plan
from bsc_widgets.model.periods import convert_index, frequency, parse_period, period_at, period_index
from bsc_widgets.scoring import score_review
from bsc_widgets.scoring.forecast import SEASONS, predict

REVIEWS = {"sample": [f"{y}Q{q}" for y in (2025, 2026) for q in (1, 2, 3, 4)][:6],  # 2025Q1 .. 2026Q2
           "seasonal": [f"{y}Q{q}" for y in (2024, 2025) for q in (1, 2, 3, 4)][:6]}  # 2024Q1 .. 2025Q2


@dataclass(frozen=True)
class Case:
    kpi_id: str
    review: str
    lead: int
    met: bool  # did the actual of E meet its target?
    old: str  # call of the old line
    new: str  # call of the model
    inside: bool  # actual of E inside the model's calibrated interval
    inside_own: bool  # actual of E inside the model's own interval (before calibration)
    seasonal: bool  # the model used seasons


def old_line(history: pd.Series, at: int, polarity: str, target: Mapping[str, float]) -> tuple[str, float] | None:
    """The old forecast and its call: least-squares line through ``history`` (values by period index) at ``at``."""
    if len(history) < 3:
        return None
    slope, intercept = np.polyfit(history.index.to_numpy(float), history.to_numpy(float), 1)
    point = float(intercept + slope * at)
    return ("on course" if meets(point, polarity, target) else "off course"), point


def meets(value: float, polarity: str, target: Mapping[str, float]) -> bool:
    if polarity == "range":
        return bool(target["lower"] <= value <= target["upper"])
    return bool(value <= target["target"] if polarity == "lower" else value >= target["target"])


def _indexed(table: pd.DataFrame) -> pd.DataFrame:
    parsed = table["period"].map(parse_period)
    return table.assign(freq=parsed.map(frequency), index=parsed.map(period_index))


def _own_intervals(actuals: pd.DataFrame, kpis: pd.DataFrame, review: int, lead: int) -> pd.DataFrame:
    """Per KPI: the model's point and its own (uncalibrated) half-width at E, and whether it used seasons."""
    out = []
    for freq, group in kpis.groupby("frequency"):
        mine = actuals[(actuals["freq"] == freq) & actuals["kpi_id"].isin(group.index)]
        if mine.empty:
            continue
        grid = mine.pivot_table(index="kpi_id", columns="index", values="value", aggfunc="last")
        lo = int(grid.columns.min())
        e, cutoff = convert_index(review + lead, "Q", str(freq)), convert_index(review, "Q", str(freq))
        grid = grid.reindex(columns=range(lo, max(e, int(grid.columns.max())) + 1))
        values = grid.to_numpy(float, copy=True)
        values[:, np.asarray(grid.columns) > cutoff] = np.nan  # only what was known at the review
        columns = np.full((len(grid), 1, 1), e - lo, dtype=np.int64)
        found = predict(values, np.array([cutoff - lo]), columns, SEASONS.get(str(freq), 0))
        out.append(pd.DataFrame({"point": found.point[:, 0, 0], "own": found.half_width[:, 0, 0],
                                 "seasonal": found.seasonal[:, 0]}, index=grid.index))
    return pd.concat(out) if out else pd.DataFrame(columns=["point", "own", "seasonal"])


def cases(frames: dict[str, pd.DataFrame], reviews: list[str], leads: list[int]) -> list[Case]:
    actuals, targets = _indexed(frames["actuals"]), _indexed(frames["targets"])
    kpis = frames["kpis"].set_index("kpi_id")
    out = []
    for review in reviews:
        r_index = period_index(parse_period(review))
        for lead in leads:
            evaluated = str(period_at("Q", r_index + lead))
            planned = {**frames, "scorecards": frames["scorecards"].assign(horizon_end=evaluated)}
            result = score_review(planned, review).kpis
            own = _own_intervals(actuals, kpis, r_index, lead)
            for row in result.itertuples(index=False):
                kpi = kpis.loc[row.kpi_id]
                freq = str(kpi["frequency"])
                e = convert_index(r_index + lead, "Q", freq)
                cutoff = convert_index(r_index, "Q", freq)
                mine = actuals[(actuals["kpi_id"] == row.kpi_id) & (actuals["freq"] == freq)]
                at_e = mine[mine["index"] == e]
                goal = targets[(targets["kpi_id"] == row.kpi_id) & (targets["freq"] == freq) & (targets["index"] == e)]
                history = mine[mine["index"] <= cutoff].set_index("index")["value"].astype(float)
                if at_e.empty or goal.empty or str(row.forecast) == "insufficient data":
                    continue
                target = goal.iloc[0][["target", "lower", "upper"]].astype(float).to_dict()
                line = old_line(history, e, str(kpi["polarity"]), target)
                if line is None:
                    continue
                actual = float(at_e["value"].iloc[0])
                mine_own = own.loc[row.kpi_id]
                assert np.isclose(mine_own["point"], row.forecast_value, rtol=1e-6), "the same model as scoring"
                out.append(Case(str(row.kpi_id), review, lead, meets(actual, str(kpi["polarity"]), target), line[0],
                                str(row.forecast), bool(row.forecast_lower <= actual <= row.forecast_upper),
                                bool(abs(actual - row.forecast_value) <= mine_own["own"]), bool(mine_own["seasonal"])))
    return out


def right(call: str, met: bool) -> bool:
    return (call == "on course" and met) or (call == "off course" and not met)


def _rows(subset: pd.DataFrame) -> list[str]:
    stats = {}
    model_called = (subset["new"] != "uncertain").to_numpy()
    for method in ("old", "new"):
        calls = subset[method]
        decided = calls != "uncertain"
        hits = np.array([right(c, m) for c, m in zip(calls, subset["met"], strict=True)], dtype=bool)
        stats[method] = {
            "calls made (on / off course)": f"{int(decided.sum())}",
            "uncertain": f"{int((~decided).sum())}",
            "right, of the calls made": f"{hits.sum() / max(decided.sum(), 1):.0%} ({int(hits.sum())})",
            "right, of all cases": f"{hits.mean():.0%}",
            "right, where the model called": f"{hits[model_called].mean():.0%}" if model_called.any() else "-",
        }
    lines = [f"  {key:34}{stats['old'][key]:>12}{stats['new'][key]:>12}" for key in stats["old"]]
    own = "inside the model's own interval"
    lines.append(f"  {own:34}{'-':>12}{subset['inside_own'].mean():>12.0%}")
    lines.append(f"  {'inside the calibrated interval':34}{'-':>12}{subset['inside'].mean():>12.0%}")
    return lines


def report(name: str, reviews: list[str], found: list[Case]) -> str:
    frame = pd.DataFrame([c.__dict__ for c in found])
    leads = sorted(int(v) for v in frame["lead"].unique())
    lines = [f"{name}: {len(frame)} cases: {frame['kpi_id'].nunique()} KPIs x reviews {reviews[0]}..{reviews[-1]} x "
             f"leads {leads} quarters; the target was met in {int(frame['met'].sum())}; the model used seasons "
             f"in {int(frame['seasonal'].sum())} (the others: the line)",
             "", f"{'':36}{'old line':>12}{'model':>12}"]
    parts = [("all leads", frame), *[(f"lead {lead} quarters", frame[frame["lead"] == lead]) for lead in leads],
             ("where the model used seasons", frame[frame["seasonal"]]),
             ("where the model used the line", frame[~frame["seasonal"]])]
    for label, subset in parts:
        if len(subset):
            lines += [f"{label} ({len(subset)} cases)", *_rows(subset)]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--leads", type=int, nargs="+", default=[2, 3, 4])
    parser.add_argument("--data", nargs="+", choices=sorted(REVIEWS), default=["sample", "seasonal"])
    parser.add_argument("--kpis", type=int, default=40, help="KPIs of the seasonal data set")
    args = parser.parse_args()
    for name in args.data:
        frames = sample_plan() if name == "sample" else enterprise.seasonal_frames(kpis=args.kpis)
        print(report(name, REVIEWS[name], cases(frames, REVIEWS[name], args.leads)), end="\n\n")


if __name__ == "__main__":
    main()
