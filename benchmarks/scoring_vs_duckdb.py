"""Score an irregular synthetic enterprise with bsc-widgets, an expert DuckDB query and an expert polars query.

    python benchmarks/scoring_vs_duckdb.py [--scorecards 1000] [--kpis 64] [--months 60] [--rounds 4]
                                           [--data DIR] [--forecast]

Builds (:func:`enterprise.build_varied`) a department cascade of 1,000 scorecards with 3 to 14
objectives and 32 to 96 KPIs each (about 63,000 KPIs: 70 % monthly, 20 % quarterly, 10 %
annual; sum / mean / last / min / max; higher / lower / range), targets that change every
period (some missing, some incomplete), missing actuals, KPIs that start late or never
report, and scorecards with their own thresholds — about 4.8 million targets and actuals as
parquet files — with the features of issue 16 on: 20 % of the KPIs calculated from 2 or 3
others of their scorecard (``a / b``, ``100 * a / b``, ``a + b``, ``a - b``, ``sum(a, b, c)``;
inputs measured as often or more often, each aggregated by its own rule; about half of
the ratios, percentages and sums with targets by expression), missing-data policies
(``carry_forward:1`` on 60 % of the scorecards, ``carry_forward:2`` on 20 %; per KPI 4 %
``zero``, 4 % ``red``, 4 % ``ignore``, 3 % ``carry_forward:3``) and colour bands (five bands
on 70 % of the scorecards, six on 10 %, the default three on the rest; a four-band scheme
on 5 % of the KPIs). Every quarter of the 60 months (20 review periods) is scored with:

- **bsc-widgets**: read the parquet files with pyarrow, then ``score_review(frames, quarters,
  forecast=False)`` (forecasts are not something the peers compute; ``--forecast`` times the
  engine with them as well, for information);
- **DuckDB** and **polars**: the queries in :mod:`peers`, written as their expert users would
  (each monthly KPI aggregated only by its own rule, one GROUP BY per rule joined by UNION
  ALL; the quarter computed once per row; annual KPIs by an as-of join; calculated KPIs as a
  table of (KPI, shape, inputs) read from the expressions, joined to the inputs' rows
  aggregated by rule; carry-forward by a window over the quarters; bands by CASE over each
  scheme's bounds; the result fetched as Arrow; polars lazy from ``scan_parquet``, the
  frames several branches share collected once).

Fair timing: every run is a fresh process (``python this-file --run ENGINE``); the rounds are
interleaved (bsc, DuckDB, polars, then DuckDB, polars, bsc, ... — each round starts with the
next engine) and there are at least 4. Each process reports its import time, its first call
(cold: nothing cached in the process) and a second call in the same process (warm). The
medians of the first calls give the headline ratio bsc / faster peer; the coldest first call
(the largest) and the medians of import + first call and of the second call are printed too.

Cross-check (not timed): each process writes its results; all rounds of all engines must agree
with bsc's first round on every KPI-, objective-, perspective- and scorecard-quarter: score,
coverage, change and the KPI's actual (calculated or carried) within 1e-12 relative
(|a - b| <= 1e-12 * max(1, |a|, |b|)), the same missing values, and identical statuses,
trends, band names and fills (carried / zero / red). The script exits with status 1 when
they do not. The goal is a ratio <= 1.0.

Measured (DuckDB 2.0.1, polars 2.1.0, pyarrow 26, numpy 2.4, pandas 3; a shared 2-core machine
whose load average was 8 to 22 while other jobs ran, so single runs move by a factor of two or
more; the rounds are interleaved so that all engines see the same load over a round; the load
column is the 1-minute load average when each process started):

- before the new features (issue 16, first part; monthly, quarterly and annual KPIs without
  calculated KPIs, policies or bands): ratio 0.98 at 200 scorecards and 1.89 at full size.
- with the features, ``--scorecards 200`` (12,970 KPIs of which 2,537 calculated; one round at
  load 1.5-1.9): first call bsc 2.04 s, DuckDB 2.91 s, polars 4.00 s (second call 1.83 / 3.79 /
  1.69 s); ratio 0.70. With ``--scorecards 100``: 0.84 / 1.23 / 3.50 s, ratio 0.68.
- with the features, default size (63,167 KPIs: 44,277 monthly, 12,639 quarterly, 6,251
  annual; 12,586 calculated, 5,734 with targets by expression; 2,651,151 targets, 2,145,598
  actuals), final engine, 4 rounds at load 6.1-22.3: median first call bsc 24.89 s, DuckDB
  22.06 s, polars 49.47 s; coldest 56.03 / 70.44 / 85.11 s; second call 21.42 / 15.78 /
  46.74 s. **Ratio of the medians bsc / DuckDB 1.13**; per round 0.80, 1.38, 0.98, 0.69 (the
  median of the per-round ratios is 0.89: bsc was faster in three rounds of four), 1.15 with
  the imports. Results agree to 2.6e-13 over 1,263,340 KPI-quarters, 173,080 objective-,
  80,000 perspective- and 20,000 scorecard-quarters; statuses, trends, bands and fills
  identical. An earlier run (two engine changes before: rows gathered per part, reasons and
  lineage on the pool) at load 8.0-16.9: medians 23.63 / 22.63 / 53.06 s, ratio 1.04, per
  round 0.94, 0.79, 1.53, 1.24.
  On that loaded machine the goal was met at 100 and 200 scorecards but not at full size: the
  rounds swung from 0.69 to 1.53 with the load. The engine's first call costs more than a
  second one because it touches about 160,000 fresh memory pages (3.5 s of system time against
  0.4-0.8 s in a second call, ``resource.getrusage`` around each stage).
- the same data and engine on an **idle machine** (load average 0.3 when the run started, 0.4
  to 1.8 over it; nothing else running; 2026-12-03, `--rounds 4`): median first call bsc
  6.25 s, DuckDB 6.60 s, polars 8.58 s; coldest 7.67 / 7.28 / 12.29 s; second call 5.47 /
  5.82 / 8.79 s. **Ratio of the medians bsc / DuckDB 0.95 (goal <= 1.0 met)**, 0.95 with the
  imports; per round 0.81, 1.09, 1.05, 1.10 (bsc's first call ranged 5.88-7.67 s, DuckDB's
  5.40-7.28 s). Results agree to 2.6e-13; statuses, trends, bands and fills identical.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))

ENGINES = ("bsc", "duckdb", "polars")
TABLES = ("scorecards", "perspectives", "objectives", "kpis", "targets", "actuals")
TOLERANCE = 1e-12
FLOATS = ("score", "coverage", "change", "actual")
TEXTS = ("status", "trend", "band", "filled")


# ------------------------------------------------------------------------------------ one engine, one process
def _quarter_range(data: Path) -> tuple[int, int]:
    """First and last quarter index of the data's horizon (every scorecard shares it)."""
    cards = pq.read_table(data / "scorecards.parquet", columns=["horizon_start", "horizon_end"]).to_pylist()
    start, end = cards[0]["horizon_start"], cards[0]["horizon_end"]

    def quarter(month: str) -> int:
        return int(month[:4]) * 4 + (int(month[5:7]) - 1) // 3

    return quarter(start), quarter(end)


def _quarter_labels(first: int, last: int) -> list[str]:
    return [f"{q // 4}Q{q % 4 + 1}" for q in range(first, last + 1)]


def _bsc(data: Path, first: int, last: int, forecast: bool) -> Callable[[], object]:
    from bsc_widgets.scoring import score_review
    from bsc_widgets.scoring.formulas import TARGET_FIELDS

    quarters = _quarter_labels(first, last)
    # Of the two large tables only the columns scoring uses, as the peers' scans read; the plan tables whole.
    columns = {"actuals": ["kpi_id", "period", "value"], "targets": ["kpi_id", "period", *TARGET_FIELDS]}

    def run() -> object:
        frames = {name: pq.read_table(data / f"{name}.parquet", columns=columns.get(name)).to_pandas()
                  for name in TABLES}
        return score_review(frames, quarters, forecast=forecast)

    return run


def _canonical_bsc(review: object) -> pa.Table:
    """bsc's Review as the peers' long table: level, id, q, score, coverage, change, status, trend."""
    import pandas as pd

    from bsc_widgets.scoring import Review

    assert isinstance(review, Review)
    parts = []
    persp = review.perspectives
    for level, frame, ids in (
            ("kpi", review.kpis, review.kpis["kpi_id"].astype(str)),
            ("objective", review.objectives, review.objectives["objective_id"].astype(str)),
            ("perspective", persp, persp["scorecard_id"].astype(str) + "/" + persp["perspective_id"].astype(str)),
            ("scorecard", review.scorecards, review.scorecards["scorecard_id"].astype(str))):
        parts.append(pd.DataFrame({
            "level": level, "id": ids.to_numpy(), "q": frame["period_index"].to_numpy(np.int64),
            "score": frame["score"].to_numpy(np.float64),
            "coverage": frame["coverage"].to_numpy(np.float64) if "coverage" in frame else np.nan,
            "change": frame["score_change"].to_numpy(np.float64),
            "status": frame["status"].astype(str).to_numpy(), "trend": frame["trend"].astype(str).to_numpy(),
            "band": frame["band"].astype(str).to_numpy(),
            "filled": frame["filled"].astype(str).to_numpy() if "filled" in frame else "",
            "actual": frame["actual"].to_numpy(np.float64) if "actual" in frame else np.nan}))
    return pa.Table.from_pandas(pd.concat(parts, ignore_index=True), preserve_index=False)


def child(engine: str, data: Path, out: Path, forecast: bool) -> None:
    """Run one engine twice in this process; print its times as JSON and write its first result to ``out``."""
    start = time.perf_counter()
    first, last = _quarter_range(data)
    if engine == "bsc":
        run = _bsc(data, first, last, forecast)
    else:
        import peers

        module = __import__(engine)  # the engine's import counts as import time
        del module
        peer = peers.run_duckdb if engine == "duckdb" else peers.run_polars

        def run() -> object:
            return peer(data, first, last)
    imported = time.perf_counter()
    result = run()
    called = time.perf_counter()
    run()
    again = time.perf_counter()
    table = _canonical_bsc(result) if engine == "bsc" else result
    assert isinstance(table, pa.Table)
    pq.write_table(table, out)
    print(json.dumps({"import": imported - start, "first": called - imported, "second": again - called}))


# ------------------------------------------------------------------------------------ cross-check
def _sorted(table: pa.Table) -> pa.Table:
    return table.select(["level", "id", "q", *FLOATS, *TEXTS]).sort_by(
        [("level", "ascending"), ("id", "ascending"), ("q", "ascending")])


def compare(ours: pa.Table, theirs: pa.Table, name: str) -> tuple[float, list[str]]:
    """Largest relative difference of score / coverage / change, and the disagreements found."""
    a, b = _sorted(ours), _sorted(theirs)
    problems: list[str] = []
    if a.num_rows != b.num_rows:
        return np.inf, [f"{name}: {b.num_rows:,} rows, bsc {a.num_rows:,}"]
    for key in ("level", "id", "q"):
        if not a[key].cast(pa.string()).equals(b[key].cast(pa.string())):
            return np.inf, [f"{name}: the {key} column lists other records than bsc's"]
    worst = 0.0
    for col in FLOATS:
        x = a[col].to_numpy(zero_copy_only=False).astype(np.float64)
        y = b[col].to_numpy(zero_copy_only=False).astype(np.float64)
        if not np.array_equal(np.isnan(x), np.isnan(y)):
            n = int((np.isnan(x) != np.isnan(y)).sum())
            problems.append(f"{name}: {col} missing in {n:,} rows where bsc's is not (or the other way)")
            continue
        both = ~np.isnan(x)
        rel = np.abs(x[both] - y[both]) / np.maximum(1.0, np.maximum(np.abs(x[both]), np.abs(y[both])))
        largest = float(rel.max(initial=0.0))
        worst = max(worst, largest)
        if largest > TOLERANCE:
            problems.append(f"{name}: {col} differs by up to {largest:.2e} ({int((rel > TOLERANCE).sum()):,} rows)")
    for col in TEXTS:
        x, y = a[col].to_numpy(zero_copy_only=False), b[col].to_numpy(zero_copy_only=False)
        differ = x.astype(str) != y.astype(str)
        if differ.any():
            i = int(np.flatnonzero(differ)[0])
            problems.append(f"{name}: {col} differs in {int(differ.sum()):,} rows, e.g. {a['level'][i]} "
                            f"{a['id'][i]} q={a['q'][i]}: bsc {x[i]!r}, {name} {y[i]!r}")
    return worst, problems


# ------------------------------------------------------------------------------------ the rounds
def _spawn(engine: str, data: Path, out: Path, forecast: bool) -> dict[str, float]:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--run", engine, "--data", str(data), "--out", str(out)]
    if forecast:
        cmd.append("--forecast")
    start = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    if done.returncode:
        sys.exit(f"{engine} failed:\n{done.stderr}")
    times: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return times | {"process": wall}


def _engine_label(engine: str) -> str:
    if engine == "bsc":
        return "bsc-widgets"
    import importlib.metadata

    return f"{'DuckDB' if engine == 'duckdb' else 'polars'} {importlib.metadata.version(engine)}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scorecards", type=int, default=1000)
    parser.add_argument("--kpis", type=int, default=64, help="KPIs per scorecard on average")
    parser.add_argument("--months", type=int, default=60)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--data", type=Path, help="use (or build once) the parquet files in this folder")
    parser.add_argument("--forecast", action="store_true", help="bsc computes forecasts too (the peers do not)")
    parser.add_argument("--run", choices=ENGINES, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run:
        child(args.run, args.data, args.out, args.forecast)
        return
    if args.rounds < 4:
        print(f"note: {args.rounds} round(s); a median means something from 4 rounds on (the default)")
    with tempfile.TemporaryDirectory() as tmp:
        data = args.data or Path(tmp) / "data"
        if not (data / "actuals.parquet").exists():
            import enterprise

            enterprise.build_varied(data, args.scorecards, args.kpis, args.months)
        counts = {name: pq.read_metadata(data / f"{name}.parquet").num_rows for name in TABLES}
        first, last = _quarter_range(data)
        freq = pq.read_table(data / "kpis.parquet", columns=["frequency"])["frequency"].value_counts().to_pylist()
        mix = ", ".join(f"{d['counts']:,} {d['values']}" for d in freq)
        print(f"data: {counts['scorecards']:,} scorecards, {counts['objectives']:,} objectives, {counts['kpis']:,} "
              f"KPIs ({mix}), {counts['targets']:,} targets, {counts['actuals']:,} actuals; "
              f"{last - first + 1} quarterly review periods")
        kpis = pq.read_table(data / "kpis.parquet", columns=["expression", "target_rule", "missing_policy", "bands"])
        cards = pq.read_table(data / "scorecards.parquet", columns=["missing_policy", "bands"])
        calc = kpis["expression"].is_valid().to_numpy(zero_copy_only=False)
        by_expr = (kpis["target_rule"].to_numpy(zero_copy_only=False) == "expression") & calc
        print(f"features: {calc.sum():,} calculated KPIs ({calc.mean():.0%}; {by_expr.sum():,} with targets by "
              f"expression); missing-data policies on {cards['missing_policy'].is_valid().to_numpy().sum():,} "
              f"scorecards and {kpis['missing_policy'].is_valid().to_numpy().sum():,} KPIs; band schemes on "
              f"{cards['bands'].is_valid().to_numpy().sum():,} scorecards and "
              f"{kpis['bands'].is_valid().to_numpy().sum():,} KPIs")
        times: dict[str, list[dict[str, float]]] = {e: [] for e in ENGINES}
        results: list[tuple[str, int, Path]] = []
        print(f"{'round':>5}  {'engine':<14}{'import':>8}{'first call':>12}{'second call':>13}{'process':>9}"
              f"{'load':>7}")
        loads: list[float] = []
        for r in range(args.rounds):
            order = ENGINES[r % 3:] + ENGINES[:r % 3]
            for engine in order:
                out = Path(tmp) / f"{engine}-{r}.parquet"
                load = os.getloadavg()[0]  # the machine's load when the process starts (1-minute average)
                loads.append(load)
                t = _spawn(engine, data, out, args.forecast)
                times[engine].append(t)
                results.append((engine, r, out))
                print(f"{r + 1:>5}  {engine:<14}{t['import']:>7.2f}s{t['first']:>11.2f}s{t['second']:>12.2f}s"
                      f"{t['process']:>8.2f}s{load:>7.1f}", flush=True)
        reference = pq.read_table(next(p for e, r, p in results if e == "bsc" and r == 0))
        worst, problems = 0.0, list[str]()
        for engine, r, path in results:
            diff, found = compare(reference, pq.read_table(path), f"{engine} round {r + 1}")
            worst, problems = max(worst, diff), problems + found
        levels = ", ".join(f"{d['counts']:,} {d['values']}-quarters"
                           for d in reference["level"].value_counts().to_pylist())
        print(f"\ncross-check over {levels}: "
              + ("results agree" if not problems else "RESULTS DIFFER")
              + f"; largest relative difference {worst:.1e} (tolerance {TOLERANCE:.0e}); statuses, trends, bands "
              + "and fills " + ("identical" if not any(t in p for p in problems for t in TEXTS) else "differ"))
        for p in problems:
            print("  " + p)
        print(f"\n{'engine':<20}{'median first call':>18}{'cold (slowest)':>16}{'import + first':>16}"
              f"{'second call':>13}")
        med = {}
        for engine in ENGINES:
            ts = times[engine]
            med[engine] = statistics.median(t["first"] for t in ts)
            print(f"{_engine_label(engine):<20}{med[engine]:>17.2f}s{max(t['first'] for t in ts):>15.2f}s"
                  f"{statistics.median(t['import'] + t['first'] for t in ts):>15.2f}s"
                  f"{statistics.median(t['second'] for t in ts):>12.2f}s")
        peer = min(("duckdb", "polars"), key=lambda e: med[e])
        with_import = {e: statistics.median(t["import"] + t["first"] for t in times[e]) for e in ENGINES}
        print(f"\nratio bsc / {_engine_label(peer)} (faster peer), median first call: {med['bsc'] / med[peer]:.2f}"
              f"  (goal <= 1.0); per round: "
              + ", ".join(f"{b['first'] / p['first']:.2f}" for b, p in zip(times["bsc"], times[peer], strict=True))
              + f"; with imports: {with_import['bsc'] / with_import[peer]:.2f}; load average "
              + f"{min(loads):.1f} to {max(loads):.1f}")
        if problems:
            sys.exit(1)


if __name__ == "__main__":
    main()
