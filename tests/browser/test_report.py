"""A report written by `bsc report`, opened from disk in Chromium with every network request blocked."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
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


def _text(pdf: Any, number: int) -> str:
    """The text of page ``number`` (1-based), spaces squeezed."""
    return " ".join(pdf.pages[number - 1].extract_text().split())


def test_printed_reports_fit_the_page_and_make_pdfs_and_a_briefing_book(
        browser: Any, sample_store_template: Path, tmp_path: Path, screenshots: Path) -> None:
    from pypdf import PdfReader

    from bsc_widgets.render.printing import PAGE

    store = copy_store(sample_store_template, tmp_path / "store")
    out, book = tmp_path / "reports", tmp_path / "book.pdf"
    done = subprocess.run([sys.executable, "-c", "from bsc_widgets.cli import main; main()", "report",
                           "--store", str(store), "--scorecard", "org", "--scorecard", "cs", "--period", "2026Q3",
                           "--out", str(out), "--workers", "2", "--pdf", "--book", str(book)],
                          capture_output=True, text=True, timeout=400)
    assert done.returncode == 0, done.stdout + done.stderr
    # In print, at the printable width of A4, every chart and table lies inside the page.
    context, page, watch = new_page(browser, ("file://",))
    context.set_offline(True)
    try:
        with failure_screenshot(page, screenshots / "report-print-FAILED.png", watch):
            page.set_viewport_size({"width": PAGE.printable_width, "height": PAGE.printable_height})
            page.goto((out / "org-2026Q3.html").as_uri())
            page.evaluate("() => window.bscPrint.ready()")  # the report's ready signal: every chart drawn
            drawn = page.evaluate("() => [document.documentElement.dataset.bscReady, [...document.querySelectorAll("
                                  "'.plotly-graph-div')].filter(d => !d.querySelector('svg.main-svg')).length]")
            assert drawn == ["1", 0], drawn
            page.emulate_media(media="print")
            page.evaluate("() => window.bscPrint.fit()")
            boxes = page.evaluate("""() => [...document.querySelectorAll(
                '.plotly-graph-div svg.main-svg, table.bsc-table')].map(e => {
                    const r = e.getBoundingClientRect(), g = e.closest('.plotly-graph-div');
                    return {id: g ? g.id : 'table', left: r.left, right: r.right, height: r.height};
                })""")
            charts = {b["id"] for b in boxes if b["id"] != "table"}
            assert "bsc-strategy-map" in charts and "bsc-gantt" in charts and len(charts) >= 10, charts
            outside = [b for b in boxes if b["left"] < -0.5 or b["right"] > PAGE.printable_width + 0.5
                       or (b["id"] != "table" and b["height"] > PAGE.printable_height + 0.5)]  # tables run on
            assert not outside, f"past the printable {PAGE.printable_width} x {PAGE.printable_height} px: {outside}"
            assert watch.errors == [] and watch.external == []
            page.screenshot(path=str(screenshots / "report-print.png"), full_page=True)
    finally:
        context.close()
    # The org report's PDF: page numbers and the scorecard and period in every footer, the KPI table's last column.
    org, cs = PdfReader(out / "org-2026Q3.pdf"), PdfReader(out / "cs-2026Q3.pdf")
    pages = len(org.pages)
    assert 10 <= pages <= 20, pages
    for number in (1, pages // 2, pages):
        text = _text(org, number)
        assert "Alder & Finch · org · review of 2026Q3" in text and f"page {number} of {pages}" in text, text[-300:]
    assert any("Missing" in _text(org, n) and "Forecast" in _text(org, n) for n in range(1, pages + 1))
    # Headings keep with their content: no page ends with a heading (the text just above the footer).
    headings = ("Summary", "Timeline", "SMART findings", "Every KPI", "Data quality", "Cascade", "Comments",
                "Appendix", "Strategy map", "KPIs that need attention", "Initiatives and tasks")
    for number in range(1, pages + 1):
        lines = [line.strip() for line in org.pages[number - 1].extract_text().splitlines() if line.strip()]
        last = lines[-2] if len(lines) >= 2 else ""  # the line before the footer
        assert last not in headings, f"page {number} ends with the heading {last!r}"
    # The timeline (Gantt chart), scaled to one page, keeps its legend on that page.
    timeline = [n for n in range(1, pages + 1) if "Timeline" in _text(org, n) and "task overdue" in _text(org, n)]
    assert len(timeline) == 1 and "initiative active" in _text(org, timeline[0]), timeline
    # Summary first: the first page says how we are doing and what needs a decision; the main body is at most
    # six pages (the appendix starts by page 6).
    first = _text(org, 1)
    assert "Summary" in first and "What changed" in first and "Needs a decision" in first, first[:500]
    starts = next(n for n in range(1, pages + 1) if re.search(r"\bAppendix The full detail", _text(org, n)))
    assert starts <= 6, starts
    # The first printed page as an image, for docs/reports.md (docs/img/report-first-page-paper.png).
    drawn = subprocess.run(["pdftoppm", "-r", "60", "-png", "-f", "1", "-l", "1", "-singlefile",
                            str(out / "org-2026Q3.pdf"), str(screenshots / "report-first-page-paper")],
                           capture_output=True, text=True)
    assert drawn.returncode == 0 and (screenshots / "report-first-page-paper.png").stat().st_size > 10_000
    # The briefing book: cover, contents with the page each report starts on, org then cs, numbered through.
    bound = PdfReader(book)
    total = len(bound.pages)
    assert total == 2 + pages + len(cs.pages)
    assert "Briefing book: review of 2026Q3" in _text(bound, 1) and "page 1 of" not in _text(bound, 1)
    contents = _text(bound, 2)
    assert "Contents" in contents and f"page 2 of {total}" in contents
    assert re.search(rf"Alder & Finch \(org\) 3\.46 amber 3 Customer Service \(cs\) [\d.]+ \w+ {3 + pages}\b",
                     contents), contents
    assert "Alder & Finch: review of 2026Q3" in _text(bound, 3) and f"page 3 of {total}" in _text(bound, 3)
    assert "Customer Service: review of 2026Q3" in _text(bound, 3 + pages)
    assert [item.title for item in bound.outline] == ["Contents", "Alder & Finch (org)", "Customer Service (cs)"]
    # Without a book, a worker prints each report once with Chromium's own page numbers: the same pages and footer.
    # (In another process: this one's playwright session drives the test's browser.)
    alone = tmp_path / "alone"
    alone.mkdir()
    script = ("import sys; from pathlib import Path; from bsc_widgets.reports.pdf import PdfPrinter, print_report; "
              "from bsc_widgets.reports.runner import ReportJob, ReportResult; "
              "r = ReportResult(ReportJob(sys.argv[1], 'org', '2026Q3'), '', '', headline={'name': 'Alder & Finch'}, "
              "paths={'html': Path(sys.argv[2])}); p = PdfPrinter().start(); "
              "print_report(r, sys.argv[3], p, each=True, keep=False); "
              "c = ReportResult(ReportJob(sys.argv[1], 'cs', '2026Q3'), '', '', headline={'name': 'Customer Service'}, "
              "paths={'html': Path(sys.argv[2]).with_name('cs-2026Q3.html')}); "
              "print_report(c, sys.argv[3], p, each=True, keep=False); p.close(); "  # the same page, reused
              "assert r.printed is None and r.error is None and c.error is None, (r.error, c.error); "
              "print(r.paths['pdf'])")
    done = subprocess.run([sys.executable, "-c", script, str(store), str(out / "org-2026Q3.html"), str(alone)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    direct = PdfReader(alone / "org-2026Q3.pdf")
    assert len(direct.pages) == pages
    for number in (1, pages):
        text = _text(direct, number)
        assert "Alder & Finch · org · review of 2026Q3" in text and f"page {number} of {pages}" in text, text[-200:]
    # The second report printed in the same (reused) page is its own: its pages, title and footer.
    again = PdfReader(alone / "cs-2026Q3.pdf")
    assert len(again.pages) == len(cs.pages)
    assert "Customer Service: review of 2026Q3" in _text(again, 1)
    assert "Customer Service · cs · review of 2026Q3" in _text(again, len(again.pages))
    assert f"page {len(again.pages)} of {len(again.pages)}" in _text(again, len(again.pages))


@pytest.mark.parametrize("workers", [1, 2])
def test_a_batch_hands_each_report_back_once_printed(sample_store_template: Path, tmp_path: Path,
                                                     workers: int) -> None:
    """A worker prints a report while it makes the next: each report comes back (and the progress bar moves) only
    once its PDF is written, and every report of the batch has its PDF."""
    from bsc_widgets.reports.batch import run_reports
    from bsc_widgets.reports.runner import SHARED_PLOTLY_JS, ReportJob, ReportResult

    out = tmp_path / "reports"
    jobs = [ReportJob(str(sample_store_template), scorecard, period, today="2026-11-24", plotly_js=SHARED_PLOTLY_JS)
            for scorecard, period in (("cs", "2026-08"), ("cs", "2026-09"), ("org", "2026-09"))][:workers + 1]
    seen: list[tuple[str, bool]] = []

    def progress(result: ReportResult) -> None:
        pdf = out / f"{result.job.name}.pdf"
        seen.append((result.job.name, pdf.is_file() and pdf.read_bytes().startswith(b"%PDF")))

    done = run_reports(jobs, out, workers=workers, pdf=True, progress=progress)
    assert [r.error for r in done] == [None] * len(jobs)
    assert sorted(seen) == sorted((job.name, True) for job in jobs)  # each printed before it was handed back
    assert all(r.paths["pdf"] == out / f"{r.job.name}.pdf" for r in done)
