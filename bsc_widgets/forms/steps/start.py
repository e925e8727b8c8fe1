"""Step 0 — Start here: pick or create the store and the scorecard."""

from __future__ import annotations

from typing import TYPE_CHECKING

import ipywidgets as widgets

from ...config import remember
from ...errors import BscError, BscValidationError
from ...io.samples import load_sample
from ...model.schema import DEFAULT_PERSPECTIVES
from ...store import Store
from ..display import message
from ..record_form import RecordForm, sentence

if TYPE_CHECKING:
    from ..workshop import Workshop


class StartHere:
    """Choose the store (open, create, or create with the sample) and the scorecard."""

    def __init__(self, workshop: Workshop) -> None:
        self.workshop = workshop
        self.location = widgets.Text(value=workshop.store.location, description="Store folder:",
                                     layout=widgets.Layout(width="560px"), style={"description_width": "150px"})
        self.open_button = widgets.Button(description="Open or create", icon="folder-open")
        self.sample_button = widgets.Button(description="Load the sample to rehearse", icon="graduation-cap")
        self.store_status = widgets.HTML()
        self.scorecard = widgets.Dropdown(description="Scorecard:", layout=widgets.Layout(width="560px"),
                                          style={"description_width": "150px"})
        self.use_button = widgets.Button(description="Work on this scorecard", button_style="primary")
        self.card_status = widgets.HTML()
        self.form = self._scorecard_form()
        self.open_button.on_click(lambda _: self.open_store())
        self.sample_button.on_click(lambda _: self.load_sample())
        self.use_button.on_click(lambda _: self.use())
        self.widget = widgets.VBox([
            widgets.HTML("<h3>1. Where the plan is kept</h3>"),
            widgets.HBox([self.location, self.open_button, self.sample_button]), self.store_status,
            widgets.HTML("<h3>2. The scorecard to work on</h3>"),
            widgets.HBox([self.scorecard, self.use_button]), self.card_status,
            widgets.HTML("<h3>3. …or create a new scorecard</h3><p>For a department, choose the parent "
                         "scorecard it cascades from. The four classic perspectives are added for you; "
                         "rename or re-order them in step 2.</p>"),
            self.form.widget,
        ])
        self._refresh_cards()

    def _ok(self, target: widgets.HTML, text: str, ok: bool = True) -> None:
        target.value = message(text, ok=ok)

    def _scorecard_form(self) -> RecordForm:
        form = RecordForm(self.workshop.store, "scorecards",
                          fields=["scorecard_id", "name", "parent_id", "review_frequency"],
                          options={"parent_id": self._card_options()}, noun="scorecard",
                          describe=lambda r: f"{r['scorecard_id']} — {r['name']}")
        form.on_change(self._created)
        return form

    def _card_options(self) -> list[tuple[str, str]]:
        cards = self.workshop.store.read("scorecards")
        return [(f"{r.name} ({r.scorecard_id})", str(r.scorecard_id)) for r in cards.itertuples()]

    def _refresh_cards(self) -> None:
        options = self._card_options()
        self.scorecard.options = options
        if self.workshop.scorecard_id in [v for _, v in options]:
            self.scorecard.value = self.workshop.scorecard_id
        self.form.fields["parent_id"].set_options(options)
        if not options:
            self._ok(self.card_status, "This store has no scorecard yet: create one below.", ok=False)

    def _switch(self, store: Store) -> None:
        self.workshop.store = store
        self.workshop.scorecard_id = None
        self.form.store = store
        self.form.refresh()
        self._refresh_cards()
        cards = self.scorecard.options
        if cards:
            self.scorecard.value = cards[0][1]
            self.use()

    def open_store(self) -> None:
        """Open the store in the folder typed (an empty or new folder becomes a new store)."""
        try:
            store = Store.open_or_create(self.location.value.strip())
        except BscError as error:
            self._ok(self.store_status, str(error), ok=False)
            return
        self._switch(store)
        self._ok(self.store_status, f"Working in {store.location}.")

    def load_sample(self) -> None:
        """Create a new store with the sample organisation in the folder typed."""
        try:
            store = Store.create(self.location.value.strip())
            load_sample(store)
        except BscError as error:
            self._ok(self.store_status, f"{error} Type a new folder name to load the sample into.", ok=False)
            return
        self._switch(store)
        self._ok(self.store_status, f"Loaded the sample organisation into {store.location}.")

    def use(self) -> None:
        """Make the chosen scorecard the one every workbook works on."""
        if not self.scorecard.value:
            self._ok(self.card_status, "Create a scorecard first.", ok=False)
            return
        self.workshop.scorecard_id = self.scorecard.value
        remember(self.workshop.store.location, self.workshop.scorecard_id)
        self._ok(self.card_status, f"Every workbook now works on '{self.scorecard.label}' in "
                                   f"{self.workshop.store.location}.")

    def _created(self, form: RecordForm) -> None:
        card = form.current
        if card is None:
            self._refresh_cards()
            return
        sid = str(card["scorecard_id"])
        existing = self.workshop.store.read("perspectives", scorecard=sid)
        if existing.empty:
            try:
                self.workshop.store.upsert("perspectives", [
                    {"scorecard_id": sid, "perspective_id": pid, "name": name, "position": i + 1,
                     "description": question} for i, (pid, name, question) in enumerate(DEFAULT_PERSPECTIVES)])
            except BscValidationError as error:
                self._ok(self.card_status, " ".join(sentence(p) for p in error.problems), ok=False)
        self._refresh_cards()
        self.scorecard.value = sid
        self.use()
