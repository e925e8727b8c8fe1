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


def kpi_scheme_codes(kpis: pd.DataFrame, scorecards: pd.DataFrame) -> tuple[list[BandScheme], IntArray]:
    """The distinct band schemes of ``kpis`` and each KPI's position among them (its own, else its scorecard's).

    Resolved per scorecard and per distinct typed scheme, not per KPI, so that it costs
    the same for ten or fifty thousand KPIs.
    """
    unique: list[BandScheme] = []
    seen: dict[BandScheme, int] = {}

    def code(found: BandScheme) -> int:  # equal schemes (e.g. the default bands of many scorecards) share a code
        if found not in seen:
            seen[found] = len(unique)
            unique.append(found)
        return seen[found]

    cards = card_schemes(scorecards)
    card_code = {sid: code(found) for sid, found in cards.items()}
    fallback = code(scheme(None))
    card = kpis["scorecard_id"].astype(object)
    out = card.map(card_code).fillna(fallback).to_numpy(np.int64).copy()
    if "bands" in kpis and len(kpis):
        own = kpis["bands"].astype(object)
        typed = own.notna().to_numpy(dtype=bool) & (own.fillna("").astype(str).str.strip() != "").to_numpy(dtype=bool)
        if typed.any():
            pairs = pd.DataFrame({"text": own[typed].astype(str).to_numpy(), "card": card[typed].to_numpy()})
            groups, distinct = pd.factorize(pd.MultiIndex.from_frame(pairs))
            rows = np.flatnonzero(typed)
            for position, (text, sid) in enumerate(distinct):
                lowers = cards.get(str(sid), scheme(None)).lowers
                out[rows[groups == position]] = code(scheme(text, lowers[-1], lowers[1]))
    return unique, out


def kpi_schemes(kpis: pd.DataFrame, scorecards: pd.DataFrame) -> list[BandScheme]:
    """Each KPI's band scheme (its own, else its scorecard's), in the order of ``kpis``."""
    unique, codes = kpi_scheme_codes(kpis, scorecards)
    return [unique[int(c)] for c in codes]


def band_codes(score: npt.ArrayLike, schemes: Sequence[BandScheme], which: npt.ArrayLike | None = None) -> IntArray:
    """Position of each score's band in its scheme; -1 without a score.

    ``score`` is (rows, ...); row i uses ``schemes[which[i]]`` (``which`` defaults to
    ``0, 1, 2, …``: one scheme per row).  All rows are banded together: each row's bounds
    (padded with infinity up to the largest scheme) are compared with its scores.
    """
    s = np.asarray(score, dtype=np.float64)
    rows = np.arange(len(s)) if which is None else np.asarray(which, dtype=np.int64)
    width = max((len(sc.bands) - 1 for sc in schemes), default=0)
    bounds = np.full((max(len(schemes), 1), width), np.inf)
    for i, sc in enumerate(schemes):
        bounds[i, :len(sc.bands) - 1] = sc.lowers[1:]
    per_row = bounds[rows] if len(rows) else np.zeros((0, width))
    position = np.zeros(s.shape, dtype=np.int64)
    for j in range(width):
        position += reaches(s, per_row[:, j].reshape(-1, *([1] * (s.ndim - 1))))
    return np.where(np.isnan(s), -1, position)


def labels(codes: IntArray, schemes: Sequence[BandScheme],
           which: npt.ArrayLike | None = None) -> tuple[npt.NDArray[np.object_], npt.NDArray[np.object_]]:
    """The band names and colours of band positions (``codes`` as :func:`band_codes` gives them); "" without a band."""
    width = max((len(sc.bands) for sc in schemes), default=0) + 1
    names = np.array([[*sc.names, *[""] * (width - len(sc.bands))] for sc in schemes] or [[""]], dtype=object)
    colours = np.array([[*sc.colours, *[""] * (width - len(sc.bands))] for sc in schemes] or [[""]], dtype=object)
    rows = np.arange(len(codes)) if which is None else np.asarray(which, dtype=np.int64)
    pick = rows.reshape(-1, *([1] * (np.ndim(codes) - 1)))
    return names[pick, codes], colours[pick, codes]  # code -1 picks the trailing ""


def lowest_band_score(schemes: Sequence[BandScheme]) -> npt.NDArray[np.float64]:
    """The middle of each scheme's lowest band: the score a missing actual gets under the ``red`` policy."""
    return np.array([(sc.lowers[0] + sc.upper(0)) / 2 for sc in schemes], dtype=np.float64)


class _Review(Protocol):
    @property
    def kpis(self) -> pd.DataFrame: ...
    @property
    def objectives(self) -> pd.DataFrame: ...
    @property
    def perspectives(self) -> pd.DataFrame: ...
    @property
    def scorecards(self) -> pd.DataFrame: ...


R = TypeVar("R", bound=_Review)


def add_bands(review: R, kpis: pd.DataFrame, scorecards: pd.DataFrame) -> R:
    """Add ``band`` and ``band_colour`` to every result table of ``review`` (in place; returned for chaining).

    ``kpis`` are the KPI records scored (their own schemes), ``scorecards`` every scorecard.
    """
    kpi_unique, kpi_codes = kpi_scheme_codes(kpis, scorecards)
    cards = card_schemes(scorecards)
    card_unique = [*cards.values(), scheme(None)]
    card_index = pd.Index(list(cards))
    for frame, key in ((review.kpis, "kpi_id"), (review.objectives, "scorecard_id"),
                       (review.perspectives, "scorecard_id"), (review.scorecards, "scorecard_id")):
        # One scheme per distinct key (a KPI, a scorecard), looked up through the key's categories: no loop over rows.
        keys = pd.Categorical(frame[key])
        categories = pd.Index(keys.categories.astype(str))
        if key == "kpi_id":
            at = pd.Index(kpis["kpi_id"].astype(object)).get_indexer(categories)
            per_key, unique = np.where(at >= 0, kpi_codes[np.maximum(at, 0)], 0), kpi_unique
        else:
            at = card_index.get_indexer(categories)
            per_key, unique = np.where(at >= 0, at, len(cards)), card_unique
        rows = per_key[np.asarray(keys.codes, dtype=np.int64)] if len(categories) else np.zeros(len(frame), np.int64)
        positions = band_codes(frame["score"].to_numpy(np.float64), unique, rows)
        for column, attribute in (("band", "names"), ("band_colour", "colours")):
            frame[column] = _categorical(positions, rows, [getattr(sc, attribute) for sc in unique])
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


def _categorical(positions: IntArray, rows: IntArray, texts: Sequence[tuple[str, ...]]) -> pd.Categorical:
    """A categorical of ``texts[rows[i]][positions[i]]`` ("" for position -1), built from codes (no text per row)."""
    categories = sorted({t for group in texts for t in group} | {""})
    lookup = {t: i for i, t in enumerate(categories)}
    width = max((len(group) for group in texts), default=0) + 1
    table = np.array([[*(lookup[t] for t in group), *[lookup[""]] * (width - len(group))] for group in texts]
                     or [[lookup[""]]], dtype=np.int64)
    return pd.Categorical.from_codes(table[rows, positions] if len(rows) else np.zeros(0, np.int64), categories)
