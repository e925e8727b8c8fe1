"""Step 1 — Vision and mission: vision, mission, values, planning horizon, review frequency."""

from __future__ import annotations

from typing import TYPE_CHECKING

import ipywidgets as widgets

from ..coach import SmartCoach
from ..record_form import RecordForm
from ..view import Viewable
from ..workshop import no_scorecard

if TYPE_CHECKING:
    from ..workshop import Workshop

FIELDS = ["name", "vision", "mission", "values", "horizon_start", "horizon_end", "review_frequency",
          "green_from", "amber_from"]
LABELS = {"values": "Values (one per line)", "horizon_start": "Horizon from", "horizon_end": "Horizon to",
          "green_from": "Green from score", "amber_from": "Amber from score"}


class VisionStep(Viewable):
    """The scorecard's statement of direction, edited in one form."""

    def __init__(self, workshop: Workshop) -> None:
        self.workshop = workshop
        self.coach = SmartCoach(workshop.scorecard_id)
        if workshop.scorecard_id is None:
            self.form = None
            self.widget = no_scorecard()
            return
        self.form = RecordForm(workshop.store, "scorecards", fixed={"scorecard_id": workshop.scorecard_id},
                               fields=FIELDS, labels=LABELS, noun="scorecard", single=True)
        self.form.on_change(lambda _: self.coach.refresh(workshop.frames(), "scorecard", workshop.scorecard_id))
        self.coach.refresh(workshop.frames(), "scorecard", workshop.scorecard_id)
        self.widget = widgets.VBox([self.form.widget, self.coach.widget])
