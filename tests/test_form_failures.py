"""A save that fails for any reason shows the store's message next to the Save button and keeps what was typed.

Real stores on real disks: a tmpfs remounted read-only, a tmpfs filled to the last byte,
a store whose write lock another writer holds, and tables whose newest log entry is
damaged.  For each, every kind of form of the workshop is tried as a participant would
(type, click the button): the record forms, the actuals and targets grids, comments, the
objective order buttons, a new scorecard in "Start here" and a library scorecard.  Each
must show one plain message (⚠, what happened, "what you typed is kept") in the status
next to its button, keep the typed values on screen, and leave the store as it was.
"""

from __future__ import annotations

import contextlib
import fcntl
import html
import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import ipywidgets as widgets
import pandas as pd
import pytest
from disks import read_only, tmpfs

from bsc_widgets.forms.failures import failure_text
from bsc_widgets.forms.workshop import FailedStep, Workshop, open_workshop
from bsc_widgets.store import store as store_module
from bsc_widgets.store.lock import LOCK_FILE

TYPED = "Grow repeat orders by a fifth"
NEEDS_ROOT = pytest.mark.skipif(os.geteuid() != 0, reason="a real tmpfs needs root (CI runs as root)")


@dataclass
class Attempt:
    """One form, filled in as a participant would: ``click`` saves, ``status`` is the message next to the button."""

    kind: str
    click: Callable[[], None]
    status: widgets.HTML
    kept: Callable[[], bool]


def prepare(ws: Workshop) -> list[Attempt]:
    """Open the steps and type into every kind of form (nothing is saved yet)."""
    attempts: list[Attempt] = []

    objectives = ws.objectives()
    form = objectives.objectives
    form.selector.value = "F1"
    form.fields["title"].widget.value = TYPED
    attempts.append(Attempt("record form", form.save_button.click, form.status,
                            lambda: form.fields["title"].widget.value == TYPED))
    objectives.order_perspective.value = "customer"
    objectives.order.value = objectives.order.options[1][1]
    attempts.append(Attempt("order buttons", objectives.up_button.click, objectives.order_status, lambda: True))

    vision = ws.vision().form
    assert vision is not None
    vision.fields["mission"].widget.value = "Gear that lasts, for everyone outside."
    attempts.append(Attempt("vision form", vision.save_button.click, vision.status,
                            lambda: vision.fields["mission"].widget.value == "Gear that lasts, for everyone outside."))

    actuals = ws.actuals()
    grid = actuals.grid
    grid.month.value = "2026-05"
    kpi = next(iter(grid.cells))
    grid.cells[kpi][1].value = "123.5"
    grid.cells[kpi][2].value = "typed in the room"
    attempts.append(Attempt("actuals grid", grid.save_button.click, grid.status,
                            lambda: (grid.cells[kpi][1].value, grid.cells[kpi][2].value) == ("123.5",
                                                                                             "typed in the room")))
    comments = actuals.comments
    for name, value in (("subject_type", "objective"), ("subject_id", "C3"), ("period", "2026Q2"),
                        ("kind", "analysis"), ("text", "Returns fell after the new packaging.")):
        comments.fields[name].widget.value = value
    attempts.append(Attempt("comments", comments.save_button.click, comments.status,
                            lambda: comments.fields["text"].widget.value == "Returns fell after the new packaging."))

    kpis = ws.kpis()
    kpis.form.selector.value = kpis.form.selector.options[1][1]
    targets = kpis.grid
    first = targets.periods[0]
    targets.cells[(first, "target")].value = "987"
    attempts.append(Attempt("targets grid", targets.save_button.click, targets.status,
                            lambda: targets.cells[(first, "target")].value == "987"))
    library = kpis.library
    library.scorecard_id.value = "clinic"
    attempts.append(Attempt("library scorecard", library.create_button.click, library.status,
                            lambda: library.scorecard_id.value == "clinic"))

    start = ws.start_here().form
    start.new()
    start.fields["scorecard_id"].widget.value = "hr"
    start.fields["name"].widget.value = "People and Culture"
    attempts.append(Attempt("new scorecard", start.save_button.click, start.status,
                            lambda: start.fields["name"].widget.value == "People and Culture"))
    return attempts


def snapshot(location: str) -> dict[str, pd.DataFrame]:
    from bsc_widgets import Store

    return Store.open(location).read_all()


def check(attempts: list[Attempt], *words: str) -> None:
    """Every attempt shows one plain message with ``words`` next to its button and keeps what was typed."""
    for attempt in attempts:
        attempt.click()
        shown = html.unescape(attempt.status.value)
        assert "⚠" in shown, f"{attempt.kind}: no message next to the button: {shown!r}"
        for word in words:
            assert word in shown, f"{attempt.kind}: {word!r} not in {shown!r}"
        assert "what you typed is kept" in shown.lower(), f"{attempt.kind}: {shown!r}"
        for noise in ("Traceback", "OSError", "DeltaError", "Errno", "None"):
            assert noise not in shown, f"{attempt.kind}: {noise!r} in {shown!r}"
        assert attempt.kept(), f"{attempt.kind}: the typed values were cleared"


@pytest.fixture
def disk(tmp_path: Path, sample_template: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Path, bool]]:
    """The sample store on a 32 MB tmpfs of its own (yields the store's folder and whether the tmpfs is real)."""
    monkeypatch.chdir(tmp_path)
    for name in ("BSC_STORE", "BSC_SCORECARD", "BSC_APP"):
        monkeypatch.delenv(name, raising=False)
    with tmpfs(tmp_path / "disk", "32m") as real:
        shutil.copytree(sample_template, tmp_path / "disk" / "store")
        yield tmp_path / "disk" / "store", real


@NEEDS_ROOT
def test_a_read_only_disk(disk: tuple[Path, bool]) -> None:
    store, real = disk
    assert real
    ws = open_workshop(str(store), "org")
    attempts = prepare(ws)
    before = snapshot(str(store))
    with read_only(store.parent, real):
        check(attempts, "read-only")
    after = snapshot(str(store))
    for table, frame in before.items():
        pd.testing.assert_frame_equal(after[table], frame, obj=table)


@NEEDS_ROOT
def test_a_full_disk(disk: tuple[Path, bool]) -> None:
    store, real = disk
    assert real
    ws = open_workshop(str(store), "org")
    attempts = prepare(ws)
    before = snapshot(str(store))
    filler = store.parent / "filler"
    with contextlib.suppress(OSError), filler.open("wb") as out:
        while True:
            out.write(b"\0" * 65536)
    check(attempts, "disk is full")
    filler.unlink()
    after = snapshot(str(store))
    for table, frame in before.items():
        pd.testing.assert_frame_equal(after[table], frame, obj=table)


def test_a_store_busy_with_another_writer(disk: tuple[Path, bool], monkeypatch: pytest.MonkeyPatch) -> None:
    store, _ = disk
    monkeypatch.setattr(store_module, "SAVE_TIMEOUT_S", 0.2)  # wait 0.2 s for the lock instead of 2 minutes
    ws = open_workshop(str(store), "org")
    attempts = prepare(ws)
    before = snapshot(str(store))
    fd = os.open(store / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o666)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # another writer holds the store
        os.write(fd, b"ann: save objectives\n")
        check(attempts, "busy")
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)
    after = snapshot(str(store))
    for table, frame in before.items():
        pd.testing.assert_frame_equal(after[table], frame, obj=table)


def damage(store: Path, table: str) -> None:
    """A half-written newest commit: the table's next log entry holds garbage."""
    log = store / table / "_delta_log"
    newest = max(int(p.stem) for p in log.glob("*.json"))
    (log / f"{newest + 1:020d}.json").write_text("{not json at all")


def test_damaged_tables(disk: tuple[Path, bool]) -> None:
    store, _ = disk
    ws = open_workshop(str(store), "org")
    attempts = prepare(ws)
    for table in ("objectives", "scorecards", "actuals", "targets", "comments", "kpis", "perspectives"):
        damage(store, table)
    check(attempts, "damaged", "bsc repair")


def test_a_step_on_a_damaged_store_says_why_it_cannot_open(disk: tuple[Path, bool]) -> None:
    store, _ = disk
    ws = open_workshop(str(store), "org")
    damage(store, "objectives")
    step = ws.objectives()
    assert isinstance(step, FailedStep)
    shown = html.unescape(step.widget.value)
    assert "This step could not be opened" in shown and "damaged" in shown and "Reload the page" in shown
    assert "text/plain" in step.view()._repr_mimebundle_()


def test_in_the_app_a_failure_names_the_store_folder_not_the_server_path(disk: tuple[Path, bool],
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    store, _ = disk
    monkeypatch.setenv("BSC_APP", "1")
    ws = open_workshop(str(store), "org")
    form = ws.objectives().objectives
    form.selector.value = "F1"
    form.fields["title"].widget.value = TYPED
    damage(store, "objectives")
    form.save_button.click()
    shown = html.unescape(form.status.value)
    assert "damaged" in shown and "store" in shown
    assert str(store.parent) not in shown, "the server's path is not shown to participants"


@pytest.mark.parametrize(("error", "words"), [
    (PermissionError(13, "Permission denied"), "permission denied"),
    (OSError(28, "No space left on device"), "the disk is full"),
    (OSError(30, "Read-only file system"), "read-only"),
    (KeyError("perspective_id"), "unexpected error"),
])
def test_failure_text_of_errors_the_store_does_not_word_itself(error: BaseException, words: str) -> None:
    text = failure_text(error, "/srv/plans/workshop-store")
    assert words in text and text.startswith("Not saved:") and text.endswith("what you typed is kept.")
    assert "Errno" not in text and "Traceback" not in text


def test_a_store_that_cannot_be_opened_gives_steps_that_say_why(tmp_path: Path) -> None:
    (tmp_path / "plan").mkdir()
    (tmp_path / "plan" / "notes.txt").write_text("not a store")
    ws = open_workshop(str(tmp_path / "plan"))
    for step in (ws.start_here(), ws.objectives(), ws.review()):
        assert isinstance(step, FailedStep)
        assert "This step could not be opened" in html.unescape(step.widget.value)
