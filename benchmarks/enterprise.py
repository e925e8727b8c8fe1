"""Synthetic enterprise for benchmarks: N department scorecards x K KPIs x M monthly periods.

Written as plain parquet files (one per table) so that every engine reads the same data.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from bsc_widgets.model.periods import Period, parse_period, period_at, period_index
from bsc_widgets.model.schema import TABLES

PERSPECTIVES = ("financial", "customer", "internal", "learning")


def _table(name: str, columns: dict[str, object]) -> pa.Table:
    """Arrow table in the store's schema (system columns left null)."""
    schema = TABLES[name].arrow_schema()
    n = len(next(iter(columns.values())))  # type: ignore[arg-type]
    arrays = [pa.array(columns[f.name], type=f.type) if f.name in columns else pa.nulls(n, f.type) for f in schema]
    return pa.Table.from_arrays(arrays, schema=schema)


FIRST_MONTH = parse_period("2021-01")


def build(out: Path, scorecards: int = 1000, kpis_per_card: int = 50, months: int = 60,
          objectives_per_card: int = 10, first: Period = FIRST_MONTH, seed: int = 7) -> dict[str, int]:
    """Write the enterprise to ``out``; returns row counts per table."""
    rng = np.random.default_rng(seed)
    out.mkdir(parents=True, exist_ok=True)
    cards = np.array([f"d{i:04d}" for i in range(scorecards)], dtype=object)
    last = period_at("M", period_index(first) + months - 1)
    tables: dict[str, pa.Table] = {}
    tables["scorecards"] = _table("scorecards", {
        "scorecard_id": cards, "name": [f"Department {i}" for i in range(scorecards)],
        "horizon_start": [str(first)] * scorecards, "horizon_end": [str(last)] * scorecards,
        "review_frequency": ["Q"] * scorecards})
    p_card = np.repeat(cards, len(PERSPECTIVES))
    tables["perspectives"] = _table("perspectives", {
        "scorecard_id": p_card, "perspective_id": np.tile(PERSPECTIVES, scorecards),
        "name": np.tile([p.title() for p in PERSPECTIVES], scorecards),
        "position": np.tile(np.arange(1, 5), scorecards), "weight": np.ones(len(p_card))})
    o_card = np.repeat(cards, objectives_per_card)
    o_num = np.tile(np.arange(objectives_per_card), scorecards)
    o_ids = np.char.add(o_card.astype(str), np.char.add("-o", o_num.astype(str)))
    tables["objectives"] = _table("objectives", {
        "objective_id": o_ids, "scorecard_id": o_card,
        "perspective_id": np.array(PERSPECTIVES, dtype=object)[o_num % 4],
        "title": [f"Objective {n}" for n in o_num], "weight": rng.choice([1.0, 2.0], len(o_ids))})
    n_kpi = scorecards * kpis_per_card
    k_card = np.repeat(cards, kpis_per_card)
    k_num = np.tile(np.arange(kpis_per_card), scorecards)
    k_ids = np.char.add(k_card.astype(str), np.char.add("-k", k_num.astype(str)))
    k_obj = np.char.add(k_card.astype(str), np.char.add("-o", (k_num % objectives_per_card).astype(str)))
    polarity = rng.choice(["higher", "lower", "range"], n_kpi, p=[0.7, 0.2, 0.1])
    aggregation = rng.choice(["sum", "mean", "last", "min", "max"], n_kpi)
    tables["kpis"] = _table("kpis", {
        "kpi_id": k_ids, "scorecard_id": k_card, "objective_id": k_obj, "name": k_ids, "polarity": polarity,
        "frequency": ["M"] * n_kpi, "aggregation": aggregation, "weight": rng.choice([1.0, 2.0, 3.0], n_kpi),
        "decimals": np.ones(n_kpi, dtype=np.int64)})
    periods = np.array([str(period_at("M", period_index(first) + m)) for m in range(months)], dtype=object)
    level = rng.uniform(50, 150, n_kpi)
    t_kpi, t_per = np.repeat(k_ids, months), np.tile(periods, n_kpi)
    t_pol = np.repeat(polarity, months)
    target = np.repeat(level, months)
    spread = np.repeat(level * 0.1, months)
    ranged = t_pol == "range"
    tables["targets"] = _table("targets", {
        "kpi_id": t_kpi, "period": t_per, "scorecard_id": np.repeat(k_card, months),
        "target": np.where(ranged, np.nan, target),
        "red_flag": np.where(ranged, np.nan, np.where(t_pol == "lower", target + spread, target - spread)),
        "lower": np.where(ranged, target - spread, np.nan), "upper": np.where(ranged, target + spread, np.nan),
        "tolerance": np.where(ranged, spread, np.nan)})
    value = target + rng.normal(0, 1, len(t_kpi)) * spread * 1.5
    keep = rng.random(len(t_kpi)) > 0.02  # 2 % of actuals missing
    tables["actuals"] = _table("actuals", {
        "kpi_id": t_kpi[keep], "period": t_per[keep], "scorecard_id": np.repeat(k_card, months)[keep],
        "value": value[keep]})
    for name, tbl in tables.items():
        pq.write_table(tbl, out / f"{name}.parquet")
    return {name: tbl.num_rows for name, tbl in tables.items()}
