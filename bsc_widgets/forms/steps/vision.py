"""Step 1 — Vision and mission: vision, mission, values, planning horizon, review frequency, and how it scores
(thresholds, colour bands, missing data, roll-up)."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

import ipywidgets as widgets

from ...model.bands import BANDS_EXAMPLE, POLICY_HELP
from ...render.html import band_legend
from ...scoring.bands import card_scheme
from ..coach import SmartCoach
from ..live import LiveStep
from ..record_form import RecordForm
from ..view import Viewable
from ..workshop import no_scorecard
from .objectives import rollup_options

if TYPE_CHECKING:
    import pandas as pd

    from ..workshop import Workshop

FIELDS = ["name", "vision", "mission", "values", "horizon_start", "horizon_end", "review_frequency",
          "green_from", "amber_from", "bands", "missing_policy", "rollup"]
LABELS = {"values": "Values (one per line)", "horizon_start": "Horizon from", "horizon_end": "Horizon to",
          "green_from": "Green from score", "amber_from": "Amber from score", "bands": "Colour bands",
          "missing_policy": "When an actual is missing", "rollup": "Roll-up"}
HELP = {"bands": f"3 to 6 bands, lowest first: a name, a colour and the lowest score of each, e.g. {BANDS_EXAMPLE}. "
                 "Leave blank for red, amber and green from the two thresholds above.",
        "missing_policy": f"One of: {POLICY_HELP}. A KPI may say otherwise.",
        "rollup": "How scores combine into objectives, perspectives and the scorecard: the weighted mean, or the "
                  "worst or best child's score. An objective or perspective may say otherwise."}
"""Help under the scoring fields, in plain words."""


class VisionStep(LiveStep, Viewable):
    """The scorecard's statement of direction and its scoring choices, edited in one form, with its colour bands."""

    def __init__(self, workshop: Workshop) -> None:
        self.workshop = workshop
        self.coach = SmartCoach(workshop.scorecard_id)
        if workshop.scorecard_id is None:
            self.form = None
            self.widget = no_scorecard()
            return
        self.form = RecordForm(workshop.store, "scorecards", fixed={"scorecard_id": workshop.scorecard_id},
                               fields=FIELDS, labels=LABELS, noun="scorecard", single=True,
                               options={"rollup": rollup_options()})
        for name, text in HELP.items():
            self.form.fields[name].help.value = f"<span style='color:#666;font-size:90%'>{html.escape(text)}</span>"
        self.form.load(self.form.current)
        self.legend = widgets.HTML()
        self.form.on_change(lambda _: self.refresh())
        self.refresh()
        self.widget = widgets.VBox([self.form.widget, self.legend, self.coach.widget])

    def refresh(self, frames: dict[str, pd.DataFrame] | None = None) -> None:
        """Show the saved colour bands as a legend and the coach's findings."""
        frames = frames if frames is not None else self.workshop.frames()
        sid = str(self.workshop.scorecard_id)
        self.legend.value = str(band_legend(card_scheme(frames["scorecards"], sid), "This scorecard's colour bands"))
        self.coach.refresh(frames, "scorecard", sid)
