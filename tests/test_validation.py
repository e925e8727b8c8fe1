"""Every invalid example of the data model is refused with a message naming the field and the fix,
and nothing is written."""

from __future__ import annotations

from typing import Any

import pytest

from bsc_widgets import BscValidationError, Store


def refused(store: Store, table: str, records: list[dict[str, Any]]) -> BscValidationError:
    """Save ``records`` expecting a refusal; check that no table changed."""
    before = {t: store.version(t) for t in ("scorecards", "objectives", "links", "kpis", "targets", "tasks")}
    with pytest.raises(BscValidationError) as info:
        store.upsert(table, records)
    assert {t: store.version(t) for t in before} == before, "a refused save wrote something"
    assert str(info.value).startswith(f"{len(info.value.problems)} problem")
    return info.value


def target(**fields: Any) -> dict[str, Any]:
    return {"kpi_id": "rev", "period": "2026-01", "scorecard_id": "org", **fields}


def test_target_that_is_not_a_number(plan: Store) -> None:
    error = refused(plan, "targets", [target(target="ten", red_flag=5)])
    [problem] = error.problems
    assert (problem.table, problem.record, problem.field, problem.value) == ("targets", "rev/2026-01", "target", "ten")
    assert "must be a number" in problem.message and "enter a number" in problem.fix


def test_red_flag_equal_to_target(plan: Store) -> None:
    [problem] = refused(plan, "targets", [target(target=5, red_flag=5)]).problems
    assert problem.field == "red_flag" and "equals the target" in problem.message
    assert "below the target" in problem.fix


def test_red_flag_above_target_of_higher_is_better_kpi(plan: Store) -> None:
    [problem] = refused(plan, "targets", [target(target=5, red_flag=8)]).problems
    assert problem.field == "red_flag" and "above the target" in problem.message
    assert "higher is better" in problem.message and "below the target" in problem.fix


def test_red_flag_below_target_of_lower_is_better_kpi(plan: Store) -> None:
    records = [{"kpi_id": "churn", "period": "2026Q1", "scorecard_id": "org", "target": 5, "red_flag": 3}]
    [problem] = refused(plan, "targets", records).problems
    assert problem.field == "red_flag" and "lower is better" in problem.message


def test_range_kpi_needs_a_band(plan: Store) -> None:
    plan.upsert("kpis", [{"kpi_id": "stock", "scorecard_id": "org", "objective_id": "F1", "name": "Stock cover",
                          "polarity": "range", "frequency": "M", "aggregation": "mean"}])
    records = [{"kpi_id": "stock", "period": "2026-01", "scorecard_id": "org", "lower": 40, "upper": 30}]
    error = refused(plan, "targets", records)
    assert {(p.field, p.message) for p in error.problems} == {
        ("tolerance", "is required for a range KPI"), ("upper", "must be above the lower bound (40)")}
    plan.upsert("targets", [{**records[0], "upper": 45, "tolerance": 5}])


def test_period_that_is_not_a_month_quarter_or_year(plan: Store) -> None:
    [problem] = refused(plan, "targets", [target(period="2026-13", target=5, red_flag=3)]).problems
    assert problem.field == "period" and problem.value == "2026-13"
    assert "2026-03" in problem.fix and "2026Q1" in problem.fix


def test_period_of_the_wrong_frequency(plan: Store) -> None:
    [problem] = refused(plan, "actuals", [{"kpi_id": "rev", "period": "2026Q1", "scorecard_id": "org",
                                           "value": 3}]).problems
    assert problem.field == "period" and "measured monthly" in problem.message


def test_task_without_owner_or_due_date(plan: Store) -> None:
    plan.upsert("initiatives", [{"initiative_id": "I1", "scorecard_id": "org", "objective_id": "F1",
                                 "title": "Open two stores"}])
    error = refused(plan, "tasks", [{"task_id": "T1", "scorecard_id": "org", "initiative_id": "I1",
                                     "description": "Sign the lease", "owner": "  "}])
    assert {(p.field, p.message) for p in error.problems} == {("owner", "is required"), ("due", "is required")}
    assert all(p.record == "T1" and p.fix.startswith("enter the") for p in error.problems)


def test_objective_in_a_perspective_that_does_not_exist(plan: Store) -> None:
    [problem] = refused(plan, "objectives", [{"objective_id": "X1", "scorecard_id": "org",
                                              "perspective_id": "marketing", "title": "Be loved"}]).problems
    assert problem.field == "perspective_id" and problem.value == "marketing"
    assert "does not exist" in problem.message
    assert "customer, financial, internal, learning" in problem.fix


def test_link_that_makes_an_objective_cause_itself(plan: Store) -> None:
    [problem] = refused(plan, "links", [{"scorecard_id": "org", "cause": "F1", "effect": "F1"}]).problems
    assert problem.field == "effect" and "cannot cause itself" in problem.message


def test_duplicate_ids(plan: Store) -> None:
    records = [{"objective_id": "L1", "scorecard_id": "org", "perspective_id": "learning", "title": "Learn fast"},
               {"objective_id": "L1", "scorecard_id": "org", "perspective_id": "learning", "title": "Learn more"}]
    [problem] = refused(plan, "objectives", records).problems
    assert problem.record == "L1" and "duplicate" in problem.message and "own id" in problem.fix


def test_cascade_cycle_between_scorecards(plan: Store) -> None:
    plan.upsert("scorecards", [{"scorecard_id": "sales", "name": "Sales", "parent_id": "org"}])
    error = refused(plan, "scorecards", [{"scorecard_id": "org", "name": "Org", "parent_id": "sales"}])
    assert [p.field for p in error.problems] == ["parent_id", "parent_id"]
    assert "org -> sales -> org" in str(error) and "cascade" in error.problems[0].fix


def test_department_objective_supports_only_its_parent_scorecard(plan: Store) -> None:
    plan.upsert("scorecards", [{"scorecard_id": "sales", "name": "Sales", "parent_id": "org"}])
    plan.upsert("perspectives", [{"scorecard_id": "sales", "perspective_id": "customer", "name": "Customer",
                                  "position": 1}])
    plan.upsert("objectives", [{"objective_id": "S1", "scorecard_id": "sales", "perspective_id": "customer",
                                "title": "Win new accounts in the north", "supports": "C1"}])
    [problem] = refused(plan, "objectives", [{"objective_id": "C2", "scorecard_id": "org",
                                              "perspective_id": "customer", "title": "Serve well",
                                              "supports": "S1"}]).problems
    assert problem.field == "supports" and "parent scorecard" in problem.message


def test_every_problem_is_reported_at_once(plan: Store) -> None:
    records = [target(period="2026-01", target="ten", red_flag=5), target(period="2026-02", target=5, red_flag=5),
               target(period="2026-03", target=5, red_flag=9), target(period="2026-14", target=5, red_flag=3),
               target(kpi_id="nope", period="2026-04", target=5, red_flag=3)]
    error = refused(plan, "targets", records)
    assert sorted((p.record, p.field) for p in error.problems) == [
        ("nope/2026-04", "kpi_id"), ("rev/2026-01", "target"), ("rev/2026-02", "red_flag"),
        ("rev/2026-03", "red_flag"), ("rev/2026-14", "period")]
    assert all(p.fix for p in error.problems)


def test_unknown_column_and_bad_choice(plan: Store) -> None:
    error = refused(plan, "kpis", [{"kpi_id": "nps", "scorecard_id": "org", "objective_id": "C1", "name": "NPS",
                                    "polarity": "up", "colour": "red"}])
    assert {(p.field, p.message) for p in error.problems} == {
        ("colour", "is not a column of this table"), ("polarity", "is not one of the allowed values")}
    assert "higher, lower, range" in next(p.fix for p in error.problems if p.field == "polarity")


def test_bad_id_and_numbers_out_of_bounds(plan: Store) -> None:
    error = refused(plan, "objectives", [{"objective_id": "has space", "scorecard_id": "org",
                                          "perspective_id": "customer", "title": "x", "weight": -1}])
    assert {p.field for p in error.problems} == {"objective_id", "weight"}


def test_decimal_comma_is_read_as_a_number(plan: Store) -> None:
    plan.upsert("targets", [target(target="12,5", red_flag="10")])
    assert plan.read("targets")["target"].tolist() == [12.5]


@pytest.mark.parametrize(("text", "value"), [
    ("1234.5", 1234.5), ("1,234.5", 1234.5), ("1.234,5", 1234.5), ("1 234,5", 1234.5), ("12,5", 12.5),
    ("1,234,567", 1234567), ("8.950", 8.95), ("-3,25", -3.25),
])
def test_number_formats(plan: Store, text: str, value: float) -> None:
    plan.upsert("actuals", [{"kpi_id": "rev", "period": "2026-01", "scorecard_id": "org", "value": text}])
    assert plan.read("actuals")["value"].tolist() == [value]


def test_ambiguous_thousands_comma_is_refused(plan: Store) -> None:
    [problem] = refused(plan, "actuals", [{"kpi_id": "rev", "period": "2026-01", "scorecard_id": "org",
                                           "value": "8,950"}]).problems
    assert problem.field == "value" and "two different numbers" in problem.message and "8950" in problem.fix
