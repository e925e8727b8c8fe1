"""``bsc diff``: what changed between two review periods (scores, statuses) or two times (the plan itself)."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from typing import Any

import click

from .common import AS_OF_OPTION, STORE_OPTION, handles_errors

FORMS = ("a review period (2026Q3, 2026-09, 2026)", "a time (YYYY-MM-DD, 'YYYY-MM-DD HH:MM' or ISO 8601)",
         "'now'", "a report's .results.json file (the versions it read)", "a version number with --table")
"""What --from and --to accept, in the words of the usage errors."""


@dataclass(frozen=True)
class Endpoint:
    """One side of a diff: a review period, or a reading of the store (a version of each table)."""

    label: str
    period: str | None = None
    versions: dict[str, int] | None = None


def _endpoint(text: str, option: str, store: Any, tables: tuple[str, ...]) -> Endpoint:
    from pathlib import Path

    from ..model.parse import moment
    from ..model.periods import parse_period
    from ..reports.pinning import RESULTS_SUFFIX, load_results
    from ..store.diff import versions_at

    value = text.strip()
    try:
        return Endpoint(value, period=str(parse_period(value)))
    except ValueError:
        pass
    if value.lower() == "now":
        return Endpoint("now", versions={name: store.version(name) for name in tables})
    if value.isdigit():
        if len(tables) != 1:
            raise click.BadParameter(f"{value!r} is a version number, which belongs to one table: add --table NAME "
                                     "(e.g. --table actuals), or give a time instead", param_hint=option)
        return Endpoint(f"{tables[0]} version {value}", versions={tables[0]: int(value)})
    if value.endswith(RESULTS_SUFFIX) or Path(value).is_file():
        pin = load_results(value)["pin"]
        versions = {name: int(v) for name, v in pin.get("versions", {}).items() if name in tables}
        if not versions:
            raise click.BadParameter(f"{value}: this report read the embedded sample, not a store, so it pins no "
                                     "table versions; give a time instead", param_hint=option)
        return Endpoint(f"the data of {Path(value).name}", versions=versions)
    found = moment(value)
    if found is None:
        raise click.BadParameter(f"{value!r} is none of: {'; '.join(FORMS)}", param_hint=option)
    return Endpoint(found.strftime("%Y-%m-%d %H:%M:%S UTC"), versions=versions_at(store, found, tables))


@click.command()
@STORE_OPTION
@click.option("--from", "from_", required=True, metavar="PERIOD|TIME|FILE",
              help="Where to start: a review period (then --to is one too: score and status changes), or a time, "
                   "a report's .results.json file, or a version number with --table (plan changes).")
@click.option("--to", "to", default="now", show_default=True, metavar="PERIOD|TIME|FILE",
              help="Where to end: a review period, or a time, 'now', a .results.json file or a version number.")
@click.option("--scorecard", default=None, help="Only this scorecard (period diffs: and its departments' scores).")
@click.option("--table", "tables", multiple=True, metavar="TABLE",
              help="Plan diffs: only this table (repeat for several); needed for version numbers.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True,
              help="table: readable, biggest movers first; csv / json: every row.")
@click.option("--all", "show_all", is_flag=True, help="table: list every change (default: the first 20 of each "
                                                       "level or table).")
@AS_OF_OPTION
@handles_errors
def diff(store_path: str, from_: str, to: str, scorecard: str | None, tables: tuple[str, ...], fmt: str,
         show_all: bool, as_of: Any) -> None:
    """Say what changed between two review periods, or in the plan between two times.

    Two periods (`--from 2026Q2 --to 2026Q3`): the score and status of every KPI,
    objective, perspective and scorecard in each, ranked by movement: status changes
    first, then the biggest score changes (--as-of scores them from the data as it was
    then).  Two times, report results files or versions: the records added, removed and
    changed in between, field by field, with who saved each change and when.
    """
    from ..model.plan import require_scorecard
    from ..store import Store
    from ..store.diff import DIFF_TABLES

    unknown = [t for t in tables if t not in DIFF_TABLES]
    if unknown:
        raise click.BadParameter(f"unknown table {', '.join(unknown)}; tables are: {', '.join(DIFF_TABLES)}",
                                 param_hint="--table")
    store = Store.open(store_path)
    if scorecard is not None:
        require_scorecard(store.read("scorecards"), scorecard)
    chosen = tuple(tables) or DIFF_TABLES
    start, end = _endpoint(from_, "--from", store, chosen), _endpoint(to, "--to", store, chosen)
    if (start.period is None) != (end.period is None):
        period, other = (from_, to) if start.period else (to, from_)
        raise click.BadParameter(f"{period!r} is a review period but {other!r} is not: compare two periods (score "
                                 "and status changes) or two times (plan changes)", param_hint="--from / --to")
    limit = None if show_all else 20
    if start.period is not None and end.period is not None:
        _periods(store, start.period, end.period, scorecard, fmt, limit, as_of)
    else:
        assert start.versions is not None and end.versions is not None
        _plan(store, start, end, scorecard, fmt, limit)


def _periods(store: Any, start: str, end: str, scorecard: str | None, fmt: str, limit: int | None,
             as_of: Any) -> None:
    from ..render.diff_text import period_diff_as_text
    from ..scoring.diff import period_diff

    found = period_diff(store.read_all(as_of=as_of), start, end, scorecard)
    if fmt == "table":
        click.echo(period_diff_as_text(found, limit), nl=False)
    elif fmt == "csv":
        click.echo(found.changes.to_csv(index=False), nl=False)
    else:
        click.echo(json.dumps({"from": found.from_period, "to": found.to_period,
                               "changes": json.loads(found.changes.to_json(orient="records"))}, indent=2))


def _plan(store: Any, start: Endpoint, end: Endpoint, scorecard: str | None, fmt: str, limit: int | None) -> None:
    from ..render.diff_text import plan_diff_as_text
    from ..store.diff import ABSENT, plan_diff

    assert start.versions is not None and end.versions is not None
    names = [name for name in start.versions if name in end.versions]
    if not names:
        click.echo("Error: the two sides name no table in common (a report pins the plan tables only).", err=True)
        sys.exit(2)
    before = {n: start.versions[n] for n in names}
    after = {n: end.versions[n] for n in names}
    found = plan_diff(store, before, after, names, scorecard=scorecard)
    if fmt == "table":
        readings = {n: (before[n], after[n]) for n in names if before[n] != after[n] or before[n] == ABSENT}
        click.echo(plan_diff_as_text(found, start.label, end.label, readings, limit), nl=False)
    elif fmt == "csv":
        click.echo(found.to_csv(index=False), nl=False)
    else:
        records = json.loads(found.to_json(orient="records", date_format="iso"))
        click.echo(json.dumps({"from": start.label, "to": end.label, "versions": {"from": before, "to": after},
                               "changes": records}, indent=2, default=str))
