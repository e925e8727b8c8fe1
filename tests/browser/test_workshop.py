"""The workshop app (`bsc workshop`, Voila) in Chromium: landing page, KPI step, review (as the facilitator).

Named participants proposing and voting are in test_workshop_roles.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser_support import Server, button, copy_store, failure_screenshot, new_page, start_server

from bsc_widgets import Store
from bsc_widgets.scoring.formulas import STATUSES

STEPS = ["00-start-here", "01-vision-and-mission", "02-objectives-and-strategy-map", "03-kpis-and-targets",
         "04-action-plans", "05-record-actuals", "06-review",
         "07-propose-vote-and-sign-off"]


@pytest.fixture(scope="module")
def workshop(sample_store_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """`bsc workshop` on a copy of the sample, on a free loopback port with a random token."""
    tmp = tmp_path_factory.mktemp("workshop")
    server = start_server("workshop", copy_store(sample_store_template, tmp / "store"), tmp)
    try:
        server.wait_ready("/")
        yield server
    finally:
        server.stop()


def open_step(page: Any, server: Server, step: str, form: str | None = None) -> Any:
    """Open a workshop step from the landing page, as a participant does; wait until its form is live."""
    page.goto(server.url("/"))
    page.locator(f"a.bsc-step[data-step='{step}']").click()
    if form is not None:
        page.locator(form).wait_for()
    return page


def assert_no_code(page: Any) -> None:
    """Participants see no code: no input areas and no Python source in the page."""
    assert page.locator(".jp-CodeCell .jp-InputArea, .jp-CodeMirrorEditor, .cm-editor").count() == 0
    assert "open_workshop" not in page.content()


def test_landing_page_lists_the_steps(browser: Any, workshop: Server, screenshots: Path) -> None:
    context, page, watch = new_page(browser, (workshop.base,))
    try:
        with failure_screenshot(page, screenshots / "workshop-landing-FAILED.png", watch):
            page.goto(workshop.url("/"))
            links = page.locator("a.bsc-step")
            assert [links.nth(i).get_attribute("data-step") for i in range(links.count())] == STEPS
            assert "conftest" not in page.content(), "only the workshop steps are listed"
            page.screenshot(path=str(screenshots / "workshop-landing.png"))
            assert watch.external == [] and watch.errors == [], (watch.external, watch.errors)
    finally:
        context.close()


def test_add_a_kpi_with_targets_then_see_it_in_the_review(browser: Any, workshop: Server, screenshots: Path) -> None:
    context, page, watch = new_page(browser, (workshop.base,))
    try:
        with failure_screenshot(page, screenshots / "workshop-kpi-FAILED.png", watch):
            open_step(page, workshop, "03-kpis-and-targets", ".bsc-form-kpis")
            assert_no_code(page)
            form = page.locator(".bsc-form-kpis")
            form.locator(".bsc-field-kpi_id input").fill("showroom-visits")
            objectives = form.locator(".bsc-field-objective_id select")
            objectives.select_option(label=objectives.locator("option", has_text="F1 — ").first.inner_text())
            form.locator(".bsc-field-name input").fill("Showroom visits")
            form.locator(".bsc-field-unit input").fill("visits")
            form.locator(".bsc-field-frequency select").select_option(label="Quarterly")
            form.locator(".bsc-field-aggregation select").select_option(label="sum")
            form.locator(".bsc-field-baseline input").fill("1000")
            button(form, "Save").click()
            form.locator(".bsc-status").get_by_text("Saved KPI showroom-visits").wait_for()
            kpi = Store.open(workshop.store).read("kpis").set_index("kpi_id").loc["showroom-visits"]
            assert (kpi["name"], kpi["unit"], kpi["frequency"], kpi["aggregation"], kpi["baseline"],
                    kpi["scorecard_id"]) == ("Showroom visits", "visits", "Q", "sum", 1000.0, "org")
            assert str(kpi["objective_id"]).startswith("F1")
            page.screenshot(path=str(screenshots / "workshop-kpi-saved.png"))

            page.locator(".lm-TabBar-tab", has_text="Targets").click()
            grid = page.locator(".widget-tab-contents .widget-vbox", has_text="Fill from a path").first
            grid.locator(".widget-text", has_text="Final target").locator("input").fill("1600")
            button(grid, "Fill the grid").click()
            grid.get_by_text("Grid filled").wait_for()
            button(grid, "Save targets").click()
            grid.get_by_text("Saved 13 target(s)").wait_for()
            page.screenshot(path=str(screenshots / "workshop-targets-saved.png"))
            targets = Store.open(workshop.store).read("targets")
            mine = targets[targets["kpi_id"] == "showroom-visits"].sort_values("period")
            assert len(mine) == 13 and mine["target"].iloc[-1] == 1600
            assert (mine["red_flag"] < mine["target"]).all()

            open_step(page, workshop, "06-review")
            page.locator(".js-plotly-plot .main-svg").first.wait_for()
            row = page.locator("tr", has_text="Showroom visits")
            row.wait_for()
            assert row.locator(".bsc-chip").first.inner_text() in STATUSES  # the status chip, then the band chip
            assert page.locator(".bsc-headline").get_by_text("Status").count() == 1
            assert_no_code(page)
            page.screenshot(path=str(screenshots / "workshop-review.png"))
            row.scroll_into_view_if_needed()
            page.screenshot(path=str(screenshots / "workshop-review-kpi.png"))
            assert watch.external == [], f"the app fetched from the network: {watch.external}"
    finally:
        context.close()


def test_two_participants_edit_the_same_objective(browser: Any, workshop: Server, screenshots: Path) -> None:
    label = "F2 — " + str(Store.open(workshop.store).read("objectives").set_index("objective_id").at["F2", "title"])
    (ctx_a, page_a, watch_a), (ctx_b, page_b, watch_b) = new_page(browser, (workshop.base,)), \
        new_page(browser, (workshop.base,))
    try:
        with failure_screenshot(page_b, screenshots / "workshop-conflict-FAILED.png", watch_b):
            forms = []
            for page in (page_a, page_b):
                open_step(page, workshop, "02-objectives-and-strategy-map", ".bsc-form-objectives")
                form = page.locator(".bsc-form-objectives")
                form.locator("select").first.select_option(label=label)
                form.locator(".bsc-field-objective_id input").and_(page.locator("[disabled]")).wait_for()
                forms.append(form)
            form_a, form_b = forms
            new_title = "Raise gross margin through full-price selling and fewer markdowns"
            form_b.locator(".bsc-field-title input").fill(new_title)  # B is typing when A saves
            form_a.locator(".bsc-field-owner input").fill("Alice Andersen")
            button(form_a, "Save").click()
            form_a.locator(".bsc-status").get_by_text("Saved objective F2").wait_for()

            # B's page shows the conflict as soon as it sees A's save (live), or when B saves: never A's
            # version over what B typed, nothing saved.
            conflict = form_b.locator(".bsc-conflict")
            button(form_b, "Save").click()
            conflict.get_by_text("Someone else changed this objective").wait_for()
            assert form_b.locator(".bsc-field-title input").input_value() == new_title
            assert "Alice Andersen" in conflict.inner_text(), "their version is shown"
            stored = Store.open(workshop.store).read("objectives").set_index("objective_id").loc["F2"]
            assert stored["title"] != new_title, "nothing is saved on a conflict"
            conflict.scroll_into_view_if_needed()
            page_b.screenshot(path=str(screenshots / "workshop-conflict.png"))

            button(conflict, "Combine both").click()
            form_b.locator(".bsc-status").get_by_text("Combined their changes").wait_for()
            assert form_b.locator(".bsc-field-owner input").input_value() == "Alice Andersen"
            button(form_b, "Save").click()
            form_b.locator(".bsc-status").get_by_text("Saved objective F2").wait_for()
            stored = Store.open(workshop.store).read("objectives").set_index("objective_id").loc["F2"]
            assert (stored["title"], stored["owner"]) == (new_title, "Alice Andersen"), "both changes are kept"
            form_b.scroll_into_view_if_needed()
            page_b.screenshot(path=str(screenshots / "workshop-conflict-resolved.png"))
            assert watch_a.external == [] and watch_b.external == []
    finally:
        ctx_a.close()
        ctx_b.close()


def test_two_participants_type_actuals_for_the_same_kpi_and_month(browser: Any, workshop: Server,
                                                                   screenshots: Path) -> None:
    kpi = "rev-net"
    (ctx_a, page_a, watch_a), (ctx_b, page_b, watch_b) = new_page(browser, (workshop.base,)), \
        new_page(browser, (workshop.base,))
    try:
        with failure_screenshot(page_b, screenshots / "workshop-actuals-conflict-FAILED.png", watch_b):
            grids = []
            for page in (page_a, page_b):
                open_step(page, workshop, "05-record-actuals", ".bsc-grid-actuals")
                grid = page.locator(".bsc-grid-actuals")
                grid.locator("select").first.select_option(label="2026-12")
                grid.locator(".bsc-grid-row", has_text="2026-12").first.wait_for()
                grids.append(grid)
            grid_a, grid_b = grids
            row_b = grid_b.locator(".bsc-grid-row", has_text=f"{kpi} — ")
            row_b.locator("input").first.fill("4350")  # B is typing when A saves
            grid_a.locator(".bsc-grid-row", has_text=f"{kpi} — ").locator("input").first.fill("4100")
            button(grid_a, "Save actuals").click()
            grid_a.get_by_text("Saved 1 actual(s)").wait_for()

            # B's page says so as soon as it sees A's save (live), before B saves anything.
            row_b.get_by_text("here while you were typing").wait_for()
            said = row_b.inner_text()
            assert "saved value 4100 here" in said, "their value is shown next to the row"
            assert "note" not in said and "entered" not in said, "only what differs from what was typed is named"
            assert row_b.locator("input").first.input_value() == "4350", "the value typed is kept"
            assert grid_b.get_by_text("Nothing was overwritten").count() == 1
            stored = Store.open(workshop.store).read("actuals").set_index(["kpi_id", "period"]).loc[(kpi, "2026-12")]
            assert stored["value"] == 4100, "the first participant's value is not silently replaced"
            row_b.scroll_into_view_if_needed()
            page_b.screenshot(path=str(screenshots / "workshop-actuals-conflict.png"))

            button(grid_b, "Save actuals").click()  # having seen theirs, keep mine
            grid_b.get_by_text("Saved 1 actual(s)").wait_for()
            stored = Store.open(workshop.store).read("actuals").set_index(["kpi_id", "period"]).loc[(kpi, "2026-12")]
            assert stored["value"] == 4350
            assert watch_a.external == [] and watch_b.external == []
    finally:
        ctx_a.close()
        ctx_b.close()


def test_charts_are_drawn_with_the_apps_plotly_when_their_tab_is_shown(browser: Any, workshop: Server,
                                                                     screenshots: Path) -> None:
    """Step 7's ranking chart sits in a hidden tab: drawn at the tab's width once shown, by the served basic bundle.

    The app's pages do not load the jupyterlab-plotly extension (4.8 MB parsed on every step with a chart).
    """
    context, page, watch = new_page(browser, (workshop.base,))
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    try:
        with failure_screenshot(page, screenshots / "workshop-chart-FAILED.png", watch):
            open_step(page, workshop, "07-propose-vote-and-sign-off", ".bsc-proposals")
            chart = page.locator(".bsc-proposals .bsc-plot")
            chart.wait_for(state="attached")
            assert chart.locator(".main-svg").count() == 0, "a chart in a hidden tab waits until it is shown"
            page.locator(".lm-TabBar-tab", has_text="Vote and discuss").click()
            chart.locator(".main-svg").first.wait_for()
            assert chart.evaluate("box => box.getBoundingClientRect().width") > 400
            assert "dots" in chart.inner_text().lower() or chart.locator(".xtick, .ytick").count() > 0
            page.screenshot(path=str(screenshots / "workshop-ranking-chart.png"))
            assert any(url.split("?")[0].endswith("/bsc/static/plotly-basic.min.js") for url in requests)
            assert not [url for url in requests if "jupyterlab-plotly" in url]
            assert watch.external == [] and watch.errors == [], (watch.external, watch.errors)
    finally:
        context.close()
