"""``bsc candidates / propose / comment / vote / decide / signoff``: stakeholders' part of the workshop.

The same saves as the workshop app's "Propose, vote and sign off" step, for scripts and
for facilitators who collect proposals by e-mail or on paper.
"""

from __future__ import annotations

import click

from .common import STORE_OPTION, handles_errors

SCORECARD_OPTION = click.option("--scorecard", required=True, help="Scorecard id, e.g. org.")
USER_OPTION = click.option("--user", default=None, help="Who does it (default: the login name or BSC_USER).")


@click.command()
@STORE_OPTION
@SCORECARD_OPTION
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True)
@handles_errors
def candidates(store_path: str, scorecard: str, fmt: str) -> None:
    """List the scorecard's candidates, most dots first, and who signed off the plan."""
    from ..model.collaboration import ranking, signoff_state
    from ..model.plan import require_scorecard
    from ..store import Store

    frames = Store.open(store_path).read_all()
    require_scorecard(frames["scorecards"], scorecard)
    ranked = ranking(frames, scorecard)
    if fmt == "csv":
        click.echo(ranked.to_csv(index=False), nl=False)
        return
    if fmt == "json":
        click.echo(ranked.to_json(orient="records", force_ascii=False, indent=2))
        return
    if ranked.empty:
        click.echo(f"No candidates in {scorecard} yet: propose one with `bsc propose`.")
    for row in ranked.itertuples(index=False):
        click.echo(f"{row.candidate_id:>8}  {row.dots:>3} dots from {row.voters} "
                   f"{'person' if row.voters == 1 else 'people'}  [{row.status}] {row.kind}: {row.title} "
                   f"({row.where}; proposed by {row.proposed_by}; "
                   f"{row.comments} comment{'' if row.comments == 1 else 's'})")
    signed = signoff_state(frames, scorecard)
    for row in signed.itertuples(index=False):
        state = "this plan" if row.current else "an earlier version of the plan"
        click.echo(f"Sign-off {row.number}: {row.signed_by} — {row.decision} — {row.signed_at:%Y-%m-%d %H:%M} UTC "
                   f"({state}, fingerprint {row.plan_fingerprint})")


@click.command()
@STORE_OPTION
@SCORECARD_OPTION
@click.option("--objective", "kind", flag_value="objective", default=True, help="Propose an objective (default).")
@click.option("--kpi", "kind", flag_value="kpi", help="Propose a KPI.")
@click.option("--title", required=True, help="The proposal as a short statement.")
@click.option("--description", default=None, help="Why it matters, or how it would be measured.")
@click.option("--perspective", default=None, help="Perspective of a proposed objective, e.g. customer.")
@click.option("--measures", "objective", default=None, help="Objective a proposed KPI would measure, e.g. P2.")
@USER_OPTION
@handles_errors
def propose(store_path: str, scorecard: str, kind: str, title: str, description: str | None,
            perspective: str | None, objective: str | None, user: str | None) -> None:
    """Propose a candidate objective or KPI; prints its id."""
    from ..store import Store, proposals

    new_id = proposals.propose(Store.open(store_path), scorecard, kind, title, description=description,
                               perspective=perspective, objective=objective, user=user)
    click.echo(f"Proposed {new_id}: {title}")


@click.command()
@STORE_OPTION
@click.argument("candidate_id", metavar="CANDIDATE")
@click.argument("text")
@USER_OPTION
@handles_errors
def comment(store_path: str, candidate_id: str, text: str, user: str | None) -> None:
    """Add a comment to a candidate's discussion."""
    from ..store import Store, proposals

    proposals.comment(Store.open(store_path), candidate_id, text, user=user)
    click.echo(f"Comment added to {candidate_id}.")


@click.command()
@STORE_OPTION
@click.argument("candidate_id", metavar="CANDIDATE")
@click.argument("dots", type=click.IntRange(min=0))
@click.option("--voter", required=True, help="Who gives the dots.")
@handles_errors
def vote(store_path: str, candidate_id: str, dots: int, voter: str) -> None:
    """Give DOTS dots to a proposed candidate (0 takes the vote back); prints the dots left."""
    from ..model.collaboration import dots_left
    from ..store import Store, proposals

    store = Store.open(store_path)
    found = proposals.candidate(store, candidate_id)
    proposals.vote(store, candidate_id, dots, voter=voter)
    left = dots_left(store.read_all(), str(found["scorecard_id"]), voter)
    click.echo(f"{voter}: {dots} dots on {candidate_id}; {left} dots left.")


@click.command()
@STORE_OPTION
@click.argument("candidate_id", metavar="CANDIDATE")
@click.option("--accept/--reject", required=True, help="Take the candidate into the plan, or not.")
@click.option("--note", default=None, help="Why (required to reject).")
@click.option("--as", "new_id", default=None, help="Id of the new objective or KPI (default: the next free one).")
@USER_OPTION
@handles_errors
def decide(store_path: str, candidate_id: str, accept: bool, note: str | None, new_id: str | None,
           user: str | None) -> None:
    """Accept a candidate into the plan (it becomes an objective or KPI) or reject it with a note."""
    from ..store import Store, proposals

    outcome = proposals.decide(Store.open(store_path), candidate_id, accept=accept, note=note, new_id=new_id,
                               user=user)
    if outcome.status == "accepted":
        kind = "objective" if outcome.table == "objectives" else "KPI"
        click.echo(f"Accepted {candidate_id} into the plan as {kind} {outcome.record_id}.")
    else:
        click.echo(f"Rejected {candidate_id}.")


@click.command()
@STORE_OPTION
@SCORECARD_OPTION
@click.option("--object", "decision", flag_value="object", help="Object to the plan (say why with --note).")
@click.option("--approve", "decision", flag_value="approve", default=True, help="Approve the plan (default).")
@click.option("--note", default=None, help="A condition or an objection.")
@USER_OPTION
@handles_errors
def signoff(store_path: str, scorecard: str, decision: str, note: str | None, user: str | None) -> None:
    """Sign off the scorecard's plan as it is now (who, when and which version are kept)."""
    from ..store import Store, proposals

    store = Store.open(store_path)
    proposals.sign_off(store, scorecard, decision=decision, note=note, user=user)
    from ..model.collaboration import signoff_state

    row = signoff_state(store.read_all(), scorecard).iloc[0]
    click.echo(f"Sign-off {row['number']} by {row['signed_by']}: {row['decision']} "
               f"(plan fingerprint {row['plan_fingerprint']}).")
