"""The workshop forms: thresholds rounded, fields for colour bands, missing data and roll-up, and the bands shown."""

from __future__ import annotations

from bsc_widgets.forms.workshop import Workshop
from bsc_widgets.model.bands import BANDS_EXAMPLE


def test_vision_form_rounds_thresholds_saves_bands_and_refuses_a_wrong_scheme(ws: Workshop) -> None:
    step = ws.vision()
    form = step.form
    assert form is not None
    assert form.fields["green_from"].widget.value == "6.67" and form.fields["amber_from"].widget.value == "3.33"
    assert "Colour bands" in form.fields["bands"].label.value and "e.g. critical #7f0000 0" in \
        form.fields["bands"].help.value
    assert [label for label, _ in form.fields["rollup"].widget.options] == ["weighted mean", "worst child",
                                                                           "best child"]
    assert ">green</span> 6.67 to 10" in step.legend.value
    form.fields["bands"].widget.value = "low #d62728 0; high #2ca02c 5"
    assert form.save() is None
    assert "Has 2 bands; a scheme has 3 to 6" in form.fields["bands"].problem_text
    form.fields["bands"].widget.value = BANDS_EXAMPLE
    form.fields["missing_policy"].widget.value = "carry_forward:1"
    form.fields["rollup"].widget.value = "worst"
    assert form.save() is not None
    card = ws.store.read("scorecards").set_index("scorecard_id").loc["org"]
    assert card["bands"] == BANDS_EXAMPLE and card["missing_policy"] == "carry_forward:1" and card["rollup"] == "worst"
    assert ">exceeding</span> 9 to 10" in step.legend.value and ">critical</span> 0 to below 2" in step.legend.value


def test_kpi_form_overrides_and_the_preview_names_the_band(ws: Workshop) -> None:
    step = ws.kpis()
    step.form.selector.value = "nps"
    step.form.fields["bands"].widget.value = BANDS_EXAMPLE
    step.form.fields["missing_policy"].widget.value = "sometimes"
    assert step.form.save() is None
    assert "is not a missing-data policy" in step.form.fields["missing_policy"].problem_text
    step.form.fields["missing_policy"].widget.value = "zero"
    assert step.form.save() is not None
    step.sample_period.value = "2026Q3"
    target = float(step.grid.cells[("2026Q3", "target")].value)
    step.sample.value = f"{target:g}"
    preview = step.preview.value
    assert "scores <b>6.67</b>" in preview and "band <b style='color:#2ca02c'>green</b>" in preview
    assert "<b>exceeding</b>" in preview and "<b>critical</b>" in preview and "background:#7f0000" in preview


def test_objective_and_perspective_forms_have_a_roll_up(ws: Workshop) -> None:
    step = ws.objectives()
    for form in (step.objectives, step.perspectives):
        field = form.fields["rollup"]
        assert "Roll-up (blank: the scorecard&#x27;s)" in field.label.value
        assert [value for _, value in field.widget.options] == [None, "weighted_mean", "worst", "best"]
    step.objectives.selector.value = "C3"
    step.objectives.fields["rollup"].widget.value = "worst"
    assert step.objectives.save() is not None
    assert ws.store.read("objectives").set_index("objective_id").loc["C3", "rollup"] == "worst"
