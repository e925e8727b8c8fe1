"""Stakeholders in the room: candidates, their ranking by dot votes, and the plan's sign-off state.

Pure functions over the plan's frames (what :meth:`Store.read_all` returns), used by the
workshop's Propose / Vote / Decide / Sign off step, the command line and the reports alike:

- :func:`ranking` — the candidates of a scorecard with their dots, voters and comments, most
  dots first (ties: first proposed first);
- :func:`dots_left` — how many dots a participant still has;
- :func:`plan_fingerprint` — a short hash of the plan's content (what stakeholders sign):
  scorecard texts, perspectives, objectives, links, KPIs, targets, initiatives and tasks,
  leaving out progress (actuals, comments, task status) and bookkeeping (revisions, who saved);
- :func:`signoff_state` — each sign-off, and whether it still matches the plan as it is now;
- :func:`next_candidate_id`, :func:`new_objective_id`, :func:`new_kpi_id` — ids for what is
  proposed and accepted.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping

import pandas as pd

from .schema import SYSTEM_COLUMNS, TABLES

Frames = Mapping[str, pd.DataFrame]

RANKING_COLUMNS = ("candidate_id", "kind", "title", "where", "proposed_by", "status", "dots", "voters", "comments")
"""Columns of :func:`ranking`'s frame."""

SIGNED_CONTENT: dict[str, tuple[str, ...]] = {
    "scorecards": ("dot_votes",),
    "perspectives": (),
    "objectives": (),
    "links": (),
    "kpis": (),
    "targets": (),
    "initiatives": ("status", "percent_complete"),
    "tasks": ("status", "done_on"),
}
"""The tables whose content a sign-off covers, each with the columns left out (progress, not plan)."""

_SYSTEM = {c.name for c in SYSTEM_COLUMNS} | {"period_start", "period_end"}


def _of(frame: pd.DataFrame, scorecard: str) -> pd.DataFrame:
    return frame[(frame["scorecard_id"] == scorecard).to_numpy(dtype=bool)]


def ranking(frames: Frames, scorecard: str, *, include_decided: bool = True) -> pd.DataFrame:
    """The scorecard's candidates with their dots (sum), voters and comments (counts), most dots first."""
    cand = _of(frames["candidates"], scorecard)
    if not include_decided:
        cand = cand[(cand["status"] == "proposed").to_numpy(dtype=bool)]
    votes = _of(frames["votes"], scorecard)
    talk = _of(frames["discussion"], scorecard)
    dots = votes.groupby("candidate_id")["dots"].sum()
    voters = votes.groupby("candidate_id")["voter"].nunique()
    comments = talk.groupby("candidate_id").size()
    objectives = frames["objectives"].set_index("objective_id")["title"] if len(frames["objectives"]) else {}
    perspectives = _of(frames["perspectives"], scorecard).set_index("perspective_id")["name"]
    where = [
        f"{perspectives.get(p, p)} perspective" if kind == "objective" else
        f"measures {o}" + (f" ({objectives.get(o)})" if o in objectives else "")
        for kind, p, o in zip(cand["kind"], cand["perspective_id"], cand["objective_id"], strict=True)
    ]
    out = pd.DataFrame({
        "candidate_id": cand["candidate_id"].to_numpy(), "kind": cand["kind"].to_numpy(),
        "title": cand["title"].to_numpy(), "where": where, "proposed_by": cand["proposed_by"].to_numpy(),
        "status": cand["status"].to_numpy(),
        "dots": cand["candidate_id"].map(dots).fillna(0).astype(int).to_numpy(),
        "voters": cand["candidate_id"].map(voters).fillna(0).astype(int).to_numpy(),
        "comments": cand["candidate_id"].map(comments).fillna(0).astype(int).to_numpy(),
        "_at": cand["proposed_at"].to_numpy(),
    }, columns=[*RANKING_COLUMNS, "_at"])
    out = out.sort_values(["dots", "_at", "candidate_id"], ascending=[False, True, True], kind="stable")
    return out.drop(columns="_at").reset_index(drop=True)


def dot_budget(frames: Frames, scorecard: str) -> int:
    """Dots each participant may give in the scorecard's vote."""
    cards = frames["scorecards"]
    found = cards.loc[cards["scorecard_id"] == scorecard, "dot_votes"]
    default = int(TABLES["scorecards"].column("dot_votes").default)
    return int(found.iloc[0]) if len(found) and pd.notna(found.iloc[0]) else default


def dots_given(frames: Frames, scorecard: str, voter: str) -> dict[str, int]:
    """The dots ``voter`` gave, by candidate."""
    votes = _of(frames["votes"], scorecard)
    mine = votes[(votes["voter"] == voter).to_numpy(dtype=bool)]
    return {str(c): int(d) for c, d in zip(mine["candidate_id"], mine["dots"], strict=True)}


def dots_left(frames: Frames, scorecard: str, voter: str) -> int:
    """How many dots ``voter`` still has in the scorecard's vote."""
    return dot_budget(frames, scorecard) - sum(dots_given(frames, scorecard, voter).values())


def plan_fingerprint(frames: Frames, scorecard: str) -> str:
    """A 12-character fingerprint of the scorecard's plan content: equal plans, equal fingerprints."""
    digest = hashlib.sha256()
    for name, left_out in SIGNED_CONTENT.items():
        frame = _of(frames[name], scorecard)
        columns = [c for c in TABLES[name].names if c not in left_out and c not in _SYSTEM]
        rows = frame[columns].astype(object).where(frame[columns].notna(), None)
        text = sorted(repr(tuple(_plain(v) for v in row)) for row in rows.itertuples(index=False))
        digest.update(f"{name}:{len(text)}\n".encode())
        digest.update("\n".join(text).encode())
    return digest.hexdigest()[:12]


def _plain(value: object) -> object:
    """A value as the fingerprint reads it: numbers as floats (1 and 1.0 alike), the rest as text."""
    if value is None:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    return str(value)


def signoff_state(frames: Frames, scorecard: str) -> pd.DataFrame:
    """The scorecard's sign-offs, newest first, each with ``current``: True when it signed the plan as it is now."""
    signed = _of(frames["signoffs"], scorecard)
    now = plan_fingerprint(frames, scorecard)
    out = signed.assign(current=(signed["plan_fingerprint"] == now).to_numpy(dtype=bool))
    return out.sort_values("number", ascending=False, kind="stable").reset_index(drop=True)


def next_candidate_id(candidates: pd.DataFrame) -> str:
    """The next free id ``cand-N`` (one more than the highest N in use)."""
    numbers = [int(m.group(1)) for c in candidates["candidate_id"].dropna()
               if (m := re.fullmatch(r"cand-(\d+)", str(c)))]
    return f"cand-{max(numbers, default=0) + 1}"


def new_objective_id(frames: Frames, scorecard: str, perspective: str) -> str:
    """An id for an accepted objective: the perspective's prefix (the letter its objectives use) and the next number.

    In the sample's org scorecard the customer objectives are C1-C3, so an accepted customer objective gets C4; a
    department's prefix keeps its scorecard's, e.g. CS-C2.
    """
    obj = frames["objectives"]
    same = obj[((obj["scorecard_id"] == scorecard) & (obj["perspective_id"] == perspective)).to_numpy(dtype=bool)]
    prefixes = [m.group(1) for o in same["objective_id"] if (m := re.fullmatch(r"(.*?)(\d+)", str(o)))]
    prefix = max(set(prefixes), key=prefixes.count) if prefixes else perspective[:1].upper()
    taken = set(obj["objective_id"].astype(str))
    number = 1 + max((int(m.group(2)) for o in same["objective_id"]
                      if (m := re.fullmatch(r"(.*?)(\d+)", str(o))) and m.group(1) == prefix), default=0)
    while f"{prefix}{number}" in taken:
        number += 1
    return f"{prefix}{number}"


def new_kpi_id(frames: Frames, title: str) -> str:
    """An id for an accepted KPI made from its title ('Share of orders delivered next day' → 'share-orders-...')."""
    words = [w for w in re.findall(r"[a-z0-9]+", title.lower()) if w not in {"of", "the", "a", "an", "and", "in"}]
    base = "-".join(words)[:40].strip("-") or "kpi"
    taken = set(frames["kpis"]["kpi_id"].astype(str))
    found, n = base, 1
    while found in taken:
        n += 1
        found = f"{base}-{n}"
    return found
