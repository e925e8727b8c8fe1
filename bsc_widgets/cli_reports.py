"""``bsc report``: produce the period review reports of a store (registered by :mod:`bsc_widgets.cli`)."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from .cli_common import STORE_OPTION, handles_errors
from .errors import InputError
from .periods import parse_period, period_range


def _is_local(store: str) -> bool:
    return "://" not in store


def _expand_periods(periods: tuple[str, ...], span: str | None) -> list[str]:
    """Periods from repeated --period and a --periods FIRST:LAST range (usage errors for bad syntax)."""
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
@handles_errors
def report(store_path: str, scorecards: tuple[str, ...], all_scorecards: bool, periods: tuple[str, ...],
           span: str | None, all_periods: bool, out: str, workers: int | None, dask_address: str | None,
           shared_plotly: bool, today: str, template: str | None) -> None:
    """Produce period review reports: one offline HTML file (and its executed notebook) per scorecard and period.

    Without --period / --periods / --all-periods each scorecard gets the report of its
    latest period with actuals.  Writes OUT/index.html linking every report.  A failing
    report does not stop the others; the command exits 1 if any failed.
    """
    from .report_data import data_periods
    from .reports import DEFAULT_TEMPLATE, SHARED_PLOTLY_JS, ReportJob, ReportResult, run_reports
    from .review import scorecard_family
    from .store import Store

    if scorecards and all_scorecards:
        raise click.UsageError("give either --scorecard or --all-scorecards, not both")
    if sum(bool(x) for x in (periods or span, all_periods)) > 1:
        raise click.UsageError("give either --period / --periods or --all-periods, not both")
    explicit = _expand_periods(periods, span)
    frames = Store.open(store_path).read_all()
    cards = frames["scorecards"]
    for sid in scorecards:
        scorecard_family(cards, sid)  # unknown scorecard -> InputError (exit 2)
    top_first = cards.assign(_child=cards["parent_id"].notna()).sort_values(["_child", "scorecard_id"])
    chosen = list(scorecards) or top_first["scorecard_id"].astype(str).tolist()
    store = str(Path(store_path).resolve()) if _is_local(store_path) else store_path
    plotly_js = SHARED_PLOTLY_JS if shared_plotly else "inline"
    jobs = []
    for sid in chosen:
        available = data_periods(frames, sid)
        wanted = explicit or (available if all_periods else available[-1:])
        if not wanted:
            raise InputError(f"scorecard '{sid}' has no actuals yet, so there is no period to review")
        jobs += [ReportJob(store, sid, p, today=today, plotly_js=plotly_js) for p in wanted]

    where = f"the Dask cluster at {dask_address}" if dask_address else f"{workers or 'all'} worker(s)"
    click.echo(f"Producing {len(jobs)} report(s) into {out} on {where}...")
    start = time.perf_counter()
    with click.progressbar(length=len(jobs), label="Reports", show_pos=True, file=sys.stderr,
                           item_show_func=lambda r: r) as bar:
        def advance(result: ReportResult) -> None:
            bar.update(1, f"{result.job.name} {'ok' if result.ok else 'FAILED'}")

        results = run_reports(jobs, out, workers=workers, dask_address=dask_address,
                              template=template or DEFAULT_TEMPLATE, progress=advance)
    failed = [r for r in results if not r.ok]
    elapsed = time.perf_counter() - start
    click.echo(f"\n{len(results) - len(failed)} of {len(results)} report(s) succeeded in {elapsed:.1f} s.")
    for r in failed:
        where_nb = r.paths.get("notebook")
        click.echo(f"  FAILED {r.job.name}: {r.error}" + (f"\n         executed notebook: {where_nb}" if where_nb
                                                          else ""))
    click.echo(f"Index: {Path(out).resolve() / 'index.html'}")
    if failed:
        sys.exit(1)
