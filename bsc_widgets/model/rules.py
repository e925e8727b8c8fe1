"""Checks across records and tables: references, the strategy map, targets, cascades.

:func:`check_plan` looks at the whole state of a store (one frame per table) and
returns every problem found.  Record-level rules (types, required fields, ids,
choices) live in :mod:`bsc_widgets.model.coerce`; :func:`validate` runs both.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import pandas as pd

from ..errors import BscValidationError, Problem
from .coerce import Records, coerce
from .periods import FREQUENCIES, PERIOD_EXAMPLES, period_columns
from .schema import PLAN_TABLES, TABLES, TableSpec

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


def _check_scorecard_refs(frames: Frames) -> list[Problem]:
    known = frames["scorecards"]["scorecard_id"]
    out: list[Problem] = []
    for name in PLAN_TABLES:
        if name == "scorecards":
            continue
        frame = frames[name]
        out += _problems(name, _rows(frame, _unknown(frame["scorecard_id"], known)), "scorecard_id",
                         "unknown_reference",
                         "names a scorecard that does not exist",
                         "create the scorecard first, or pick an existing one")
    return out


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
    return out + _frequency_problems(frames, "targets")


def _check_actuals(frames: Frames) -> list[Problem]:
    return _check_parent(frames, "actuals", "kpi_id", "kpis", "a KPI") + _frequency_problems(frames, "actuals")


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


CHECKS: tuple[Check, ...] = (
    _check_scorecard_refs,
    _check_scorecards,
    _check_objectives,
    _check_links,
    lambda f: _check_parent(f, "kpis", "objective_id", "objectives", "an objective"),
    _check_targets,
    _check_actuals,
    _check_initiatives,
    lambda f: _check_parent(f, "tasks", "initiative_id", "initiatives", "an initiative"),
    _check_comments,
)
"""Every cross-record check; each takes all frames and returns problems."""


def check_plan(frames: Frames) -> list[Problem]:
    """Every problem across the tables of a store state (one frame per plan table)."""
    full = {name: frames[name] if name in frames else empty_frame(name) for name in PLAN_TABLES}
    problems: list[Problem] = []
    for check in CHECKS:
        problems += check(full)
    return problems


def empty_frame(table: str) -> pd.DataFrame:
    """An empty, typed frame with the table's data columns."""
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


def _key_frame(frame: pd.DataFrame, table: str) -> pd.MultiIndex:
    return pd.MultiIndex.from_frame(frame[list(TABLES[table].key)].astype(object))


def _select(frames: Frames, keys: dict[str, pd.MultiIndex]) -> dict[str, pd.DataFrame]:
    out = {}
    for name in PLAN_TABLES:
        frame = frames[name]
        if name in WHOLE_TABLES:
            out[name] = frame
        elif name in keys and len(keys[name]):
            out[name] = frame[_key_frame(frame, name).isin(keys[name])]
        else:
            out[name] = frame.iloc[0:0]
    return out


def neighbourhood(before: Frames, after: Frames, table: str, touched: pd.DataFrame) -> tuple[Frames, Frames]:
    """The part of the plan, before and after a change, that the change can affect or depends on.

    ``touched`` holds the key columns of the records of ``table`` the change inserts, updates
    or removes.  The part holds those records, the records that refer to them (a KPI's
    targets and actuals, an objective's KPIs, links, initiatives and supporting objectives,
    a scorecard's records, comments on them), the records all of these refer to, and the
    scorecards and perspectives whole — the same rows in both states, so that problems
    that do not come from the change appear in both.
    """
    full_before = {name: before[name] if name in before else empty_frame(name) for name in PLAN_TABLES}
    full_after = {name: after[name] if name in after else empty_frame(name) for name in PLAN_TABLES}
    states = (full_before, full_after)
    spec = TABLES[table]
    keys: dict[str, pd.MultiIndex] = {table: pd.MultiIndex.from_frame(touched[list(spec.key)].astype(object))}

    def add(name: str, frame: pd.DataFrame, mask: pd.Series) -> None:
        found = _key_frame(frame[mask.to_numpy(dtype=bool)], name)
        keys[name] = keys[name].union(found) if name in keys else found

    ids = {k: set(touched[k].dropna().astype(str)) for k in spec.key}
    # The records that refer to the touched ones.
    if table == "scorecards":
        for name in PLAN_TABLES:
            if name not in WHOLE_TABLES:
                for state in states:
                    add(name, state[name], state[name]["scorecard_id"].isin(ids["scorecard_id"]))
    if table == "perspectives":
        pairs = pd.MultiIndex.from_frame(touched[["scorecard_id", "perspective_id"]].astype(object))
        for state in states:
            obj = state["objectives"]
            add("objectives", obj,
                pd.Series(pd.MultiIndex.from_frame(obj[["scorecard_id", "perspective_id"]].astype(object))
                          .isin(pairs), index=obj.index))
    for child, column, parent in references():
        if parent == table:
            for state in states:
                add(child, state[child], state[child][column].isin(ids[spec.key[-1]]))
    subject = next((kind for kind, (name, _) in COMMENT_SUBJECTS.items() if name == table), None)
    if subject is not None:
        for state in states:
            com = state["comments"]
            add("comments", com, (com["subject_type"] == subject) & com["subject_id"].isin(ids[spec.key[-1]]))
    # The records those refer to (their own checks need them).
    chosen = [_select(state, keys) for state in states]
    for child, column, parent in references():
        values = set().union(*(set(c[child][column].dropna().astype(str)) for c in chosen))
        for state in states:
            add(parent, state[parent], state[parent][TABLES[parent].key[-1]].isin(values))
    for kind, (name, key) in COMMENT_SUBJECTS.items():
        values = set().union(*(set(c["comments"].loc[c["comments"]["subject_type"] == kind, "subject_id"].dropna())
                               for c in chosen))
        for state in states:
            add(name, state[name], state[name][key].isin(values))
    return _select(full_before, keys), _select(full_after, keys)


def check_change(before: Frames, after: Frames, table: str, touched: pd.DataFrame) -> list[Problem]:
    """The problems a change of ``touched`` records of ``table`` adds to the plan.

    The same problems as ``check_plan(after)`` minus those of ``check_plan(before)`` (compared
    by :attr:`Problem.identity`), found by checking only :func:`neighbourhood` — so a save
    costs what it changes, not what the plan holds.
    """
    part_before, part_after = neighbourhood(before, after, table, touched)
    existing = {p.identity for p in check_plan(part_before)}
    return [p for p in check_plan(part_after) if p.identity not in existing]
