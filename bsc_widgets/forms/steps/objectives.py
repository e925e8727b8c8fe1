"""Step 2 — Objectives and strategy map: objectives per perspective, their order, the
cause-and-effect links, and the map beside them, redrawn after every change.

Clicking an objective on the map selects it in the form: the page script of the workshop
template (``templates/voila/templates/bsc/index.html.j2``) listens to the map's clicks
and types the objective's id into a hidden text box (:attr:`ObjectivesStep.pick`); the
step selects it.  This works wherever ipywidgets run (Voila, JupyterLab with the page
script absent simply does nothing on a click).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import ipywidgets as widgets
import pandas as pd

from ...errors import BscValidationError, ConflictError
from ...model.bands import ROLLUP_WORDS, ROLLUPS
from ...render.charts import strategy_map
from ...render.charts.figure import WRAP, text, wrap
from ..coach import SmartCoach
from ..display import message, show_in, wide
from ..failures import guarded, show_failure
from ..live import LiveStep
from ..record_form import NEW, RecordForm, sentence
from ..roles import lock
from ..view import Viewable
from ..workshop import Workshop, no_scorecard

if TYPE_CHECKING:
    import plotly.graph_objects as go

OBJECTIVE_FIELDS = ["objective_id", "perspective_id", "title", "description", "owner", "weight", "supports", "rollup"]
ROLLUP_LABEL = "Roll-up (blank: the scorecard's)"
"""The roll-up field's label on the objective and perspective forms."""


def rollup_options() -> list[tuple[str, str]]:
    """The roll-up methods in plain words, as a drop-down offers them."""
    return [(ROLLUP_WORDS[method], method) for method in ROLLUPS]


MAP_WIDTH = 540
"""Width of the map beside the form, in pixels: form and map side by side fit 1280 pixels (a projector)."""
TITLES_TRACE = "objective titles"
_ID_IN_LABEL = re.compile(r"^<b>(.*?)</b>")


def fit_map(figure: go.Figure, titles: Mapping[str, str], width: int = MAP_WIDTH) -> go.Figure:
    """The strategy map made at most ``width`` pixels wide, its objectives clickable.

    Narrower than drawn, the titles are wrapped shorter in a smaller font so that boxes
    keep them inside; each title point carries its objective id (``customdata``), which
    the page script sends back when the box is clicked.
    """
    drawn = int(figure.layout.width or width)
    factor = min(1.0, width / drawn)
    font = 11 if factor > 0.9 else 10 if factor > 0.7 else 9
    chars = max(10, int(WRAP * factor * 11 / font))
    for trace in figure.data:
        if trace.name == TITLES_TRACE:
            ids = [_label_id(label) for label in trace.text]
            trace.customdata = ids
            if factor < 1:
                trace.text = [f"<b>{text(i)}</b><br>{wrap(titles.get(i, ''), chars, 4)}" for i in ids]
                trace.textfont.size = font
        elif trace.name == "perspectives" and factor < 1:
            trace.textfont.size = font + 1
    figure.update_layout(width=min(drawn, width), hoverdistance=60, clickmode="event")
    return figure


def _label_id(label: str) -> str:
    """The objective id at the start of a map label (``<b>F1</b>…``), unescaped."""
    found = _ID_IN_LABEL.match(label)
    raw = found.group(1) if found else ""
    return raw.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def objective_options(frames: dict[str, pd.DataFrame], scorecard_id: str | None) -> list[tuple[str, str]]:
    """Objectives of a scorecard as drop-down options, perspective by perspective."""
    if scorecard_id is None:
        return []
    persp = frames["perspectives"]
    order = persp[persp["scorecard_id"] == scorecard_id].set_index("perspective_id")["position"]
    objs = frames["objectives"]
    objs = objs[objs["scorecard_id"] == scorecard_id].assign(_p=lambda f: f["perspective_id"].map(order))
    objs = objs.sort_values(["_p", "position", "objective_id"])
    return [(f"{r.objective_id} — {r.title}", str(r.objective_id)) for r in objs.itertuples()]


class ObjectivesStep(LiveStep, Viewable):
    """Perspectives, objectives, links and the live strategy map of the workshop's scorecard."""

    def __init__(self, workshop: Workshop) -> None:
        self.workshop = workshop
        self.figure: go.Figure | None = None
        self.coach = SmartCoach(workshop.scorecard_id)
        sid = workshop.scorecard_id
        if sid is None:
            self.widget = no_scorecard()
            return
        store = workshop.store
        frames = workshop.frames()
        self.perspectives = RecordForm(store, "perspectives", fixed={"scorecard_id": sid},
                                       fields=["perspective_id", "name", "position", "description", "weight",
                                               "rollup"], options={"rollup": rollup_options()},
                                       labels={"rollup": ROLLUP_LABEL}, noun="perspective",
                                       describe=lambda r: f"{r['position']}. {r['name']}")
        self.objectives = RecordForm(
            store, "objectives", fixed={"scorecard_id": sid}, fields=self._objective_fields(frames),
            options={"perspective_id": self._perspective_options(frames), "supports": self._parent_options(frames),
                     "rollup": rollup_options()},
            labels={"objective_id": "Short id", "supports": "Supports (parent objective)", "rollup": ROLLUP_LABEL},
            noun="objective",
            describe=lambda r: f"{r['objective_id']} — {r['title']}")
        self.objectives.fields["description"].widget.layout.width = "420px"  # the form leaves room for the map
        options = objective_options(frames, sid)
        self.links = RecordForm(store, "links", fixed={"scorecard_id": sid}, fields=["cause", "effect", "note"],
                                options={"cause": options, "effect": options},
                                labels={"cause": "Cause (drives…)", "effect": "Effect (…this objective)"},
                                noun="link", describe=lambda r: f"{r['cause']} → {r['effect']}")
        self.order = widgets.Select(description="Order:", rows=8, layout=widgets.Layout(width="560px"),
                                    style={"description_width": "150px"})
        self.order_perspective = widgets.Dropdown(description="Perspective:", style={"description_width": "150px"},
                                                  layout=widgets.Layout(width="560px"))
        self.up_button = wide(widgets.Button(description="Move up", icon="arrow-up"))
        self.down_button = wide(widgets.Button(description="Move down", icon="arrow-down"))
        self.order_status = widgets.HTML()
        self.order_revisions: dict[str, int] = {}
        self.map = widgets.Output(layout=widgets.Layout(width=f"{MAP_WIDTH + 10}px"))
        self.map.add_class("bsc-map")
        self.pick = widgets.Text(layout=widgets.Layout(display="none"))
        self.pick.add_class("bsc-map-pick")
        self.pick.observe(lambda change: self.select(change["new"]), names="value")
        for form in (self.perspectives, self.objectives, self.links):
            form.on_change(lambda _: self.refresh())
        self.objectives.selector.observe(
            lambda change: self.coach.show("objective", None if change["new"] == NEW else str(change["new"])),
            names="value")
        self.order_perspective.observe(lambda _: self._fill_order(), names="value")
        self.up_button.on_click(guarded(self.order_status, lambda: store.location)(lambda _: self.move(-1)))
        self.down_button.on_click(guarded(self.order_status, lambda: store.location)(lambda _: self.move(+1)))
        lock("objectives", [self.up_button, self.down_button], self.order_status)  # the order is the objectives'
        self.tabs = tabs = widgets.Tab(children=[
            widgets.VBox([self.objectives.widget, self.coach.widget]),
            widgets.VBox([self.order_perspective, self.order, widgets.HBox([self.up_button, self.down_button]),
                          self.order_status]),
            self.links.widget,
            self.perspectives.widget,
        ])
        for i, title in enumerate(["Objectives", "Order", "Cause and effect", "Perspectives"]):
            tabs.set_title(i, title)
        beside = widgets.VBox(
            [widgets.HTML("<b>Strategy map</b> — click an objective to edit it"), self.map, self.pick],
            layout=widgets.Layout(flex="0 1 auto", margin="0 0 0 12px"))
        beside.add_class("bsc-map-column")
        tabs.layout = widgets.Layout(flex="1 1 600px", min_width="600px")
        self.widget = widgets.HBox([tabs, beside],
                                   layout=widgets.Layout(flex_flow="row wrap", align_items="flex-start"))
        self.widget.add_class("bsc-objectives-step")
        self.refresh(frames)

    def select(self, objective_id: str) -> None:
        """Show objective ``objective_id`` in the form (what a click on its box does); unknown ids are ignored."""
        if not objective_id:
            return
        if objective_id in [v for _, v in self.objectives.selector.options]:
            self.tabs.selected_index = 0
            self.objectives.selector.value = objective_id
        self.pick.value = ""  # so that clicking the same box again selects it again

    def _objective_fields(self, frames: dict[str, pd.DataFrame]) -> list[str]:
        card = self.workshop.scorecard or {}
        has_parent = isinstance(card.get("parent_id"), str)
        return OBJECTIVE_FIELDS if has_parent else [f for f in OBJECTIVE_FIELDS if f != "supports"]

    def _perspective_options(self, frames: dict[str, pd.DataFrame]) -> list[tuple[str, str]]:
        persp = frames["perspectives"]
        persp = persp[persp["scorecard_id"] == self.workshop.scorecard_id].sort_values("position")
        return [(str(r.name), str(r.perspective_id)) for r in persp.itertuples()]

    def _parent_options(self, frames: dict[str, pd.DataFrame]) -> list[tuple[str, str]]:
        parent = (self.workshop.scorecard or {}).get("parent_id")
        return objective_options(frames, parent) if isinstance(parent, str) else []

    def refresh(self, frames: dict[str, pd.DataFrame] | None = None) -> None:
        """Re-read the store: drop-downs, the order list, the map and the coach."""
        frames = frames if frames is not None else self.workshop.frames()
        perspectives = self._perspective_options(frames)
        self.objectives.fields["perspective_id"].set_options(perspectives)
        if "supports" in self.objectives.fields:
            self.objectives.fields["supports"].set_options(self._parent_options(frames))
        options = objective_options(frames, self.workshop.scorecard_id)
        self.links.fields["cause"].set_options(options)
        self.links.fields["effect"].set_options(options)
        current = self.order_perspective.value
        self.order_perspective.options = perspectives
        if current in [v for _, v in perspectives]:
            self.order_perspective.value = current
        self._fill_order(frames)
        self.draw_map(frames)
        self._coach_for_selected(frames)

    def draw_map(self, frames: dict[str, pd.DataFrame]) -> None:
        """Redraw the strategy map from the stored plan."""
        sid = str(self.workshop.scorecard_id)
        objectives = frames["objectives"][frames["objectives"]["scorecard_id"] == sid]
        titles = dict(zip(objectives["objective_id"].astype(str), objectives["title"].astype(str), strict=True))
        self.figure = fit_map(strategy_map(frames, sid), titles)
        show_in(self.map, self.figure)

    def _selected(self) -> str | None:
        current = self.objectives.current
        return str(current["objective_id"]) if current else None

    def _coach_for_selected(self, frames: dict[str, pd.DataFrame] | None = None) -> None:
        self.coach.refresh(frames if frames is not None else self.workshop.frames(), "objective", self._selected())

    def _objectives_of(self, perspective: Any, frames: dict[str, pd.DataFrame] | None = None) -> pd.DataFrame:
        frames = frames if frames is not None else self.workshop.frames()
        objs = frames["objectives"]
        objs = objs[(objs["scorecard_id"] == self.workshop.scorecard_id) & (objs["perspective_id"] == perspective)]
        return objs.sort_values(["position", "objective_id"]).reset_index(drop=True)

    def _fill_order(self, frames: dict[str, pd.DataFrame] | None = None) -> None:
        objs = self._objectives_of(self.order_perspective.value, frames)
        selected = self.order.value
        self.order_revisions = dict(zip(objs["objective_id"].astype(str), objs["revision"].astype(int), strict=True))
        self.order.options = [(f"{r.objective_id} — {r.title}", str(r.objective_id)) for r in objs.itertuples()]
        if selected in list(objs["objective_id"]):
            self.order.value = selected

    def move(self, step: int) -> None:
        """Move the selected objective up (-1) or down (+1) within its perspective.

        The order shown is saved with the revisions it was read with: if someone changed one
        of these objectives meanwhile, nothing is saved and the list is reloaded.
        """
        ids = [str(v) for _, v in self.order.options]
        if self.order.value not in ids:
            self.order_status.value = message("Select an objective to move.", ok=False)
            return
        i = ids.index(self.order.value)
        j = i + step
        if not 0 <= j < len(ids):
            return
        ids[i], ids[j] = ids[j], ids[i]
        records = [{"objective_id": oid, "position": pos + 1, "revision": self.order_revisions.get(oid, 0)}
                   for pos, oid in enumerate(ids)]
        try:
            self.workshop.store.upsert("objectives", records)
        except ConflictError as error:
            who = (error.theirs or {}).get("saved_by") or "someone else"
            self.refresh()
            self.order_status.value = message(f"{who} changed objective {error.record} meanwhile, so the order was "
                                              "not saved; the list now shows the current order. Move it again.",
                                              ok=False)
            return
        except BscValidationError as error:
            self.order_status.value = message(" ".join(sentence(p) for p in error.problems), ok=False)
            return
        except Exception as error:  # a full or read-only disk, a busy store, a damaged table, a bug
            show_failure(self.order_status, error, self.workshop.store.location)
            return
        self.order_status.value = ""
        self.refresh()
        self.order.value = ids[j]
