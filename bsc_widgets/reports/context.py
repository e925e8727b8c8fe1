"""What one review report is about: the plan's frames, the checked parameters, the scores and findings.

:func:`open_review` is the first call of the review template and of the workshop's review
step: a wrong scorecard or period fails there, with the same plain message whether it
comes from the command line, a notebook parameter or a drop-down.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import pandas as pd

from ..errors import InputError
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
from ..scoring.diff import PeriodDiff, compare_reviews
from ..smart import check_smart
from .pinning import Pin, load_results, parse_versions, pin_for

SAMPLE_STORE = ""
"""The ``store`` parameter value that means "the embedded sample organisation, in memory"."""


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
        return score_review(self.frames, self.period)

    @cached_property
    def changes(self) -> PeriodDiff:
        """What moved since the previous review period, for this scorecard (the engine of ``bsc diff``)."""
        before = str(self.params.period - 1)
        return compare_reviews(score_review(self.frames, before, self.scorecard), before, self.review, self.period)

    @cached_property
    def findings(self) -> pd.DataFrame:
        """SMART findings of the scorecard, judged at the report's ``today``."""
        return check_smart(self.frames, self.scorecard, today=self.params.today)

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
    pin = None
    if frames is not None:
        plan = dict(frames)
    else:
        plan, read = load_frames(store, as_of=as_of, versions=parse_versions(versions))
        pin = pin_for(store, read, plan, as_of, saved_at=_saved_at(store, read))
    params = review_parameters(plan, scorecard, period, today)
    earlier = None
    if previous:
        earlier = load_results(previous)
        if (earlier["scorecard"], earlier["period"]) != (scorecard, str(params.period)):
            raise InputError(f"previous: {previous} is the results file of {earlier['scorecard']} "
                             f"{earlier['period']}, not of {scorecard} {params.period}. Fix: give the file of "
                             "the same scorecard and period, or none")
    return ReviewReport(plan, params, score_review(plan, str(params.period), scorecard), plotly_js, pin, earlier)
