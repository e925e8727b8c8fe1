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

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..model.calculated import Reading, calculated_rows, dependency_order, read_expression
from ..model.expressions import Binary, Node, Number, Ref, Unary, evaluate, references, resolve
from ..model.periods import PER_YEAR, convert_index, convert_indices, period_at, period_columns, ratio
from .encode import FREQ_CODES, Encoded, encode
from .formulas import TARGET_FIELDS
from .threads import map_parts, start

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

VALUE_FIELDS: dict[str, tuple[str, ...]] = {"actuals": ("value",), "targets": ("target", "red_flag")}
"""The fields computed for calculated KPIs, by table."""
ENCODED_FIELDS: dict[str, tuple[str, ...]] = {"actuals": ("value",), "targets": tuple(TARGET_FIELDS)}
"""The fields encoded, by table: those the scoring engine reads (:meth:`Calculated.encoded`)."""


@dataclass
class _Formula:
    kpi: str
    node: Node
    inputs: tuple[str, ...]
    freq: str
    refs: dict[Ref, str]


@dataclass(frozen=True)
class _Gaps:
    """Blank periods of a group of formulas: ``kpi`` (F,) ids and ``inputs`` (F, S) ids of the formulas,
    and per blank cell its formula ``row``, own period ``index``, which inputs lack a value
    (``missing`` (C, S)) and whether a division was by zero (``by_zero`` (C,))."""

    freq: str
    kpi: npt.NDArray[np.object_]
    inputs: npt.NDArray[np.object_]
    row: IntArray
    index: IntArray
    missing: npt.NDArray[np.bool_]
    by_zero: npt.NDArray[np.bool_]


@dataclass
class Calculated:
    """The frames with the calculated KPIs' computed rows, and why periods stayed blank."""

    source: Mapping[str, pd.DataFrame]
    """The frames as given."""
    inputs: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Each calculated KPI's inputs (KPI ids, in the order written)."""
    not_computed: dict[str, str] = field(default_factory=dict)
    """Calculated KPIs that cannot be computed at all, with why."""
    frequency: dict[str, str] = field(default_factory=dict)
    blanks: list[_Gaps] = field(default_factory=list)
    """The blank periods, as arrays per group of formulas (:attr:`gaps` has them per KPI and period)."""
    rows: dict[str, tuple[Encoded, npt.NDArray[np.bool_], list[_Rows]]] = field(default_factory=dict)
    """Per table: its rows encoded (KPI positions among :attr:`ids`), which are kept, and the computed rows."""
    ids: list[str] = field(default_factory=list)
    scorecard_of: list[object] = field(default_factory=list)
    _frames: dict[str, pd.DataFrame] | None = None

    @property
    def frames(self) -> Mapping[str, pd.DataFrame]:
        """The frames with the computed rows in place of typed ones (built when first asked for)."""
        if self._frames is None:
            self._frames = dict(self.source)
            for table, (_, kept, computed) in self.rows.items():
                self._frames[table] = _merged(self.source[table], kept, computed, self.ids, self.scorecard_of)
        return self._frames

    def encoded(self, table: str, kpi_ids: pa.Array, fields: Sequence[str]) -> list[Encoded] | None:
        """The rows of ``table`` with the computed ones, as :func:`.encode` gives them for ``kpi_ids``, in pieces
        (the table's rows, then each group of computed rows: not joined, the engine gathers from them).

        None when the table was not encoded here (then encode the frame); saves encoding the merged frame again.
        """
        if table not in self.rows or any(f not in self.rows[table][0].values for f in fields):
            return None
        enc, kept, computed = self.rows[table]
        remap = np.append(pc.fill_null(pc.index_in(pa.array(self.ids, type=pa.string()), value_set=kpi_ids),
                                       len(kpi_ids)).to_numpy(), len(kpi_ids)).astype(np.int64)
        # Rows typed for a calculated KPI stay, as rows of no KPI scored (cheaper than filtering every column).
        own_kpi = remap[enc.kpi] if kept.all() else np.where(kept, remap[enc.kpi], len(kpi_ids))
        return [Encoded(own_kpi, enc.index, enc.freq, {f: enc.values[f] for f in fields}),
                *(Encoded(remap[c.kpi], c.index, c.freq, {f: c.values.get(f, np.full(len(c.kpi), np.nan))
                                                         for f in fields}) for c in computed)]

    @property
    def gaps(self) -> dict[tuple[str, int], list[tuple[str | None, str]]]:
        """(KPI, own period index) -> (input without an actual or None for a division by zero, period label)."""
        out: dict[tuple[str, int], list[tuple[str | None, str]]] = {}
        for g in self.blanks:
            for c in range(len(g.row)):
                out[(str(g.kpi[g.row[c]]), int(g.index[c]))] = _why(g, c, str(period_at(g.freq, int(g.index[c]))))
        return out

    def reasons(self, kpi_ids: Sequence[str], actual: npt.NDArray[np.generic], review_freq: str,
                review_indices: Sequence[int] | npt.NDArray[np.int64]) -> npt.NDArray[np.object_]:
        """Why each calculated KPI's actual is blank in each review period ("" where it is not blank)."""
        out = np.full(actual.shape, "", dtype=object)
        reviews = np.asarray(review_indices, dtype=np.int64)
        blank = np.isnan(np.asarray(actual, dtype=np.float64))
        position = {kpi: k for k, kpi in enumerate(kpi_ids)}
        for kpi, why in self.not_computed.items():
            if kpi in position:
                out[position[kpi]][blank[position[kpi]]] = why
        # Without a gap in the review period: none of the inputs has a value there (one text per KPI and period).
        own_labels: dict[str, npt.NDArray[np.object_]] = {}
        for freq in set(self.frequency.values()):
            own_labels[freq] = np.array([", ".join(str(period_at(freq, i)) for i in _own(freq, review_freq, int(r)))
                                         for r in reviews], dtype=object)
        rows = [(position[k], k) for k in self.inputs if k in position]
        if rows:
            at = np.array([r for r, _ in rows], dtype=np.int64)
            prefix = np.array([f"none of its inputs ({', '.join(self.inputs[k])}) has an actual for " for _, k in rows],
                              dtype=object)
            labels = np.stack([own_labels[self.frequency[k]] for _, k in rows])
            out[at] = np.where(blank[at], prefix[:, None] + labels, out[at])
        # With gaps: the inputs without an actual (and divisions by zero) in the own periods of the review period.
        for g in self.blanks:
            kpi_row = np.array([position.get(str(k), -1) for k in g.kpi], dtype=np.int64)[g.row]
            if PER_YEAR[g.freq] >= PER_YEAR[review_freq]:  # each own period lies in one review period
                at = np.searchsorted(reviews, g.index // ratio(g.freq, review_freq))
                ok = (at < len(reviews)) & (kpi_row >= 0)
                ok[ok] = reviews[at[ok]] == g.index[ok] // ratio(g.freq, review_freq)
                cell, col = np.flatnonzero(ok), at[ok]
            else:  # an own period (a year) shows in every review period it contains
                own = np.asarray([convert_index(int(r), review_freq, g.freq) for r in reviews], dtype=np.int64)
                pairs = [(np.flatnonzero((g.index == o) & (kpi_row >= 0)), p) for p, o in enumerate(own.tolist())]
                cell = np.concatenate([c for c, _ in pairs])
                col = np.concatenate([np.full(len(c), p, dtype=np.int64) for c, p in pairs])
            keep = blank[kpi_row[cell], col]
            cell, col = cell[keep], col[keep]
            order = np.lexsort((g.index[cell], col, kpi_row[cell]))
            cell, col = cell[order], col[order]
            names = np.where(g.missing, g.inputs[g.row], np.array(None))[cell].tolist()
            by_zero = g.by_zero[cell].tolist()
            label_of = {int(i): str(period_at(g.freq, int(i))) for i in np.unique(g.index[cell])}
            cell_labels = [label_of[i] for i in g.index[cell].tolist()]
            rows, cols = kpi_row[cell].tolist(), col.tolist()
            missing: dict[str | None, list[str]] = {}
            for i in range(len(cell)):
                for name in names[i]:
                    if name is not None:
                        missing.setdefault(name, []).append(cell_labels[i])
                if by_zero[i]:
                    missing.setdefault(None, []).append(cell_labels[i])
                if i + 1 == len(cell) or rows[i + 1] != rows[i] or cols[i + 1] != cols[i]:
                    out[rows[i], cols[i]] = "; ".join(
                        f"input {name} has no actual for {', '.join(texts)}" if name is not None
                        else f"division by zero in {', '.join(texts)}" for name, texts in missing.items())
                    missing = {}
        return out


def _own(freq: str, review_freq: str, review: int) -> range:
    """The periods of ``freq`` a review period covers (the one containing its end when ``freq`` is coarser)."""
    if PER_YEAR[freq] >= PER_YEAR[review_freq]:
        step = ratio(freq, review_freq)
        return range(review * step, (review + 1) * step)
    own = convert_index(review, review_freq, freq)
    return range(own, own + 1)


def _why(g: _Gaps, c: int, label: str) -> list[tuple[str | None, str]]:
    """The inputs without a value (in the order written) and a division by zero of blank cell ``c``, with its label."""
    why: list[tuple[str | None, str]] = [(str(g.inputs[g.row[c], s]), label)
                                         for s in np.flatnonzero(g.missing[c])]
    return [*why, (None, label)] if g.by_zero[c] else why


def _formulas(unique: pd.DataFrame, only: set[str] | None) -> tuple[dict[str, _Formula], dict[str, str]]:
    """The calculated KPIs that can be computed, in dependency order, and the others with why not.

    ``unique``: the KPIs, one row each.  With ``only``, just the calculated KPIs among
    ``only`` and those they read (directly or not).  Each expression is read once.
    """
    scorecard_of = dict(zip(_objects(unique["kpi_id"]), _objects(unique["scorecard_id"]), strict=True))
    calc = unique[calculated_rows(unique).to_numpy(dtype=bool)]
    expression = dict(zip(_objects(calc["kpi_id"]), _objects(calc["expression"]), strict=True))
    frequency = dict(zip(_objects(calc["kpi_id"]), _objects(calc["frequency"]), strict=True))
    readings: dict[str, Reading] = {}

    def reading(kpi: str) -> Reading:
        if kpi not in readings:
            readings[kpi] = read_expression(str(expression[kpi]), scorecard_of)
        return readings[kpi]

    wanted = list(expression) if only is None else _read_by(expression, only, reading)
    formulas: dict[str, _Formula] = {}
    broken: dict[str, str] = {}
    for kpi in wanted:
        found = reading(kpi)
        if found.node is None:
            broken[kpi] = f"its expression cannot be read ({found.error})"
        elif found.unknown:
            broken[kpi] = "its expression names " + ", ".join(f"'{r.text}'" for r in found.unknown) + \
                ", which is not a KPI"
        else:
            refs = {ref: resolve(ref, scorecard_of) or "" for ref in references(found.node)}
            formulas[kpi] = _Formula(kpi, found.node, found.inputs, str(frequency[kpi]), refs)
    order, _ = dependency_order({k: f.inputs for k, f in formulas.items()})
    ordered = set(order)
    for kpi in formulas:
        if kpi not in ordered:
            broken[kpi] = "it is part of a cycle of calculated KPIs, or reads one"
    return {k: formulas[k] for k in order}, broken


def _objects(series: pd.Series) -> list[Any]:
    """A column's values as Python objects (fast also for Arrow-backed strings)."""
    return series.to_numpy(dtype=object).tolist()


def _read_by(expression: Mapping[str, object], only: set[str], reading: Callable[[str], Reading]) -> list[str]:
    """The calculated KPIs among ``only`` and every calculated KPI they read, directly or through others."""
    found, todo = set(only), [k for k in only if k in expression]
    while todo:
        for kpi in reading(todo.pop()).inputs:
            if kpi not in found:
                found.add(kpi)
                if kpi in expression:
                    todo.append(kpi)
    return [k for k in expression if k in found]


def _rounds(formulas: Mapping[str, _Formula]) -> list[list[_Formula]]:
    """The formulas in rounds: each round reads only typed KPIs and KPIs of earlier rounds."""
    depth: dict[str, int] = {}
    for kpi, formula in formulas.items():  # dependency order: inputs come first
        depth[kpi] = 1 + max((depth.get(i, -1) for i in formula.inputs), default=-1)
    rounds: list[list[_Formula]] = [[] for _ in range(max(depth.values(), default=-1) + 1)]
    for kpi, formula in formulas.items():
        rounds[depth[kpi]].append(formula)
    return rounds


@dataclass
class _Rows:
    """Rows of actuals or targets as arrays: KPI position (among the store's KPIs), frequency code, index, fields."""

    kpi: IntArray
    freq: npt.NDArray[np.int8]
    index: IntArray
    values: dict[str, FloatArray]

    def add(self, other: _Rows) -> _Rows:
        return _Rows(np.concatenate([self.kpi, other.kpi]), np.concatenate([self.freq, other.freq]),
                     np.concatenate([self.index, other.index]),
                     {f: np.concatenate([v, other.values[f]]) for f, v in self.values.items()})


@dataclass
class _Grid:
    """Inputs' values at one frequency as dense (input x period) arrays, one per field."""

    first: int
    width: int
    values: dict[str, FloatArray]


def _grid(rows: _Rows, row_of: IntArray, n_inputs: int, fields: Sequence[str], freq: str,
          rules: npt.NDArray[np.str_]) -> _Grid:
    """Each input's ``fields`` at frequency ``freq``, by the input's aggregation rule over the periods with a value.

    ``row_of`` maps a KPI position to its grid row (-1: not an input); ``rules`` are the inputs' rules by grid row.
    """
    pick = np.flatnonzero((row_of[rows.kpi] >= 0) & (rows.freq >= 0))
    if not len(pick):
        return _Grid(0, 1, {f: np.full((n_inputs, 1), np.nan) for f in fields})
    row = row_of[rows.kpi[pick]]
    index = rows.index[pick]
    to = index  # converted in place, one frequency at a time
    codes = rows.freq[pick]
    for code in np.unique(codes).tolist():
        mine = codes == code
        to[mine] = convert_indices(index[mine], np.asarray([FREQ_CODES[code]]), freq)
    first = int(to.min())
    width = int(to.max()) - first + 1
    flat = row * width + (to - first)
    order = np.lexsort((rows.index[pick], flat))  # by cell, then period: 'last' is last
    flat, size, pick = flat[order], n_inputs * width, pick[order]
    names, rule_codes = np.unique(rules, return_inverse=True)
    rule = rule_codes.astype(np.int8)[row[order]]  # small codes, not texts, per row
    out = {}
    for f in fields:
        value = rows.values[f][pick]
        grid = np.full(size, np.nan)
        valued = ~np.isnan(value)
        for r, name in enumerate(names.tolist()):
            # The rule's rows with a value, still sorted by cell: each cell is a run, reduced where it starts.
            take = (rule == r) & valued
            cells, v = flat[take], value[take]
            if not len(cells):
                continue
            new_cell = np.append(True, cells[1:] != cells[:-1])
            starts = np.flatnonzero(new_cell)
            at = cells[starts]
            if name in ("sum", "mean"):  # bincount over the runs adds in row order, as a running total would
                total = np.bincount(np.cumsum(new_cell) - 1, weights=v)
                grid[at] = total if name == "sum" else total / np.diff(np.append(starts, len(v)))
            elif name in ("min", "max"):
                grid[at] = (np.minimum if name == "min" else np.maximum).reduceat(v, starts)
            else:  # last: the value of the latest period in each cell (periods are sorted within a cell)
                grid[at] = v[np.append(starts[1:], len(v)) - 1]
        out[f] = grid.reshape(n_inputs, width)
    return _Grid(first, width, out)


def _shape(node: Node, slot: Mapping[Ref, int]) -> tuple[Any, ...]:
    """The expression with each KPI replaced by its input slot: formulas of one shape are computed together."""
    if isinstance(node, Number):
        return ("n", node.value)
    if isinstance(node, Ref):
        return ("r", slot[node])
    if isinstance(node, Unary):
        return ("u", _shape(node.operand, slot))
    if isinstance(node, Binary):
        return ("b", node.op, _shape(node.left, slot), _shape(node.right, slot))
    return ("c", node.function, *(_shape(a, slot) for a in node.args))


def _compute(group: Sequence[_Formula], grid: _Grid, row_of: Mapping[str, int], field_: str, kpi_code: IntArray,
             blanks: list[_Gaps] | None) -> _Rows:
    """The formulas of ``group`` (one frequency) over every period where an input has a value.

    Formulas of the same shape are evaluated together over one flat array; blank periods
    are noted in ``blanks``.  ``kpi_code`` gives each formula's KPI position.
    """
    shapes: dict[tuple[Any, ...], list[int]] = {}
    slots = []
    for i, f in enumerate(group):
        slot = {ref: f.inputs.index(kpi) for ref, kpi in f.refs.items()}
        slots.append(slot)
        shapes.setdefault(_shape(f.node, slot), []).append(i)
    width = grid.width
    kpis, indices, values = [], [], []
    for members in shapes.values():
        first = group[members[0]]
        n_s = len(first.inputs)
        rows = np.array([[row_of[i] for i in group[m].inputs] for m in members], dtype=np.int64)
        by_slot = [grid.values[field_][rows[:, s]].ravel() for s in range(n_s)]
        slot = slots[members[0]]
        result = evaluate(first.node, lambda ref, by_slot=by_slot, slot=slot: by_slot[slot[ref]],  # type: ignore[misc]
                          len(members) * width)
        result_values = result.values.reshape(len(members), width)
        present = (np.logical_or.reduce([~np.isnan(v) for v in by_slot]).reshape(len(members), width) if n_s
                   else np.zeros((len(members), width), dtype=bool))
        done = present & ~np.isnan(result_values)
        r, c = np.nonzero(done)
        kpis.append(kpi_code[np.asarray(members)][r])
        indices.append(c + grid.first)
        values.append(result_values[r, c])
        if blanks is not None:
            br, bc = np.nonzero(present & ~done)
            if len(br):
                missing = np.stack([np.isnan(v.reshape(len(members), width)[br, bc]) for v in by_slot], axis=1)
                blanks.append(_Gaps(
                    group[0].freq, np.array([group[m].kpi for m in members], dtype=object),
                    _table([group[m].inputs for m in members], n_s),
                    br, bc + grid.first, missing, result.by_zero.reshape(len(members), width)[br, bc]))
    code = np.int8(FREQ_CODES.index(group[0].freq))
    kpi = np.concatenate(kpis) if kpis else np.empty(0, np.int64)
    return _Rows(kpi, np.full(len(kpi), code, dtype=np.int8), np.concatenate(indices) if indices else kpi.copy(),
                 {field_: np.concatenate(values) if values else np.empty(0)})


def _table(rows: Sequence[tuple[str, ...]], width: int) -> npt.NDArray[np.object_]:
    """A (len(rows), width) object array of the rows (NumPy would make a 1-D array of tuples of some shapes)."""
    out = np.empty((len(rows), width), dtype=object)
    for i, r in enumerate(rows):
        out[i, :] = r
    return out


def with_calculated(frames: Mapping[str, pd.DataFrame], kpi_ids: Iterable[str] | None = None) -> Calculated:
    """``frames`` with each calculated KPI's actuals (and computed targets) in place of typed ones.

    With ``kpi_ids`` only the calculated KPIs among them (and the calculated KPIs they read) are computed.
    """
    kpis = frames["kpis"]
    if "expression" not in kpis or not calculated_rows(kpis).any():
        return Calculated(frames)
    unique = kpis.drop_duplicates("kpi_id").reset_index(drop=True)
    ids = _objects(unique["kpi_id"])
    id_array = pa.array(ids, type=pa.string())
    # The rows are encoded on the pool (Arrow and NumPy let other threads run) while the expressions are read here.
    encoding = {t: start(partial(encode, frames[t], id_array, [f for f in ENCODED_FIELDS[t] if f in frames[t]]))
                for t in VALUE_FIELDS}
    formulas, broken = _formulas(unique, None if kpi_ids is None else set(kpi_ids))
    position = {k: i for i, k in enumerate(ids)}
    rules = unique["aggregation"].astype(object).fillna("last").to_numpy(dtype=str)
    target_rule = unique["target_rule"].astype(object).to_numpy() if "target_rule" in unique else \
        np.full(len(unique), None, dtype=object)
    by_target = {k for k in formulas if target_rule[position[k]] == "expression"}
    calc_ids = set(formulas) | set(broken)
    out = Calculated(frames, {k: f.inputs for k, f in formulas.items()}, broken,
                     {k: f.freq for k, f in formulas.items()}, ids=ids, scorecard_of=_objects(unique["scorecard_id"]))

    def table_rows(table: str) -> tuple[Encoded, npt.NDArray[np.bool_], list[_Rows]]:
        """The table's rows, which are kept (not typed for a calculated KPI), and the computed rows."""
        fields = VALUE_FIELDS[table]
        replaced = calc_ids if table == "actuals" else by_target
        wanted = formulas if table == "actuals" else {k: f for k, f in formulas.items() if k in by_target}
        enc = encoding[table].result()
        is_replaced = np.zeros(len(ids) + 1, dtype=bool)
        is_replaced[[position[k] for k in replaced]] = True
        drop = is_replaced[enc.kpi]
        needed = np.zeros(len(ids) + 1, dtype=bool)
        needed[[position[i] for f in wanted.values() for i in f.inputs]] = True
        keep = needed[enc.kpi] & ~drop
        working = _Rows(enc.kpi[keep], enc.freq[keep], enc.index[keep], {f: enc.values[f][keep] for f in fields})
        computed: list[_Rows] = []
        for round_ in _rounds(wanted):
            for freq in sorted({f.freq for f in round_}):
                group = [f for f in round_ if f.freq == freq]
                inputs = sorted({i for f in group for i in f.inputs})
                row_of = np.full(len(ids) + 1, -1, dtype=np.int64)
                row_of[[position[i] for i in inputs]] = np.arange(len(inputs))
                grid = _grid(working, row_of, len(inputs), fields, freq, rules[[position[i] for i in inputs]])
                grid_row = {i: r for r, i in enumerate(inputs)}
                code = np.array([position[f.kpi] for f in group], dtype=np.int64)
                parts = [_compute(group, grid, grid_row, c, code, out.blanks if table == "actuals" else None)
                         for c in fields]
                done = _joined(parts, fields)
                working = working.add(done)
                computed.append(done)
        return enc, ~drop, computed

    out.rows = dict(zip(VALUE_FIELDS, map_parts(table_rows, VALUE_FIELDS), strict=True))  # the tables side by side
    return out


def _joined(parts: Sequence[_Rows], fields: Sequence[str]) -> _Rows:
    """One row per (KPI, period) with every field (NaN where a field has no value there)."""
    if len(parts) == 1:
        return parts[0]
    kpi = np.concatenate([p.kpi for p in parts])
    index = np.concatenate([p.index for p in parts])
    key = kpi * (1 << 20) + (index - index.min(initial=0))
    cells, inverse = np.unique(key, return_inverse=True)
    first = np.zeros(len(cells), dtype=np.int64)
    first[inverse[::-1]] = np.arange(len(key))[::-1]
    values = {}
    start = 0
    for p, f in zip(parts, fields, strict=True):
        v = np.full(len(cells), np.nan)
        v[inverse[start:start + len(p.kpi)]] = p.values[f]
        values[f] = v
        start += len(p.kpi)
    freq = np.concatenate([p.freq for p in parts])
    return _Rows(kpi[first], freq[first], index[first], values)


def _merged(frame: pd.DataFrame, kept: npt.NDArray[np.bool_], computed: list[_Rows], ids: Sequence[str],
            scorecard_of: Sequence[object]) -> pd.DataFrame:
    """The ``kept`` rows of ``frame`` plus the computed rows (with period text)."""
    rest = frame if kept.all() else frame[kept]
    if not computed:
        return rest
    rows = computed[0] if len(computed) == 1 else computed[0].add(_Rows(
        np.concatenate([c.kpi for c in computed[1:]]), np.concatenate([c.freq for c in computed[1:]]),
        np.concatenate([c.index for c in computed[1:]]),
        {f: np.concatenate([c.values[f] for c in computed[1:]]) for f in computed[0].values}))
    key = rows.freq.astype(np.int64) * (1 << 40) + rows.index
    uniques, inverse = np.unique(key, return_inverse=True)
    labels = np.array([str(period_at(FREQ_CODES[int(u >> 40)], int(u & ((1 << 40) - 1)))) for u in uniques],
                      dtype=object)
    names, cards = np.asarray(ids, dtype=object), np.asarray(scorecard_of, dtype=object)
    added = pd.DataFrame({"kpi_id": names[rows.kpi], "period": labels[inverse], "scorecard_id": cards[rows.kpi],
                          **rows.values})
    return pd.concat([rest, added], ignore_index=True)


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
