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

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa

GREEN, AMBER = 20 / 3, 10 / 3
TYPED, NOISE, FLAT_BELOW = 0.005, 1e-9, 0.1
COLUMNS = ["level", "id", "q", "score", "coverage", "change", "status", "trend"]

# ----------------------------------------------------------------------------------------------- DuckDB
_RULES = {"sum": "sum({c}){f}", "mean": "avg({c}){f}", "min": "min({c}){f}", "max": "max({c}){f}",
          "last": "arg_max({c}, period){f}"}
_FIELDS = ("target", "red_flag", "lower", "upper", "tolerance")
_HAVE = " FILTER (WHERE value IS NOT NULL)"

_DUCK = r"""
CREATE MACRO snap(x) AS CASE WHEN abs(x - {amber}) <= {typed} THEN {amber} WHEN abs(x - {green}) <= {typed} THEN {green}
                             ELSE x END;
CREATE MACRO status_of(s, g, a) AS CASE WHEN s >= g - {noise} THEN 'green' WHEN s >= a - {noise} THEN 'amber'
                                        ELSE 'red' END;
CREATE MACRO trend_of(d) AS CASE WHEN d IS NULL THEN '' WHEN abs(d) < {flat} THEN 'flat' WHEN d > 0 THEN 'up'
                                 ELSE 'down' END;
-- A band scheme typed as 'name #colour lower; ...': its names and (raw) lower bounds as lists.
CREATE MACRO band_names(t) AS list_transform(string_split(t, ';'),
  lambda x: regexp_extract(trim(x), '^(.*\S)\s+#\S+\s+\S+$', 1));
CREATE MACRO band_lowers(t) AS list_transform(string_split(t, ';'),
  lambda x: CAST(regexp_extract(trim(x), '(\S+)$', 1) AS DOUBLE));
-- The band of a score: the highest whose (snapped) lower bound it reaches; lists shorter than 6 give NULL bounds.
CREATE MACRO band_of(s, l, n) AS CASE WHEN s IS NULL THEN ''
  WHEN s >= snap(l[6]) - {noise} THEN n[6] WHEN s >= snap(l[5]) - {noise} THEN n[5]
  WHEN s >= snap(l[4]) - {noise} THEN n[4] WHEN s >= snap(l[3]) - {noise} THEN n[3]
  WHEN s >= snap(l[2]) - {noise} THEN n[2] ELSE n[1] END;
-- A period's index at a (coarser or equal) frequency: months, quarters or years since year 0.
CREATE MACRO pidx(period, f, to_f) AS CASE f
  WHEN 'M' THEN (CAST(left(period, 4) AS INTEGER) * 12 + CAST(substr(period, 6, 2) AS INTEGER) - 1)
                // CASE to_f WHEN 'M' THEN 1 WHEN 'Q' THEN 3 ELSE 12 END
  WHEN 'Q' THEN (CAST(left(period, 4) AS INTEGER) * 4 + CAST(substr(period, 6, 1) AS INTEGER) - 1)
                // CASE to_f WHEN 'Q' THEN 1 ELSE 4 END
  ELSE CAST(left(period, 4) AS INTEGER) END;
CREATE MACRO plabel(i, f) AS CASE f WHEN 'M' THEN printf('%04d-%02d', i // 12, i % 12 + 1)
                                    WHEN 'Q' THEN printf('%dQ%d', i // 4, i % 4 + 1) ELSE CAST(i AS VARCHAR) END;
CREATE MACRO calc_of(op, v1, v2, v3) AS CASE op WHEN 'div' THEN v1 / nullif(v2, 0)
  WHEN 'pct' THEN 100 * v1 / nullif(v2, 0) WHEN 'add' THEN v1 + v2 WHEN 'sub' THEN v1 - v2 ELSE v1 + v2 + v3 END;
WITH
-- The quarter before the first is scored too (its scores give the first quarter's change).
quarters AS (SELECT range AS q FROM range({first} - 1, {last} + 1)),
cards AS (
  SELECT scorecard_id, snap(coalesce(green_from, {green})) AS g, snap(coalesce(amber_from, {amber})) AS a,
         coalesce(band_names(bands), ['red', 'amber', 'green']) AS bn,
         coalesce(band_lowers(bands), [0, coalesce(amber_from, {amber}), coalesce(green_from, {green})]) AS bl,
         missing_policy
  FROM read_parquet('{d}/scorecards.parquet')),
k AS (
  SELECT k.kpi_id, k.scorecard_id, k.objective_id, k.polarity, k.frequency, k.aggregation, k.weight, k.expression,
         k.target_rule, coalesce(band_names(k.bands), c.bn) AS bn, coalesce(band_lowers(k.bands), c.bl) AS bl,
         coalesce(nullif(trim(k.missing_policy), ''), nullif(trim(c.missing_policy), ''), 'ignore') AS policy
  FROM read_parquet('{d}/kpis.parquet') k JOIN cards c USING (scorecard_id)),
-- Calculated KPIs: the shape of each expression and its inputs, each input aggregated to the KPI's frequency by
-- the input's own rule (one GROUP BY per rule), then the expression over the inputs' values.
calc AS (
  SELECT kpi_id, frequency AS cf, target_rule = 'expression' AS by_expr,
         CASE WHEN starts_with(expression, 'sum(') THEN 'sum' WHEN starts_with(expression, '100 * ') THEN 'pct'
              WHEN contains(expression, ' / ') THEN 'div' WHEN contains(expression, ' + ') THEN 'add' ELSE 'sub' END
           AS op,
         regexp_extract_all(expression, '\[([^\]]+)\]', 1) AS ins
  FROM k WHERE expression IS NOT NULL),
calc_in AS (
  SELECT c.kpi_id AS calc, c.cf, c.by_expr, u.pos, u.input, i.frequency AS f, i.aggregation AS rule
  FROM calc c, unnest(c.ins) WITH ORDINALITY AS u(input, pos) JOIN k i ON i.kpi_id = u.input),
in_act AS (
  SELECT ci.calc, ci.pos, ci.rule, a.period, pidx(a.period, ci.f, ci.cf) AS cp, a.value
  FROM calc_in ci JOIN read_parquet('{d}/actuals.parquet') a ON a.kpi_id = ci.input WHERE a.value IS NOT NULL),
in_tgt AS (
  SELECT ci.calc, ci.pos, ci.rule, t.period, pidx(t.period, ci.f, ci.cf) AS cp, t.target, t.red_flag
  FROM calc_in ci JOIN read_parquet('{d}/targets.parquet') t ON t.kpi_id = ci.input WHERE ci.by_expr),
in_act_agg AS (
{in_act}
),
in_tgt_agg AS (
{in_tgt}
),
calc_act AS (
  SELECT x.calc AS kpi_id, plabel(x.cp, c.cf) AS period,
         calc_of(c.op, max(x.value) FILTER (WHERE x.pos = 1), max(x.value) FILTER (WHERE x.pos = 2),
                 max(x.value) FILTER (WHERE x.pos = 3)) AS value
  FROM in_act_agg x JOIN calc c ON c.kpi_id = x.calc GROUP BY x.calc, x.cp, c.cf, c.op),
calc_tgt AS (
  SELECT x.calc AS kpi_id, plabel(x.cp, c.cf) AS period,
         calc_of(c.op, max(x.target) FILTER (WHERE x.pos = 1), max(x.target) FILTER (WHERE x.pos = 2),
                 max(x.target) FILTER (WHERE x.pos = 3)) AS target,
         calc_of(c.op, max(x.red_flag) FILTER (WHERE x.pos = 1), max(x.red_flag) FILTER (WHERE x.pos = 2),
                 max(x.red_flag) FILTER (WHERE x.pos = 3)) AS red_flag
  FROM in_tgt_agg x JOIN calc c ON c.kpi_id = x.calc GROUP BY x.calc, x.cp, c.cf, c.op),
acts AS (
  SELECT kpi_id, period, value FROM read_parquet('{d}/actuals.parquet')
  WHERE value IS NOT NULL AND kpi_id NOT IN (SELECT kpi_id FROM calc)
  UNION ALL SELECT kpi_id, period, value FROM calc_act WHERE value IS NOT NULL),
tgts AS (
  SELECT kpi_id, period, target, red_flag, lower, upper, tolerance FROM read_parquet('{d}/targets.parquet')
  WHERE kpi_id NOT IN (SELECT kpi_id FROM calc WHERE by_expr)
  UNION ALL SELECT kpi_id, period, target, red_flag, NULL, NULL, NULL FROM calc_tgt
  WHERE target IS NOT NULL OR red_flag IS NOT NULL),
-- Each actual and target row (matched by period), whether the targets its polarity needs are there, its quarter.
obs AS (
  SELECT kpi_id, period, k.frequency, k.aggregation, a.value, t.target, t.red_flag, t.lower, t.upper, t.tolerance,
         CASE WHEN k.polarity = 'range' THEN t.lower IS NOT NULL AND t.upper IS NOT NULL AND t.tolerance IS NOT NULL
              ELSE t.target IS NOT NULL AND t.red_flag IS NOT NULL END AS has_target,
         CAST(left(period, 4) AS INTEGER) AS y, pidx(period, k.frequency, 'Q') AS q
  FROM acts a FULL JOIN tgts t USING (kpi_id, period) JOIN k USING (kpi_id)),
-- Monthly KPIs: actual and targets over the months with an actual; targets over all months when none has one.
monthly AS (
{monthly}
),
quarterly AS (
  SELECT kpi_id, q, value AS actual, {fields}, NULL::BOOLEAN AS complete FROM obs WHERE frequency = 'Q'),
annual_grid AS (
  SELECT k.kpi_id, quarters.q, quarters.q // 4 AS own, quarters.q % 4 = 3 AS due,
         CASE WHEN quarters.q % 4 = 3 THEN quarters.q // 4 ELSE quarters.q // 4 - 1 END AS upto
  FROM k CROSS JOIN quarters WHERE k.frequency = 'A'),
annual AS (
  SELECT x.kpi_id, x.q, CASE WHEN x.hit THEN x.value END AS actual, {annual_fields}, NULL::BOOLEAN AS complete
  FROM (SELECT g.kpi_id, g.q, g.own, x.value, x.target, x.red_flag, x.lower, x.upper, x.tolerance,
               x.y IS NOT NULL AND (NOT g.due OR x.y = g.own) AS hit
        FROM annual_grid g ASOF LEFT JOIN (SELECT * FROM obs WHERE frequency = 'A' AND value IS NOT NULL) x
          ON g.kpi_id = x.kpi_id AND x.y <= g.upto) x
  LEFT JOIN (SELECT * FROM obs WHERE frequency = 'A') o ON o.kpi_id = x.kpi_id AND o.y = x.own),
kq AS (SELECT * FROM monthly UNION ALL SELECT * FROM quarterly UNION ALL SELECT * FROM annual),
grid AS (
  SELECT k.kpi_id, k.scorecard_id, k.objective_id, k.weight, k.polarity, k.bn, k.bl, k.policy, quarters.q,
         k.frequency <> 'A' OR quarters.q % 4 = 3 AS due, kq.actual AS measured, kq.target, kq.red_flag, kq.lower,
         kq.upper, kq.tolerance, coalesce(kq.complete, TRUE) AS complete
  FROM k CROSS JOIN quarters LEFT JOIN kq ON kq.kpi_id = k.kpi_id AND kq.q = quarters.q),
-- Missing-data policies: carry_forward:N takes the latest earlier actual at most N quarters old.
filled AS (
  SELECT *, CASE WHEN due AND measured IS NULL AND policy LIKE 'carry_forward:%'
                      AND q - prev_q <= CAST(split_part(policy, ':', 2) AS INTEGER) THEN prev END AS carried
  FROM (SELECT *, last_value(measured IGNORE NULLS) OVER w AS prev,
               last_value(CASE WHEN measured IS NOT NULL THEN q END IGNORE NULLS) OVER w AS prev_q
        FROM grid WINDOW w AS (PARTITION BY kpi_id ORDER BY q ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING))),
raw AS (
  SELECT *, CASE WHEN carried IS NOT NULL THEN 'carried'
                 WHEN due AND actual IS NULL AND policy IN ('zero', 'red') THEN policy ELSE '' END AS fill,
    CASE WHEN actual IS NULL OR NOT complete THEN NULL
         WHEN polarity = 'range' THEN CASE
           WHEN lower IS NULL OR upper IS NULL OR tolerance IS NULL OR NOT (lower < upper AND tolerance > 0) THEN NULL
           WHEN actual BETWEEN lower AND upper
             THEN 10 - 10 / 3 * abs(actual - (lower + upper) / 2) / ((upper - lower) / 2)
           ELSE greatest(0, least(10, 10 / 3 * (2 - greatest(lower - actual, actual - upper) / tolerance))) END
         WHEN target IS NULL OR red_flag IS NULL OR target = red_flag THEN NULL
         ELSE greatest(0, least(10, 10 / 3 * (1 + (actual - red_flag) / (target - red_flag)))) END AS measured_score
  FROM (SELECT *, coalesce(measured, carried) AS actual FROM filled)),
scored AS (
  SELECT kpi_id, scorecard_id, objective_id, weight, q, actual, fill, bn, bl,
    CASE fill WHEN 'zero' THEN 0 WHEN 'red' THEN bl[2] / 2 ELSE measured_score END AS score
  FROM raw),
kpi_out AS (
  SELECT r.*, r.score - lag(r.score) OVER (PARTITION BY r.kpi_id ORDER BY r.q) AS change,
    CASE WHEN r.fill IN ('zero', 'red') THEN 'red' WHEN r.actual IS NULL THEN 'no data'
         WHEN r.score IS NULL THEN 'no target' ELSE status_of(r.score, c.g, c.a) END AS status
  FROM scored r JOIN cards c USING (scorecard_id)),
obj AS (
  SELECT o.objective_id, o.scorecard_id, o.perspective_id, o.weight, quarters.q,
    sum(k.weight * k.score) / sum(CASE WHEN k.score IS NOT NULL THEN k.weight END) AS score,
    coalesce(sum(CASE WHEN k.score IS NOT NULL AND k.fill = '' THEN k.weight ELSE 0 END) / sum(k.weight), 0)
      AS coverage
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
    CASE WHEN r.score IS NULL THEN 'no data' ELSE status_of(r.score, c.g, c.a) END AS status,
    band_of(r.score, c.bl, c.bn) AS band
  FROM rolled r JOIN cards c USING (scorecard_id))
SELECT 'kpi' AS level, kpi_id AS id, q, score, NULL::DOUBLE AS coverage, change, status, trend_of(change) AS trend,
       band_of(score, bl, bn) AS band, fill AS filled, actual
FROM kpi_out WHERE q >= {first}
UNION ALL SELECT level, id, q, score, coverage, change, status, trend_of(change), band, '', NULL::DOUBLE
FROM rolled_out WHERE q >= {first}
"""


def duckdb_sql(data: Path, first: int, last: int) -> str:
    """The DuckDB script (macros, then the query) for the files in ``data``."""
    def agg(rule: str, c: str, f: str = "") -> str:
        return _RULES[rule].format(c=c, f=f)

    def monthly(rule: str) -> str:
        fields = ", ".join(f"CASE WHEN count(value) > 0 THEN {agg(rule, c, _HAVE)} ELSE {agg(rule, c)} END AS {c}"
                           for c in _FIELDS)
        return (f"  SELECT kpi_id, q, {agg(rule, 'value')} AS actual, {fields},\n"
                f"         bool_and(has_target){_HAVE} AS complete\n"
                f"  FROM obs WHERE frequency = 'M' AND aggregation = '{rule}' GROUP BY kpi_id, q")

    def inputs(source: str, fields: Sequence[str]) -> str:
        return "\n  UNION ALL\n".join(
            f"  SELECT calc, pos, cp, {', '.join(f'{agg(rule, c)} AS {c}' for c in fields)}\n"
            f"  FROM {source} WHERE rule = '{rule}' GROUP BY calc, pos, cp" for rule in _RULES)

    return _DUCK.format(
        d=data, first=first, last=last, green=repr(GREEN), amber=repr(AMBER), typed=TYPED, noise=NOISE,
        flat=FLAT_BELOW, monthly="\n  UNION ALL\n".join(monthly(r) for r in _RULES),
        in_act=inputs("in_act", ["value"]), in_tgt=inputs("in_tgt", ["target", "red_flag"]),
        fields=", ".join(_FIELDS),
        annual_fields=", ".join(f"CASE WHEN x.hit THEN x.{c} ELSE o.{c} END AS {c}" for c in _FIELDS))


def run_duckdb(data: Path, first: int, last: int) -> pa.Table:
    """Scores, coverage, change, statuses, trends, bands and fills computed by DuckDB, fetched as Arrow."""
    import duckdb

    *macros, query = [s for s in duckdb_sql(data, first, last).split(";\n") if s.strip()]
    with duckdb.connect() as con:
        for macro in macros:
            con.execute(macro)
        return con.sql(query).to_arrow_table()


# ----------------------------------------------------------------------------------------------- polars
def run_polars(data: Path, first: int, last: int) -> pa.Table:
    """The same computation as a polars lazy query (scan_parquet, one group_by per rule), as Arrow."""
    import polars as pl

    col, lit = pl.col, pl.lit

    def snap(x: pl.Expr) -> pl.Expr:
        return pl.when((x - AMBER).abs() <= TYPED).then(lit(AMBER)).when((x - GREEN).abs() <= TYPED).then(
            lit(GREEN)).otherwise(x)

    def status_of(s: pl.Expr) -> pl.Expr:
        return (pl.when(s >= col("g") - NOISE).then(lit("green")).when(s >= col("a") - NOISE).then(lit("amber"))
                .otherwise(lit("red")))

    def trend_of(d: pl.Expr) -> pl.Expr:
        return (pl.when(d.is_null()).then(lit("")).when(d.abs() < FLAT_BELOW).then(lit("flat"))
                .when(d > 0).then(lit("up")).otherwise(lit("down")))

    def band_names(t: pl.Expr) -> pl.Expr:
        return t.str.split(";").list.eval(pl.element().str.strip_chars().str.extract(r"^(.*\S)\s+#\S+\s+\S+$", 1))

    def band_lowers(t: pl.Expr) -> pl.Expr:
        return t.str.split(";").list.eval(pl.element().str.strip_chars().str.extract(r"(\S+)$", 1)
                                          .cast(pl.Float64))

    def band_of(s: pl.Expr) -> pl.Expr:
        """The highest band whose (snapped) lower bound the score reaches ("" without a score)."""
        expr: Any = pl.when(s.is_null()).then(lit(""))
        for i in range(5, 0, -1):
            expr = expr.when(s >= snap(col("bl").list.get(i, null_on_oob=True)) - NOISE).then(
                col("bn").list.get(i, null_on_oob=True))
        return expr.otherwise(col("bn").list.get(0))

    def pidx(period: pl.Expr, f: pl.Expr, to_f: pl.Expr) -> pl.Expr:
        """A period's index at a coarser or equal frequency (months, quarters or years since year 0)."""
        y = period.str.slice(0, 4).cast(pl.Int64)
        month = y * 12 + period.str.slice(5, 2).cast(pl.Int64, strict=False) - 1
        quarter = y * 4 + period.str.slice(5, 1).cast(pl.Int64, strict=False) - 1
        return (pl.when(f == "M").then(month // pl.when(to_f == "M").then(1).when(to_f == "Q").then(3).otherwise(12))
                .when(f == "Q").then(quarter // pl.when(to_f == "Q").then(1).otherwise(4)).otherwise(y))

    def plabel(i: pl.Expr, f: pl.Expr) -> pl.Expr:
        return (pl.when(f == "M").then(pl.format("{}-{}", i // 12, (i % 12 + 1).cast(pl.String).str.zfill(2)))
                .when(f == "Q").then(pl.format("{}Q{}", i // 4, i % 4 + 1)).otherwise(i.cast(pl.String)))

    def calc_of(v: list[pl.Expr]) -> pl.Expr:
        ratio = pl.when(v[1] == 0).then(None).otherwise(v[0] / v[1])
        return (pl.when(col("op") == "div").then(ratio)
                .when(col("op") == "pct").then(pl.when(v[1] == 0).then(None).otherwise(100 * v[0] / v[1]))
                .when(col("op") == "add").then(v[0] + v[1]).when(col("op") == "sub").then(v[0] - v[1])
                .otherwise(v[0] + v[1] + v[2]))

    rules = {"sum": lambda e: pl.when(e.count() > 0).then(e.sum()), "mean": lambda e: e.mean(),
             "min": lambda e: e.min(), "max": lambda e: e.max(), "last": lambda e: e.drop_nulls().last()}

    def per_rule(frame: pl.LazyFrame, rule_col: str, keys: list[str], aggs: Callable[[Callable[[pl.Expr], pl.Expr]],
                 list[pl.Expr]]) -> pl.LazyFrame:
        """One group_by per aggregation rule ('last' over rows sorted by period), concatenated."""
        parts = []
        for rule, agg in rules.items():
            mine = frame.filter(col(rule_col) == rule)
            if rule == "last":
                mine = mine.sort("period")
            parts.append(mine.group_by(keys).agg(aggs(agg)))
        return pl.concat(parts)

    cards = pl.scan_parquet(data / "scorecards.parquet").select(
        "scorecard_id", snap(col("green_from").fill_null(GREEN)).alias("g"),
        snap(col("amber_from").fill_null(AMBER)).alias("a"),
        pl.when(col("bands").is_null()).then(pl.concat_list(lit("red"), lit("amber"), lit("green")))
        .otherwise(band_names(col("bands"))).alias("bn"),
        pl.when(col("bands").is_null()).then(pl.concat_list(lit(0.0), col("amber_from").fill_null(AMBER),
                                                             col("green_from").fill_null(GREEN)))
        .otherwise(band_lowers(col("bands"))).alias("bl"),
        col("missing_policy").alias("card_policy"))
    k = (pl.scan_parquet(data / "kpis.parquet")
         .select("kpi_id", "scorecard_id", "objective_id", "polarity", "frequency", "aggregation", "weight",
                 "expression", "target_rule", col("bands").alias("own_bands"), "missing_policy")
         .join(cards.select("scorecard_id", "bn", "bl", "card_policy"), on="scorecard_id")
         .with_columns(bn=pl.when(col("own_bands").is_null()).then(col("bn")).otherwise(band_names(col("own_bands"))),
                       bl=pl.when(col("own_bands").is_null()).then(col("bl"))
                       .otherwise(band_lowers(col("own_bands"))),
                       policy=pl.coalesce(col("missing_policy"), col("card_policy"), lit("ignore")))
         .collect().lazy())  # used by many branches below: computed once
    quarters = pl.LazyFrame({"q": pl.int_range(first - 1, last + 1, eager=True).cast(pl.Int64)})
    fields = ["target", "red_flag", "lower", "upper", "tolerance"]
    actuals = pl.scan_parquet(data / "actuals.parquet").select("kpi_id", "period", "value")
    targets = pl.scan_parquet(data / "targets.parquet").select("kpi_id", "period", *fields)

    # Calculated KPIs: each input aggregated to the KPI's frequency by its own rule, then the expression.
    ex = col("expression")
    calc = k.filter(ex.is_not_null()).select(
        "kpi_id", col("frequency").alias("cf"), (col("target_rule") == "expression").alias("by_expr"),
        pl.when(ex.str.starts_with("sum(")).then(lit("sum")).when(ex.str.starts_with("100 * ")).then(lit("pct"))
        .when(ex.str.contains(" / ", literal=True)).then(lit("div"))
        .when(ex.str.contains(" + ", literal=True)).then(lit("add")).otherwise(lit("sub")).alias("op"),
        ex.str.extract_all(r"\[[^\]]+\]").list.eval(pl.element().str.strip_chars("[]")).alias("input"))
    calc_in = (calc.with_columns(pos=pl.int_ranges(1, col("input").list.len() + 1)).explode("input", "pos")
               .join(k.select(col("kpi_id").alias("input"), col("frequency").alias("f"),
                              col("aggregation").alias("rule")), on="input")
               .select(col("kpi_id").alias("calc"), "cf", "by_expr", "pos", "input", "f", "rule"))

    def computed(rows: pl.LazyFrame, names: list[str]) -> pl.LazyFrame:
        joined = (calc_in.join(rows, left_on="input", right_on="kpi_id")
                  .with_columns(cp=pidx(col("period"), col("f"), col("cf"))))
        agg = per_rule(joined, "rule", ["calc", "pos", "cp"], lambda a: [a(col(c)).alias(c) for c in names])
        wide = agg.group_by("calc", "cp").agg(
            *(col(c).filter(col("pos") == i).first().alias(f"{c}{i}") for c in names for i in (1, 2, 3)))
        return (wide.join(calc.select(col("kpi_id").alias("calc"), "cf", "op"), on="calc")
                .select(col("calc").alias("kpi_id"), plabel(col("cp"), col("cf")).alias("period"),
                        *(calc_of([col(f"{c}{i}") for i in (1, 2, 3)]).alias(c) for c in names)))

    calc_act = computed(actuals.filter(col("value").is_not_null()), ["value"])
    calc_tgt = computed(targets.select("kpi_id", "period", "target", "red_flag"), ["target", "red_flag"])
    calc_tgt = calc_tgt.join(calc.filter(col("by_expr")).select("kpi_id"), on="kpi_id", how="semi")
    acts = pl.concat([actuals.filter(col("value").is_not_null()).join(calc.select("kpi_id"), on="kpi_id", how="anti"),
                      calc_act.filter(col("value").is_not_null())])
    tgts = pl.concat([targets.join(calc.filter(col("by_expr")).select("kpi_id"), on="kpi_id", how="anti"),
                      calc_tgt.filter(col("target").is_not_null() | col("red_flag").is_not_null())
                      .with_columns(lower=lit(None, pl.Float64), upper=lit(None, pl.Float64),
                                    tolerance=lit(None, pl.Float64))])
    year = col("period").str.slice(0, 4).cast(pl.Int64)
    obs = (acts.join(tgts, on=["kpi_id", "period"], how="full", coalesce=True)
           .join(k.select("kpi_id", "polarity", "frequency", "aggregation"), on="kpi_id")
           .with_columns(
               has_target=pl.when(col("polarity") == "range")
               .then(col("lower").is_not_null() & col("upper").is_not_null() & col("tolerance").is_not_null())
               .otherwise(col("target").is_not_null() & col("red_flag").is_not_null()),
               y=year, q=pidx(col("period"), col("frequency"), lit("Q")))
           .collect().lazy())
    kq_cols = ["kpi_id", "q", "actual", *fields, "complete"]
    have = col("value").is_not_null()
    monthly = per_rule(obs.filter(col("frequency") == "M"), "aggregation", ["kpi_id", "q"], lambda a: [
        a(col("value")).alias("actual"),
        *(pl.when(have.sum() > 0).then(a(col(c).filter(have))).otherwise(a(col(c))).alias(c) for c in fields),
        col("has_target").filter(have).all().alias("complete")])
    quarterly = obs.filter(col("frequency") == "Q").select(
        "kpi_id", "q", col("value").alias("actual"), *fields, lit(None, pl.Boolean).alias("complete"))
    grid_a = (k.filter(col("frequency") == "A").select("kpi_id").join(quarters, how="cross")
              .with_columns(own=col("q") // 4, due=col("q") % 4 == 3)
              .with_columns(upto=pl.when(col("due")).then(col("own")).otherwise(col("own") - 1)).sort("upto"))
    annual = (grid_a.join_asof(obs.filter((col("frequency") == "A") & have)
                               .select("kpi_id", "y", "value", *fields).sort("y"),
                               left_on="upto", right_on="y", by="kpi_id", strategy="backward",
                               check_sortedness=False)
              .with_columns(hit=col("y").is_not_null() & (~col("due") | (col("y") == col("own"))))
              .join(obs.filter(col("frequency") == "A").select("kpi_id", col("y").alias("own"),
                                                               *(col(c).alias(f"own_{c}") for c in fields)),
                    on=["kpi_id", "own"], how="left")
              .select("kpi_id", "q", pl.when(col("hit")).then(col("value")).alias("actual"),
                      *(pl.when(col("hit")).then(col(c)).otherwise(col(f"own_{c}")).alias(c) for c in fields),
                      lit(None, pl.Boolean).alias("complete")))
    kq = pl.concat([monthly.select(kq_cols), quarterly.select(kq_cols), annual.select(kq_cols)]).collect().lazy()
    a_, lo, up, w, t, r = (col(c) for c in ("actual", "lower", "upper", "tolerance", "target", "red_flag"))
    range_score = (pl.when(lo.is_null() | up.is_null() | w.is_null() | ~((lo < up) & (w > 0))).then(None)
                   .when((a_ >= lo) & (a_ <= up)).then(10 - 10 / 3 * (a_ - (lo + up) / 2).abs() / ((up - lo) / 2))
                   .otherwise((10 / 3 * (2 - pl.max_horizontal(lo - a_, a_ - up) / w)).clip(0.0, 10.0)))
    measured_score = (pl.when(a_.is_null() | ~col("complete")).then(None)
                      .when(col("polarity") == "range").then(range_score)
                      .when(t.is_null() | r.is_null() | (t == r)).then(None)
                      .otherwise((10 / 3 * (1 + (a_ - r) / (t - r))).clip(0.0, 10.0)))
    policy = col("policy")
    carry_n = pl.when(policy.str.starts_with("carry_forward:")).then(
        policy.str.split(":").list.get(1).cast(pl.Int64, strict=False))
    kpi_out = (k.join(quarters, how="cross").join(kq, on=["kpi_id", "q"], how="left")
               .with_columns(complete=col("complete").fill_null(True), measured=col("actual"),
                             due=(col("frequency") != "A") | (col("q") % 4 == 3))
               .sort("kpi_id", "q")
               # Missing-data policies: carry_forward:N takes the latest earlier actual at most N quarters old.
               .with_columns(prev=col("measured").shift(1).forward_fill().over("kpi_id"),
                             prev_q=pl.when(col("measured").is_not_null()).then(col("q")).shift(1).forward_fill()
                             .over("kpi_id"))
               .with_columns(carried=pl.when(col("due") & col("measured").is_null()
                                             & (col("q") - col("prev_q") <= carry_n)).then(col("prev")))
               .with_columns(actual=pl.coalesce(col("measured"), col("carried")))
               .with_columns(fill=pl.when(col("carried").is_not_null()).then(lit("carried"))
                             .when(col("due") & col("actual").is_null() & policy.is_in(["zero", "red"]))
                             .then(policy).otherwise(lit("")))
               .with_columns(score=pl.when(col("fill") == "zero").then(lit(0.0))
                             .when(col("fill") == "red").then(col("bl").list.get(1) / 2).otherwise(measured_score))
               .with_columns(change=col("score") - col("score").shift(1).over("kpi_id"))  # rows still sorted
               .join(cards.select("scorecard_id", "g", "a"), on="scorecard_id")
               .with_columns(status=pl.when(col("fill").is_in(["zero", "red"])).then(lit("red"))
                             .when(a_.is_null()).then(lit("no data"))
                             .when(col("score").is_null()).then(lit("no target")).otherwise(status_of(col("score"))))
               .collect().lazy())

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
    obj = rollup(kpi_out.select("objective_id", "q", "score", "weight", "fill"), objs, ["objective_id"],
                 pl.when(col("score").is_not_null() & (col("fill") == "")).then(col("weight")).otherwise(0.0))
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
                                .otherwise(status_of(col("score"))), band=band_of(col("score"))))
    out = pl.concat([
        kpi_out.filter(col("q") >= first).select(
            lit("kpi").alias("level"), col("kpi_id").alias("id"), "q", "score",
            lit(None, dtype=pl.Float64).alias("coverage"), "change", "status", band_of(col("score")).alias("band"),
            col("fill").alias("filled"), "actual"),
        rolled_out.filter(col("q") >= first).select(
            "level", "id", "q", "score", "coverage", "change", "status", "band", lit("").alias("filled"),
            lit(None, dtype=pl.Float64).alias("actual"))])
    return out.with_columns(trend=trend_of(col("change"))).collect().to_arrow()
