"""The KPI step keeps the target grid's feedback after 'Save targets' (found by the browser tests)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from bsc_widgets import Store
from bsc_widgets.forms.steps.kpis import KpiStep
from bsc_widgets.forms.workshop import open_workshop
from bsc_widgets.io.samples import load_sample


@pytest.fixture
def step(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[KpiStep]:
    monkeypatch.chdir(tmp_path)
    load_sample(Store.create(tmp_path / "store"))
    kpis = open_workshop(str(tmp_path / "store"), "org").kpis()
    kpis.form.selector.value = "rev-net"
    yield kpis
    shutil.rmtree(tmp_path / "store", ignore_errors=True)


def test_saved_message_stays_after_save_targets(step: KpiStep) -> None:
    step.grid.final.value = "9999"
    step.grid.fill()
    step.grid.save_button.click()
    assert "Saved" in step.grid.status.value


def test_problems_and_typed_values_stay_after_a_refused_save(step: KpiStep) -> None:
    first = step.grid.periods[0]
    step.grid.cells[(first, "target")].value = "ten"
    step.grid.save_button.click()
    assert "Not saved" in step.grid.status.value
    assert step.grid.cells[(first, "target")].value == "ten", "typed input is never cleared"
    assert "Must be a number" in step.grid.row_messages[first].value
