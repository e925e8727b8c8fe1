"""The embedded sample organisation, shipped as one CSV file per table.

Alder & Finch Outdoor Gear (scorecard ``org``) and its Customer Service department
(scorecard ``cs``, cascading from ``org``).  See ``alder_finch/README.md``.
"""

from __future__ import annotations

from importlib.resources import files
from importlib.resources.abc import Traversable

import pandas as pd

from ...model.coerce import coerce, from_arrow, to_arrow
from ...model.schema import PLAN_TABLES, TABLES
from ...store import SaveResult, Store

SAMPLE_NAME = "alder_finch"
SAMPLE_USER = "bsc-widgets sample"


def sample_dir() -> Traversable:
    """Folder (package resource) holding the sample's CSV files."""
    return files(__package__).joinpath(SAMPLE_NAME)


def sample_frames() -> dict[str, pd.DataFrame]:
    """The sample's raw records, one frame of text per plan table (not yet typed)."""
    frames = {}
    for name in PLAN_TABLES:
        with sample_dir().joinpath(f"{name}.csv").open("r", encoding="utf-8") as handle:
            frames[name] = pd.read_csv(handle, dtype=str, keep_default_na=False)
    return frames


def sample_plan() -> dict[str, pd.DataFrame]:
    """The sample as typed frames, exactly as a store holding it would return them (no store needed)."""
    frames = {}
    for name, raw in sample_frames().items():
        frame, _ = coerce(TABLES[name], raw)
        frames[name] = from_arrow(TABLES[name], to_arrow(TABLES[name], frame))
    return frames


def load_sample(store: Store, *, user: str = SAMPLE_USER) -> list[SaveResult]:
    """Save the sample organisation into ``store``, table by table, validated like any input."""
    return [store.upsert(name, frame, user=user) for name, frame in sample_frames().items()]
