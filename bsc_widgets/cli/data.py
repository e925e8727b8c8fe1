"""``bsc import``, ``bsc export`` and ``bsc templates``: data in and out of a store."""

from __future__ import annotations

import sys

import click

from .common import STORE_OPTION, handles_errors


@click.command("import")
@STORE_OPTION
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--sheet", default=None, help="Sheet of an .xlsx workbook (default: 'actuals' / 'targets' or the first).")
@click.option("--mapping", type=click.Path(exists=True, dir_okay=False), default=None,
              help="TOML or JSON file naming the file's columns and number format (docs/data-in-and-out.md).")
@click.option("--targets", is_flag=True, help="Import targets and red flags instead of actuals.")
@click.option("--decimal", type=click.Choice([",", "."]), default=None,
              help="Decimal separator of numbers written as text (default: the one the file's numbers show; "
                   "a number that reads two ways, such as 1.234, is refused until you choose).")
@click.option("--scorecard", default=None, help="Only match KPIs of this scorecard (when names repeat).")
@click.option("--dry-run", is_flag=True, help="Check the file and show what would change; save nothing.")
@click.option("--limit", type=click.IntRange(min=0), default=200, show_default=True,
              help="Show at most this many changed rows or problems (0: all).")
@handles_errors
def import_(store_path: str, file: str, sheet: str | None, mapping: str | None, targets: bool,
            decimal: str | None, scorecard: str | None, dry_run: bool, limit: int) -> None:
    """Import actuals (or targets) from a CSV or Excel file: all rows or none.

    Long layout: one row per KPI and period (columns kpi, period, value, note). Wide
    layout: a kpi column and one column per period. KPIs by id or name; periods as
    2026-03 / 2026Q1 / 2026 or as dates. Every bad row is listed with its line or cell
    (exit 1, nothing saved). Numbers are read with the decimal separator the file
    shows (the report says which); hidden sheets are skipped unless named with
    --sheet. Re-importing the same file changes nothing.
    """
    from ..io.importer import apply_import, plan_import
    from ..store import Store

    store = Store.open(store_path)
    report = plan_import(store, file, table="targets" if targets else "actuals", sheet=sheet, mapping=mapping,
                         scorecard=scorecard, decimal=decimal)
    shown = limit or None
    if report.problems:
        click.echo(report.as_text(limit=shown), err=True)
        sys.exit(1)
    if dry_run:
        click.echo(report.as_text(limit=shown))
        click.echo("Dry run: nothing was saved.")
        return
    result = apply_import(store, report)
    click.echo(report.as_text(rows=False))
    if result.version is None and not len(report.changes):
        click.echo("Nothing to save: the file holds no values.")
    elif result.version is None:
        click.echo(f"Nothing new to save: every value in the file is already in table {report.table}.")
    else:
        click.echo(f"Saved {result.inserted} new and {result.updated} updated record(s) as version "
                   f"{result.version} of table {report.table}.")


@click.command("export")
@STORE_OPTION
@click.option("--to", "fmt", type=click.Choice(["xlsx", "csv", "parquet"]), required=True,
              help="xlsx: a formatted workbook (TARGET is a file); csv / parquet: one file per table "
                   "(TARGET is a folder).")
@click.argument("target", type=click.Path())
@click.option("--scorecard", default=None, help="Only this scorecard (and its departments).")
@click.option("--period", "periods", multiple=True,
              help="xlsx: review period of a scorecard sheet, e.g. 2026Q3; repeat for several "
                   "(default: every period up to the latest actual).")
@handles_errors
def export_(store_path: str, fmt: str, target: str, scorecard: str | None, periods: tuple[str, ...]) -> None:
    """Export the store as an Excel workbook or as plain CSV / parquet files.

    The workbook has a scorecard sheet per review period (scores, status colours,
    trends) and a sheet per table; its actuals and targets sheets can be edited and
    imported back with `bsc import`.
    """
    from ..io.exports import export
    from ..store import Store

    paths = export(Store.open(store_path), fmt, target, scorecard=scorecard, periods=periods)
    if fmt == "xlsx":
        click.echo(f"Wrote {paths[0]}.")
    else:
        click.echo(f"Wrote {len(paths)} {fmt} files to {paths[0].parent}: {', '.join(p.name for p in paths)}.")


@click.command("templates")
@handles_errors
def templates() -> None:
    """List the KPI libraries `bsc init DIR --template NAME` can start a scorecard from."""
    from ..io.libraries import list_libraries

    libraries = list_libraries()
    width = max((len(lib.name) for lib in libraries), default=0)
    for lib in libraries:
        click.echo(f"{lib.name.ljust(width)}  {lib.description} ({lib.objectives} objectives, {lib.kpis} KPIs)")
