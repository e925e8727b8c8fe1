"""What a review report is about: its store frames and checked parameters.

The review template and the ``bsc report`` pipeline both go through
:func:`check_parameters`, so a wrong scorecard or period fails with the same plain
message whether it comes from the command line or from a notebook parameter.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .errors import InputError
from .periods import FREQUENCIES, Period, convert_index, parse_period, period_at, period_index
from .review import scorecard_family

SAMPLE_STORE = ""
"""The ``store`` parameter value that means "the embedded sample organisation, in memory"."""


def load_frames(store: str) -> dict[str, pd.DataFrame]:
    """The plan tables of ``store`` (a folder or URI), or of the embedded sample for ``""``."""
    if store == SAMPLE_STORE:
        from .coerce import coerce, from_arrow, to_arrow
        from .samples import sample_frames
        from .schema import TABLES

        frames = {}
        for name, raw in sample_frames().items():
            frame, _ = coerce(TABLES[name], raw)
            frames[name] = from_arrow(TABLES[name], to_arrow(TABLES[name], frame))
        return frames
    from .store import Store

    return Store.open(store).read_all()


def data_periods(frames: Mapping[str, pd.DataFrame], scorecard: str, freq: str | None = None) -> list[str]:
    """Review periods (of ``freq``, default the scorecard's review frequency) that hold actuals.

    They run from the period containing the scorecard's first actual to the one containing
    its last; empty when the scorecard has no actuals.
    """
    cards = frames["scorecards"].set_index("scorecard_id")
    freq = freq or str(cards.loc[scorecard, "review_frequency"])
    actuals = frames["actuals"]
    periods = actuals.loc[(actuals["scorecard_id"] == scorecard).to_numpy(dtype=bool), "period"]
    uniques = pd.unique(periods.astype(str))
    if not len(uniques):
        return []
    indices = np.array([convert_index(period_index(p), p.freq, freq) for p in map(parse_period, uniques)])
    return [str(period_at(freq, i)) for i in range(int(indices.min()), int(indices.max()) + 1)]


@dataclass(frozen=True)
class ReportParameters:
    """Checked parameters of one review report."""

    scorecard: str
    period: Period
    today: dt.date
    """Date that decides what is overdue: the given date, else the end of the period or the current date."""


def check_parameters(frames: Mapping[str, pd.DataFrame], scorecard: str, period: str,
                     today: str = "") -> ReportParameters:
    """Check a report's parameters against the data; raise :class:`InputError` saying what to change.

    ``today`` (``YYYY-MM-DD``) defaults to the earlier of the period's last day and the
    current date, so that re-running an old review judges deadlines as they stood then.
    """
    scorecard_family(frames["scorecards"], scorecard)  # unknown scorecard -> InputError naming the known ones
    try:
        wanted = parse_period(period)
    except ValueError as exc:
        raise InputError(f"period: {exc}") from None
    available = data_periods(frames, scorecard, wanted.freq)
    if not available:
        raise InputError(f"scorecard '{scorecard}' has no actuals yet, so there is nothing to review; "
                         "enter actuals first (or pick another scorecard)")
    if str(wanted) not in available:
        raise InputError(f"period {wanted} is outside the data of scorecard '{scorecard}': its actuals run from "
                         f"{available[0]} to {available[-1]} ({FREQUENCIES[wanted.freq]}); pick a period in that "
                         "range")
    if today:
        try:
            day = dt.date.fromisoformat(today)
        except ValueError:
            raise InputError(f"today: {today!r} is not a date; write it as YYYY-MM-DD, e.g. 2026-11-24") from None
    else:
        day = min(wanted.end, dt.date.today())
    return ReportParameters(scorecard, wanted, day)
