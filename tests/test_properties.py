"""Property-based tests: whatever valid records go in come back out unchanged."""

from __future__ import annotations

import math
import tempfile

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bsc_widgets import Store
from bsc_widgets.model.periods import period_at

ids = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,15}", fullmatch=True)
text = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=40).filter(str.strip)
periods = st.builds(lambda y, m: str(period_at("M", y * 12 + m - 1)), st.integers(1990, 2100), st.integers(1, 12))
values = st.floats(allow_nan=False, allow_infinity=False, width=64, min_value=-1e15, max_value=1e15)


def fresh_store() -> Store:
    store = Store.create(tempfile.mkdtemp(prefix="bsc-prop-") + "/s")
    store.upsert("scorecards", [{"scorecard_id": "org", "name": "Org"}])
    store.upsert("perspectives", [{"scorecard_id": "org", "perspective_id": "financial", "name": "Financial",
                                   "position": 1}])
    store.upsert("objectives", [{"objective_id": "F1", "scorecard_id": "org", "perspective_id": "financial",
                                 "title": "Grow"}])
    store.upsert("kpis", [{"kpi_id": "k", "scorecard_id": "org", "objective_id": "F1", "name": "K",
                           "polarity": "higher", "frequency": "M", "aggregation": "sum"}])
    return store


STORE = None


def shared_store() -> Store:
    global STORE
    if STORE is None:
        STORE = fresh_store()
    return STORE


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(periods, st.tuples(values, st.one_of(st.none(), text)), min_size=1, max_size=20))
def test_actuals_round_trip(rows: dict[str, tuple[float, str | None]]) -> None:
    store = shared_store()
    records = [{"kpi_id": "k", "period": p, "scorecard_id": "org", "value": v, "note": n}
               for p, (v, n) in rows.items()]
    store.upsert("actuals", records)
    stored = store.read("actuals").set_index("period")
    for period, (value, note) in rows.items():
        assert math.isclose(stored.loc[period, "value"], value, rel_tol=0, abs_tol=0)
        got = stored.loc[period, "note"]
        assert (got == note.strip()) if note is not None else not isinstance(got, str)


@settings(max_examples=20, deadline=None)
@given(st.lists(st.tuples(ids, text, st.one_of(st.none(), text), st.floats(0.01, 100)), min_size=1, max_size=10,
                unique_by=lambda r: r[0]))
def test_objectives_round_trip_and_revisions(rows: list[tuple[str, str, str | None, float]]) -> None:
    store = shared_store()
    before = store.read("objectives").set_index("objective_id")
    records = [{"objective_id": i, "scorecard_id": "org", "perspective_id": "financial", "title": t,
                "owner": o, "weight": w} for i, t, o, w in rows]
    result = store.upsert("objectives", records)
    stored = store.read("objectives").set_index("objective_id")
    changed = 0
    for oid, title, owner, weight in rows:
        row = stored.loc[oid]
        assert row["title"] == title.strip() and row["weight"] == weight
        assert (row["owner"] == owner.strip()) if owner is not None else not isinstance(row["owner"], str)
        if oid not in before.index:
            assert row["revision"] == 1
            continue
        old = before.loc[oid]
        same = old["title"] == row["title"] and old["weight"] == weight and (
            old["owner"] == row["owner"] or not (isinstance(old["owner"], str) or isinstance(row["owner"], str)))
        assert row["revision"] == old["revision"] + (0 if same else 1)
        changed += 0 if same else 1
    assert (result.inserted, result.updated) == (sum(o not in before.index for o, *_ in rows), changed)
    assert set(before.index) <= set(stored.index), "a save never drops other records"
