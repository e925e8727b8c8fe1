"""Calculated KPIs in the plan: which KPIs an expression reads, in which order, and what is wrong with it.

The scoring engine (:mod:`bsc_widgets.scoring.calculated`) and the checks of a save
(:mod:`bsc_widgets.model.rules`) both use these functions, so they agree on which KPI an
expression names, which scorecards it may read from and the order in which calculated
KPIs are computed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import pandas as pd

from .expressions import ExpressionError, Node, Ref, parse, references, resolve
from .periods import FREQUENCIES, PER_YEAR
from .values import is_missing


def is_calculated(expression: object) -> bool:
    """True when a KPI's ``expression`` is filled in (the KPI is calculated)."""
    return not is_missing(expression) and bool(str(expression).strip())


def calculated_rows(kpis: pd.DataFrame) -> pd.Series:
    """Which KPIs are calculated (a boolean per row)."""
    if "expression" not in kpis:
        return pd.Series(False, index=kpis.index)
    text = kpis["expression"].astype("string")
    return (text.notna() & (text.str.strip() != "")).fillna(False).astype(bool)


def mentioned_ids(expression: str) -> set[str]:
    """Every KPI id the expression could mean (each reading of each reference); empty when it cannot be read."""
    try:
        node = parse(expression)
    except ExpressionError:
        return set()
    return {kpi for ref in references(node) for _, kpi in ref.readings}


def departments(scorecards: pd.DataFrame) -> dict[str, set[str]]:
    """Each scorecard and the scorecards below it (its departments, theirs, …), by scorecard id."""
    parent = dict(zip(scorecards["scorecard_id"], scorecards["parent_id"], strict=True))
    below: dict[str, set[str]] = {sid: {sid} for sid in parent}
    for sid in parent:
        seen, node = {sid}, parent[sid]
        while isinstance(node, str) and node in below and node not in seen:
            below[node].add(sid)
            seen.add(node)
            node = parent[node]
    return below


@dataclass(frozen=True)
class Reading:
    """What one calculated KPI's expression reads: its tree, the KPI ids it names, and what it cannot name."""

    node: Node | None
    inputs: tuple[str, ...]
    unknown: tuple[Ref, ...]
    error: ExpressionError | None = None


def read_expression(expression: str, scorecard_of: Mapping[str, str]) -> Reading:
    """The inputs of ``expression`` (distinct, in the order written) given each KPI's scorecard."""
    try:
        node = parse(expression)
    except ExpressionError as exc:
        return Reading(None, (), (), exc)
    inputs: list[str] = []
    unknown: list[Ref] = []
    for ref in references(node):
        kpi = resolve(ref, scorecard_of)
        if kpi is None:
            unknown.append(ref)
        elif kpi not in inputs:
            inputs.append(kpi)
    return Reading(node, tuple(inputs), tuple(unknown))


def dependency_order(graph: Mapping[str, Iterable[str]]) -> tuple[list[str], list[list[str]]]:
    """Calculated KPIs in an order that computes every input first, and the cycles found.

    ``graph`` maps each calculated KPI to its inputs (other KPIs are leaves).  A KPI in a
    cycle, or reading one, is left out of the order; each cycle is listed once, from its
    smallest id back to it (``["a", "b", "a"]``).
    """
    state: dict[str, int] = {}
    order: list[str] = []
    cycles: list[list[str]] = []
    blocked: set[str] = set()

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(set(graph.get(node, ()))):
            if nxt not in graph:
                continue
            if state.get(nxt) == 1:
                cycle = path[path.index(nxt):]
                start = cycle.index(min(cycle))
                cycle = cycle[start:] + cycle[:start]
                if [*cycle, cycle[0]] not in cycles:
                    cycles.append([*cycle, cycle[0]])
                blocked.update(cycle)
            elif state.get(nxt) is None:
                visit(nxt, path)
            if nxt in blocked:
                blocked.add(node)
        path.pop()
        state[node] = 2
        if node not in blocked:
            order.append(node)

    for node in sorted(graph):
        if state.get(node) is None:
            visit(node, [])
    return order, cycles


def frequency_words(freq: str) -> str:
    """A frequency letter as a word (monthly, quarterly, annual)."""
    return FREQUENCIES.get(freq, freq)


def coarser(freq: str, than: str) -> bool:
    """True when ``freq`` is measured less often than ``than`` (a quarterly input of a monthly KPI)."""
    return freq in PER_YEAR and than in PER_YEAR and PER_YEAR[freq] < PER_YEAR[than]
