"""``bsc lint``, ``bsc score`` and ``bsc due``: SMART findings, scored review periods, who owes what."""

from __future__ import annotations

import sys
from typing import Any

import click

from .common import AS_OF_OPTION, STORE_OPTION, handles_errors


@click.command()
@STORE_OPTION
@click.option("--scorecard", default=None, help="Scorecard id (default: every scorecard).")
@click.option("--today", default=None, metavar="YYYY-MM-DD",
              help="Date that decides what is overdue (default: today).")
@handles_errors
def lint(store_path: str, scorecard: str | None, today: str | None) -> None:
    """Check objectives, KPIs and action plans against SMART rules (exit 1 if any error).

    Findings are listed record by record: level, SMART letter (Specific, Measurable,
    Achievable, Relevant, Time-bound), what is wrong and how to fix it; then the KPIs
    whose targets are incomplete in a review period (warnings: that period is not scored).
    """
    import datetime as dt

    import pandas as pd

    from ..scoring.gaps import incomplete_targets
    from ..smart import LEVELS, check_smart, subject_label
    from ..store import Store

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
    gaps = incomplete_targets(frames, scorecard)
    if len(gaps):
        rows = [{"level": "warning", "letter": "M", "scorecard_id": g.scorecard_id, "subject_type": "kpi",
                 "subject_id": g.kpi_id, "check": "targets_incomplete",
                 "message": f"Targets of {g.period} are incomplete: {g.target_gap_periods} has an actual but no "
                            f"target, so {g.period} is not scored",
                 "remedy": f"Enter the target of {g.target_gap_periods} (with its red flag, or the band)"}
                for g in gaps.itertuples(index=False)]
        click.echo("Targets:")
        for row in rows:
            click.echo(f"[{row['scorecard_id']}] KPI {row['subject_id']}: [warning] {row['letter']}  {row['message']}"
                       f"  → {row['remedy']}")
        click.echo("")
        findings = pd.concat([findings, pd.DataFrame(rows)], ignore_index=True)
    counts = findings["level"].value_counts()
    parts = [f"{int(counts.get(level, 0))} {level}" + ("s" if level != "info" and counts.get(level, 0) != 1 else "")
             for level in LEVELS]
    cards = frames["scorecards"]["scorecard_id"].nunique()
    checked = f"scorecard {scorecard}" if scorecard else f"{cards} scorecard" + ("" if cards == 1 else "s")
    click.echo(f"Summary: {', '.join(parts)} in {checked}."
               + ("" if len(findings) else " Every objective, KPI and action plan passes the SMART checks."))
    if counts.get("error", 0):
        sys.exit(1)


@click.command()
@STORE_OPTION
@click.option("--period", "periods", required=True, multiple=True,
              help="Review period: 2026Q3 (quarter), 2026-09 (month) or 2026 (year). Repeat for several.")
@click.option("--scorecard", default=None, help="Scorecard id (default: every scorecard).")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True,
              help="table: readable report; csv / json: every result row, with a 'level' column.")
@AS_OF_OPTION
@handles_errors
def score(store_path: str, periods: tuple[str, ...], scorecard: str | None, fmt: str, as_of: Any) -> None:
    """Score review periods: KPI results, objective, perspective and scorecard roll-ups.

    See docs/scoring.md for the rules (scores 0-10, statuses, coverage, trend, forecast).
    With --as-of the plan is scored as the store held it then.
    """
    from ..render.text import review_as_records, review_as_text
    from ..scoring import score_review
    from ..store import Store

    review = score_review(Store.open(store_path).read_all(as_of=as_of), list(periods), scorecard)
    if fmt == "table":
        click.echo(review_as_text(review))
        return
    if fmt == "csv":
        click.echo(review_as_records(review).to_csv(index=False), nl=False)
    else:
        import json

        by_level = {level: json.loads(frame.to_json(orient="records")) for level, frame in review.tables().items()}
        lineage = json.loads(review.lineage.to_json(orient="records"))
        click.echo(json.dumps({"periods": review.periods, **by_level, "lineage": lineage}, indent=2))


@click.command()
@STORE_OPTION
@click.option("--period", required=True,
              help="Review period the actuals and comments are owed for: 2026Q3, 2026-09 or 2026.")
@click.option("--owner", default=None,
              help="Only what this person owes (part of the name is enough, e.g. 'Lena Hoffmann').")
@click.option("--scorecard", default=None, help="Scorecard id (default: every scorecard).")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True,
              help="table: per owner, in words; csv / json: one row per item owed.")
@click.option("--today", default=None, metavar="YYYY-MM-DD",
              help="Date that decides what is overdue and which periods are over (default: today).")
@handles_errors
def due(store_path: str, period: str, owner: str | None, scorecard: str | None, fmt: str,
        today: str | None) -> None:
    """Who owes what for a review period (exit 1 when anything is owed, so a scheduler can act).

    Per owner: the KPIs whose actual for the period is missing (periods that are over), the
    targets missing for coming periods up to the horizon's end, the tasks and initiatives
    overdue, and the analysis comments asked for (a red KPI with no analysis for the period).
    """
    import datetime as dt

    from ..render.html import due_groups
    from ..scoring.due import due as due_list
    from ..store import Store

    try:
        day = dt.date.fromisoformat(today) if today else dt.date.today()
    except ValueError:
        raise click.BadParameter(f"{today!r} is not a date; write it as YYYY-MM-DD, e.g. 2026-11-24",
                                 param_hint="--today") from None
    items = due_list(Store.open(store_path).read_all(), period, day, scorecard, owner)
    if fmt == "table":
        owners = due_groups(items)
        whose = f" matching '{owner.strip()}'" if owner else ""
        click.echo(f"Due for {period.strip()} (as of {day:%d %b %Y}): "
                   + (f"{len(items)} item{'s' if len(items) != 1 else ''} owed by {len(owners)} owner"
                      f"{'s' if len(owners) != 1 else ''}{whose}." if len(items) else
                      f"nothing is owed{' by owners' + whose if owner else ''}."))
        for name, lines in owners:
            click.echo(f"\n{name} ({len(lines)} item{'s' if len(lines) != 1 else ''})")
            for line in lines:
                click.echo(f"  - {line}")
    else:
        rows = items.assign(due=[d.isoformat() if hasattr(d, "isoformat") else None for d in items["due"]])
        if fmt == "csv":
            from ..io.csv_safe import neutralise_frame

            click.echo(neutralise_frame(rows).to_csv(index=False), nl=False)
        else:
            import json

            click.echo(json.dumps({"period": period.strip(), "today": day.isoformat(),
                                   "items": rows.to_dict("records")}, indent=2, ensure_ascii=False))
    if len(items):
        sys.exit(1)
