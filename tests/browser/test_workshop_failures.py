"""The workshop app (Voila) in Chromium when things go wrong, and what step 00 shows participants.

- Step 00 shows the store's folder name only (never the server's path), offers no way to open
  or create stores, and no button label is cut.
- A save on a read-only store shows the store's message next to the Save button and keeps
  what was typed (a real tmpfs remounted read-only; needs root, as CI runs).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser_support import Server, button, failure_screenshot, new_page, person_links, start_server
from disks import read_only, tmpfs

from bsc_widgets import Store

CUT_BUTTONS = """() => Array.from(document.querySelectorAll('button.jupyter-button'))
    .filter(b => b.offsetParent !== null && b.scrollWidth > b.clientWidth + 1).map(b => b.innerText)"""


@pytest.fixture(scope="module")
def disk_workshop(sample_store_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """`bsc workshop` on a copy of the sample on a tmpfs of its own."""
    if os.geteuid() != 0:
        pytest.skip("a real read-only disk needs root (CI runs as root)")
    tmp = tmp_path_factory.mktemp("workshop-disk")
    with tmpfs(tmp / "disk", "64m") as real:
        assert real
        store = tmp / "disk" / "workshop-store"
        shutil.copytree(sample_store_template, store)
        server = start_server("workshop", store, tmp, options=("--participants", "Ana"))
        try:
            server.wait_ready("/")
            yield server
        finally:
            server.stop()


def open_step(page: Any, server: Server, step: str, wait_for: str) -> None:
    page.goto(server.url("/"))
    page.locator(f"a.bsc-step[data-step='{step}']").click()
    page.locator(wait_for).first.wait_for()


def test_step_00_shows_the_store_by_name_and_only_the_facilitator_changes_it(browser: Any, disk_workshop: Server,
                                                               screenshots: Path) -> None:
    context, page, watch = new_page(browser, (disk_workshop.base,))
    try:
        with failure_screenshot(page, screenshots / "workshop-start-here-FAILED.png", watch):
            page.goto(person_links(disk_workshop)["Ana"])  # a participant's link
            page.locator("a.bsc-step[data-step='00-start-here']").click()
            page.locator(".bsc-form-scorecards").first.wait_for()
            text = page.locator("body").inner_text()
            assert "workshop-store" in text and "chosen by the facilitator" in text
            assert str(disk_workshop.store.parent) not in page.content(), "no server path reaches the browser"
            for label in ("Open or create", "Load the sample to rehearse", "Work on this scorecard"):
                assert button(page, label).count() == 0, f"participants get no '{label}' button"
            assert "facilitator" in page.locator(".bsc-form-scorecards .bsc-role-note").inner_text()
            assert "Run All Cells" not in text
            assert page.evaluate(CUT_BUTTONS) == [], "no button label is cut"
            page.screenshot(path=str(screenshots / "workshop-start-here.png"), full_page=True)
            assert watch.external == [] and watch.errors == [], (watch.external, watch.errors)
        with failure_screenshot(page, screenshots / "workshop-start-here-facilitator-FAILED.png", watch):
            open_step(page, disk_workshop, "00-start-here", ".bsc-form-scorecards")  # the facilitator's link
            assert button(page, "Open or create").count() == 1, "the facilitator picks stores"
            where = page.locator(".widget-text", has_text="Store folder").locator("input")
            assert where.input_value() == "workshop-store", "shown inside the stores' folder"
            assert str(disk_workshop.store.parent) not in page.content(), "no server path, also for the facilitator"
            where.fill("/tmp")
            button(page, "Open or create").click()
            page.get_by_text("only inside the folder chosen").wait_for()
    finally:
        context.close()


def test_a_save_on_a_read_only_store_shows_the_message_and_keeps_what_was_typed(
        browser: Any, disk_workshop: Server, screenshots: Path) -> None:
    context, page, watch = new_page(browser, (disk_workshop.base,))
    title = "Grow repeat orders by a fifth"
    try:
        with failure_screenshot(page, screenshots / "workshop-save-failed-FAILED.png", watch):
            open_step(page, disk_workshop, "02-objectives-and-strategy-map", ".bsc-form-objectives")
            form = page.locator(".bsc-form-objectives")
            first = form.locator("option", has_text="F1 — ").first.inner_text()
            form.locator("select").first.select_option(label=first)
            form.locator(".bsc-field-objective_id input").and_(page.locator("[disabled]")).wait_for()
            before = Store.open(disk_workshop.store).read("objectives").set_index("objective_id").at["F1", "title"]
            with read_only(disk_workshop.store.parent, True):
                form.locator(".bsc-field-title input").fill(title)
                button(form, "Save").click()
                status = form.locator(".bsc-status").first
                status.get_by_text("read-only").wait_for()
                said = status.inner_text()
                assert "Not saved" in said and "What you typed is kept" in said
                assert str(disk_workshop.store.parent) not in said, "the message names the store's folder only"
                assert form.locator(".bsc-field-title input").input_value() == title
                form.scroll_into_view_if_needed()
                page.screenshot(path=str(screenshots / "workshop-save-failed.png"))
            stored = Store.open(disk_workshop.store).read("objectives").set_index("objective_id").at["F1", "title"]
            assert stored == before != title
            assert watch.external == [], watch.external
    finally:
        context.close()
