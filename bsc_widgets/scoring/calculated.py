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

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from ..model.calculated import calculated_rows, dependency_order, read_expression
from ..model.expressions import Node, Ref, evaluate, references, resolve
from ..model.periods import PER_YEAR, convert_index, convert_indices, period_at, period_columns, ratio

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

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


def _formulas(kpis: pd.DataFrame, only: set[str] | None) -> tuple[dict[str, _Formula], dict[str, str]]:
    """The calculated KPIs that can be computed, in dependency order, and the others with why not.

    With ``only``, just the calculated KPIs among ``only`` and those they read (directly or not).
    """
    unique = kpis.drop_duplicates("kpi_id")
    scorecard_of = dict(zip(_objects(unique["kpi_id"]), _objects(unique["scorecard_id"]), strict=True))
    calc = unique[calculated_rows(unique).to_numpy(dtype=bool)]
    if only is not None:
        calc = calc[calc["kpi_id"].isin(_read_by(calc, only, scorecard_of)).to_numpy()]
    formulas: dict[str, _Formula] = {}
    broken: dict[str, str] = {}
    for kpi, text, freq in zip(_objects(calc["kpi_id"]), _objects(calc["expression"]), _objects(calc["frequency"]),
                               strict=True):
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


def _objects(series: pd.Series) -> list[Any]:
    """A column's values as Python objects (fast also for Arrow-backed strings)."""
    return series.to_numpy(dtype=object).tolist()


def _read_by(calc: pd.DataFrame, only: set[str], scorecard_of: Mapping[str, str]) -> set[str]:
    """``only`` and every KPI the calculated KPIs among them read, directly or through other calculated KPIs."""
    expression = dict(zip(_objects(calc["kpi_id"]), _objects(calc["expression"]), strict=True))
    found, todo = set(only), [k for k in only if k in expression]
    while todo:
        for kpi in read_expression(str(expression[todo.pop()]), scorecard_of).inputs:
            if kpi not in found:
                found.add(kpi)
                if kpi in expression:
                    todo.append(kpi)
    return found


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


@dataclass
class _Grid:
    """Inputs' values at one frequency as dense (input x period) arrays, one per field."""

    row_of: dict[str, int]
    first: int
    width: int
    values: dict[str, FloatArray]


def _grid(rows: pd.DataFrame, inputs: Sequence[str], fields: Sequence[str], freq: str,
          rule_of: Mapping[str, str]) -> _Grid:
    """Each input's ``fields`` at frequency ``freq``, by the input's aggregation rule over the periods with a value."""
    row_of = {kpi: i for i, kpi in enumerate(inputs)}
    if rows.empty:
        return _Grid(row_of, 0, 1, {f: np.full((len(inputs), 1), np.nan) for f in fields})
    row = rows["kpi_id"].map(row_of).to_numpy(dtype=np.int64)
    to = _converted(rows["index"].to_numpy(dtype=np.int64), rows["freq"].to_numpy(dtype=object), freq)
    first = int(to.min())
    width = int(to.max()) - first + 1
    col = to - first
    order = np.lexsort((rows["index"].to_numpy(dtype=np.int64), row))  # by input, then period: 'last' is last
    rules = np.asarray([rule_of.get(kpi, "last") for kpi in inputs], dtype=object)[row]
    out = {}
    for f in fields:
        value = rows[f].to_numpy(dtype=np.float64)
        grid = np.full((len(inputs), width), np.nan)
        for rule in set(rules):
            pick = order[(rules[order] == rule) & ~np.isnan(value[order])]
            r, c, v = row[pick], col[pick], value[pick]
            if rule in ("sum", "mean"):
                total, count = np.zeros_like(grid), np.zeros_like(grid)
                np.add.at(total, (r, c), v)
                np.add.at(count, (r, c), 1.0)
                with np.errstate(invalid="ignore", divide="ignore"):
                    done = total if rule == "sum" else total / count
                grid = np.where(count > 0, done, grid)
            elif rule in ("min", "max"):
                part = np.full_like(grid, np.nan)
                (np.fmin if rule == "min" else np.fmax).at(part, (r, c), v)
                grid = np.where(np.isnan(part), grid, part)
            else:  # last: the value of the latest period in each cell
                flat = r * width + c
                last = len(flat) - 1 - np.unique(flat[::-1], return_index=True)[1]
                grid[r[last], c[last]] = v[last]
        out[f] = grid
    return _Grid(row_of, first, width, out)


def _converted(index: IntArray, letters: npt.NDArray[np.object_], freq: str) -> IntArray:
    """:func:`~bsc_widgets.model.periods.convert_index` of each row, one frequency letter at a time."""
    out = np.full(len(index), -1, dtype=np.int64)
    for letter in set(letters.tolist()):
        rows = letters == letter
        out[rows] = convert_indices(index[rows], np.asarray([letter]), freq)
    return out


def _evaluate(formula: _Formula, grid: _Grid, field: str,
              gaps: dict[tuple[str, int], list[tuple[str | None, str]]] | None) -> tuple[IntArray, FloatArray]:
    """The formula over every period where an input has a value: (period indices, values); blanks noted in ``gaps``."""
    rows = [grid.values[field][grid.row_of[i]] for i in formula.inputs]
    by_input = dict(zip(formula.inputs, rows, strict=True))
    result = evaluate(formula.node, lambda ref: by_input[formula.refs[ref]], grid.width)
    present = np.logical_or.reduce([~np.isnan(r) for r in rows]) if rows else np.zeros(grid.width, dtype=bool)
    done = present & ~np.isnan(result.values)
    if gaps is not None:
        for col in np.flatnonzero(present & ~done):
            label = str(period_at(formula.freq, grid.first + int(col)))
            why: list[tuple[str | None, str]] = [(i, label) for i, r in by_input.items() if np.isnan(r[col])]
            why += [(None, label)] if result.by_zero[col] else []
            gaps[(formula.kpi, grid.first + int(col))] = why
    cols = np.flatnonzero(done)
    return cols + grid.first, result.values[cols]


def with_calculated(frames: Mapping[str, pd.DataFrame], kpi_ids: Iterable[str] | None = None) -> Calculated:
    """``frames`` with each calculated KPI's actuals (and computed targets) in place of typed ones.

    With ``kpi_ids`` only the calculated KPIs among them (and the calculated KPIs they read) are computed.
    """
    kpis = frames["kpis"]
    if "expression" not in kpis or not calculated_rows(kpis).any():
        return Calculated(frames)
    formulas, broken = _formulas(kpis, None if kpi_ids is None else set(kpi_ids))
    unique = kpis.drop_duplicates("kpi_id").set_index("kpi_id")
    rule_of: dict[str, str] = dict(zip(unique.index.astype(str), unique["aggregation"].astype(str), strict=True))
    by_target = {k for k, f in formulas.items() if unique.at[k, "target_rule"] == "expression"}
    calc_ids = set(formulas) | set(broken)
    out = Calculated(dict(frames), {k: f.inputs for k, f in formulas.items()}, {}, broken,
                     {k: f.freq for k, f in formulas.items()})
    new = dict(frames)
    for table, fields in VALUE_FIELDS.items():
        replaced = calc_ids if table == "actuals" else by_target
        wanted = formulas if table == "actuals" else {k: f for k, f in formulas.items() if k in by_target}
        if not wanted and not frames[table]["kpi_id"].isin(replaced).any():
            continue
        frame = frames[table]
        needed = {i for f in wanted.values() for i in f.inputs}
        working = _rows(frame[frame["kpi_id"].isin(needed - replaced).to_numpy()], fields)
        computed: list[pd.DataFrame] = []
        for round_ in _rounds(wanted):
            for freq in sorted({f.freq for f in round_}):
                group = [f for f in round_ if f.freq == freq]
                inputs = sorted({i for f in group for i in f.inputs})
                grid = _grid(working[working["kpi_id"].isin(inputs).to_numpy()], inputs, fields, freq, rule_of)
                parts: dict[str, list[tuple[str, IntArray, FloatArray]]] = {c: [] for c in fields}
                for formula in group:
                    for c in fields:
                        index, values = _evaluate(formula, grid, c, out.gaps if table == "actuals" else None)
                        parts[c].append((formula.kpi, index, values))
                done = _joined(parts, freq)
                working = pd.concat([working, done], ignore_index=True)
                computed.append(done)
        new[table] = _merged(frame, replaced, computed, unique["scorecard_id"])
    out.frames = new
    return out


def _joined(parts: Mapping[str, list[tuple[str, IntArray, FloatArray]]], freq: str) -> pd.DataFrame:
    """One row per (KPI, period) with every field (NaN where a field has no value there)."""
    frames = []
    for c, found in parts.items():
        frames.append(pd.DataFrame({
            "kpi_id": np.repeat(np.asarray([k for k, _, _ in found], dtype=object), [len(i) for _, i, _ in found]),
            "index": np.concatenate([i for _, i, _ in found]) if found else np.empty(0, np.int64),
            c: np.concatenate([v for _, _, v in found]) if found else np.empty(0),
        }).set_index(["kpi_id", "index"]))
    joined = pd.concat(frames, axis=1).reset_index() if len(frames) > 1 else frames[0].reset_index()
    return joined.assign(freq=freq)


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
