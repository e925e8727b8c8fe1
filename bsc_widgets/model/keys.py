"""Finding records by key in a frame: the one vectorized look-up the store and the rules share."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd


def key_mask(frame: pd.DataFrame, key: Sequence[str], keys: pd.DataFrame) -> np.ndarray:
    """Which rows of ``frame`` have a key (the ``key`` columns) among the rows of ``keys``.

    The first key column narrows the rows down (one ``isin``, cheap on a big table); only
    those candidates are compared on the whole key.
    """
    columns = list(key)
    if frame.empty or keys.empty:
        return np.zeros(len(frame), dtype=bool)
    mask = frame[columns[0]].isin(set(keys[columns[0]].dropna())).to_numpy(dtype=bool)
    if len(columns) > 1 and mask.any():
        where = np.flatnonzero(mask)
        wanted = set(zip(*(keys[c].astype(object).tolist() for c in columns), strict=True))
        found = [k in wanted for k in zip(*(frame[c].iloc[where].astype(object).tolist() for c in columns),
                                          strict=True)]
        mask = np.zeros(len(frame), dtype=bool)
        mask[where[np.asarray(found, dtype=bool)]] = True
    return mask
