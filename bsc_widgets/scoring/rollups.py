"""Weighted roll-ups: KPIs -> objectives -> perspectives -> scorecard, and cascades.

A parent's score is the weighted mean of its children's scores; children without a
score are left out and the weights renormalised.  Its **coverage** is the share of the
children's weight that had data, counted all the way down: a KPI covers its weight when
it has a score; an objective covers ``coverage x weight`` of its perspective.  A parent
whose children have no score has no score (not 0).

Everything works on (entity x period) arrays with integer parent codes, so each roll-up
is a handful of ``numpy.bincount`` calls.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Rollup:
    """Rolled-up results of P periods for N parents, as (N, P) arrays."""

    score: FloatArray
    coverage: FloatArray
    children: IntArray
    scored_children: IntArray


def weighted_rollup(parent: IntArray, score: npt.NDArray[Any], coverage: FloatArray, weight: FloatArray,
                    parents: int, method: IntArray | None = None) -> Rollup:
    """Roll children up into ``parents`` parents.

    ``parent`` (C,) gives each child's parent position (-1: no parent); ``score`` and
    ``coverage`` are (C, P); ``weight`` is (C,).  ``method`` (N,) picks each parent's
    roll-up: 0 the weighted mean (the default), 1 the worst child, 2 the best
    (:data:`bsc_widgets.model.bands.ROLLUPS`); coverage is the same for all three.
    """
    periods = score.shape[1]
    keep = parent >= 0
    key = (parent[keep][:, None] * periods + np.arange(periods)[None, :]).ravel()
    w = np.broadcast_to(weight[keep][:, None], (int(keep.sum()), periods)).ravel()
    s = score[keep].ravel()
    scored = ~np.isnan(s)
    size = parents * periods

    def total(values: npt.NDArray[np.generic]) -> FloatArray:
        return np.bincount(key, weights=values, minlength=size).astype(np.float64).reshape(parents, periods)

    weighted = total(np.where(scored, w * np.where(scored, s, 0.0), 0.0))
    scored_weight = total(np.where(scored, w, 0.0))
    all_weight = total(w)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(scored_weight > 0, weighted / scored_weight, np.nan)
        cov = np.where(all_weight > 0, total(w * coverage[keep].ravel()) / all_weight, 0.0)
    # A weighted mean lies between its smallest and largest part; summing in floating point can
    # overshoot by an ulp (10.000000000000002 from children that all score 10), so hold it there.
    low, high = np.full(size, np.inf), np.full(size, -np.inf)
    np.minimum.at(low, key[scored], s[scored])
    np.maximum.at(high, key[scored], s[scored])
    mean = np.clip(mean, low.reshape(parents, periods), high.reshape(parents, periods))
    if method is not None:
        chosen = np.asarray(method)[:, None]
        mean = np.where(np.isnan(mean), np.nan, np.where(chosen == 1, low.reshape(parents, periods),
                                                         np.where(chosen == 2, high.reshape(parents, periods), mean)))
    cov = np.clip(cov, 0.0, 1.0)
    return Rollup(mean, cov, total(np.ones_like(w)).astype(np.int64), total(scored.astype(np.float64)).astype(np.int64))


def previous(values: npt.NDArray[Any], prev_pos: IntArray) -> FloatArray:
    """Each period's value of the previous review period (NaN when it was not computed)."""
    return np.where(prev_pos[None, :] >= 0, values[:, np.maximum(prev_pos, 0)].astype(np.float64), np.nan)
