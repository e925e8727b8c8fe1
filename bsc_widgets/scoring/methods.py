"""Roll-up methods: which rule each objective, perspective and scorecard rolls its children up by.

An objective or perspective follows its own ``rollup`` when it has one, else its
scorecard's; a scorecard its own (``weighted_mean`` by default).  The methods are
positions in :data:`~bsc_widgets.model.bands.ROLLUPS`, as :func:`.rollups.weighted_rollup`
takes them; :func:`method_words` names them for the result tables.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from ..model.bands import ROLLUPS, rollup

IntArray = npt.NDArray[np.int64]


def rollup_methods(table: pd.DataFrame, scorecards: pd.DataFrame) -> IntArray:
    """Each row's roll-up method as a position in :data:`ROLLUPS` (its own, else its scorecard's)."""
    cards = dict(zip(scorecards["scorecard_id"].astype(str),
                     scorecards["rollup"] if "rollup" in scorecards else [None] * len(scorecards), strict=True))
    own = table["rollup"] if "rollup" in table else pd.Series([None] * len(table), index=table.index)
    return np.array([ROLLUPS.index(rollup(text, cards.get(card)))
                     for card, text in zip(table["scorecard_id"].astype(str), own, strict=True)], dtype=np.int64)
