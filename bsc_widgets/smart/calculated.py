"""SMART checks of calculated KPIs: is the unit of what the expression computes the KPI's unit (Measurable)?"""

from __future__ import annotations

import pandas as pd

from ..model.calculated import calculated_rows, read_expression
from ..model.expressions import Binary, Call, Node, Ref, resolve
from .context import Context


def _unit(value: object) -> str:
    return " ".join(str(value).split()) if isinstance(value, str) else ""


def _mixed(node: Node, unit_of: dict[str, str], scorecard_of: dict[str, str]) -> tuple[str, str] | None:
    """Two different units added, subtracted or combined by sum/mean/min/max directly (first found)."""
    if isinstance(node, Binary):
        found = _mixed(node.left, unit_of, scorecard_of) or _mixed(node.right, unit_of, scorecard_of)
        if found or node.op not in "+-":
            return found
        operands = [node.left, node.right]
    elif isinstance(node, Call):
        for arg in node.args:
            if found := _mixed(arg, unit_of, scorecard_of):
                return found
        if node.function == "abs":
            return None
        operands = list(node.args)
    else:
        return None
    units = [unit_of.get(resolve(op, scorecard_of) or "", "") for op in operands if isinstance(op, Ref)]
    units = list(dict.fromkeys(u for u in units if u))
    return (units[0], units[1]) if len(units) > 1 else None


def _percent_ratio(node: Node, unit_of: dict[str, str], scorecard_of: dict[str, str]) -> bool:
    """True when the expression divides one '%' KPI by another."""
    if isinstance(node, Binary):
        if node.op == "/" and all(isinstance(op, Ref) and unit_of.get(resolve(op, scorecard_of) or "") == "%"
                                  for op in (node.left, node.right)):
            return True
        return _percent_ratio(node.left, unit_of, scorecard_of) or _percent_ratio(node.right, unit_of, scorecard_of)
    if isinstance(node, Call):
        return any(_percent_ratio(arg, unit_of, scorecard_of) for arg in node.args)
    return False


def check_calculated(ctx: Context) -> None:
    """Unit hints for calculated KPIs: inputs of different units added, a ratio of two percentages shown as '%'."""
    kpis: pd.DataFrame = ctx.f["kpis"]
    if kpis.empty or "expression" not in kpis:
        return
    everyone = kpis  # the KPIs checked (an input of another scorecard is not judged)
    unit_of = {str(k): _unit(u) for k, u in zip(everyone["kpi_id"], everyone["unit"], strict=True)}
    scorecard_of = {str(k): str(s) for k, s in zip(everyone["kpi_id"], everyone["scorecard_id"], strict=True)}
    for k in kpis[calculated_rows(kpis).to_numpy(dtype=bool)].itertuples(index=False):
        node = read_expression(str(k.expression), scorecard_of).node
        if node is None:
            continue
        label = ctx.label("kpi", k.scorecard_id, k.kpi_id)
        if mixed := _mixed(node, unit_of, scorecard_of):
            ctx.add("kpi-calc-units", k.scorecard_id, k.kpi_id,
                    f"The expression of {label} ({k.expression}) adds or compares KPIs measured in different units "
                    f"('{mixed[0]}' and '{mixed[1]}'), so its result has no clear unit.",
                    "Combine KPIs of the same unit, or convert one of them in the expression (e.g. multiply by a "
                    "rate) and say so in the KPI's definition.")
        elif _percent_ratio(node, unit_of, scorecard_of) and _unit(k.unit) == "%":
            ctx.add("kpi-calc-units", k.scorecard_id, k.kpi_id,
                    f"The expression of {label} ({k.expression}) divides one percentage by another: the result is a "
                    "plain ratio (0.5 for half), not a percentage.",
                    "Multiply the expression by 100 if the KPI is meant in %, or change the KPI's unit to 'ratio'.")
