"""Live pages in the workshop app (`bsc workshop --pool 0`) in Chromium.

Two participants have the objectives step open; one saves a new objective and it appears
on the other's strategy map without a reload, while what the other is typing stays.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser_support import Server, button, close_tab, failure_screenshot, new_page, sample_workshop

OBJECTIVES = "02-objectives-and-strategy-map"
OPEN_MS = 300_000  # a step page on the shared 2-core machine: a bound, no speed asserted
LIVE_MS = 60_000  # the page looks at the store every 2 s; the bound allows a busy machine


@pytest.fixture(scope="module")
def app(sample_store_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """`bsc workshop --pool 0` on a copy of the sample (pre-heating is not what is tested here)."""
    yield from sample_workshop(sample_store_template, tmp_path_factory.mktemp("live"), 0)


def test_a_save_on_one_page_appears_on_the_others_map_without_a_reload(browser: Any, app: Server,
                                                                       screenshots: Path) -> None:
    (ctx_a, page_a, watch_a), (ctx_b, page_b, watch_b) = new_page(browser, (app.base,)), new_page(browser, (app.base,))
    try:
        with failure_screenshot(page_b, screenshots / "workshop-live-FAILED.png", watch_b):
            for page in (page_a, page_b):
                page.goto(app.url(f"/voila/render/{OBJECTIVES}.ipynb"), wait_until="commit")
                page.locator(".bsc-map .js-plotly-plot").wait_for(timeout=OPEN_MS)
            form_a, form_b = page_a.locator(".bsc-form-objectives"), page_b.locator(".bsc-form-objectives")
            assert page_b.locator(".bsc-map text", has_text="C9").count() == 0
            page_b.evaluate("window.bscSamePage = true")  # gone if the page reloads
            form_b.locator(".bsc-field-objective_id input").fill("C8")  # B is typing a new objective
            form_b.locator(".bsc-field-title input").fill("Half-typed idea")

            form_a.locator(".bsc-field-objective_id input").fill("C9")
            form_a.locator(".bsc-field-title input").fill("Answer every customer question within a day")
            button(form_a, "Save").click()
            form_a.locator(".bsc-status").get_by_text("Saved objective C9").wait_for()

            page_b.locator(".bsc-map text", has_text="C9").first.wait_for(timeout=LIVE_MS)
            assert page_b.evaluate("window.bscSamePage === true"), "B's page was not reloaded"
            assert form_b.locator(".bsc-field-objective_id input").input_value() == "C8", "B's typing stays"
            assert form_b.locator(".bsc-field-title input").input_value() == "Half-typed idea"
            options = form_b.locator("select").first.locator("option").all_inner_texts()
            assert any(o.replace("\xa0", " ").startswith("C9 — Answer every") for o in options)
            page_b.screenshot(path=str(screenshots / "workshop-live.png"))
            assert watch_a.external == [] and watch_b.external == []
            assert watch_b.errors == [], watch_b.errors
    finally:
        close_tab(ctx_a, page_a)
        close_tab(ctx_b, page_b)
