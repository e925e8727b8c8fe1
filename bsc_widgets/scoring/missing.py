"""Missing-data policies: how a KPI without an actual in a review period counts.

Each KPI follows its own ``missing_policy`` when it has one, else its scorecard's:

- ``ignore`` (the default): the KPI-period has no score ("no data") and its roll-ups leave
  it out, renormalising the weights of the others;
- ``zero``: it scores 0 (status red);
- ``red``: it counts as the lowest band of its scheme — status red and the score in the
  middle of that band (1.67 with the default bands);
- ``carry_forward:N``: the actual of the latest review period at most N periods earlier
  that has one is shown and scored against this period's target, marked as carried.

Only a period that is due and has no actual at all is missing (a quarter with two of its
three months keeps today's rule: it is aggregated over the months that have data).
Coverage stays honest: roll-ups count only measured values as covered (:func:`measured`),
and every filled value says so (``filled``: carried, zero or red; ``carried_from``: the
period whose actual was carried).  All of it works on the (KPI x review period) arrays
of :mod:`.kpis`, one vectorised step per lag.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt
import pandas as pd

from ..model.bands import POLICIES, parse_policy, policy
from ..model.periods import period_at
from ..model.values import is_blank
from .bands import kpi_scheme_codes, lowest_band_score
from .formulas import RED, STATUSES

IntArray = npt.NDArray[np.int64]

FILLS = ("", "carried", "zero", "red")
"""What filled a missing actual: nothing, carry forward, the zero policy, the red policy."""
CARRIED, ZERO, RED_FILL = 1, 2, 3


class Results(Protocol):
    """The (KPI x review period) results :func:`~.kpis.kpi_arrays` builds."""

    periods: IntArray
    values: dict[str, npt.NDArray[Any]]
    as_of: IntArray


def kpi_policies(kpis: pd.DataFrame, scorecards: pd.DataFrame) -> tuple[IntArray, IntArray]:
    """Each KPI's policy (its own, else its scorecard's, else ``ignore``) as (kind, periods) arrays.

    ``kind`` is a position in :data:`POLICIES`; ``periods`` the N of ``carry_forward:N``.
    Resolved per scorecard and per distinct typed policy, not per KPI.
    """
    texts = scorecards["missing_policy"] if "missing_policy" in scorecards else [None] * len(scorecards)
    cards = {sid: policy(text) for sid, text in zip(scorecards["scorecard_id"].astype(str), texts, strict=True)}
    card = kpis["scorecard_id"].astype(object)
    kinds = card.map({s: POLICIES.index(p.kind) for s, p in cards.items()}).fillna(0).to_numpy(np.int64).copy()
    periods = card.map({s: p.periods for s, p in cards.items()}).fillna(0).to_numpy(np.int64).copy()
    if "missing_policy" in kpis and len(kpis):
        own = kpis["missing_policy"].astype(object)
        for text in own.dropna().unique():
            if is_blank(text):
                continue
            found, _ = parse_policy(str(text))
            if found is not None:  # a policy that is not one (only a store that skipped the checks) follows the card's
                rows = (own == text).to_numpy(dtype=bool)
                kinds[rows], periods[rows] = POLICIES.index(found.kind), found.periods
    return kinds, periods


def lookback(frames: Mapping[str, pd.DataFrame]) -> int:
    """The most review periods any KPI of ``frames`` carries an actual forward (0 when none does)."""
    texts = [t for table in ("scorecards", "kpis") if "missing_policy" in frames[table]
             for t in frames[table]["missing_policy"].dropna().unique() if not is_blank(t)]
    return max((policy(t).periods for t in texts), default=0)


def carry_forward(result: Results, kpis: pd.DataFrame, scorecards: pd.DataFrame, review_freq: str) -> None:
    """Fill missing actuals of ``carry_forward:N`` KPIs from the latest review period at most N back (in place).

    Adds ``filled`` (codes into :data:`FILLS`) and ``carried_from`` (the period carried from,
    or "") to ``result.values``; call before scoring, so the carried actual is scored
    against the period's own target.
    """
    v = result.values
    actual = v["actual"].astype(np.float64)
    kinds, periods = kpi_policies(kpis, scorecards)
    index = np.asarray(result.periods, dtype=np.int64)
    n_k, n_p = actual.shape
    missing = np.asarray(v["due"], dtype=bool) & np.isnan(actual)
    carry = (kinds == POLICIES.index("carry_forward"))[:, None] & missing
    source = np.full((n_k, n_p), -1, dtype=np.int64)
    for lag in range(1, int(periods.max(initial=0)) + 1):
        pos = np.searchsorted(index, index - lag)
        ok = (pos < n_p) & (index[np.minimum(pos, n_p - 1)] == index - lag)
        pos = np.minimum(pos, n_p - 1)
        found = np.where(ok[None, :], ~np.isnan(actual[:, pos]), False)
        take = carry & (source < 0) & (lag <= periods)[:, None] & found
        source = np.where(take, pos[None, :], source)
    rows = np.arange(n_k)[:, None]
    carried = source >= 0
    take = np.maximum(source, 0)
    v["actual"] = np.where(carried, actual[rows, take], actual)
    result.as_of[...] = np.where(carried, result.as_of[rows, take], result.as_of)
    v["filled"] = np.where(carried, CARRIED, 0).astype(np.int8)
    labels = np.array([str(period_at(review_freq, int(i))) for i in index] + [""], dtype=object)
    v["carried_from"] = labels[np.where(carried, source, n_p)]


def fill_scores(result: Results, kpis: pd.DataFrame, scorecards: pd.DataFrame) -> None:
    """Score the still-missing due periods of ``zero`` and ``red`` KPIs (in place; call after scoring)."""
    v = result.values
    kinds, _ = kpi_policies(kpis, scorecards)
    missing = np.asarray(v["due"], dtype=bool) & np.isnan(v["actual"].astype(np.float64))
    zero = (kinds == POLICIES.index("zero"))[:, None] & missing
    red = (kinds == POLICIES.index("red"))[:, None] & missing
    if not (zero.any() or red.any()):
        return
    unique, codes = kpi_scheme_codes(kpis, scorecards)
    low = lowest_band_score(unique)[codes][:, None]
    v["score"] = np.where(zero, 0.0, np.where(red, low, v["score"]))
    v["status"] = np.where(zero | red, STATUSES.index(RED), v["status"]).astype(v["status"].dtype)
    v["filled"] = np.where(zero, ZERO, np.where(red, RED_FILL, v["filled"])).astype(np.int8)


def measured(values: Mapping[str, npt.NDArray[Any]]) -> npt.NDArray[np.float64]:
    """1 where a KPI-period's score rests on a measured actual, else 0: what roll-ups count as coverage."""
    score = np.asarray(values["score"], dtype=np.float64)
    return (~np.isnan(score) & (np.asarray(values.get("filled", 0)) == 0)).astype(np.float64)
