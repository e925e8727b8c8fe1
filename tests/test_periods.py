from __future__ import annotations

import datetime as dt

import pytest

from bsc_widgets.periods import Period, is_finer, is_period, parse_period, period_containing, period_range


@pytest.mark.parametrize(("text", "freq", "start", "end"), [
    ("2026-03", "M", dt.date(2026, 3, 1), dt.date(2026, 3, 31)),
    ("2024-02", "M", dt.date(2024, 2, 1), dt.date(2024, 2, 29)),
    ("2026Q1", "Q", dt.date(2026, 1, 1), dt.date(2026, 3, 31)),
    ("2026Q4", "Q", dt.date(2026, 10, 1), dt.date(2026, 12, 31)),
    ("2026", "A", dt.date(2026, 1, 1), dt.date(2026, 12, 31)),
])
def test_parse_period(text: str, freq: str, start: dt.date, end: dt.date) -> None:
    period = parse_period(text)
    assert (period.freq, period.start, period.end, str(period)) == (freq, start, end, text)


@pytest.mark.parametrize("text", ["2026-13", "2026Q5", "26Q1", "2026-3", "March 2026", "", "2026 Q1", 2026])
def test_bad_periods_say_how_to_write_one(text: object) -> None:
    with pytest.raises(ValueError, match=r"2026-03|months run"):
        parse_period(text)
    assert not is_period(text)


def test_period_helpers() -> None:
    assert period_containing(dt.date(2026, 5, 2), "Q") == Period(2026, "Q", 2)
    assert is_finer("M", "Q") and not is_finer("A", "Q")
    months = period_range(parse_period("2025-11"), parse_period("2026-02"))
    assert [str(p) for p in months] == ["2025-11", "2025-12", "2026-01", "2026-02"]
