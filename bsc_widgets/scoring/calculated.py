"""Calculated KPIs: their actuals (and, with the target rule 'expression', their targets) from their inputs.

:func:`with_calculated` runs before the engine brings actuals to the review periods
(:func:`bsc_widgets.scoring.kpis.kpi_arrays`): each calculated KPI gets an actual for each
of its own periods, computed by its expression from its inputs' actuals after each
input's aggregation to the calculated KPI's frequency (a monthly ``sum`` input of a
quarterly ratio is summed over the quarter's months), and from then on is scored like
any typed KPI.  Calculated KPIs that read other calculated KPIs are computed after them
(:func:`~bsc_widgets.model.calculated.dependency_order`).

The work is vectorized over periods: per round of the dependency order, the inputs'
values are aggregated by one group-by per aggregation rule over all periods at once,
and each expression is evaluated over numpy arrays of all its periods.  Where an input
has no value or a division is by zero, the period stays blank and
:meth:`Calculated.reasons` says why (``calc_missing`` in the review).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import pandas as pd

from ..model.calculated import calculated_rows, dependency_order, read_expression
from ..model.expressions import Node, Ref, evaluate, references, resolve
from ..model.periods import PER_YEAR, convert_index, convert_indices, period_at, period_columns, ratio

VALUE_FIELDS: dict[str, tuple[str, ...]] = {"actuals": ("value",), "targets": ("target", "red_flag")}
"""The fields computed for calculated KPIs, by table."""


@dataclass
class _Formula:
    kpi: str
    node: Node
    inputs: tuple[str, ...]
    freq: str
    refs: dict[Ref, str]


@dataclass
class Calculated:
    """The frames with the calculated KPIs' computed rows, and why periods stayed blank."""

    frames: Mapping[str, pd.DataFrame]
    inputs: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Each calculated KPI's inputs (KPI ids, in the order written)."""
    gaps: dict[tuple[str, int], list[tuple[str | None, str]]] = field(default_factory=dict)
    """(KPI, own period index) -> (input without an actual or None for a division by zero, period label)."""
    not_computed: dict[str, str] = field(default_factory=dict)
    """Calculated KPIs that cannot be computed at all, with why."""
    frequency: dict[str, str] = field(default_factory=dict)

    def reasons(self, kpi_ids: Sequence[str], actual: npt.NDArray[np.generic], review_freq: str,
                review_indices: Sequence[int] | npt.NDArray[np.int64]) -> npt.NDArray[np.object_]:
        """Why each calculated KPI's actual is blank in each review period ("" where it is not blank)."""
        out = np.full(actual.shape, "", dtype=object)
        for k, kpi in enumerate(kpi_ids):
            if kpi not in self.inputs and kpi not in self.not_computed:
                continue
            for p, review in enumerate(review_indices):
                if not np.isnan(float(actual[k, p])):
                    continue
                out[k, p] = self._reason(kpi, review_freq, int(review))
        return out

    def _reason(self, kpi: str, review_freq: str, review: int) -> str:
        if kpi in self.not_computed:
            return self.not_computed[kpi]
        freq = self.frequency[kpi]
        if PER_YEAR[freq] >= PER_YEAR[review_freq]:
            step = ratio(freq, review_freq)
            own = range(review * step, (review + 1) * step)
        else:
            own = range(convert_index(review, review_freq, freq), convert_index(review, review_freq, freq) + 1)
        missing: dict[str | None, list[str]] = {}
        for index in own:
            for name, label in self.gaps.get((kpi, index), ()):
                missing.setdefault(name, []).append(label)
        if not missing:
            label = ", ".join(str(period_at(freq, i)) for i in own)
            return f"none of its inputs ({', '.join(self.inputs[kpi])}) has an actual for {label}"
        return "; ".join(f"input {name} has no actual for {', '.join(labels)}" if name is not None
                         else f"division by zero in {', '.join(labels)}" for name, labels in missing.items())


def _formulas(kpis: pd.DataFrame) -> tuple[dict[str, _Formula], dict[str, str]]:
    """The calculated KPIs that can be computed, in dependency order, and the others with why not."""
    unique = kpis.drop_duplicates("kpi_id")
    scorecard_of = dict(zip(unique["kpi_id"], unique["scorecard_id"], strict=True))
    calc = unique[calculated_rows(unique).to_numpy(dtype=bool)]
    formulas: dict[str, _Formula] = {}
    broken: dict[str, str] = {}
    for kpi, text, freq in zip(calc["kpi_id"], calc["expression"], calc["frequency"], strict=True):
        reading = read_expression(str(text), scorecard_of)
        if reading.node is None:
            broken[kpi] = f"its expression cannot be read ({reading.error})"
        elif reading.unknown:
            broken[kpi] = "its expression names " + ", ".join(f"'{r.text}'" for r in reading.unknown) + \
                ", which is not a KPI"
        else:
            refs = {ref: resolve(ref, scorecard_of) or "" for ref in references(reading.node)}
            formulas[kpi] = _Formula(kpi, reading.node, reading.inputs, str(freq), refs)
    order, _ = dependency_order({k: f.inputs for k, f in formulas.items()})
    for kpi in formulas:
        if kpi not in order:
            broken[kpi] = "it is part of a cycle of calculated KPIs, or reads one"
    return {k: formulas[k] for k in order}, broken


def _rounds(formulas: Mapping[str, _Formula]) -> list[list[_Formula]]:
    """The formulas in rounds: each round reads only typed KPIs and KPIs of earlier rounds."""
    depth: dict[str, int] = {}
    for kpi, formula in formulas.items():  # dependency order: inputs come first
        depth[kpi] = 1 + max((depth.get(i, -1) for i in formula.inputs), default=-1)
    rounds: list[list[_Formula]] = [[] for _ in range(max(depth.values(), default=-1) + 1)]
    for kpi, formula in formulas.items():
        rounds[depth[kpi]].append(formula)
    return rounds


def _rows(frame: pd.DataFrame, fields: Sequence[str]) -> pd.DataFrame:
    """``kpi_id``, ``freq``, ``index`` and ``fields`` of a frame of actuals or targets."""
    periods = period_columns(frame["period"])
    out = pd.DataFrame({"kpi_id": frame["kpi_id"].to_numpy(dtype=object),
                        "freq": periods["freq"].to_numpy(dtype=object),
                        "index": periods["index"].to_numpy(dtype=np.float64, na_value=np.nan)})
    for f in fields:
        out[f] = pd.to_numeric(frame[f], errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    return out[out["freq"].notna().to_numpy() & out["index"].notna().to_numpy()].astype({"index": np.int64})


def _aggregated(rows: pd.DataFrame, fields: Sequence[str], freq: str,
                rule_of: Mapping[str, str]) -> dict[str, pd.DataFrame]:
    """Each KPI's ``fields`` at frequency ``freq`` (by its aggregation rule over the periods with a value)."""
    if rows.empty:
        return {}
    rows = rows.assign(to=convert_indices(rows["index"].to_numpy(), rows["freq"].to_numpy(), freq))
    rows = rows.sort_values(["kpi_id", "index"], kind="stable")
    rules = rows["kpi_id"].map(rule_of).fillna("last")
    parts = []
    for rule in rules.unique():
        part = rows[(rules == rule).to_numpy()]
        grouped = part.groupby(["kpi_id", "to"], sort=False)[list(fields)]
        parts.append(grouped.sum(min_count=1) if rule == "sum" else grouped.agg(rule))
    joined = pd.concat(parts)
    return {str(kpi): group.droplevel(0) for kpi, group in joined.groupby(level=0, sort=False)}


def _evaluate(formula: _Formula, values: Mapping[str, pd.DataFrame], column: str,
              gaps: dict[tuple[str, int], list[tuple[str | None, str]]] | None) -> pd.Series:
    """The formula over every period where an input has a value; blank periods noted in ``gaps``."""
    present = [values[i].index[values[i][column].notna().to_numpy()] for i in formula.inputs if i in values]
    if not present:
        return pd.Series(dtype=np.float64)
    index = pd.Index(np.unique(np.concatenate([np.asarray(p, dtype=np.int64) for p in present])))
    grids = {i: (values[i][column].reindex(index).to_numpy(dtype=np.float64) if i in values
                 else np.full(len(index), np.nan)) for i in formula.inputs}
    result = evaluate(formula.node, lambda ref: grids[formula.refs[ref]], len(index))
    if gaps is not None:
        labels = np.asarray([str(period_at(formula.freq, int(i))) for i in index], dtype=object)
        for i in formula.inputs:
            for pos in np.flatnonzero(np.isnan(grids[i])):
                gaps.setdefault((formula.kpi, int(index[pos])), []).append((i, labels[pos]))
        for pos in np.flatnonzero(result.by_zero):
            gaps.setdefault((formula.kpi, int(index[pos])), []).append((None, labels[pos]))
    return pd.Series(result.values, index=index)


def with_calculated(frames: Mapping[str, pd.DataFrame]) -> Calculated:
    """``frames`` with each calculated KPI's actuals (and computed targets) in place of typed ones."""
    kpis = frames["kpis"]
    if "expression" not in kpis or not calculated_rows(kpis).any():
        return Calculated(frames)
    formulas, broken = _formulas(kpis)
    unique = kpis.drop_duplicates("kpi_id").set_index("kpi_id")
    rule_of = unique["aggregation"].to_dict()
    by_target = {k for k, f in formulas.items() if unique.at[k, "target_rule"] == "expression"}
    calc_ids = set(formulas) | set(broken)
    out = Calculated(dict(frames), {k: f.inputs for k, f in formulas.items()}, {}, broken,
                     {k: f.freq for k, f in formulas.items()})
    new = dict(frames)
    for table, fields in VALUE_FIELDS.items():
        replaced = calc_ids if table == "actuals" else by_target
        wanted = formulas if table == "actuals" else {k: f for k, f in formulas.items() if k in by_target}
        frame = frames[table]
        needed = {i for f in wanted.values() for i in f.inputs}
        working = _rows(frame[frame["kpi_id"].isin(needed - replaced).to_numpy()], fields)
        computed: list[pd.DataFrame] = []
        for round_ in _rounds(wanted):
            for freq in sorted({f.freq for f in round_}):
                group = [f for f in round_ if f.freq == freq]
                inputs = {i for f in group for i in f.inputs}
                values = _aggregated(working[working["kpi_id"].isin(inputs).to_numpy()], fields, freq, rule_of)
                rows = []
                for formula in group:
                    cols = {c: _evaluate(formula, values, c, out.gaps if table == "actuals" else None)
                            for c in fields}
                    result = pd.DataFrame(cols)
                    if result.empty:
                        continue
                    result = result[result.notna().any(axis=1).to_numpy()]
                    rows.append(pd.DataFrame({"kpi_id": formula.kpi, "freq": freq,
                                              "index": result.index.to_numpy(dtype=np.int64),
                                              **{c: result[c].to_numpy() for c in fields}}))
                if rows:
                    done = pd.concat(rows, ignore_index=True)
                    working = pd.concat([working, done], ignore_index=True)
                    computed.append(done)
        new[table] = _merged(frame, replaced, computed, unique["scorecard_id"])
    out.frames = new
    return out


def _merged(frame: pd.DataFrame, replaced: set[str], computed: list[pd.DataFrame],
            scorecard_of: pd.Series) -> pd.DataFrame:
    """``frame`` without the rows of ``replaced`` KPIs, plus the computed rows (with period text)."""
    kept = frame[~frame["kpi_id"].isin(replaced).to_numpy()]
    if not computed:
        return kept
    rows = pd.concat(computed, ignore_index=True)
    labels = {(f, i): str(period_at(f, int(i))) for f, i in set(zip(rows["freq"], rows["index"], strict=True))}
    rows["period"] = [labels[(f, i)] for f, i in zip(rows["freq"], rows["index"], strict=True)]
    rows["scorecard_id"] = rows["kpi_id"].map(scorecard_of).to_numpy()
    return pd.concat([kept, rows.drop(columns=["freq", "index"])], ignore_index=True)


@dataclass(frozen=True)
class Latest:
    """A calculated KPI's latest computed value (``value`` None when it has none, ``reason`` says why)."""

    period: str | None
    value: float | None
    reason: str


def latest_value(frames: Mapping[str, pd.DataFrame], kpi_id: str) -> Latest:
    """The latest period for which ``kpi_id`` (a calculated KPI of ``frames``) has a computed actual."""
    calculated = with_calculated(frames)
    if kpi_id in calculated.not_computed:
        return Latest(None, None, calculated.not_computed[kpi_id])
    actuals = calculated.frames["actuals"]
    rows = actuals[(actuals["kpi_id"] == kpi_id).to_numpy()]
    gaps = sorted(index for kpi, index in calculated.gaps if kpi == kpi_id)
    if rows.empty:
        if gaps:
            missing = calculated.gaps[(kpi_id, gaps[-1])]
            return Latest(None, None, "; ".join(f"input {name} has no actual for {label}" if name is not None
                                                else f"division by zero in {label}" for name, label in missing))
        return Latest(None, None, "its inputs have no actuals yet")
    latest = rows.loc[period_columns(rows["period"])["index"].astype("int64").idxmax()]
    return Latest(str(latest["period"]), float(latest["value"]), "")
