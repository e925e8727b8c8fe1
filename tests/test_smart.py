"""SMART checks (bsc_widgets.smart) and the `bsc lint` command."""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import re
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from click.testing import CliRunner, Result

import bsc_widgets.smart as smart_module
from bsc_widgets import Store
from bsc_widgets.cli import main
from bsc_widgets.errors import InputError
from bsc_widgets.model.coerce import coerce
from bsc_widgets.model.rules import check_plan
from bsc_widgets.model.schema import PLAN_TABLES, TABLES
from bsc_widgets.smart import (
    CHECKS,
    FINDING_COLUMNS,
    LETTERS,
    LEVELS,
    SUBJECT_TYPES,
    SmartConfig,
    check_smart,
    findings_for,
    subject_label,
)

Records = list[dict[str, Any]]
Plan = dict[str, Records]

WEAK_TODAY = dt.date(2026, 9, 1)
SAMPLE_TODAY = dt.date(2026, 11, 24)
DOCS = Path(__file__).resolve().parents[1] / "docs" / "smart-checks.md"


# ----------------------------------------------------------------------------- helpers
def frames_of(plan: Plan) -> dict[str, pd.DataFrame]:
    """Typed frames (as the store would hold them) for a plan that must be valid."""
    frames = {}
    for name in PLAN_TABLES:
        frame, problems = coerce(TABLES[name], plan.get(name) or pd.DataFrame(columns=TABLES[name].names))
        assert not problems, problems
        frames[name] = frame
    assert check_plan(frames) == []
    return frames


def checks(findings: pd.DataFrame) -> set[tuple[str, str, str]]:
    """(check, subject_type, subject_id) of every finding."""
    return set(zip(findings["check"], findings["subject_type"], findings["subject_id"], strict=True))


def run_checks(plan: Plan, config: SmartConfig | None = None, today: dt.date = WEAK_TODAY) -> set[str]:
    return set(check_smart(frames_of(plan), today=today, config=config or SmartConfig())["check"])


def monthly_targets(kpi: str, card: str, values: dict[str, float], polarity: str = "higher") -> Records:
    sign = -1 if polarity == "higher" else 1
    return [{"kpi_id": kpi, "period": p, "scorecard_id": card, "target": v, "red_flag": v + sign * max(1.0, abs(v))}
            for p, v in values.items()]


def months(first: int, last: int, value: float, year: int = 2026) -> dict[str, float]:
    return {f"{year}-{m:02d}": value for m in range(first, last + 1)}


def clean_plan(per_perspective: tuple[int, ...] = (2, 2, 1), card: str = "b") -> Plan:
    """A plan without any finding: each objective linked, owned, described, with one targeted KPI."""
    plan: Plan = {
        "scorecards": [{"scorecard_id": card, "name": "Clean", "horizon_start": "2026-01",
                        "horizon_end": "2026-12", "review_frequency": "Q"}],
        "perspectives": [{"scorecard_id": card, "perspective_id": f"p{i + 1}", "name": f"Perspective {i + 1}",
                          "position": i + 1} for i in range(len(per_perspective))],
        "objectives": [], "links": [], "kpis": [], "targets": [],
    }
    ids = []
    for p, count in enumerate(per_perspective):
        for n in range(count):
            oid = f"O{p + 1}{n + 1}"
            ids.append(oid)
            plan["objectives"].append({
                "objective_id": oid, "scorecard_id": card, "perspective_id": f"p{p + 1}",
                "title": f"Improve the results of area {oid}", "description": "Results improve steadily.",
                "owner": "Ann"})
            plan["kpis"].append({"kpi_id": f"k-{oid}", "scorecard_id": card, "objective_id": oid,
                                 "name": f"KPI of {oid}", "polarity": "higher", "frequency": "M",
                                 "aggregation": "last", "baseline": 100, "baseline_period": "2025-12"})
            plan["targets"] += monthly_targets(f"k-{oid}", card, months(1, 12, 100.0))
    plan["links"] = [{"scorecard_id": card, "cause": a, "effect": b} for a, b in itertools.pairwise(ids)]
    return plan


def with_kpi(plan: Plan, kpi: dict[str, Any], targets: Records, actuals: dict[str, float] | None = None) -> Plan:
    """``plan`` plus one KPI on objective O11 (its targets and actuals given)."""
    card = plan["scorecards"][0]["scorecard_id"]
    row = {"scorecard_id": card, "objective_id": "O11", "name": "Extra", "polarity": "higher", "frequency": "M",
           "aggregation": "last", **kpi}
    out = {**plan, "kpis": [*plan["kpis"], row], "targets": [*plan["targets"], *targets]}
    out["actuals"] = [{"kpi_id": row["kpi_id"], "period": p, "scorecard_id": card, "value": v}
                      for p, v in (actuals or {}).items()]
    return out


def run(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner(env=env).invoke(main, list(args), catch_exceptions=False)


# ----------------------------------------------------------------------------- fixtures
WEAK: Plan = {
    "scorecards": [{"scorecard_id": "weak", "name": "Weak Ltd", "horizon_start": "2026-01",
                    "horizon_end": "2026-12", "review_frequency": "Q"}],
    "perspectives": [{"scorecard_id": "weak", "perspective_id": p, "name": p.title(), "position": i + 1}
                     for i, p in enumerate(["financial", "customer", "internal", "learning"])],
    "objectives": [
        {"objective_id": "W-F1", "scorecard_id": "weak", "perspective_id": "financial", "title": "Revenue",
         "owner": "Ann"},
        {"objective_id": "W-F2", "scorecard_id": "weak", "perspective_id": "financial",
         "title": "Cut costs everywhere we can", "description": "Costs fall by a tenth.", "owner": "Ann"},
        {"objective_id": "W-F3", "scorecard_id": "weak", "perspective_id": "financial",
         "title": "Raise the gross margin", "description": "Margin rises above 30 %."},
        {"objective_id": "W-C1", "scorecard_id": "weak", "perspective_id": "customer",
         "title": "Keep customers coming back", "description": "Fewer customers leave us.", "owner": "Cem"},
        {"objective_id": "W-P1", "scorecard_id": "weak", "perspective_id": "internal",
         "title": "Ship every order within two days", "description": "Orders leave fast.", "owner": "Dana"},
    ],
    "links": [
        {"scorecard_id": "weak", "cause": "W-C1", "effect": "W-F1"},
        {"scorecard_id": "weak", "cause": "W-F3", "effect": "W-F1"},
        {"scorecard_id": "weak", "cause": "W-P1", "effect": "W-C1"},
    ],
    "kpis": [
        {"kpi_id": "w-rev", "scorecard_id": "weak", "objective_id": "W-F1", "name": "Revenue", "polarity": "higher",
         "frequency": "M", "aggregation": "sum", "baseline": 100, "baseline_period": "2025-12"},
        {"kpi_id": "w-margin", "scorecard_id": "weak", "objective_id": "W-F3", "name": "Gross margin",
         "polarity": "higher", "frequency": "Q", "aggregation": "mean", "baseline": 20, "baseline_period": "2025Q4"},
        {"kpi_id": "w-churn", "scorecard_id": "weak", "objective_id": "W-C1", "name": "Churn", "polarity": "lower",
         "frequency": "Q", "aggregation": "last"},
        {"kpi_id": "w-nps", "scorecard_id": "weak", "objective_id": "W-C1", "name": "NPS", "polarity": "higher",
         "frequency": "Q", "aggregation": "last"},
        {"kpi_id": "w-lead", "scorecard_id": "weak", "objective_id": "W-P1", "name": "Lead time",
         "polarity": "lower", "frequency": "M", "aggregation": "mean", "baseline": 5, "baseline_period": "2025-12"},
    ],
    "targets": [
        # +40 in one month after rises of at most 6 a month; targets stop in June.
        *monthly_targets("w-rev", "weak", {"2026-01": 100, "2026-02": 105, "2026-03": 110, "2026-04": 150,
                                            "2026-05": 155, "2026-06": 160}),
        # No actuals: 31 is 55 % above the baseline of 20.
        *[{"kpi_id": "w-margin", "period": f"2026Q{q}", "scorecard_id": "weak", "target": t, "red_flag": t - 5}
          for q, t in zip(range(1, 5), [22, 25, 28, 31], strict=True)],
        *[{"kpi_id": "w-churn", "period": f"2026Q{q}", "scorecard_id": "weak", "target": 10, "red_flag": 15}
          for q in range(1, 5)],
        # Only targets after the horizon.
        *monthly_targets("w-lead", "weak", months(1, 3, 4.5, year=2027), polarity="lower"),
    ],
    "actuals": [{"kpi_id": "w-rev", "period": p, "scorecard_id": "weak", "value": v}
                for p, v in {"2026-01": 100, "2026-02": 104, "2026-03": 110}.items()],
    "initiatives": [
        {"initiative_id": "W-I1", "scorecard_id": "weak", "title": "Launch a cost programme", "status": "active",
         "start": "2026-01-05", "due": "2026-06-30"},
        {"initiative_id": "W-I2", "scorecard_id": "weak", "objective_id": "W-F1", "title": "Open a web shop",
         "status": "planned"},
        {"initiative_id": "W-I3", "scorecard_id": "weak", "title": "Dropped idea", "status": "cancelled"},
    ],
    "tasks": [
        {"task_id": "W-I1-T1", "scorecard_id": "weak", "initiative_id": "W-I1", "description": "Hire consultants",
         "owner": "Bob", "due": "2027-03-31", "status": "not started"},
        {"task_id": "W-I1-T2", "scorecard_id": "weak", "initiative_id": "W-I1", "description": "List all costs",
         "owner": "Bob", "due": "2026-05-31", "status": "in progress", "success_measure": "List signed off"},
        {"task_id": "W-I1-T3", "scorecard_id": "weak", "initiative_id": "W-I1", "description": "Kick-off",
         "owner": "Bob", "due": "2026-03-31", "status": "done", "done_on": "2026-03-30",
         "success_measure": "Everyone attended"},
        {"task_id": "W-I1-T4", "scorecard_id": "weak", "initiative_id": "W-I1", "description": "Old plan",
         "owner": "Bob", "due": "2026-02-01", "status": "cancelled"},
    ],
}

WEAK_EXPECTED = {
    ("perspective-empty", "perspective", "learning"),
    ("perspective-overloaded", "perspective", "financial"),
    ("objective-too-short", "objective", "W-F1"),
    ("objective-no-description", "objective", "W-F1"),
    ("objective-no-kpi", "objective", "W-F2"),
    ("objective-isolated", "objective", "W-F2"),
    ("objective-no-owner", "objective", "W-F3"),
    ("objective-no-target", "objective", "W-P1"),
    ("target-beyond-history", "kpi", "w-rev"),
    ("kpi-targets-end-early", "kpi", "w-rev"),
    ("target-jump-from-baseline", "kpi", "w-margin"),
    ("kpi-no-baseline", "kpi", "w-churn"),
    ("kpi-no-target", "kpi", "w-nps"),
    ("kpi-no-target", "kpi", "w-lead"),
    ("kpi-target-outside-horizon", "kpi", "w-lead"),
    ("initiative-no-objective", "initiative", "W-I1"),
    ("initiative-overdue", "initiative", "W-I1"),
    ("initiative-no-tasks", "initiative", "W-I2"),
    ("task-no-success-measure", "task", "W-I1-T1"),
    ("task-due-outside-horizon", "task", "W-I1-T1"),
    ("task-overdue", "task", "W-I1-T2"),
}


@pytest.fixture(scope="module")
def weak_store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    store = Store.create(tmp_path_factory.mktemp("smart") / "weak")
    for name in PLAN_TABLES:
        if WEAK.get(name):
            store.upsert(name, WEAK[name])
    return store


@pytest.fixture(scope="module")
def weak(weak_store: Store) -> pd.DataFrame:
    return check_smart(weak_store.read_all(), today=WEAK_TODAY)


@pytest.fixture(scope="module")
def sample(sample_template: Path) -> Store:
    """The session's sample store (only read here)."""
    return Store.open(sample_template)


# ----------------------------------------------------------------------------- the weak plan
def test_weak_plan_yields_exactly_the_expected_findings(weak_store: Store, weak: pd.DataFrame) -> None:
    assert weak_store.validate() == []
    assert checks(weak) == WEAK_EXPECTED
    assert len(weak) == len(WEAK_EXPECTED)  # one finding per check and record, no duplicates


def test_weak_plan_covers_every_smart_letter_and_level(weak: pd.DataFrame) -> None:
    assert set(weak["letter"]) == set(LETTERS)
    assert weak["level"].value_counts().to_dict() == {"error": 3, "warning": 15, "info": 3}
    errors = checks(weak[weak["level"] == "error"])
    assert errors == {("perspective-empty", "perspective", "learning"), ("objective-no-kpi", "objective", "W-F2"),
                      ("objective-no-target", "objective", "W-P1")}


def test_findings_frame_shape_and_order(weak: pd.DataFrame) -> None:
    assert tuple(weak.columns) == FINDING_COLUMNS
    assert set(weak["scorecard_id"]) == {"weak"}
    for row in weak.itertuples(index=False):
        spec = CHECKS[row.check]
        assert (row.level, row.letter, row.subject_type) == (spec.level, spec.letter, spec.subject_type)
        assert row.message and row.remedy and row.message != row.remedy
    keys = [(s, SUBJECT_TYPES.index(t), i, LETTERS.index(letter)) for s, t, i, letter in
            zip(weak["scorecard_id"], weak["subject_type"], weak["subject_id"], weak["letter"], strict=True)]
    assert keys == sorted(keys)
    assert list(weak["subject_type"].drop_duplicates()) == ["perspective", "objective", "kpi", "initiative", "task"]


def test_messages_name_the_record_and_the_numbers(weak: pd.DataFrame) -> None:
    def one(check: str, subject: str) -> pd.Series:
        rows = weak[(weak["check"] == check) & (weak["subject_id"] == subject)]
        assert len(rows) == 1
        return rows.iloc[0]

    short = one("objective-too-short", "W-F1")
    assert 'objective W-F1 "Revenue"' in short["message"] and "only 1 word" in short["message"]
    assert "at least 3 words" in short["remedy"]
    history = one("target-beyond-history", "w-rev")["message"]
    assert 'KPI w-rev "Revenue" of objective W-F1 "Revenue"' in history
    # Worst target: +40 in April from 110 in March, against at most 6 a month so far; May needs 22.5 a month.
    assert "target of 150 for 2026-04" in history and "improvement of 40 per month" in history
    assert "actual of 110 in 2026-03" in history and "so far is 6" in history and "1 more target is" in history
    jump = one("target-jump-from-baseline", "w-margin")["message"]
    assert "target of 31 for 2026Q4" in jump and "55% above the baseline of 20" in jump
    assert "has targets only up to 2026-06, but the horizon runs to 2026-12" in one(
        "kpi-targets-end-early", "w-rev")["message"]
    overdue = one("task-overdue", "W-I1-T2")["message"]
    assert 'Task W-I1-T2 "List all costs"' in overdue and "2026-05-31 (93 days ago)" in overdue
    assert "'in progress'" in overdue
    share = one("perspective-overloaded", "financial")["message"]
    assert "3 of the 5 objectives" in share and "60%" in share and "40%" in share


def test_cancelled_records_are_not_checked(weak: pd.DataFrame) -> None:
    assert not {"W-I3", "W-I1-T4"} & set(weak["subject_id"])


def test_findings_for_one_record(weak: pd.DataFrame) -> None:
    own = findings_for(weak, "objective", "W-F1")
    assert list(own["check"]) == ["objective-no-description", "objective-too-short"]  # same letter: by code
    assert findings_for(weak, "kpi", "W-F1").empty
    assert len(findings_for(weak, "perspective", "learning", scorecard_id="weak")) == 1
    assert findings_for(weak, "perspective", "learning", scorecard_id="other").empty
    with pytest.raises(ValueError, match="unknown subject type"):
        findings_for(weak, "objectives", "W-F1")


def test_subject_label(weak_store: Store) -> None:
    frames = weak_store.read_all()
    assert subject_label(frames, "objective", "W-F2") == 'objective W-F2 "Cut costs everywhere we can"'
    assert subject_label(frames, "perspective", "learning", "weak") == 'perspective learning "Learning"'
    assert subject_label(frames, "kpi", "nope") == "KPI nope"


def test_scorecard_filter_and_unknown_scorecard(weak_store: Store, sample: Store) -> None:
    frames = {name: pd.concat([weak_store.read(name), sample.read(name)], ignore_index=True)
              for name in PLAN_TABLES}
    both = check_smart(frames, today=WEAK_TODAY)
    assert set(both["scorecard_id"]) >= {"weak", "org"}
    only = check_smart(frames, "weak", today=WEAK_TODAY)
    assert checks(only) == WEAK_EXPECTED
    assert list(both["scorecard_id"]) == sorted(both["scorecard_id"])
    with pytest.raises(InputError, match="unknown scorecard 'nope'; scorecards in this store: cs, org, weak"):
        check_smart(frames, "nope")


def test_empty_store_has_no_findings(store: Store) -> None:
    findings = check_smart(store.read_all())
    assert findings.empty and tuple(findings.columns) == FINDING_COLUMNS


def test_clean_plan_has_no_findings() -> None:
    assert run_checks(clean_plan()) == set()


# ----------------------------------------------------------------------------- boundaries and thresholds
def test_perspective_share_boundary() -> None:
    assert run_checks(clean_plan((2, 2, 1))) == set()  # 2 of 5 = exactly 40 %
    findings = check_smart(frames_of(clean_plan((3, 2, 1))), today=WEAK_TODAY)  # 3 of 6 = 50 %
    assert checks(findings) == {("perspective-overloaded", "perspective", "p1")}
    assert run_checks(clean_plan((3, 2, 1)), SmartConfig(max_perspective_share=0.5)) == set()


def test_empty_perspective_is_an_error() -> None:
    findings = check_smart(frames_of(clean_plan((2, 2, 0))), today=WEAK_TODAY)
    assert checks(findings) == {("perspective-empty", "perspective", "p3"),
                                ("perspective-overloaded", "perspective", "p1"),
                                ("perspective-overloaded", "perspective", "p2")}
    assert findings.set_index("check").loc["perspective-empty", "level"] == "error"


def test_too_many_objectives_boundary() -> None:
    plan = clean_plan((2, 2, 1))
    assert run_checks(plan, SmartConfig(max_objectives=5)) == set()
    assert run_checks(plan, SmartConfig(max_objectives=4)) == {"scorecard-too-many-objectives"}
    big = clean_plan((9, 9, 8))  # 26 objectives, 35 % in the largest perspective
    assert run_checks(big) == {"scorecard-too-many-objectives"}
    assert run_checks(clean_plan((9, 9, 7))) == set()  # 25 objectives: fine


@pytest.mark.parametrize(("extra", "flagged"), [(4, False), (5, True)])
def test_too_many_kpis_per_objective_boundary(extra: int, flagged: bool) -> None:
    plan = clean_plan()
    for n in range(extra):  # O11 already has one KPI
        plan = with_kpi(plan, {"kpi_id": f"x{n}", "baseline": 100},
                        monthly_targets(f"x{n}", "b", months(1, 12, 100.0)))
    found = check_smart(frames_of(plan), today=WEAK_TODAY)
    assert (("objective-too-many-kpis", "objective", "O11") in checks(found)) is flagged
    assert ("objective-too-many-kpis" in run_checks(plan, SmartConfig(max_kpis_per_objective=4))) is (extra >= 4)


@pytest.mark.parametrize(("title", "flagged"), [("Grow profitable revenue", False), ("Grow revenue", True),
                                                ("  Grow   – revenue ", True)])
def test_title_word_boundary(title: str, flagged: bool) -> None:
    plan = clean_plan()
    plan["objectives"][0] = {**plan["objectives"][0], "title": title}
    assert ("objective-too-short" in run_checks(plan)) is flagged
    assert "objective-too-short" in run_checks(plan, SmartConfig(min_title_words=4))


def test_missing_description_and_isolation() -> None:
    plan = clean_plan()
    plan["objectives"][0] = {**plan["objectives"][0], "description": "   "}
    plan["links"] = plan["links"][1:]  # O11 -> O12 removed: O11 is now isolated
    assert run_checks(plan) == {"objective-no-description", "objective-isolated"}


def test_supporting_a_parent_objective_counts_as_linked() -> None:
    plan = clean_plan((2, 2, 1), card="top")
    dept = clean_plan((2, 2, 1), card="dept")
    for records in dept.values():
        for r in records:
            for key in ("objective_id", "cause", "effect", "kpi_id"):
                if key in r:
                    r[key] = "D" + r[key]
    dept["scorecards"][0]["parent_id"] = "top"
    dept["links"] = []
    for r in dept["objectives"]:
        r["supports"] = "O11"
    dept["objectives"][-1]["supports"] = None
    merged = {name: plan.get(name, []) + dept.get(name, []) for name in set(plan) | set(dept)}
    findings = check_smart(frames_of(merged), today=WEAK_TODAY)
    assert checks(findings) == {("objective-isolated", "objective", "DO31"),
                                ("objective-not-cascaded", "objective", "DO31")}


@pytest.mark.parametrize(("target", "flagged"), [(140.0, False), (140.5, True)])
def test_target_change_boundary_against_history(target: float, flagged: bool) -> None:
    # Actuals rise by at most 10 a month; the April target needs (target - 110) in one month.
    plan = with_kpi(clean_plan(), {"kpi_id": "x", "baseline": 100},
                    monthly_targets("x", "b", {"2026-03": 110, "2026-04": target, **months(5, 12, 150.0)}),
                    {"2026-01": 100, "2026-02": 110, "2026-03": 110})
    assert ("target-beyond-history" in run_checks(plan)) is flagged


def test_target_change_is_per_period_and_uses_the_latest_earlier_actual() -> None:
    plan = with_kpi(clean_plan(), {"kpi_id": "x", "baseline": 100},
                    monthly_targets("x", "b", {"2026-07": 140.0, "2026-08": 141.0}),
                    {"2026-01": 100, "2026-02": 104, "2026-03": 100})
    # largest change 4 a month -> limit 12; July needs 40 over 4 months = 10 a month: fine; August 41/5 fine.
    assert run_checks(plan) == {"kpi-targets-end-early"}
    # The same target one month after the March actual needs 40 in one month: flagged.
    plan["targets"] = [t for t in plan["targets"] if t["kpi_id"] != "x"]
    plan["targets"] += monthly_targets("x", "b", {"2026-04": 140.0, **months(5, 12, 141.0)})
    assert run_checks(plan) == {"target-beyond-history"}


def test_history_gaps_count_as_several_periods() -> None:
    # 100 in January, 120 in March: 10 a month (not 20), so the limit is 30 a month.
    history = {"2026-01": 100, "2026-03": 120}
    for target, flagged in ((150.0, False), (155.0, True)):
        plan = with_kpi(clean_plan(), {"kpi_id": "x", "baseline": 100},
                        monthly_targets("x", "b", {"2026-04": target, **months(5, 12, 160.0)}), history)
        assert ("target-beyond-history" in run_checks(plan)) is flagged


def test_exactly_the_factor_is_fine_despite_float_rounding() -> None:
    # 1.2 - 1.1 is 0.0999...98 in floating point; 1.5 needs 0.30000000000000004 from 1.2.
    plan = with_kpi(clean_plan(), {"kpi_id": "x", "baseline": 1.0, "decimals": 2},
                    monthly_targets("x", "b", {"2026-03": 1.5, **months(4, 12, 1.5)}),
                    {"2026-01": 1.1, "2026-02": 1.2})
    assert run_checks(plan) == set()


def test_lower_is_better_and_worsening_targets_against_history() -> None:
    plan = with_kpi(clean_plan(), {"kpi_id": "x", "polarity": "lower", "baseline": 50},
                    monthly_targets("x", "b", {"2026-03": 30.0, **months(4, 12, 30.0)}, polarity="lower"),
                    {"2026-01": 50, "2026-02": 45})
    assert run_checks(plan) == set()  # needs 15 in March; the limit is 3 x 5 = 15
    plan["targets"] = [t for t in plan["targets"] if t["kpi_id"] != "x"]
    plan["targets"] += monthly_targets("x", "b", {"2026-03": 29.0, **months(4, 12, 29.0)}, polarity="lower")
    assert run_checks(plan) == {"target-beyond-history"}
    # A target that allows things to get worse is never "too ambitious".
    plan["targets"] = [t for t in plan["targets"] if t["kpi_id"] != "x"]
    plan["targets"] += monthly_targets("x", "b", {"2026-03": 90.0, **months(4, 12, 90.0)}, polarity="lower")
    assert run_checks(plan) == set()


def test_achievable_factor_is_configurable() -> None:
    plan = with_kpi(clean_plan(), {"kpi_id": "x", "baseline": 100},
                    monthly_targets("x", "b", {"2026-04": 130.0, **months(5, 12, 130.0)}),
                    {"2026-01": 100, "2026-02": 110, "2026-03": 110})
    assert run_checks(plan) == set()  # needs 20, limit 30
    assert run_checks(plan, SmartConfig(achievable_factor=2.0)) == set()  # limit 20: exactly
    assert run_checks(plan, SmartConfig(achievable_factor=1.5)) == {"target-beyond-history"}


@pytest.mark.parametrize(("polarity", "target", "flagged"), [
    ("higher", 150.0, False), ("higher", 150.01, True), ("lower", 50.0, False), ("lower", 49.9, True),
])
def test_baseline_jump_boundary(polarity: str, target: float, flagged: bool) -> None:
    plan = with_kpi(clean_plan(), {"kpi_id": "x", "baseline": 100, "polarity": polarity},
                    monthly_targets("x", "b", months(1, 12, target), polarity=polarity))
    found = check_smart(frames_of(plan), today=WEAK_TODAY)
    assert (("target-jump-from-baseline", "kpi", "x") in checks(found)) is flagged
    if flagged:
        assert "11 more targets are like this" in found.iloc[0]["message"]


def test_baseline_jump_is_configurable_and_covers_range_kpis() -> None:
    def band(lower: float, upper: float) -> Plan:
        targets = [{"kpi_id": "x", "period": p, "scorecard_id": "b", "lower": lower, "upper": upper, "tolerance": 5}
                   for p in months(1, 12, 0)]
        return with_kpi(clean_plan(), {"kpi_id": "x", "baseline": 100, "polarity": "range"}, targets)

    assert run_checks(band(140, 150)) == set()  # 40 % away
    assert run_checks(band(60, 80)) == set()  # 20 % away
    assert run_checks(band(160, 170)) == {"target-jump-from-baseline"}  # 60 % away
    assert run_checks(band(160, 170), SmartConfig(baseline_jump=0.6)) == set()
    assert run_checks(band(40, 45)) == {"target-jump-from-baseline"}  # 55 % below


def test_single_actual_stands_in_for_a_missing_baseline() -> None:
    plan = with_kpi(clean_plan(), {"kpi_id": "x"}, monthly_targets("x", "b", months(2, 12, 151.0)),
                    {"2026-01": 100})
    found = check_smart(frames_of(plan), today=WEAK_TODAY)
    assert checks(found) == {("target-jump-from-baseline", "kpi", "x")}
    assert "51% above the only actual of 100" in found.iloc[0]["message"]
    no_base = with_kpi(clean_plan(), {"kpi_id": "x"}, monthly_targets("x", "b", months(1, 12, 151.0)))
    assert run_checks(no_base) == {"kpi-no-baseline"}


def test_min_history_is_configurable() -> None:
    plan = with_kpi(clean_plan(), {"kpi_id": "x", "baseline": 100},
                    monthly_targets("x", "b", {"2026-03": 160.0, **months(4, 12, 160.0)}),
                    {"2026-01": 100, "2026-02": 150})
    assert run_checks(plan) == set()  # history: 50 a month, March needs 10
    assert run_checks(plan, SmartConfig(min_history=3)) == {"target-jump-from-baseline"}  # 60 % above 100


@pytest.mark.parametrize(("last", "flagged"), [("2026-12", False), ("2026-11", True)])
def test_targets_must_reach_the_horizon_end(last: str, flagged: bool) -> None:
    plan = clean_plan()
    end = int(last[-2:])
    plan["targets"] = [t for t in plan["targets"] if t["kpi_id"] != "k-O11" or int(t["period"][-2:]) <= end]
    assert ("kpi-targets-end-early" in run_checks(plan)) is flagged


def test_quarterly_kpi_reaches_a_monthly_horizon_end() -> None:
    targets = [{"kpi_id": "x", "period": f"2026Q{q}", "scorecard_id": "b", "target": 100, "red_flag": 90}
               for q in range(1, 5)]
    plan = with_kpi(clean_plan(), {"kpi_id": "x", "frequency": "Q", "baseline": 100, "baseline_period": "2025Q4"},
                    targets)
    assert run_checks(plan) == set()
    plan["targets"] = plan["targets"][:-1]
    assert run_checks(plan) == {"kpi-targets-end-early"}


def test_scorecard_without_horizon() -> None:
    plan = clean_plan()
    plan["scorecards"] = [{**plan["scorecards"][0], "horizon_end": None}]
    findings = check_smart(frames_of(plan), today=WEAK_TODAY)
    assert checks(findings) == {("scorecard-no-horizon", "scorecard", "b")}
    assert findings.iloc[0]["level"] == "error" and "no horizon end" in findings.iloc[0]["message"]


def test_scorecard_without_perspectives() -> None:
    plan: Plan = {"scorecards": clean_plan()["scorecards"]}
    assert run_checks(plan) == {"scorecard-no-perspectives"}


def _with_task(due: str, status: str, **extra: Any) -> Plan:
    plan = clean_plan()
    plan["initiatives"] = [{"initiative_id": "I", "scorecard_id": "b", "objective_id": "O11", "title": "Do it",
                            "status": "active"}]
    plan["tasks"] = [{"task_id": "T", "scorecard_id": "b", "initiative_id": "I", "description": "A task",
                      "owner": "Bob", "due": due, "status": status, "success_measure": "Checked", **extra}]
    return plan


@pytest.mark.parametrize(("due", "status", "expected"), [
    ("2026-09-01", "in progress", set()),  # due today: not yet overdue
    ("2026-08-31", "in progress", {"task-overdue"}),
    ("2026-08-31", "blocked", {"task-overdue"}),
    ("2026-08-31", "done", set()),
    ("2026-12-31", "not started", set()),  # last day of the horizon
    ("2027-01-01", "not started", {"task-due-outside-horizon"}),
    ("2025-12-31", "done", {"task-due-outside-horizon"}),
])
def test_task_due_boundaries(due: str, status: str, expected: set[str]) -> None:
    assert run_checks(_with_task(due, status)) == expected


def test_task_without_success_measure_and_custom_closed_statuses() -> None:
    assert run_checks(_with_task("2026-10-01", "not started", success_measure="")) == {"task-no-success-measure"}
    blocked = _with_task("2026-08-01", "blocked")
    assert run_checks(blocked, SmartConfig(closed_statuses=("done", "cancelled", "blocked"))) == set()


def test_initiative_checks() -> None:
    plan = _with_task("2026-10-01", "not started")
    plan["initiatives"][0] = {**plan["initiatives"][0], "due": "2026-08-31"}
    assert run_checks(plan) == {"initiative-overdue"}
    plan["initiatives"][0] = {**plan["initiatives"][0], "status": "done"}
    assert run_checks(plan) == set()


def test_checks_not_reachable_through_a_store_still_work() -> None:
    """Records a store refuses (no task owner, an unknown perspective) are still reported if handed in."""
    frames = frames_of(_with_task("2026-10-01", "not started"))
    frames["tasks"] = frames["tasks"].assign(owner=[None], due=[None])
    frames["objectives"] = frames["objectives"].assign(
        perspective_id=["nowhere", *frames["objectives"]["perspective_id"][1:]])
    found = checks(check_smart(frames, today=WEAK_TODAY))
    assert {("task-no-owner", "task", "T"), ("task-no-due", "task", "T"),
            ("objective-no-perspective", "objective", "O11")} <= found


def test_config_rejects_nonsense() -> None:
    with pytest.raises(ValueError, match="max_perspective_share"):
        SmartConfig(max_perspective_share=1.5)
    with pytest.raises(ValueError, match="min_history"):
        SmartConfig(min_history=1)
    assert dataclasses.is_dataclass(SmartConfig) and SmartConfig().achievable_factor == 3.0
    with pytest.raises(dataclasses.FrozenInstanceError):
        SmartConfig().max_objectives = 3  # type: ignore[misc]


def test_many_objectives_and_targets_at_once() -> None:
    plan = clean_plan((40, 40, 40))
    frames = frames_of(plan)
    assert len(frames["targets"]) == 120 * 12
    found = check_smart(frames, today=WEAK_TODAY, config=SmartConfig(max_objectives=200))
    assert set(found["check"]) == set()


# ----------------------------------------------------------------------------- the sample and the docs
def test_sample_has_no_error(sample: Store) -> None:
    frames = sample.read_all()
    for today in (SAMPLE_TODAY, dt.date(2031, 1, 1)):
        findings = check_smart(frames, today=today)
        assert not (findings["level"] == "error").any(), findings[findings["level"] == "error"]
    findings = check_smart(frames, today=SAMPLE_TODAY)
    overdue = set(findings.loc[findings["check"] == "task-overdue", "subject_id"])
    assert overdue == {"I1-T4", "I4-T2", "I4-T3", "I5-T2", "I6-T2", "I6-T3"}  # the six of the sample's README


def test_every_check_is_documented() -> None:
    doc = smart_module.__doc__ or ""
    text = DOCS.read_text(encoding="utf-8")
    for code, spec in CHECKS.items():
        assert f"``{code}`` ({spec.letter}, {spec.level})" in doc, code
        assert re.search(rf"`{re.escape(code)}`.*\b{spec.letter}\b.*\b{spec.level}\b", text), code
    assert set(LEVELS) == {c.level for c in CHECKS.values()}
    assert set(LETTERS) == {c.letter for c in CHECKS.values()}


# ----------------------------------------------------------------------------- bsc lint
def _subject_blocks(output: str) -> dict[str, list[str]]:
    blocks: dict[str, list[str]] = {}
    current = None
    for line in output.splitlines():
        if line.startswith("["):
            current = line
            assert current not in blocks, f"subject listed twice: {current}"
            blocks[current] = []
        elif line.startswith("  [") and current is not None:
            blocks[current].append(line)
    return blocks


def test_lint_weak_store_exits_1_and_groups_by_subject(weak_store: Store) -> None:
    result = run("lint", "--store", weak_store.location, "--today", "2026-09-01")
    assert result.exit_code == 1, result.output
    blocks = _subject_blocks(result.output)
    assert len(blocks) == len({(t, i) for _, t, i in WEAK_EXPECTED})
    w_f2 = blocks['[weak] objective W-F2 "Cut costs everywhere we can"']
    assert [line.split("  ")[1] for line in w_f2] == ["[error] M", "[warning] R"]
    assert "has no KPI" in w_f2[0] and "→ Add at least one KPI" in w_f2[0]
    task = blocks['[weak] task W-I1-T2 "List all costs"']
    assert len(task) == 1 and task[0].startswith("  [warning] T  Task W-I1-T2")
    assert result.output.rstrip().splitlines()[-1] == "Summary: 3 errors, 15 warnings, 3 info in 1 scorecard."


def test_lint_sample_exits_0_with_store_from_environment(sample: Store) -> None:
    result = run("lint", "--today", "2026-11-24", env={"BSC_STORE": sample.location})
    assert result.exit_code == 0, result.output
    assert "[error]" not in result.output
    assert '[org] task I4-T2 "Link store till receipts to customer and member IDs"' in result.output
    assert result.output.rstrip().splitlines()[-1].startswith("Summary: 0 errors, ")


def test_lint_one_clean_scorecard(sample: Store) -> None:
    result = run("lint", "--store", sample.location, "--scorecard", "cs", "--today", "2026-01-01")
    assert result.exit_code == 0
    assert result.output.startswith("Summary: 0 errors, 0 warnings, 0 info in scorecard cs.")


@pytest.mark.parametrize(("args", "message"), [
    (["--scorecard", "nope"], "unknown scorecard 'nope'"),
    (["--today", "24.11.2026"], "write it as YYYY-MM-DD"),
])
def test_lint_wrong_arguments_exit_2(sample: Store, args: list[str], message: str) -> None:
    result = CliRunner().invoke(main, ["lint", "--store", sample.location, *args])
    assert result.exit_code == 2 and message in result.output


def test_lint_help_and_missing_store(tmp_path: Path) -> None:
    result = run("lint", "--help")
    assert result.exit_code == 0 and "SMART" in result.output and "BSC_STORE" in result.output
    missing = CliRunner().invoke(main, ["lint", "--store", str(tmp_path / "none")])
    assert missing.exit_code == 2 and "does not exist" in missing.output

