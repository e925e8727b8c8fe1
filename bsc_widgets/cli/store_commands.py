"""``bsc init``, ``validate``, ``history``, ``read``, ``restore``, ``compact``, ``repair``, ``migrate``, ``show`` and
``schema``: a store and its tables."""

from __future__ import annotations

import sys
from typing import Any

import click

from .common import ANY_TABLE_ARGUMENT, AS_OF_OPTION, STORE_OPTION, TABLE_ARGUMENT, handles_errors


@click.command()
@click.argument("directory", type=click.Path(file_okay=False))
@click.option("--sample", is_flag=True, help="Load the embedded sample organisation (Alder & Finch).")
@click.option("--template", default=None, metavar="NAME",
              help="Start a scorecard from a KPI library (see `bsc templates`), or a library .toml file.")
@click.option("--scorecard", "scorecard_id", default="org", show_default=True,
              help="With --template: id of the new scorecard.")
@click.option("--name", default=None, help="With --template: name of the new scorecard (default: the library's).")
@handles_errors
def init(directory: str, sample: bool, template: str | None, scorecard_id: str, name: str | None) -> None:
    """Create a new, empty store in DIRECTORY (optionally with the sample organisation)."""
    from ..store import Store

    if template is not None:
        from ..io.libraries import load_library

        load_library(template)  # a wrong name fails before the store is created
    store = Store.create(directory)
    message = f"Created store {store.location} (schema version {store.schema_version})."
    if sample:
        from ..io.samples import load_sample

        results = load_sample(store)
        counts = ", ".join(f"{r.inserted} {r.table}" for r in results if r.inserted)
        message += f"\nLoaded the sample organisation: {counts}."
    if template is not None:
        from ..io.libraries import start_scorecard

        results = start_scorecard(store, template, scorecard_id=scorecard_id, name=name)
        counts = ", ".join(f"{r.inserted} {r.table}" for r in results if r.inserted)
        message += f"\nStarted scorecard '{scorecard_id}' from KPI library {template}: {counts}."
    click.echo(message)


SHOWN_PROBLEMS = 20
"""Problems `bsc validate` lists one by one (the summary counts them all; --all lists every one)."""


@click.command()
@STORE_OPTION
@click.option("--all", "show_all", is_flag=True, help=f"List every problem (default: the first {SHOWN_PROBLEMS}).")
@handles_errors
def validate(store_path: str, show_all: bool) -> None:
    """Check every table of the store; summarise and list the problems (exit 1 if any).

    Besides each record and the references between tables, it names every review period
    whose targets are incomplete (a month with an actual but no target while the other
    months have one): such a KPI-period is not scored.
    """
    from collections import Counter

    from ..errors import PROBLEM_CODES
    from ..model.schema import PLAN_TABLES
    from ..scoring.gaps import target_gap_problems
    from ..store import Store

    store = Store.open(store_path)
    problems = store.validate()
    frames = store.read_all()
    if not problems:  # scoring needs a consistent plan; its findings come once the plan is
        problems = target_gap_problems(frames)
    summary = ", ".join(f"{len(frames[t])} {t}" for t in PLAN_TABLES)
    if not problems:
        click.echo(f"OK: {store.location} is valid ({summary}).")
        return
    click.echo(f"{len(problems)} problem(s) in {store.location}:")
    by_table = Counter(p.table for p in problems)
    for name, count in sorted(by_table.items(), key=lambda item: (-item[1], item[0])):
        kinds = Counter(p.code for p in problems if p.table == name)
        listed = "; ".join(f"{n} × {PROBLEM_CODES.get(code, code)}" for code, n in kinds.most_common())
        click.echo(f"  {name}: {count} ({listed})")
    shown = problems if show_all else problems[:SHOWN_PROBLEMS]
    click.echo("" if show_all or len(problems) <= SHOWN_PROBLEMS else f"The first {SHOWN_PROBLEMS}:")
    for problem in shown:
        click.echo(f"  - {problem}")
    if len(shown) < len(problems):
        click.echo(f"… and {len(problems) - len(shown)} more: `bsc validate --store {store_path} --all` lists "
                   "them all.")
    sys.exit(1)


@click.command()
@STORE_OPTION
@ANY_TABLE_ARGUMENT
@click.option("--limit", type=click.IntRange(min=1), default=None, help="Show only the newest N versions.")
@handles_errors
def history(store_path: str, table_name: str, limit: int | None) -> None:
    """List the change history of TABLE: version, time, operation and who."""
    from ..store import Store

    frame = Store.open(store_path).history(table_name)
    if limit:
        frame = frame.head(limit)
    frame["time"] = frame["time"].dt.strftime("%Y-%m-%d %H:%M:%S UTC")
    click.echo(frame.to_string(index=False))


@click.command()
@STORE_OPTION
@ANY_TABLE_ARGUMENT
@click.option("--scorecard", default=None, help="Only records of this scorecard.")
@click.option("--version", "version", type=click.IntRange(min=0), default=None,
              help="Read the table as it was at this version (see `bsc history`).")
@AS_OF_OPTION
@click.option("--format", "fmt", type=click.Choice(["table", "csv"]), default="table", show_default=True)
@handles_errors
def read(store_path: str, table_name: str, scorecard: str | None, version: int | None, as_of: Any,
         fmt: str) -> None:
    """Print the records of TABLE, now or as of an earlier version or time."""
    if version is not None and as_of is not None:
        raise click.UsageError("give either --version or --as-of, not both")
    import pandas as pd

    from ..store import Store

    frame = Store.open(store_path).read(table_name, scorecard=scorecard, version=version, as_of=as_of)
    if fmt == "csv":
        click.echo(frame.to_csv(index=False), nl=False)
    else:
        with pd.option_context("display.max_columns", None, "display.width", 200,
                               "display.max_colwidth", 40):
            click.echo(frame.to_string(index=False) if len(frame) else f"(no records in {table_name})")


@click.command()
@STORE_OPTION
@TABLE_ARGUMENT
@click.option("--version", "version", type=click.IntRange(min=0), required=True,
              help="Version to make current again (see `bsc history`).")
@click.option("--expect-current", "based_on", type=click.IntRange(min=0), default=None, metavar="N",
              help="The newest version `bsc history` showed you: if anyone saved after it, list what changed "
                   "and restore nothing.")
@click.option("--yes", is_flag=True, help="Restore even when every record of the table would disappear.")
@handles_errors
def restore(store_path: str, table_name: str, version: int, based_on: int | None, yes: bool) -> None:
    """Make an earlier version of TABLE current again (recorded as a new version)."""
    from ..store import Store

    store = Store.open(store_path)
    old, now = store.read(table_name, version=version), store.read(table_name)
    if old.empty and len(now) and not yes:
        what = "the empty table the store was created with" if version == 0 else "a version without records"
        click.echo(f"Error: version {version} of {table_name} is {what}: restoring it would remove all {len(now)} "
                   f"record(s). Nothing was changed. Fix: pick another version (`bsc history --store {store_path} "
                   f"{table_name}`), or add --yes if you mean to empty the table.", err=True)
        sys.exit(1)
    result = store.restore(table_name, version, based_on=based_on)
    click.echo(f"Restored {table_name} to the content of version {version} (now version {result.version}): "
               f"{result.inserted} record(s) back, {result.updated} changed, {result.deleted} removed, "
               f"{result.unchanged} unchanged.")


@click.command()
@STORE_OPTION
@click.option("--keep-days", type=click.FloatRange(min=0), default=None, metavar="DAYS",
              help="Keep only this many days of history: older versions can no longer be read "
                   "[default: keep the full history].")
@click.option("--dry-run", is_flag=True, help="List what would be removed; change nothing.")
@handles_errors
def compact(store_path: str, keep_days: float | None, dry_run: bool) -> None:
    """Merge small files and checkpoint every table; with --keep-days, drop older history.

    Every save keeps the files of the version it replaced, so that any version can be read
    again. Run this now and then to keep the store small; without --keep-days nothing
    that a version needs is removed.
    """
    import datetime as dt

    from ..store import Store

    keep = None if keep_days is None else dt.timedelta(days=keep_days)
    report = Store.open(store_path).compact(keep=keep, dry_run=dry_run)
    click.echo(report.as_text())


@click.command()
@STORE_OPTION
@click.option("--dry-run", is_flag=True, help="Only list what the upgrade would change; change nothing.")
@handles_errors
def migrate(store_path: str, dry_run: bool) -> None:
    """Upgrade a store written by an older bsc-widgets to this version's schema, in place.

    Each table that changes gets one new version (its history says 'upgrade to schema
    version N'), so what the store held before stays readable with --as-of. Opening a
    store with any other command upgrades it the same way; this command says what
    changes, and with --dry-run changes nothing. A store that is current: nothing to do.
    """
    from ..store import Store
    from ..store.migration import summary

    store = Store.open(store_path, upgrade=False)
    found = store.schema_version
    pending = store.pending_upgrade() if dry_run else store.upgrade()
    click.echo(summary(store.location, found, pending, done=not dry_run))


@click.command()
@STORE_OPTION
@click.option("--dry-run", is_flag=True, help="Only say what is damaged and how it would be mended.")
@handles_errors
def repair(store_path: str, dry_run: bool) -> None:
    """Find damaged tables and mend them (exit 1 if a dry run finds damage).

    An unreadable newest log entry is set aside (into _bsc_damaged/, not deleted) and the
    table goes back to its last good version; a newest version whose data files cannot be
    read is replaced by the last readable one; commits whose log entries were deleted are
    reported, and accepted as lost.
    """
    from ..store import Store

    found = Store.for_repair(store_path).repair(dry_run=dry_run)
    damaged = [h for h in found if not h.ok]
    for health in found:
        click.echo(("  " if health.ok else "! ") + health.describe())
    if not damaged:
        click.echo("Every table reads at its newest version: nothing to mend.")
    elif dry_run:
        click.echo(f"{len(damaged)} damaged table(s). Dry run: nothing was changed; run without --dry-run to mend.")
        sys.exit(1)
    else:
        click.echo(f"Mended {len(damaged)} table(s); `bsc validate --store {store_path}` checks the plan again.")


@click.command()
@STORE_OPTION
@click.option("--scorecard", default=None, help="Scorecard id (default: every scorecard, top first).")
@handles_errors
def show(store_path: str, scorecard: str | None) -> None:
    """Print a scorecard: vision, mission, objectives by perspective, KPIs and action plans."""
    from ..model.plan import top_down
    from ..render.text import describe_scorecard
    from ..store import Store

    frames = Store.open(store_path).read_all()
    ids = [scorecard] if scorecard else top_down(frames["scorecards"])
    texts = [describe_scorecard(frames, sid) for sid in ids]
    click.echo("\n\n".join(texts) if texts else "The store holds no scorecard yet.")


@click.command()
def schema() -> None:
    """Print the data model (every table and column) as Markdown."""
    from ..model.schema import to_markdown

    click.echo(to_markdown(), nl=False)
