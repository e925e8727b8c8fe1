"""Backtest the forecast calls on the embedded sample: the old straight line against today's model.

    python benchmarks/forecast_backtest.py [--leads 2 3 4]

For every KPI of the sample (both scorecards) and every past quarterly review period R
(2025Q1 .. 2026Q2), each method forecasts from the actuals known at the end of R to the
period E that ends L quarters later (L = 2, 3, 4; E at the KPI's own frequency: the last
month of that quarter for a monthly KPI), where the actual of E and its target are known.
The call is compared with what happened: did the actual of E meet E's target (>= for
higher, <= for lower is better, inside the band for range KPIs)?

- **old line**: the least-squares line through the actuals up to the end of R, projected to
  E; "on course" when the point meets the target, "off course" otherwise (what bsc-widgets
  did before the forecast had an interval).  It lives only here, for this comparison.
- **model**: ``score_review`` of R with the scorecards' horizon end set to E: the seasonal
  ETS model or the line, with the 80 % interval; "on course" / "off course" when the whole
  interval meets / misses the target, "uncertain" otherwise.

Both methods are judged on the same cases (those where both make a forecast).  Printed
side by side: how many calls each made, how often a call made was right, the hit rate over
all cases (an "uncertain" call counts as not right), how often each was right on the cases
where the model made a call (the same cases for both), and how often the actual fell inside
the model's interval.

The sample's monthly actuals start in 2024-10, so two full seasons are first known at the end
of 2026Q3, and no later quarter has actuals yet: on the sample, every case of the model is the
line with its interval (the output says how many cases used seasons).
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from bsc_widgets.io.samples import sample_plan
from bsc_widgets.model.periods import convert_index, frequency, parse_period, period_at, period_index
from bsc_widgets.scoring import score_review

REVIEWS = [f"{y}Q{q}" for y in (2025, 2026) for q in (1, 2, 3, 4)][:6]  # 2025Q1 .. 2026Q2


@dataclass(frozen=True)
class Case:
    kpi_id: str
    review: str
    lead: int
    met: bool  # did the actual of E meet its target?
    old: str  # call of the old line
    new: str  # call of the model
    inside: bool  # actual of E inside the model's interval
    seasonal: bool  # the model's point differs from the line's: its seasonal model was used


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


def cases(frames: dict[str, pd.DataFrame], leads: list[int]) -> list[Case]:
    actuals, targets = frames["actuals"].copy(), frames["targets"].copy()
    for table in (actuals, targets):
        parsed = table["period"].map(parse_period)
        table["freq"] = parsed.map(frequency)
        table["index"] = parsed.map(period_index)
    kpis = frames["kpis"].set_index("kpi_id")
    out = []
    for review in REVIEWS:
        r_index = period_index(parse_period(review))
        for lead in leads:
            evaluated = str(period_at("Q", r_index + lead))
            planned = {**frames, "scorecards": frames["scorecards"].assign(horizon_end=evaluated)}
            result = score_review(planned, review).kpis
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
                out.append(Case(str(row.kpi_id), review, lead, meets(actual, str(kpi["polarity"]), target), line[0],
                                str(row.forecast), bool(row.forecast_lower <= actual <= row.forecast_upper),
                                not np.isclose(row.forecast_value, line[1], rtol=1e-9, atol=1e-9)))
    return out


def right(call: str, met: bool) -> bool:
    return (call == "on course" and met) or (call == "off course" and not met)


def report(found: list[Case]) -> str:
    frame = pd.DataFrame([c.__dict__ for c in found])
    leads = sorted(int(v) for v in frame["lead"].unique())
    lines = [f"{len(frame)} cases: {frame['kpi_id'].nunique()} KPIs x reviews {REVIEWS[0]}..{REVIEWS[-1]} x leads "
             f"{leads} quarters; the target was met in {int(frame['met'].sum())}; "
             f"the model used seasons in {int(frame['seasonal'].sum())} (the others: the line with its interval)",
             "", f"{'':32}{'old line':>12}{'model':>12}"]
    for label, subset in [("all leads", frame), *[(f"lead {lead} quarters", frame[frame["lead"] == lead])
                                                  for lead in sorted(frame["lead"].unique())]]:
        lines.append(f"{label} ({len(subset)} cases)")
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
        for key in stats["old"]:
            lines.append(f"  {key:30}{stats['old'][key]:>12}{stats['new'][key]:>12}")
        lines.append(f"  {'actual inside the interval':30}{'-':>12}{subset['inside'].mean():>12.0%}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--leads", type=int, nargs="+", default=[2, 3, 4])
    args = parser.parse_args()
    print(report(cases(sample_plan(), args.leads)))


if __name__ == "__main__":
    main()
