"""Holt-Winters with an additive damped trend and additive seasons, in numpy, for many series at once.

The model is statsmodels' ``ETSModel(error="add", trend="add", damped_trend=True,
seasonal="add", initialization_method="heuristic")``, written in the smoothing form of its
``holtwinters.ExponentialSmoothing`` (tests/test_forecast.py checks that fitted values,
forecasts and intervals agree with the first, and fitted values with the second, at the
same parameters; ``ExponentialSmoothing.forecast`` itself differs at leads that are whole
seasons, where it takes the season of one season too early).  It is written here so that
scoring does not import statsmodels and fits every series of one season length together:

- **Smoothing** (:func:`smooth`), for each period t with the actual y, level l, trend b,
  season s (of the same phase one season earlier), smoothing parameters α, β, γ and damping φ::

      l' = α (y − s) + (1 − α)(l + φ b)
      b' = β (l' − l) + (1 − β) φ b
      s' = γ (y − l − φ b) + (1 − γ) s

  and the forecast h periods after the last actual is l + (φ + … + φ^h) b + s of that phase.
- **Initial states**: statsmodels' heuristic (Hyndman & Athanasopoulos, section 2.6): a
  centred moving average over the first seasons gives the seasons (detrended means, summing
  to 0) and, through a line over its first 10 values, the initial level and trend.
- **Fitting** (:func:`fit`): the parameters minimise the sum of squared one-step errors
  over a grid (:data:`GRID`), then over a finer grid around each series' best point; all
  series and all parameter points run through the recursion together as one array.
- **Spread**: the model's standard error h periods ahead is that of the ETS model with
  additive errors, whose parameters are α, αβ, γ and φ (Hyndman et al. 2008, table 6.1),
  σ_h² = σ² (1 + Σ_{j<h} c_j²) with c_j = α + αβ (φ + … + φ^j) + γ [j a multiple of m]
  and σ² the mean squared one-step error.

Series are rows of a 2-D array, left-aligned (row b holds ``lengths[b]`` actuals, then NaN).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

# The coarse grid of (α, β, γ, φ); the fine grid steps around the best point by these fractions of its spacing.
GRID = {"alpha": (0.05, 0.15, 0.3, 0.5, 0.7, 0.9), "beta": (0.01, 0.05, 0.15, 0.3),
        "gamma": (0.01, 0.05, 0.15, 0.3, 0.5), "phi": (0.8, 0.9, 0.98)}
BOUNDS = {"alpha": (0.0001, 0.9999), "beta": (0.0001, 0.9999), "gamma": (0.0, 0.9999), "phi": (0.8, 0.98)}
_FINE = (-0.5, 0.0, 0.5)


def min_points(season: int) -> int:
    """Actuals the heuristic start needs: two full seasons and 10 seasonally adjusted values."""
    return max(2 * season, 10 + 2 * (season // 2))


@dataclass(frozen=True)
class Params:
    """Smoothing parameters per series (arrays broadcast against each other)."""

    alpha: FloatArray
    beta: FloatArray
    gamma: FloatArray
    phi: FloatArray


@dataclass(frozen=True)
class States:
    """Initial (or final) states per series: level, trend, and the season ring (B, m).

    ``seasons[:, t % m]`` is the season of the series' period t (0 = its first actual).
    """

    level: FloatArray
    trend: FloatArray
    seasons: FloatArray


@dataclass(frozen=True)
class Fitted:
    """A fitted batch: parameters, final states, one-step errors (B, T) and σ² per series."""

    params: Params
    final: States
    lengths: IntArray
    season: int
    errors: FloatArray
    sigma2: FloatArray


def initial_window(lengths: IntArray, season: int) -> IntArray:
    """How many of each row's first actuals the heuristic start reads (whole seasons, up to 5)."""
    cycles = np.maximum(np.minimum(5, lengths // season), int(np.ceil((10 + 2 * (season // 2)) / season)))
    return np.minimum(cycles * season, lengths)


def initial_states(runs: FloatArray, lengths: IntArray, season: int) -> States:
    """statsmodels' heuristic initial level, trend and seasons of each row (see the module docstring)."""
    m = season
    b = len(runs)
    level, trend, seasons = np.empty(b), np.empty(b), np.empty((b, m))
    cycles = -(-initial_window(lengths, m) // m)
    lead = m // 2  # leading NaN of the centred moving average (the same for all rows)
    for k in np.unique(cycles):  # rows that use the same number of seasons, together
        rows = np.flatnonzero(cycles == k)
        width = int(k) * m
        window = np.full((len(rows), width), np.nan)
        take = min(width, runs.shape[1])
        window[:, :take] = runs[rows, :take]
        window[np.arange(width)[None, :] >= lengths[rows, None]] = np.nan
        moving = _centred_mean(window, m)
        detrended = (window - moving).reshape(len(rows), int(k), m)
        s = np.nanmean(detrended, axis=1)
        seasons[rows] = s - s.mean(axis=1, keepdims=True)
        first10 = moving[:, lead:lead + 10]
        x = np.arange(1, 11, dtype=np.float64)
        dx = x - x.mean()
        slope = (dx * (first10 - first10.mean(axis=1, keepdims=True))).sum(axis=1) / (dx ** 2).sum()
        trend[rows] = slope
        level[rows] = first10.mean(axis=1) - slope * x.mean()
    return States(level, trend, seasons)


def _centred_mean(window: FloatArray, m: int) -> FloatArray:
    """pandas' ``rolling(m, center=True).mean()`` (and, for even m, ``.shift(-1).rolling(2).mean()``) per row."""
    n = window.shape[1]
    csum = np.concatenate([np.zeros((len(window), 1)), np.cumsum(window, axis=1)], axis=1)
    out = np.full(window.shape, np.nan)
    # rolling(m, center=True): the mean of the m values ending at t + (m - 1) // 2 (labelled t).
    ends = np.arange(n) + (m - 1) // 2
    ok = (ends < n) & (ends - m + 1 >= 0)
    out[:, ok] = (csum[:, ends[ok] + 1] - csum[:, ends[ok] - m + 1]) / m
    if m % 2 == 0:
        shifted = np.full(window.shape, np.nan)
        shifted[:, :-1] = out[:, 1:]
        pair = np.full(window.shape, np.nan)
        pair[:, 1:] = (shifted[:, 1:] + shifted[:, :-1]) / 2
        out = pair
    return out


def smooth(runs: FloatArray, lengths: IntArray, season: int, params: Params, start: States,
           keep: bool = False) -> tuple[States, FloatArray, list[States]]:
    """Run the recursion over each row's actuals: final states, one-step errors (B, T) and, with ``keep``, all states.

    Rows may carry extra leading dimensions in ``params`` (a grid): arrays broadcast, the
    series being the first axis.  Errors after a row's last actual are 0.
    """
    m = season
    a, bt, g, phi = params.alpha, params.beta, params.gamma, params.phi
    ndim = max(1, *(np.ndim(v) for v in (a, bt, g, phi)))
    tail = (slice(None),) + (None,) * (ndim - 1)
    shape = np.broadcast_shapes(start.level[tail].shape, *(np.shape(v) for v in (a, bt, g, phi)))
    level = np.broadcast_to(start.level[tail], shape).copy()
    trend = np.broadcast_to(start.trend[tail], shape).copy()
    ring = np.broadcast_to(start.seasons[(*tail, slice(None))], (*shape, m)).copy()
    errors = np.zeros((*shape, runs.shape[1]))
    history: list[States] = []
    for t in range(int(lengths.max()) if len(lengths) else 0):
        active = (t < lengths)[tail]
        y = runs[:, t][tail]
        s = ring[..., t % m]
        damped = phi * trend
        forecast = level + damped + s
        err = np.where(active, y - forecast, 0.0)
        new_level = a * (y - s) + (1 - a) * (level + damped)
        new_trend = bt * (new_level - level) + (1 - bt) * damped
        new_s = g * (y - level - damped) + (1 - g) * s
        ring[..., t % m] = np.where(active, new_s, s)
        level = np.where(active, new_level, level)
        trend = np.where(active, new_trend, trend)
        errors[..., t] = err
        if keep:
            history.append(States(level.copy(), trend.copy(), ring.copy()))
    return States(level, trend, ring), errors, history


def fit(runs: FloatArray, lengths: IntArray, season: int) -> Fitted:
    """Fit each row: the grid point (then the fine-grid point) with the least sum of squared one-step errors."""
    start = initial_states(runs, lengths, season)
    names = ("alpha", "beta", "gamma", "phi")
    grid = np.array(list(itertools.product(*(GRID[n] for n in names))))  # (G, 4)
    best = _best(runs, lengths, season, start, np.broadcast_to(grid, (len(runs), *grid.shape)))
    # The fine grid: around each row's best point, half a coarse step either way in every parameter.
    spacing = np.array([np.diff(GRID[n]).min() for n in names])
    offsets = np.array(list(itertools.product(_FINE, repeat=4))) * spacing  # (81, 4)
    lo, hi = np.array([BOUNDS[n][0] for n in names]), np.array([BOUNDS[n][1] for n in names])
    best = _best(runs, lengths, season, start, np.clip(best[:, None, :] + offsets[None, :, :], lo, hi))
    params = Params(*(best[:, i] for i in range(4)))
    final, errors, _ = smooth(runs, lengths, season, params, start)
    sigma2 = (errors ** 2).sum(axis=1) / lengths
    return Fitted(params, final, lengths, season, errors, sigma2)


def _best(runs: FloatArray, lengths: IntArray, season: int, start: States, points: FloatArray) -> FloatArray:
    """(B, 4) the row of ``points`` (B, G, 4) with the least sum of squared one-step errors per series."""
    params = Params(*(points[..., i] for i in range(4)))
    _, errors, _ = smooth(runs, lengths, season, params, start)
    sse = (errors ** 2).sum(axis=-1)
    return points[np.arange(len(points)), np.argmin(sse, axis=1)]


def predict(fitted: Fitted, steps: IntArray) -> tuple[FloatArray, FloatArray]:
    """Point forecasts and standard errors ``steps`` periods after each row's last actual.

    ``steps`` is (B,) or (B, L) (several leads per row, ≥ 1); results have its shape.
    """
    return forecast_from(fitted.final, fitted.lengths - 1, fitted.params, fitted.season, fitted.sigma2, steps)


def forecast_from(states: States, position: IntArray, params: Params, season: int, sigma2: FloatArray,
                  steps: IntArray) -> tuple[FloatArray, FloatArray]:
    """Forecasts ``steps`` ahead from ``states`` after the period ``position`` of each row (see :func:`predict`)."""
    steps = np.asarray(steps, dtype=np.int64)
    col = (slice(None),) + (None,) * (steps.ndim - 1)
    phi, a, b, g = params.phi[col], params.alpha[col], params.beta[col], params.gamma[col]
    phase = (position[col] + steps) % season
    seasons = np.take_along_axis(states.seasons, phase.reshape(len(phase), -1), axis=1).reshape(steps.shape)
    damp = _damped_sum(phi, steps)
    point = states.level[col] + damp * states.trend[col] + seasons
    # Σ_{j=1}^{h-1} c_j² with c_j = α + αβ (φ + … + φ^j) + γ [j % m == 0]
    top = int(steps.max()) if steps.size else 1
    j = np.arange(1, top)
    shape_j = (1,) * steps.ndim + (len(j),)
    cj = (a[..., None] + a[..., None] * b[..., None] * _damped_sum(phi[..., None], j.reshape(shape_j))
          + g[..., None] * (j.reshape(shape_j) % season == 0))
    upto = j.reshape(shape_j) < steps[..., None]
    spread = np.sqrt(sigma2[col] * (1 + (np.where(upto, cj, 0.0) ** 2).sum(axis=-1)))
    return point, spread


def _damped_sum(phi: FloatArray, steps: npt.NDArray[np.int64]) -> FloatArray:
    """φ + φ² + … + φ^h."""
    return np.where(phi == 1, steps, phi * (1 - phi ** steps) / np.where(phi == 1, 2.0, 1 - phi))
