"""Small valid plans for tests (importable as ``plans``: conftest modules are not importable by name
when several test folders have one)."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import pandas as pd

from bsc_widgets import Store
from bsc_widgets.model.coerce import coerce
from bsc_widgets.model.rules import check_plan
from bsc_widgets.model.schema import PLAN_TABLES, TABLES

PERSPECTIVES = ["financial", "customer", "internal", "learning"]


def make_plan(store: Store) -> Store:
    """A small valid plan: scorecard 'org', four perspectives, two objectives, two KPIs."""
    store.upsert("scorecards", [{"scorecard_id": "org", "name": "Org", "horizon_start": "2025-01",
                                 "horizon_end": "2027-12", "review_frequency": "Q"}])
    store.upsert("perspectives", [{"scorecard_id": "org", "perspective_id": p, "name": p.title(),
                                   "position": i + 1} for i, p in enumerate(PERSPECTIVES)])
    store.upsert("objectives", [
        {"objective_id": "F1", "scorecard_id": "org", "perspective_id": "financial",
         "title": "Grow profitable revenue in core markets"},
        {"objective_id": "C1", "scorecard_id": "org", "perspective_id": "customer",
         "title": "Keep customers coming back"},
    ])
    store.upsert("kpis", [
        {"kpi_id": "rev", "scorecard_id": "org", "objective_id": "F1", "name": "Revenue",
         "polarity": "higher", "frequency": "M", "aggregation": "sum"},
        {"kpi_id": "churn", "scorecard_id": "org", "objective_id": "C1", "name": "Churn",
         "polarity": "lower", "frequency": "Q", "aggregation": "last"},
    ])
    return store


def plan_frames(**tables: list[dict[str, object]]) -> dict[str, pd.DataFrame]:
    """Typed frames for every plan table from records, checked to be a valid plan (no store needed)."""
    frames = {}
    for name in PLAN_TABLES:
        records = tables.get(name) or pd.DataFrame(columns=TABLES[name].names)
        frame, problems = coerce(TABLES[name], records)
        assert not problems, problems
        frames[name] = frame
    assert check_plan(frames) == [], check_plan(frames)
    return frames


MARKUP = '<a href="https://evil.example/">x</a> <b>bold</b> & "quoted"'
"""A link, a bold tag, an ampersand and quotes: text a chart must show as typed, never as markup."""


def with_markup(frames: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """``frames`` with :data:`MARKUP` in every text a chart shows: titles, owners, names, descriptions and units."""
    marked = {name: frame.copy() for name, frame in frames.items()}
    for table, columns in {"objectives": ["title", "owner"], "initiatives": ["title", "owner"],
                           "tasks": ["description", "owner"], "kpis": ["name", "unit"],
                           "perspectives": ["name"]}.items():
        for column in columns:
            marked[table][column] = [f"{MARKUP} {i}" for i in range(len(marked[table]))]
    return marked


def make_older(store: Path, dropped: Mapping[str, Sequence[str]], version: int) -> Path:
    """Make the store at ``store`` look written by an older release: ``dropped`` columns gone, ``version`` recorded.

    Each table is rewritten without the columns (in its usual partitions), store_info says ``version``
    and the version record is removed, as a store of that release has none of the new commits.
    """
    import pyarrow as pa
    from deltalake import DeltaTable, write_deltalake

    from bsc_widgets.store import PARTITIONS

    for name, columns in dropped.items():
        uri = str(store / name)
        data = DeltaTable(uri).to_pyarrow_table().drop_columns(list(columns))
        partition = PARTITIONS[name]
        write_deltalake(uri, data, mode="overwrite", schema_mode="overwrite",
                        partition_by=[partition] if partition else None)
    info = DeltaTable(str(store / "store_info")).to_pyarrow_table()
    info = info.set_column(info.schema.get_field_index("schema_version"), "schema_version",
                           pa.array([version] * len(info), pa.int64()))
    write_deltalake(str(store / "store_info"), info, mode="overwrite")
    (store / "_bsc_versions.json").unlink()
    return store



def wait_for(condition: Callable[[], bool], seconds: float = 30.0) -> bool:
    """Poll ``condition`` until it holds or ``seconds`` passed (a bound, not a timing assertion)."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(0.1)
    return condition()
