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
