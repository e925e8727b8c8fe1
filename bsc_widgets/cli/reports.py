"""``bsc report``: produce the period review reports of a store."""

from __future__ import annotations

import datetime as dt
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ..config import is_uri
from ..errors import InputError
from .common import AS_OF_OPTION, STORE_OPTION, handles_errors

if TYPE_CHECKING:
    from ..reports.batch import ReportPool


def _expand_periods(periods: tuple[str, ...], span: str | None) -> list[str]:
    """Periods from repeated --period and a --periods FIRST:LAST range (usage errors for bad syntax)."""
    from ..model.periods import parse_period, period_range

    out = []
    try:
        out += [str(parse_period(p)) for p in periods]
        if span:
            first, sep, last = span.partition(":")
            if not sep:
                raise ValueError(f"{span!r} is not a range; write FIRST:LAST, e.g. 2025Q1:2026Q3")
            out += [str(p) for p in period_range(parse_period(first), parse_period(last))]
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--period / --periods") from None
    return list(dict.fromkeys(out))


def _count_periods(periods: tuple[str, ...], span: str | None) -> int:
    """How many periods the command line names (0 when none, or when they are wrong: said later, with the choices)."""
    try:
        return len(_expand_periods(periods, span))
    except click.BadParameter:
        return 0


def _early_pool(scorecards: tuple[str, ...], *, explicit_count: int, pin_file: str | None, workers: int | None,
                dask_address: str | None, out: str, template: str | None, pdf: bool,
                book: str | None) -> ReportPool | None:
    """Report workers started before the store is read, when the command line alone says there will be several
    reports (each named scorecard gets one report at least, one per named period); else None.

    Each worker starts its kernel (and Chromium) while this process reads and checks the
    store: about a core's worth of start-up that would otherwise come after.
    """
    if dask_address or pin_file or (book and explicit_count > 1):  # a book of several periods is refused below
        return None
    count = min(workers or os.cpu_count() or 1, len(scorecards) * max(1, explicit_count))
    if count < 2:
        return None
    from ..reports.batch import start_pool
    from ..reports.pdf import check_engine
    from ..reports.runner import DEFAULT_TEMPLATE

    if pdf or book:
        check_engine()  # a missing Chromium is said before any worker starts
    return start_pool(out, count, template=template or DEFAULT_TEMPLATE, pdf=pdf, book=book)


def _day(today: str) -> dt.date | None:
    """The --today date (None when not given); a usage error when it is not a date."""
    if not today:
        return None
    try:
        return dt.date.fromisoformat(today)
    except ValueError:
        raise click.BadParameter(f"{today!r} is not a date; write it as YYYY-MM-DD, e.g. 2026-11-24",
                                 param_hint="--today") from None


@click.command("report")
@STORE_OPTION
@click.option("--scorecard", "scorecards", multiple=True, help="Scorecard id (repeat for several).")
@click.option("--all-scorecards", is_flag=True, help="Every scorecard of the store (the default).")
@click.option("--period", "periods", multiple=True, help="Review period, e.g. 2026Q3 (repeat for several).")
@click.option("--periods", "span", default=None, metavar="FIRST:LAST", help="A range of periods, e.g. 2025Q1:2026Q3.")
@click.option("--all-periods", is_flag=True,
              help="Every period with actuals, at each scorecard's review frequency.")
@click.option("--out", "out", required=True, type=click.Path(file_okay=False), help="Folder for the reports.")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Reports run in parallel on this machine [default: number of cores].")
@click.option("--dask", "dask_address", default=None, metavar="ADDRESS",
              help="Run on this Dask distributed scheduler, e.g. tcp://10.0.0.5:8786 (store and template must be "
                   "readable by the workers).")
@click.option("--shared-plotly", is_flag=True,
              help="Reports load one shared local plotly.js file (OUT/plotly.min.js) instead of embedding it.")
@click.option("--today", default="", metavar="YYYY-MM-DD",
              help="Date that decides what is overdue [default: end of each period, or today if earlier].")
@click.option("--template", type=click.Path(exists=True, dir_okay=False), default=None,
              help="Review notebook template [default: templates/review.ipynb].")
@click.option("--pdf", "pdf", is_flag=True,
              help="Also print each report to OUT/<scorecard>-<period>.pdf (A4, page numbers; needs Chromium and "
                   "the pdf extra: pip install 'bsc-widgets[pdf]').")
@click.option("--book", "book", type=click.Path(dir_okay=False), default=None, metavar="FILE.pdf",
              help="Also write one briefing book of the period: cover, contents, the organisation's report, then "
                   "each department's, numbered through (one period only).")
@AS_OF_OPTION
@click.option("--pin", "pin_file", type=click.Path(dir_okay=False), default=None, metavar="FILE",
              help="Make a report again from exactly the data an earlier one read: its <scorecard>-<period>"
                   ".results.json (its scorecard and period are the default).")
@handles_errors
def report(store_path: str, scorecards: tuple[str, ...], all_scorecards: bool, periods: tuple[str, ...],
           span: str | None, all_periods: bool, out: str, workers: int | None, dask_address: str | None,
           shared_plotly: bool, today: str, template: str | None, pdf: bool, book: str | None, as_of: Any,
           pin_file: str | None) -> None:
    """Produce period review reports: one offline HTML file (and its executed notebook) per scorecard and period.

    Without --period / --periods / --all-periods each scorecard gets the report of its
    last period with actuals that has ended (by --today, default the current date).
    Every report of a run reads the same table versions (those current when it starts, or
    at --as-of, or those of --pin) and records them, with its numbers, in
    OUT/<scorecard>-<period>.results.json; a later run into the same OUT compares with it
    and says what was restated.  Parameters are checked against the data before any
    kernel starts.  Writes OUT/index.html linking every report.  A failing report does
    not stop the others; the command exits 1 if any failed.  --pdf prints each report to
    a PDF next to its HTML; --book writes the briefing book of one period.
    """
    import json

    from ..model.plan import (
        data_periods,
        data_span,
        default_period,
        require_scorecard,
        review_parameters,
        top_down,
    )
    from ..reports.batch import check_outputs, run_reports
    from ..reports.pinning import load_results
    from ..reports.runner import DEFAULT_TEMPLATE, SHARED_PLOTLY_JS, ReportJob, ReportResult
    from ..store import Store

    if scorecards and all_scorecards:
        raise click.UsageError("give either --scorecard or --all-scorecards, not both")
    if sum(bool(x) for x in (periods or span, all_periods)) > 1:
        raise click.UsageError("give either --period / --periods or --all-periods, not both")
    if pin_file and as_of is not None:
        raise click.UsageError("give either --pin or --as-of, not both")
    pool = _early_pool(scorecards, explicit_count=_count_periods(periods, span), pin_file=pin_file, workers=workers,
                       dask_address=dask_address, out=out, template=template, pdf=pdf, book=book)
    try:
        opened = Store.open(store_path)
        try:
            explicit = _expand_periods(periods, span)
        except click.BadParameter as bad:  # say which periods there are to choose from
            frames = {name: opened.read(name) for name in ("scorecards", "actuals")}
            named = scorecards or top_down(frames["scorecards"])
            spans = "; ".join(f"{sid}: {data_span(frames, sid)}" for sid in named
                              if (frames["scorecards"]["scorecard_id"] == sid).any())
            raise click.BadParameter(f"{bad.message}. Periods with data — {spans}", param_hint=bad.param_hint) from None
        if pin_file:
            pinned = load_results(pin_file)
            versions = {str(k): int(v) for k, v in pinned["pin"]["versions"].items()}
            if not versions:
                raise InputError(f"{pin_file} is a report of the embedded sample, not of a store: there is nothing "
                                 "to pin")
            scorecards = scorecards or (str(pinned["scorecard"]),)
            explicit = explicit or [str(pinned["period"])]
            today = today or str(pinned.get("today") or "")
        else:
            versions = opened.versions(as_of=as_of)
        frames = opened.read_all(versions=versions)
        cards = frames["scorecards"]
        for sid in scorecards:
            require_scorecard(cards, sid)  # unknown scorecard -> InputError (exit 2)
        chosen = list(scorecards) or top_down(cards)
        store = store_path if is_uri(store_path) else str(Path(store_path).resolve())
        day = _day(today)
        plotly_js = SHARED_PLOTLY_JS if shared_plotly else "inline"
        jobs = []
        for sid in chosen:
            available = data_periods(frames, sid)
            latest = default_period(available, day)
            wanted = explicit or (available if all_periods else [latest] if latest else [])
            if not wanted:
                raise InputError(f"scorecard '{sid}' has no actuals yet, so there is no period to review")
            for period in wanted:  # fail here, before any kernel starts, with the valid choices
                review_parameters(frames, sid, period, today)
            jobs += [ReportJob(store, sid, p, today=today, plotly_js=plotly_js, versions=json.dumps(versions),
                               as_of="" if as_of is None else as_of.isoformat()) for p in wanted]

        check_outputs(jobs, pdf=pdf, book=book)  # a missing Chromium is said before any kernel starts
        where = f"the Dask cluster at {dask_address}" if dask_address else f"{workers or 'all'} worker(s)"
        click.echo(f"Producing {len(jobs)} report(s) into {out} on {where}...")
        start = time.perf_counter()
        with click.progressbar(length=len(jobs), label="Reports", show_pos=True, file=sys.stderr,
                               item_show_func=lambda r: r) as bar:
            def advance(result: ReportResult) -> None:
                bar.update(1, f"{result.job.name} {'ok' if result.ok else 'FAILED'}")

            results = run_reports(jobs, out, workers=workers, dask_address=dask_address,
                                  template=template or DEFAULT_TEMPLATE, progress=advance, pdf=pdf, book=book,
                                  pool=pool)
    finally:
        if pool is not None:
            pool.close()
    failed = [r for r in results if not r.ok]
    elapsed = time.perf_counter() - start
    click.echo(f"\n{len(results) - len(failed)} of {len(results)} report(s) succeeded in {elapsed:.1f} s.")
    for r in failed:
        where_nb = r.paths.get("notebook")
        click.echo(f"  FAILED {r.job.name}: {r.error}" + (f"\n         executed notebook: {where_nb}" if where_nb
                                                          else ""))
    click.echo(f"Index: {Path(out).resolve() / 'index.html'}")
    if book and Path(book).is_file():
        from ..reports.pdf import page_count

        click.echo(f"Briefing book: {Path(book).resolve()} ({page_count(Path(book).read_bytes())} pages)")
    if failed:
        sys.exit(1)
