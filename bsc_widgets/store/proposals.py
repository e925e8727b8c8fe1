"""What participants and the facilitator do with candidates, as saves to a store.

Propose a candidate objective or KPI, comment on it, give it dots, accept it into the
plan (it becomes an objective or a KPI) or reject it with a reason, and sign off the
plan. Every step is an ordinary checked save, so the tables' history records who did
what and when; the rules (a candidate's perspective, the dot budget …) live in
:mod:`bsc_widgets.model.rules` like every other check.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pandas as pd

from ..errors import InputError, RecordExistsError
from ..model.collaboration import new_kpi_id, new_objective_id, next_candidate_id, plan_fingerprint
from ..model.plan import require_scorecard
from .store import SaveResult, Store

ATTEMPTS = 5
"""How often a proposal retries with the next id when another participant took the one it chose."""


@dataclass(frozen=True)
class Decision:
    """The outcome of accepting or rejecting a candidate: its status and, when accepted, what it became."""

    candidate_id: str
    status: str
    table: str | None = None
    record_id: str | None = None


def candidate(store: Store, candidate_id: str) -> dict[str, Any]:
    """The stored candidate ``candidate_id``; :class:`InputError` naming the known ones when there is none."""
    cand = store.read("candidates")
    found = cand[(cand["candidate_id"] == candidate_id).to_numpy(dtype=bool)]
    if found.empty:
        known = ", ".join(sorted(cand["candidate_id"].astype(str))) or "none yet"
        raise InputError(f"candidate: there is no candidate '{candidate_id}' (candidates: {known}). Fix: pick one "
                         "of them, e.g. from `bsc candidates`.")
    return dict(found.iloc[0])


def propose(store: Store, scorecard: str, kind: str, title: str, *, description: str | None = None,
            perspective: str | None = None, objective: str | None = None, user: str | None = None) -> str:
    """Propose a candidate objective (in ``perspective``) or KPI (of ``objective``); returns its new id."""
    require_scorecard(store.read("scorecards"), scorecard)
    record = {"scorecard_id": scorecard, "kind": kind, "title": title, "description": description,
              "perspective_id": perspective if kind == "objective" else None,
              "objective_id": objective if kind == "kpi" else None, "status": "proposed", "revision": 0}
    for _ in range(ATTEMPTS):
        new_id = next_candidate_id(store.read("candidates"))
        try:
            store.upsert("candidates", [{**record, "candidate_id": new_id}], user=user)
            return new_id
        except RecordExistsError:
            continue  # another participant proposed at the same moment: take the next number
    raise InputError("candidate: the store was too busy to give the proposal an id. Fix: save it again.")


def comment(store: Store, candidate_id: str, text: str, *, user: str | None = None) -> SaveResult:
    """Add a comment to the candidate's discussion thread."""
    found = candidate(store, candidate_id)
    return store.upsert("discussion", [{"scorecard_id": found["scorecard_id"], "candidate_id": candidate_id,
                                        "text": text}], user=user)


def vote(store: Store, candidate_id: str, dots: int, *, voter: str, user: str | None = None) -> SaveResult:
    """Give ``dots`` dots to a proposed candidate (0 takes the participant's vote back)."""
    found = candidate(store, candidate_id)
    if found["status"] != "proposed":
        raise InputError(f"dots: {candidate_id} is already {found['status']}; only proposed candidates take votes.")
    if dots < 0:
        raise InputError(f"dots: {dots} is below zero. Fix: give 1 or more dots, or 0 to take your vote back.")
    if dots == 0:
        return store.delete("votes", [(candidate_id, voter)], user=user or voter)
    return store.upsert("votes", [{"scorecard_id": found["scorecard_id"], "candidate_id": candidate_id,
                                   "voter": voter, "dots": dots}], user=user or voter)


def decide(store: Store, candidate_id: str, *, accept: bool, note: str | None = None, new_id: str | None = None,
           user: str | None = None) -> Decision:
    """Accept a candidate into the plan (it becomes an objective or a KPI) or reject it (a note says why)."""
    found = candidate(store, candidate_id)
    if found["status"] != "proposed":
        raise InputError(f"decision: {candidate_id} is already {found['status']}"
                         + (f" (as {found['accepted_as']})" if found["status"] == "accepted" else "") + ".")
    base = {"candidate_id": candidate_id, "decision_note": note or None, "decided_by": user or None,
            "revision": int(found["revision"])}
    if not accept:
        if not (note or "").strip():
            raise InputError("decision note: say why the candidate is rejected (participants will read it).")
        store.upsert("candidates", [{**base, "status": "rejected"}], user=user)
        return Decision(candidate_id, "rejected")
    frames = {name: store.read(name) for name in ("objectives", "kpis")}
    if found["kind"] == "objective":
        record_id = new_id or new_objective_id(frames, found["scorecard_id"],
                                               found["perspective_id"])
        table = "objectives"
        record: dict[str, Any] = {"objective_id": record_id, "perspective_id": found["perspective_id"],
                                  "title": found["title"]}
        position = frames["objectives"]
        same = position[((position["scorecard_id"] == found["scorecard_id"])
                         & (position["perspective_id"] == found["perspective_id"])).to_numpy(dtype=bool)]
        record["position"] = int(same["position"].max()) + 1 if len(same) else 1
    else:
        record_id = new_id or new_kpi_id(frames, found["title"])
        table = "kpis"
        record = {"kpi_id": record_id, "objective_id": found["objective_id"], "name": found["title"]}
    description = found.get("description")
    record |= {"scorecard_id": found["scorecard_id"], "revision": 0,
               ("description" if table == "objectives" else "definition"): None if pd.isna(description)
               else description}
    store.upsert(table, [record], user=user,
                 note=f"accepted {candidate_id}, proposed by {found.get('proposed_by') or 'someone'}")
    store.upsert("candidates", [{**base, "status": "accepted", "accepted_as": record_id}], user=user)
    return Decision(candidate_id, "accepted", table, record_id)


def sign_off(store: Store, scorecard: str, *, decision: str = "approve", note: str | None = None,
             user: str | None = None) -> SaveResult:
    """Sign off the scorecard's plan as it is now: who, when, its fingerprint and every table's version."""
    frames = store.read_all()
    require_scorecard(frames["scorecards"], scorecard)
    if decision == "object" and not (note or "").strip():
        raise InputError("note: say what you object to, so the facilitator can act on it.")
    versions = store.versions()
    record = {"scorecard_id": scorecard, "decision": decision, "note": note or None,
              "plan_fingerprint": plan_fingerprint(frames, scorecard),
              "table_versions": json.dumps(versions, sort_keys=True)}
    if user:
        record["signed_by"] = user
    return store.upsert("signoffs", [record], user=user)
