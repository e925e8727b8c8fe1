"""Forecasts: where each KPI is heading at the end of the horizon, with a prediction interval, and the call.

The rule (docs/scoring.md, section 8, has worked examples):

- Only the actuals known at the end of the review period (its *cutoff*) count.
- **Seasonal model** when the unbroken run of actuals ending at the cutoff covers at least
  two full seasons (24 months, or 14 quarters: the heuristic start needs 10 + 2 · ⌊m/2⌋
  points) *and* the seasons differ significantly from a straight line (F-test of seasonal
  means on top of the line, p < :data:`SEASONAL_P`): Holt-Winters with an additive damped
  trend and additive seasons (:mod:`.holt_winters`, the same model as statsmodels' ETS
  with additive errors), its spread that of the ETS model.
- **Straight line** otherwise, with at least :data:`MIN_POINTS` actuals: the least-squares
  line through the actuals up to the cutoff and its ordinary-least-squares prediction
  interval (Student's t with n − 2 degrees of freedom).
- **Calibration** (split-conformal).  Both models assume more than KPIs deliver (trends
  that do not bend), so their own intervals are too narrow, the more so the further ahead
  and the longer the history.  The interval is calibrated on what the same model got wrong
  before, at the same lead, on the KPIs scored together (those of the same frequency: a
  scorecard and its departments), from the actuals known at the cutoff: from every earlier
  period o, the model (the line through the actuals up to o, when there are at least
  :data:`MIN_ORIGIN`; Holt-Winters from its states after o, after the seasons its start
  reads, pooled over the KPIs with seasons) forecast 1 to :data:`CALIBRATION_LEADS`
  periods ahead; each error whose actual is known is measured in units of that KPI's
  *scale* at o, the mean absolute change between its consecutive actuals up to o
  (:func:`change_scale`).  With N such errors at the forecast's lead, q is the
  ⌈0.8 (N + 1)⌉-th smallest; with fewer than :data:`MIN_POOL`, q of the longest shorter
  lead l that has them, times (lead / l) ** :data:`GROWTH`.  The interval is the point ±
  the larger of the model's own half-width and q × the KPI's scale at the cutoff (the
  model's own half-width when no lead has enough errors).
- The interval holds :data:`LEVEL` (80 %) of the outcomes.  The call:
  **on course** when the whole interval meets the target (≥ for higher, ≤ for lower is
  better, inside the band for range KPIs), **off course** when the whole interval misses
  it, **uncertain** when the target (or a band edge) lies inside the interval, and
  **insufficient data** with fewer than 3 actuals, no horizon, or no target there.

Everything is vectorized: the line, its calibration and the seasonal test over all KPIs and
review periods at once (the calibration of the line on at most :data:`POOL_KPIS` of the
KPIs, every n-th); the Holt-Winters fits over all seasonal cases of one season length at
once (only for the review periods asked for).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.special import fdtrc, stdtrit  # t and F tails as scipy.stats computes them, without its 1.5 s import

from . import holt_winters as hw

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

ON_COURSE, OFF_COURSE, INSUFFICIENT, UNCERTAIN = "on course", "off course", "insufficient data", "uncertain"
FORECASTS = (ON_COURSE, OFF_COURSE, INSUFFICIENT, UNCERTAIN)  # the codes of the ``forecast`` column, in order
MIN_POINTS = 3
LEVEL = 0.8  # share of outcomes inside the prediction interval
SEASONS = {"M": 12, "Q": 4}  # periods per season by KPI frequency (annual KPIs have none)
SEASONAL_P = 0.001  # seasons are modelled only when they differ from a line this clearly
CALIBRATION_LEADS = 24  # past forecasts 1 .. this many periods ahead calibrate the interval
GROWTH = 0.5  # a borrowed quantile grows as (lead / borrowed lead) to this power
MIN_ORIGIN = 4  # past forecasts of the line count from lines through at least this many actuals
MIN_POOL = 20  # past errors a lead needs to calibrate
POOL_KPIS = 2000  # the line is calibrated on at most this many KPIs (every n-th)
Z = 1.2815515655446004  # the normal half-width of the 80 % interval in standard errors: scipy's norm.ppf(0.9)
_ROUNDING = 1e-12  # a residual sum of squares below this share of the total is floating-point rounding


def min_seasonal_points(season: int) -> int:
    """Consecutive actuals the seasonal model needs: two full seasons and the heuristic start."""
    return hw.min_points(season)


@dataclass(frozen=True)
class Prediction:
    """Forecasts at given grid columns: the point and the model's own 80 % half-width, (K, P, L) each.

    ``interval`` (K, P) is the calibrated half-width of the interval at the last column
    asked (at least the model's own) and ``seasonal`` (K, P) says where the seasonal model
    forecast.
    """

    point: FloatArray
    half_width: FloatArray
    interval: FloatArray
    seasonal: npt.NDArray[np.bool_]


def forecast(values: FloatArray, targets: Mapping[str, FloatArray], cutoff: IntArray, horizon_col: IntArray,
             polarity: npt.NDArray[np.str_], season: int = 0,
             fit: npt.NDArray[np.bool_] | None = None) -> dict[str, npt.NDArray[np.generic]]:
    """Forecasts of K KPIs at their horizon end, for P review periods.

    ``values`` is the (K, W) grid of actuals (NaN where none), ``targets`` the (K, W) grids
    of the target fields, ``cutoff`` the (P,) last grid column known at each review period,
    ``horizon_col`` the (K,) grid column of each KPI's horizon end (out of range for none),
    ``season`` the periods per season (0: never seasonal) and ``fit`` the (P,) review
    periods whose seasonal models are fitted (all when None; the others use the line).
    Returns (K, P) arrays forecast_value, forecast_lower, forecast_upper, forecast_target
    and the codes ``forecast`` (into :data:`FORECASTS`).
    """
    width = values.shape[1]
    valid_h = (horizon_col >= 0) & (horizon_col < width)
    columns = np.broadcast_to(np.where(valid_h, horizon_col, -1)[:, None, None], (len(values), len(cutoff), 1))
    found = predict(values, cutoff, columns, season, fit)
    point = np.where(valid_h[:, None], found.point[..., 0], np.nan)
    lower, upper = point - found.interval, point + found.interval
    h = np.where(valid_h, horizon_col, 0)
    target = {f: np.where(valid_h, g[np.arange(len(h)), h], np.nan)[:, None] for f, g in targets.items()}
    code = call(point, lower, upper, target["target"], target["lower"], target["upper"], polarity[:, None])
    shown_target = np.where(polarity[:, None] == "range", np.nan, target["target"])
    return {"forecast_value": point, "forecast_lower": lower, "forecast_upper": upper,
            "forecast_target": np.broadcast_to(shown_target, point.shape).copy(), "forecast": code}


def forecast_path(values: FloatArray, cutoff: int, horizon_col: int, season: int = 0) -> Prediction:
    """One KPI's forecast for every period after ``cutoff`` up to ``horizon_col`` (columns of ``values``).

    The same model and model choice as :func:`forecast`, whose forecast is the last point of
    the path: ``point`` and ``half_width`` are (1, 1, L).  Its ``interval`` is calibrated on
    this KPI alone; the scored forecast's is calibrated on the KPIs scored together.
    """
    columns = np.arange(cutoff + 1, horizon_col + 1, dtype=np.int64)[None, None, :]
    return predict(values[None, :], np.array([cutoff], dtype=np.int64), columns, season)


def predict(values: FloatArray, cutoff: IntArray, columns: IntArray, season: int = 0,
            fit: npt.NDArray[np.bool_] | None = None) -> Prediction:
    """Forecasts of K KPIs from P cutoffs at the (K, P, L) grid ``columns`` (negative: none), calibrated.

    The seasonal model is used where :func:`seasonal_cases` says so (for every column
    after the cutoff; ``fit`` limits the cutoffs), the line elsewhere.  ``interval`` is
    calibrated for the lead of the last column.
    """
    line = _line_stats(values, cutoff)
    point, half = _line_at(line, columns)
    leads = columns[..., -1] - cutoff[None, :] if columns.shape[-1] else np.zeros(point.shape[:2], np.int64)
    scale = change_scale(values)
    seasonal = np.zeros(point.shape[:2], dtype=bool)
    quantile = np.full(point.shape[:2], np.nan)
    if season and len(cutoff) and columns.size:
        first = np.where((columns >= 0).all(axis=-1), columns.min(axis=-1), -1)  # (K, P) the earliest column asked
        cases = seasonal_cases(values, cutoff, first, season, fit)
        if cases.any():
            kk, pp = np.nonzero(cases)
            fitted, runs, start = _fit_seasonal(values, cutoff, kk, pp, season)
            p_, sd = hw.predict(fitted, columns[kk, pp] - cutoff[pp][:, None])
            ok = np.isfinite(p_).all(axis=1) & np.isfinite(sd).all(axis=1)
            point[kk[ok], pp[ok]], half[kk[ok], pp[ok]] = p_[ok], Z * sd[ok]
            seasonal[kk[ok], pp[ok]] = True
            cols = np.minimum(start[:, None] + np.arange(runs.shape[1])[None, :], values.shape[1] - 1)
            q = _seasonal_quantile(fitted, runs, scale[kk[:, None], cols], pp, len(cutoff), leads[kk, pp])
            quantile[kk[ok], pp[ok]] = q[ok]
    quantile = np.where(seasonal, quantile, _line_quantile(values, cutoff, leads, scale, ~seasonal))
    at_cutoff = scale[:, np.clip(cutoff, 0, values.shape[1] - 1)]
    own = half[..., -1] if half.shape[-1] else np.full(point.shape[:2], np.nan)
    interval = np.where(np.isnan(quantile) | np.isnan(at_cutoff), own, np.fmax(own, quantile * at_cutoff))
    return Prediction(point, half, interval, seasonal)


def change_scale(values: FloatArray) -> FloatArray:
    """(K, W) the mean absolute change between consecutive actuals up to each column (NaN before any).

    The scale of the calibration: a forecast's error is measured in these units, so that
    KPIs of any size and smoothness pool together.
    """
    change = np.abs(np.diff(values, axis=1))
    known = ~np.isnan(change)
    total = np.cumsum(np.where(known, change, 0.0), axis=1)
    count = np.cumsum(known, axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.where(count > 0, total / count, np.nan)
    return np.concatenate([np.full((len(values), 1), np.nan), out], axis=1)


def call(point: FloatArray, lower: FloatArray, upper: FloatArray, target: FloatArray, band_lower: FloatArray,
         band_upper: FloatArray, polarity: npt.NDArray[np.str_]) -> npt.NDArray[np.int8]:
    """Codes into :data:`FORECASTS` for forecasts with intervals [lower, upper] (arrays broadcast)."""
    is_range = polarity == "range"
    lower_better = polarity == "lower"
    with np.errstate(invalid="ignore"):
        on = np.where(is_range, (lower >= band_lower) & (upper <= band_upper),
                      np.where(lower_better, upper <= target, lower >= target))
        off = np.where(is_range, (upper < band_lower) | (lower > band_upper),
                       np.where(lower_better, lower > target, upper < target))
    has = np.where(is_range, ~np.isnan(band_lower) & ~np.isnan(band_upper), ~np.isnan(target))
    code = np.where(on, 0, np.where(off, 1, 3))
    return np.where(np.isnan(point) | ~has, 2, code).astype(np.int8)


def _quantiles(ratios: list[FloatArray], members: list[npt.NDArray[np.bool_]], leads: IntArray,
               group: IntArray) -> FloatArray:
    """Widening factors from pooled past errors.

    ``ratios[l - 1]`` holds the absolute error / half-width ratios at lead l and
    ``members[l - 1]`` (G, N) which of them each pool g may use; ``leads`` and ``group``
    (any shape) say each forecast's lead and pool.  The result is the ⌈0.8 (N + 1)⌉-th
    smallest ratio of the pool at that lead; at a lead with fewer than :data:`MIN_POOL`
    ratios, that of the longest shorter lead with enough, times lead / that lead; NaN
    without any.
    """
    n_groups = members[0].shape[0] if members else 0
    table = np.full((n_groups, len(ratios) + 1), np.nan)  # column l: lead l (column 0: none)
    for lead, (r, member) in enumerate(zip(ratios, members, strict=True), start=1):
        order = np.argsort(r, kind="stable")
        r, member = r[order], member[:, order]
        count = member.sum(axis=1)
        rank = np.ceil(LEVEL * (count + 1)).astype(np.int64)
        enough = (count >= MIN_POOL) & (rank <= count)
        position = np.argmax(np.cumsum(member, axis=1) >= rank[:, None], axis=1) if r.size else np.zeros(n_groups, int)
        table[enough, lead] = r[position[enough]]
    # A lead without enough errors borrows from the longest shorter lead that has them.
    used = np.maximum.accumulate(np.where(np.isnan(table), 0, np.arange(table.shape[1])[None, :]), axis=1)
    at = np.clip(leads, 0, len(ratios))
    if not n_groups:
        return np.full(np.shape(leads), np.nan)
    source = used[group, np.minimum(at, table.shape[1] - 1)]
    with np.errstate(invalid="ignore", divide="ignore"):
        return table[group, source] * (np.maximum(leads, 1) / source) ** GROWTH


def _line_stats(values: FloatArray, cutoff: IntArray) -> dict[str, FloatArray]:
    """Least-squares lines through the actuals up to each cutoff: (K, P) n, x̄, ȳ, slope, Σ(x − x̄)², s²."""
    present = ~np.isnan(values)
    x = np.arange(values.shape[1], dtype=np.float64)
    y = np.where(present, values, 0.0)
    # Sums over the columns up to each cutoff, as matrix products with a (columns x periods) mask.
    upto = (x[:, None] <= cutoff[None, :]).astype(np.float64)
    p = present.astype(np.float64)
    n = p @ upto
    sx, sxx = p @ (x[:, None] * upto), p @ (x[:, None] ** 2 * upto)
    sy, sxy, syy = y @ upto, y @ (x[:, None] * upto), (y * y) @ upto
    return _line_from_sums(n, sx, sxx, sy, sxy, syy)


def _line_from_sums(n: FloatArray, sx: FloatArray, sxx: FloatArray, sy: FloatArray, sxy: FloatArray,
                    syy: FloatArray) -> dict[str, FloatArray]:
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_x, mean_y = sx / n, sy / n
        vxx, vxy, vyy = sxx - n * mean_x ** 2, sxy - n * mean_x * mean_y, syy - n * mean_y ** 2
        slope = vxy / vxx
        rss = vyy - slope * vxy
        rss = np.where(rss <= _ROUNDING * np.abs(vyy), 0.0, rss)
        s2 = rss / (n - 2)
    return {"n": n, "mean_x": mean_x, "mean_y": mean_y, "slope": slope, "vxx": vxx, "s2": s2}


_T_QUANTILES: dict[int, FloatArray] = {}


def _t_quantile(df: FloatArray) -> FloatArray:
    """Student's t at (1 + LEVEL) / 2 for degrees of freedom ``df`` (≥ 1; looked up from a table)."""
    top = int(np.nanmax(df, initial=1))
    table = _T_QUANTILES.get(top)
    if table is None:
        table = _T_QUANTILES.setdefault(top, stdtrit(np.arange(1, top + 1), (1 + LEVEL) / 2))
    return table[np.clip(np.nan_to_num(df, nan=1).astype(np.int64) - 1, 0, top - 1)]


def _line_at(line: Mapping[str, FloatArray], columns: IntArray) -> tuple[FloatArray, FloatArray]:
    """Point and 80 % OLS half-width of the (K, P) lines at the (K, P, L) ``columns`` (NaN with too few actuals)."""
    h = np.where(columns >= 0, columns, np.nan).astype(np.float64)
    n, mean_x, vxx = line["n"][..., None], line["mean_x"][..., None], line["vxx"][..., None]
    with np.errstate(invalid="ignore", divide="ignore"):
        point = line["mean_y"][..., None] + line["slope"][..., None] * (h - mean_x)
        spread = np.sqrt(line["s2"][..., None] * (1 + 1 / n + (h - mean_x) ** 2 / vxx))
    enough = n >= MIN_POINTS
    half = _t_quantile(n - 2) * spread
    return np.where(enough, point, np.nan), np.where(enough, half, np.nan)


def _line_quantile(values: FloatArray, cutoff: IntArray, leads: IntArray, scale: FloatArray,
                   uses_line: npt.NDArray[np.bool_]) -> FloatArray:
    """(K, P) the line's calibrated error quantile at each forecast's lead, in units of :func:`change_scale`.

    On at most :data:`POOL_KPIS` of the KPIs, the line through the actuals up to each column
    o forecasts columns o + 1 .. o + :data:`CALIBRATION_LEADS`; each error with a known
    actual, divided by the scale at o, counts for the cutoffs at or after the column it
    forecast where the KPI's forecast ``uses_line`` (K, P).
    """
    step = max(1, -(-len(values) // POOL_KPIS))
    rows, rows_scale, line_rows = values[::step], scale[::step], uses_line[::step]
    present = ~np.isnan(rows)
    width = rows.shape[1]
    x = np.arange(width, dtype=np.float64)
    y = np.where(present, rows, 0.0)
    p = present.astype(np.float64)
    sums = {name: np.cumsum(a, axis=1) for name, a in
            (("n", p), ("sx", p * x), ("sxx", p * x * x), ("sy", y), ("sxy", y * x), ("syy", y * y))}
    origin = _line_from_sums(**sums)  # (R, W): the line through the actuals up to each column
    top = int(min(CALIBRATION_LEADS, width - 1, max(int(leads.max(initial=0)), 0)))
    ratios, members = [], []
    for lead in range(1, top + 1):
        at = {name: a[:, :-lead] for name, a in origin.items()}
        target = np.broadcast_to(np.arange(lead, width)[None, :], at["n"].shape)
        point = _line_at(at, target[..., None])[0][..., 0]
        unit = rows_scale[:, :-lead]
        known = present[:, lead:] & (at["n"] >= MIN_ORIGIN) & ~np.isnan(point) & (unit > 0)
        ratios.append(np.abs(rows[:, lead:] - point)[known] / unit[known])
        owner = np.broadcast_to(np.arange(len(rows))[:, None], known.shape)[known]
        members.append((target[known][None, :] <= cutoff[:, None]) & line_rows[owner].T)
    group = np.broadcast_to(np.arange(len(cutoff))[None, :], leads.shape)
    return _quantiles(ratios, members, leads, group)


def _fit_seasonal(values: FloatArray, cutoff: IntArray, kk: IntArray, pp: IntArray,
                  season: int) -> tuple[hw.Fitted, FloatArray, IntArray]:
    """Holt-Winters fitted to the unbroken runs ending at the cutoffs of the cases (kk, pp), all at once."""
    start = _run_start(values, cutoff)[kk, pp]
    lengths = (cutoff[pp] - start + 1).astype(np.int64)
    cols = start[:, None] + np.arange(int(lengths.max()))[None, :]
    runs = np.where(cols <= cutoff[pp][:, None], values[kk[:, None], np.minimum(cols, values.shape[1] - 1)], np.nan)
    return hw.fit(runs, lengths, season), runs, start


def _seasonal_quantile(fitted: hw.Fitted, runs: FloatArray, scale: FloatArray, pool: IntArray, pools: int,
                       leads: IntArray) -> FloatArray:
    """(B,) calibrated error quantiles of the seasonal cases, pooled over the cases of the same cutoff (``pool``).

    From the states after each period o of a run (after the first seasons, which the
    initial states read), the model forecasts 1 .. :data:`CALIBRATION_LEADS` periods ahead
    wherever the run has the actual; each error is divided by ``scale`` (B, T) at o, the
    :func:`change_scale` there.
    """
    start = hw.initial_states(runs, fitted.lengths, fitted.season)
    _, _, history = hw.smooth(runs, fitted.lengths, fitted.season, fitted.params, start, keep=True)
    after_start = hw.initial_window(fitted.lengths, fitted.season) - 1  # origins that did not see the start's data
    top = int(min(CALIBRATION_LEADS, max(int(leads.max(initial=0)), 0)))
    by_lead: list[list[FloatArray]] = [[] for _ in range(top)]
    owner: list[list[IntArray]] = [[] for _ in range(top)]
    steps = np.arange(1, top + 1)
    for o, states in enumerate(history[:-1]):
        ahead = o + steps
        inside = (ahead[None, :] < fitted.lengths[:, None]) & (o >= after_start[:, None])
        if o >= fitted.lengths.max():
            break
        point, _ = hw.forecast_from(states, np.full(len(runs), o), fitted.params, fitted.season, fitted.sigma2,
                                    np.broadcast_to(steps, (len(runs), top)))
        actual = runs[:, np.minimum(ahead, runs.shape[1] - 1)]
        unit = scale[:, o][:, None]
        known = inside & (unit > 0)
        ratio = np.abs(actual - point) / np.where(known, unit, 1.0)
        for i in range(top):
            by_lead[i].append(ratio[known[:, i], i])
            owner[i].append(pool[known[:, i]])
    ratios = [np.concatenate(r) if r else np.zeros(0) for r in by_lead]
    members = [np.concatenate(w)[None, :] == np.arange(pools)[:, None] if w else np.zeros((pools, 0), bool)
               for w in owner]
    return _quantiles(ratios, members, leads, pool)


def _run_start(values: FloatArray, cutoff: IntArray) -> IntArray:
    """(K, P) first column of the unbroken run of actuals that ends at each cutoff (cutoff + 1 when none)."""
    cols = np.arange(values.shape[1])
    last_gap = np.maximum.accumulate(np.where(np.isnan(values), cols[None, :], -1), axis=1)
    c = np.clip(cutoff, 0, values.shape[1] - 1)
    return np.where(cutoff[None, :] >= 0, last_gap[:, c] + 1, 0).astype(np.int64)


def seasonal_cases(values: FloatArray, cutoff: IntArray, horizon_col: IntArray, season: int,
                   fit: npt.NDArray[np.bool_] | None = None) -> npt.NDArray[np.bool_]:
    """(K, P) where the seasonal model applies: a long enough unbroken run, a later horizon, significant seasons.

    ``horizon_col`` is (K,), or (K, P): the column forecast from each cutoff.

    Seasons are significant when adding a mean per season to the least-squares line
    reduces the residual sum of squares so much that the F-test gives p < :data:`SEASONAL_P`.
    The test runs on the unbroken run of actuals ending at each cutoff, from cumulative
    sums, for all candidate KPIs and cutoffs at once (only the cutoffs in ``fit``, when given).
    """
    start = _run_start(values, cutoff)
    cases = ((cutoff[None, :] - start + 1 >= min_seasonal_points(season))
             & ((horizon_col if horizon_col.ndim == 2 else horizon_col[:, None]) > cutoff[None, :]))
    if fit is not None:
        cases &= fit[None, :]
    kk, pp = np.nonzero(cases)
    if not len(kk):
        return cases
    begin, end = start[kk, pp], cutoff[pp]  # the run: columns begin .. end, all with an actual
    y = np.where(np.isnan(values), 0.0, values)
    x = np.arange(values.shape[1], dtype=np.float64)[None, :]
    # Sums over the run (closed form for the columns, cumulative sums for the values).
    n = (end - begin + 1).astype(np.float64)
    sx = (begin + end) * n / 2
    sxx = (_squares_upto(end) - _squares_upto(begin - 1)).astype(np.float64)

    def run_sum(a: FloatArray) -> FloatArray:
        total = np.concatenate([np.zeros((len(a), 1)), np.cumsum(a, axis=1)], axis=1)
        return total[kk, end + 1] - total[kk, begin]

    sy, sxy, syy = run_sum(y), run_sum(x * y), run_sum(y * y)
    # Per season class (column mod season): its columns in the run and the sum of its values there.
    last = end[:, None] - season + 1 + np.arange(season)[None, :]  # the class's last column in the run
    count = (last - begin[:, None]) // season + 1
    first = last - season * (count - 1)
    ns, sxs = count.astype(np.float64), (first + last) * count / 2
    padded = np.concatenate([y, np.zeros((len(y), (-y.shape[1]) % season))], axis=1)
    by_class = np.cumsum(padded.reshape(len(y), -1, season), axis=1).reshape(len(y), -1)
    by_class = np.concatenate([np.zeros((len(y), season)), by_class], axis=1)  # column j is at j + season
    sys_ = by_class[kk[:, None], last + season] - by_class[kk[:, None], first]  # first - season + season
    # Within-season sums of squares: the line with one mean per season (Frisch-Waugh).
    wxx = sxx - (sxs ** 2 / ns).sum(axis=1)
    wxy = sxy - (sxs * sys_ / ns).sum(axis=1)
    wyy = syy - (sys_ ** 2 / ns).sum(axis=1)
    vxx, vxy, vyy = sxx - sx ** 2 / n, sxy - sx * sy / n, syy - sy ** 2 / n
    rss_line = np.maximum(vyy - vxy ** 2 / vxx, 0.0)
    rss_seasons = np.maximum(wyy - wxy ** 2 / wxx, 0.0)
    rss_seasons = np.where(rss_seasons <= _ROUNDING * np.abs(vyy), 0.0, rss_seasons)
    test = rss_line > _ROUNDING * np.abs(vyy)
    with np.errstate(divide="ignore"):
        f = ((rss_line - rss_seasons) / (season - 1)) / (rss_seasons / (n - season - 1))
    p_value = np.ones(len(kk))
    p_value[test] = fdtrc(season - 1, n[test] - season - 1, f[test])
    out = np.zeros_like(cases)
    out[kk, pp] = test & (p_value < SEASONAL_P)
    return out


def _squares_upto(j: IntArray) -> IntArray:
    """0² + 1² + ... + j² (0 for j < 0)."""
    j = np.maximum(j, -1)
    return j * (j + 1) * (2 * j + 1) // 6
