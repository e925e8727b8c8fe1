"""Live pages: what one participant saves shows on the others' open steps, and nothing typed is wiped.

Two step objects on the same store stand for two participants' pages (each page has its
own kernel and its own step in the app).  ``catch_up`` is what the page's store watch
calls when the store changed (:mod:`bsc_widgets.forms.live`).
"""

from __future__ import annotations

from plans import wait_for

from bsc_widgets import Store
from bsc_widgets.forms.live import follow
from bsc_widgets.forms.steps.objectives import TITLES_TRACE, ObjectivesStep
from bsc_widgets.forms.workshop import Workshop


def pages(ws: Workshop) -> tuple[ObjectivesStep, ObjectivesStep]:
    """Ann's and Bob's objectives step, each with its own workshop on the same store."""
    ann = Workshop(Store.open(ws.store.location), "org").objectives()
    bob = Workshop(Store.open(ws.store.location), "org").objectives()
    ann.objectives.user, bob.objectives.user = "Ann", "Bob"
    return ann, bob


def on_map(step: ObjectivesStep) -> dict[str, str]:
    """The objectives drawn on the step's strategy map: id -> the text of its box."""
    assert step.figure is not None
    trace = next(t for t in step.figure.data if t.name == TITLES_TRACE)
    return dict(zip(trace.customdata, trace.text, strict=True))


def offered(step: ObjectivesStep) -> set[str]:
    return {str(v) for _, v in step.objectives.selector.options}


def type_objective(step: ObjectivesStep, **values: str) -> None:
    for name, value in values.items():
        step.objectives.fields[name].widget.value = value


def test_a_save_on_one_page_shows_on_the_others_map_and_lists_and_their_typing_stays(ws: Workshop) -> None:
    ann, bob = pages(ws)
    bob.objectives.new()
    type_objective(bob, objective_id="C9", title="Half-typed idea")  # Bob is typing a new objective
    type_objective(ann, objective_id="L7", perspective_id="learning", title="Train every store manager")
    assert ann.objectives.save() is not None
    assert "L7" in on_map(ann) and "L7" not in on_map(bob)
    bob.catch_up()
    assert "Train every store" in on_map(bob)["L7"], "Ann's objective is on Bob's map"
    assert "L7" in offered(bob) and "L7" in {str(v) for _, v in bob.links.fields["cause"].widget.options}
    assert (bob.objectives.fields["objective_id"].widget.value, bob.objectives.fields["title"].widget.value) == (
        "C9", "Half-typed idea"), "what Bob typed is still there"
    assert bob.objectives.selector.value == "__new__" and bob.objectives.conflict_box.layout.display == "none"


def test_the_record_being_edited_changed_elsewhere_shows_the_conflict_panel_not_their_version(ws: Workshop) -> None:
    ann, bob = pages(ws)
    for step in (ann, bob):
        step.select("F1")
    type_objective(bob, title="Better wording by Bob")
    type_objective(ann, title="Wording by Ann")
    assert ann.objectives.save() is not None
    bob.catch_up()
    form = bob.objectives
    assert form.fields["title"].widget.value == "Better wording by Bob", "Bob's typing is not overwritten"
    assert form.conflict_box.layout.display == "flex"
    assert "Wording by Ann" in form.conflict_text.value and "saved by Ann" in form.conflict_text.value
    assert "not saved yet" in form.conflict_text.value
    bob.catch_up()  # the same conflict is not shown twice, nothing changes
    assert form.fields["title"].widget.value == "Better wording by Bob"
    assert form.keep_mine() is not None
    stored = ws.store.read("objectives").set_index("objective_id").loc["F1"]
    assert (stored["title"], stored["saved_by"]) == ("Better wording by Bob", "Bob")


def test_the_record_shown_without_typing_follows_the_store(ws: Workshop) -> None:
    ann, bob = pages(ws)
    for step in (ann, bob):
        step.select("F1")
    type_objective(ann, title="Grow revenue in every market")
    assert ann.objectives.save() is not None
    bob.catch_up()
    assert bob.objectives.fields["title"].widget.value == "Grow revenue in every market"
    assert bob.objectives.conflict_box.layout.display == "none"
    assert "Ann saved a newer version" in bob.objectives.status.value


def test_a_record_removed_elsewhere_while_typing_is_a_conflict_and_saving_enters_it_again(ws: Workshop) -> None:
    ann, bob = pages(ws)
    type_objective(ann, objective_id="L8", perspective_id="learning", title="Short-lived")
    assert ann.objectives.save() is not None
    bob.catch_up()
    bob.select("L8")
    type_objective(bob, title="Worth keeping")
    assert ann.objectives.remove() is not None
    bob.catch_up()
    assert "removed by someone else" in bob.objectives.conflict_text.value
    assert bob.objectives.fields["title"].widget.value == "Worth keeping"
    assert bob.objectives.keep_mine() is not None
    assert ws.store.read("objectives").set_index("objective_id").loc["L8", "title"] == "Worth keeping"


def test_an_actuals_grid_keeps_typed_values_and_flags_rows_saved_meanwhile(ws: Workshop) -> None:
    ann, bob = ws.actuals(), Workshop(Store.open(ws.store.location), "org").actuals()
    ann.grid.user = "ann"
    for step in (ann, bob):
        step.grid.month.value = "2026-11"
    typing = bob.grid.cells["rev-net"][1]
    typing.value = "9200"  # Bob types, does not save
    ann.grid.cells["rev-net"][1].value = "9100"
    ann.grid.cells["nps"][1].value = "47"
    assert ann.grid.save()
    bob.catch_up()
    assert bob.grid.cells["nps"][1].value == "47", "Ann's value shows on Bob's grid"
    assert bob.grid.cells["rev-net"][1] is typing and typing.value == "9200", "Bob's box and typing stay"
    assert "ann saved value 9100" in bob.grid.row_messages["rev-net"].value
    assert bob.grid.save(), "having seen Ann's value, Bob's save keeps his"
    assert ws.store.read("actuals").set_index(["kpi_id", "period"]).loc[("rev-net", "2026-11"), "value"] == 9200

    bob.grid.cells["nps"][2].value = "after the survey"  # typing again, and a new KPI comes: rows are redrawn
    kpi = ws.store.read("kpis").set_index("kpi_id").loc["nps"].to_dict()
    ws.store.upsert("kpis", [{**kpi, "kpi_id": "nps-2", "name": "Net promoter score, stores", "revision": 0}])
    bob.catch_up()
    assert "nps-2" in bob.grid.cells and bob.grid.cells["nps"][2].value == "after the survey"


def test_the_targets_grid_of_the_kpi_step_keeps_typing_when_someone_saves(ws: Workshop) -> None:
    ann, bob = ws.kpis(), Workshop(Store.open(ws.store.location), "org").kpis()
    for step in (ann, bob):
        step.form.selector.value = "nps"
    typing = bob.grid.cells[("2026Q4", "target")]
    typing.value = "51"
    ann.grid.cells[("2026Q3", "target")].value = "48"
    assert ann.grid.save()
    bob.catch_up()
    assert bob.grid.cells[("2026Q3", "target")].value == "48"
    assert bob.grid.cells[("2026Q4", "target")] is typing and typing.value == "51"



def test_a_page_follows_the_store_through_its_watch_and_one_watch_per_page(ws: Workshop) -> None:
    ann, bob = pages(ws)
    first = follow(bob, bob.workshop.store, interval=0.2)
    watch = follow(bob, bob.workshop.store, interval=0.2)  # the cell run again: one watch per page
    assert wait_for(lambda: not first.running) and watch.running
    type_objective(ann, objective_id="L9", perspective_id="learning", title="Coach new staff")
    assert ann.objectives.save() is not None
    assert wait_for(lambda: "L9" in on_map(bob)), watch.errors
    assert watch.errors == []
    watch.stop()
    assert wait_for(lambda: not watch._thread.is_alive())
