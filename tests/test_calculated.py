"""Calculated KPIs: the worked examples of docs/scoring.md, section 9, on real stores."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from deltalake import DeltaTable
from plans import make_older

from bsc_widgets import Store
from bsc_widgets.cli import main
from bsc_widgets.errors import BscValidationError
from bsc_widgets.model.expressions import ExpressionError, parse, references
from bsc_widgets.model.schema import SCHEMA_VERSION
from bsc_widgets.scoring import score_review
from bsc_widgets.smart import check_smart

ORG = {"scorecard_id": "org", "objective_id": "O1"}


def _cli(*args: str) -> Any:
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == 0, result.output
    return result


def _fresh(tmp_path: Path) -> Store:
    """A store made by `bsc init` with one scorecard, perspective and objective."""
    where = str(tmp_path / "plan")
    _cli("init", where)
    store = Store.open(where)
    store.upsert("scorecards", [{"scorecard_id": "org", "name": "Org", "horizon_start": "2026-01",
                                 "horizon_end": "2026-12", "review_frequency": "Q"}])
    store.upsert("perspectives", [{"scorecard_id": "org", "perspective_id": "financial", "name": "Financial",
                                   "position": 1}])
    store.upsert("objectives", [{"objective_id": "O1", "scorecard_id": "org", "perspective_id": "financial",
                                 "title": "Grow revenue per head"}])
    return store


def _card(store: Store, scorecard: str, parent: str | None) -> None:
    store.upsert("scorecards", [{"scorecard_id": scorecard, "name": scorecard.title(), "parent_id": parent}])
    store.upsert("perspectives", [{"scorecard_id": scorecard, "perspective_id": "financial", "name": "Financial",
                                   "position": 1}])


def _ratio_store(tmp_path: Path) -> Store:
    """Section 9, first example: revenue / [head-count], targets by expression."""
    store = _fresh(tmp_path)
    store.upsert("kpis", [
        {**ORG, "kpi_id": "revenue", "name": "Revenue", "unit": "EUR k", "frequency": "Q", "aggregation": "sum"},
        {**ORG, "kpi_id": "head-count", "name": "Head count", "frequency": "Q", "aggregation": "last"},
        {**ORG, "kpi_id": "rev-per-head", "name": "Revenue per head", "frequency": "Q",
         "expression": "revenue / [head-count]", "target_rule": "expression"}])
    store.upsert("actuals", [{"kpi_id": k, "period": p, "scorecard_id": "org", "value": v}
                             for k, p, v in (("revenue", "2026Q1", 1200), ("head-count", "2026Q1", 40),
                                             ("revenue", "2026Q2", 1300))])
    store.upsert("targets", [{"kpi_id": k, "period": p, "scorecard_id": "org", "target": t, "red_flag": r}
                             for p in ("2026Q1", "2026Q2")
                             for k, t, r in (("revenue", 1250, 1000), ("head-count", 40, 35))])
    return store


def test_bsc_score_shows_the_ratio_computed_from_its_inputs_and_why_it_is_blank(tmp_path: Path) -> None:
    store = _ratio_store(tmp_path)
    out = _cli("score", "--store", store.location, "--period", "2026Q1", "--period", "2026Q2").output
    q1, q2 = out.split("— 2026Q2")
    assert "rev-per-head: 30.0 vs target 31.2 → 5.11 amber" in q1
    assert "calculated as revenue / [head-count] with revenue 1,200.0, head-count 40.0" in q1
    assert "rev-per-head: — vs target 31.2" in q2
    assert "blank: input head-count has no actual for 2026Q2" in q2
    data = json.loads(_cli("score", "--store", store.location, "--period", "2026Q1", "--period", "2026Q2",
                           "--format", "json").output)
    ratio = {k["period"]: k for k in data["kpis"] if k["kpi_id"] == "rev-per-head"}
    assert ratio["2026Q1"]["actual"] == 1200 / 40 and ratio["2026Q1"]["calc_missing"] == ""
    assert ratio["2026Q1"]["target"] == 1250 / 40 and ratio["2026Q1"]["red_flag"] == pytest.approx(1000 / 35)
    assert ratio["2026Q1"]["score"] == pytest.approx(10 / 3 * (1 + (30 - 1000 / 35) / (1250 / 40 - 1000 / 35)))
    assert ratio["2026Q2"]["actual"] is None
    assert ratio["2026Q2"]["calc_missing"] == "input head-count has no actual for 2026Q2"
    assert ratio["2026Q1"]["expression"] == "revenue / [head-count]"
    lineage = [(r["period"], r["input_id"], r["input_actual"]) for r in data["lineage"]]
    assert lineage == [("2026Q1", "revenue", 1200.0), ("2026Q1", "head-count", 40.0),
                       ("2026Q2", "revenue", 1300.0), ("2026Q2", "head-count", None)]


def test_a_cycle_is_refused_naming_both_kpis(tmp_path: Path) -> None:
    store = _fresh(tmp_path)
    store.upsert("kpis", [{**ORG, "kpi_id": "base", "name": "Base"}])
    with pytest.raises(BscValidationError) as refused:
        store.upsert("kpis", [{**ORG, "kpi_id": "a", "name": "A", "expression": "b + 1"},
                              {**ORG, "kpi_id": "b", "name": "B", "expression": "a * 2"}])
    problems = {p.record: p for p in refused.value.problems}
    assert set(problems) == {"a", "b"} and {p.code for p in problems.values()} == {"expression_cycle"}
    assert "makes a cycle of calculated KPIs 'a', 'b': a -> b -> a" in problems["a"].message
    # One at a time: the second closes the cycle and is refused; the first stays as saved.
    store.upsert("kpis", [{**ORG, "kpi_id": "a", "name": "A", "expression": "base + 1"}])
    store.upsert("kpis", [{**ORG, "kpi_id": "b", "name": "B", "expression": "a * 2"}])
    with pytest.raises(BscValidationError, match="'a', 'b': a -> b -> a"):
        store.upsert("kpis", [{**ORG, "kpi_id": "a", "name": "A", "expression": "b + 1", "revision": 1}])
    assert store.read("kpis").set_index("kpi_id").at["a", "expression"] == "base + 1"


@pytest.mark.parametrize(("expression", "frequency", "code", "words"), [
    ("revenue / (x - 2)", "Q", "expression_unknown_kpi", "names 'x', which is not a KPI"),
    ("revenue /", "Q", "expression_syntax",
     "cannot be read: expected a KPI, a number or '(', found the end of the expression (at character 10)"),
    ("revenue", "M", "expression_frequency",
     "reads 'revenue' (measured quarterly), less often than this KPI (measured monthly)"),
    ("other.sales * 2", "Q", "expression_other_scorecard",
     "names 'sales' of scorecard 'other', which is not scorecard 'org' or one of its departments"),
])
def test_an_expression_is_checked_when_saved(tmp_path: Path, expression: str, frequency: str, code: str,
                                             words: str) -> None:
    store = _fresh(tmp_path)
    _card(store, "other", None)
    store.upsert("objectives", [{"objective_id": "X1", "scorecard_id": "other", "perspective_id": "financial",
                                 "title": "Sell more"}])
    store.upsert("kpis", [{**ORG, "kpi_id": "revenue", "name": "Revenue", "frequency": "Q"},
                          {"scorecard_id": "other", "objective_id": "X1", "kpi_id": "sales", "name": "Sales",
                           "frequency": "Q"}])
    with pytest.raises(BscValidationError) as refused:
        store.upsert("kpis", [{**ORG, "kpi_id": "calc", "name": "Calc", "frequency": frequency,
                               "expression": expression}])
    [problem] = refused.value.problems
    assert (problem.code, problem.field, problem.value) == (code, "expression", expression)
    assert words in problem.message


def test_actuals_of_a_calculated_kpi_and_targets_computed_by_expression_are_refused(tmp_path: Path) -> None:
    store = _ratio_store(tmp_path)
    with pytest.raises(BscValidationError) as refused:
        store.upsert("actuals", [{"kpi_id": "rev-per-head", "period": "2026Q3", "scorecard_id": "org", "value": 3}])
    assert [p.code for p in refused.value.problems] == ["calculated_actual"]
    assert "is calculated as revenue / [head-count]" in refused.value.problems[0].message
    with pytest.raises(BscValidationError, match="computes its targets with its expression"):
        store.upsert("targets", [{"kpi_id": "rev-per-head", "period": "2026Q3", "scorecard_id": "org",
                                  "target": 30, "red_flag": 25}])
    with pytest.raises(BscValidationError, match="has no expression to compute targets with"):
        store.upsert("kpis", [{**ORG, "kpi_id": "revenue", "name": "Revenue", "unit": "EUR k", "frequency": "Q",
                               "aggregation": "sum", "target_rule": "expression", "revision": 1}])
    with pytest.raises(BscValidationError, match="'head-count' \\(measured quarterly\\), less often"):
        store.upsert("kpis", [{**ORG, "kpi_id": "rev-per-head", "name": "Revenue per head", "frequency": "M",
                               "expression": "revenue / [head-count]", "revision": 1}])
    with pytest.raises(BscValidationError, match="names 'revenue', which is not a KPI"):
        store.delete("kpis", [{"kpi_id": "revenue"}])


def _rate_store(tmp_path: Path, frequency: str, aggregation: str, deliveries: tuple[float, ...]) -> Store:
    store = _fresh(tmp_path)
    store.upsert("kpis", [
        {**ORG, "kpi_id": "on-time", "name": "On time", "frequency": "M", "aggregation": "sum"},
        {**ORG, "kpi_id": "deliveries", "name": "Deliveries", "frequency": "M", "aggregation": "sum"},
        {**ORG, "kpi_id": "on-time-rate", "name": "On-time rate", "unit": "%", "frequency": frequency,
         "aggregation": aggregation, "expression": "100 * [on-time] / deliveries"}])
    months = ("2026-01", "2026-02", "2026-03")
    store.upsert("actuals", [{"kpi_id": k, "period": m, "scorecard_id": "org", "value": v}
                             for k, values in (("on-time", (90, 95, 100)), ("deliveries", deliveries))
                             for m, v in zip(months, values, strict=True)])
    return store


def _rate(store: Store) -> Any:
    kpis = score_review(store.read_all(), "2026Q1").kpis.set_index("kpi_id")
    return kpis.loc["on-time-rate"]


def test_monthly_inputs_are_aggregated_by_their_own_rule_before_a_quarterly_rate(tmp_path: Path) -> None:
    rate = _rate(_rate_store(tmp_path, "Q", "last", (100, 100, 100)))
    assert rate["actual"] == pytest.approx(100 * 285 / 300) and rate["calc_missing"] == ""


def test_a_monthly_rate_is_aggregated_to_the_quarter_by_its_rule_and_a_division_by_zero_is_blank(
        tmp_path: Path) -> None:
    store = _rate_store(tmp_path, "M", "mean", (100, 100, 100))
    assert _rate(store)["actual"] == pytest.approx(95.0)
    store.upsert("actuals", [{"kpi_id": "deliveries", "period": "2026-02", "scorecard_id": "org", "value": 0,
                              "revision": 1}])
    rate = _rate(store)
    assert rate["actual"] == pytest.approx(95.0) and rate["missing_sub_periods"] == 1, "mean of January and March"
    monthly = score_review(store.read_all(), "2026-02").kpis.set_index("kpi_id").loc["on-time-rate"]
    assert np.isnan(monthly["actual"]) and monthly["calc_missing"] == "division by zero in 2026-02"


def test_calculated_kpis_reading_calculated_kpis_and_departments(tmp_path: Path) -> None:
    store = _fresh(tmp_path)
    for department in ("north", "south"):
        _card(store, department, "org")
    store.upsert("objectives", [{"objective_id": f"{s}-O", "scorecard_id": s, "perspective_id": "financial",
                                 "title": "Sell more gear"} for s in ("north", "south")])
    store.upsert("kpis", [{"scorecard_id": s, "objective_id": f"{s}-O", "kpi_id": k, "name": k, "frequency": "Q"}
                          for s, k in (("north", "sales"), ("south", "net-sales"))])
    store.upsert("kpis", [{**ORG, "kpi_id": "total", "name": "Total", "frequency": "Q",
                           "expression": "sum(north.sales, [south].[net-sales])"}])
    store.upsert("kpis", [{**ORG, "kpi_id": "gap", "name": "Gap to 100", "frequency": "Q",
                           "expression": "abs(total - 100)"}])
    store.upsert("actuals", [{"kpi_id": k, "period": "2026Q1", "scorecard_id": s, "value": v}
                             for s, k, v in (("north", "sales", 40), ("south", "net-sales", 35))])
    review = score_review(store.read_all(), "2026Q1", scorecard="org")
    actual = review.kpis.set_index("kpi_id")["actual"]
    assert actual["total"] == 75 and actual["gap"] == 25
    lineage = review.lineage[review.lineage["kpi_id"] == "total"]
    assert list(zip(lineage["input_id"], lineage["input_actual"], strict=True)) == [("sales", 40), ("net-sales", 35)]
    with pytest.raises(BscValidationError, match=re.escape("names '[north].[net-sales]', which is not a KPI")):
        store.upsert("kpis", [{**ORG, "kpi_id": "wrong", "name": "Wrong", "frequency": "Q",
                               "expression": "[north].[net-sales]"}])


def test_a_store_without_calculated_kpis_scores_as_before(tmp_path: Path) -> None:
    store = _rate_store(tmp_path, "Q", "last", (100, 100, 100))
    store.delete("kpis", [{"kpi_id": "on-time-rate"}])
    kpis = score_review(store.read_all(), "2026Q1").kpis
    assert set(kpis["calc_missing"]) == {""} and kpis["expression"].isna().all()
    assert list(kpis.set_index("kpi_id").loc[["on-time", "deliveries"], "actual"]) == [285, 300]


@pytest.mark.parametrize(("text", "message"), [
    ("(a + b", "expected ')' to close the '(' at character 1, found the end of the expression (at character 7)"),
    ("a # b", "'#' cannot be used in an expression; use numbers, KPI ids, + - * / and parentheses (at character 3)"),
    ("foo(a)", "'foo' is not a function; the functions are sum, mean, min, max, abs (at character 1)"),
    ("abs(a, b)", "abs takes exactly one value (at character 1)"),
    ("[rev-growth", "a '[' is not closed by ']' (at character 1)"),
    ("a b", "expected an operator (+ - * /) or the end, found 'b' (at character 3)"),
    ("__import__(os)", "'__import__' is not a function; the functions are sum, mean, min, max, abs "
                         "(at character 1)"),
    ("", "the expression is empty (at character 1)"),
    ("open('x')", "\"'\" cannot be used in an expression; use numbers, KPI ids, + - * / and parentheses "
                  "(at character 6)"),
])
def test_the_grammar_says_what_is_wrong_and_where(text: str, message: str) -> None:
    with pytest.raises(ExpressionError) as error:
        parse(text)
    assert str(error.value) == message


def test_the_grammar_reads_ids_brackets_and_departments() -> None:
    refs = references(parse("100 * [on-time] / deliveries + sum(north.sales, [south].[net-sales], dept.[k-1]) "
                            "- -x.y"))
    assert [r.text for r in refs] == ["[on-time]", "deliveries", "north.sales", "[south].[net-sales]", "dept.[k-1]",
                                      "x.y"]
    assert refs[2].readings == ((None, "north.sales"), ("north", "sales"))
    assert refs[3].readings == (("south", "net-sales"),)


def test_the_kpi_form_checks_the_expression_as_typed_and_previews_the_latest_value(
        sample_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from bsc_widgets.forms.workshop import open_workshop

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("BSC_STORE", raising=False)
    shutil.copytree(sample_template, tmp_path / "store")
    step = open_workshop(str(tmp_path / "store"), "org").kpis()
    step.form.selector.value = "complaints-per-member"
    # The sample's latest month: 338 complaints and 216.5 thousand active members in 2026-10.
    assert f"Latest computed value: <b>{338 / 216.5:.2f}</b> for 2026-10." in step.calculated.value
    expression = step.form.fields["expression"]
    expression.widget.value = "complaints / [active-members"
    assert "Cannot be read: a '[' is not closed by ']' (at character 14)" in expression.problem_text
    assert step.calculated.value == ""
    expression.widget.value = "complaints / [active]"
    assert "Names '[active]', which is not a KPI" in expression.problem_text
    expression.widget.value = "complaints / [complaints-per-member]"
    assert "Refers to itself" in expression.problem_text
    expression.widget.value = "complaints / [active-members]"
    assert expression.problem_text == "" and "Latest computed value" in step.calculated.value
    expression.widget.value = "complaints / [active-members] * 1000"
    assert f"<b>{338 / 216.5 * 1000:,.2f}</b>" in step.calculated.value
    assert step.form.save() is not None
    assert step.workshop.store.read("kpis").set_index("kpi_id").at["complaints-per-member", "expression"] == \
        "complaints / [active-members] * 1000"


def test_lint_hints_at_units_a_calculated_kpi_mixes(tmp_path: Path) -> None:
    store = _ratio_store(tmp_path)
    store.upsert("kpis", [
        {**ORG, "kpi_id": "share-a", "name": "Share A", "unit": "%", "frequency": "Q"},
        {**ORG, "kpi_id": "share-b", "name": "Share B", "unit": "%", "frequency": "Q"},
        {**ORG, "kpi_id": "odd-sum", "name": "Odd sum", "frequency": "Q", "expression": "revenue + [share-a]"},
        {**ORG, "kpi_id": "share-ratio", "name": "Share ratio", "unit": "%", "frequency": "Q",
         "expression": "[share-a] / [share-b]"}])
    findings = check_smart(store.read_all(), "org")
    hints = findings[findings["check"] == "kpi-calc-units"].set_index("subject_id")["message"]
    assert set(hints.index) == {"odd-sum", "share-ratio"}
    assert "different units ('EUR k' and '%')" in hints["odd-sum"]
    assert "divides one percentage by another" in hints["share-ratio"]
    no_target = findings[findings["check"] == "kpi-no-target"]["subject_id"]
    assert "rev-per-head" not in set(no_target), "its targets are computed from its inputs' targets"


def test_a_store_of_schema_four_is_upgraded_on_open_and_scores_as_before(sample_store: Path) -> None:
    store = Store.open(sample_store)
    store.delete("kpis", [{"kpi_id": "complaints-per-member"}])  # what a store of the previous release held
    before = score_review(store.read_all(), ["2026Q2", "2026Q3"])
    uri = str(make_older(sample_store, {"kpis": ["expression", "target_rule"]}, 4) / "kpis")
    upgraded = Store.open(sample_store)
    assert upgraded.schema_version == SCHEMA_VERSION == 5
    stored = DeltaTable(uri)
    assert {"expression", "target_rule"} <= set(stored.schema().to_arrow().names)
    assert stored.history(1)[0].get("bsc.operation") == "upgrade to schema version 5"
    read = upgraded.read("kpis")
    assert read["expression"].isna().all() and (read["target_rule"] == "typed").all()
    after = score_review(upgraded.read_all(), ["2026Q2", "2026Q3"])
    for level, frame in before.tables().items():
        pd.testing.assert_frame_equal(after.tables()[level], frame, obj=level)
