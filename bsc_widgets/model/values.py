"""Single values as the package sees them: the one missing-value predicate and plain Python scalars.

Every layer asks :func:`is_missing` whether a value is there (None, NaN, NaT and
``pd.NA`` are not; :func:`is_blank` also counts text of only spaces), and turns numpy /
pandas scalars into plain Python values with :func:`plain`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd


def is_missing(value: Any) -> bool:
    """True for None, NaN, NaT and ``pd.NA`` (a scalar; anything else, lists included, is a value)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, float | np.floating):
        return bool(value != value)
    if isinstance(value, np.datetime64 | np.timedelta64):
        return bool(np.isnat(value))
    return False


def is_blank(value: Any) -> bool:
    """True when :func:`is_missing`, or for text that holds only spaces."""
    return is_missing(value) or (isinstance(value, str) and not value.strip())


def blank_mask(values: np.ndarray) -> np.ndarray:
    """:func:`is_blank` for every value of an object array at once (missing values and space-only text)."""
    missing = np.asarray(pd.isna(values), dtype=bool)
    texts = np.fromiter((isinstance(v, str) for v in values), dtype=bool, count=len(values))
    if texts.any():
        missing[texts] = np.char.str_len(np.char.strip(values[texts].astype(str))) == 0
    return missing


def plain(value: Any) -> Any:
    """``value`` as a plain Python scalar: None when missing, numpy numbers as int / float / bool."""
    if is_missing(value):
        return None
    if isinstance(value, np.generic):
        return value.item()
    return value


def plain_record(record: Mapping[str, Any]) -> dict[str, Any]:
    """A record with every value made :func:`plain`."""
    return {k: plain(v) for k, v in record.items()}


def same_value(a: Any, b: Any) -> bool:
    """True when ``a`` and ``b`` are the same stored value (both missing counts as the same)."""
    a, b = plain(a), plain(b)
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, pd.Timestamp | dt.datetime) or isinstance(b, pd.Timestamp | dt.datetime):
        return bool(pd.Timestamp(a) == pd.Timestamp(b))
    return bool(a == b)
