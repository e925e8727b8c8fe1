"""How responsive the workshop forms stay on a big plan: 200 objectives and 1,000 KPIs.

    python benchmarks/forms.py [--objectives 200] [--kpis 1000] [--repeat 5]

Builds two real stores — the embedded sample (17 objectives, 30 KPIs) and a large plan
(4 perspectives, 200 objectives, 1,000 quarterly KPIs with targets and two years of
actuals) — and times, on each, what a facilitator does: open the objectives and KPI
steps, change a field (checked as it is typed), pick another record, and save (which
re-validates the plan, redraws the strategy map and refreshes the SMART coach), and draw
the scored strategy map on its own (it used to be a timed test: ≤ 0.2 s for 200
objectives).  Prints
the median times side by side, the ratio large / sample, and the goal: a field change
well under 0.1 s and no action taking seconds.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from bsc_widgets import Store
from bsc_widgets.forms.workshop import Workshop
from bsc_widgets.io.samples import load_sample
from bsc_widgets.model.plan import data_periods
from bsc_widgets.render.charts import strategy_map
from bsc_widgets.scoring import score_review

PERSPECTIVES = ("financial", "customer", "internal", "learning")
QUARTERS = [f"{y}Q{q}" for y in (2025, 2026, 2027) for q in (1, 2, 3, 4)]


def build_large(where: Path, objectives: int, kpis: int) -> Store:
    """A valid plan of the given size (everything saved through the store, validated)."""
    store = Store.create(where)
    store.upsert("scorecards", [{"scorecard_id": "big", "name": "Big Org", "horizon_start": "2025-01",
                                 "horizon_end": "2027-12", "review_frequency": "Q"}])
    store.upsert("perspectives", [{"scorecard_id": "big", "perspective_id": p, "name": p.title(), "position": i + 1}
                                  for i, p in enumerate(PERSPECTIVES)])
    store.upsert("objectives", [{"objective_id": f"O{i:03d}", "scorecard_id": "big",
                                 "perspective_id": PERSPECTIVES[i % 4], "position": i // 4 + 1,
                                 "title": f"Objective number {i} of the big organisation",
                                 "description": "A benchmark objective.", "owner": "Owner"}
                                for i in range(objectives)])
    store.upsert("links", [{"scorecard_id": "big", "cause": f"O{i:03d}", "effect": f"O{i + 1:03d}"}
                           for i in range(objectives - 1)])
    store.upsert("kpis", [{"kpi_id": f"K{i:04d}", "scorecard_id": "big", "objective_id": f"O{i % objectives:03d}",
                           "name": f"KPI {i}", "polarity": "higher", "frequency": "Q", "aggregation": "last",
                           "baseline": 100.0, "baseline_period": "2024Q4"} for i in range(kpis)])
    rng = np.random.default_rng(1)
    store.upsert("targets", [{"kpi_id": f"K{i:04d}", "period": q, "scorecard_id": "big", "target": 110.0,
                              "red_flag": 100.0} for i in range(kpis) for q in QUARTERS])
    store.upsert("actuals", [{"kpi_id": f"K{i:04d}", "period": q, "scorecard_id": "big",
                              "value": float(rng.normal(105, 3))} for i in range(kpis) for q in QUARTERS[:8]])
    return store


def median_time(action: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def measure(workshop: Workshop, repeat: int) -> dict[str, float]:
    """Median seconds of each facilitator action on ``workshop``."""
    out: dict[str, float] = {}
    out["open objectives step"] = median_time(workshop.objectives, max(1, repeat // 2))
    out["open KPI step"] = median_time(workshop.kpis, max(1, repeat // 2))
    objectives = workshop.objectives()
    form = objectives.objectives
    ids = [v for _, v in form.selector.options[1:]]
    form.selector.value = ids[0]
    counter = iter(range(10_000))
    out["field change (checked)"] = median_time(
        lambda: setattr(form.fields["owner"].widget, "value", f"Owner {next(counter)}"), repeat * 4)
    out["pick another record"] = median_time(lambda: setattr(form.selector, "value", ids[next(counter) % len(ids)]),
                                             repeat)
    form.selector.value = ids[0]

    def save() -> None:
        form.fields["owner"].widget.value = f"Owner {next(counter)}"
        form.save()

    out["save objective (+ map, coach)"] = median_time(save, repeat)
    frames = workshop.frames()
    sid = str(workshop.scorecard_id)
    periods = data_periods(frames, sid)
    review = score_review(frames, periods[-1], sid) if periods else None
    out["draw strategy map (scored)"] = median_time(lambda: strategy_map(frames, sid, review), repeat)
    kpi_step = workshop.kpis()
    kpi_ids = [v for _, v in kpi_step.form.selector.options[1:]]
    out["pick a KPI (+ targets grid)"] = median_time(
        lambda: setattr(kpi_step.form.selector, "value", kpi_ids[next(counter) % len(kpi_ids)]), repeat)
    out["KPI field change (checked)"] = median_time(
        lambda: setattr(kpi_step.form.fields["unit"].widget, "value", f"u{next(counter)}"), repeat * 4)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--objectives", type=int, default=200)
    parser.add_argument("--kpis", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        os.chdir(tmp)  # the forms remember choices in the current folder
        small = Store.create(Path(tmp) / "sample")
        load_sample(small)
        start = time.perf_counter()
        large = build_large(Path(tmp) / "large", args.objectives, args.kpis)
        print(f"built the large plan ({args.objectives} objectives, {args.kpis} KPIs, "
              f"{args.kpis * len(QUARTERS):,} targets) in {time.perf_counter() - start:.1f} s", file=sys.stderr)
        small_times = measure(Workshop(small, "org"), args.repeat)
        large_times = measure(Workshop(large, "big"), args.repeat)
    print(f"{'action':32s} {'sample':>9s} {'large':>9s} {'ratio':>7s}")
    for name, small_s in small_times.items():
        large_s = large_times[name]
        print(f"{name:32s} {small_s * 1000:7.0f} ms {large_s * 1000:7.0f} ms {large_s / small_s:6.1f}x")
    worst = max(large_times.values())
    field = large_times["field change (checked)"]
    print(f"goal: field change < 100 ms on the large plan -> {field * 1000:.0f} ms "
          f"({'met' if field < 0.1 else 'NOT met'}); slowest action {worst:.2f} s "
          f"({'no multi-second lag' if worst < 2 else 'too slow'})")


if __name__ == "__main__":
    main()
