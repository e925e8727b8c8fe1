"""The objectives step's map beside the form: clickable objectives, a map that fits, a coach that folds."""

from __future__ import annotations

import html

from bsc_widgets.forms import Workshop
from bsc_widgets.forms.steps.objectives import MAP_WIDTH, TITLES_TRACE, fit_map
from bsc_widgets.render.charts import strategy_map
from bsc_widgets.smart import check_smart


def test_the_map_fits_beside_the_form_and_every_objective_carries_its_id(ws: Workshop) -> None:
    frames = ws.frames()
    objectives = frames["objectives"][frames["objectives"]["scorecard_id"] == "org"]
    drawn = strategy_map(frames, "org")
    assert drawn.layout.width > MAP_WIDTH, "the sample's map is wider than the room beside the form"
    titles = dict(zip(objectives["objective_id"], objectives["title"], strict=True))
    fitted = fit_map(drawn, titles)
    assert fitted.layout.width == MAP_WIDTH
    trace = next(t for t in fitted.data if t.name == TITLES_TRACE)
    assert sorted(trace.customdata) == sorted(objectives["objective_id"])
    for oid, label in zip(trace.customdata, trace.text, strict=True):
        assert label.startswith(f"<b>{oid}</b>") and trace.textfont.size < 11
        words = html.unescape(label.split("<br>", 1)[1].replace("<br>", " ").replace(" …", "")).split()
        assert words and titles[oid].startswith(" ".join(words[:2])), (oid, label)


def test_a_click_on_the_map_selects_the_objective_in_the_form(ws: Workshop) -> None:
    step = ws.objectives()
    step.tabs.selected_index = 2
    step.pick.value = "C2"  # what the page script types when the C2 box is clicked
    assert step.objectives.selector.value == "C2" and step.tabs.selected_index == 0
    title = ws.store.read("objectives").set_index("objective_id").loc["C2", "title"]
    assert step.objectives.fields["title"].widget.value == title
    assert step.pick.value == "", "cleared, so that a second click on the same box selects it again"
    step.pick.value = "no-such-objective"
    assert step.objectives.selector.value == "C2", "an unknown id changes nothing"


def test_the_coach_shows_the_record_and_folds_the_scorecard_list(ws: Workshop) -> None:
    step = ws.objectives()
    findings = check_smart(ws.frames(), "org")
    step.objectives.selector.value = "F1"
    coach = step.coach
    assert coach.all_findings.selected_index is None, "the scorecard-wide list starts folded"
    assert f"({len(findings)})" in coach.all_findings.get_title(0)
    assert "This objective (F1)" in coach.record.value
    first = html.escape(str(findings["message"].iloc[0]))
    assert first in coach.listing.value and first not in coach.summary.value
