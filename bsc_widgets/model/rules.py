"""Checks across records and tables: references, the strategy map, targets, cascades.

:func:`check_plan` looks at the whole state of a store (one frame per table) and
returns every problem found.  Record-level rules (types, required fields, ids,
choices) live in :mod:`bsc_widgets.model.coerce`; :func:`validate` runs both.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from functools import cache, partial
from typing import Any

import numpy as np
import pandas as pd

from ..errors import BscValidationError, Problem
from .bands import POLICY_HELP, parse_bands, parse_policy
from .calculated import (
    calculated_rows,
    coarser,
    departments,
    dependency_order,
    frequency_words,
    mentioned_ids,
    read_expression,
)
from .coerce import Records, coerce
from .keys import key_mask
from .periods import FREQUENCIES, PERIOD_EXAMPLES, period_columns
from .schema import PLAN_TABLES, TABLES, TableSpec

DOT_VOTES = int(TABLES["scorecards"].column("dot_votes").default)
"""Dots per participant where a scorecard does not say."""

Frames = Mapping[str, pd.DataFrame]
Check = Callable[[Frames], list[Problem]]


def validate(table: str, records: Records) -> pd.DataFrame:
    """Typed records of ``table``; raise :class:`BscValidationError` listing every problem."""
    frame, problems = coerce(TABLES[table], records)
    if problems:
        raise BscValidationError(problems)
    return frame


def _rows(frame: pd.DataFrame, mask: pd.Series) -> pd.DataFrame:
    return frame[mask.fillna(False).astype(bool).to_numpy()]


def _key(spec: TableSpec, row: Any) -> tuple[str, ...]:
    return tuple(str(getattr(row, k)) for k in spec.key)


def _problems(table: str, rows: pd.DataFrame, field: str, code: str, message: str | Callable[[Any], str],
              fix: str | Callable[[Any], str]) -> list[Problem]:
    if rows.empty:
        return []
    spec = TABLES[table]
    out = []
    for row in rows.itertuples(index=False):
        out.append(Problem(
            table, _key(spec, row), field, getattr(row, field),
            message(row) if callable(message) else message,
            fix(row) if callable(fix) else fix, code,
        ))
    return out


def _unknown(child: pd.Series, parent: pd.Series) -> pd.Series:
    return child.notna() & ~child.isin(parent.dropna())


def _check_scorecard_refs(frames: Frames, name: str) -> list[Problem]:
    frame = frames[name]
    return _problems(name, _rows(frame, _unknown(frame["scorecard_id"], frames["scorecards"]["scorecard_id"])),
                     "scorecard_id", "unknown_reference", "names a scorecard that does not exist",
                     "create the scorecard first, or pick an existing one")


def _check_scorecards(frames: Frames) -> list[Problem]:
    sc = frames["scorecards"]
    out = _problems("scorecards", _rows(sc, _unknown(sc["parent_id"], sc["scorecard_id"])),
                    "parent_id", "unknown_reference", "names a parent scorecard that does not exist",
                    "pick an existing scorecard as parent, or leave it empty")
    out += _problems("scorecards", _rows(sc, sc["parent_id"] == sc["scorecard_id"]), "parent_id", "own_parent",
                     "a scorecard cannot be its own parent", "pick another parent or leave it empty")
    parents = _lookup(sc, "scorecard_id", "parent_id").to_dict()
    in_cycle = set()
    for start in parents:
        seen: list[str] = []
        node: Any = start
        while node is not None and not pd.isna(node) and node in parents and node not in seen:
            seen.append(node)
            node = parents[node]
        if node == start and len(seen) > 1:
            in_cycle.add(start)
    cyc = _rows(sc, sc["scorecard_id"].isin(in_cycle))
    out += _problems("scorecards", cyc, "parent_id", "cascade_cycle",
                     lambda r: "makes a cascade cycle: " + " -> ".join(_cycle(parents, r.scorecard_id)),
                     "a department cannot cascade from itself; point parent_id at a scorecard higher up")
    backwards = period_columns(sc["horizon_end"])["end"] < period_columns(sc["horizon_start"])["start"]
    out += _problems("scorecards", _rows(sc, backwards), "horizon_end", "horizon_backwards",
                     "ends before the horizon starts",
                     "choose an end period after the start period")
    out += _problems("scorecards", _rows(sc, sc["amber_from"] >= sc["green_from"]), "amber_from", "thresholds_order",
                     "must be below green_from", "choose an amber threshold below the green threshold")
    return out + _check_scoring_texts(frames, "scorecards")


def _check_scoring_texts(frames: Frames, table: str) -> list[Problem]:
    """The colour bands and missing-data policy each record of ``table`` types (scorecards, KPIs)."""
    frame = frames[table]
    out: list[Problem] = []
    for column in ("bands", "missing_policy"):
        if column not in frame:
            continue
        typed = frame[column]
        filled = typed.notna() & (typed.astype(str).str.strip() != "")
        for text in typed[filled].astype(str).unique():
            if column == "bands":
                _, problem = parse_bands(text)
                found = None if problem is None else (problem.code, problem.message, problem.fix)
            else:
                _, message = parse_policy(text)
                found = None if message is None else ("missing_policy", message, POLICY_HELP)
            if found is not None:
                code, message, fix = found
                out += _problems(table, _rows(frame, filled & (typed == text)), column, code, message,
                                 "use " + fix if column == "missing_policy" else fix)
    return out


def _cycle(parents: Mapping[str, Any], start: str) -> list[str]:
    path, node = [start], parents[start]
    while node != start:
        path.append(node)
        node = parents[node]
    return [*path, start]


def _lookup(frame: pd.DataFrame, key: str, column: str) -> pd.Series:
    """``column`` by ``key`` (first record wins if a key repeats), for ``Series.map``."""
    unique = frame.drop_duplicates(subset=[key])
    return pd.Series(unique[column].to_numpy(), index=unique[key].to_numpy())


def _owner_scorecard(frames: Frames, table: str, key: str) -> pd.Series:
    return _lookup(frames[table], key, "scorecard_id")


def _check_parent(frames: Frames, child: str, field: str, parent: str, what: str) -> list[Problem]:
    """``child.field`` must name a ``parent`` record of the same scorecard."""
    frame = frames[child]
    parent_key = TABLES[parent].key[-1]
    owners = _owner_scorecard(frames, parent, parent_key)
    missing = _unknown(frame[field], frames[parent][parent_key])
    out = _problems(child, _rows(frame, missing), field, "unknown_reference", f"names {what} that does not exist",
                    f"pick an existing {what.split(' ', 1)[1]} or create it first")
    known = frame[field].notna() & ~missing
    other = known & (frame[field].map(owners) != frame["scorecard_id"])
    out += _problems(child, _rows(frame, other), field, "other_scorecard",
                     lambda r: f"belongs to scorecard '{owners[getattr(r, field)]}', not '{r.scorecard_id}'",
                     f"pick {what} of the same scorecard")
    return out


def _check_objectives(frames: Frames) -> list[Problem]:
    obj, persp = frames["objectives"], frames["perspectives"]
    pairs = set(zip(persp["scorecard_id"], persp["perspective_id"], strict=True))
    bad = pd.Series([(s, p) not in pairs for s, p in zip(obj["scorecard_id"], obj["perspective_id"], strict=True)],
                    index=obj.index, dtype=bool) & obj["perspective_id"].notna()
    def names(row: Any) -> str:
        known = sorted(persp.loc[persp["scorecard_id"] == row.scorecard_id, "perspective_id"]) or ["none yet"]
        return f"pick one of the scorecard's perspectives ({', '.join(known)}) or add the perspective first"

    out = _problems("objectives", _rows(obj, bad), "perspective_id", "unknown_perspective",
                    "names a perspective that does not exist in this scorecard", names)
    sc = frames["scorecards"]
    parent_of = _lookup(sc, "scorecard_id", "parent_id").to_dict()
    owners = _owner_scorecard(frames, "objectives", "objective_id")
    has = obj["supports"].notna()
    missing = has & _unknown(obj["supports"], obj["objective_id"])
    out += _problems("objectives", _rows(obj, missing), "supports", "unknown_reference",
                     "names an objective that does not exist",
                     "pick an objective of the parent scorecard, or leave it empty")
    wrong = has & ~missing & (obj["supports"].map(owners) != obj["scorecard_id"].map(parent_of))
    out += _problems("objectives", _rows(obj, wrong), "supports", "supports_outside_parent",
                     lambda r: f"is not an objective of this scorecard's parent scorecard "
                               f"('{parent_of.get(r.scorecard_id) or 'none'}')",
                     "a department objective can only support an objective of its parent scorecard")
    return out


def _check_links(frames: Frames) -> list[Problem]:
    links = frames["links"]
    out = _problems("links", _rows(links, links["cause"] == links["effect"]), "effect", "self_link",
                    "an objective cannot cause itself", "link the objective to a different objective")
    out += _check_parent(frames, "links", "cause", "objectives", "an objective")
    out += _check_parent(frames, "links", "effect", "objectives", "an objective")
    return out


def _frequency_problems(frames: Frames, table: str) -> list[Problem]:
    frame = frames[table]
    freq = frame["kpi_id"].map(_lookup(frames["kpis"], "kpi_id", "frequency"))
    period_freq = period_columns(frame["period"])["freq"]
    bad = freq.notna() & period_freq.notna() & (freq != period_freq)
    return _problems(table, _rows(frame.assign(kpi_frequency=freq), bad), "period", "wrong_frequency",
                     lambda r: f"is not a {FREQUENCIES[r.kpi_frequency]} period, but KPI '{r.kpi_id}' is measured "
                               f"{FREQUENCIES[r.kpi_frequency]}",
                     lambda r: f"enter {PERIOD_EXAMPLES[r.kpi_frequency]}")


def _check_targets(frames: Frames) -> list[Problem]:
    tg = frames["targets"]
    polarity = tg["kpi_id"].map(_lookup(frames["kpis"], "kpi_id", "polarity"))
    tg = tg.assign(kpi_polarity=polarity)
    out: list[Problem] = []
    scored = polarity.isin(["higher", "lower"])
    for field in ("target", "red_flag"):
        out += _problems("targets", _rows(tg, scored & tg[field].isna()), field, "required", "is required",
                         f"enter the {field.replace('_', ' ')} as a number")
    both = scored & tg["target"].notna() & tg["red_flag"].notna()
    out += _problems("targets", _rows(tg, both & (tg["red_flag"] == tg["target"])), "red_flag",
                     "red_flag_equals_target",
                     lambda r: f"equals the target ({r.target:g})",
                     lambda r: "set the red flag below the target" if r.kpi_polarity == "higher"
                     else "set the red flag above the target")
    out += _problems("targets", _rows(tg, both & (polarity == "higher") & (tg["red_flag"] > tg["target"])),
                     "red_flag", "red_flag_side",
                     lambda r: f"is above the target ({r.target:g}) but higher is better for this KPI",
                     "set the red flag below the target, or change the KPI's polarity to 'lower'")
    out += _problems("targets", _rows(tg, both & (polarity == "lower") & (tg["red_flag"] < tg["target"])),
                     "red_flag", "red_flag_side",
                     lambda r: f"is below the target ({r.target:g}) but lower is better for this KPI",
                     "set the red flag above the target, or change the KPI's polarity to 'higher'")
    ranged = polarity == "range"
    for field in ("lower", "upper", "tolerance"):
        out += _problems("targets", _rows(tg, ranged & tg[field].isna()), field, "required",
                         "is required for a range KPI", f"enter the {field} of the band")
    out += _problems("targets", _rows(tg, ranged & (tg["lower"] >= tg["upper"])), "upper", "band_order",
                     lambda r: f"must be above the lower bound ({r.lower:g})",
                     "enter a band whose upper bound is greater than its lower bound")
    out += _check_parent(frames, "targets", "kpi_id", "kpis", "a KPI")
    return out + _frequency_problems(frames, "targets") + _calculated_values(frames, "targets")


def _check_actuals(frames: Frames) -> list[Problem]:
    out = _check_parent(frames, "actuals", "kpi_id", "kpis", "a KPI") + _frequency_problems(frames, "actuals")
    return out + _calculated_values(frames, "actuals")


_EXPRESSION_FIX = ("write KPI ids, numbers, + - * /, parentheses and sum, mean, min, max or abs, e.g. "
                   "100 * [on-time] / deliveries (an id holding '-' goes in brackets)")


def _calculated_values(frames: Frames, table: str) -> list[Problem]:
    """Actuals of a calculated KPI, and targets of one whose targets are computed, are refused: they are computed."""
    kpis = frames["kpis"]
    frame = frames[table]
    if frame.empty or "expression" not in kpis:
        return []
    calc = kpis[calculated_rows(kpis).to_numpy(dtype=bool)]
    if table == "targets":
        calc = calc[(calc["target_rule"] == "expression").to_numpy(dtype=bool)]
    expression = _lookup(calc, "kpi_id", "expression")
    rows = _rows(frame, frame["kpi_id"].isin(expression.index))
    if table == "actuals":
        return _problems(table, rows, "value", "calculated_actual",
                         lambda r: f"KPI '{r.kpi_id}' is calculated as {expression[r.kpi_id]}: its actuals are "
                                   "computed from its inputs, not typed",
                         "enter the actuals of the KPIs it is calculated from, or clear the KPI's expression")
    return _problems(table, rows, "target", "calculated_target",
                     lambda r: f"KPI '{r.kpi_id}' computes its targets with its expression ({expression[r.kpi_id]})",
                     "enter the targets of the KPIs it is calculated from, or set the KPI's target rule to 'typed'")


def _check_kpis(frames: Frames) -> list[Problem]:
    out = _check_parent(frames, "kpis", "objective_id", "objectives", "an objective")
    return out + check_expressions(frames)


def check_expressions(frames: Frames) -> list[Problem]:
    """Calculated KPIs: readable, naming KPIs of the scorecard or its departments, no cycle, no coarser input."""
    kpis = frames["kpis"]
    out: list[Problem] = []
    if "expression" not in kpis:
        return out
    calc_mask = calculated_rows(kpis)
    expressionless = ~calc_mask & (kpis["target_rule"] == "expression").fillna(False).astype(bool)
    out += _problems("kpis", _rows(kpis, expressionless), "target_rule", "target_rule_needs_expression",
                     "is 'expression', but the KPI has no expression to compute targets with",
                     "enter the KPI's expression, or set the target rule to 'typed'")
    ranged = calc_mask & (kpis["target_rule"] == "expression").fillna(False).astype(bool) & (
        kpis["polarity"] == "range").fillna(False).astype(bool)
    out += _problems("kpis", _rows(kpis, ranged), "target_rule", "target_rule_range",
                     "cannot compute the band of a range KPI",
                     "set the target rule to 'typed' and enter the band, or change the polarity")
    calc = _rows(kpis, calc_mask)
    if calc.empty:
        return out
    unique = kpis.drop_duplicates("kpi_id")
    scorecard_of = dict(zip(unique["kpi_id"], unique["scorecard_id"], strict=True))
    frequency_of = dict(zip(unique["kpi_id"], unique["frequency"], strict=True))
    below = departments(frames["scorecards"])
    graph: dict[str, tuple[str, ...]] = {}
    for row in calc.itertuples(index=False):
        key, text = (row.kpi_id,), row.expression

        def problem(code: str, message: str, fix: str, key: tuple[str, ...] = key, text: str = text) -> None:
            out.append(Problem("kpis", key, "expression", text, message, fix, code))

        reading = read_expression(text, scorecard_of)
        if reading.error is not None:
            problem("expression_syntax", f"cannot be read: {reading.error.reason} (at character "
                                         f"{reading.error.position})", _EXPRESSION_FIX)
            continue
        if reading.unknown:
            names = ", ".join(dict.fromkeys(f"'{ref.text}'" for ref in reading.unknown))
            problem("expression_unknown_kpi", f"names {names}, which {'is' if len(reading.unknown) == 1 else 'are'} "
                                              "not a KPI", "use the ids of existing KPIs of this scorecard or its "
                                                           "departments (an id holding '-' goes in brackets)")
        allowed = below.get(row.scorecard_id, {row.scorecard_id})
        outside = [kpi for kpi in reading.inputs if scorecard_of[kpi] not in allowed]
        if outside:
            problem("expression_other_scorecard",
                    "names " + ", ".join(f"'{kpi}' of scorecard '{scorecard_of[kpi]}'" for kpi in outside)
                    + f", which is not scorecard '{row.scorecard_id}' or one of its departments",
                    "use KPIs of this scorecard or of its departments")
        slow = [kpi for kpi in reading.inputs if coarser(frequency_of[kpi], row.frequency)]
        if slow:
            problem("expression_frequency",
                    "reads " + ", ".join(f"'{kpi}' (measured {frequency_words(frequency_of[kpi])})" for kpi in slow)
                    + f", less often than this KPI (measured {frequency_words(row.frequency)})",
                    "measure the KPI as often as its least frequent input, or use inputs measured at least as often")
        graph[row.kpi_id] = reading.inputs
    _, cycles = dependency_order(graph)
    in_cycle: dict[str, list[str]] = {}
    for cycle in cycles:
        for kpi in cycle:
            in_cycle.setdefault(kpi, cycle)
    for row in _rows(calc, calc["kpi_id"].isin(in_cycle)).itertuples(index=False):
        cycle = in_cycle[row.kpi_id]
        members = sorted(set(cycle))
        message = ("refers to itself" if len(members) == 1 else
                   "makes a cycle of calculated KPIs " + ", ".join(f"'{n}'" for n in members) + ": "
                   + " -> ".join(cycle))
        out.append(Problem("kpis", (row.kpi_id,), "expression", row.expression, message,
                           "calculate one of them from typed KPIs only, so that none needs its own result",
                           "expression_cycle"))
    return out


def _check_initiatives(frames: Frames) -> list[Problem]:
    ini = frames["initiatives"]
    out = _check_parent(frames, "initiatives", "objective_id", "objectives", "an objective")
    late = ini["start"].notna() & ini["due"].notna()
    late = late & pd.Series([s is not None and d is not None and d < s for s, d in zip(ini["start"], ini["due"],
                                                                                       strict=True)],
                            index=ini.index, dtype=bool)
    out += _problems("initiatives", _rows(ini, late), "due", "due_before_start", "is before the start date",
                     "choose a due date on or after the start date")
    return out


def _check_comments(frames: Frames) -> list[Problem]:
    com = frames["comments"]
    owners = {
        "scorecard": ("scorecards", "scorecard_id"), "objective": ("objectives", "objective_id"),
        "kpi": ("kpis", "kpi_id"), "initiative": ("initiatives", "initiative_id"),
        "perspective": ("perspectives", "perspective_id"),
    }
    out: list[Problem] = []
    for kind, (table, key) in owners.items():
        sel = com["subject_type"] == kind
        missing = sel & _unknown(com["subject_id"], frames[table][key])
        out += _problems("comments", _rows(com, missing), "subject_id", "unknown_reference",
                         f"names a {kind} that does not exist",
                         f"pick an existing {kind}")
    return out


def _check_candidates(frames: Frames) -> list[Problem]:
    """A candidate names what it needs: its perspective or objective, and what its decision needs."""
    cand, persp = frames["candidates"], frames["perspectives"]
    out = _check_parent(frames, "candidates", "objective_id", "objectives", "an objective")
    objective = cand["kind"] == "objective"
    pairs = set(zip(persp["scorecard_id"], persp["perspective_id"], strict=True))
    known = pd.Series([(s, p) in pairs for s, p in zip(cand["scorecard_id"], cand["perspective_id"], strict=True)],
                      index=cand.index, dtype=bool)
    out += _problems("candidates", _rows(cand, objective & cand["perspective_id"].isna()), "perspective_id",
                     "candidate_incomplete", "is empty: a proposed objective needs its perspective",
                     "pick the perspective the objective would sit in")
    out += _problems("candidates", _rows(cand, cand["perspective_id"].notna() & ~known), "perspective_id",
                     "unknown_perspective", "names a perspective that does not exist in this scorecard",
                     "pick one of the scorecard's perspectives")
    out += _problems("candidates", _rows(cand, ~objective & cand["objective_id"].isna()), "objective_id",
                     "candidate_incomplete", "is empty: a proposed KPI needs the objective it would measure",
                     "pick the objective the KPI would measure")
    out += _problems("candidates", _rows(cand, (cand["status"] == "rejected") & cand["decision_note"].isna()),
                     "decision_note", "candidate_incomplete", "is empty: a rejection needs its reason",
                     "say in a sentence why the candidate is not taken into the plan")
    out += _problems("candidates", _rows(cand, (cand["status"] == "accepted") & cand["accepted_as"].isna()),
                     "accepted_as", "candidate_incomplete", "is empty: an accepted candidate names what it became",
                     "give the id of the objective or KPI it became (the workshop's Decide tab fills it in)")
    return out


def _check_votes(frames: Frames) -> list[Problem]:
    """Each participant gives at most the scorecard's ``dot_votes`` dots (one problem per participant)."""
    votes = frames["votes"]
    out = _check_parent(frames, "votes", "candidate_id", "candidates", "a candidate")
    if votes.empty:
        return out
    budget = _lookup(frames["scorecards"], "scorecard_id", "dot_votes")
    given = votes.groupby(["scorecard_id", "voter"], sort=False)["dots"].transform("sum")
    allowed = votes["scorecard_id"].map(budget).fillna(DOT_VOTES)
    over = votes.assign(given_total=given, allowed_total=allowed)[(given > allowed).to_numpy(dtype=bool)]
    # One problem per participant, on their vote with the highest candidate id (the same whichever part is checked).
    last = over.sort_values("candidate_id", kind="stable").drop_duplicates(["scorecard_id", "voter"], keep="last")
    return out + _problems(
        "votes", last, "dots", "too_many_votes",
        lambda r: f"brings {r.voter}'s dots to {int(r.given_total)}, more than the {int(r.allowed_total)} each "
                  "participant has",
        "take dots from another candidate first, or ask the facilitator for more dots per participant")


CHECKS: tuple[tuple[str, Check], ...] = (
    *((name, partial(_check_scorecard_refs, name=name)) for name in PLAN_TABLES if name != "scorecards"),
    ("scorecards", _check_scorecards),
    ("objectives", _check_objectives),
    ("links", _check_links),
    ("kpis", _check_kpis),
    ("kpis", partial(_check_scoring_texts, table="kpis")),
    ("targets", _check_targets),
    ("actuals", _check_actuals),
    ("initiatives", _check_initiatives),
    ("tasks", partial(_check_parent, child="tasks", field="initiative_id", parent="initiatives",
                      what="an initiative")),
    ("comments", _check_comments),
    ("candidates", _check_candidates),
    ("discussion", partial(_check_parent, child="discussion", field="candidate_id", parent="candidates",
                           what="a candidate")),
    ("votes", _check_votes),
)
"""Every cross-record check, with the table whose records it checks; each takes all frames and returns problems."""


def check_plan(frames: Frames, tables: Collection[str] | None = None) -> list[Problem]:
    """Every problem across the tables of a store state (one frame per plan table).

    With ``tables``, only the records of those tables are checked (the others serve as
    what they refer to).
    """
    full = {name: frames[name] if name in frames else empty_frame(name) for name in PLAN_TABLES}
    problems: list[Problem] = []
    for subject, check in CHECKS:
        if tables is None or subject in tables:
            problems += check(full)
    return problems


@cache
def empty_frame(table: str) -> pd.DataFrame:
    """An empty, typed frame with the table's data columns (shared: do not change it)."""
    frame, _ = coerce(TABLES[table], pd.DataFrame(columns=TABLES[table].names))
    return frame


# ----------------------------------------------------------------------------- checking one change
WHOLE_TABLES = ("scorecards", "perspectives")
"""Small tables every check of a change reads whole (cascade cycles, the perspectives a fix names)."""

COMMENT_SUBJECTS: dict[str, tuple[str, str]] = {
    "scorecard": ("scorecards", "scorecard_id"), "perspective": ("perspectives", "perspective_id"),
    "objective": ("objectives", "objective_id"), "kpi": ("kpis", "kpi_id"),
    "initiative": ("initiatives", "initiative_id"),
}
"""What a comment's ``subject_type`` points at: (table, key column)."""


def references() -> list[tuple[str, str, str]]:
    """Every reference of the schema as (child table, child column, parent table)."""
    out = []
    for name in PLAN_TABLES:
        for col in TABLES[name].columns:
            if col.references and col.name != "scorecard_id":
                out.append((name, col.name, col.references.split(".")[0]))
    return out


def _matching(frame: pd.DataFrame, table: str, keys: pd.DataFrame) -> pd.Series:
    """Rows of ``frame`` whose key is among ``keys``."""
    return pd.Series(key_mask(frame, TABLES[table].key, keys), index=frame.index)


def _children(table: str) -> set[str]:
    """Tables whose records refer to records of ``table`` (and so are checked when those change)."""
    found = {child for child, _, parent in references() if parent == table}
    if table == "scorecards":
        found |= set(PLAN_TABLES) - set(WHOLE_TABLES)
    if table == "perspectives":
        found |= {"objectives", "candidates"}
    if any(name == table for name, _ in COMMENT_SUBJECTS.values()):
        found.add("comments")
    return found


def tables_for_change(table: str) -> set[str]:
    """The tables a check of a change to ``table`` reads: the ones it checks and the ones they refer to."""
    checked = {table} | _children(table)
    needed = checked | set(WHOLE_TABLES)
    needed |= {parent for child, _, parent in references() if child in checked}
    if "comments" in checked:
        needed |= {name for name, _ in COMMENT_SUBJECTS.values()}
    return needed


def neighbourhood(before: Frames, after: Frames, table: str,
                  touched: pd.DataFrame) -> tuple[dict[str, pd.DataFrame], dict[str, pd.DataFrame], set[str]]:
    """The part of the plan, before and after a change, that the change can affect or depends on.

    ``touched`` holds the key columns of the records of ``table`` the change inserts, updates
    or removes.  The part holds those records and the records that refer to them (a KPI's
    targets and actuals, an objective's KPIs, links, initiatives and supporting objectives,
    a perspective's objectives, a scorecard's records, comments on them) — the tables of
    these are returned as the ones to check — plus the records these refer to and the
    scorecards and perspectives whole, as what the checks look up.  Both states hold the
    same rows (selected by value), so that problems not caused by the change appear in
    both.  Tables missing from ``before`` / ``after`` count as empty.
    """
    states = tuple({name: s[name] if name in s else empty_frame(name) for name in PLAN_TABLES}
                   for s in (before, after))
    masks: tuple[dict[str, np.ndarray], ...] = tuple({} for _ in states)

    def add(name: str, pick: Callable[[pd.DataFrame], pd.Series]) -> None:
        for state, chosen in zip(states, masks, strict=True):
            if state[name].empty:
                continue
            picked = pick(state[name]).to_numpy(dtype=bool)
            chosen[name] = chosen[name] | picked if name in chosen else picked

    def values(name: str, column: str, where: Callable[[pd.DataFrame], pd.Series] | None = None) -> set[Any]:
        found: set[Any] = set()
        for state, chosen in zip(states, masks, strict=True):
            if name in chosen and chosen[name].any():
                rows = state[name][chosen[name]]
                if where is not None:
                    rows = rows[where(rows).to_numpy(dtype=bool)]
                found |= set(rows[column].dropna())
        return found

    add(table, lambda f: _matching(f, table, touched))
    key_values = set(touched[TABLES[table].key[-1]].dropna().astype(str))
    # The records that refer to the touched ones: they are checked too.
    if table == "scorecards":  # every record of the scorecard refers to it (its perspectives too)
        for name in set(PLAN_TABLES) - {"scorecards"}:
            add(name, lambda f: f["scorecard_id"].isin(key_values))
    if table == "perspectives":
        pairs = pd.MultiIndex.from_frame(touched[["scorecard_id", "perspective_id"]].astype(object))
        for name in ("objectives", "candidates"):
            add(name, lambda f: pd.Series(pd.MultiIndex.from_frame(
                f[["scorecard_id", "perspective_id"]].astype(object)).isin(pairs), index=f.index))
    for child, column, parent in references():
        if parent == table:
            add(child, lambda f, c=column: f[c].isin(key_values))  # type: ignore[misc]
    if voters := values("votes", "voter"):  # a participant's dots are checked together
        add("votes", lambda f: f["voter"].isin(voters))
    subject = next((kind for kind, (name, _) in COMMENT_SUBJECTS.items() if name == table), None)
    if subject is not None:
        add("comments", lambda f: (f["subject_type"] == subject) & f["subject_id"].isin(key_values))
    if "kpis" in masks[0] or "kpis" in masks[1]:
        # Calculated KPIs: the KPIs connected to the checked ones through expressions (inputs, and KPIs
        # reading them, transitively) are checked too — a cycle or a removed input shows on them.
        linked = _expression_component(tuple(s["kpis"] for s in states), values("kpis", "kpi_id") | key_values
                                       if table == "kpis" else values("kpis", "kpi_id"))
        add("kpis", lambda f: f["kpi_id"].isin(linked))
    subjects = {name for name in PLAN_TABLES if any(name in m and m[name].any() for m in masks)}
    # The records the checked ones refer to: the checks look them up.
    for child, column, parent in references():
        if child in subjects and (wanted := values(child, column)):
            add(parent, lambda f, p=parent, v=wanted: f[TABLES[p].key[-1]].isin(v))  # type: ignore[misc]
    if "comments" in subjects:
        for kind, (name, key) in COMMENT_SUBJECTS.items():
            if wanted := values("comments", "subject_id", lambda f, k=kind: f["subject_type"] == k):  # type: ignore[misc]
                add(name, lambda f, k=key, v=wanted: f[k].isin(v))  # type: ignore[misc]
    parts = tuple({name: state[name] if name in WHOLE_TABLES else
                   state[name][chosen[name]] if name in chosen else state[name].iloc[0:0]
                   for name in PLAN_TABLES} for state, chosen in zip(states, masks, strict=True))
    return parts[0], parts[1], subjects


def _expression_component(kpis: tuple[pd.DataFrame, ...], start: set[Any]) -> set[Any]:
    """``start`` and every KPI linked to it by expressions, in either direction, in any of the states."""
    edges: dict[Any, set[Any]] = {}
    for frame in kpis:
        calc = frame[calculated_rows(frame).to_numpy(dtype=bool)]
        for kpi, text in zip(calc["kpi_id"], calc["expression"], strict=True):
            for other in mentioned_ids(str(text)):
                edges.setdefault(kpi, set()).add(other)
                edges.setdefault(other, set()).add(kpi)
    found, todo = set(start), list(start)
    while todo:
        for other in edges.get(todo.pop(), ()):
            if other not in found:
                found.add(other)
                todo.append(other)
    return found


def check_change(before: Frames, after: Frames, table: str, touched: pd.DataFrame) -> list[Problem]:
    """The problems a change of ``touched`` records of ``table`` adds to the plan.

    The same problems as ``check_plan(after)`` minus those of ``check_plan(before)`` (compared
    by :attr:`Problem.identity`), found by checking only :func:`neighbourhood` — so a save
    costs what it changes, not what the plan holds.
    """
    part_before, part_after, subjects = neighbourhood(before, after, table, touched)
    existing = {p.identity for p in check_plan(part_before, subjects)}
    return [p for p in check_plan(part_after, subjects) if p.identity not in existing]
