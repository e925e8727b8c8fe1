"""Rows of actuals or targets as integer codes: each row's KPI position, period index and frequency.

Shared by the scoring engine (:mod:`.kpis`) and the calculated KPIs (:mod:`.calculated`):
KPI ids are looked up with Arrow hashing and each distinct period text is parsed once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..model.periods import PER_YEAR, period_columns

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

FREQ_CODES = tuple(PER_YEAR)  # a period's frequency as a small integer: its position here


@dataclass(frozen=True)
class Encoded:
    """Rows of actuals or targets as integer codes: KPI position and period index.

    ``kpi`` is the row's KPI position, or the number of KPIs (one past the last) for rows of
    another KPI; ``freq`` the position of the period's frequency in :data:`FREQ_CODES` (-1
    when the period is not one).
    """

    kpi: IntArray
    index: IntArray
    freq: npt.NDArray[np.int8]
    values: dict[str, FloatArray]


def _arrow_strings(series: pd.Series) -> pa.Array:
    """A text column as one Arrow string array (zero-copy for pandas' Arrow-backed strings)."""
    arr = pa.array(series, type=pa.string(), from_pandas=True)
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks() if arr.num_chunks != 1 else arr.chunk(0)
    return arr


def _floats(series: pd.Series) -> FloatArray:
    """A column as float64 (NaN where missing); a NumPy float64 column as it is (a view: do not write to it)."""
    if series.dtype == np.float64:
        return series.to_numpy(copy=False)
    if pd.api.types.is_float_dtype(series.dtype):
        return series.to_numpy(dtype=np.float64, na_value=np.nan)
    return pd.to_numeric(series, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)


def encode(frame: pd.DataFrame, kpi_ids: pa.Array, fields: Sequence[str]) -> Encoded:
    """KPI positions (via Arrow hashing) and period indices (parsing each distinct period once)."""
    if frame.empty:
        empty = np.empty(0, np.int64)
        return Encoded(empty, empty, np.empty(0, np.int8), {f: np.empty(0) for f in fields})
    kpi = pc.fill_null(pc.index_in(_arrow_strings(frame["kpi_id"]), value_set=kpi_ids), len(kpi_ids))
    periods = pc.dictionary_encode(_arrow_strings(frame["period"]))
    parsed = period_columns(pd.Series(periods.dictionary.to_numpy(zero_copy_only=False), dtype=object))
    codes = pc.fill_null(periods.indices, len(parsed)).to_numpy()  # a missing period: one past the last
    index = np.append(parsed["index"].to_numpy(dtype=np.int64, na_value=-1), -1)
    letters = parsed["freq"].to_numpy(dtype=object)
    freq = np.array([FREQ_CODES.index(f) if f in FREQ_CODES else -1 for f in letters] + [-1], dtype=np.int8)
    return Encoded(kpi.to_numpy().astype(np.int64), index[codes], freq[codes], {f: _floats(frame[f]) for f in fields})
