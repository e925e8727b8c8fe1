"""The KPI step keeps the target grid's feedback after 'Save targets' (found by the browser tests)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bsc_widgets.forms.steps.kpis import KpiStep
from bsc_widgets.forms.workshop import open_workshop


@pytest.fixture
def step(sample_store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> KpiStep:
    monkeypatch.chdir(tmp_path)
    kpis = open_workshop(str(sample_store), "org").kpis()
    kpis.form.selector.value = "rev-net"
    return kpis


def test_saved_message_stays_after_save_targets(step: KpiStep) -> None:
    step.grid.final.value = "9999"
    step.grid.fill()
    typed = {p: float(step.grid.cells[(p, "target")].value) for p in step.grid.periods}
    step.grid.save_button.click()
    assert f"Saved {len(typed)} target(s)" in step.grid.status.value
    stored = step.grid.store.read("targets").query("kpi_id == 'rev-net'").set_index("period")["target"]
    assert stored.reindex(list(typed)).tolist() == list(typed.values()), "what the grid showed is what was stored"
    assert stored[step.grid.periods[-1]] == 9999


def test_problems_and_typed_values_stay_after_a_refused_save(step: KpiStep) -> None:
    first = step.grid.periods[0]
    before = step.grid.store.version("targets")
    step.grid.cells[(first, "target")].value = "ten"
    step.grid.save_button.click()
    assert "Not saved" in step.grid.status.value
    assert step.grid.cells[(first, "target")].value == "ten", "typed input is never cleared"
    assert "Must be a number" in step.grid.row_messages[first].value
    assert step.grid.store.version("targets") == before, "nothing was saved"
