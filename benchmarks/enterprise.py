"""Synthetic enterprises for benchmarks, written as plain parquet files (one per table) so that every
engine reads the same data.

- :func:`build`: N department scorecards x K KPIs x M monthly periods, a perfectly regular plan.
- :func:`build_varied`: an irregular plan — a department cascade, scorecards with different numbers
  of objectives and KPIs (some objectives and perspectives without any), monthly, quarterly and
  annual KPIs with every aggregation rule, targets that change every period (some missing,
  some incomplete), missing actuals and KPIs that start late or never report, and scorecards
  with their own colour thresholds; with ``features`` (the default) also calculated KPIs,
  missing-data policies and colour-band schemes (:func:`_features`).
"""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from bsc_widgets.model.periods import Period, parse_period, period_at, period_index
from bsc_widgets.model.schema import TABLES

PERSPECTIVES = ("financial", "customer", "internal", "learning")


def _table(name: str, columns: dict[str, object], nan_is_null: bool = False) -> pa.Table:
    """Arrow table in the store's schema (system columns left null; NaN written as null with ``nan_is_null``)."""
    schema = TABLES[name].arrow_schema()
    n = len(next(iter(columns.values())))  # type: ignore[arg-type]
    arrays = [pa.array(columns[f.name], type=f.type, from_pandas=nan_is_null) if f.name in columns
              else pa.nulls(n, f.type) for f in schema]
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


SEASONAL_FIRST = parse_period("2022-01")


def seasonal_frames(kpis: int = 40, months: int = 48, first: Period = SEASONAL_FIRST,
                    seed: int = 11) -> dict[str, pd.DataFrame]:
    """A scorecard of ``kpis`` monthly KPIs with seasons, trends that drift and plans that miss, as frames.

    Each KPI: a level (50-150) growing by about 0.3 % a month (KPI to KPI ± 0.4 %), a random
    walk (up to 1 % of the level a month), noise (1-5 %) and, for three KPIs in four, a
    season of 5-30 % of the level (two harmonics, random phases).  Its monthly target is the
    plan: the level at a planned growth that misses the real one by ± 0.3 % a month, with
    the season; the red flag is 10 % of the level worse.  One KPI in five is lower-is-better
    (the same series, the target compared the other way).  For backtesting forecasts
    (benchmarks/forecast_backtest.py): :func:`~bsc_widgets.scoring.score_review` reads them
    as it reads a store.
    """
    rng = np.random.default_rng(seed)
    t = np.arange(months)[None, :]
    level = rng.uniform(50, 150, (kpis, 1))
    growth = rng.normal(0.003, 0.004, (kpis, 1))
    phases = rng.uniform(0, 2 * np.pi, (kpis, 2))
    shape = (np.sin(2 * np.pi * t / 12 + phases[:, :1]) + rng.uniform(0, 0.8, (kpis, 1))
             * np.sin(4 * np.pi * t / 12 + phases[:, 1:]))
    shape /= np.abs(shape).max(axis=1, keepdims=True)
    amplitude = np.where(rng.random((kpis, 1)) < 0.75, rng.uniform(0.05, 0.3, (kpis, 1)), 0.0) * level
    walk = np.cumsum(rng.normal(0, 1, (kpis, months)) * rng.uniform(0, 0.01, (kpis, 1)) * level, axis=1)
    noise = rng.normal(0, 1, (kpis, months)) * rng.uniform(0.01, 0.05, (kpis, 1)) * level
    value = level * (1 + growth * t) + amplitude * shape + walk + noise
    plan = level * (1 + (growth + rng.normal(0, 0.003, (kpis, 1))) * t) + amplitude * shape
    polarity = np.where(rng.random(kpis) < 0.2, "lower", "higher")
    red = np.where(polarity[:, None] == "lower", plan + 0.1 * level, plan - 0.1 * level)
    ids = np.array([f"s{i:03d}" for i in range(kpis)], dtype=object)
    periods = np.array([str(period_at("M", period_index(first) + m)) for m in range(months)], dtype=object)
    card = ["seasonal"]
    tables = {
        "scorecards": _table("scorecards", {"scorecard_id": card, "name": ["Seasonal KPIs"],
                                            "horizon_start": [str(first)], "horizon_end": [str(periods[-1])],
                                            "review_frequency": ["Q"]}),
        "perspectives": _table("perspectives", {"scorecard_id": card * 4, "perspective_id": list(PERSPECTIVES),
                                                "name": [p.title() for p in PERSPECTIVES],
                                                "position": list(range(1, 5)), "weight": [1.0] * 4}),
        "objectives": _table("objectives", {"objective_id": [f"o-{p}" for p in PERSPECTIVES],
                                            "scorecard_id": card * 4, "perspective_id": list(PERSPECTIVES),
                                            "title": [p.title() for p in PERSPECTIVES], "weight": [1.0] * 4}),
        "kpis": _table("kpis", {"kpi_id": ids, "scorecard_id": card * kpis,
                                "objective_id": [f"o-{PERSPECTIVES[i % 4]}" for i in range(kpis)], "name": ids,
                                "polarity": polarity, "frequency": ["M"] * kpis, "aggregation": ["sum"] * kpis,
                                "weight": [1.0] * kpis, "decimals": np.ones(kpis, dtype=np.int64)}),
        "targets": _table("targets", {"kpi_id": np.repeat(ids, months), "period": np.tile(periods, kpis),
                                      "scorecard_id": card * (kpis * months), "target": plan.ravel(),
                                      "red_flag": red.ravel()}),
        "actuals": _table("actuals", {"kpi_id": np.repeat(ids, months), "period": np.tile(periods, kpis),
                                      "scorecard_id": card * (kpis * months), "value": value.ravel()}),
    }
    return {name: tbl.to_pandas() for name, tbl in tables.items()}


FREQUENCY_MIX = {"M": 0.7, "Q": 0.2, "A": 0.1}


def _periods_of(freq: str, first: Period, months: int) -> list[str]:
    """The periods of ``freq`` that lie inside the ``months`` months from ``first`` (whole periods only)."""
    start = period_index(first)
    step = {"M": 1, "Q": 3, "A": 12}[freq]
    return [str(period_at(freq, m // step)) for m in range(start, start + months) if (m + 1) % step == 0]


FIVE_BANDS = "critical #7f0000 0; red #d62728 2; amber #ff9f1c 3.33; green #2ca02c 6.67; exceeding #1f77b4 9"
SIX_BANDS = ("critical #7f0000 0; poor #d62728 1.5; red #e45756 3; amber #ff9f1c 5; green #2ca02c 6.67; "
             "exceeding #1f77b4 9.5")
FOUR_BANDS = "red #d62728 0; amber #ff9f1c 4; green #2ca02c 7; top #1f77b4 9.5"
CALC_OPS = {"div": "[{0}] / [{1}]", "pct": "100 * [{0}] / [{1}]", "add": "[{0}] + [{1}]", "sub": "[{0}] - [{1}]",
            "sum": "sum([{0}], [{1}], [{2}])"}
"""The shapes of the calculated KPIs' expressions (``{0}``, ... are the inputs' ids)."""
_CALC_P = (0.35, 0.2, 0.15, 0.1, 0.2)
_STEP = {"M": 1, "Q": 3, "A": 12}


def _features(rng: np.random.Generator, k_card_pos: np.ndarray, freq: np.ndarray, polarity: np.ndarray,
              aggregation: np.ndarray, k_ids: np.ndarray, level: np.ndarray, share: float = 0.2,
              ) -> dict[str, np.ndarray]:
    """Calculated KPIs (about ``share`` of the KPIs), per-KPI missing-data policies and band schemes.

    A calculated KPI reads 2 or 3 typed, non-range KPIs of its scorecard measured as often as
    it or more often (:data:`CALC_OPS`); half of the ratios, percentages and sums compute
    their targets by the expression too (``target_rule`` 'expression', polarity 'higher'),
    the others have typed targets around the expression of the inputs' levels.  Changes
    ``polarity`` and ``level`` in place; returns the kpis columns ``expression``,
    ``target_rule``, ``missing_policy`` and ``bands``.
    """
    n_kpi = len(k_ids)
    expression = np.full(n_kpi, None, dtype=object)
    target_rule = np.full(n_kpi, "typed", dtype=object)
    per_year = {"M": 12, "Q": 4, "A": 1}
    rate = np.array([per_year[f] for f in freq])
    wants = rng.random(n_kpi) < share
    bounds = np.flatnonzero(np.diff(np.concatenate([[-1], k_card_pos, [k_card_pos[-1] + 1]])))
    for a, b in itertools.pairwise(bounds):
        rows = np.arange(a, b)
        calc = rows[wants[rows]]
        typed = rows[~wants[rows] & (polarity[rows] != "range")]
        for k in calc:
            op = str(rng.choice(list(CALC_OPS), p=_CALC_P))
            pool = typed[rate[typed] >= rate[k]]
            need = 3 if op == "sum" else 2
            if len(pool) < need:
                continue
            ins = rng.choice(pool, need, replace=False)
            expression[k] = CALC_OPS[op].format(*k_ids[ins])
            lv = level[ins] * np.where(aggregation[ins] == "sum", _STEP[str(freq[k])], 1)
            value = {"div": lv[0] / lv[1], "pct": 100 * lv[0] / lv[1], "add": lv[0] + lv[1],
                     "sub": lv[0] - lv[1], "sum": lv.sum()}[op]
            level[k] = abs(value) / (_STEP[str(freq[k])] if aggregation[k] == "sum" else 1)
            if op != "sub" and rng.random() < 0.5:
                target_rule[k], polarity[k] = "expression", "higher"
    missing_policy = rng.choice(np.array([None, "zero", "red", "ignore", "carry_forward:3"], dtype=object), n_kpi,
                                p=[0.85, 0.04, 0.04, 0.04, 0.03])
    bands = np.full(n_kpi, None, dtype=object)
    bands[rng.random(n_kpi) < 0.05] = FOUR_BANDS
    return {"expression": expression, "target_rule": target_rule, "missing_policy": missing_policy, "bands": bands}


def build_varied(out: Path, scorecards: int = 1000, kpis_per_card: int = 64, months: int = 60,
                 first: Period = FIRST_MONTH, seed: int = 11, features: bool = True) -> dict[str, int]:
    """Write an irregular enterprise to ``out`` (about ``kpis_per_card`` KPIs per scorecard on average).

    Scorecard ``d0000`` is the company; each other scorecard ``di`` is a department of
    ``d{(i - 1) // 8}``, and each of its objectives supports an objective of its parent in the
    same perspective.  With ``features``: about 20 % of the KPIs are calculated from others
    (:func:`_features`); the scorecards carry missing-data policies (``carry_forward:1`` for
    60 %, ``carry_forward:2`` for 20 %, the default for the rest) and band schemes (five bands
    for 70 %, six for 10 %, the default three for the rest), and some KPIs their own (4 %
    ``zero``, 4 % ``red``, 4 % ``ignore``, 3 % ``carry_forward:3``; 5 % a four-band scheme).
    Returns row counts per table.
    """
    rng = np.random.default_rng(seed)
    out.mkdir(parents=True, exist_ok=True)
    n = scorecards
    cards = np.array([f"d{i:04d}" for i in range(n)], dtype=object)
    parents = np.array([None] + [cards[(i - 1) // 8] for i in range(1, n)], dtype=object)
    last = period_at("M", period_index(first) + months - 1)
    custom = rng.random(n) < 0.25  # a quarter of the scorecards set their own thresholds
    green = np.where(custom, rng.choice([7.5, 6.67, 8.0], n), np.nan)
    amber = np.where(custom, rng.choice([4.0, 3.33, 5.0], n), np.nan)
    tables: dict[str, pa.Table] = {}
    tables["scorecards"] = _table("scorecards", nan_is_null=True, columns={
        "scorecard_id": cards, "name": [f"Department {i}" for i in range(n)], "parent_id": parents,
        "horizon_start": [str(first)] * n, "horizon_end": [str(last)] * n, "review_frequency": ["Q"] * n,
        "green_from": green, "amber_from": amber,
        **({"missing_policy": rng.choice(np.array([None, "carry_forward:1", "carry_forward:2"], dtype=object), n,
                                         p=[0.2, 0.6, 0.2]),
            "bands": rng.choice(np.array([FIVE_BANDS, SIX_BANDS, None], dtype=object), n, p=[0.7, 0.1, 0.2])}
           if features else {})})
    p_card = np.repeat(cards, len(PERSPECTIVES))
    tables["perspectives"] = _table("perspectives", {
        "scorecard_id": p_card, "perspective_id": np.tile(PERSPECTIVES, n),
        "name": np.tile([p.title() for p in PERSPECTIVES], n), "position": np.tile(np.arange(1, 5), n),
        "weight": rng.choice([1.0, 1.5, 2.0], len(p_card))})
    # Objectives: 3 to 14 per scorecard, spread over the perspectives at random (some get none).
    per_card = rng.integers(3, 15, n)
    o_card = np.repeat(cards, per_card)
    o_num = np.concatenate([np.arange(c) for c in per_card])
    o_ids = np.char.add(o_card.astype(str), np.char.add("-o", o_num.astype(str))).astype(object)
    o_persp = np.array(PERSPECTIVES, dtype=object)[rng.integers(0, 4, len(o_ids))]
    o_pos = np.repeat(np.arange(n), per_card)
    supports = np.full(len(o_ids), None, dtype=object)
    by_card_persp: dict[tuple[int, str], list[str]] = {}
    for oid, card, persp in zip(o_ids, o_pos, o_persp, strict=True):
        by_card_persp.setdefault((int(card), str(persp)), []).append(str(oid))
    for j, (card, persp) in enumerate(zip(o_pos, o_persp, strict=True)):
        if card > 0:
            above = by_card_persp.get(((int(card) - 1) // 8, str(persp)))
            if above:
                supports[j] = above[j % len(above)]
    tables["objectives"] = _table("objectives", {
        "objective_id": o_ids, "scorecard_id": o_card, "perspective_id": o_persp,
        "title": [f"Objective {k}" for k in o_num], "weight": rng.choice([1.0, 2.0], len(o_ids)),
        "supports": supports, "position": o_num + 1})
    # KPIs: about kpis_per_card per scorecard (half to one and a half times), each on an objective of its card.
    k_per_card = rng.integers(kpis_per_card // 2, kpis_per_card * 3 // 2 + 1, n)
    n_kpi = int(k_per_card.sum())
    k_card_pos = np.repeat(np.arange(n), k_per_card)
    k_card = cards[k_card_pos]
    k_num = np.concatenate([np.arange(c) for c in k_per_card])
    k_ids = np.char.add(k_card.astype(str), np.char.add("-k", k_num.astype(str))).astype(object)
    o_start = np.concatenate([[0], np.cumsum(per_card)[:-1]])
    k_obj = o_ids[o_start[k_card_pos] + rng.integers(0, per_card[k_card_pos])]
    polarity = rng.choice(["higher", "lower", "range"], n_kpi, p=[0.6, 0.25, 0.15])
    freq = rng.choice(list(FREQUENCY_MIX), n_kpi, p=list(FREQUENCY_MIX.values()))
    aggregation = rng.choice(["sum", "mean", "last", "min", "max"], n_kpi)
    # Targets and actuals per frequency: a level per KPI, targets growing by a step every period.
    level = rng.uniform(50, 150, n_kpi)
    extra = (_features(rng, k_card_pos, freq, polarity, aggregation, k_ids, level) if features else
             {"expression": np.full(n_kpi, None, dtype=object), "target_rule": np.full(n_kpi, "typed", dtype=object)})
    calc = pd.notna(extra["expression"])
    by_expression = extra["target_rule"] == "expression"
    tables["kpis"] = _table("kpis", {
        "kpi_id": k_ids, "scorecard_id": k_card, "objective_id": k_obj, "name": k_ids, "polarity": polarity,
        "frequency": freq, "aggregation": aggregation, "weight": rng.choice([1.0, 2.0, 3.0], n_kpi),
        "decimals": np.ones(n_kpi, dtype=np.int64), **extra})
    growth = rng.uniform(-0.01, 0.03, n_kpi)
    late = np.where(rng.random(n_kpi) < 0.1, rng.integers(1, months, n_kpi), 0)  # starts reporting late (months)
    silent = rng.random(n_kpi) < 0.01  # never reports
    no_early_target = rng.random(n_kpi) < 0.03  # targets only from the second year
    parts_t: list[dict[str, np.ndarray]] = []
    parts_a: list[dict[str, np.ndarray]] = []
    for f in FREQUENCY_MIX:
        rows = np.flatnonzero(freq == f)
        periods = np.array(_periods_of(f, first, months), dtype=object)
        if not len(rows) or not len(periods):
            continue
        step = {"M": 1, "Q": 3, "A": 12}[f]
        n_p = len(periods)
        kk, pp = np.repeat(rows, n_p), np.tile(np.arange(n_p), len(rows))
        month = (pp + 1) * step - 1  # the last month of each period, counted from ``first``
        target = level[kk] * (1 + growth[kk]) ** (month / 12) * step ** (aggregation[kk] == "sum")
        spread = target * rng.uniform(0.05, 0.2, len(kk))
        pol = polarity[kk]
        ranged = pol == "range"
        keep_t = ~(no_early_target[kk] & (month < 12)) & (rng.random(len(kk)) > 0.003) & ~by_expression[kk]
        parts_t.append({
            "kpi_id": k_ids[kk][keep_t], "period": periods[pp][keep_t], "scorecard_id": k_card[kk][keep_t],
            "target": np.where(ranged, np.nan, target)[keep_t],
            "red_flag": np.where(ranged, np.nan, np.where(pol == "lower", target + spread, target - spread))[keep_t],
            "lower": np.where(ranged, target - spread, np.nan)[keep_t],
            "upper": np.where(ranged, target + spread, np.nan)[keep_t],
            "tolerance": np.where(ranged, spread, np.nan)[keep_t]})
        value = target + rng.normal(0, 1, len(kk)) * spread * 1.5
        keep_a = (rng.random(len(kk)) > 0.03) & (month >= late[kk]) & ~silent[kk] & ~calc[kk]
        parts_a.append({"kpi_id": k_ids[kk][keep_a], "period": periods[pp][keep_a],
                        "scorecard_id": k_card[kk][keep_a], "value": value[keep_a]})
    tables["targets"] = _table("targets", {c: np.concatenate([p[c] for p in parts_t]) for c in parts_t[0]},
                               nan_is_null=True)
    tables["actuals"] = _table("actuals", {c: np.concatenate([p[c] for p in parts_a]) for c in parts_a[0]})
    for name, tbl in tables.items():
        pq.write_table(tbl, out / f"{name}.parquet")
    return {name: tbl.num_rows for name, tbl in tables.items()}
