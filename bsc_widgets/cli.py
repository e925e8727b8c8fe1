"""The ``bsc`` command line.

Exit codes: 0 success; 1 the command ran but found problems or could not finish
(invalid data, a save conflict, a damaged table); 2 the command was called wrongly
(unknown option, table, scorecard or period; a path that is not a store).
"""

from __future__ import annotations

import sys

import click
import pandas as pd

from . import __version__
from .cli_common import STORE_OPTION, TABLE_ARGUMENT, handles_errors
from .schema import PLAN_TABLES, to_markdown
from .store import Store


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", "-V", prog_name="bsc")
def main() -> None:
    """bsc-widgets: Balanced Scorecard planning and review from the command line.

    A store is a folder of Delta Lake tables holding one or more scorecards.
    Start with `bsc init DIR --sample` to get the example organisation.
    """


@main.command()
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
    if template is not None:
        from .libraries import load_library

        load_library(template)  # a wrong name fails before the store is created
    store = Store.create(directory)
    message = f"Created store {store.location} (schema version {store.schema_version})."
    if sample:
        from .samples import load_sample

        results = load_sample(store)
        counts = ", ".join(f"{r.inserted} {r.table}" for r in results if r.inserted)
        message += f"\nLoaded the sample organisation: {counts}."
    if template is not None:
        from .libraries import start_scorecard

        results = start_scorecard(store, template, scorecard_id=scorecard_id, name=name)
        counts = ", ".join(f"{r.inserted} {r.table}" for r in results if r.inserted)
        message += f"\nStarted scorecard '{scorecard_id}' from KPI library {template}: {counts}."
    click.echo(message)


@main.command()
@STORE_OPTION
@handles_errors
def validate(store_path: str) -> None:
    """Check every table of the store; list all problems (exit 1 if any)."""
    store = Store.open(store_path)
    problems = store.validate()
    frames = store.read_all()
    summary = ", ".join(f"{len(frames[t])} {t}" for t in PLAN_TABLES)
    if problems:
        click.echo(f"{len(problems)} problem(s) in {store.location}:")
        for problem in problems:
            click.echo(f"  - {problem}")
        sys.exit(1)
    click.echo(f"OK: {store.location} is valid ({summary}).")


@main.command()
@STORE_OPTION
@TABLE_ARGUMENT
@click.option("--limit", type=click.IntRange(min=1), default=None, help="Show only the newest N versions.")
@handles_errors
def history(store_path: str, table_name: str, limit: int | None) -> None:
    """List the change history of TABLE: version, time, operation and who."""
    frame = Store.open(store_path).history(table_name)
    if limit:
        frame = frame.head(limit)
    frame["time"] = frame["time"].dt.strftime("%Y-%m-%d %H:%M:%S UTC")
    click.echo(frame.to_string(index=False))


@main.command()
@STORE_OPTION
@TABLE_ARGUMENT
@click.option("--scorecard", default=None, help="Only records of this scorecard.")
@click.option("--version", "version", type=click.IntRange(min=0), default=None,
              help="Read the table as it was at this version (see `bsc history`).")
@click.option("--as-of", default=None, help="Read the table as it was at this time, e.g. 2026-03-31T12:00Z.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv"]), default="table", show_default=True)
@handles_errors
def read(store_path: str, table_name: str, scorecard: str | None, version: int | None, as_of: str | None,
         fmt: str) -> None:
    """Print the records of TABLE, now or as of an earlier version or time."""
    if version is not None and as_of is not None:
        raise click.UsageError("give either --version or --as-of, not both")
    frame = Store.open(store_path).read(table_name, scorecard=scorecard, version=version, as_of=as_of)
    if fmt == "csv":
        click.echo(frame.to_csv(index=False), nl=False)
    else:
        with pd.option_context("display.max_columns", None, "display.width", 200,
                               "display.max_colwidth", 40):
            click.echo(frame.to_string(index=False) if len(frame) else f"(no records in {table_name})")


@main.command()
@STORE_OPTION
@TABLE_ARGUMENT
@click.option("--version", "version", type=click.IntRange(min=0), required=True,
              help="Version to make current again (see `bsc history`).")
@handles_errors
def restore(store_path: str, table_name: str, version: int) -> None:
    """Make an earlier version of TABLE current again (recorded as a new version)."""
    result = Store.open(store_path).restore(table_name, version)
    click.echo(f"Restored {table_name} to the content of version {version} (now version {result.version}).")


@main.command()
@STORE_OPTION
@click.option("--scorecard", default=None, help="Scorecard id (default: every scorecard, top first).")
@handles_errors
def show(store_path: str, scorecard: str | None) -> None:
    """Print a scorecard: vision, mission, objectives by perspective, KPIs and action plans."""
    from .describe import describe_scorecard

    frames = Store.open(store_path).read_all()
    ids = [scorecard] if scorecard else _top_down(frames["scorecards"])
    texts = [describe_scorecard(frames, sid) for sid in ids]
    click.echo("\n\n".join(texts) if texts else "The store holds no scorecard yet.")


def _top_down(scorecards: pd.DataFrame) -> list[str]:
    depth: dict[str, int] = {}
    parents = dict(zip(scorecards["scorecard_id"], scorecards["parent_id"], strict=True))
    for sid in parents:
        node, steps = sid, 0
        while isinstance(parents.get(node), str) and steps <= len(parents):
            node, steps = parents[node], steps + 1
        depth[sid] = steps
    return sorted(parents, key=lambda s: (depth[s], s))


@main.command()
def schema() -> None:
    """Print the data model (every table and column) as Markdown."""
    click.echo(to_markdown(), nl=False)


@main.command()
@STORE_OPTION
@click.option("--scorecard", default=None, help="Scorecard id (default: every scorecard).")
@click.option("--today", default=None, metavar="YYYY-MM-DD",
              help="Date that decides what is overdue (default: today).")
@handles_errors
def lint(store_path: str, scorecard: str | None, today: str | None) -> None:
    """Check objectives, KPIs and action plans against SMART rules (exit 1 if any error).

    Findings are listed record by record: level, SMART letter (Specific, Measurable,
    Achievable, Relevant, Time-bound), what is wrong and how to fix it.
    """
    import datetime as dt

    from .smart import LEVELS, check_smart, subject_label

    try:
        day = dt.date.fromisoformat(today) if today else None
    except ValueError:
        raise click.BadParameter(f"{today!r} is not a date; write it as YYYY-MM-DD, e.g. 2026-11-24",
                                 param_hint="--today") from None
    frames = Store.open(store_path).read_all()
    findings = check_smart(frames, scorecard, today=day)
    subject = ["scorecard_id", "subject_type", "subject_id"]
    for (sid, kind, rid), group in findings.groupby(subject, sort=False):
        label = subject_label(frames, str(kind), str(rid), str(sid))
        click.echo(f"[{sid}] {label}")
        for row in group.itertuples(index=False):
            click.echo(f"  [{row.level}] {row.letter}  {row.message}  → {row.remedy}")
        click.echo("")
    counts = findings["level"].value_counts()
    parts = [f"{int(counts.get(level, 0))} {level}" + ("s" if level != "info" and counts.get(level, 0) != 1 else "")
             for level in LEVELS]
    cards = frames["scorecards"]["scorecard_id"].nunique()
    checked = f"scorecard {scorecard}" if scorecard else f"{cards} scorecard" + ("" if cards == 1 else "s")
    click.echo(f"Summary: {', '.join(parts)} in {checked}."
               + ("" if len(findings) else " Every objective, KPI and action plan passes the SMART checks."))
    if counts.get("error", 0):
        sys.exit(1)


@main.command()
@STORE_OPTION
@click.option("--period", "periods", required=True, multiple=True,
              help="Review period: 2026Q3 (quarter), 2026-09 (month) or 2026 (year). Repeat for several.")
@click.option("--scorecard", default=None, help="Scorecard id (default: every scorecard).")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True,
              help="table: readable report; csv / json: every result row, with a 'level' column.")
@handles_errors
def score(store_path: str, periods: tuple[str, ...], scorecard: str | None, fmt: str) -> None:
    """Score review periods: KPI results, objective, perspective and scorecard roll-ups.

    See docs/scoring.md for the rules (scores 0-10, statuses, coverage, trend, forecast).
    """
    from .review import score_review
    from .score_report import review_as_records, review_as_text

    review = score_review(Store.open(store_path).read_all(), list(periods), scorecard)
    if fmt == "table":
        click.echo(review_as_text(review))
        return
    if fmt == "csv":
        click.echo(review_as_records(review).to_csv(index=False), nl=False)
    else:
        import json

        by_level = {level: json.loads(frame.to_json(orient="records")) for level, frame in review.tables().items()}
        click.echo(json.dumps({"periods": review.periods, **by_level}, indent=2))


from .cli_data import export_, import_, templates  # noqa: E402

main.add_command(import_)
main.add_command(export_)
main.add_command(templates)

from .cli_reports import report  # noqa: E402

main.add_command(report)

from .cli_app import lab, workshop  # noqa: E402

main.add_command(lab)
main.add_command(workshop)
