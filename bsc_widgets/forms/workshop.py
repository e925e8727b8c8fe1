"""The workshop: which store and scorecard every workbook works on, and the steps' views.

The store and the scorecard come from :mod:`bsc_widgets.config` (the ``store`` /
``scorecard`` parameter at the top of a workbook, ``BSC_STORE`` / ``BSC_SCORECARD``, the
choice made in "Start here", else ``workshop-store`` next to the workbooks and the top
scorecard of the store).  Each step lives in :mod:`bsc_widgets.forms.steps`.
"""

from __future__ import annotations

import datetime as dt
import importlib
import os
from collections.abc import Callable
from typing import Any

import ipywidgets as widgets
import pandas as pd

from ..config import USER_ENV, resolve_scorecard, resolve_store
from ..model.plan import top_scorecard
from ..roster import VIEWER, Member, Roster, join, member_of_request, roster_file, session
from ..store import Store
from .display import message
from .failures import failure_text
from .view import Viewable


class Workshop:
    """A store and the scorecard being worked on; hands out the view of each workshop step."""

    def __init__(self, store: Store, scorecard_id: str | None = None) -> None:
        self.store = store
        self.error: BaseException | None = None
        """Why the store could not be opened (every step then says so); None when it could."""
        cards = store.read("scorecards")
        if scorecard_id and scorecard_id not in set(cards["scorecard_id"]):
            scorecard_id = None
        self.scorecard_id = scorecard_id or top_scorecard(cards)

    def frames(self) -> dict[str, pd.DataFrame]:
        """Every table of the store, as it is now."""
        return self.store.read_all()

    @property
    def scorecard(self) -> dict[str, Any] | None:
        """The scorecard record being worked on (None when the store has none yet)."""
        if self.scorecard_id is None:
            return None
        cards = self.store.read("scorecards").set_index("scorecard_id")
        return cards.loc[self.scorecard_id].to_dict() if self.scorecard_id in cards.index else None

    def _open(self, build: Callable[[], Any]) -> Any:
        """The step ``build`` makes, or a :class:`FailedStep` saying why it could not be opened (never a traceback)."""
        if self.error is not None:
            return FailedStep(self.error, self.store.location)
        try:
            step = build()
        except Exception as error:  # a store that cannot be read (damaged table, permissions), a bug
            return FailedStep(error, self.store.location)
        from .live import LiveStep, follow, kernel_loop

        if isinstance(step, LiveStep) and step.follows and kernel_loop() is not None:
            follow(step, self.store)  # a page in Voila or JupyterLab shows what others save, without a reload
        return step

    # --- the steps (imported here so that each workbook cell is one call) ---
    def start_here(self) -> Any:
        """Step 0: pick or create the store and the scorecard."""
        from .steps.start import StartHere

        return self._open(lambda: StartHere(self))

    def vision(self) -> Any:
        """Step 1: vision, mission, values, horizon and review frequency."""
        from .steps.vision import VisionStep

        return self._open(lambda: VisionStep(self))

    def objectives(self) -> Any:
        """Step 2: objectives per perspective, cause-and-effect links and the live strategy map."""
        from .steps.objectives import ObjectivesStep

        return self._open(lambda: ObjectivesStep(self))

    def kpis(self) -> Any:
        """Step 3: KPIs, targets and red flags, with a live score preview."""
        from .steps.kpis import KpiStep

        return self._open(lambda: KpiStep(self))

    def action_plans(self, today: dt.date | None = None) -> Any:
        """Step 4: initiatives, tasks, the Gantt view and what needs attention (at ``today``, default the date)."""
        from .steps.action_plans import ActionPlanStep

        return self._open(lambda: ActionPlanStep(self, today))

    def actuals(self) -> Any:
        """Step 5: actuals per period and comments."""
        from .steps.actuals import ActualsStep

        return self._open(lambda: ActualsStep(self))

    def review(self, today: dt.date | None = None, as_of: str | None = None) -> Any:
        """Step 6: the scorecard for a review period (deadlines judged at ``today``, default the period's end).

        ``as_of`` shows the plan as the store held it at that time (e.g. what last quarter's review saw).
        """
        from .steps.review import ReviewStep

        return self._open(lambda: ReviewStep(self, today, as_of))

    def proposals(self) -> Any:
        """Step 7: participants propose, discuss and vote; the facilitator decides; stakeholders sign off."""
        from .steps.proposals import ProposalsStep

        return self._open(lambda: ProposalsStep(self))


class FailedStep(Viewable):
    """What a step shows when it cannot be opened: the reason in plain words and what to do."""

    def __init__(self, error: BaseException, location: str) -> None:
        self.error = error
        self.widget = widgets.HTML(message(
            f"This step could not be opened. {failure_text(error, location, doing='read')} Reload the page to try "
            "again.", ok=False))
        self.widget.add_class("bsc-status")


def no_scorecard() -> widgets.HTML:
    """What a step shows when the store has no scorecard yet."""
    return widgets.HTML("<b>No scorecard yet.</b> Open step 00, <i>Start here</i>, and create one first.")


STEP_MODULES = ("start", "vision", "objectives", "kpis", "action_plans", "actuals", "review")
"""The modules of :mod:`bsc_widgets.forms.steps`, imported ahead in a pre-heated kernel."""
_ARRIVED: list[bool] = []  # set once this kernel's participant has opened the page


def preheated() -> bool:
    """True in a kernel Voila starts ahead of its participant (``bsc workshop --pool``)."""
    return os.environ.get("VOILA_PREHEAT") == "True"


def wait_for_participant() -> None:
    """In a pre-heated kernel: import what the steps need, then wait until a participant opens the page.

    Voila runs a pre-heated kernel's workbook before anyone asks for it.  Everything up to
    here is slow and the same for everyone (the steps' modules, plotly); everything after
    it reads the store and the saved choice of plan, so it must run when the page is
    opened, not minutes earlier.  Elsewhere (JupyterLab, reports, tests), and once the
    participant is there, this returns at once.
    """
    if not preheated() or _ARRIVED:
        return
    for name in STEP_MODULES:
        importlib.import_module(f"{__package__}.steps.{name}")
    importlib.import_module("..scoring.forecast", __package__)  # scoring imports it at the first forecast
    import plotly.graph_objects as go
    from voila.utils import wait_for_request

    go.Figure(go.Scatter(x=[0], y=[0])).to_dict()  # plotly loads its validators on first use
    _read_ahead()
    # One attempt, as Voila intends: asking again after Voila's 5 s connection timeout made its
    # server forget another kernel's wait (its query socket drops the wrong waiter on close), and
    # that page never came.  If the attempt fails, the step is built now, with the plan as it is.
    wait_for_request()
    _ARRIVED.append(True)


_READ_AHEAD: list[Store] = []
"""The plan as a pre-heated kernel read it while waiting (:func:`_read_ahead`), for the page to take over."""


def _read_ahead() -> None:
    """Read the chosen store's tables while waiting: the page then reads only what was saved since.

    Nothing is written (no upgrade); a store that cannot be read now is left for the page,
    which opens it itself and says what is wrong.
    """
    try:
        store = Store.open(resolve_store(None), upgrade=False)
        store.read_all()
    except Exception:  # the page opens the store again and reports any problem
        return
    _READ_AHEAD.append(store)


UNKNOWN = Member("unknown", "Visitor", VIEWER)
"""Whom a page's kernel serves when the server named nobody it knows: a viewer (never more than that)."""


def identify(env: dict[str, str] | None = None) -> Member | None:
    """In the workshop app: the member who opened this page, as the server named them; None without a roster.

    The server writes the member's id into the page request's query string (over anything
    the browser sent); the kernel looks it up in the roster (``BSC_ROSTER``) and serves
    that member from then on: every save carries their name and is checked against their
    role (:mod:`bsc_widgets.model.permissions`). A page whose member cannot be found
    (an unreadable roster, a request that never came) is a viewer's.
    """
    environment = os.environ if env is None else env
    path = roster_file(environment)
    if path is None:
        return session()
    if session() is not None:
        return session()
    try:
        member = member_of_request(environment.get("QUERY_STRING"), Roster.load(path)) or UNKNOWN
    except (OSError, ValueError, KeyError, TypeError):
        member = UNKNOWN
    join(member)
    os.environ[USER_ENV] = member.name  # what current_user() gives every form of this kernel
    return member


def open_workshop(store: str | None = None, scorecard: str | None = None) -> Workshop:
    """The workshop every workbook starts with (``store`` / ``scorecard`` from the parameters cell).

    A store that cannot be opened (damaged, unreadable) gives a workshop whose every step
    says why, instead of an error in the workbook's cell. In a pre-heated Voila kernel this
    first waits for the participant (:func:`wait_for_participant`).
    """
    wait_for_participant()
    identify()
    location = resolve_store(store)
    try:
        opened = Store.open_or_create(location)
        while _READ_AHEAD:
            opened.adopt_reads(_READ_AHEAD.pop())
        return Workshop(opened, resolve_scorecard(scorecard))
    except Exception as error:  # the steps show the reason (a participant sees no traceback)
        broken = Workshop.__new__(Workshop)
        broken.store, broken.scorecard_id, broken.error = Store(location), None, error
        return broken
