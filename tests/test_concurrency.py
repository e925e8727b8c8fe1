"""Several processes saving to one store at once, and a save killed half-way."""

from __future__ import annotations

import multiprocessing
import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest
from plans import make_plan

from bsc_widgets import BscValidationError, ConflictError, Store

pytestmark = pytest.mark.slow

PROCESSES = 8
RECORDS_EACH = 8
ROUNDS = 6


def save_objectives(location: str, worker: int) -> list[str]:
    """Save RECORDS_EACH objectives one by one; return the ids whose save was acknowledged."""
    store = Store.open(location)
    saved = []
    for i in range(RECORDS_EACH):
        oid = f"W{worker}-{i:02d}"
        store.upsert("objectives", [{"objective_id": oid, "scorecard_id": "org", "perspective_id": "internal",
                                     "title": f"Objective {i} saved by worker {worker}"}], user=f"worker{worker}")
        saved.append(oid)
    return saved


def test_concurrent_processes_lose_no_acknowledged_save(tmp_path: Path) -> None:
    store = make_plan(Store.create(tmp_path / "store"))
    before = store.version("objectives")
    context = multiprocessing.get_context("spawn")  # deltalake's runtime must not be forked
    with context.Pool(PROCESSES) as pool:
        results = pool.starmap(save_objectives, [(store.location, w) for w in range(PROCESSES)])
    # Eight processes at once: every save is acknowledged (none gives up as "store busy") and stored.
    acknowledged = {oid for ids in results for oid in ids}
    assert len(acknowledged) == PROCESSES * RECORDS_EACH
    stored = set(store.read("objectives")["objective_id"])
    assert acknowledged <= stored
    assert len(stored) == PROCESSES * RECORDS_EACH + 2
    assert store.version("objectives") == before + PROCESSES * RECORDS_EACH
    users = store.history("objectives")["user"].tolist()
    assert all(users.count(f"worker{w}") == RECORDS_EACH for w in range(PROCESSES))


CHILD = textwrap.dedent("""
    import sys
    from bsc_widgets import Store
    store = Store.open(sys.argv[1])
    batch = 0
    while True:
        batch += 1
        rows = [{"kpi_id": f"k{k:03d}", "period": f"{2024 + m // 12}-{m % 12 + 1:02d}", "scorecard_id": "org",
                 "value": batch, "note": f"batch {batch}"} for k in range(100) for m in range(30)]
        print(f"saving {batch}", flush=True)
        store.upsert("actuals", rows)
        print(f"saved {batch}", flush=True)
""")


def test_save_killed_half_way_leaves_the_previous_version_intact(tmp_path: Path) -> None:
    store = make_plan(Store.create(tmp_path / "store"))
    store.upsert("kpis", [{"kpi_id": f"k{k:03d}", "scorecard_id": "org", "objective_id": "F1", "name": f"KPI {k}",
                           "frequency": "M", "aggregation": "sum"} for k in range(100)])
    rng = random.Random(7)
    for _round in range(3):
        with subprocess.Popen([sys.executable, "-c", CHILD, store.location], stdout=subprocess.PIPE,
                              text=True) as child:
            assert child.stdout is not None
            acknowledged = 0
            for line in child.stdout:
                if line.startswith("saved"):
                    acknowledged = int(line.split()[1])
                if line.startswith("saving") and int(line.split()[1]) >= 2:
                    break
            time.sleep(rng.uniform(0.02, 0.3))  # somewhere inside the save
            os.kill(child.pid, signal.SIGKILL)
            child.wait()
        assert child.returncode == -signal.SIGKILL

        reopened = Store.open(store.location)
        actuals = reopened.read("actuals")
        assert len(actuals) == 3000
        batches = set(actuals["value"])
        assert len(batches) == 1, "a version mixes two saves"
        assert int(batches.pop()) >= acknowledged, "an acknowledged save was lost"
        assert reopened.validate() == []
        reopened.upsert("actuals", [{"kpi_id": "k000", "period": "2024-01", "scorecard_id": "org", "value": -1}])
        assert reopened.read("actuals").set_index(["kpi_id", "period"]).loc[("k000", "2024-01"), "value"] == -1


def edit_the_same_record(location: str, worker: int, barrier: Any) -> list[str]:
    """In each round, read C1 and save a change to it with the revision read; report what happened."""
    store = Store.open(location)
    outcomes = []
    for round_ in range(ROUNDS):
        barrier.wait()
        revision = int(store.read("objectives").set_index("objective_id").at["C1", "revision"])
        barrier.wait()  # everyone has read the same revision
        mine = f"owner {worker} in round {round_}"
        try:
            store.upsert("objectives", [{"objective_id": "C1", "owner": mine, "revision": revision}],
                         user=f"worker{worker}")
            outcomes.append("won")
        except ConflictError as error:
            assert error.expected_revision == revision and error.actual_revision == revision + 1
            assert error.yours["owner"] == mine and error.theirs is not None
            assert error.theirs["owner"].endswith(f"in round {round_}") and error.theirs["owner"] != mine
            outcomes.append("conflict")
    return outcomes


def test_many_processes_editing_one_record_one_wins_each_round_the_others_see_the_conflict(tmp_path: Path) -> None:
    store = make_plan(Store.create(tmp_path / "store"))
    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager:
        barrier = manager.Barrier(PROCESSES)
        with context.Pool(PROCESSES) as pool:
            results = pool.starmap(edit_the_same_record, [(store.location, w, barrier) for w in range(PROCESSES)])
    for round_ in range(ROUNDS):
        assert sorted(r[round_] for r in results) == ["conflict"] * (PROCESSES - 1) + ["won"], round_
    row = store.read("objectives").set_index("objective_id").loc["C1"]
    assert row["revision"] == 1 + ROUNDS and row["owner"].endswith(f"in round {ROUNDS - 1}")


def race_across_tables(location: str, role: str, barrier: Any) -> list[str]:
    """Round after round, remove objective X<n> (role 'remove') or add a KPI that measures it (role 'add')."""
    store = Store.open(location)
    outcomes = []
    for n in range(ROUNDS * 2):
        barrier.wait()
        try:
            if role == "remove":
                store.delete("objectives", [f"X{n}"])
            else:
                store.upsert("kpis", [{"kpi_id": f"x{n}", "scorecard_id": "org", "objective_id": f"X{n}",
                                       "name": f"Measures X{n}"}])
            outcomes.append("saved")
        except BscValidationError as error:
            codes = {p.code for p in error.problems}
            assert codes & {"in_use", "unknown_reference"}, error
            outcomes.append("refused")
    return outcomes


def test_a_change_that_a_concurrent_change_makes_invalid_is_refused(tmp_path: Path) -> None:
    store = make_plan(Store.create(tmp_path / "store"))
    store.upsert("objectives", [{"objective_id": f"X{n}", "scorecard_id": "org", "perspective_id": "internal",
                                 "title": f"Objective X{n} to race on"} for n in range(ROUNDS * 2)])
    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager:
        barrier = manager.Barrier(2)
        with context.Pool(2) as pool:
            removed, added = pool.starmap(race_across_tables, [(store.location, role, barrier)
                                                               for role in ("remove", "add")])
    for n, pair in enumerate(zip(removed, added, strict=True)):
        assert sorted(pair) == ["refused", "saved"], (n, pair)
    assert store.validate() == [], "the store never holds a KPI of a removed objective"
    kpis = set(store.read("kpis")["objective_id"])
    objectives = set(store.read("objectives")["objective_id"])
    assert kpis <= objectives
