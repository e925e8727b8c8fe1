"""KPI results per review period: actuals and targets brought to the review frequency, scored.

The computation is vectorized: for each KPI frequency the actuals and targets are laid
out on a dense grid (KPIs x periods of that frequency) and every review period is a
block of columns, so aggregating, scoring and forecasting are numpy reductions over
whole arrays — no Python loop over KPIs or rows.

Rules (docs/scoring.md has worked examples):

- A KPI measured more often than the review (monthly KPI, quarterly review) is aggregated
  over the sub-periods of the review period that have data, by its aggregation rule;
  targets, red flags and range bounds are aggregated by the same rule over the *same*
  sub-periods (over all sub-periods when none has data, so the target still shows).
  ``missing_sub_periods`` counts the sub-periods without an actual.  When a sub-period
  with an actual has no target (target and red flag, or the band) while another
  sub-period of the review period has one, the targets are *incomplete*: they are not
  aggregated over fewer months than the actual, the KPI-period is not scored ("no
  target"), and ``target_gaps`` / ``target_gap_periods`` say which sub-periods lack one.
- A KPI measured less often than the review (annual KPI, quarterly review) is due in the
  review period that contains the end of its own period. In other review periods it
  shows its latest actual (and that period's target and score) with ``due`` False.
- Forecast: where the KPI is heading at the end of the scorecard's horizon, with a
  prediction interval and the call on course / off course / uncertain / insufficient data
  (:mod:`.forecast` has the rule).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa

from ..model.periods import PER_YEAR, convert_index, convert_indices, period_at, period_columns, ratio
from . import formulas as scores
from . import missing
from .calculated import with_calculated
from .encode import FREQ_CODES, Encoded, encode
from .formulas import TARGET_FIELDS
from .threads import WORKERS, map_parts, start

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

BAND_FIELDS = ("lower", "upper", "tolerance")  # used by range KPIs; the others by higher / lower KPIs


def _aggregate(block: FloatArray, rule: str) -> FloatArray:
    """Reduce the last axis by an aggregation rule, ignoring NaN (all NaN gives NaN)."""
    present = ~np.isnan(block)
    count = present.sum(axis=-1)
    if rule == "sum":
        out = np.where(present, block, 0.0).sum(axis=-1)
    elif rule == "mean":
        with np.errstate(invalid="ignore", divide="ignore"):
            out = np.where(present, block, 0.0).sum(axis=-1) / count
    elif rule == "min":
        return np.fmin.reduce(block, axis=-1)
    elif rule == "max":
        return np.fmax.reduce(block, axis=-1)
    elif rule == "last":
        last = _last_present(present)
        out = np.take_along_axis(block, np.maximum(last, 0)[..., None], axis=-1)[..., 0]
    else:
        raise ValueError(f"unknown aggregation rule {rule!r}")
    return np.where(count > 0, out, np.nan)


def _last_present(present: npt.NDArray[np.bool_]) -> IntArray:
    """Position of the last True along the last axis (-1 when none)."""
    width = present.shape[-1]
    flipped = np.argmax(present[..., ::-1], axis=-1)
    return np.where(present.any(axis=-1), width - 1 - flipped, -1).astype(np.int64)


def _aggregate_by_rule(block: FloatArray, rules: npt.NDArray[np.str_]) -> FloatArray:
    """Aggregate each KPI's row of ``block`` (KPIs first) by that KPI's rule (rows of a rule together: slices)."""
    out = np.full(block.shape[:-1], np.nan)
    if not len(rules):
        return out
    starts = np.flatnonzero(np.append(True, rules[1:] != rules[:-1]))
    if len(starts) == len(np.unique(rules)):  # each rule one run of rows
        for a, b in zip(starts.tolist(), [*starts[1:].tolist(), len(rules)], strict=True):
            out[a:b] = _aggregate(block[a:b], str(rules[a]))
        return out
    for rule in np.unique(rules):
        rows = rules == rule
        out[rows] = _aggregate(block[rows], str(rule))
    return out


def _grid(flat: IntArray, values: FloatArray, rows: int, width: int) -> FloatArray:
    """A (rows x width) grid of NaN with ``values`` at flat positions ``flat``."""
    grid = np.full(rows * width, np.nan)
    grid[flat] = values
    return grid.reshape(rows, width)


@dataclass
class KpiArrays:
    """Results of K KPIs over P review periods as (K, P) arrays, KPIs in the order given.

    ``values`` holds actual, the five target fields, score, due, sub_periods,
    missing_sub_periods, forecast_value, forecast_lower, forecast_upper, forecast_target
    (floats or ints) and the codes
    status (into :data:`scores.STATUSES`) and forecast (into :data:`FORECASTS`).
    """

    periods: IntArray
    values: dict[str, npt.NDArray[Any]]
    as_of: IntArray  # positions in as_of_labels, -1 when no actual is shown
    as_of_labels: list[str]
    forecast_period: npt.NDArray[np.object_]  # (K,) period of the horizon end at the KPI's frequency
    calc_inputs: dict[str, tuple[str, ...]] = field(default_factory=dict)  # calculated KPIs' inputs



@dataclass
class _Group:
    """Results of one part (KPIs of one frequency), and what their forecasts start from."""

    values: dict[str, npt.NDArray[np.generic]]
    as_of: IntArray  # grid columns, -1 when no actual is shown
    first: int  # period index of the grid's first column
    width: int  # grid columns
    forecast_period: npt.NDArray[np.object_]
    grid: FloatArray  # (K, W) actuals on the part's grid of periods
    target_grid: dict[str, FloatArray]  # (K, W) per target field
    cutoff: IntArray  # (P,) last grid column known at each review period
    horizon_col: IntArray  # (K,) grid column of each KPI's horizon end


@dataclass(frozen=True)
class _Part:
    """KPIs computed together: all of one frequency (``rows``: their positions); large frequencies in chunks."""

    freq: str
    rows: IntArray


CHUNK = 5000
"""KPIs of one frequency are split into chunks (one per core) from about this many KPIs on."""


def _parts(kpi_freq: npt.NDArray[np.str_], is_range: npt.NDArray[np.bool_] | None = None,
           rules: npt.NDArray[np.str_] | None = None) -> list[_Part]:
    """The parts: the KPIs of each frequency (large ones in chunks), ordered by polarity kind and rule.

    In that order the KPIs that aggregate alike lie next to each other, so a part's arrays are
    reduced a slice at a time (views) instead of gathering rows.
    """
    parts = []
    for freq in PER_YEAR:
        rows = np.flatnonzero(kpi_freq == freq)
        if is_range is not None and rules is not None:
            rows = rows[np.lexsort((rules[rows], is_range[rows]))]
        chunks = max(1, min(WORKERS, len(rows) // CHUNK))
        parts += [_Part(freq, chunk) for chunk in np.array_split(rows, chunks) if len(chunk)]
    return parts


def _split(pieces: Sequence[Encoded], parts: Sequence[_Part], n_kpis: int) -> list[Encoded]:
    """The rows of ``pieces`` (in order) of each part: of its KPIs and of its frequency.

    Each part gathers just its rows from each piece, so the table is copied once, not joined and then sorted.
    """
    part_of = np.full(n_kpis + 1, len(parts), dtype=np.int16)  # the last entry: rows of KPIs not scored
    freq_of = np.full(len(parts) + 1, -2, dtype=np.int8)
    for i, p in enumerate(parts):
        part_of[p.rows] = i
        freq_of[i] = FREQ_CODES.index(p.freq)
    row_parts = []
    for piece in pieces:
        row_part = part_of[piece.kpi]
        row_part[freq_of[row_part] != piece.freq] = len(parts)
        row_parts.append(row_part)
    out = []
    for i in range(len(parts)):
        at = [np.flatnonzero(row_part == i) for row_part in row_parts]

        def gathered(columns: Sequence[npt.NDArray[Any]], at: list[IntArray] = at) -> npt.NDArray[Any]:
            return np.concatenate([column[rows] for column, rows in zip(columns, at, strict=True)])

        out.append(Encoded(gathered([e.kpi for e in pieces]), gathered([e.index for e in pieces]),
                           gathered([e.freq for e in pieces]),
                           {f: gathered([e.values[f] for e in pieces]) for f in pieces[0].values}))
    return out


def kpi_arrays(frames: Mapping[str, pd.DataFrame], kpis: pd.DataFrame, review_freq: str,
               review_indices: Sequence[int], forecast_for: Sequence[int] | None = None,
               forecast: bool = True) -> KpiArrays:
    """Actuals and targets of ``kpis`` brought to each review period, scored, with forecasts.

    ``review_indices`` are period indices of ``review_freq`` (see :func:`~bsc_widgets.model.periods.period_index`).
    Seasonal forecast models are fitted only for the review periods in ``forecast_for``
    (all when None); the others get the straight-line forecast.  With ``forecast`` False no
    forecast is made: the forecast values are NaN and the forecast codes -1 (none).
    """
    kpis = kpis.reset_index(drop=True)
    calculated = with_calculated(frames, kpis["kpi_id"])  # calculated KPIs: their computed actuals (and targets)
    wanted = np.asarray(sorted(set(review_indices)), dtype=np.int64)
    fit = np.isin(wanted, list(forecast_for)) if forecast_for is not None else np.ones(len(wanted), dtype=bool)
    ids = pa.array(kpis["kpi_id"], type=pa.string())
    # Stages: encode the rows, split them into parts, compute the parts side by side, forecast, merge, score.
    parts = _parts(kpis["frequency"].to_numpy(dtype=str), kpis["polarity"].to_numpy(dtype=str) == "range",
                   kpis["aggregation"].to_numpy(dtype=str))

    def encoded(table: str, fields: Sequence[str]) -> list[Encoded]:  # encoded with the calculated KPIs' rows, or not
        found = calculated.encoded(table, ids, fields)
        return found if found is not None else [encode(frames[table], ids, fields)]

    actuals, targets = map_parts(lambda job: _split(encoded(*job), parts, len(kpis)),
                                 [("actuals", ["value"]), ("targets", TARGET_FIELDS)])
    horizon = _horizon_end_index(frames["scorecards"], kpis)
    columns = {c: kpis[c].to_numpy(dtype=str) for c in ("aggregation", "polarity")}
    groups = map_parts(lambda i: _frequency_group(columns, parts[i].rows, parts[i].freq, review_freq, wanted,
                                                  actuals[i], targets[i], horizon), range(len(parts)))
    shape = (len(kpis), len(wanted))
    values: dict[str, npt.NDArray[np.generic]] = {name: np.full(shape, np.nan) for name in ("actual", *TARGET_FIELDS)}
    as_of = np.full(shape, -1, dtype=np.int64)
    forecast_period = np.full(len(kpis), "", dtype=object)
    for part, group in zip(parts, groups, strict=True):
        rows = part.rows
        if forecast:
            group.values.update(_forecasts(group, columns["polarity"][rows], part.freq, fit))
        for name, arr in group.values.items():
            if name not in values:
                values[name] = (np.full(shape, np.nan) if arr.dtype == np.float64 else
                                np.full(shape, "", dtype=object) if arr.dtype == object else np.zeros(shape, arr.dtype))
            values[name][rows] = arr
        forecast_period[rows] = group.forecast_period
    labels = _as_of_labels(parts, groups, as_of)
    for name, default in (("due", True), ("sub_periods", 0), ("missing_sub_periods", 0),
                          ("forecast", 2 if forecast else -1), ("target_gaps", 0)):
        values.setdefault(name, np.full(shape, default))
    values.setdefault("target_gap_periods", np.full(shape, "", dtype=object))
    for name in ("forecast_value", "forecast_lower", "forecast_upper", "forecast_target"):
        values.setdefault(name, np.full(shape, np.nan))
    # Why calculated KPIs are blank (Python text work) on the pool while the missing-data policies and scores run.
    reasons = start(partial(calculated.reasons, kpis["kpi_id"].tolist(), values["actual"], review_freq, wanted))
    values["calc_missing"] = np.empty(0, dtype=object)  # (its place among the values)
    result = KpiArrays(wanted, values, as_of, labels, forecast_period, calculated.inputs)
    missing.carry_forward(result, kpis, frames["scorecards"], review_freq)  # missing-data policies
    _score(result, kpis, frames["scorecards"])
    missing.fill_scores(result, kpis, frames["scorecards"])
    values["calc_missing"] = reasons.result()
    return result


def _as_of_labels(parts: Sequence[_Part], groups: Sequence[_Group], as_of: IntArray) -> list[str]:
    """The periods an actual can be "as of": per frequency, every period the parts' grids span.

    Fills ``as_of`` (K, P) with positions in that list (-1 where no actual is shown).
    """
    spans: dict[str, tuple[int, int]] = {}
    for part, group in zip(parts, groups, strict=True):
        lo, hi = spans.get(part.freq, (group.first, group.first + group.width))
        spans[part.freq] = min(lo, group.first), max(hi, group.first + group.width)
    labels: list[str] = []
    offset = {}
    for freq, (lo, hi) in spans.items():
        offset[freq] = len(labels) - lo
        labels += [str(period_at(freq, i)) for i in range(lo, hi)]
    for part, group in zip(parts, groups, strict=True):
        as_of[part.rows] = np.where(group.as_of >= 0, group.as_of + group.first + offset[part.freq], -1)
    return labels


def _horizon_end_index(scorecards: pd.DataFrame, kpis: pd.DataFrame) -> dict[str, IntArray]:
    """Per frequency, the index of the period containing each KPI's horizon end (-1 if none)."""
    # Converted once per scorecard, then given to each KPI (a KPI of no known scorecard has none).
    ends = period_columns(scorecards["horizon_end"])
    index = ends["index"].to_numpy(dtype=np.int64, na_value=-1)
    letters = ends["freq"].to_numpy(dtype=object)
    card = pd.Index(scorecards["scorecard_id"]).get_indexer(kpis["scorecard_id"])
    out = {}
    for freq in PER_YEAR:
        per_card = np.append(convert_indices(index, letters, freq), -1)
        out[freq] = per_card[np.where(card >= 0, card, len(per_card) - 1)]
    return out


def _frequency_group(columns: Mapping[str, npt.NDArray[np.str_]], rows: IntArray, freq: str, review_freq: str,
                     wanted: IntArray, act: Encoded, tgt: Encoded, horizon: Mapping[str, IntArray]) -> _Group:
    """Results of the KPIs at positions ``rows`` (all of frequency ``freq``) from their actuals and targets.

    ``columns`` holds every KPI's aggregation and polarity; ``act`` and ``tgt`` only rows of
    these KPIs at this frequency (see :func:`_split`).
    """
    local = np.full(len(columns["polarity"]) + 1, -1, dtype=np.int64)
    local[rows] = np.arange(len(rows))
    finer_or_equal = PER_YEAR[freq] >= PER_YEAR[review_freq]
    step = ratio(freq, review_freq) if finer_or_equal else 1
    # The grid spans the data, the review periods and the horizon end, aligned to review blocks.
    first_needed = int(wanted.min()) * step if finer_or_equal else convert_index(int(wanted.min()), review_freq, freq)
    last_needed = convert_index(int(wanted.max()), review_freq, freq)
    horizon_idx = horizon[freq][rows]
    data = np.concatenate([act.index, tgt.index, [first_needed, last_needed]])
    lo, hi = int(data.min()), max(int(data.max()), int(horizon_idx.max()))
    t0 = (lo // step) * step
    width = ((hi // step) + 1) * step - t0
    n_k, n_p = len(rows), len(wanted)
    values = _grid(local[act.kpi] * width + (act.index - t0), act.values["value"], n_k, width)
    tflat = local[tgt.kpi] * width + (tgt.index - t0)
    tgrid = {f: _grid(tflat, tgt.values[f], n_k, width) for f in TARGET_FIELDS}
    rules = columns["aggregation"][rows]
    is_range = columns["polarity"][rows] == "range"

    if finer_or_equal:
        blocks = (wanted * step - t0)[:, None] + np.arange(step)[None, :]  # (P, step) grid columns
        vals = values[:, blocks]  # (K, P, step)
        present = ~np.isnan(vals)
        count = present.sum(axis=-1)
        actual = _aggregate_by_rule(vals, rules) if step > 1 else vals[..., 0]
        gaps = np.zeros((n_k, n_p, step), dtype=bool)
        if step > 1:
            use = present | (count == 0)[..., None]
            # Directional KPIs need target and red flag, range KPIs the band: aggregate only those.
            agg_targets = {}
            n_dir = int((~is_range).sum())
            contiguous = not is_range[:n_dir].any()  # directional KPIs first (see _parts): slices, not masks
            for f, g in tgrid.items():
                sel: slice | npt.NDArray[np.bool_] = ((slice(n_dir, n_k) if f in BAND_FIELDS else slice(0, n_dir))
                                                      if contiguous else is_range if f in BAND_FIELDS else ~is_range)
                agg = np.full((n_k, n_p), np.nan)
                picked = g[sel][:, blocks]
                picked[~use[sel]] = np.nan
                agg[sel] = _aggregate_by_rule(picked, rules[sel])
                agg_targets[f] = agg
            # A target incomplete over the months that have actuals is not aggregated over fewer months.
            gaps, incomplete = _target_gaps(tgrid, blocks, present, is_range)
            agg_targets = {f: np.where(incomplete, np.nan, v) for f, v in agg_targets.items()}
        else:
            agg_targets = {f: np.where((is_range if f in BAND_FIELDS else ~is_range)[:, None], g[:, blocks[:, 0]],
                                       np.nan) for f, g in tgrid.items()}
        last = _last_present(present)
        as_of = np.where(last >= 0, blocks[None, :, 0] + last, -1)
        due = np.ones((n_k, n_p), dtype=bool)
        expected = np.full((n_k, n_p), step, dtype=np.int64)
        missing = step - count
        cutoff = blocks[:, -1]
        gap_count = gaps.sum(axis=-1)
        gap_periods = _gap_periods(gaps, blocks, freq, t0)
    else:
        per = ratio(review_freq, freq)
        own = wanted // per - t0  # grid column of the KPI period containing each review period's end
        is_due = (wanted + 1) % per == 0
        cutoff = np.where(is_due, own, own - 1)
        latest = np.maximum.accumulate(np.where(np.isnan(values), -1, np.arange(width)[None, :]), axis=1)
        pos = np.where(cutoff >= 0, latest[:, np.maximum(cutoff, 0)], -1)  # (K, P) latest actual position
        pos = np.where(is_due[None, :], np.where(np.isnan(values[:, own]), -1, own), pos)
        take = np.maximum(pos, 0)
        actual = np.where(pos >= 0, np.take_along_axis(values, take, axis=1), np.nan)
        agg_targets = {f: np.where((is_range if f in BAND_FIELDS else ~is_range)[:, None],
                                   np.where(pos >= 0, np.take_along_axis(g, take, axis=1), g[:, own]), np.nan)
                       for f, g in tgrid.items()}
        as_of = pos
        due = np.broadcast_to(is_due[None, :], (n_k, n_p)).copy()
        count = (~np.isnan(actual)).astype(np.int64)
        expected = np.ones((n_k, n_p), dtype=np.int64)
        missing = np.where(due, 1 - count, 0)
        gap_count = np.zeros((n_k, n_p), dtype=np.int64)
        gap_periods = np.full((n_k, n_p), "", dtype=object)

    labels = [str(period_at(freq, t0 + i)) for i in range(width)]
    horizon_col = horizon_idx - t0
    forecast_period = np.where((horizon_idx >= 0) & (horizon_col < width),
                               np.asarray([*labels, ""], dtype=object)[np.clip(horizon_col, 0, width)], "")
    return _Group(
        values={"actual": actual, **agg_targets, "due": due, "sub_periods": expected,
                "missing_sub_periods": missing, "target_gaps": gap_count, "target_gap_periods": gap_periods},
        as_of=as_of, first=t0, width=width, forecast_period=forecast_period, grid=values, target_grid=tgrid,
        cutoff=np.asarray(cutoff, dtype=np.int64), horizon_col=horizon_col,
    )


def _forecasts(group: _Group, polarity: npt.NDArray[np.str_], freq: str,
               fit: npt.NDArray[np.bool_]) -> dict[str, npt.NDArray[np.generic]]:
    """Forecasts of one part's KPIs (run one part at a time: the seasonal fits are not thread-safe)."""
    from .forecast import SEASONS, forecast  # imported when forecasting (scipy.special)

    return forecast(group.grid, group.target_grid, group.cutoff, group.horizon_col, polarity, SEASONS.get(freq, 0),
                    fit)


def _gap_periods(gaps: npt.NDArray[np.bool_], blocks: IntArray, freq: str, t0: int) -> npt.NDArray[np.object_]:
    """(K, P) text naming the sub-periods marked in ``gaps`` (K, P, step), e.g. "2026-01, 2026-03"."""
    out = np.full(gaps.shape[:2], "", dtype=object)
    step = gaps.shape[-1]
    pattern = (gaps * (1 << np.arange(step))).sum(axis=-1)  # which sub-periods, as bits
    kk, pp = np.nonzero(pattern)
    if len(kk):
        # Each (review period, pattern) is written once, however many KPIs share it.
        combos, inverse = np.unique(pp * (1 << step) + pattern[kk, pp], return_inverse=True)
        texts = [", ".join(str(period_at(freq, t0 + int(c))) for i, c in enumerate(blocks[combo >> step])
                           if combo >> i & 1) for combo in combos.tolist()]
        out[kk, pp] = np.asarray(texts, dtype=object)[inverse]
    return out


def _target_gaps(tgrid: Mapping[str, FloatArray], blocks: IntArray, present: npt.NDArray[np.bool_],
                 is_range: npt.NDArray[np.bool_]) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
    """Sub-periods with an actual but without the targets their polarity needs, and the incomplete KPI-periods.

    A KPI-period is *incomplete* when such a sub-period exists while another sub-period of
    the period has its targets: aggregating the targets over the months that have them
    would compare, say, three months of a ``sum`` KPI with two months of target.  (A
    period without any target is simply "no target".)
    """
    def lacking(fields: Sequence[str]) -> npt.NDArray[np.bool_]:
        return np.logical_or.reduce([np.isnan(tgrid[f][:, blocks]) for f in fields])

    missing = np.where(is_range[:, None, None], lacking(BAND_FIELDS), lacking(("target", "red_flag")))
    gaps = np.asarray(present & missing, dtype=bool)
    incomplete = np.asarray(gaps.any(axis=-1) & (~missing).any(axis=-1), dtype=bool)
    return gaps & incomplete[..., None], incomplete


def _score(result: KpiArrays, kpis: pd.DataFrame, scorecards: pd.DataFrame) -> None:
    """Add variance, score and status codes to ``result`` (in place)."""
    v = result.values
    polarity = kpis["polarity"].to_numpy(dtype=str)[:, None]
    a = np.asarray(v["actual"], dtype=np.float64)  # no copy: they are float arrays already
    t = {f: np.asarray(v[f], dtype=np.float64) for f in TARGET_FIELDS}
    score = scores.score(polarity, a, t["target"], t["red_flag"], t["lower"], t["upper"], t["tolerance"])
    has_t = scores.has_target(polarity, t["target"], t["red_flag"], t["lower"], t["upper"], t["tolerance"])
    thresholds = scorecards.set_index("scorecard_id")[["green_from", "amber_from"]]
    green = kpis["scorecard_id"].map(thresholds["green_from"]).to_numpy(np.float64, na_value=scores.GREEN_FROM)
    amber = kpis["scorecard_id"].map(thresholds["amber_from"]).to_numpy(np.float64, na_value=scores.AMBER_FROM)
    v["score"] = np.where(has_t, score, np.nan)
    v["status"] = scores.status_codes(v["score"], ~np.isnan(a), has_t, green[:, None], amber[:, None])
    with np.errstate(invalid="ignore"):
        outside = np.where(a < t["lower"], a - t["lower"], np.where(a > t["upper"], a - t["upper"], 0.0))
    v["variance"] = np.where(polarity == "range", np.where(np.isnan(a), np.nan, outside), a - t["target"])


def period_labels(freq: str, indices: IntArray) -> npt.NDArray[np.object_]:
    """Period strings for period indices (each distinct index formatted once)."""
    uniques, inverse = np.unique(indices, return_inverse=True)
    return np.array([str(period_at(freq, int(i))) for i in uniques], dtype=object)[inverse]
