"""``bsc close``, ``reopen`` and ``periods``: locking a review period once the board has seen it."""

from __future__ import annotations

import click

from .common import STORE_OPTION, handles_errors

SCORECARD_OPTION = click.option("--scorecard", "scorecard", default=None,
                                help="Scorecard id (default: every scorecard of the store).")


def _scorecards(store: object, scorecard: str | None) -> list[str]:
    from ..model.plan import require_scorecard, top_down

    cards = store.read("scorecards")  # type: ignore[attr-defined]
    if scorecard is not None:
        require_scorecard(cards, scorecard)
        return [scorecard]
    return top_down(cards)


@click.command()
@STORE_OPTION
@click.option("--period", required=True, help="The period to close, e.g. 2026Q2 (its months close with it).")
@SCORECARD_OPTION
@click.option("--reason", default="", help="Why, e.g. 'board pack sent 2026-07-15' (kept in the history).")
@handles_errors
def close(store_path: str, period: str, scorecard: str | None, reason: str) -> None:
    """Close a review period: its actuals, targets and comments (and its sub-periods') can no longer change."""
    from ..store import Store

    store = Store.open(store_path)
    done = []
    for sid in _scorecards(store, scorecard):
        if not _is_closed(store, sid, period):
            store.close_period(period, scorecard=sid, reason=reason)
            done.append(sid)
    if not done:
        click.echo(f"{period} was already closed for {scorecard or 'every scorecard'}; nothing changed.")
        return
    click.echo(f"Closed {period} for {', '.join(done)}: its actuals, targets and comments are locked. Reopen with "
               f"`bsc reopen --store {store_path} --period {period} --reason \"...\"`.")


def _is_closed(store: object, scorecard: str, period: str) -> bool:
    from ..store.store import moment_period

    closed = store.closed_periods(scorecard=scorecard)  # type: ignore[attr-defined]
    return bool((closed["period"] == moment_period(period)).any())


@click.command()
@STORE_OPTION
@click.option("--period", required=True, help="The closed period to reopen, e.g. 2026Q2.")
@SCORECARD_OPTION
@click.option("--reason", required=True, help="Why it is reopened (kept in the history with who did it).")
@handles_errors
def reopen(store_path: str, period: str, scorecard: str | None, reason: str) -> None:
    """Reopen a closed period so that its data can be corrected (who and why go into the history)."""
    from ..errors import InputError
    from ..store import Store

    store = Store.open(store_path)
    wanted = _scorecards(store, scorecard)
    closed = [sid for sid in wanted if _is_closed(store, sid, period)]
    if not closed:
        raise InputError(f"period {period} is not closed for {scorecard or 'any scorecard'}. Fix: see "
                         f"`bsc periods --store {store_path}`.")
    for sid in closed:
        store.reopen_period(period, scorecard=sid, reason=reason)
    click.echo(f"Reopened {period} for {', '.join(closed)} ({reason}). `bsc history --store {store_path} "
               "closed_periods` shows who closed and reopened it.")


@click.command()
@STORE_OPTION
@SCORECARD_OPTION
@handles_errors
def periods(store_path: str, scorecard: str | None) -> None:
    """List each scorecard's review periods with data, open or closed (by whom, when and why)."""
    from ..model.periods import FREQUENCIES
    from ..model.plan import data_periods, within
    from ..store import Store

    store = Store.open(store_path)
    frames = store.read_all()
    closed = store.closed_periods()
    for sid in _scorecards(store, scorecard):
        card = frames["scorecards"].set_index("scorecard_id").loc[sid]
        mine = closed[(closed["scorecard_id"] == sid).to_numpy(dtype=bool)]
        shown = sorted(set(data_periods(frames, sid)) | set(mine["period"]))
        click.echo(f"{sid} — {card['name']} ({FREQUENCIES.get(str(card['review_frequency']), '')} reviews)")
        if not shown:
            click.echo("  (no actuals yet)")
        for period in shown:
            row = mine[(mine["period"] == period).to_numpy(dtype=bool)]
            if len(row):
                r = row.iloc[0]
                why = f": {r['reason']}" if isinstance(r["reason"], str) and r["reason"] else ""
                click.echo(f"  {period:8} closed by {r['closed_by']} on {r['closed_at']:%Y-%m-%d %H:%M} UTC{why}")
            else:
                inside = next((str(p) for p in mine["period"] if within(period, p)), None)
                click.echo(f"  {period:8} {'closed (within ' + inside + ')' if inside else 'open'}")
