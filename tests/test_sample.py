"""The embedded sample organisation loads cleanly and has everything the docs promise."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pytest

from bsc_widgets import Store
from bsc_widgets.io.samples import load_sample, sample_frames
from bsc_widgets.model.periods import first_day, parse_period, period_containing
from bsc_widgets.model.schema import PLAN_TABLES, TABLES


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Store:
    store = Store.create(tmp_path_factory.mktemp("sample") / "store")
    load_sample(store)
    return store


LEFT_TO_DEFAULTS = {"bands", "missing_policy", "rollup"}
"""Columns the sample's CSV files leave out: blank or their defaults (default colour bands, ignore, weighted_mean)."""


def test_csv_headers_are_the_schema_columns() -> None:
    for name, frame in sample_frames().items():
        assert list(frame.columns) == [c for c in TABLES[name].names if c not in LEFT_TO_DEFAULTS], name


def test_sample_is_valid_and_complete(sample: Store) -> None:
    assert sample.validate() == []
    frames = sample.read_all()
    # Every table has records, except the sign-offs: the sample's plan is still being voted on.
    assert [t for t in PLAN_TABLES if not len(frames[t])] == ["signoffs"]


def test_organisation_scorecard_content(sample: Store) -> None:
    org = sample.read("scorecards").set_index("scorecard_id").loc["org"]
    assert all(isinstance(org[f], str) and len(org[f]) > 40 for f in ("vision", "mission", "values"))
    assert len(org["values"].splitlines()) >= 3
    objectives = sample.read("objectives", scorecard="org")
    assert len(objectives) >= 12
    assert set(objectives["perspective_id"]) == {"financial", "customer", "internal", "learning"}
    links = sample.read("links", scorecard="org")
    assert len(links) >= 10
    assert set(objectives["objective_id"]) <= set(links["cause"]) | set(links["effect"])


def test_kpis_mix_polarities_frequencies_and_aggregations(sample: Store) -> None:
    kpis = sample.read("kpis", scorecard="org")
    assert len(kpis) >= 24
    counts = kpis["polarity"].value_counts()
    assert counts["lower"] >= 2 and counts["range"] >= 1
    assert {"M", "Q"} <= set(kpis["frequency"])
    assert len(set(kpis["aggregation"])) >= 4


def test_targets_and_eight_quarters_of_actuals_with_gaps(sample: Store) -> None:
    kpis = sample.read("kpis")
    actuals = sample.read("actuals")
    targets = sample.read("targets")
    calculated = kpis["expression"].notna().to_numpy()
    assert list(kpis.loc[calculated, "kpi_id"]) == ["complaints-per-member"], "one KPI is calculated"
    assert not set(kpis.loc[calculated, "kpi_id"]) & (set(actuals["kpi_id"]) | set(targets["kpi_id"])), \
        "its actuals and targets are computed, not typed"
    kpis = kpis[~calculated]
    assert set(targets["kpi_id"]) == set(kpis["kpi_id"])
    quarters = {str(period_containing(first_day(parse_period(p)), "Q")) for p in actuals["period"]}
    assert len(quarters) >= 8
    expected = {(k.kpi_id, str(p)) for k in kpis.itertuples() for p in _periods(k.frequency, "2024-10", "2026-09")}
    present = set(zip(actuals["kpi_id"], actuals["period"], strict=True))
    gaps = expected - present
    assert 3 <= len(gaps) <= 30, "some actuals are missing, but not many"
    latest = targets.merge(actuals, on=["kpi_id", "period"]).merge(kpis[["kpi_id", "polarity"]], on="kpi_id")
    latest = latest[latest["period"].isin(["2026-09", "2026Q3"])]
    off = latest[((latest["polarity"] == "higher") & (latest["value"] < latest["red_flag"]))
                 | ((latest["polarity"] == "lower") & (latest["value"] > latest["red_flag"]))]
    assert len(off) >= 3, "some KPIs are off track"


def _periods(freq: str, first: str, last: str) -> list[str]:
    from bsc_widgets.model.periods import last_day, period_range

    start, end = first_day(parse_period(first)), last_day(parse_period(last))
    return [str(p) for p in period_range(period_containing(start, freq), period_containing(end, freq))]


def test_action_plans_and_comments(sample: Store) -> None:
    initiatives, tasks = sample.read("initiatives"), sample.read("tasks")
    assert len(initiatives) >= 6 and len(tasks) >= 20
    assert len(set(tasks["status"])) >= 3
    today = dt.date(2026, 11, 24)
    overdue = tasks[(tasks["status"] != "done") & (tasks["due"] < today)]
    assert len(overdue) >= 2
    assert len(sample.read("comments")) >= 5


def test_department_cascades_from_the_organisation(sample: Store) -> None:
    scorecards = sample.read("scorecards").set_index("scorecard_id")
    departments = scorecards[scorecards["parent_id"] == "org"]
    assert len(departments) >= 1
    dept_objectives = sample.read("objectives", scorecard=departments.index[0])
    supported = dept_objectives["supports"].dropna()
    assert len(supported) >= 2
    assert set(supported) <= set(sample.read("objectives", scorecard="org")["objective_id"])


def test_loading_twice_changes_nothing(sample: Store) -> None:
    versions = {t: sample.version(t) for t in PLAN_TABLES}
    results = load_sample(sample)
    assert all(r.inserted == r.updated == 0 for r in results)
    assert {t: sample.version(t) for t in PLAN_TABLES} == versions


def test_tables_open_in_a_process_that_never_imports_bsc_widgets(sample: Store, tmp_path: Path) -> None:
    script = textwrap.dedent("""
        import sys
        from deltalake import DeltaTable
        for name in sys.argv[2:]:
            frame = DeltaTable(sys.argv[1] + "/" + name).to_pandas()
            print(name, len(frame))
        assert "bsc_widgets" not in sys.modules
    """)
    out = subprocess.run([sys.executable, "-I", "-c", script, sample.location, *PLAN_TABLES],
                         capture_output=True, text=True, check=True, cwd=tmp_path).stdout
    counts = dict(line.split() for line in out.splitlines())
    assert {t: int(n) for t, n in counts.items()} == {t: len(sample.read(t)) for t in PLAN_TABLES}
    assert isinstance(pd.__version__, str)
