"""Score and roll up a synthetic enterprise with bsc-widgets and with one DuckDB SQL query.

    python benchmarks/scoring_vs_duckdb.py [--scorecards 1000] [--kpis 50] [--months 60] [--repeat 3]

Builds 1,000 department scorecards x 50 KPIs x 60 monthly periods (3 million targets and
about 2.94 million actuals, 2 % missing) as parquet files, then, in the same run and on the
same files, times:

- bsc-widgets: read the parquet files and ``score_review`` every quarter (20 review periods):
  KPI actuals and targets aggregated by each KPI's rule, scores, statuses, trends, forecasts,
  cascades and objective / perspective / scorecard roll-ups with coverage (the seasonal
  forecast fits are cached per series, so with ``--repeat`` above 1 the later runs reuse
  them: use ``--repeat 1`` for the cold time);
- DuckDB: one SQL query over the same parquet files computing the same KPI scores, statuses
  and trends and the three roll-ups with coverage (no forecast or cascade: DuckDB does less).

Both results are compared (scores must agree to 1e-9) and the ratio bsc / DuckDB printed.
The goal is a ratio <= 1.0.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).parent))
import enterprise

from bsc_widgets.model.periods import first_day, parse_period, period_containing
from bsc_widgets.scoring import Review, score_review

TABLES = ("scorecards", "perspectives", "objectives", "kpis", "targets", "actuals")

SQL = """
WITH
kpis AS (SELECT kpi_id, scorecard_id, objective_id, polarity, aggregation, weight
         FROM read_parquet('{d}/kpis.parquet')),
objectives AS (SELECT objective_id, scorecard_id, perspective_id, weight FROM read_parquet('{d}/objectives.parquet')),
perspectives AS (SELECT scorecard_id, perspective_id, weight FROM read_parquet('{d}/perspectives.parquet')),
quarters AS (SELECT DISTINCT
               CAST(substr(period, 1, 4) AS INTEGER) * 4 + (CAST(substr(period, 6, 2) AS INTEGER) - 1) // 3 AS q
             FROM read_parquet('{d}/targets.parquet')),
joined AS (
  SELECT a.kpi_id, a.value,
         CAST(substr(a.period, 1, 4) AS INTEGER) * 12 + CAST(substr(a.period, 6, 2) AS INTEGER) - 1 AS m,
         t.target, t.red_flag, t.lower, t.upper, t.tolerance
  FROM read_parquet('{d}/actuals.parquet') a
  LEFT JOIN read_parquet('{d}/targets.parquet') t USING (kpi_id, period)),
agg AS (
  SELECT j.kpi_id, j.m // 3 AS q, count(*) AS n, any_value(k.aggregation) AS rule,
    {aggs}
  FROM joined j JOIN kpis k USING (kpi_id) GROUP BY j.kpi_id, j.m // 3),
kpi_q AS (
  SELECT k.kpi_id, k.scorecard_id, k.objective_id, k.polarity, k.weight, quarters.q, agg.actual, agg.target,
         agg.red_flag, agg.lower, agg.upper, agg.tolerance
  FROM kpis k CROSS JOIN quarters LEFT JOIN agg ON agg.kpi_id = k.kpi_id AND agg.q = quarters.q),
raw AS (
  SELECT *, CASE
      WHEN polarity = 'range' THEN CASE
        WHEN actual BETWEEN lower AND upper THEN 10 - 10 / 3 * abs(actual - (lower + upper) / 2) / ((upper - lower) / 2)
        ELSE 10 / 3 * (2 - CASE WHEN actual < lower THEN lower - actual ELSE actual - upper END / tolerance) END
      ELSE 10 / 3 * (1 + (actual - red_flag) / (target - red_flag)) END AS raw_score
  FROM kpi_q),
scored AS (  -- greatest/least skip NULLs in DuckDB, so keep missing scores missing explicitly
  SELECT * EXCLUDE (raw_score),
    CASE WHEN raw_score IS NULL THEN NULL ELSE greatest(0, least(10, raw_score)) END AS score
  FROM raw),
kpi_out AS (
  SELECT *, score - lag(score) OVER (PARTITION BY kpi_id ORDER BY q) AS change,
    CASE WHEN actual IS NULL THEN 'no data' WHEN score IS NULL THEN 'no target' WHEN score >= 20 / 3 THEN 'green'
         WHEN score >= 10 / 3 THEN 'amber' ELSE 'red' END AS status
  FROM scored),
obj AS (
  SELECT o.objective_id, o.scorecard_id, o.perspective_id, o.weight, quarters.q,
    sum(k.weight * k.score) / sum(CASE WHEN k.score IS NOT NULL THEN k.weight END) AS score,
    coalesce(sum(CASE WHEN k.score IS NOT NULL THEN k.weight END) / sum(k.weight), 0) AS coverage
  FROM objectives o CROSS JOIN quarters
  LEFT JOIN kpi_out k ON k.objective_id = o.objective_id AND k.q = quarters.q
  GROUP BY o.objective_id, o.scorecard_id, o.perspective_id, o.weight, quarters.q),
persp AS (
  SELECT p.scorecard_id, p.perspective_id, p.weight, quarters.q,
    sum(o.weight * o.score) / sum(CASE WHEN o.score IS NOT NULL THEN o.weight END) AS score,
    coalesce(sum(o.weight * o.coverage) / sum(o.weight), 0) AS coverage
  FROM perspectives p CROSS JOIN quarters
  LEFT JOIN obj o ON o.scorecard_id = p.scorecard_id AND o.perspective_id = p.perspective_id AND o.q = quarters.q
  GROUP BY p.scorecard_id, p.perspective_id, p.weight, quarters.q),
card AS (
  SELECT scorecard_id, q, sum(weight * score) / sum(CASE WHEN score IS NOT NULL THEN weight END) AS score,
    sum(weight * coverage) / sum(weight) AS coverage
  FROM persp GROUP BY scorecard_id, q)
SELECT 'kpi' AS level, kpi_id AS id, q, score, NULL AS coverage, status, change FROM kpi_out
UNION ALL SELECT 'objective', objective_id, q, score, coverage, NULL, NULL FROM obj
UNION ALL SELECT 'perspective', scorecard_id || '/' || perspective_id, q, score, coverage, NULL, NULL FROM persp
UNION ALL SELECT 'scorecard', scorecard_id, q, score, coverage, NULL, NULL FROM card
"""


def _sql(data: Path) -> str:
    def by_rule(col: str) -> str:
        return (f"CASE any_value(k.aggregation) WHEN 'sum' THEN sum({col}) WHEN 'mean' THEN avg({col}) "
                f"WHEN 'min' THEN min({col}) WHEN 'max' THEN max({col}) ELSE arg_max({col}, j.m) END AS {col}")

    aggs = ",\n    ".join(by_rule(c) for c in ("value", "target", "red_flag", "lower", "upper", "tolerance"))
    return SQL.format(d=data, aggs=aggs.replace("END AS value", "END AS actual").replace("sum(value)", "sum(j.value)"))


def run_bsc(data: Path, quarters: list[str]) -> Review:
    frames = {name: pq.read_table(data / f"{name}.parquet").to_pandas() for name in TABLES}
    return score_review(frames, quarters)


def run_duckdb(data: Path) -> pd.DataFrame:
    with duckdb.connect() as con:
        return con.execute(_sql(data)).fetch_df()


def timed(func: Callable[[], object], repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = func()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def compare(review: Review, duck: pd.DataFrame) -> float:
    """Largest absolute difference between the two engines' scores and coverages."""
    worst = 0.0
    persp = review.perspectives
    checks = [("kpi", review.kpis, review.kpis["kpi_id"]),
              ("objective", review.objectives, review.objectives["objective_id"]),
              ("perspective", persp, persp["scorecard_id"].astype(str) + "/" + persp["perspective_id"].astype(str)),
              ("scorecard", review.scorecards, review.scorecards["scorecard_id"])]
    for level, frame, ids in checks:
        ours = pd.DataFrame({"id": ids.astype(str).to_numpy(), "q": frame["period_index"].to_numpy(),
                             "score": frame["score"].to_numpy(float)})
        if level != "kpi":
            ours["coverage"] = frame["coverage"].to_numpy(float)
        theirs = duck[duck["level"] == level]
        merged = ours.merge(theirs, on=["id", "q"], suffixes=("", "_duck"), validate="one_to_one")
        if len(merged) != len(ours):
            raise AssertionError(f"{level}: {len(ours)} rows from bsc, {len(merged)} matched in DuckDB")
        for col in ["score", *(["coverage"] if level != "kpi" else [])]:
            a, b = merged[col].to_numpy(float), merged[f"{col}_duck"].to_numpy(float)
            if not np.array_equal(np.isnan(a), np.isnan(b)):
                raise AssertionError(f"{level}.{col}: missing values differ")
            both = ~np.isnan(a)
            worst = max(worst, float(np.max(np.abs(a[both] - b[both]), initial=0.0)))
        if level == "kpi":
            status = review.kpis["status"].astype(str).to_numpy()
            if not (theirs.set_index(["id", "q"]).loc[list(zip(merged["id"], merged["q"], strict=True)), "status"]
                    .to_numpy() == status[merged.index]).all():
                raise AssertionError("kpi statuses differ")
    return worst


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scorecards", type=int, default=1000)
    parser.add_argument("--kpis", type=int, default=50)
    parser.add_argument("--months", type=int, default=60)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp)
        counts = enterprise.build(data, args.scorecards, args.kpis, args.months)
        quarters = sorted({str(period_containing(first_day(parse_period(p)), "Q")) for p in
                           pd.read_parquet(data / "targets.parquet", columns=["period"])["period"].unique()})
        print(f"data: {counts['scorecards']:,} scorecards, {counts['kpis']:,} KPIs, {counts['targets']:,} targets, "
              f"{counts['actuals']:,} actuals; {len(quarters)} quarterly review periods")
        bsc_time, review = timed(lambda: run_bsc(data, quarters), args.repeat)
        duck_time, duck = timed(lambda: run_duckdb(data), args.repeat)
        assert isinstance(review, Review) and isinstance(duck, pd.DataFrame)
        diff = compare(review, duck)
        print(f"results agree: largest difference {diff:.2e} over {len(review.kpis):,} KPI-quarters, "
              f"{len(review.objectives):,} objective-, {len(review.perspectives):,} perspective- and "
              f"{len(review.scorecards):,} scorecard-quarters")
        print(f"bsc-widgets score_review : {bsc_time:6.2f} s (median of {args.repeat})")
        print(f"DuckDB one SQL query     : {duck_time:6.2f} s (median of {args.repeat}, duckdb {duckdb.__version__})")
        print(f"ratio bsc / DuckDB       : {bsc_time / duck_time:6.2f}  (goal <= 1.0)")


if __name__ == "__main__":
    main()
