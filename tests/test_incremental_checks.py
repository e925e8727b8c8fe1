"""Checking one change finds exactly the problems the whole-plan check adds (random plans, random edits)."""

from __future__ import annotations

from typing import Any

import pandas as pd
from hypothesis import example, given, settings
from hypothesis import strategies as st

from bsc_widgets.model.coerce import coerce
from bsc_widgets.model.rules import check_change, check_plan, neighbourhood
from bsc_widgets.model.schema import PLAN_TABLES, TABLES

CARDS = ["org", "dept", "lab", "ghost"]
PERSPECTIVES = ["fin", "cus", "int"]
OBJECTIVES = ["O1", "O2", "O3", "O4", "O5", "O9"]
KPIS = ["k1", "k2", "k3", "k4", "k9"]
CANDIDATES = ["cand-1", "cand-2", "cand-9"]
INITIATIVES = ["I1", "I2", "I9"]
PERIODS = ["2026-01", "2026-02", "2026Q1", "2026Q2", "2026", "2027"]
DATES = [None, "2026-01-15", "2026-06-30", "2027-03-01"]
NUMBERS = [None, 0.0, 5.0, 10.0, -3.0]
BANDS = [None, "low #d62728 0; mid #ff9f1c 3.33; high #2ca02c 6.67", "low #d62728 0; high #2ca02c 5"]


def _maybe(options: list[Any]) -> st.SearchStrategy[Any]:
    return st.sampled_from(options)


ROWS: dict[str, st.SearchStrategy[dict[str, Any]]] = {
    "scorecards": st.fixed_dictionaries({
        "scorecard_id": _maybe(CARDS[:3]), "name": st.just("A scorecard"), "parent_id": _maybe([None, *CARDS]),
        "horizon_start": _maybe([None, "2026-01", "2027Q1"]), "horizon_end": _maybe([None, "2026-12", "2025"]),
        "review_frequency": _maybe(["M", "Q", "A"]), "green_from": _maybe([6.0, 3.0]),
        "amber_from": _maybe([3.0, 5.0]), "dot_votes": _maybe([1, 3]), "bands": _maybe(BANDS),
        "missing_policy": _maybe([None, "carry_forward:2", "carry_forward:0"])}),
    "perspectives": st.fixed_dictionaries({
        "scorecard_id": _maybe(CARDS), "perspective_id": _maybe(PERSPECTIVES), "name": st.just("P"),
        "position": st.integers(1, 3)}),
    "objectives": st.fixed_dictionaries({
        "objective_id": _maybe(OBJECTIVES[:5]), "scorecard_id": _maybe(CARDS), "perspective_id": _maybe(PERSPECTIVES),
        "title": st.just("Grow something useful"), "supports": _maybe([None, *OBJECTIVES])}),
    "links": st.fixed_dictionaries({
        "scorecard_id": _maybe(CARDS), "cause": _maybe(OBJECTIVES), "effect": _maybe(OBJECTIVES)}),
    "kpis": st.fixed_dictionaries({
        "kpi_id": _maybe(KPIS[:4]), "scorecard_id": _maybe(CARDS), "objective_id": _maybe(OBJECTIVES),
        "name": st.just("K"), "polarity": _maybe(["higher", "lower", "range"]), "frequency": _maybe(["M", "Q", "A"]),
        "aggregation": _maybe(["sum", "last"]),
        "expression": _maybe([None, None, "k1 + k2", "k2 * 2", "k1 / [k3]", "org.k4", "dept.k1 - k9", "k3 +",
                              "sum(k1, k2)"]),
        "target_rule": _maybe(["typed", "expression"]), "bands": _maybe(BANDS),
        "missing_policy": _maybe([None, "zero", "often"])}),
    "targets": st.fixed_dictionaries({
        "kpi_id": _maybe(KPIS), "period": _maybe(PERIODS), "scorecard_id": _maybe(CARDS),
        "target": _maybe(NUMBERS), "red_flag": _maybe(NUMBERS), "lower": _maybe(NUMBERS), "upper": _maybe(NUMBERS),
        "tolerance": _maybe([None, 1.0])}),
    "actuals": st.fixed_dictionaries({
        "kpi_id": _maybe(KPIS), "period": _maybe(PERIODS), "scorecard_id": _maybe(CARDS), "value": _maybe([1.0, 2.0])}),
    "initiatives": st.fixed_dictionaries({
        "initiative_id": _maybe(INITIATIVES[:2]), "scorecard_id": _maybe(CARDS),
        "objective_id": _maybe([None, *OBJECTIVES]), "title": st.just("Do it"), "start": _maybe(DATES),
        "due": _maybe(DATES)}),
    "tasks": st.fixed_dictionaries({
        "task_id": _maybe(["T1", "T2", "T3"]), "scorecard_id": _maybe(CARDS), "initiative_id": _maybe(INITIATIVES),
        "description": st.just("A task"), "owner": st.just("Ann"), "due": _maybe(DATES[1:])}),
    "comments": st.fixed_dictionaries({
        "scorecard_id": _maybe(CARDS), "subject_type": _maybe(["scorecard", "perspective", "objective", "kpi",
                                                               "initiative"]),
        "subject_id": _maybe([*CARDS, *PERSPECTIVES, *OBJECTIVES, *KPIS, *INITIATIVES]), "period": _maybe(PERIODS),
        "kind": _maybe(["analysis", "note"]), "text": st.just("A comment")}),
    "candidates": st.fixed_dictionaries({
        "candidate_id": _maybe(CANDIDATES[:2]), "scorecard_id": _maybe(CARDS), "kind": _maybe(["objective", "kpi"]),
        "title": st.just("An idea"), "perspective_id": _maybe([None, *PERSPECTIVES]),
        "objective_id": _maybe([None, *OBJECTIVES]), "status": _maybe(["proposed", "accepted", "rejected"]),
        "decision_note": _maybe([None, "Why"]), "accepted_as": _maybe([None, "F9"])}),
    "discussion": st.fixed_dictionaries({
        "scorecard_id": _maybe(CARDS), "candidate_id": _maybe(CANDIDATES), "number": st.just(1),
        "text": st.just("I agree")}),
    "votes": st.fixed_dictionaries({
        "scorecard_id": _maybe(CARDS), "candidate_id": _maybe(CANDIDATES), "voter": _maybe(["Ann", "Bo"]),
        "dots": st.integers(1, 3)}),
    "signoffs": st.fixed_dictionaries({
        "scorecard_id": _maybe(CARDS), "number": st.integers(1, 2), "signed_by": st.just("Ann"),
        "decision": _maybe(["approve", "object"]), "plan_fingerprint": st.just("abc"),
        "table_versions": st.just("{}")}),
}


def _frame(table: str, rows: list[dict[str, Any]]) -> pd.DataFrame:
    frame, _ = coerce(TABLES[table], rows or pd.DataFrame(columns=TABLES[table].names))
    return frame.drop_duplicates(subset=list(TABLES[table].key), keep="last").reset_index(drop=True)


plans = st.fixed_dictionaries({name: st.lists(ROWS[name], max_size=5) for name in PLAN_TABLES})
edits = st.sampled_from(PLAN_TABLES).flatmap(
    lambda table: st.tuples(st.just(table), st.lists(ROWS[table], max_size=2), st.lists(st.integers(0, 9), max_size=2)))


def _apply(frames: dict[str, pd.DataFrame], table: str, upserts: list[dict[str, Any]],
           removals: list[int]) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    """The plan after upserting ``upserts`` and removing the rows at ``removals`` of ``table``; the touched keys."""
    key = list(TABLES[table].key)
    current = frames[table]
    removed = current.iloc[[i for i in sorted(set(removals)) if i < len(current)]]
    new = _frame(table, upserts)
    touched = pd.concat([removed[key], new[key]], ignore_index=True).drop_duplicates()
    drop = pd.MultiIndex.from_frame(current[key].astype(object)).isin(
        pd.MultiIndex.from_frame(touched.astype(object)))
    after = {**frames, table: pd.concat([current[~drop], new], ignore_index=True)}
    return after, touched


def _seen(problems: list[Any]) -> set[tuple[Any, ...]]:
    """Problems compared whole: what they are about (their identity), and their message and fix."""
    return {(*p.identity, p.message, p.fix) for p in problems}


_CARD = {"scorecard_id": "org", "name": "A scorecard", "parent_id": None, "horizon_start": None, "horizon_end": None,
         "review_frequency": "M", "green_from": 6.0, "amber_from": 3.0}


@settings(max_examples=80, deadline=None)
@given(plans, edits)
@example(  # removing a scorecard leaves its perspectives naming a scorecard that does not exist
    plan={name: [] for name in PLAN_TABLES} | {
        "scorecards": [_CARD], "perspectives": [{"scorecard_id": "org", "perspective_id": "fin", "name": "P",
                                                  "position": 1}]},
    edit=("scorecards", [], [0]))
@example(  # closing a cycle of calculated KPIs: the KPI already saved (not touched) is in the cycle too
    plan={name: [] for name in PLAN_TABLES} | {
        "scorecards": [_CARD],
        "kpis": [{"kpi_id": "k1", "scorecard_id": "org", "objective_id": "O1", "name": "K", "polarity": "higher",
                  "frequency": "M", "aggregation": "sum", "expression": "k2 * 2", "target_rule": "typed"},
                 {"kpi_id": "k2", "scorecard_id": "org", "objective_id": "O1", "name": "K", "polarity": "higher",
                  "frequency": "M", "aggregation": "sum", "expression": None, "target_rule": "typed"}]},
    edit=("kpis", [{"kpi_id": "k2", "scorecard_id": "org", "objective_id": "O1", "name": "K", "polarity": "higher",
                    "frequency": "M", "aggregation": "sum", "expression": "k1 + k2", "target_rule": "typed"}], []))
def test_checking_a_change_finds_what_the_whole_plan_check_adds(plan: dict[str, list[dict[str, Any]]],
                                                                edit: tuple[str, list[dict[str, Any]], list[int]]
                                                                ) -> None:
    before = {name: _frame(name, rows) for name, rows in plan.items()}
    table, upserts, removals = edit
    after, touched = _apply(before, table, upserts, removals)
    existing = {p.identity for p in check_plan(before)}
    whole = _seen([p for p in check_plan(after) if p.identity not in existing])
    found = _seen(check_change(before, after, table, touched))
    assert found == whole, (sorted(found - whole), sorted(whole - found))


def test_the_neighbourhood_of_a_kpi_holds_its_targets_and_actuals_and_not_the_rest() -> None:
    plan = {name: _frame(name, rows) for name, rows in {
        "scorecards": [{"scorecard_id": "org", "name": "Org"}],
        "objectives": [{"objective_id": "O1", "scorecard_id": "org", "perspective_id": "fin", "title": "Grow it"},
                       {"objective_id": "O2", "scorecard_id": "org", "perspective_id": "fin", "title": "Keep it"}],
        "kpis": [{"kpi_id": "k1", "scorecard_id": "org", "objective_id": "O1", "name": "K1"},
                 {"kpi_id": "k2", "scorecard_id": "org", "objective_id": "O2", "name": "K2"}],
        "actuals": [{"kpi_id": k, "period": p, "scorecard_id": "org", "value": 1.0}
                    for k in ("k1", "k2") for p in ("2026-01", "2026-02")],
    }.items()}
    plan |= {name: _frame(name, []) for name in PLAN_TABLES if name not in plan}
    part, _, checked = neighbourhood(plan, plan, "kpis", pd.DataFrame({"kpi_id": ["k1"]}))
    assert checked == {"kpis", "actuals"}, "the KPI and the records that refer to it are checked"
    assert set(part["actuals"]["kpi_id"]) == {"k1"} and len(part["actuals"]) == 2
    assert set(part["objectives"]["objective_id"]) == {"O1"}, "the KPI's objective, not the others"
    assert set(part["kpis"]["kpi_id"]) == {"k1"}
