"""JupyterLab (`bsc lab`) in Chromium: the facilitator runs the objectives workbook and uses its form."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser_support import Server, button, copy_store, failure_screenshot, new_page, start_server

from bsc_widgets import Store

NOTEBOOK = "02-objectives-and-strategy-map.ipynb"
TITLE = "Open two regional showrooms by 2027"


@pytest.fixture(scope="module")
def lab(sample_store_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """`bsc lab` on a copy of the sample, on a free loopback port with a random token."""
    tmp = tmp_path_factory.mktemp("lab")
    store = copy_store(sample_store_template, tmp / "store")
    server = start_server("lab", store, tmp, f"--LabApp.workspaces_dir={tmp / 'workspaces'}",
                          f"--LabApp.user_settings_dir={tmp / 'settings'}")
    try:
        server.wait_ready("/api/status")
        yield server
    finally:
        server.stop()


def run_all(page: Any) -> None:
    """Run > Run All Cells, as from the menu bar."""
    page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
    page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()


def test_objectives_workbook_in_jupyterlab(browser: Any, lab: Server, screenshots: Path) -> None:
    context, page, watch = new_page(browser, (lab.base,))
    try:
        with failure_screenshot(page, screenshots / "lab-FAILED.png", watch):
            page.goto(lab.url(f"/lab/tree/{NOTEBOOK}"))
            page.locator(".jp-Notebook .jp-Cell").first.wait_for()
            page.locator(".jp-StatusBar-Widget", has_text="| Idle").first.wait_for()
            run_all(page)
            form = page.locator(".bsc-form-objectives")
            form.wait_for()
            page.locator(".js-plotly-plot .main-svg").first.wait_for()

            # a new objective, saved through the form
            form.locator(".bsc-field-objective_id input").fill("F9")
            form.locator(".bsc-field-perspective_id select").select_option(label="Financial")
            form.locator(".bsc-field-title input").fill(TITLE)
            form.locator(".bsc-field-owner input").fill("Regional Director – Tove Berg")
            button(form, "Save").click()
            status = form.locator(".bsc-status")
            status.get_by_text("Saved objective F9").wait_for()
            saved = Store.open(lab.store).read("objectives").set_index("objective_id")
            assert saved.loc["F9", "title"] == TITLE and saved.loc["F9", "perspective_id"] == "financial"
            strategy_map = page.locator(".js-plotly-plot").filter(has_text="F9")
            strategy_map.get_by_text("F9", exact=False).first.wait_for()
            strategy_map.first.scroll_into_view_if_needed()
            page.screenshot(path=str(screenshots / "lab-objective-saved.png"), full_page=False)
            form.scroll_into_view_if_needed()
            page.screenshot(path=str(screenshots / "lab-objective-form.png"))

            # an invalid value: explained next to the field, nothing saved
            version = Store.open(lab.store).version("objectives")
            form.locator(".bsc-field-weight input").fill("heavy")
            message = form.locator(".bsc-field-weight .bsc-field-message")
            message.get_by_text("Must be a number").wait_for()
            button(form, "Save").click()
            status.get_by_text("Not saved").wait_for()
            assert "you entered 'heavy'" in message.inner_text()
            assert form.locator(".bsc-field-weight input").input_value() == "heavy", "typed input is kept"
            assert Store.open(lab.store).version("objectives") == version, "nothing is saved"
            form.locator(".bsc-field-weight").scroll_into_view_if_needed()
            page.screenshot(path=str(screenshots / "lab-objective-invalid.png"))
            assert watch.external == [], f"JupyterLab fetched from the network: {watch.external}"
    finally:
        context.close()
