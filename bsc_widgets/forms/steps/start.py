"""Step 0 — Start here: pick or create the store and the scorecard.

In JupyterLab (the facilitator) the step opens or creates stores and saves the choice for
every workbook (``.bsc-workshop.json``).  In the app (see :mod:`~bsc_widgets.forms.mode`)
only the facilitator's page may do so, and only for stores inside the folder chosen when
the app was started (``bsc workshop --stores-root``, default: the store's parent folder),
shown relative to it; the choice then holds for every page opened after it.  Everyone
else sees the store's folder name and the scorecard the facilitator chose: they cannot
open or create stores, and never change the saved choice — also when the step's methods
are called directly (and the store refuses to create a store for them).
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

import ipywidgets as widgets

from ...config import remember, remember_in_app
from ...errors import BscError, BscValidationError
from ...io.samples import load_sample
from ...model.permissions import may_decide
from ...model.schema import DEFAULT_PERSPECTIVES
from ...roster import session
from ...store import Store
from ..display import message, wide
from ..failures import guarded, show_failure
from ..mode import in_app, relative_location, shown_location, stores_root, under_root
from ..record_form import RecordForm, sentence
from ..view import Viewable

if TYPE_CHECKING:
    from ..workshop import Workshop

APP_REFUSAL = ("In the workshop app the plan's store is chosen by the facilitator; it cannot be changed on this "
               "page.")
OUTSIDE_ROOT = ("Stores can be opened or created only inside the folder chosen when the app was started: type the "
                "name of a folder in it, e.g. workshop-store.")


class StartHere(Viewable):
    """Choose the store (open, create, or create with the sample) and the scorecard."""

    def __init__(self, workshop: Workshop) -> None:
        self.workshop = workshop
        self.root = stores_root()
        self.picker = not in_app() or (may_decide(session()) and self.root is not None)
        """Whether this page may open and create stores and change the saved choice (JupyterLab; the facilitator)."""
        self.app = not self.picker
        location = self._shown(workshop.store.location)
        self.location = widgets.Text(value=location, description="Store folder:",
                                     layout=widgets.Layout(width="560px"), style={"description_width": "150px"})
        self.open_button = wide(widgets.Button(description="Open or create", icon="folder-open"))
        self.sample_button = wide(widgets.Button(description="Load the sample to rehearse", icon="graduation-cap"))
        self.store_status = widgets.HTML()
        self.scorecard = widgets.Dropdown(description="Scorecard:", layout=widgets.Layout(width="560px"),
                                          style={"description_width": "150px"})
        self.use_button = wide(widgets.Button(description="Work on this scorecard", button_style="primary"))
        self.card_status = widgets.HTML()
        self.form = self._scorecard_form()
        where = self.location.value
        self.open_button.on_click(guarded(self.store_status, lambda: where)(lambda _: self.open_store()))
        self.sample_button.on_click(guarded(self.store_status, lambda: where)(lambda _: self.load_sample()))
        self.use_button.on_click(guarded(self.card_status, lambda: self.workshop.store.location)(lambda _: self.use()))
        if self.app:
            store_part: list[widgets.Widget] = [widgets.HTML(
                f"<p>The plan is kept in the store <b>{html.escape(location)}</b>, chosen by the facilitator when "
                "the app was started.</p>")]
            card_part: list[widgets.Widget] = [self.scorecard, self.card_status]
            self.scorecard.disabled = True
            self.scorecard.description = "Working on:"
        else:
            store_part = [widgets.HBox([self.location, self.open_button, self.sample_button]), self.store_status]
            card_part = [widgets.HBox([self.scorecard, self.use_button]), self.card_status]
        self.widget = widgets.VBox([
            widgets.HTML("<h3>1. Where the plan is kept</h3>"), *store_part,
            widgets.HTML("<h3>2. The scorecard to work on</h3>"), *card_part,
            widgets.HTML("<h3>3. …or create a new scorecard</h3><p>For a department, choose the parent "
                         "scorecard it cascades from. The four classic perspectives are added for you; "
                         "rename or re-order them in step 2.</p>"),
            self.form.widget,
        ])
        self._refresh_cards()

    def _shown(self, location: str) -> str:
        """A store's location as this page may show it (never an absolute server path in the app)."""
        if not in_app():
            return location
        return relative_location(location, self.root) if self.picker else shown_location(location)

    def _typed(self) -> str | None:
        """The store folder typed, as a full path (in the app: only inside the stores' folder; None otherwise)."""
        typed = self.location.value.strip()
        if not in_app():
            return typed
        found = under_root(typed, self.root)
        return str(found) if found is not None else None

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
        """Open the store in the folder typed (an empty or new folder becomes a new store); refused in the app."""
        if self.app:
            self._ok(self.store_status, APP_REFUSAL, ok=False)
            return
        where = self._typed()
        if not where:
            self._ok(self.store_status, OUTSIDE_ROOT, ok=False)
            return
        try:
            store = Store.open_or_create(where)
        except Exception as error:  # not a store, a folder that may not be written, a damaged table
            show_failure(self.store_status, error, where, doing="open the store")
            return
        self._switch(store)
        self._ok(self.store_status, f"Working in {self._shown(store.location)}.")

    def load_sample(self) -> None:
        """Create a new store with the sample organisation in the folder typed; refused in the app."""
        if self.app:
            self._ok(self.store_status, APP_REFUSAL, ok=False)
            return
        where = self._typed()
        if not where:
            self._ok(self.store_status, OUTSIDE_ROOT, ok=False)
            return
        try:
            store = Store.create(where)
            load_sample(store)
        except BscError as error:
            said = str(error).replace(where, self._shown(where)) if in_app() else str(error)
            self._ok(self.store_status, f"{said} Type a new folder name to load the sample into.", ok=False)
            return
        except Exception as error:  # a folder that may not be written, a full disk
            show_failure(self.store_status, error, where, doing="load the sample")
            return
        self._switch(store)
        self._ok(self.store_status, f"Loaded the sample organisation into {self._shown(store.location)}.")

    def use(self) -> None:
        """Make the chosen scorecard the one every workbook works on (in the app: refused, the facilitator chose)."""
        if not self.scorecard.value:
            self._ok(self.card_status, "Create a scorecard first.", ok=False)
            return
        if self.app:
            self._ok(self.card_status, "In the workshop app every step works on the scorecard the facilitator "
                                       "chose when starting the app.", ok=False)
            return
        self.workshop.scorecard_id = self.scorecard.value
        remember(self.workshop.store.location, self.workshop.scorecard_id)
        if remember_in_app(self.workshop.store.location, self.workshop.scorecard_id):
            self._ok(self.card_status, f"Every step opened from now on works on '{self.scorecard.label}' in "
                                       f"{self._shown(self.workshop.store.location)}; pages already open keep "
                                       "their plan until they are reloaded.")
            return
        self._ok(self.card_status, f"Every step now works on '{self.scorecard.label}' in "
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
            except Exception as error:  # a full or read-only disk, a damaged table
                show_failure(self.card_status, error, self.workshop.store.location)
        self._refresh_cards()
        if self.app:
            self._ok(self.card_status, f"Created scorecard '{card['name']}'. The workshop steps stay on the "
                                       "scorecard the facilitator chose; ask the facilitator to switch to it.")
            return
        self.scorecard.value = sid
        self.use()
