"""What each workshop role may change: the one check every save of a workshop page passes.

The roles (:mod:`bsc_widgets.roster`):

- the **facilitator** may change everything;
- a **participant** takes part in step 07 and comments on results: proposes candidate
  objectives and KPIs (and edits their own while they are open), comments on candidates
  and on KPI results, gives and takes back their own dots, and signs off the plan, always
  in their own name. Changes to the plan itself (scorecards, perspectives, objectives,
  KPIs, targets, actuals, action plans) and decisions on candidates are the facilitator's;
- a **viewer** reads and changes nothing.

:class:`~bsc_widgets.store.Store` calls :func:`refusal` with every change it is about to
commit, while the kernel serves a member; the forms call :func:`may_change` to hide the
buttons a role cannot use (the store's check is what counts: a button's click can be
sent without the button).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ..roster import FACILITATOR, PARTICIPANT, Member

OWNER_COLUMN: dict[str, str] = {"candidates": "proposed_by", "discussion": "author", "votes": "voter",
                                "signoffs": "signed_by", "comments": "author"}
"""The tables a participant may change, each with the column that names whose record it is."""
EDITABLE_OWN = frozenset({"candidates", "comments", "votes"})
"""Tables whose own records a participant may also change after saving them (the others only grow)."""
REMOVABLE_OWN = frozenset({"votes"})
"""Tables whose own records a participant may remove (taking dots back)."""

VIEWER_TEXT = "you joined as a viewer, who reads the plan but does not change it."
PARTICIPANT_TEXT = ("as a participant you propose objectives and KPIs, comment, vote and sign off (step 07, "
                    "Propose and vote); the plan itself is changed by the facilitator.")
OWN_TEXT = "as a participant you change only your own proposals, comments and votes, in your own name."
DECIDE_TEXT = "only the facilitator accepts or rejects candidates."
FACILITATOR_TEXT = "only the facilitator opens, creates or restores stores and tables."


def may_change(member: Member | None, table: str) -> bool:
    """Whether ``member`` may change anything at all in ``table`` (None: no member, no limits)."""
    if member is None or member.role == FACILITATOR:
        return True
    return member.role == PARTICIPANT and table in OWNER_COLUMN


def may_decide(member: Member | None) -> bool:
    """Whether ``member`` may accept or reject candidates (and change the plan)."""
    return member is None or member.role == FACILITATOR


def _text(value: Any) -> str:
    return "" if value is None or value != value else str(value).strip()  # NaN != NaN


def refusal(member: Member | None, table: str, key: Sequence[str], new: Iterable[Mapping[str, Any]],
            old: Iterable[Mapping[str, Any]]) -> str | None:
    """Why ``member`` may not save this change of ``table`` (None when they may).

    ``new`` are the records as they will be stored (inserted or updated), ``old`` the stored
    records the change replaces or removes; ``key`` the table's key columns.
    """
    if may_decide(member):
        return None
    assert member is not None
    if not may_change(member, table):
        return VIEWER_TEXT if member.role != PARTICIPANT else PARTICIPANT_TEXT
    owner = OWNER_COLUMN[table]
    before = {tuple(_text(r.get(k)) for k in key): r for r in old}
    after = {tuple(_text(r.get(k)) for k in key): r for r in new}
    for ident, record in after.items():
        stored = before.get(ident)
        if table == "candidates" and (_text(record.get("status")) != "proposed" or _text(record.get("decided_by"))
                                      or (stored is not None and _text(stored.get("status")) != "proposed")):
            return DECIDE_TEXT
        if _text(record.get(owner)) != member.name:
            return OWN_TEXT
        if stored is not None and (table not in EDITABLE_OWN or _text(stored.get(owner)) != member.name):
            return OWN_TEXT
    removed = [r for ident, r in before.items() if ident not in after]
    if removed and (table not in REMOVABLE_OWN or any(_text(r.get(owner)) != member.name for r in removed)):
        return OWN_TEXT
    return None
