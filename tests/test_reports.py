"""Period review reports: the real template through papermill on the sample, the CLI, the index, Dask."""

from __future__ import annotations

import collections
import datetime as dt
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from click.testing import CliRunner

from bsc_widgets import InputError, Store, score_review
from bsc_widgets.cli import main
from bsc_widgets.model.plan import attention, data_periods, overdue
from bsc_widgets.model.plan import review_parameters as check_parameters
from bsc_widgets.model.schema import PLAN_TABLES
from bsc_widgets.reports import sections as rs
from bsc_widgets.reports.batch import run_reports
from bsc_widgets.reports.runner import DEFAULT_TEMPLATE, SHARED_PLOTLY_JS, ReportJob, ReportResult, ReportRunner

TODAY = "2026-11-24"
NETWORK = re.compile(r"""<script[^>]*\ssrc=["']?https?:|<link[^>]*\shref=["']?https?:|@import\s+(url\()?["']?https?:""",
                     re.I)


@pytest.fixture(scope="module")
def store(sample_template: Path) -> Path:
    """The session's sample store: reports only read it."""
    return sample_template


@pytest.fixture(scope="module")
def frames(store: Path) -> dict[str, pd.DataFrame]:
    return Store.open(store).read_all()


@pytest.fixture(scope="module")
def batch(store: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object]:
    """Two scorecards x two periods, two worker processes, through the CLI."""
    out = Path(tmp_path_factory.mktemp("out"))
    result = CliRunner().invoke(main, ["report", "--store", str(store), "--scorecard", "org", "--scorecard", "cs",
                                       "--period", "2026Q2", "--period", "2026Q3",
                                       "--today", TODAY, "--out", str(out), "--workers", "2"])
    return out, result


def _fmt(value: float, pattern: str) -> str:
    return pattern.format(value).replace("-", "−")


# ----------------------------------------------------------------------------- the template
def test_template_has_one_parameters_cell_with_primitive_defaults() -> None:
    nb = nbformat.read(DEFAULT_TEMPLATE, as_version=4)
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1
    namespace: dict[str, object] = {}
    exec(tagged[0].source, namespace)  # the defaults are plain literals
    defaults = {k: v for k, v in namespace.items() if not k.startswith("__")}
    assert set(defaults) == set(ReportJob("", "org", "2026Q3").parameters())
    assert all(isinstance(v, str) for v in defaults.values())
    import papermill

    inferred = papermill.inspect_notebook(str(DEFAULT_TEMPLATE))  # what `papermill --help-notebook` shows
    assert set(inferred) == set(defaults) and all(p["help"] and p["inferred_type_name"] == "str"
                                                  for p in inferred.values())
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code[0] is tagged[0] and "rs.open_review(" in code[1].source  # validation comes first
    for cell in code[2:]:  # thin: one package call per cell
        assert re.fullmatch(r"rs\.\w+\(report\)", cell.source.strip()), cell.source


def test_parameters_fail_with_a_clear_message(frames: dict[str, pd.DataFrame]) -> None:
    with pytest.raises(InputError, match="unknown scorecard 'sales'; scorecards in this store: cs, org"):
        check_parameters(frames, "sales", "2026Q3")
    with pytest.raises(InputError, match="'2026Q5' is not a period"):
        check_parameters(frames, "org", "2026Q5")
    with pytest.raises(InputError, match="2030Q1 is outside the data of scorecard 'org': its actuals run from "
                                         "2024Q4 to 2026Q4"):
        check_parameters(frames, "org", "2030Q1")
    assert str(check_parameters(frames, "org", "2026-03").period) == "2026-03"
    assert data_periods(frames, "org")[:2] == ["2024Q4", "2025Q1"]


def test_comments_show_the_latest_of_each_thread_first_and_the_earlier_ones_after_it(sample_store: Path) -> None:
    store = Store.open(sample_store)
    thread = {"scorecard_id": "org", "subject_type": "scorecard", "subject_id": "org", "period": "2026Q3",
              "kind": "analysis"}
    store.upsert("comments", [{**thread, "text": "Lead time is back to 2.9 days in October.", "author": "COO"}])
    body = rs.comments(rs.open_review(str(sample_store), "org", "2026Q3", today=TODAY)).body
    latest = body.index("Lead time is back to 2.9 days in October.")
    first = body.index("A difficult quarter, driven by the WMS cut-over")  # the sample's analysis, number 1
    assert latest < body.index("Earlier in this thread") < first
    assert body.count("Earlier in this thread") == 1, "threads of one comment show no 'earlier' list"
    assert "COO · " in body and "Managing Director – Clara Finch · 16 Oct 2026" in body


def test_sections_show_the_scoring_engine_numbers(store: Path, frames: dict[str, pd.DataFrame]) -> None:
    report = rs.open_review(str(store), "org", "2026Q3", today=TODAY, plotly_js=SHARED_PLOTLY_JS)
    card = score_review(frames, "2026Q3", "org").scorecards.iloc[0]
    head = rs.headline(report)
    assert _fmt(card["score"], "{:.2f}") in head.body and _fmt(card["coverage"], "{:.0%}") in head.body
    assert _fmt(card["score_change"], "{:+.2f}") in head.body
    assert json.loads(head.extra[rs.HEADLINE_MIME])["score"] == pytest.approx(card["score"])
    quality = rs.data_quality(report).body
    assert "engagement" in quality and "no actual for 2026Q3" in quality  # the pulse survey moved to October
    assert "identified-sales" in quality and "1 of 3 months missing" in quality
    plans = rs.action_plans(report).body
    late = overdue(frames, "org", dt.date.fromisoformat(TODAY))
    assert len(late) >= 6 and plans.count(">overdue by ") == len(late)
    for item in late.itertuples():
        assert f"<b>{item.id}</b>" in plans, item.id
    with pytest.raises(InputError, match="network address"):
        rs.open_review(str(store), "org", "2026Q3", plotly_js="https://cdn.plot.ly/plotly.min.js")


SECTIONS = ("title", "headline", "summary", "scores_table", "strategy_map", "trend_charts", "action_plans",
            "comments", "changes", "cascade", "signoffs", "kpi_table", "data_quality", "smart_findings", "timeline")


def test_reports_of_pinned_data_share_their_work_and_show_what_a_fresh_report_shows(store: Path) -> None:
    """A report kernel keeps what the reports of the same pinned data share (the store read, scores of the
    year, findings, the timeline): every section reads as a report made from scratch."""
    from bsc_widgets.reports import context

    versions = json.dumps(Store.open(store).versions())
    fresh = Store.open(store).read_all(versions=json.loads(versions))
    context._PINNED.clear()
    made = [(sc, p, rs.open_review(str(store), sc, p, today=TODAY, versions=versions))
            for sc, p in (("org", "2026-03"), ("org", "2026-04"), ("cs", "2026-04"), ("org", "2026-02"))]
    shared = made[0][2].shared
    assert shared is not None and all(report.shared is shared for *_, report in made)
    assert made[1][2].frames is made[0][2].frames  # the store was read once
    for sc, p, report in made:
        alone = rs.open_review(str(store), sc, p, today=TODAY, frames=fresh)
        assert alone.shared is None
        for name in SECTIONS:
            assert getattr(rs, name)(report).body == getattr(rs, name)(alone).body, (sc, p, name)
    assert shared.peek(("year", "2026-01", "org")) is not None  # the year scored in one go, for the later reports


def test_the_report_exporter_writes_the_document_nbconvert_writes() -> None:
    """The report's exporter skips nbconvert's BeautifulSoup pass: the page parses to the same document
    (and a page with an image still gets nbconvert's alt text)."""
    from bs4 import BeautifulSoup
    from nbconvert import HTMLExporter

    from bsc_widgets.reports.runner import HTML_TEMPLATE, TEMPLATES, report_exporter

    nb = nbformat.v4.new_notebook(metadata={"title": "Review"})
    nb.cells = [nbformat.v4.new_markdown_cell("## Summary\n\nHow we are doing & what changed: *Ana's* view."),
                nbformat.v4.new_code_cell("rs.summary(report)", outputs=[nbformat.v4.new_output(
                    "display_data", data={"text/html": "<div class='bsc'><p>Net revenue &middot; 7,977 <br> "
                                                       "<b>red</b></p><script>var a = 1 < 2;</script></div>"})])]
    image = nbformat.v4.new_code_cell("chart", outputs=[nbformat.v4.new_output(
        "display_data", data={"text/html": "<img src='data:image/png;base64,AAAA'>"})])
    theirs = HTMLExporter(template_name=HTML_TEMPLATE, extra_template_basedirs=[str(TEMPLATES / "nbconvert")],
                          exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True)
    for cells in (nb.cells, [*nb.cells, image]):
        page = nbformat.v4.new_notebook(metadata=nb.metadata, cells=cells)
        ours, _ = report_exporter().from_notebook_node(page)
        reference, _ = theirs.from_notebook_node(page)
        assert str(BeautifulSoup(ours, features="html.parser")) == reference
        assert "7,977" in ours and "Summary" in ours
    assert 'alt="No description' in ours  # the page with an image went through nbconvert's own pass


# ----------------------------------------------------------------------------- the pipeline
def test_batch_writes_reports_results_and_index(batch: tuple[Path, object], frames: dict) -> None:
    out, result = batch
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    assert "4 of 4 report(s) succeeded" in result.output  # type: ignore[attr-defined]
    index = (out / "index.html").read_text(encoding="utf-8")
    for sid in ("org", "cs"):
        review = score_review(frames, ["2026Q2", "2026Q3"], sid).scorecards
        for row in review.itertuples():
            page = (out / f"{sid}-{row.period}.html").read_text(encoding="utf-8")
            assert (out / f"{sid}-{row.period}.ipynb").exists()
            for text in (_fmt(row.score, "{:.2f}"), _fmt(row.coverage, "{:.0%}"), _fmt(row.score_change, "{:+.2f}")):
                assert text in page and text in index, (sid, row.period, text)
            assert f'href="{sid}-{row.period}.html"' in index
            assert not NETWORK.search(page), NETWORK.search(page)
            assert "Plotly.newPlot" in page and "bsc-strategy-map" in page and 'class="bsc-toc"' in page
            assert "rs.open_review" not in page  # code is hidden
            assert len(page) <= 6_000_000
            numbers = json.loads((out / f"{sid}-{row.period}.results.json").read_text(encoding="utf-8"))
            assert numbers["headline"]["score"] == pytest.approx(row.score)
            assert set(numbers["pin"]["versions"]) == set(PLAN_TABLES) and "table versions" in page


def test_a_failing_report_does_not_stop_the_others(store: Path, tmp_path: Path) -> None:
    jobs = [ReportJob(str(store), "cs", "2026Q3", today=TODAY, plotly_js=SHARED_PLOTLY_JS),
            ReportJob(str(store), "org", "2030Q1", today=TODAY, plotly_js=SHARED_PLOTLY_JS)]
    good, bad = run_reports(jobs, tmp_path, workers=1)
    assert good.ok and not bad.ok and "InputError: period 2030Q1 is outside the data of scorecard 'org'" in bad.error
    failed = nbformat.read(tmp_path / "org-2030Q1.ipynb", as_version=4)
    errors = [o for c in failed.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert errors and errors[0].ename == "InputError"
    assert not (tmp_path / "org-2030Q1.html").exists() and not (tmp_path / "org-2030Q1.results.json").exists()
    index = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert "failed: InputError: period 2030Q1 is outside the data" in index and 'href="cs-2026Q3.html"' in index


def test_report_parameters_are_checked_before_any_kernel_starts(store: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["report", "--store", str(store), "--scorecard", "org", "--period", "2026Q5",
                                       "--out", str(out)])
    assert result.exit_code == 2 and "2026Q5" in result.output and "Producing" not in result.output
    assert "Periods with data — org: 2024Q4 to 2026Q4 (quarterly)" in " ".join(result.output.split())
    result = CliRunner().invoke(main, ["report", "--store", str(store), "--scorecard", "org", "--period", "2030Q1",
                                       "--out", str(out)])
    assert result.exit_code == 2 and "its actuals run from 2024Q4 to 2026Q4" in result.output
    assert not out.exists(), "nothing was started or written"


def test_shared_plotly_and_default_parameters(tmp_path: Path) -> None:
    # The template's defaults work on the embedded sample (store ""), and reports can share plotly.js.
    results = run_reports([ReportJob("", "org", "2026Q3", today=TODAY, plotly_js=SHARED_PLOTLY_JS)], tmp_path,
                          workers=1)
    assert results[0].ok, results[0].error
    page = (tmp_path / "org-2026Q3.html").read_text(encoding="utf-8")
    assert '<script src="plotly.min.js"></script>' in page and len(page) <= 600_000
    assert (tmp_path / SHARED_PLOTLY_JS).stat().st_size > 1_000_000
    assert not NETWORK.search(page)


def test_dask_cluster_gives_the_same_reports(batch: tuple[Path, object], store: Path, tmp_path: Path) -> None:
    distributed = pytest.importorskip("distributed")
    local_out, _ = batch
    jobs = [ReportJob(str(store), "org", "2026Q3", today=TODAY), ReportJob(str(store), "cs", "2026Q2", today=TODAY),
            ReportJob(str(store), "cs", "2030Q1", today=TODAY)]
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=True, dashboard_address=None) as cluster:
        results = run_reports(jobs, tmp_path, dask_address=cluster.scheduler_address)
    assert [r.ok for r in results] == [True, True, False]
    assert "outside the data" in str(results[2].error)
    for job in jobs[:2]:
        assert (tmp_path / f"{job.name}.html").read_text(encoding="utf-8") == \
            (local_out / f"{job.name}.html").read_text(encoding="utf-8")


def test_runner_reuses_its_kernel_without_leaking_state(store: Path) -> None:
    with ReportRunner() as runner:
        first = runner.run(ReportJob(str(store), "cs", "2026Q3", today=TODAY, plotly_js=SHARED_PLOTLY_JS))
        assert runner._kernel is not None
        pid = runner._kernel.km.provisioner.process.pid  # type: ignore[union-attr]
        runner._kernel.run("assert 'report' not in globals() and 'rs' not in globals()", 30)  # namespace was reset
        # the report libraries are set aside from garbage collection, and no input history is written
        runner._kernel.run("import gc; assert gc.get_freeze_count() > 10_000, gc.get_freeze_count(); "
                           "assert not get_ipython().history_manager.enabled", 30)
        second = runner.run(ReportJob(str(store), "nope", "2026Q3", plotly_js=SHARED_PLOTLY_JS))
        assert runner._kernel is not None and runner._kernel.km.provisioner.process.pid == pid  # type: ignore[union-attr]
    assert first.ok and not second.ok
    assert "unknown scorecard 'nope'" in str(second.error)
    with pytest.raises(ProcessLookupError):  # closing the runner stopped its kernel
        os.kill(pid, 0)


_CHIP = re.compile(r'<span class="bsc-chip" style="background:(#[0-9a-f]{6})">([^<]+)</span>')


def _attention_rows(page: str) -> list[tuple[str, str, str]]:
    """(id, problem, chip colour) of each row of the attention list in an HTML page."""
    block = page[page.index('class="bsc-table bsc-attention"'):]
    block = block[:block.index("</table>")]
    rows = re.findall(r"<tr><td><b>([^<]+)</b>.*?" + _CHIP.pattern + r"</td></tr>", block)
    return [(ident, problem, colour) for ident, colour, problem in rows]


def test_workshop_review_step_and_html_report_show_the_same_attention_and_colours(
        batch: tuple[Path, object], store: Path) -> None:
    from bsc_widgets.forms.workshop import Workshop
    from bsc_widgets.render import theme

    out, _ = batch
    page = (out / "org-2026Q3.html").read_text(encoding="utf-8")
    workshop = Workshop(Store.open(store), "org")
    step = workshop.review(today=dt.date.fromisoformat(TODAY))
    step.period.value = "2026Q3"
    shown = step.summary.value + step.details.value
    in_report, in_workshop = _attention_rows(page), _attention_rows(shown)
    assert in_report and in_report == in_workshop
    expected = attention(Store.open(store).read_all(), "org", dt.date.fromisoformat(TODAY))
    assert [r[0] for r in in_report] == expected["id"].tolist()
    assert {p for _, p, _ in in_report} >= {"blocked"} or any(p.startswith("overdue by") for _, p, _ in in_report)
    chips_report, chips_workshop = set(_CHIP.findall(page)), set(_CHIP.findall(shown))
    statuses = {(colour, status) for colour, status in chips_workshop if status in theme.STATUS_COLOURS}
    assert statuses and statuses <= chips_report
    assert all(colour == theme.STATUS_COLOURS[status] for colour, status in chips_report | chips_workshop
               if status in theme.STATUS_COLOURS)
    plans_step = workshop.action_plans(today=dt.date.fromisoformat(TODAY))
    assert plans_step.items["id"].tolist() == expected["id"].tolist(), "the action-plans step lists the same work"


def test_a_pinned_report_is_made_again_exactly_and_a_later_one_says_what_was_restated(
        sample_store: Path, tmp_path: Path) -> None:
    first_out, pinned_out = tmp_path / "first", tmp_path / "pinned"
    args = ["report", "--store", str(sample_store), "--scorecard", "org", "--period", "2026Q3", "--today", TODAY,
            "--workers", "1", "--shared-plotly"]
    assert CliRunner().invoke(main, [*args, "--out", str(first_out)]).exit_code == 0
    results = first_out / "org-2026Q3.results.json"
    first = json.loads(results.read_text(encoding="utf-8"))
    assert first["kpis"]["nps"]["actual"] == 34.0 and first["today"] == TODAY
    executed = json.loads((first_out / "org-2026Q3.ipynb").read_text(encoding="utf-8"))
    assert executed["metadata"]["bsc_widgets"]["pin"] == first["pin"]
    assert first["pin"]["versions"] == Store.open(sample_store).versions()
    # The board has seen it; then an actual of the period is corrected.
    Store.open(sample_store).upsert("actuals", [{"kpi_id": "nps", "period": "2026Q3", "value": 38.0}])
    pinned = CliRunner().invoke(main, ["report", "--store", str(sample_store), "--pin", str(results), "--out",
                                       str(pinned_out), "--workers", "1", "--shared-plotly"])
    assert pinned.exit_code == 0, pinned.output
    again = json.loads((pinned_out / "org-2026Q3.results.json").read_text(encoding="utf-8"))
    assert again["kpis"] == first["kpis"] and again["headline"] == first["headline"]
    assert again["pin"]["versions"] == first["pin"]["versions"]
    assert (pinned_out / "org-2026Q3.html").read_text(encoding="utf-8") == \
        (first_out / "org-2026Q3.html").read_text(encoding="utf-8"), "the same inputs give the same report"
    # A plain report of the period into the same folder says what changed since it was first reported.
    assert CliRunner().invoke(main, [*args, "--out", str(first_out)]).exit_code == 0
    page = (first_out / "org-2026Q3.html").read_text(encoding="utf-8")
    notice = page[page.index('<div class="bsc-restated">'):]
    notice = notice[:notice.index("</table>")]
    assert "Restated since" in notice and "1 KPI now read differently" in notice
    assert re.search(r"<b>nps</b> Net Promoter Score</td><td>actual</td><td class=.num.>34.00</td>"
                     r"<td class=.num.>38.00</td>", notice), notice
    latest = json.loads(results.read_text(encoding="utf-8"))
    assert latest["kpis"]["nps"]["actual"] == 38.0 and latest["first_reported"]["kpis"]["nps"]["actual"] == 34.0


def test_a_review_read_as_of_a_time_scores_the_plan_as_it_was(sample_store: Path) -> None:
    store = Store.open(sample_store)
    before = store.saved_at(store.versions())
    assert before is not None
    store.upsert("actuals", [{"kpi_id": "nps", "period": "2026Q3", "value": 38.0}])
    then = rs.open_review(str(sample_store), "org", "2026Q3", today=TODAY, as_of=before.isoformat())
    now = rs.open_review(str(sample_store), "org", "2026Q3", today=TODAY)
    actual = {r.review.kpis.set_index("kpi_id").at["nps", "actual"] for r in (then,)}
    assert actual == {34.0} and now.review.kpis.set_index("kpi_id").at["nps", "actual"] == 38.0
    assert then.pin is not None and now.pin is not None
    assert then.pin.versions["actuals"] == now.pin.versions["actuals"] - 1 and then.pin.as_of == before.isoformat()
    with pytest.raises(InputError, match="versions: no version given for"):
        rs.open_review(str(sample_store), "org", "2026Q3", versions='{"kpis": 1}')
    with pytest.raises(InputError, match="as of 'last week' is not a time"):
        rs.open_review(str(sample_store), "org", "2026Q3", as_of="last week")


@pytest.mark.parametrize(("period", "coverage", "now", "in_progress", "label"), [
    ("2026Q4", 0.55, dt.date(2026, 12, 2), True, "in progress (ends 31 Dec 2026, coverage 55%)"),
    ("2026Q4", 0.95, dt.date(2026, 12, 2), True, "in progress (ends 31 Dec 2026, coverage 95%)"),
    ("2026Q3", 0.96, dt.date(2026, 12, 2), False, ""),
    ("2026Q3", 0.5, dt.date(2026, 12, 2), True, "in progress (coverage 50%, below 80%)"),
    ("2026Q3", None, dt.date(2026, 12, 2), True, "in progress (coverage no data, below 80%)"),
])
def test_a_period_is_in_progress_until_it_ended_with_enough_data(period: str, coverage: float | None,
                                                                 now: dt.date, in_progress: bool,
                                                                 label: str) -> None:
    from bsc_widgets.model.periods import parse_period
    from bsc_widgets.model.plan import period_progress

    progress = period_progress(parse_period(period), coverage, now)
    assert (progress.in_progress, progress.label) == (in_progress, label)


def test_an_unfinished_period_reads_in_progress_on_the_index_headline_and_summary(store: Path,
                                                                                   tmp_path: Path) -> None:
    made = CliRunner().invoke(main, ["report", "--store", str(store), "--scorecard", "org", "--period", "2026Q3",
                                     "--period", "2026Q4", "--out", str(tmp_path), "--workers", "1",
                                     "--shared-plotly"])
    assert made.exit_code == 0, made.output
    q4 = (tmp_path / "org-2026Q4.html").read_text(encoding="utf-8")
    q3 = (tmp_path / "org-2026Q3.html").read_text(encoding="utf-8")
    index = (tmp_path / "index.html").read_text(encoding="utf-8")
    headline = json.loads((tmp_path / "org-2026Q4.results.json").read_text(encoding="utf-8"))["headline"]
    assert headline["in_progress"] and headline["period_end"] == "2026-12-31"
    # 2026Q4 (55 % coverage in the sample; not ended before 2027) is in progress everywhere it appears.
    assert re.search(r'class="progress">in progress \([^)]*coverage 55%', index)
    rows = {p: next(r for r in re.findall(r"<tr>.*?</tr>", index) if f">{p}<" in r) for p in ("2026Q3", "2026Q4")}
    assert "(provisional)" in rows["2026Q4"] and "in progress" not in rows["2026Q3"]
    title = q4[:q4.index('id="Summary"')]
    assert re.search(r'bsc-progress"><b>In progress \([^)]*coverage 55%\)</b>', title)
    summary = q4[q4.index('id="Summary"'):q4.index('id="Perspective-and-objective')]
    assert "In progress (" in summary and "(provisional)" in summary
    assert "Provisional: 2026Q4 is in progress (" in summary
    changed = q4[q4.index('id="What-changed-since-the-last-review"'):q4.index('id="Every-KPI"')]
    assert "Provisional: 2026Q4 is in progress (" in changed
    # A finished period with its data in is not.
    assert "In progress (" not in q3 and "Provisional:" not in q3
    # The Gantt marks the date the report judges deadlines at, as such, and keeps whole task labels.
    assert re.search(r'"text":\s*"as of \d{4}-\d{2}-\d{2}"', q4) and '"text":"today' not in q4
    assert "Stabilise picking accuracy and lead" in q4 and "lead …" not in q4


def test_the_summary_comes_first_and_every_line_links_to_its_detail(batch: tuple[Path, object],
                                                                    frames: dict) -> None:
    out, _ = batch
    page = (out / "org-2026Q3.html").read_text(encoding="utf-8")
    headings = re.findall(r'<h2 id="([^"]+)"', page)
    assert headings[:2] == ["Summary", "Perspective-and-objective-scores"] and headings[-1] == "Appendix"
    summary = page[page.index('id="Summary"'):page.index('id="Perspective-and-objective-scores"')]
    report = rs.open_review(str(out.parent / "unused"), "org", "2026Q3", today=TODAY, frames=frames)
    kpis = report.review.kpis[(report.review.kpis["period"] == "2026Q3")
                              & (report.review.kpis["scorecard_id"] == "org")].set_index("kpi_id")
    objectives = frames["objectives"][frames["objectives"]["scorecard_id"] == "org"].set_index("objective_id")
    heavy = set(objectives.index[objectives["weight"] >= objectives["weight"].mean()])
    red = {k for k, row in kpis.iterrows() if row["status"] == "red" and row["objective_id"] in heavy}
    without_data = {k for k, row in kpis.iterrows() if row["status"] == "no data" and row["due"]}
    linked = set(re.findall(r'href="#kpi-([^"]+)"', summary))
    assert red and without_data and (red | without_data) <= linked
    late = overdue(frames, "org", dt.date.fromisoformat(TODAY))
    for ini in late[late["what"] == "initiative"]["id"]:
        assert f'href="#initiative-{ini}"' in summary and f'id="initiative-{ini}"' in page
    for kpi_id in linked:  # every link lands on the KPI's row in the appendix
        assert page.count(f'id="kpi-{kpi_id}"') == 1
    appendix = page[page.index('id="Appendix"'):]
    assert all(f'id="kpi-{k}"' in appendix for k in kpis.index), "every KPI is reachable"
    # The trend charts show the KPIs the stated rule selects: red, or moved to a worse colour.
    moves = report.changes.level("kpis").set_index("id")["move"]
    chosen = {k for k, row in kpis.iterrows() if row["status"] == "red" or moves.get(k) == "worsened"}
    shown = set(re.findall(r'id="bsc-trend-([^"]+)"', page))
    assert shown == chosen and len(shown) < len(kpis)

# ----------------------------------------------------------------------------- lean outputs, results files, index
def test_notebooks_beside_reports_share_plotly_and_still_execute(batch: tuple[Path, object], tmp_path: Path) -> None:
    import papermill

    from bsc_widgets.render.plotly_bundle import plotly_js

    out, _ = batch
    bundle = plotly_js()[:2000]  # the head of plotly.js: present in every copy of it
    assert (out / SHARED_PLOTLY_JS).read_text(encoding="utf-8").startswith(bundle)
    for name in ("org-2026Q3", "cs-2026Q2"):
        text = (out / f"{name}.ipynb").read_text(encoding="utf-8")
        assert len(text) <= 1_000_000 and bundle not in text and json.dumps(bundle)[1:-1][:500] not in text
        assert '<script src=\\"plotly.min.js\\"></script>' in text, "its charts load the folder's plotly.min.js"
        assert "Plotly.newPlot" in text and '"bsc_widgets"' in text, "the charts and the pin are still there"
        nbformat.validate(nbformat.reads(text, as_version=4))
        assert bundle in (out / f"{name}.html").read_text(encoding="utf-8"), "the HTML report stays self-contained"
    # The kept notebook runs again as it is (same parameters, same numbers).
    again = papermill.execute_notebook(str(out / "org-2026Q3.ipynb"), str(tmp_path / "again.ipynb"),
                                       progress_bar=False, kernel_name="python3")
    first = json.loads((out / "org-2026Q3.results.json").read_text(encoding="utf-8"))
    results = [o["data"]["application/vnd.bsc-widgets.results+json"] for c in again.cells
               for o in c.get("outputs", []) if "application/vnd.bsc-widgets.results+json" in o.get("data", {})]
    assert results and json.loads(results[0])["kpis"] == first["kpis"]


def test_results_files_carry_the_work_that_needs_attention(batch: tuple[Path, object], frames: dict) -> None:
    out, _ = batch
    for sid in ("org", "cs"):
        numbers = json.loads((out / f"{sid}-2026Q3.results.json").read_text(encoding="utf-8"))
        expected = attention(frames, sid, dt.date.fromisoformat(TODAY))
        assert [(a["what"], a["id"], a["problem"]) for a in numbers["attention"]] == \
            list(zip(expected["what"], expected["id"], expected["problem"], strict=True))
        assert all(set(a) == {"what", "id", "description", "owner", "due", "status", "problem"}
                   for a in numbers["attention"])
    org = json.loads((out / "org-2026Q3.results.json").read_text(encoding="utf-8"))["attention"]
    assert any(a["problem"].startswith("overdue by") and dt.date.fromisoformat(a["due"]) for a in org)


def _index_row(index: str, name: str) -> str:
    start = index.index(f'<a href="{name}.html">')
    return index[start:index.index("</tr>", start)]


def test_index_reads_the_results_files_whose_numbers_are_those_of_bsc_score(batch: tuple[Path, object],
                                                                              store: Path, tmp_path: Path) -> None:
    from bsc_widgets.reports.index import write_index

    out, _ = batch
    index = (out / "index.html").read_text(encoding="utf-8")
    for sid in ("org", "cs"):
        scored = CliRunner().invoke(main, ["score", "--store", str(store), "--period", "2026Q3", "--scorecard", sid,
                                           "--format", "json"])
        assert scored.exit_code == 0, scored.output
        kpis = {row["kpi_id"]: row for row in json.loads(scored.output)["kpis"]}
        numbers = json.loads((out / f"{sid}-2026Q3.results.json").read_text(encoding="utf-8"))
        assert set(numbers["kpis"]) == set(kpis)
        for kpi_id, reported in numbers["kpis"].items():
            for field in ("actual", "target", "red_flag", "score", "status"):
                assert reported[field] == pytest.approx(kpis[kpi_id][field]), (sid, kpi_id, field)
        row = _index_row(index, f"{sid}-2026Q3")
        shown = {status: int(count) for status, count in re.findall(r'title="([^"]+)">(\d+)</span>', row)}
        counted = collections.Counter(k["status"] for k in kpis.values())
        assert shown == dict(counted), (sid, row)
        assert f'<td class="num">{len(numbers["attention"])}</td>' in row
        assert f'href="{sid}-2026Q3.results.json"' in row and f'href="{sid}-2026Q3.ipynb"' in row
    # What the index shows comes from the results file next to the report.
    copy = tmp_path / "copy"
    shutil.copytree(out, copy)
    edited = json.loads((copy / "org-2026Q3.results.json").read_text(encoding="utf-8"))
    edited["headline"]["score"] = 9.87
    (copy / "org-2026Q3.results.json").write_text(json.dumps(edited), encoding="utf-8")
    done = [ReportResult(ReportJob(str(store), "org", "2026Q3"), "{}", "<html></html>", headline={"name": "A & F"})]
    page = write_index(done, copy).read_text(encoding="utf-8")
    assert '<td class="num">9.87</td>' in _index_row(page, "org-2026Q3")


def test_pdf_output_says_what_to_install_before_any_kernel_starts(store: Path, tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BSC_CHROMIUM", str(tmp_path / "no-chromium"))
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["report", "--store", str(store), "--scorecard", "org", "--period", "2026Q3",
                                       "--out", str(out), "--pdf"])
    assert result.exit_code == 1 and "Producing" not in result.output and not out.exists()
    assert "BSC_CHROMIUM" in result.output and "bsc-widgets[pdf]" in result.output
    assert "apt-get install chromium" in result.output
    result = CliRunner().invoke(main, ["report", "--store", str(store), "--scorecard", "org", "--periods",
                                       "2026Q2:2026Q3", "--out", str(out), "--book", str(tmp_path / "book.pdf")])
    assert result.exit_code == 2 and "a briefing book is of one period" in result.output and not out.exists()


def test_trend_charts_stop_at_the_limit_and_list_the_rest(frames: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    report = rs.open_review("", "org", "2026Q3", today=TODAY, frames=frames)
    flagged = rs.needs_attention(report)
    monkeypatch.setattr(rs, "TREND_LIMIT", 5)
    body = rs.trend_charts(report).body
    charted = re.findall(r'id="bsc-trend-([^"]+)"', body)
    assert len(charted) == 5 and len(flagged) > 5
    status = flagged.set_index(flagged["kpi_id"].astype(str))["status"].astype(str)
    reds = [k for k in status.index if status[k] == "red"]
    assert all(status[k] == "red" for k in charted[:min(5, len(reds))]), "red KPIs are charted first"
    listed = body[body.index("Also red or moved to a worse colour"):]
    assert f"({len(flagged) - 5})" in listed
    assert set(re.findall(r'href="#kpi-([^"]+)"', listed)) == set(status.index) - set(charted)


def test_a_batch_worker_validates_notebooks_without_building_the_iri_grammar() -> None:
    """A worker process keeps jsonschema from importing rfc3987_syntax (a grammar built at import: ~1 s a worker);
    notebooks still validate, and a broken one is still refused."""
    code = """
import sys
from bsc_widgets.reports.batch import _without_iri_grammar
_without_iri_grammar()
import nbformat
from bsc_widgets.reports.runner import DEFAULT_TEMPLATE
nb = nbformat.read(DEFAULT_TEMPLATE, as_version=4)
nbformat.validate(nb)
nb.cells[0]["cell_type"] = "nonsense"
try:
    nbformat.validate(nb)
except nbformat.ValidationError:
    print("refused")
print(sys.modules["rfc3987_syntax"] is None, "jsonschema" in sys.modules)
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["refused", "True", "True"]


def test_a_pool_started_ahead_runs_the_batch_it_was_started_for(store: Path, tmp_path: Path) -> None:
    """``bsc report`` starts its workers before it reads the store; the batch then runs in them."""
    from bsc_widgets.reports.batch import start_pool

    jobs = [ReportJob(str(store), "cs", period, today=TODAY, plotly_js=SHARED_PLOTLY_JS)
            for period in ("2026Q2", "2026Q3")]
    with start_pool(tmp_path, 2) as pool:
        assert len(pool._executor._processes) == 2  # type: ignore[attr-defined]  # spawned now, not at the first job
        with pytest.raises(ValueError, match="the pool was started for"):
            run_reports(jobs, tmp_path / "elsewhere", pool=pool)
        results = run_reports(jobs, tmp_path, pool=pool)
        workers = set(pool._executor._processes)  # type: ignore[attr-defined]
    assert [r.job.period for r in results] == ["2026Q2", "2026Q3"] and all(r.ok for r in results)
    assert (tmp_path / "cs-2026Q3.html").is_file() and (tmp_path / "index.html").is_file()
    assert len(workers) == 2 and os.getpid() not in workers
