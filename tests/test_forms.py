"""Headless tests of the workshop forms: set widget values, click buttons, check the store."""

from __future__ import annotations

import datetime as dt
import html
import json
from pathlib import Path

import ipywidgets as widgets
import pandas as pd
import pytest

from bsc_widgets import Store
from bsc_widgets.config import CHOICE_FILE
from bsc_widgets.forms.record_form import RecordForm
from bsc_widgets.forms.view import RUN_HINT
from bsc_widgets.forms.workshop import Workshop, open_workshop
from bsc_widgets.io.libraries import load_library
from bsc_widgets.model.schema import TABLES
from bsc_widgets.model.words import number
from bsc_widgets.render import theme
from bsc_widgets.smart import check_smart, findings_for


def stored(ws: Workshop, table: str, key: str | tuple[str, ...]) -> pd.Series:
    keys = list(TABLES[table].key)
    return ws.store.read(table).set_index(keys if len(keys) > 1 else keys[0]).loc[key]


def objective_form(ws: Workshop) -> RecordForm:
    return RecordForm(ws.store, "objectives", fixed={"scorecard_id": "org"},
                      fields=["objective_id", "perspective_id", "title", "owner", "weight"],
                      options={"perspective_id": [("Financial", "financial"), ("Customer", "customer")]})


# ------------------------------------------------------------------ record form behaviour
def test_edit_and_save_an_existing_record(ws: Workshop) -> None:
    form = objective_form(ws)
    form.selector.value = "F1"
    assert form.fields["title"].widget.value == stored(ws, "objectives", "F1")["title"]
    assert form.fields["objective_id"].widget.disabled, "ids of saved records cannot be changed"
    form.fields["owner"].widget.value = "Maria Lind"
    result = form.save()
    assert result is not None and result.updated == 1
    row = stored(ws, "objectives", "F1")
    assert (row["owner"], row["revision"]) == ("Maria Lind", 2)
    assert pd.notna(row["description"]), "fields the form does not show are kept"
    assert "Saved objective" in form.status.value


def test_invalid_input_is_explained_next_to_the_field_and_nothing_is_saved(ws: Workshop) -> None:
    form = objective_form(ws)
    form.selector.value = "F1"
    version = ws.store.version("objectives")
    form.fields["weight"].widget.value = "heavy"
    assert "Must be a number (you entered 'heavy')" in form.problems_shown["weight"], "checked while typing"
    form.fields["title"].widget.value = "   "
    assert form.save() is None
    assert set(form.problems_shown) == {"weight", "title"}
    assert "Enter the title" in form.problems_shown["title"]
    assert form.fields["weight"].widget.value == "heavy", "typed input is never cleared"
    assert ws.store.version("objectives") == version
    assert "Not saved" in form.status.value


def test_cross_table_problem_is_shown_next_to_its_field(ws: Workshop) -> None:
    options = [("F1", "F1"), ("C1", "C1")]
    form = RecordForm(ws.store, "links", fixed={"scorecard_id": "org"}, fields=["cause", "effect", "note"],
                      options={"cause": options, "effect": options})
    form.fields["cause"].widget.value = "F1"
    form.fields["effect"].widget.value = "F1"
    assert form.save() is None
    assert "cannot cause itself" in form.problems_shown["effect"].lower()


def test_new_record_then_undo(ws: Workshop) -> None:
    form = objective_form(ws)
    form.new_button.click()
    form.fields["objective_id"].widget.value = "F9"
    form.fields["perspective_id"].widget.value = "financial"
    form.fields["title"].widget.value = "Open two stores in Austria by 2027"
    form.save_button.click()
    assert stored(ws, "objectives", "F9")["title"] == "Open two stores in Austria by 2027"
    assert not form.undo_button.disabled
    form.undo_button.click()
    assert "F9" not in set(ws.store.read("objectives")["objective_id"])
    assert "undone" in form.status.value


def test_undo_an_edit_restores_the_previous_values(ws: Workshop) -> None:
    form = objective_form(ws)
    form.selector.value = "C1"
    before = stored(ws, "objectives", "C1")["title"]
    form.fields["title"].widget.value = "A title typed by mistake in the workshop"
    form.save()
    form.undo()
    assert stored(ws, "objectives", "C1")["title"] == before
    assert form.fields["title"].widget.value == before


def test_removal_asks_for_confirmation_and_can_be_undone(ws: Workshop) -> None:
    form = RecordForm(ws.store, "links", fixed={"scorecard_id": "org"}, fields=["cause", "effect", "note"])
    first = form.selector.options[1][1]
    form.selector.value = first
    count = len(ws.store.read("links"))
    form.remove_button.click()
    assert form.confirm_box.layout.display == "flex" and len(ws.store.read("links")) == count
    form.cancel_button.click()
    assert form.confirm_box.layout.display == "none" and len(ws.store.read("links")) == count
    form.remove_button.click()
    form.confirm_button.click()
    assert len(ws.store.read("links")) == count - 1
    form.undo()
    assert len(ws.store.read("links")) == count


def test_removal_is_refused_while_other_records_use_it(ws: Workshop) -> None:
    form = objective_form(ws)
    form.selector.value = "F1"
    form.ask_remove()
    assert form.remove() is None
    assert "F1" in set(ws.store.read("objectives")["objective_id"])
    assert "Not removed" in form.status.value and "kpis" in form.status.value


def test_save_conflict_shows_both_versions_and_combine_keeps_both_changes(ws: Workshop) -> None:
    ann, bob = objective_form(ws), objective_form(ws)
    ann.user, bob.user = "ann", "bob"
    ann.selector.value = bob.selector.value = "C1"
    ann.fields["owner"].widget.value = "Ann Berg"
    ann.save()
    bob.fields["weight"].widget.value = "3"
    assert bob.save() is None
    assert bob.conflict_box.layout.display == "flex"
    text = bob.conflict_text.value
    assert "saved by ann" in text and "Ann Berg" in text and "their version" in text and "your version" in text
    assert stored(ws, "objectives", "C1")["owner"] == "Ann Berg", "nothing was overwritten"
    bob.merge_button.click()
    assert bob.fields["owner"].widget.value == "Ann Berg" and bob.fields["weight"].widget.value == "3"
    bob.save_button.click()
    row = stored(ws, "objectives", "C1")
    assert (row["owner"], row["weight"], row["saved_by"]) == ("Ann Berg", 3.0, "bob")


def test_conflict_keep_mine_or_take_theirs(ws: Workshop) -> None:
    ann, bob = objective_form(ws), objective_form(ws)
    ann.selector.value = bob.selector.value = "C2"
    ann.fields["owner"].widget.value = "Ann"
    ann.save()
    bob.fields["owner"].widget.value = "Bob"
    bob.save()
    assert ">Owner<" in bob.conflict_text.value and ">Weight<" not in bob.conflict_text.value, (
        "a stored 1.0 and a shown '1' are the same weight")
    bob.take_theirs_button.click()
    assert bob.fields["owner"].widget.value == "Ann"
    bob.fields["owner"].widget.value = "Bob"
    bob.save()  # no conflict now: bob has seen Ann's version
    assert stored(ws, "objectives", "C2")["owner"] == "Bob"
    ann.fields["owner"].widget.value = "Ann again"
    ann.save()
    assert ann.conflict_box.layout.display == "flex"
    ann.keep_mine_button.click()
    assert stored(ws, "objectives", "C2")["owner"] == "Ann again"


def test_save_my_version_keeps_their_change_of_a_field_i_did_not_touch(ws: Workshop) -> None:
    ann, bob = objective_form(ws), objective_form(ws)
    ann.selector.value = bob.selector.value = "C2"
    title = bob.fields["title"].widget.value
    ann.fields["owner"].widget.value = "Ann Berg"
    assert ann.save() is not None
    bob.fields["title"].widget.value = "Win back customers after the WMS cut-over"
    assert bob.save() is None and bob.conflict_box.layout.display == "flex"
    bob.keep_mine_button.click()
    row = stored(ws, "objectives", "C2")
    assert row["title"] == "Win back customers after the WMS cut-over" != title, "my change is saved"
    assert row["owner"] == "Ann Berg", "her change of a field I never touched is not replaced by my stale copy"
    assert bob.fields["owner"].widget.value == "Ann Berg"


# ------------------------------------------------------------------ the steps
def test_start_here_creates_a_department_with_the_four_perspectives(ws: Workshop) -> None:
    start = ws.start_here()
    form = start.form
    form.new()
    form.fields["scorecard_id"].widget.value = "hr"
    form.fields["name"].widget.value = "People and Culture"
    form.fields["parent_id"].widget.value = "org"
    form.save()
    persp = ws.store.read("perspectives", scorecard="hr").sort_values("position")
    assert list(persp["perspective_id"]) == ["financial", "customer", "internal", "learning"]
    assert ws.scorecard_id == "hr"
    choice = json.loads(Path(CHOICE_FILE).read_text())
    assert choice == {"store": ws.store.location, "scorecard": "hr"}
    reopened = open_workshop()
    assert (reopened.store.location, reopened.scorecard_id) == (ws.store.location, "hr")


def test_start_here_loads_the_sample_into_a_new_folder_and_refuses_a_used_one(ws: Workshop, tmp_path: Path) -> None:
    start = ws.start_here()
    start.location.value = str(tmp_path / "rehearsal")
    start.load_sample()
    assert "Loaded the sample" in start.store_status.value
    assert len(Store.open(tmp_path / "rehearsal").read("kpis")) == 31
    start.load_sample()
    assert "already holds a store" in start.store_status.value


def test_vision_step_saves_and_checks_the_horizon(ws: Workshop) -> None:
    step = ws.vision()
    assert step.form is not None
    step.form.fields["vision"].widget.value = "By 2030 the outdoor brand people trust most."
    step.form.fields["horizon_end"].widget.value = "2024-01"
    step.form.save()
    assert "Ends before the horizon starts" in step.form.problems_shown["horizon_end"]
    step.form.fields["horizon_end"].widget.value = "2028-12"
    step.form.save()
    card = stored(ws, "scorecards", "org")
    assert (card["horizon_end"], card["vision"]) == ("2028-12", "By 2030 the outdoor brand people trust most.")
    findings = check_smart(ws.frames(), "org")
    assert f"{len(findings)} finding(s)" in step.coach.summary.value, "the coach counts the stored plan's findings"
    ends_early = findings[findings["check"] == "kpi-targets-end-early"]
    assert len(ends_early) and "2028-12" in ends_early["message"].iloc[0], "the new horizon end is judged"


def test_objectives_step_updates_the_strategy_map(ws: Workshop) -> None:
    step = ws.objectives()
    form = step.objectives
    form.new()
    form.fields["objective_id"].widget.value = "L4"
    form.fields["perspective_id"].widget.value = "learning"
    form.fields["title"].widget.value = "Grow digital skills in every store team"
    form.save()
    assert step.figure is not None and "Grow digital skills" in step.figure.to_json()
    link = step.links
    link.fields["cause"].widget.value = "L4"
    link.fields["effect"].widget.value = "P2"
    link.save()
    assert ((ws.store.read("links")["cause"] == "L4") & (ws.store.read("links")["effect"] == "P2")).any()
    form.selector.value = "L4"
    mine = findings_for(check_smart(ws.frames(), "org"), "objective", "L4", "org")
    assert "objective-no-kpi" in set(mine["check"]) and "objective-isolated" not in set(mine["check"])
    for message in mine["message"]:
        assert html.escape(message) in step.coach.record.value, "the coach shows this objective's findings"


def test_objectives_can_be_reordered_and_perspectives_renamed(ws: Workshop) -> None:
    step = ws.objectives()
    step.order_perspective.value = "financial"
    first, second = [v for _, v in step.order.options][:2]
    step.order.value = second
    step.up_button.click()
    assert [v for _, v in step.order.options][:2] == [second, first]
    positions = ws.store.read("objectives").set_index("objective_id")["position"]
    assert positions[second] < positions[first]
    persp = step.perspectives
    persp.selector.value = "org/customer"
    persp.fields["name"].widget.value = "Members and customers"
    persp.fields["position"].widget.value = "1"
    persp.save()
    assert ws.store.read("perspectives").set_index(["scorecard_id", "perspective_id"]).loc[
        ("org", "customer"), "name"] == "Members and customers"


def test_kpi_step_targets_grid_fill_save_and_problems(ws: Workshop) -> None:
    step = ws.kpis()
    form = step.form
    form.new()
    values = {"kpi_id": "web-conv", "objective_id": "C3", "name": "Web shop conversion rate", "unit": "%",
              "polarity": "higher", "frequency": "Q", "aggregation": "mean", "baseline": "2.1",
              "baseline_period": "2024Q3"}
    for name, value in values.items():
        form.fields[name].widget.value = value
    form.save()
    grid = step.grid
    assert grid.periods[0] == "2024Q4" and grid.periods[-1] == "2027Q4"
    grid.final.value = "3.4"
    grid.gap.value = "10%"
    grid.fill()
    assert grid.cells[("2027Q4", "target")].value == "3.4"
    assert float(grid.cells[("2027Q4", "red_flag")].value) == pytest.approx(3.06)
    grid.cells[("2025Q1", "target")].value = "ten"
    grid.cells[("2025Q2", "red_flag")].value = grid.cells[("2025Q2", "target")].value
    assert not grid.save()
    assert "Must be a number" in grid.row_messages["2025Q1"].value
    assert "Equals the target" in grid.row_messages["2025Q2"].value
    assert ws.store.read("targets").query("kpi_id == 'web-conv'").empty
    grid.cells[("2025Q1", "target")].value = "2.3"
    grid.cells[("2025Q2", "red_flag")].value = "2.2"
    assert grid.save()
    saved = ws.store.read("targets").query("kpi_id == 'web-conv'")
    assert len(saved) == len(grid.periods) == 13
    grid.show(form.current)
    grid.cells[("2027Q4", "target")].value = ""
    grid.cells[("2027Q4", "red_flag")].value = ""
    assert grid.save()
    assert "2027Q4" not in set(ws.store.read("targets").query("kpi_id == 'web-conv'")["period"])


def test_kpi_step_preview_scores_a_sample_actual(ws: Workshop) -> None:
    step = ws.kpis()
    step.form.selector.value = "nps"
    step.sample_period.value = "2026Q3"
    target = float(step.grid.cells[("2026Q3", "target")].value)
    step.sample.value = f"{target:g}"
    assert "scores <b>6.67</b>" in step.preview.value and "green" in step.preview.value
    step.sample.value = "lots"
    assert "must be a number" in step.preview.value


def test_action_plan_step_lists_what_needs_attention(ws: Workshop) -> None:
    step = ws.action_plans()
    overdue = set(step.items.loc[step.items["problem"].str.startswith("overdue"), "id"])
    tasks = ws.store.read("tasks")
    expected = set(tasks[(~tasks["status"].isin(["done", "cancelled"])) & (tasks["due"] < dt.date.today())]["task_id"])
    assert overdue == expected and overdue
    form = step.tasks
    form.new()
    form.fields["task_id"].widget.value = "I1-T9"
    form.fields["initiative_id"].widget.value = "I1"
    form.fields["description"].widget.value = "Write the cut-over runbook"
    form.fields["due"].widget.value = dt.date(2020, 1, 31)
    form.save()
    assert "Enter the owner" in form.problems_shown["owner"]
    form.fields["owner"].widget.value = "Tom Gallagher"
    form.save()
    assert "I1-T9" in set(step.items["id"]), "the new overdue task is listed"
    assert step.figure is not None and "I1-T9" in step.figure.to_json()


def test_actuals_step_saves_the_grid_and_explains_bad_values(ws: Workshop) -> None:
    step = ws.actuals()
    grid = step.grid
    grid.month.value = "2026-11"
    period, value, note, _ = grid.cells["rev-net"]
    assert period == "2026-11" and value.value == ""
    value.value = "8950,5"
    note.value = "Black Friday week"
    period_q, value_q, _, message_q = grid.cells["nps"]
    assert period_q == "2026Q4"
    value_q.value = "high"
    assert not grid.save()
    assert "Must be a number" in message_q.value
    assert ("rev-net", "2026-11") not in set(zip(ws.store.read("actuals")["kpi_id"],
                                                 ws.store.read("actuals")["period"], strict=True))
    value_q.value = "41"
    assert grid.save()
    row = stored(ws, "actuals", ("rev-net", "2026-11"))
    assert (row["value"], row["note"]) == (8950.5, "Black Friday week") and row["entered_by"]


def test_actuals_step_comments_and_import(ws: Workshop) -> None:
    step = ws.actuals()
    form = step.comments
    form.fields["subject_type"].widget.value = "objective"
    assert "C3" in [v for _, v in form.fields["subject_id"].widget.options]
    form.fields["subject_id"].widget.value = "C3"
    form.fields["period"].widget.value = "2026Q3"
    form.fields["kind"].widget.value = "recommendation"
    form.fields["text"].widget.value = "Fix the boot sizing chart before the winter season."
    form.save()
    assert (ws.store.read("comments")["subject_id"] == "C3").any()
    panel = step.imports
    report = panel.check(b"kpi,period,value\nnps,2026Q4,40\nnps,2026Q5,41\nghost,2026Q4,1\n", "actuals.csv")
    assert report is not None and not report.ok and panel.apply_button.disabled
    assert "line 3" in panel.result.value and "line 4" in panel.result.value
    report = panel.check(b"kpi,period,value\nnps,2026Q4,40\n", "actuals.csv")
    assert report is not None and report.ok and not panel.apply_button.disabled
    assert panel.apply()
    assert stored(ws, "actuals", ("nps", "2026Q4"))["value"] == 40


def _comment(step: object, text: str) -> None:
    form = step.comments  # type: ignore[attr-defined]
    form.new()
    form.fields["subject_type"].widget.value = "objective"
    form.fields["subject_id"].widget.value = "C3"
    form.fields["period"].widget.value = "2026Q3"
    form.fields["kind"].widget.value = "recommendation"
    form.fields["text"].widget.value = text
    assert form.save() is not None, form.status.value


def test_two_people_commenting_on_the_same_objective_make_a_thread(ws: Workshop) -> None:
    ana, ben = ws.actuals(), open_workshop(ws.store.location, scorecard="org").actuals()
    _comment(ana, "Fix the boot sizing chart before the winter season.")
    _comment(ben, "Also retrain the hotline on the new sizes.")
    thread = ws.store.read("comments").query("subject_id == 'C3' and kind == 'recommendation'")
    assert sorted(zip(thread["number"], thread["text"], strict=True)) == [
        (1, "Fix the boot sizing chart before the winter season."), (2, "Also retrain the hotline on the new sizes.")]
    # Each form shows the comment it saved, with its number in the thread.
    assert ana.comments.selector.label.endswith("recommendation #1 — " + ana.comments.user)
    assert "recommendation #2" in ben.comments.selector.label
    # Ana corrects hers after Ben corrected it: she sees the conflict, nothing is replaced silently.
    ben.comments.refresh()
    ben.comments.selector.value = "objective/C3/2026Q3/recommendation/1"
    ben.comments.fields["text"].widget.value = "Fix the boot sizing chart in October."
    assert ben.comments.save() is not None
    ana.comments.fields["text"].widget.value = "Fix the boot sizing chart and the size guide."
    assert ana.comments.save() is None
    assert ana.comments.conflict_box.layout.display != "none"
    assert "Fix the boot sizing chart in October." in ana.comments.conflict_text.value
    texts = set(ws.store.read("comments").query("subject_id == 'C3'")["text"])
    assert texts == {"Fix the boot sizing chart in October.", "Also retrain the hotline on the new sizes."}


def test_review_step_shows_the_engines_scores(ws: Workshop) -> None:
    from bsc_widgets.model.plan import default_period
    from bsc_widgets.scoring import score_review

    step = ws.review()
    assert default_period(["2026Q2", "2026Q3", "2026Q4"], dt.date(2026, 11, 25)) == "2026Q3"
    assert default_period(["2026Q4"], dt.date(2026, 11, 25)) == "2026Q4"
    assert step.period.value == default_period(list(step.period.options))
    step.period.value = "2026Q3"
    review = score_review(ws.frames(), "2026Q3", "org")
    card = review.scorecards.iloc[0]
    assert f'{number(card["score"])}<small> / 10' in step.summary.value, "the headline shows the engine's score"
    assert f'background:{theme.STATUS_COLOURS[str(card["status"])]}">{card["status"]}<' in step.summary.value
    for kpi in review.kpis.itertuples():
        row = step.details.value.split(f"</span>{html.escape(str(kpi.name))}<", 1)  # after its anchor
        assert len(row) == 2, kpi.name
        assert f">{number(kpi.score)}<" in row[1].split("</tr>", 1)[0], f"{kpi.name}: the score shown is the engine's"
    objectives = review.objectives.set_index("objective_id")
    assert step.figure is not None
    for trace in step.figure.data:
        if trace.name in theme.STATUS_COLOURS:
            assert trace.fillcolor == theme.STATUS_COLOURS[trace.name]
            assert len(trace.x) == 6 * int((objectives["status"] == trace.name).sum()), "boxes coloured by status"


def test_steps_without_a_scorecard_point_to_start_here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("BSC_STORE", raising=False)
    ws = open_workshop(str(tmp_path / "empty"))
    assert ws.scorecard_id is None
    for step in (ws.vision(), ws.objectives(), ws.kpis(), ws.action_plans(), ws.actuals(), ws.review()):
        assert "Start here" in step.widget.value


def test_kpi_step_starts_a_scorecard_from_a_library(ws: Workshop) -> None:
    panel = ws.kpis().library
    panel.library.value = "healthcare"
    library = load_library("healthcare")
    for title in library.tables["objectives"]["title"]:
        assert f"<b>{html.escape(title)}</b>" in panel.preview.value
    for name in library.tables["kpis"]["name"]:
        assert html.escape(name) in panel.preview.value
    assert not panel.create()
    assert "Enter an id" in panel.status.value
    panel.scorecard_id.value = "clinic"
    panel.name.value = "St Mary's Clinic"
    panel.horizon_start.value, panel.horizon_end.value = "2026-01", "2028-12"
    assert panel.create()
    assert ws.scorecard_id == "clinic"
    kpis = ws.store.read("kpis", scorecard="clinic")
    assert len(kpis) >= 10 and all(k.startswith("clinic-") for k in kpis["kpi_id"])
    assert ws.store.read("scorecards").set_index("scorecard_id").loc["clinic", "name"] == "St Mary's Clinic"
    assert not panel.create() and "already exists" in panel.status.value


def test_two_people_typing_the_same_actual_never_overwrite_each_other_silently(ws: Workshop) -> None:
    ann, bob = ws.actuals().grid, ws.actuals().grid
    ann.user, bob.user = "ann", "bob"
    for grid in (ann, bob):
        grid.month.value = "2026-11"
    ann.cells["rev-net"][1].value = "9100"
    assert ann.save() and "Saved 1 actual(s)" in ann.status.value
    bob.cells["rev-net"][1].value = "9200"
    assert not bob.save()
    assert stored(ws, "actuals", ("rev-net", "2026-11"))["value"] == 9100, "Ann's value was not overwritten"
    assert "ann saved value 9100" in bob.row_messages["rev-net"].value and "Nothing was overwritten" in bob.status.value
    assert bob.cells["rev-net"][1].value == "9200", "Bob's typed value stays"
    assert bob.save(), "saving again, having seen Ann's value, keeps Bob's"
    row = stored(ws, "actuals", ("rev-net", "2026-11"))
    assert (row["value"], row["saved_by"], row["revision"]) == (9200, "bob", 2)


def test_targets_grid_refuses_to_overwrite_targets_changed_meanwhile(ws: Workshop) -> None:
    mine, theirs = ws.kpis(), ws.kpis()
    for step in (mine, theirs):
        step.form.selector.value = "nps"
    theirs.grid.cells[("2026Q3", "target")].value = "48"
    assert theirs.grid.save()
    mine.grid.cells[("2026Q3", "target")].value = "50"
    assert not mine.grid.save()
    assert "target 48" in mine.grid.row_messages["2026Q3"].value
    assert stored(ws, "targets", ("nps", "2026Q3"))["target"] == 48
    assert mine.grid.save() and stored(ws, "targets", ("nps", "2026Q3"))["target"] == 50


def test_objective_order_is_not_saved_over_a_concurrent_edit(ws: Workshop) -> None:
    step = ws.objectives()
    step.order_perspective.value = "financial"
    first, second = [v for _, v in step.order.options][:2]
    other = objective_form(ws)
    other.selector.value = first
    other.fields["owner"].widget.value = "Someone Else"
    other.save()
    step.order.value = second
    step.up_button.click()
    assert "changed objective" in step.order_status.value and "Move it again" in step.order_status.value
    assert stored(ws, "objectives", first)["owner"] == "Someone Else"
    positions = ws.store.read("objectives").set_index("objective_id")["position"]
    assert positions[first] < positions[second], "the order was not saved over the other edit"
    step.order.value = second
    step.up_button.click()
    positions = ws.store.read("objectives").set_index("objective_id")["position"]
    assert positions[second] < positions[first] and stored(ws, "objectives", first)["owner"] == "Someone Else"


def test_a_new_record_with_a_taken_id_is_refused_and_the_existing_one_is_untouched(ws: Workshop) -> None:
    before = stored(ws, "objectives", "C1")
    form = objective_form(ws)
    form.new()
    form.fields["objective_id"].widget.value = "C1"
    form.fields["perspective_id"].widget.value = "financial"
    form.fields["title"].widget.value = "A different objective typed as new"
    assert form.save() is None
    assert "C1 already exists" in form.problems_shown["objective_id"]
    assert "Pick it in the list above" in form.status.value
    assert form.conflict_box.layout.display == "none", "not shown as someone else's concurrent change"
    assert form.keep_mine() is None, "there is no 'save my version' over a record you never opened"
    after = stored(ws, "objectives", "C1")
    assert after.equals(before), "C1 is unchanged"


def test_review_step_can_show_the_plan_as_the_store_held_it_earlier(ws: Workshop) -> None:
    before = ws.store.saved_at(ws.store.versions())
    assert before is not None
    ws.store.upsert("actuals", [{"kpi_id": "nps", "period": "2026Q3", "value": 38.0}])
    then, now = ws.review(as_of=before.isoformat()), ws.review()
    for step in (then, now):
        step.period.value = "2026Q3"
    assert then.report is not None and now.report is not None
    assert then.report.review.kpis.set_index("kpi_id").at["nps", "actual"] == 34.0
    assert now.report.review.kpis.set_index("kpi_id").at["nps", "actual"] == 38.0
    assert "as the store held it at" in then.message.value and now.message.value == ""
    wrong = ws.review(as_of="last quarter")
    assert "is not a time" in wrong.widget.value


def test_a_closed_period_is_read_only_in_the_actuals_step_and_its_forms_say_how_to_reopen(ws: Workshop) -> None:
    ws.store.close_period("2026Q2", scorecard="org", reason="board pack sent", user="ann")
    before = ws.store.read("actuals")
    step = ws.actuals()
    grid = step.grid
    grid.month.value = "2026-05"
    _, value, note_, message_ = grid.cells["rev-net"]
    assert value.disabled and note_.disabled and "2026Q2 is closed (by ann)" in message_.value
    grid.month.value = "2026-07"
    _, open_value, _, _ = grid.cells["rev-net"]
    assert not open_value.disabled
    # A comment on the closed quarter is refused with who closed it and the command that reopens it.
    form = step.comments
    form.fields["subject_type"].widget.value = "objective"
    form.fields["subject_id"].widget.value = "C3"
    form.fields["period"].widget.value = "2026Q2"
    form.fields["kind"].widget.value = "analysis"
    form.fields["text"].widget.value = "A late thought on the quarter."
    assert form.save() is None
    said = html.unescape(form.status.value)
    assert "Not saved" in said and "2026Q2 was closed by ann" in said and "bsc reopen" in said
    # So is an import touching one of its months; nothing is saved.
    panel = step.imports
    report = panel.check(b"kpi,period,value\nrev-net,2026-05,1\n", "actuals.csv")
    assert report is not None
    assert not panel.apply()
    assert "2026Q2" in html.unescape(panel.result.value) and "bsc reopen" in html.unescape(panel.result.value)
    pd.testing.assert_frame_equal(ws.store.read("actuals"), before)


def test_import_panel_asks_for_the_decimal_separator_when_a_number_reads_two_ways(ws: Workshop) -> None:
    panel = ws.actuals().imports
    report = panel.check(b"kpi,period,value\nnps,2026Q4,1.234\n", "actuals.csv")
    assert report is not None and not report.ok and panel.apply_button.disabled
    assert "reads as 1234" in html.unescape(panel.result.value)
    panel.decimal.value = ","
    report = panel.check(b"kpi,period,value\nnps,2026Q4,1.234\n", "actuals.csv")
    assert report is not None and report.ok and "read with a decimal comma" in html.unescape(panel.result.value)
    assert report.changes.loc[0, "value"] == 1234.0


# ------------------------------------------------------------------ the app (participants) and JupyterLab
def test_in_the_app_start_here_cannot_open_or_create_stores_nor_change_the_saved_choice(
        ws: Workshop, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BSC_APP", "1")
    start = ws.start_here()
    shown = json.dumps(start.widget.get_state()) + "".join(
        json.dumps(w.get_state()) for w in _all_widgets(start.widget))
    assert str(tmp_path) not in shown, "the server's path is never sent to a participant's browser"
    assert "<b>store</b>" in "".join(w.value for w in _all_widgets(start.widget) if isinstance(w, widgets.HTML))
    start.location.value = str(tmp_path / "elsewhere")
    start.open_store()
    start.load_sample()
    assert not (tmp_path / "elsewhere").exists() and "chosen by the facilitator" in start.store_status.value
    start.scorecard.value = "cs"
    start.use()
    assert ws.scorecard_id == "org" and not Path(CHOICE_FILE).exists()
    form = start.form
    form.new()
    form.fields["scorecard_id"].widget.value = "hr"
    form.fields["name"].widget.value = "People and Culture"
    form.save_button.click()
    assert "Created scorecard 'People and Culture'" in html.unescape(start.card_status.value)
    assert ws.store.read("scorecards").set_index("scorecard_id").at["hr", "name"] == "People and Culture"
    assert ws.scorecard_id == "org" and not Path(CHOICE_FILE).exists(), "the server's saved choice is untouched"


def _all_widgets(widget: widgets.Widget) -> list[widgets.Widget]:
    children = list(getattr(widget, "children", ()) or ())
    return [widget, *(w for child in children for w in _all_widgets(child))]


def test_button_labels_are_never_cut(ws: Workshop) -> None:
    for step in (ws.start_here(), ws.vision(), ws.objectives(), ws.kpis(), ws.actuals(), ws.review()):
        buttons = [w for w in _all_widgets(step.widget) if isinstance(w, widgets.Button)]
        assert buttons
        for button in buttons:
            assert button.layout.width == "auto" and button.layout.min_width == "max-content", button.description


def test_a_cell_shows_one_line_of_text_before_it_runs_and_the_form_after(ws: Workshop) -> None:
    bundle = ws.objectives().view()._repr_mimebundle_()
    assert bundle["text/plain"] == RUN_HINT
    assert "model_id" in bundle["application/vnd.jupyter.widget-view+json"]


def test_a_rounded_number_left_alone_is_saved_as_it_was(ws: Workshop) -> None:
    step = ws.vision()
    assert step.form is not None
    assert step.form.fields["green_from"].widget.value == "6.67"
    step.form.fields["mission"].widget.value = "Gear that lasts."
    assert step.form.save() is not None
    card = stored(ws, "scorecards", "org")
    assert card["mission"] == "Gear that lasts." and card["green_from"] == 20 / 3
