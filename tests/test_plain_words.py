"""Every word a participant sees in the workshop steps is plain: no code, no raw values, no file paths.

Each step is opened headlessly on the sample and on an empty store, in JupyterLab and in the
app, and every widget is walked: HTML and labels, descriptions, placeholders, tooltips,
drop-down options, tab titles and text-box values.  The walk is repeated after saves that
fail (invalid values, a conflict, a damaged table).  It fails on

- ``np.`` (a numpy repr such as ``np.float64(-2.0)``) and ``None``;
- a raw column name (``perspective_id``, any ``…_id`` word, ``red_flag`` …) or the label ``Kpi``;
- a one-letter frequency code (``M``, ``Q``, ``A``) offered as a choice;
- an unrounded number such as ``6.666666666666667``;
- a file path to documentation (``docs/scoring.md``), and, in the app, JupyterLab's menus.
"""

from __future__ import annotations

import datetime as dt
import html
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import ipywidgets as widgets
import pytest
from ipywidgets.widgets.widget_selection import _MultipleSelection, _Selection

from bsc_widgets import Store
from bsc_widgets.forms.workshop import Workshop, open_workshop
from bsc_widgets.model.schema import TABLES

STEPS = ["start_here", "vision", "objectives", "kpis", "action_plans", "actuals", "review"]
COLUMNS = sorted({c for spec in TABLES.values() for c in spec.names if "_" in c}, key=len, reverse=True)
RULES: list[tuple[str, re.Pattern[str]]] = [
    ("a numpy repr", re.compile(r"\bnp\.")),
    ("None", re.compile(r"\bNone\b")),
    ("a raw column name", re.compile(r"\b(" + "|".join(map(re.escape, COLUMNS)) + r")\b")),
    ("an _id word", re.compile(r"\b[a-z]+_id\b")),
    ("the label 'Kpi'", re.compile(r"\bKpi\b")),
    ("an unrounded number", re.compile(r"\d\.\d{5,}")),
    ("a file path to documentation", re.compile(r"\bdocs/[\w-]+\.md")),
]
APP_RULES = [("a JupyterLab menu", re.compile(r"Run All Cells|\bnotebook\b|\bworkbook\b", re.I))]
FREQUENCY_CODES = {"M", "Q", "A"}


def _text(value: str) -> str:
    return html.unescape(re.sub(r"<style>.*?</style>|<[^>]+>", " ", value, flags=re.S))


def visible(widget: widgets.Widget, where: str = "") -> Iterator[tuple[str, str, bool]]:
    """(where, text, is_a_choice) for every piece of text ``widget`` and its children show."""
    name = type(widget).__name__
    for attribute in ("description", "placeholder", "tooltip", "button_style_text"):
        value = getattr(widget, attribute, None)
        if isinstance(value, str) and value:
            yield f"{where}/{name}.{attribute}", value, False
    if isinstance(widget, widgets.HTML | widgets.HTMLMath | widgets.Label | widgets.Text | widgets.Textarea):
        yield f"{where}/{name}.value", _text(str(widget.value)), False
    if isinstance(widget, _Selection | _MultipleSelection):
        for label in widget._options_labels:
            yield f"{where}/{name}.options", str(label), True
    if isinstance(widget, widgets.Tab):
        for title in widget.titles:
            yield f"{where}/Tab.titles", str(title), False
    for index, child in enumerate(getattr(widget, "children", ()) or ()):
        yield from visible(child, f"{where}/{name}[{index}]")


def problems_in(widget: widgets.Widget, *, app: bool = False) -> list[str]:
    """What is not plain in the text ``widget`` shows."""
    found = []
    rules = RULES + (APP_RULES if app else [])
    for where, text, choice in visible(widget):
        for what, pattern in rules:
            match = pattern.search(text)
            if match:
                found.append(f"{what} ({match.group(0)!r}) at {where}: {text[:200]!r}")
        if choice and text.strip() in FREQUENCY_CODES:
            found.append(f"a frequency code as a choice at {where}: {text!r}")
    return found


def open_step(ws: Workshop, step: str) -> Any:
    if step in ("action_plans", "review"):
        return getattr(ws, step)(today=dt.date(2026, 11, 15))
    return getattr(ws, step)()


@pytest.fixture
def sample(sample_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Workshop:
    monkeypatch.chdir(tmp_path)
    for name in ("BSC_STORE", "BSC_SCORECARD", "BSC_APP"):
        monkeypatch.delenv(name, raising=False)
    shutil.copytree(sample_template, tmp_path / "store")
    return open_workshop(str(tmp_path / "store"), "org")


@pytest.mark.parametrize("app", [False, True], ids=["JupyterLab", "app"])
def test_every_step_of_the_sample_speaks_plainly(sample: Workshop, app: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    if app:
        monkeypatch.setenv("BSC_APP", "1")
    found = [f"{step}: {p}" for step in STEPS for p in problems_in(open_step(sample, step).widget, app=app)]
    assert not found, "\n".join(found)


def test_every_step_of_an_empty_store_speaks_plainly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BSC_APP", "1")
    ws = Workshop(Store.create(tmp_path / "empty"))
    found = [f"{step}: {p}" for step in STEPS for p in problems_in(open_step(ws, step).widget, app=True)]
    assert not found, "\n".join(found)


def test_messages_after_failed_saves_speak_plainly(sample: Workshop) -> None:
    ws = sample
    vision = ws.vision()
    assert vision.form is not None
    vision.form.fields["amber_from"].widget.value = "9"  # above green: a cross-field rule
    vision.form.fields["horizon_end"].widget.value = "2020-01"  # before the start
    vision.form.save_button.click()
    assert "Not saved" in vision.form.status.value

    objectives = ws.objectives()
    form = objectives.objectives
    form.selector.value = "F1"
    form.fields["weight"].widget.value = "-2"
    form.save_button.click()
    assert "Not saved" in form.status.value
    other = ws.objectives().objectives  # someone else saves F1 meanwhile: the conflict panel
    other.selector.value = "F1"
    other.fields["title"].widget.value = "Grow revenue from repeat customers"
    other.fields["owner"].widget.value = "Ann Berg"
    other.save()
    form.fields["weight"].widget.value = "2"
    form.fields["owner"].widget.value = "Bob Stone"
    form.save_button.click()
    assert form.conflict_box.layout.display == "flex"

    kpis = ws.kpis()
    kpis.form.selector.value = kpis.form.selector.options[1][1]
    first = kpis.grid.periods[0]
    kpis.grid.cells[(first, "target")].value = "lots"
    kpis.grid.save_button.click()
    assert "Not saved" in kpis.grid.status.value
    kpis.form.fields["frequency"].widget.value = "A"
    kpis.form.fields["baseline"].widget.value = "1,234"
    kpis.form.save_button.click()

    actuals = ws.actuals()
    kpi = next(iter(actuals.grid.cells))
    actuals.grid.cells[kpi][1].value = "about ten"
    actuals.grid.save_button.click()
    assert "Not saved" in actuals.grid.status.value

    found = [f"{name}: {p}" for name, step in (("vision", vision), ("objectives", objectives), ("kpis", kpis),
                                                ("actuals", actuals)) for p in problems_in(step.widget)]
    # then the store breaks: a damaged table under every form
    log = Path(ws.store.location) / "objectives" / "_delta_log"
    newest = max(int(p.stem) for p in log.glob("*.json"))
    (log / f"{newest + 1:020d}.json").write_text("{not json")
    form.fields["weight"].widget.value = "3"
    form.save_button.click()
    assert "damaged" in form.status.value
    found += [f"objectives (damaged): {p}" for p in problems_in(objectives.widget)]
    assert not found, "\n".join(found)
