"""What one review report is about: the plan's frames, the checked parameters, the scores and findings.

:func:`open_review` is the first call of the review template and of the workshop's review
step: a wrong scorecard or period fails there, with the same plain message whether it
comes from the command line, a notebook parameter or a drop-down.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, TypeVar

import pandas as pd

from ..errors import InputError
from ..model.collaboration import signoff_state
from ..model.periods import PER_YEAR, frequency, parse_period, period_at, period_index
from ..model.plan import (
    PeriodProgress,
    ReviewParameters,
    attention,
    overdue_ids,
    period_progress,
    require_scorecard,
    review_parameters,
)
from ..render.html import INLINE
from ..scoring import Review, score_review
from ..scoring.calculated import with_calculated
from ..scoring.diff import PeriodDiff, compare_reviews
from ..smart import check_smart
from .pinning import Pin, load_results, parse_versions, pin_for

SAMPLE_STORE = ""
"""The ``store`` parameter value that means "the embedded sample organisation, in memory"."""
SHARED_RESULTS = 32
"""At most this many results (scored reviews, findings) are kept for the reports that read the same pinned data."""
_T = TypeVar("_T")


class SharedResults:
    """What the reports reading the same pinned table versions share in one process: scores, findings.

    Table versions never change once written, so a report kernel that makes report after
    report of a batch (every report of a batch reads the same versions) reads the store
    once and scores each (scorecard, period) once: the previous period one report needs
    is often the review period of the report before it.  At most :data:`SHARED_RESULTS`
    results are kept, the oldest dropped first.
    """

    def __init__(self) -> None:
        self._values: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
        self.reports = 0
        """How many reports have opened these results (the first scores only what it needs)."""

    def get(self, key: tuple[Any, ...], make: Callable[[], _T]) -> _T:
        """The result kept under ``key``, made (and kept) by ``make()`` the first time."""
        if key in self._values:
            self._values.move_to_end(key)
            return self._values[key]
        value = self._values[key] = make()
        while len(self._values) > SHARED_RESULTS:
            self._values.popitem(last=False)
        return value

    def peek(self, key: tuple[Any, ...]) -> Any:
        """The result kept under ``key``, or None."""
        return self._values.get(key)


def scored(frames: Mapping[str, pd.DataFrame], shared: SharedResults | None, period: str, scorecard: str | None,
           *, forecast: bool) -> Review:
    """``period`` scored (for ``scorecard`` and its departments, or every scorecard), kept in ``shared`` if given.

    Without ``forecast`` (scores, statuses and roll-ups only) a review already scored with
    forecasts is used; else, once ``shared`` has served a report, the whole calendar year
    of ``period`` is scored in one go (the engine scores many periods of a frequency in
    about the time of one), for the reports of the other periods of that year.
    """
    if shared is None:
        return score_review(frames, period, scorecard, forecast=forecast)
    if forecast:
        return shared.get(("review", period, scorecard, True),
                          lambda: score_review(frames, period, scorecard, forecast=True))
    if (full := shared.peek(("review", period, scorecard, True))) is not None:
        return full  # scored with forecasts: the same scores
    if shared.reports <= 1:  # a single report scores only what it needs
        return shared.get(("review", period, scorecard, False),
                          lambda: score_review(frames, period, scorecard, forecast=False))
    year = _year_of(period)
    return shared.get(("year", year[0], scorecard), lambda: score_review(frames, year, scorecard, forecast=False))


def _year_of(period: str) -> list[str]:
    """The periods of ``period``'s frequency in its calendar year (``2026-03`` -> ``2026-01`` .. ``2026-12``)."""
    parsed = parse_period(period)
    freq = frequency(parsed)
    first = period_index(parsed) // PER_YEAR[freq] * PER_YEAR[freq]
    return [str(period_at(freq, first + i)) for i in range(PER_YEAR[freq])]


@dataclass
class _Pinned:
    """A store read at pinned table versions, and what the reports reading it share."""

    frames: dict[str, pd.DataFrame]
    read: dict[str, int]
    saved_at: pd.Timestamp | None
    shared: SharedResults = field(default_factory=SharedResults)


_PINNED: dict[tuple[str, str], _Pinned] = {}
"""The last pinned read of this process (one entry: a batch reads one set of versions)."""


def _read_pinned(store: str, versions: Mapping[str, int]) -> _Pinned:
    """``store`` read at exactly ``versions``, once per process for the same store and versions."""
    key = (store, json.dumps(dict(versions), sort_keys=True))
    if key not in _PINNED:
        _PINNED.clear()
        plan, read = load_frames(store, versions=versions)
        _PINNED[key] = _Pinned(plan, read, _saved_at(store, read))
    return _PINNED[key]


def load_frames(store: str, *, as_of: str = "",
                versions: Mapping[str, int] | None = None) -> tuple[dict[str, pd.DataFrame], dict[str, int]]:
    """The plan tables of ``store`` (a folder or URI; ``""``: the embedded sample) and the version read of each.

    ``versions`` reads exactly those table versions (a pinned report); ``as_of`` the
    versions current at that time; neither: the current ones.
    """
    if store == SAMPLE_STORE:
        from ..io.samples import sample_plan

        return sample_plan(), {}
    from ..store import Store

    opened = Store.open(store)
    pinned = dict(versions) if versions is not None else opened.versions(as_of=as_of or None)
    return opened.read_all(versions=pinned), pinned


def _saved_at(store: str, versions: Mapping[str, int]) -> pd.Timestamp | None:
    """When the newest of these table versions was saved (None for the embedded sample)."""
    if store == SAMPLE_STORE or not versions:
        return None
    from ..store import Store

    return Store.open(store).saved_at(versions)


@dataclass
class ReviewReport:
    """Everything the sections of one report need: frames, checked parameters, scores, findings."""

    frames: Mapping[str, pd.DataFrame]
    params: ReviewParameters
    review: Review
    plotly_js: str = INLINE
    pin: Pin | None = None
    """What the report read (table versions, rules, package); None when it was given frames."""
    previous: dict[str, Any] | None = None
    """The results file of an earlier report of the same scorecard and period, if there is one."""
    shared: SharedResults | None = None
    """Results shared with the other reports that read the same pinned data (None: nothing shared)."""

    def _scored(self, period: str, scorecard: str | None, forecast: bool) -> Review:
        return scored(self.frames, self.shared, period, scorecard, forecast=forecast)

    @property
    def scorecard(self) -> str:
        """Id of the scorecard reviewed."""
        return self.params.scorecard

    @property
    def period(self) -> str:
        """The review period, e.g. ``2026Q3``."""
        return str(self.params.period)

    @cached_property
    def card(self) -> pd.Series:
        """The scorecard's record."""
        return require_scorecard(self.frames["scorecards"], self.scorecard)

    @cached_property
    def progress(self) -> PeriodProgress:
        """Whether the period is still in progress (not ended when the data was read, or low coverage)."""
        cards = self.review.scorecards
        row = cards[((cards["scorecard_id"] == self.scorecard) & (cards["period"] == self.period))
                    .to_numpy(dtype=bool)]
        coverage = float(row["coverage"].iloc[0]) if len(row) else None
        now = pd.Timestamp(self.pin.as_of).date() if self.pin is not None and self.pin.as_of else dt.date.today()
        return period_progress(self.params.period, coverage, now)

    @cached_property
    def all_scorecards(self) -> Review:
        """The period scored for every scorecard (departments and parents, for the cascade view)."""
        return self._scored(self.period, None, forecast=False)  # the cascade shows scores only

    @cached_property
    def changes(self) -> PeriodDiff:
        """What moved since the previous review period, for this scorecard (the engine of ``bsc diff``)."""
        before = str(self.params.period - 1)
        return compare_reviews(self._scored(before, self.scorecard, forecast=False), before, self.review, self.period)

    def share(self, key: tuple[Any, ...], make: Callable[[], _T]) -> _T:
        """``make()``, kept for the other reports that read the same pinned data (``key`` says what it depends on
        besides that data)."""
        return make() if self.shared is None else self.shared.get(key, make)

    @cached_property
    def calculated(self) -> Mapping[str, pd.DataFrame]:
        """The frames with the computed actuals and targets of the scorecard's calculated KPIs."""
        kpis = self.frames["kpis"]
        own = kpis["kpi_id"][(kpis["scorecard_id"] == self.scorecard).to_numpy(dtype=bool)].astype(str)
        return self.share(("calculated", self.scorecard), lambda: with_calculated(self.frames, own).frames)

    @cached_property
    def findings(self) -> pd.DataFrame:
        """SMART findings of the scorecard, judged at the report's ``today``."""
        return self.share(("findings", self.scorecard, self.params.today),
                          lambda: check_smart(self.frames, self.scorecard, today=self.params.today))

    @cached_property
    def signoffs(self) -> pd.DataFrame:
        """The scorecard's sign-offs, newest first, each with whether it signed the plan this report reads."""
        return self.share(("signoffs", self.scorecard), lambda: signoff_state(self.frames, self.scorecard)
                          if "signoffs" in self.frames else pd.DataFrame())

    @cached_property
    def overdue(self) -> set[str]:
        """Ids of the scorecard's overdue tasks and initiatives at the report's ``today``."""
        return overdue_ids(self.frames, self.scorecard, self.params.today)

    @cached_property
    def attention(self) -> pd.DataFrame:
        """The scorecard's work that needs attention at the report's ``today`` (the model's rule)."""
        return attention(self.frames, self.scorecard, self.params.today)


def open_review(store: str, scorecard: str, period: str, *, today: str = "", plotly_js: str = INLINE,
                frames: Mapping[str, pd.DataFrame] | None = None, as_of: str = "",
                versions: str | Mapping[str, int] | None = None, previous: str = "") -> ReviewReport:
    """Load and check everything a report needs; raise :class:`InputError` with a plain message if it cannot.

    ``store`` is a store folder or URI (``""``: the embedded sample organisation);
    ``today`` (``YYYY-MM-DD``, default the end of the period or the current date if
    earlier) decides what is overdue; ``plotly_js`` is ``"inline"`` (self-contained
    report) or the path of a local plotly.js file relative to the HTML report.
    ``frames`` skips reading the store when the caller has read it already.  ``versions``
    (a map or its JSON text) reads exactly those table versions, ``as_of`` the versions
    current at that time; ``previous`` is the results file of an earlier report of the same
    scorecard and period (its numbers are compared: what changed is said as restated).
    """
    if "://" in plotly_js:
        raise InputError(f"plotly_js: {plotly_js!r} is a network address; reports must open offline, so give "
                         "'inline' or the path of a local plotly.js file next to the report")
    pin, shared = None, None
    pinned = parse_versions(versions)
    if frames is not None:
        plan = dict(frames)
    elif pinned is not None and store != SAMPLE_STORE:  # pinned versions never change: read once per process
        loaded = _read_pinned(store, pinned)
        plan, shared = loaded.frames, loaded.shared
        shared.reports += 1
        pin = pin_for(store, loaded.read, plan, as_of, saved_at=loaded.saved_at)
    else:
        plan, read = load_frames(store, as_of=as_of, versions=pinned)
        pin = pin_for(store, read, plan, as_of, saved_at=_saved_at(store, read))
    params = review_parameters(plan, scorecard, period, today)
    earlier = None
    if previous:
        earlier = load_results(previous)
        if (earlier["scorecard"], earlier["period"]) != (scorecard, str(params.period)):
            raise InputError(f"previous: {previous} is the results file of {earlier['scorecard']} "
                             f"{earlier['period']}, not of {scorecard} {params.period}. Fix: give the file of "
                             "the same scorecard and period, or none")
    review = scored(plan, shared, str(params.period), scorecard, forecast=True)
    return ReviewReport(plan, params, review, plotly_js, pin, earlier, shared)
