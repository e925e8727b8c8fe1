"""What one review report is about: the plan's frames, the checked parameters, the scores and findings.

:func:`open_review` is the first call of the review template and of the workshop's review
step: a wrong scorecard or period fails there, with the same plain message whether it
comes from the command line, a notebook parameter or a drop-down.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property

import pandas as pd

from ..errors import InputError
from ..model.plan import ReviewParameters, attention, overdue_ids, require_scorecard, review_parameters
from ..render.html import INLINE
from ..scoring import Review, score_review
from ..smart import check_smart

SAMPLE_STORE = ""
"""The ``store`` parameter value that means "the embedded sample organisation, in memory"."""


def load_frames(store: str) -> dict[str, pd.DataFrame]:
    """The plan tables of ``store`` (a folder or URI), or of the embedded sample for ``""``."""
    if store == SAMPLE_STORE:
        from ..io.samples import sample_plan

        return sample_plan()
    from ..store import Store

    return Store.open(store).read_all()


@dataclass
class ReviewReport:
    """Everything the sections of one report need: frames, checked parameters, scores, findings."""

    frames: Mapping[str, pd.DataFrame]
    params: ReviewParameters
    review: Review
    plotly_js: str = INLINE

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
    def all_scorecards(self) -> Review:
        """The period scored for every scorecard (departments and parents, for the cascade view)."""
        return score_review(self.frames, self.period)

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
                frames: Mapping[str, pd.DataFrame] | None = None) -> ReviewReport:
    """Load and check everything a report needs; raise :class:`InputError` with a plain message if it cannot.

    ``store`` is a store folder or URI (``""``: the embedded sample organisation);
    ``today`` (``YYYY-MM-DD``, default the end of the period or the current date if
    earlier) decides what is overdue; ``plotly_js`` is ``"inline"`` (self-contained
    report) or the path of a local plotly.js file relative to the HTML report.
    ``frames`` skips reading the store when the caller has read it already.
    """
    if "://" in plotly_js:
        raise InputError(f"plotly_js: {plotly_js!r} is a network address; reports must open offline, so give "
                         "'inline' or the path of a local plotly.js file next to the report")
    plan = dict(frames) if frames is not None else load_frames(store)
    params = review_parameters(plan, scorecard, period, today)
    return ReviewReport(plan, params, score_review(plan, str(params.period), scorecard), plotly_js)
