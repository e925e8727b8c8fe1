"""``bsc due`` and the workshop's due list: who owes what for a review period (every date is given, never today's)."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner, Result

from bsc_widgets import Store
from bsc_widgets.cli import main
from bsc_widgets.errors import InputError
from bsc_widgets.forms.steps.actuals import ActualsStep
from bsc_widgets.forms.workshop import open_workshop
from bsc_widgets.render.html import due_groups
from bsc_widgets.scoring.due import due

OCT_15 = dt.date(2026, 10, 15)


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def owed(items: pd.DataFrame) -> set[tuple[str, str, str, str]]:
    """(owner, kind, id, periods) of each item."""
    return set(zip(items["owner"], items["what"], items["id"], items["periods"], strict=True))


# ------------------------------------------------------------------ a small hand-made store
@pytest.fixture
def small(plan: Store) -> Store:
    """Org (quarterly reviews, horizon 2025-01 to 2027-12): revenue (monthly, Ann), churn (quarterly, nobody),
    satisfaction (annual, Dee); an initiative of Bob and tasks of Cat."""
    plan.upsert("kpis", [
        {"kpi_id": "rev", "scorecard_id": "org", "objective_id": "F1", "name": "Revenue", "polarity": "higher",
         "frequency": "M", "aggregation": "sum", "owner": "Ann Berg"},
        {"kpi_id": "sat", "scorecard_id": "org", "objective_id": "C1", "name": "Satisfaction", "polarity": "higher",
         "frequency": "A", "aggregation": "last", "owner": "Dee Moss"},
    ])
    months = [f"2026-{m:02d}" for m in range(7, 13)] + [f"2027-{m:02d}" for m in range(1, 7)]
    plan.upsert("targets", [{"kpi_id": "rev", "period": m, "scorecard_id": "org", "target": 100.0, "red_flag": 80.0}
                            for m in months]
                + [{"kpi_id": "churn", "period": "2026Q3", "scorecard_id": "org", "target": 5.0, "red_flag": 8.0},
                   {"kpi_id": "sat", "period": "2026", "scorecard_id": "org", "target": 8.0, "red_flag": 6.0},
                   {"kpi_id": "sat", "period": "2027", "scorecard_id": "org", "target": 8.0, "red_flag": 6.0}])
    plan.upsert("actuals", [
        {"kpi_id": "rev", "period": "2026-07", "scorecard_id": "org", "value": 100.0},
        {"kpi_id": "rev", "period": "2026-09", "scorecard_id": "org", "value": 100.0},
        {"kpi_id": "churn", "period": "2026Q3", "scorecard_id": "org", "value": 10.0},  # red: above the red flag
    ])
    plan.upsert("initiatives", [
        {"initiative_id": "I1", "scorecard_id": "org", "objective_id": "F1", "title": "Open the web shop",
         "owner": "Bob Lund", "due": "2026-09-01", "status": "active"},
    ])
    plan.upsert("tasks", [
        {"task_id": "T1", "scorecard_id": "org", "initiative_id": "I1", "description": "Pick a platform",
         "owner": "Cat Holm", "due": "2026-10-01", "status": "in progress"},
        {"task_id": "T2", "scorecard_id": "org", "initiative_id": "I1", "description": "Sign the contract",
         "owner": "Cat Holm", "due": "2026-08-01", "status": "done"},
    ])
    return plan


def test_the_small_store_lists_each_owner_and_what_they_owe(small: Store) -> None:
    items = due(small.read_all(), "2026Q3", OCT_15)
    assert owed(items) == {
        ("Ann Berg", "actual", "rev", "2026-08"),
        ("Ann Berg", "target", "rev", "2027-07 to 2027-12"),
        ("nobody", "comment", "churn", "2026Q3"),
        ("nobody", "target", "churn", "2026Q4 to 2027Q4"),
        ("Bob Lund", "initiative", "I1", ""),
        ("Cat Holm", "task", "T1", ""),
    }, "the annual KPI owes nothing in 2026Q3; the done task is not overdue"
    assert list(dict.fromkeys(items["owner"])) == ["Ann Berg", "Bob Lund", "Cat Holm", "nobody"], "nobody comes last"
    problems = dict(zip(zip(items["what"], items["id"], strict=True), items["problem"], strict=True))
    assert problems[("target", "rev")] == "no target for 6 months from 2027-07 to 2027-12"
    assert problems[("target", "churn")] == "no target for 5 quarters from 2026Q4 to 2027Q4"
    assert problems[("task", "T1")] == "overdue by 14 days (in progress)"
    assert problems[("initiative", "I1")] == "overdue by 44 days (active)"


def test_periods_not_over_yet_owe_no_actual_and_an_analysis_comment_settles_a_red_kpi(small: Store) -> None:
    before_end = due(small.read_all(), "2026Q3", dt.date(2026, 9, 15))
    assert {(w, i, p) for _, w, i, p in owed(before_end) if w == "actual"} == {("actual", "rev", "2026-08")}, \
        "September and the quarter are not over on 15 Sep: only August is owed"
    assert "T1" not in set(before_end["id"]), "the task is due on 1 Oct"
    assert "comment" not in set(before_end["what"]), "churn is red on part of the quarter: no analysis asked yet"
    small.upsert("comments", [{"scorecard_id": "org", "subject_type": "kpi", "subject_id": "churn",
                               "period": "2026Q3", "kind": "analysis", "text": "Two large accounts left."}])
    assert "comment" not in set(due(small.read_all(), "2026Q3", OCT_15)["what"])


def test_an_annual_kpi_owes_its_actual_in_the_review_period_that_ends_its_year(small: Store) -> None:
    items = due(small.read_all(), "2026Q4", dt.date(2027, 1, 10))
    assert ("Dee Moss", "actual", "sat", "2026") in owed(items)
    assert {p for _, w, i, p in owed(items) if (w, i) == ("actual", "rev")} == {"2026-10", "2026-11", "2026-12"}


def test_a_calculated_kpi_owes_no_actual_and_calculated_targets_owe_no_target(small: Store) -> None:
    frames = small.read_all()
    kpis = frames["kpis"]
    # rev's actuals are computed; churn's targets are computed by its expression (target_rule "expression").
    frames["kpis"] = kpis.assign(expression=["rev * 2" if k == "rev" else None for k in kpis["kpi_id"]],
                                 target_rule=["expression" if k == "churn" else "typed" for k in kpis["kpi_id"]])
    found = {(w, i) for _, w, i, _ in owed(due(frames, "2026Q3", OCT_15))}
    assert ("actual", "rev") not in found and ("target", "churn") not in found
    assert ("target", "rev") in found and ("comment", "churn") in found, "the other duties stay"


def test_owner_filter_part_of_a_name_and_nothing_owed(small: Store) -> None:
    frames = small.read_all()
    assert set(due(frames, "2026Q3", OCT_15, owner="cat")["owner"]) == {"Cat Holm"}
    assert due(frames, "2026Q3", OCT_15, owner="Dee Moss").empty, "Dee owes nothing for 2026Q3"
    with pytest.raises(InputError, match=r"owner 'Eve' owns no KPI, task or initiative.*Ann Berg, Bob Lund"):
        due(frames, "2026Q3", OCT_15, owner="Eve")


def test_cli_exit_codes_and_formats(small: Store) -> None:
    where = small.location
    result = run("due", "--store", where, "--period", "2026Q3", "--today", "2026-10-15")
    assert result.exit_code == 1, "something is owed: a scheduler can act on it"
    lines = result.output.splitlines()
    assert lines[0] == "Due for 2026Q3 (as of 15 Oct 2026): 6 items owed by 4 owners."
    assert "Ann Berg (2 items)" in lines and "  - KPI rev ‘Revenue’: no actual for 2026-08" in lines
    assert "  - Task T1 ‘Pick a platform’: overdue by 14 days (in progress), due 01 Oct 2026" in lines
    assert lines[-3:] == ["No owner recorded (2 items)", "  - KPI churn ‘Churn’: red in 2026Q3 and no analysis comment "
                          "says why", "  - KPI churn ‘Churn’: no target for 5 quarters from 2026Q4 to 2027Q4"]
    nothing = run("due", "--store", where, "--period", "2026Q3", "--today", "2026-10-15", "--owner", "Dee")
    assert nothing.exit_code == 0 and "nothing is owed by owners matching 'Dee'" in nothing.output
    as_json = run("due", "--store", where, "--period", "2026Q3", "--today", "2026-10-15", "--format", "json")
    assert as_json.exit_code == 1
    data = json.loads(as_json.output)
    assert data["today"] == "2026-10-15" and len(data["items"]) == 6
    assert {"owner": "Cat Holm", "scorecard_id": "org", "what": "task", "id": "T1", "name": "Pick a platform",
            "periods": "", "due": "2026-10-01", "problem": "overdue by 14 days (in progress)"} in data["items"]
    as_csv = run("due", "--store", where, "--period", "2026Q3", "--today", "2026-10-15", "--format", "csv")
    assert as_csv.output.splitlines()[0] == "owner,scorecard_id,what,id,name,periods,due,problem"
    assert len(as_csv.output.splitlines()) == 7


@pytest.mark.parametrize(("args", "says"), [
    (("--period", "2026Q9"), "'2026Q9' is not a period"),
    (("--period", "2031Q1"), "period 2031Q1 is outside the planning horizon of scorecard org (2025-01 to 2027-12); "
                             "pick a period inside it"),
    (("--period", "2026Q3", "--owner", "Eve"), "owner 'Eve' owns no KPI"),
    (("--period", "2026Q3", "--scorecard", "ghost"), "unknown scorecard 'ghost'; scorecards in this store: org"),
    (("--period", "2026Q3", "--today", "15/10/2026"), "'15/10/2026' is not a date; write it as YYYY-MM-DD"),
])
def test_cli_bad_input_exits_2_naming_it_and_the_fix(small: Store, args: tuple[str, ...], says: str) -> None:
    result = CliRunner().invoke(main, ["due", "--store", small.location, *args])
    assert result.exit_code == 2 and says in " ".join(result.output.split()), result.output


def test_an_empty_store_says_there_is_no_scorecard_yet(store: Store) -> None:
    result = CliRunner().invoke(main, ["due", "--store", store.location, "--period", "2026Q3"])
    assert result.exit_code == 2 and "this store has no scorecard yet" in result.output


# ------------------------------------------------------------------ the sample
SAMPLE_OWED = {
    ("CIO – Ravi Menon", "actual", "identified-sales", "2026-08"),
    ("HR Director – Katrin Müller", "actual", "engagement", "2026Q3"),
    ("HR Director – Katrin Müller", "comment", "staff-turnover", "2026Q3"),
    ("Contact Centre Lead – Jamie O'Connor", "comment", "cs-fcr", "2026Q3"),
    ("E-commerce Manager – Daniel Costa", "comment", "return-rate", "2026Q3"),
    ("Head of Customer Service – Aisha Khan", "comment", "complaints", "2026Q3"),
    ("Head of Customer Service – Aisha Khan", "comment", "complaints-per-member", "2026Q3"),  # red, calculated
    ("Warehouse Manager – Tom Gallagher", "comment", "perfect-order", "2026Q3"),
    ("Elin Svensson", "task", "I5-T2", ""),
    ("Felix Wagner", "task", "I4-T2", ""),
    ("Sara Lindqvist", "task", "I6-T2", ""),
    ("Tom Gallagher", "task", "I1-T4", ""),
}
"""What the sample owes for 2026Q3 on 15 Oct 2026: two actuals, five analyses of red KPIs (inventory cover,
NPS and order lead time have theirs; return rate has only a recommendation), four overdue tasks."""


def test_the_sample_lists_owners_with_what_they_owe_and_exits_1(sample_template: Path) -> None:
    result = run("due", "--store", str(sample_template), "--period", "2026Q3", "--today", "2026-10-15",
                 "--format", "json")
    assert result.exit_code == 1
    items = pd.DataFrame(json.loads(result.output)["items"])
    assert owed(items) == SAMPLE_OWED
    table = run("due", "--store", str(sample_template), "--period", "2026Q3", "--today", "2026-10-15")
    assert table.exit_code == 1 and "12 items owed by 10 owners" in table.output
    assert "HR Director – Katrin Müller (2 items)" in table.output
    cs = run("due", "--store", str(sample_template), "--period", "2026Q3", "--today", "2026-10-15",
             "--scorecard", "cs", "--format", "json")
    assert owed(pd.DataFrame(json.loads(cs.output)["items"])) == {
        ("Contact Centre Lead – Jamie O'Connor", "comment", "cs-fcr", "2026Q3")}


# ------------------------------------------------------------------ the workshop's actuals step
def test_the_actuals_step_shows_the_same_list_for_the_review_period_of_the_month(sample_template: Path,
                                                                                 tmp_path: Path) -> None:
    shutil.copytree(sample_template, tmp_path / "store")
    ws = open_workshop(str(tmp_path / "store"), "org")
    grid = ActualsStep(ws, today=OCT_15).grid
    assert grid.month.value == "2026-10", "the month of the step's today"
    grid.month.value = "2026-08"
    shown = grid.due_box.value
    assert "<b>Due for 2026Q3</b>: 11 items owed by 9 owners" in shown, "the quarter of August, scorecard org only"
    org_items = due(ws.frames(), "2026Q3", OCT_15, scorecard="org")
    for owner, lines in due_groups(org_items):
        assert f"<b>{owner}</b>" in shown.replace("&#x27;", "'")
        for line in lines:
            assert line.replace("'", "&#x27;") in shown, "the CLI's lines, word for word"
    assert "cs-fcr" not in shown, "the department's KPIs are in its own workshop"
    period, value, _, _ = grid.cells["identified-sales"]
    assert period == "2026-08"
    value.value = "47"
    assert grid.save()
    assert "identified-sales" not in grid.due_box.value, "saving the missing actual takes it off the list"
    assert "10 items owed by 8 owners" in grid.due_box.value
