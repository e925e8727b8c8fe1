from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from bsc_widgets.model.periods import (
    first_day,
    frequency,
    is_finer,
    is_period,
    last_day,
    parse_period,
    period_at,
    period_columns,
    period_containing,
    period_index,
    period_range,
)


@pytest.mark.parametrize(("text", "freq", "start", "end"), [
    ("2026-03", "M", dt.date(2026, 3, 1), dt.date(2026, 3, 31)),
    ("2024-02", "M", dt.date(2024, 2, 1), dt.date(2024, 2, 29)),
    ("2026Q1", "Q", dt.date(2026, 1, 1), dt.date(2026, 3, 31)),
    ("2026Q4", "Q", dt.date(2026, 10, 1), dt.date(2026, 12, 31)),
    ("2026", "A", dt.date(2026, 1, 1), dt.date(2026, 12, 31)),
])
def test_parse_period(text: str, freq: str, start: dt.date, end: dt.date) -> None:
    period = parse_period(text)
    assert (frequency(period), first_day(period), last_day(period), str(period)) == (freq, start, end, text)
    assert period_at(freq, period_index(period)) == period


@pytest.mark.parametrize("text", ["2026-13", "2026Q5", "26Q1", "2026-3", "March 2026", "", "2026 Q1", 2026])
def test_bad_periods_say_how_to_write_one(text: object) -> None:
    with pytest.raises(ValueError, match=r"2026-03|months run"):
        parse_period(text)
    assert not is_period(text)


def test_period_helpers() -> None:
    assert period_containing(dt.date(2026, 5, 2), "Q") == parse_period("2026Q2")
    assert is_finer("M", "Q") and not is_finer("A", "Q")
    months = period_range(parse_period("2025-11"), parse_period("2026-02"))
    assert [str(p) for p in months] == ["2025-11", "2025-12", "2026-01", "2026-02"]


def test_period_indices_nest_across_frequencies() -> None:
    month, quarter, year = (period_index(parse_period(p)) for p in ("2026-08", "2026Q3", "2026"))
    assert month // 3 == quarter and month // 12 == year and quarter // 4 == year
    assert period_index(parse_period("2026-01")) == 2026 * 12  # the same numbers as before pandas did the parsing


def test_period_columns_parse_each_value_once_and_keep_bad_ones_visible() -> None:
    values = pd.Series(["2026-03", "2026Q1", None, "2026-03", "March", "2026"], index=[10, 11, 12, 13, 14, 15])
    found = period_columns(values)
    assert list(found.index) == [10, 11, 12, 13, 14, 15]
    assert found["freq"].tolist() == ["M", "Q", None, "M", None, "A"]
    assert found["index"].isna().tolist() == [False, False, True, False, True, False]
    assert found.loc[10, "start"] == pd.Timestamp("2026-03-01") and found.loc[15, "end"] == pd.Timestamp("2026-12-31")
