"""Colour bands of scores: which band of its scheme each KPI result and each roll-up falls in.

A KPI uses its own scheme (``kpis.bands``) when it has one, else its scorecard's
(``scorecards.bands``), else the default three bands from the scorecard's ``amber_from``
and ``green_from``; objectives, perspectives and scorecards use their scorecard's.  A
score is in the highest band whose lower bound it reaches (:func:`formulas.reaches`, so a
typed 6.67 means exactly 20/3, the score on target).  Rows without a score have no band.

The band is colour only: the status (green / amber / red) keeps its own rule
(docs/scoring.md, Colour bands).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol, TypeVar

import numpy as np
import numpy.typing as npt
import pandas as pd

from ..model.bands import BandScheme, scheme
from ..model.values import is_blank
from .formulas import TARGET_FIELDS, actual_at, has_target, reaches, threshold

IntArray = npt.NDArray[np.int64]


def card_schemes(scorecards: pd.DataFrame) -> dict[str, BandScheme]:
    """Each scorecard's band scheme by id."""
    out = {}
    for row in scorecards.itertuples(index=False):
        out[str(row.scorecard_id)] = scheme(getattr(row, "bands", None), _float(getattr(row, "green_from", None)),
                                            _float(getattr(row, "amber_from", None)))
    return out


def card_scheme(scorecards: pd.DataFrame, scorecard_id: str) -> BandScheme:
    """The band scheme of one scorecard (the default three bands when it is unknown)."""
    return card_schemes(scorecards[scorecards["scorecard_id"] == scorecard_id]).get(str(scorecard_id), scheme(None))


def _float(value: object) -> float | None:
    return None if is_blank(value) else float(value)  # type: ignore[arg-type]


def kpi_schemes(kpis: pd.DataFrame, scorecards: pd.DataFrame) -> list[BandScheme]:
    """Each KPI's band scheme (its own, else its scorecard's), in the order of ``kpis``."""
    cards = card_schemes(scorecards)
    own = kpis["bands"] if "bands" in kpis else pd.Series([None] * len(kpis), index=kpis.index)
    out = []
    for card, text in zip(kpis["scorecard_id"].astype(str), own, strict=True):
        fallback = cards.get(card, scheme(None))
        out.append(fallback if is_blank(text) else scheme(text, *_thresholds(fallback)))
    return out


def _thresholds(fallback: BandScheme) -> tuple[float, float]:
    return fallback.lowers[-1], fallback.lowers[1]


def band_codes(score: npt.ArrayLike, schemes: Sequence[BandScheme]) -> IntArray:
    """Position of each score's band in its row's scheme (``score`` is (rows, periods)); -1 without a score."""
    s = np.asarray(score, dtype=np.float64)
    out = np.full(s.shape, -1, dtype=np.int64)
    texts = [sc.text() + "|" + ",".join(map(repr, sc.lowers)) for sc in schemes]
    codes, uniques = pd.factorize(pd.Series(texts, dtype=object))
    for code in range(len(uniques)):
        rows = codes == code
        lowers = schemes[int(np.flatnonzero(rows)[0])].lowers
        block = s[rows]
        position = np.zeros(block.shape, dtype=np.int64)
        for bound in lowers[1:]:
            position += reaches(block, bound)
        out[rows] = np.where(np.isnan(block), -1, position)
    return out


def labels(codes: IntArray, schemes: Sequence[BandScheme]) -> tuple[npt.NDArray[np.object_], npt.NDArray[np.object_]]:
    """The band names and colours of band positions (``codes`` is (rows, periods)); empty without a band."""
    width = max((len(sc.bands) for sc in schemes), default=0)
    names = np.array([[*sc.names, *[""] * (width - len(sc.bands)), ""] for sc in schemes], dtype=object)
    colours = np.array([[*sc.colours, *[""] * (width - len(sc.bands)), ""] for sc in schemes], dtype=object)
    if not len(schemes):
        empty = np.empty(codes.shape, dtype=object)
        return empty, empty
    rows = np.arange(len(schemes))[:, None]
    return names[rows, codes], colours[rows, codes]  # code -1 picks the trailing ""


def lowest_band_score(schemes: Sequence[BandScheme]) -> npt.NDArray[np.float64]:
    """The middle of each scheme's lowest band: the score a missing actual gets under the ``red`` policy."""
    return np.array([(sc.lowers[0] + sc.upper(0)) / 2 for sc in schemes], dtype=np.float64)


class _Review(Protocol):
    kpis: pd.DataFrame
    objectives: pd.DataFrame
    perspectives: pd.DataFrame
    scorecards: pd.DataFrame


R = TypeVar("R", bound=_Review)


def add_bands(review: R, kpis: pd.DataFrame, scorecards: pd.DataFrame) -> R:
    """Add ``band`` and ``band_colour`` to every result table of ``review`` (in place; returned for chaining).

    ``kpis`` are the KPI records scored (their own schemes), ``scorecards`` every scorecard.
    """
    own = dict(zip(kpis["kpi_id"].astype(str), kpi_schemes(kpis, scorecards), strict=True))
    cards = card_schemes(scorecards)
    default = scheme(None)
    for frame, schemes in (
        (review.kpis, [own.get(k, default) for k in review.kpis["kpi_id"].astype(str)]),
        *((f, [cards.get(c, default) for c in f["scorecard_id"].astype(str)])
          for f in (review.objectives, review.perspectives, review.scorecards)),
    ):
        names, colours = labels(band_codes(frame["score"].to_numpy(np.float64)[:, None], schemes)[:, 0:1], schemes)
        frame["band"] = pd.Categorical(names[:, 0])
        frame["band_colour"] = pd.Categorical(colours[:, 0])
    return review


def band_zones(polarity: str, row: Mapping[str, Any], bands: BandScheme) -> list[tuple[str, str, float, float]]:
    """The ranges of actuals that fall in each band against one target row, as (name, colour, from, to).

    The inverse of the score formulas (:func:`formulas.actual_at`) at each band's bounds;
    ``-inf`` / ``inf`` at the open ends.  Range KPIs get each band but the top one twice
    (below and above the band of the target); empty when the row cannot be scored.
    """
    has = has_target(np.array([polarity]), *(np.array([_value(row, f)]) for f in TARGET_FIELDS))
    if not bool(has[0]):
        return []
    inf = float("inf")
    out = []
    top = len(bands.bands) - 1
    for position, band in enumerate(bands.bands):
        low = actual_at(polarity, row, float(threshold(band.lower)))
        high = actual_at(polarity, row, float(threshold(bands.upper(position))))
        if polarity == "range":
            if position == top:
                out.append((band.name, band.colour, low[0], low[1]))
                continue
            out.append((band.name, band.colour, -inf if position == 0 else low[0], high[0]))
            out.append((band.name, band.colour, high[1], inf if position == 0 else low[1]))
        elif polarity == "lower":
            out.append((band.name, band.colour, -inf if position == top else high[0],
                        inf if position == 0 else low[0]))
        else:
            out.append((band.name, band.colour, -inf if position == 0 else low[0],
                        inf if position == top else high[0]))
    return out


def _value(row: Mapping[str, Any], name: str) -> float:
    value = row.get(name)
    return float("nan") if value is None or value != value else float(value)
