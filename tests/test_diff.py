"""``bsc diff``: score and status moves between two periods, and plan changes between two times, with who and when."""

from __future__ import annotations

import io
import json
import time
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from bsc_widgets import Store
from bsc_widgets.cli import main
from bsc_widgets.scoring import score_review
from bsc_widgets.scoring.diff import period_diff
from bsc_widgets.store.diff import record_changes


def _diff(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["diff", *args])
    return result.exit_code, result.output


def test_a_period_diff_pairs_each_records_scores_and_ranks_status_changes_first(sample_template: Path) -> None:
    frames = Store.open(sample_template).read_all()
    found = period_diff(frames, "2026Q2", "2026Q3", "org")
    q2, q3 = score_review(frames, "2026Q2", "org").kpis, score_review(frames, "2026Q3", "org").kpis
    kpis = found.level("kpis").set_index("id")
    assert set(kpis.index) == set(q3["kpi_id"].astype(str))
    for row in q2.itertuples():
        assert kpis.at[row.kpi_id, "status_from"] == row.status
    for row in q3.itertuples():
        assert kpis.at[row.kpi_id, "status_to"] == row.status
        assert kpis.at[row.kpi_id, "score_to"] == pytest.approx(row.score, nan_ok=True)
    # Ranked: every status change before every steady record; within each, the bigger move first.
    changed = kpis["status_changed"].to_numpy()
    assert not (changed[1:] & ~changed[:-1]).any()
    moves = kpis["score_change"].abs().fillna(-1).to_numpy()
    steady = moves[~changed]
    assert (steady[:-1] >= steady[1:]).all()
    assert kpis.at["nps", "move"] == "worsened" and kpis.at["engagement", "move"] == "data lost"
    assert found.counts("kpis")["worsened"] == int((kpis["move"] == "worsened").sum()) > 0


def test_bsc_diff_of_two_periods_lists_the_status_changes_the_two_reports_show(sample_template: Path,
                                                                               tmp_path: Path) -> None:
    out = tmp_path / "reports"
    made = CliRunner().invoke(main, ["report", "--store", str(sample_template), "--scorecard", "org", "--period",
                                     "2026Q2", "--period", "2026Q3", "--today", "2026-10-05", "--out", str(out),
                                     "--workers", "1", "--shared-plotly"])
    assert made.exit_code == 0, made.output
    q2, q3 = (json.loads((out / f"org-{p}.results.json").read_text(encoding="utf-8")) for p in ("2026Q2", "2026Q3"))
    code, text = _diff("--store", str(sample_template), "--from", "2026Q2", "--to", "2026Q3", "--scorecard", "org",
                       "--all")
    assert code == 0, text
    code, csv = _diff("--store", str(sample_template), "--from", "2026Q2", "--to", "2026Q3", "--scorecard", "org",
                      "--format", "csv")
    rows = pd.read_csv(io.StringIO(csv), keep_default_na=False)
    for level in ("kpis", "objectives"):
        listed = rows[rows["level"] == level].set_index("id")
        moved = {i for i in q3[level] if q2[level].get(i, {}).get("status") != q3[level][i]["status"]}
        assert moved, level
        assert set(listed.index[listed["status_changed"]]) == moved
        for rid in moved:
            before, after = q2[level][rid]["status"], q3[level][rid]["status"]
            assert (listed.at[rid, "status_from"], listed.at[rid, "status_to"]) == (before, after)
            assert f" {rid} " in text and f"{before} -> {after}" in text
    # The 2026Q3 report's "what changed" section names the same KPIs, with both statuses.
    page = (out / "org-2026Q3.html").read_text(encoding="utf-8")
    part = page[page.index("What changed since the last review"):page.index("Biggest score moves")]
    for kpi_id, values in q3["kpis"].items():
        assert (f"<b>{kpi_id}</b>" in part) == (q2["kpis"][kpi_id]["status"] != values["status"]), kpi_id


def test_a_plan_diff_says_what_was_added_changed_and_removed_field_by_field_with_who_and_when(
        sample_store: Path) -> None:
    store = Store.open(sample_store)
    start = pd.Timestamp.now(tz="UTC")
    time.sleep(0.01)
    store.upsert("tasks", [{"task_id": "I1-T2", "owner": "Jonas Berg", "success_measure": "99.7% accuracy"}],
                 user="ana")
    store.delete("tasks", ["I1-T1"], user="maria")
    store.upsert("comments", [{"scorecard_id": "org", "subject_type": "scorecard", "subject_id": "org",
                               "period": "2026Q3", "text": "Late thought."}], user="lee")
    store.upsert("tasks", [{"task_id": "I1-T2", "success_measure": "99.9% accuracy"}], user="ana")
    code, csv = _diff("--store", str(sample_store), "--from", start.isoformat(), "--format", "csv")
    assert code == 0, csv
    rows = pd.read_csv(io.StringIO(csv), keep_default_na=False)
    changed = rows[rows["change"] == "changed"].set_index("field")
    assert changed.loc["owner", ["record", "after", "by"]].tolist() == ["I1-T2", "Jonas Berg", "ana"]
    assert changed.loc["success_measure", ["before", "after"]].tolist() == [
        "Peak-volume test passes with 99.5% pick accuracy", "99.9% accuracy"]  # the net change, not each save
    removed = rows[rows["change"] == "removed"].iloc[0]
    assert (removed["table"], removed["record"], removed["by"]) == ("tasks", "I1-T1", "maria")
    history = store.history("tasks")
    deleted = history[history["operation"].str.startswith("delete")]
    assert (int(removed["version"]), removed["by"]) == (deleted["version"].item(), deleted["user"].item())
    added = rows[rows["change"] == "added"]
    assert added[["table", "by"]].values.tolist() == [["comments", "lee"]]
    assert set(rows["table"]) == {"tasks", "comments"}
    code, text = _diff("--store", str(sample_store), "--from", start.isoformat())
    assert "tasks (v1 -> v4): 0 added, 1 changed, 1 removed" in text
    assert "owner: Tom Gallagher -> Jonas Berg" in text and "(ana, " in text
    assert "removed  I1-T1 in v3  (maria, " in text and "3 records differ." in text
    # One table's versions, and JSON.
    code, doc = _diff("--store", str(sample_store), "--from", "1", "--to", "2", "--table", "tasks", "--format",
                      "json")
    found = json.loads(doc)
    assert code == 0 and found["versions"] == {"from": {"tasks": 1}, "to": {"tasks": 2}}
    assert {(c["field"], c["before"], c["after"]) for c in found["changes"]} == {
        ("owner", "Tom Gallagher", "Jonas Berg"),
        ("success_measure", "Peak-volume test passes with 99.5% pick accuracy", "99.7% accuracy")}


def test_a_plan_diff_from_a_report_results_file_shows_what_changed_since_that_report(sample_store: Path,
                                                                                    tmp_path: Path) -> None:
    out = tmp_path / "reports"
    made = CliRunner().invoke(main, ["report", "--store", str(sample_store), "--scorecard", "org", "--period",
                                     "2026Q3", "--out", str(out), "--workers", "1", "--shared-plotly"])
    assert made.exit_code == 0, made.output
    Store.open(sample_store).upsert("actuals", [{"kpi_id": "nps", "period": "2026Q3", "value": 38.0}], user="kim")
    code, text = _diff("--store", str(sample_store), "--from", str(out / "org-2026Q3.results.json"))
    assert code == 0, text
    assert "actuals (v1 -> v2): 0 added, 1 changed, 0 removed" in text
    assert "nps/2026Q3  value: 34 -> 38" in text and "(kim, " in text
    assert "Plan changes from the data of org-2026Q3.results.json to now." in text


def test_record_changes_compares_only_records_saved_in_between(sample_template: Path) -> None:
    base = Store.open(sample_template).read("tasks")
    later = base.copy()
    later.loc[0, ["description", "revision"]] = ["Pick the vendor", base.loc[0, "revision"] + 1]
    later.loc[1, "description"] = "edited without a save (same revision): not a change"
    found = record_changes("tasks", base, later)
    assert found[["record", "change", "field", "after"]].values.tolist() == [
        [base.loc[0, "task_id"], "changed", "description", "Pick the vendor"]]
    assert record_changes("tasks", base, base).empty


@pytest.mark.parametrize(("args", "message"), [
    (["--from", "2026Q2", "--to", "2026-09-30"], "is a review period but '2026-09-30' is not"),
    (["--from", "yesterday"], "'yesterday' is none of: a review period"),
    (["--from", "3"], "a version number, which belongs to one table: add --table"),
    (["--from", "2026-01-01", "--table", "budgets"], "unknown table budgets"),
    (["--from", "2026Q2", "--to", "2026Q3", "--scorecard", "nope"], "unknown scorecard"),
    (["--from", "2026Q2", "--to", "2026W30"], "'2026W30' is none of"),
])
def test_bsc_diff_refuses_what_it_cannot_compare_with_a_usage_error(sample_template: Path, args: list[str],
                                                                   message: str) -> None:
    code, output = _diff("--store", str(sample_template), *args)
    assert code == 2 and message in output, output
