"""The workshop: which store and scorecard every workbook works on, and the steps' views.

The store comes from one place, in this order: the ``store`` parameter at the top of a
workbook, the ``BSC_STORE`` environment variable, the choice made in "Start here"
(saved in ``.bsc-workshop.json`` in the workbooks folder), else ``workshop-store`` next
to the workbooks.  The scorecard likewise: parameter, ``BSC_SCORECARD``, the saved
choice, else the top scorecard of the store.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import ipywidgets as widgets
import pandas as pd

from ..errors import NotAStoreError
from ..store import Store

CHOICE_FILE = ".bsc-workshop.json"
DEFAULT_STORE = "workshop-store"


def _saved_choice() -> dict[str, Any]:
    path = Path(CHOICE_FILE)
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def resolve_store(store: str | None = None) -> str:
    """Where the workshop's store is (see the module docstring for the order)."""
    return store or os.environ.get("BSC_STORE") or _saved_choice().get("store") or DEFAULT_STORE


def remember(store: str, scorecard: str | None) -> None:
    """Save the start-here choice so that every workbook opens on the same plan."""
    Path(CHOICE_FILE).write_text(json.dumps({"store": store, "scorecard": scorecard}, indent=2) + "\n",
                                 encoding="utf-8")


def open_or_create(location: str) -> Store:
    """Open the store at ``location``, creating an empty one when nothing is there yet."""
    try:
        return Store.open(location)
    except NotAStoreError:
        if "://" not in location and Path(location).exists() and any(Path(location).iterdir()):
            raise
        return Store.create(location)


class Workshop:
    """A store and the scorecard being worked on; hands out the view of each workshop step."""

    def __init__(self, store: Store, scorecard_id: str | None = None) -> None:
        self.store = store
        cards = store.read("scorecards")
        known = set(cards["scorecard_id"])
        if scorecard_id and scorecard_id not in known:
            scorecard_id = None
        if scorecard_id is None and len(cards):
            tops = cards[cards["parent_id"].isna()]
            scorecard_id = str((tops if len(tops) else cards)["scorecard_id"].iloc[0])
        self.scorecard_id = scorecard_id

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

    # --- the steps (imported here so that each workbook cell is one call) ---
    def start_here(self) -> Any:
        """Step 0: pick or create the store and the scorecard."""
        from .start import StartHere

        return StartHere(self)

    def vision(self) -> Any:
        """Step 1: vision, mission, values, horizon and review frequency."""
        from .vision import VisionStep

        return VisionStep(self)

    def objectives(self) -> Any:
        """Step 2: objectives per perspective, cause-and-effect links and the live strategy map."""
        from .objectives import ObjectivesStep

        return ObjectivesStep(self)

    def kpis(self) -> Any:
        """Step 3: KPIs, targets and red flags, with a live score preview."""
        from .kpis import KpiStep

        return KpiStep(self)

    def action_plans(self) -> Any:
        """Step 4: initiatives, tasks, the Gantt view and what needs attention."""
        from .action_plans import ActionPlanStep

        return ActionPlanStep(self)

    def actuals(self) -> Any:
        """Step 5: actuals per period and comments."""
        from .actuals import ActualsStep

        return ActualsStep(self)

    def review(self) -> Any:
        """Step 6: the scorecard for a review period."""
        from .review_view import ReviewStep

        return ReviewStep(self)


def no_scorecard() -> widgets.HTML:
    """What a step shows when the store has no scorecard yet."""
    return widgets.HTML("<b>No scorecard yet.</b> Open '00 Start here' and create one first.")


def open_workshop(store: str | None = None, scorecard: str | None = None) -> Workshop:
    """The workshop every workbook starts with (``store`` / ``scorecard`` from the parameters cell)."""
    location = resolve_store(store)
    chosen = scorecard or os.environ.get("BSC_SCORECARD") or _saved_choice().get("scorecard")
    return Workshop(open_or_create(location), chosen)
