"""Schema version 5 (colour bands, missing-data policies, roll-up methods): a store of version 4 upgrades on open
and scores as before."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from deltalake import DeltaTable
from plans import make_older

from bsc_widgets import Store, score_review
from bsc_widgets.model.schema import SCHEMA_CHANGES, SCHEMA_VERSION

NEW = {"scorecards": ["bands", "missing_policy", "rollup"], "kpis": ["bands", "missing_policy"],
       "objectives": ["rollup"], "perspectives": ["rollup"]}


def test_a_store_of_schema_four_upgrades_on_open_and_scores_the_same(sample_store: Path) -> None:
    assert SCHEMA_VERSION == 5 and set(NEW) <= set(SCHEMA_CHANGES[5][1])
    periods = ["2026Q2", "2026Q3"]
    before = score_review(Store.open(sample_store).read_all(), periods)
    make_older(sample_store, NEW, 4)
    store = Store.open(sample_store)
    assert store.schema_version == SCHEMA_VERSION
    cards = store.read("scorecards")
    assert (cards["missing_policy"] == "ignore").all() and (cards["rollup"] == "weighted_mean").all()
    assert cards["bands"].isna().all() and store.read("kpis")["missing_policy"].isna().all()
    assert DeltaTable(str(sample_store / "kpis")).history(1)[0].get("bsc.operation") == "upgrade to schema version 5"
    after = score_review(store.read_all(), periods)
    for level, frame in before.tables().items():
        pd.testing.assert_frame_equal(after.tables()[level], frame, obj=level)
