"""The scoring computation written as an expert DuckDB user and an expert polars user would write it.

Both peers read the parquet files that :mod:`enterprise` writes and compute, for every
quarterly review period from ``first`` to ``last`` (quarter indices, year * 4 + quarter - 1),
what bsc-widgets' ``score_review`` computes apart from forecasts and cascades:

- KPI results: monthly KPIs aggregated over the months of the quarter that have an actual,
  each by its own rule (sum / mean / last / min / max; one GROUP BY per rule, joined by UNION
  ALL), targets by the same rule over the same months, and no target when one of those months
  lacks its target (bsc's "incomplete targets"); quarterly KPIs as they are; annual KPIs due in
  the fourth quarter and showing their latest earlier actual in the other quarters (an as-of
  join); the 0-10 score, the status against the scorecard's thresholds (typed 6.67 / 3.33 read
  as 20/3 / 10/3), the change against the previous quarter and the trend;
- objective, perspective and scorecard roll-ups: weighted means of the scored children with
  coverage, status, change and trend.

Each returns one Arrow table with the columns ``level, id, q, score, coverage, change, status,
trend`` (``id`` of a perspective is ``scorecard_id/perspective_id``).
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa

GREEN, AMBER = 20 / 3, 10 / 3
TYPED, NOISE, FLAT_BELOW = 0.005, 1e-9, 0.1
COLUMNS = ["level", "id", "q", "score", "coverage", "change", "status", "trend"]

# ----------------------------------------------------------------------------------------------- DuckDB
_RULES = {"sum": "sum({c})", "mean": "avg({c})", "min": "min({c})", "max": "max({c})",
          "last": "arg_max({c}, period)"}
_FIELDS = ("value", "target", "red_flag", "lower", "upper", "tolerance")

_DUCK = """
CREATE MACRO snap(x, dflt) AS CASE WHEN x IS NULL THEN dflt WHEN abs(x - {amber}) <= {typed} THEN {amber}
                                  WHEN abs(x - {green}) <= {typed} THEN {green} ELSE x END;
CREATE MACRO status_of(s, g, a) AS CASE WHEN s >= g - {noise} THEN 'green' WHEN s >= a - {noise} THEN 'amber'
                                        ELSE 'red' END;
CREATE MACRO trend_of(d) AS CASE WHEN d IS NULL THEN '' WHEN abs(d) < {flat} THEN 'flat' WHEN d > 0 THEN 'up'
                                 ELSE 'down' END;
WITH
quarters AS (SELECT range AS q FROM range({first}, {last} + 1)),
cards AS (SELECT scorecard_id, snap(green_from, {green}) AS g, snap(amber_from, {amber}) AS a
          FROM read_parquet('{d}/scorecards.parquet')),
k AS (SELECT kpi_id, scorecard_id, objective_id, polarity, frequency, aggregation, weight
      FROM read_parquet('{d}/kpis.parquet')),
-- Each actual with its period's targets, whether the targets its polarity needs are there, and its quarter.
obs AS (
  SELECT a.kpi_id, a.period, k.frequency, k.aggregation, a.value, t.target, t.red_flag, t.lower, t.upper,
         t.tolerance,
         CASE WHEN k.polarity = 'range' THEN t.lower IS NOT NULL AND t.upper IS NOT NULL AND t.tolerance IS NOT NULL
              ELSE t.target IS NOT NULL AND t.red_flag IS NOT NULL END AS has_target,
         CAST(left(a.period, 4) AS INTEGER) AS y,
         CASE k.frequency WHEN 'M' THEN y * 4 + (CAST(substr(a.period, 6, 2) AS INTEGER) - 1) // 3
                          WHEN 'Q' THEN y * 4 + CAST(substr(a.period, 6, 1) AS INTEGER) - 1 END AS q
  FROM read_parquet('{d}/actuals.parquet') a
  JOIN k USING (kpi_id)
  LEFT JOIN read_parquet('{d}/targets.parquet') t USING (kpi_id, period)
  WHERE a.value IS NOT NULL),
monthly AS (
{monthly}
),
quarterly AS (
  SELECT kpi_id, q, value AS actual, target, red_flag, lower, upper, tolerance, has_target
  FROM obs WHERE frequency = 'Q'),
annual_grid AS (
  SELECT k.kpi_id, quarters.q, quarters.q // 4 AS own, quarters.q % 4 = 3 AS due,
         CASE WHEN quarters.q % 4 = 3 THEN quarters.q // 4 ELSE quarters.q // 4 - 1 END AS upto
  FROM k CROSS JOIN quarters WHERE k.frequency = 'A'),
annual AS (
  SELECT g.kpi_id, g.q, x.value AS actual, x.target, x.red_flag, x.lower, x.upper, x.tolerance, x.has_target
  FROM annual_grid g ASOF LEFT JOIN (SELECT * FROM obs WHERE frequency = 'A') x
    ON g.kpi_id = x.kpi_id AND x.y <= g.upto
  WHERE NOT g.due OR x.y = g.own),
kq AS (SELECT * FROM monthly UNION ALL SELECT * FROM quarterly UNION ALL SELECT * FROM annual),
raw AS (
  SELECT k.kpi_id, k.scorecard_id, k.objective_id, k.weight, quarters.q, kq.actual,
    CASE WHEN kq.actual IS NULL OR NOT kq.has_target THEN NULL
         WHEN k.polarity = 'range' THEN CASE
           WHEN NOT (kq.lower < kq.upper AND kq.tolerance > 0) THEN NULL
           WHEN kq.actual BETWEEN kq.lower AND kq.upper
             THEN 10 - 10 / 3 * abs(kq.actual - (kq.lower + kq.upper) / 2) / ((kq.upper - kq.lower) / 2)
           ELSE greatest(0, least(10, 10 / 3 * (2 - greatest(kq.lower - kq.actual, kq.actual - kq.upper)
                                                     / kq.tolerance))) END
         WHEN kq.target = kq.red_flag THEN NULL
         ELSE greatest(0, least(10, 10 / 3 * (1 + (kq.actual - kq.red_flag) / (kq.target - kq.red_flag)))) END
      AS score
  FROM k CROSS JOIN quarters LEFT JOIN kq ON kq.kpi_id = k.kpi_id AND kq.q = quarters.q),
kpi_out AS (
  SELECT r.*, r.score - lag(r.score) OVER (PARTITION BY r.kpi_id ORDER BY r.q) AS change,
    CASE WHEN r.actual IS NULL THEN 'no data' WHEN r.score IS NULL THEN 'no target'
         ELSE status_of(r.score, c.g, c.a) END AS status
  FROM raw r JOIN cards c USING (scorecard_id)),
obj AS (
  SELECT o.objective_id, o.scorecard_id, o.perspective_id, o.weight, quarters.q,
    sum(k.weight * k.score) / sum(CASE WHEN k.score IS NOT NULL THEN k.weight END) AS score,
    coalesce(sum(CASE WHEN k.score IS NOT NULL THEN k.weight ELSE 0 END) / sum(k.weight), 0) AS coverage
  FROM read_parquet('{d}/objectives.parquet') o CROSS JOIN quarters
  LEFT JOIN kpi_out k ON k.objective_id = o.objective_id AND k.q = quarters.q
  GROUP BY ALL),
persp AS (
  SELECT p.scorecard_id, p.perspective_id, p.weight, quarters.q,
    sum(o.weight * o.score) / sum(CASE WHEN o.score IS NOT NULL THEN o.weight END) AS score,
    coalesce(sum(o.weight * o.coverage) / sum(o.weight), 0) AS coverage
  FROM read_parquet('{d}/perspectives.parquet') p CROSS JOIN quarters
  LEFT JOIN obj o ON o.scorecard_id = p.scorecard_id AND o.perspective_id = p.perspective_id AND o.q = quarters.q
  GROUP BY ALL),
card AS (
  SELECT scorecard_id, q, sum(weight * score) / sum(CASE WHEN score IS NOT NULL THEN weight END) AS score,
    coalesce(sum(weight * coverage) / sum(weight), 0) AS coverage
  FROM persp GROUP BY ALL),
rolled AS (
  SELECT 'objective' AS level, objective_id AS id, scorecard_id, q, score, coverage FROM obj
  UNION ALL SELECT 'perspective', scorecard_id || '/' || perspective_id, scorecard_id, q, score, coverage FROM persp
  UNION ALL SELECT 'scorecard', scorecard_id, scorecard_id, q, score, coverage FROM card),
rolled_out AS (
  SELECT r.level, r.id, r.q, r.score, r.coverage,
    r.score - lag(r.score) OVER (PARTITION BY r.level, r.id ORDER BY r.q) AS change,
    CASE WHEN r.score IS NULL THEN 'no data' ELSE status_of(r.score, c.g, c.a) END AS status
  FROM rolled r JOIN cards c USING (scorecard_id))
SELECT 'kpi' AS level, kpi_id AS id, q, score, NULL::DOUBLE AS coverage, change, status, trend_of(change) AS trend
FROM kpi_out
UNION ALL SELECT level, id, q, score, coverage, change, status, trend_of(change) FROM rolled_out
"""


def duckdb_sql(data: Path, first: int, last: int) -> str:
    """The DuckDB script (macros, then the query) for the files in ``data``."""
    def per_rule(rule: str) -> str:
        aggs = ", ".join(f"{_RULES[rule].format(c=c)} AS {'actual' if c == 'value' else c}" for c in _FIELDS)
        return (f"  SELECT kpi_id, q, {aggs}, bool_and(has_target) AS has_target\n"
                f"  FROM obs WHERE frequency = 'M' AND aggregation = '{rule}' GROUP BY kpi_id, q")

    monthly = "\n  UNION ALL\n".join(per_rule(r) for r in _RULES)
    return _DUCK.format(d=data, first=first, last=last, monthly=monthly, green=repr(GREEN), amber=repr(AMBER),
                        typed=TYPED, noise=NOISE, flat=FLAT_BELOW)


def run_duckdb(data: Path, first: int, last: int) -> pa.Table:
    """Scores, coverage, change, statuses and trends computed by DuckDB, fetched as Arrow."""
    import duckdb

    *macros, query = [s for s in duckdb_sql(data, first, last).split(";") if s.strip()]
    with duckdb.connect() as con:
        for macro in macros:
            con.execute(macro)
        return con.sql(query).to_arrow_table()


# ----------------------------------------------------------------------------------------------- polars
def run_polars(data: Path, first: int, last: int) -> pa.Table:
    """The same computation as a polars lazy query (scan_parquet, one group_by per rule), as Arrow."""
    import polars as pl

    col, lit = pl.col, pl.lit

    def snap(x: pl.Expr, default: float) -> pl.Expr:
        return (pl.when(x.is_null()).then(lit(default)).when((x - AMBER).abs() <= TYPED).then(lit(AMBER))
                .when((x - GREEN).abs() <= TYPED).then(lit(GREEN)).otherwise(x))

    def status_of(s: pl.Expr) -> pl.Expr:
        return (pl.when(s >= col("g") - NOISE).then(lit("green")).when(s >= col("a") - NOISE).then(lit("amber"))
                .otherwise(lit("red")))

    def trend_of(d: pl.Expr) -> pl.Expr:
        return (pl.when(d.is_null()).then(lit("")).when(d.abs() < FLAT_BELOW).then(lit("flat"))
                .when(d > 0).then(lit("up")).otherwise(lit("down")))

    def clip(x: pl.Expr) -> pl.Expr:
        return x.clip(0.0, 10.0)

    cards = pl.scan_parquet(data / "scorecards.parquet").select(
        "scorecard_id", snap(col("green_from"), GREEN).alias("g"), snap(col("amber_from"), AMBER).alias("a"))
    k = pl.scan_parquet(data / "kpis.parquet").select(
        "kpi_id", "scorecard_id", "objective_id", "polarity", "frequency", "aggregation", "weight")
    quarters = pl.LazyFrame({"q": pl.int_range(first, last + 1, eager=True).cast(pl.Int64)})
    fields = ["target", "red_flag", "lower", "upper", "tolerance"]
    year = col("period").str.slice(0, 4).cast(pl.Int64)
    at = (pl.scan_parquet(data / "actuals.parquet").select("kpi_id", "period", "value")
          .filter(col("value").is_not_null())
          .join(k.select("kpi_id", "polarity", "frequency", "aggregation"), on="kpi_id")
          .join(pl.scan_parquet(data / "targets.parquet").select("kpi_id", "period", *fields),
                on=["kpi_id", "period"], how="left")
          .with_columns(
              has_target=pl.when(col("polarity") == "range")
              .then(col("lower").is_not_null() & col("upper").is_not_null() & col("tolerance").is_not_null())
              .otherwise(col("target").is_not_null() & col("red_flag").is_not_null()),
              y=year,
              q=pl.when(col("frequency") == "M")
              .then(year * 4 + (col("period").str.slice(5, 2).cast(pl.Int64) - 1) // 3)
              .when(col("frequency") == "Q").then(year * 4 + col("period").str.slice(5, 1).cast(pl.Int64) - 1)))
    kq_cols = ["kpi_id", "q", "actual", *fields, "has_target"]
    # "last": the rows sorted by period first (group_by keeps the order of rows within a group).
    rules = {"sum": lambda c: col(c).sum(), "mean": lambda c: col(c).mean(), "min": lambda c: col(c).min(),
             "max": lambda c: col(c).max(), "last": lambda c: col(c).last()}
    by_rule = {rule: at.filter((col("frequency") == "M") & (col("aggregation") == rule)) for rule in rules}
    by_rule["last"] = by_rule["last"].sort("period")
    monthly = [by_rule[rule].group_by("kpi_id", "q")
               .agg(agg("value").alias("actual"), *(agg(f).alias(f) for f in fields), col("has_target").all())
               for rule, agg in rules.items()]
    quarterly = at.filter(col("frequency") == "Q").select(col("value").alias("actual"), "kpi_id", "q", *fields,
                                                          "has_target")
    grid = (k.filter(col("frequency") == "A").select("kpi_id").join(quarters, how="cross")
            .with_columns(own=col("q") // 4, due=col("q") % 4 == 3)
            .with_columns(upto=pl.when(col("due")).then(col("own")).otherwise(col("own") - 1)).sort("upto"))
    annual = (grid.join_asof(at.filter(col("frequency") == "A").select("kpi_id", "y", "value", *fields,
                                                                       "has_target").sort("y"),
                             left_on="upto", right_on="y", by="kpi_id", strategy="backward", check_sortedness=False)
              .filter(~col("due") | (col("y") == col("own"))).rename({"value": "actual"}))
    kq = pl.concat([m.select(kq_cols) for m in monthly] + [quarterly.select(kq_cols), annual.select(kq_cols)])
    a_, lo, up, w, t, r = (col(c) for c in ("actual", "lower", "upper", "tolerance", "target", "red_flag"))
    range_score = (pl.when(~((lo < up) & (w > 0))).then(None)
                   .when((a_ >= lo) & (a_ <= up)).then(10 - 10 / 3 * (a_ - (lo + up) / 2).abs() / ((up - lo) / 2))
                   .otherwise(clip(10 / 3 * (2 - pl.max_horizontal(lo - a_, a_ - up) / w))))
    score = (pl.when(a_.is_null() | ~col("has_target").fill_null(False)).then(None)
             .when(col("polarity") == "range").then(range_score)
             .when(t == r).then(None)
             .otherwise(clip(10 / 3 * (1 + (a_ - r) / (t - r)))))
    kpi_out = (k.join(quarters, how="cross").join(kq, on=["kpi_id", "q"], how="left")
               .with_columns(score=score).join(cards, on="scorecard_id")
               .sort("kpi_id", "q")
               .with_columns(change=col("score") - col("score").shift(1).over("kpi_id"),
                             status=pl.when(a_.is_null()).then(lit("no data"))
                             .when(col("score").is_null()).then(lit("no target")).otherwise(status_of(col("score")))))

    def rollup(children: pl.LazyFrame, parents: pl.LazyFrame, keys: list[str], coverage: pl.Expr) -> pl.LazyFrame:
        scored_w = pl.when(col("score").is_not_null()).then(col("weight"))
        rolled = (children.group_by(*keys, "q")
                  .agg(score=(col("weight") * col("score")).sum() / scored_w.sum(),
                       coverage=(coverage.sum() / col("weight").sum())))
        return (parents.join(quarters, how="cross").join(rolled, on=[*keys, "q"], how="left")
                .with_columns(score=pl.when(col("score").is_finite()).then(col("score")),
                              coverage=col("coverage").fill_null(0.0).fill_nan(0.0)))

    objs = pl.scan_parquet(data / "objectives.parquet").select("objective_id", "scorecard_id", "perspective_id",
                                                               "weight")
    obj = rollup(kpi_out.select("objective_id", "q", "score", "weight"), objs, ["objective_id"],
                 pl.when(col("score").is_not_null()).then(col("weight")).otherwise(0.0))
    persps = pl.scan_parquet(data / "perspectives.parquet").select("scorecard_id", "perspective_id", "weight")
    persp = rollup(obj.select("scorecard_id", "perspective_id", "q", "score", "weight", "coverage"), persps,
                   ["scorecard_id", "perspective_id"], col("weight") * col("coverage"))
    card = rollup(persp.select("scorecard_id", "q", "score", "weight", "coverage"),
                  cards.select("scorecard_id"), ["scorecard_id"], col("weight") * col("coverage"))
    rolled = pl.concat([
        obj.select(lit("objective").alias("level"), col("objective_id").alias("id"), "scorecard_id", "q", "score",
                   "coverage"),
        persp.select(lit("perspective").alias("level"),
                     pl.concat_str("scorecard_id", "perspective_id", separator="/").alias("id"), "scorecard_id", "q",
                     "score", "coverage"),
        card.select(lit("scorecard").alias("level"), col("scorecard_id").alias("id"), "scorecard_id", "q", "score",
                    "coverage")])
    rolled_out = (rolled.join(cards, on="scorecard_id").sort("level", "id", "q")
                  .with_columns(change=col("score") - col("score").shift(1).over("level", "id"))
                  .with_columns(status=pl.when(col("score").is_null()).then(lit("no data"))
                                .otherwise(status_of(col("score")))))
    out = pl.concat([
        kpi_out.select(lit("kpi").alias("level"), col("kpi_id").alias("id"), "q", "score",
                       lit(None, dtype=pl.Float64).alias("coverage"), "change", "status"),
        rolled_out.select("level", "id", "q", "score", "coverage", "change", "status")])
    return out.with_columns(trend=trend_of(col("change"))).collect().to_arrow()
