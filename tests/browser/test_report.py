"""A report written by `bsc report`, opened from disk in Chromium with every network request blocked."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

from browser_support import copy_store, failure_screenshot, new_page


def test_offline_report_draws_every_chart(browser: Any, sample_store_template: Path, tmp_path: Path,
                                          screenshots: Path) -> None:
    store = copy_store(sample_store_template, tmp_path / "store")
    out = tmp_path / "reports"
    done = subprocess.run([sys.executable, "-c", "from bsc_widgets.cli import main; main()", "report",
                           "--store", str(store), "--scorecard", "org", "--period", "2026Q3", "--out", str(out),
                           "--workers", "1"], capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stdout + done.stderr
    context, page, watch = new_page(browser, ("file://",))
    context.set_offline(True)
    try:
        with failure_screenshot(page, screenshots / "report-FAILED.png", watch):
            page.goto((out / "index.html").as_uri())
            page.locator("a[href$='.html']").first.click()
            page.wait_for_load_state("load")
            charts = page.locator(".plotly-graph-div")
            assert charts.count() >= 2, "the report has its strategy map and trend charts"
            page.wait_for_function(
                "() => [...document.querySelectorAll('.plotly-graph-div')]"
                ".every(d => d.querySelector('svg.main-svg, canvas'))", timeout=30_000)
            page.wait_for_timeout(300)
            assert watch.errors == [], watch.errors
            assert watch.external == [], f"the report asked for {watch.external}"
            page.screenshot(path=str(screenshots / "report-offline.png"))
            charts.nth(1).scroll_into_view_if_needed()
            page.screenshot(path=str(screenshots / "report-offline-charts.png"))
    finally:
        context.close()
