"""Score a review period: KPI results and objective / perspective / scorecard roll-ups.

:func:`score_review` is the one entry point the CLI, the workbooks and the report
templates use.  It returns tidy tables (one row per record and review period, ordered
by period, then scorecard, perspective position and objective position); id and label
columns are categoricals.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial

import numpy as np
import numpy.typing as npt
import pandas as pd

from ..errors import InputError
from ..model.bands import ROLLUPS
from ..model.periods import FREQUENCIES, frequency, parse_period, period_index
from ..model.plan import scorecard_family, top_down
from . import formulas as scores
from . import missing
from .bands import add_bands
from .formulas import TARGET_FIELDS
from .kpis import kpi_arrays, period_labels
from .lineage import LINEAGE_COLUMNS, lineage
from .methods import rollup_methods
from .rollups import Rollup, previous, weighted_rollup
from .threads import map_parts, start

IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Review:
    """Scored results of one or more review periods."""

    periods: list[str]
    kpis: pd.DataFrame
    objectives: pd.DataFrame
    perspectives: pd.DataFrame
    scorecards: pd.DataFrame
    lineage: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=list(LINEAGE_COLUMNS)))
    """Calculated KPIs' inputs: one row per calculated KPI, input and period (:mod:`.lineage`)."""

    def tables(self) -> dict[str, pd.DataFrame]:
        """The four result tables by level name."""
        return {"scorecards": self.scorecards, "perspectives": self.perspectives,
                "objectives": self.objectives, "kpis": self.kpis}


def _review_indices(periods: str | Sequence[str]) -> tuple[str, list[int]]:
    texts = [periods] if isinstance(periods, str) else list(periods)
    if not texts:
        raise InputError("no review period given; name one such as 2026Q3")
    try:
        parsed = [parse_period(p) for p in texts]
    except ValueError as exc:
        raise InputError(f"review period: {exc}") from None
    freqs = {frequency(p) for p in parsed}
    if len(freqs) > 1:
        raise InputError("review periods must all have the same frequency, got "
                         + ", ".join(sorted(FREQUENCIES[f] for f in freqs)))
    return frequency(parsed[0]), sorted({period_index(p) for p in parsed})


def _positions(keys: pd.Series | pd.MultiIndex | pd.Index, within: pd.Index) -> IntArray:
    return np.asarray(within.get_indexer(keys), dtype=np.int64)


def _thresholds(scorecards: pd.DataFrame, owner: pd.Series) -> tuple[npt.NDArray[np.float64], ...]:
    table = scorecards.set_index("scorecard_id")
    green = owner.map(table["green_from"]).to_numpy(np.float64, na_value=scores.GREEN_FROM)
    amber = owner.map(table["amber_from"]).to_numpy(np.float64, na_value=scores.AMBER_FROM)
    return green[:, None], amber[:, None]


def score_review(frames: Mapping[str, pd.DataFrame], periods: str | Sequence[str],
                 scorecard: str | None = None, forecast: bool = True) -> Review:
    """Score ``periods`` (one period string or several of the same frequency).

    With ``scorecard`` the results are those of that scorecard; its departments are
    scored too, so that each objective shows how the objectives supporting it score
    (``cascade_score``).  ``frames`` is what :meth:`Store.read_all` returns.  With
    ``forecast`` False (for callers that need only scores, statuses and roll-ups) no
    forecast is made: the forecast columns are there but empty.
    """
    freq, wanted = _review_indices(periods)
    back = range(1, max(1, missing.lookback(frames)) + 1)  # the previous period; more to carry actuals from
    computed = np.asarray(sorted(set(wanted) | {i - lag for i in wanted for lag in back}), dtype=np.int64)
    prev_pos = np.searchsorted(computed, computed - 1)
    prev_pos = np.where((prev_pos < len(computed)) & (computed[np.minimum(prev_pos, len(computed) - 1)]
                                                      == computed - 1), prev_pos, -1)
    cards_all = frames["scorecards"]
    family = scorecard_family(cards_all, scorecard) if scorecard else top_down(cards_all)
    order = {sid: i for i, sid in enumerate(family)}
    cards = cards_all[cards_all["scorecard_id"].isin(family)].copy()
    cards = cards.assign(_o=cards["scorecard_id"].map(order)).sort_values("_o").reset_index(drop=True)
    persp = frames["perspectives"][frames["perspectives"]["scorecard_id"].isin(family)].copy()
    persp = persp.assign(_o=persp["scorecard_id"].map(order)).sort_values(["_o", "position", "perspective_id"])
    persp = persp.reset_index(drop=True)
    persp_index = pd.MultiIndex.from_frame(persp[["scorecard_id", "perspective_id"]])
    objs = frames["objectives"][frames["objectives"]["scorecard_id"].isin(family)].copy()
    objs["_p"] = _positions(pd.MultiIndex.from_frame(objs[["scorecard_id", "perspective_id"]]), persp_index)
    objs = objs.sort_values(["_p", "position", "objective_id"]).reset_index(drop=True)
    obj_index = pd.Index(objs["objective_id"])
    kpis = frames["kpis"][frames["kpis"]["scorecard_id"].isin(family)].copy()
    for column, old in (("expression", None), ("target_rule", "typed")):  # frames made before schema 5
        if column not in kpis:
            kpis[column] = old
    kpis["_o"] = _positions(kpis["objective_id"], obj_index)
    kpis = kpis.sort_values(["_o", "kpi_id"]).reset_index(drop=True)
    kpis["perspective_id"] = objs["perspective_id"].to_numpy()[kpis["_o"]] if len(objs) else None

    k = kpi_arrays(frames, kpis, freq, computed.tolist(), forecast_for=wanted, forecast=forecast)
    forecast_labels: Sequence[str] = ()  # no forecast, no categories
    if forecast:
        from .forecast import FORECASTS  # imported when forecasting (scipy.special)

        forecast_labels = FORECASTS
    kv = k.values
    shown = set(family[:1] if scorecard else family)
    shown_kpis = kpis["scorecard_id"].isin(shown).to_numpy()
    wpos = np.searchsorted(computed, np.asarray(wanted, dtype=np.int64))
    labels = list(period_labels(freq, np.asarray(wanted, np.int64)))
    lineage_job = start(partial(lineage, kpis, kv, shown_kpis, wpos, labels, k.calc_inputs))  # beside the frames
    kpi_weight = kpis["weight"].to_numpy(np.float64)
    kv["previous_score"] = previous(kv["score"], prev_pos)
    obj_method = rollup_methods(objs, cards_all)
    obj_roll = weighted_rollup(kpis["_o"].to_numpy(), kv["score"], missing.measured(kv), kpi_weight, len(objs),
                               obj_method)
    obj_weight = objs["weight"].to_numpy(np.float64)
    cascade = weighted_rollup(_positions(objs["supports"], obj_index), obj_roll.score, obj_roll.coverage,
                              obj_weight, len(objs), obj_method)
    persp_method, card_method = rollup_methods(persp, cards_all), rollup_methods(cards, cards_all)
    persp_roll = weighted_rollup(objs["_p"].to_numpy(), obj_roll.score, obj_roll.coverage, obj_weight, len(persp),
                                 persp_method)
    card_roll = weighted_rollup(_positions(persp["scorecard_id"], pd.Index(cards["scorecard_id"])),
                                persp_roll.score, persp_roll.coverage, persp["weight"].to_numpy(np.float64),
                                len(cards), card_method)

    build = _Builder(wpos, labels, computed[wpos])

    kpi_frame = build.frame(
        kpis, ["scorecard_id", "perspective_id", "objective_id", "kpi_id", "name", "unit", "polarity", "frequency",
               "aggregation", "weight", "decimals", "expression", "target_rule"],
        shown_kpis,
        {name: kv[name] for name in ("actual", *TARGET_FIELDS, "variance", "score")},
        after={"due": kv["due"], "sub_periods": kv["sub_periods"], "missing_sub_periods": kv["missing_sub_periods"],
               "target_gaps": kv["target_gaps"], "target_gap_periods": kv["target_gap_periods"],
               "previous_score": kv["previous_score"], "score_change": kv["score"] - kv["previous_score"],
               "forecast_value": kv["forecast_value"], "forecast_lower": kv["forecast_lower"],
               "forecast_upper": kv["forecast_upper"], "forecast_target": kv["forecast_target"],
               "calc_missing": kv["calc_missing"], "carried_from": kv["carried_from"]},
        codes={"status": (kv["status"], scores.STATUSES),
               "trend": (scores.trend_codes(kv["score"] - kv["previous_score"]), scores.TRENDS),
               "forecast": (kv["forecast"], forecast_labels), "as_of": (k.as_of, k.as_of_labels),
               "filled": (kv["filled"], missing.FILLS)},
    )
    # One code per KPI, repeated per period (categories sorted, as pd.Categorical would have them).
    period_codes, period_names = pd.factorize(k.forecast_period[kpis["scorecard_id"].isin(shown)], sort=True)
    kpi_frame["forecast_period"] = pd.Categorical.from_codes(np.tile(period_codes, len(wpos)),
                                                             categories=pd.Index(period_names).astype(str))

    def level(table: pd.DataFrame, columns: list[str], roll: Rollup, method: IntArray,
              extra: Rollup | None = None) -> pd.DataFrame:
        green, amber = _thresholds(cards_all, table["scorecard_id"])
        prev = previous(roll.score, prev_pos)
        arrays = {"score": roll.score, "coverage": roll.coverage, "children": roll.children,
                  "scored_children": roll.scored_children}
        if extra is not None:
            arrays |= {"cascade_score": extra.score, "cascade_coverage": extra.coverage,
                       "cascade_children": extra.children}
        arrays |= {"previous_score": prev, "score_change": roll.score - prev}
        return build.frame(table, columns, table["scorecard_id"].isin(shown).to_numpy(), arrays, codes={
            "status": (scores.rollup_status_codes(roll.score, green, amber), scores.STATUSES),
            "trend": (scores.trend_codes(roll.score - prev), scores.TRENDS),
            "rollup": (np.broadcast_to(method[:, None], roll.score.shape), ROLLUPS)})

    return add_bands(Review(
        periods=labels,
        kpis=kpi_frame,
        objectives=level(objs, ["scorecard_id", "perspective_id", "objective_id", "title", "weight", "supports"],
                         obj_roll, obj_method, cascade),
        perspectives=level(persp, ["scorecard_id", "perspective_id", "name", "position", "weight"], persp_roll,
                           persp_method),
        scorecards=level(cards, ["scorecard_id", "name"], card_roll, card_method),
        lineage=lineage_job.result(),
    ), kpis, cards_all)


@dataclass(frozen=True)
class _Builder:
    """Turns (entity x computed period) arrays into a long frame of the wanted periods."""

    wpos: IntArray
    labels: list[str]
    indices: IntArray

    def frame(self, table: pd.DataFrame, columns: list[str], rows: npt.NDArray[np.bool_],
              arrays: Mapping[str, npt.NDArray[np.generic]], after: Mapping[str, npt.NDArray[np.generic]] | None = None,
              codes: Mapping[str, tuple[npt.NDArray[np.generic], Sequence[str]]] | None = None) -> pd.DataFrame:
        entities = np.flatnonzero(rows)
        every = len(entities) == len(rows)
        periods = len(self.wpos)

        def cells(arr: npt.NDArray[np.generic]) -> npt.NDArray[np.generic]:
            """The (entity, wanted period) cells of an (entity x computed period) array, period-major."""
            picked = np.asarray(arr).T[self.wpos]  # (wanted periods, entities): one gather
            return (picked if every else picked[:, entities]).ravel()

        out: dict[str, object] = {}
        for col in columns:
            series = table[col]
            if pd.api.types.is_numeric_dtype(series):
                out[col] = np.tile(series.to_numpy()[entities], periods)
            else:
                values, uniques = pd.factorize(series)
                out[col] = pd.Categorical.from_codes(np.tile(values[entities].astype(np.int32), periods),
                                                     categories=pd.Index(uniques).astype(str), validate=False)
        out["period"] = pd.Categorical.from_codes(np.repeat(np.arange(periods, dtype=np.int32), len(entities)),
                                                  categories=self.labels, validate=False)
        out["period_index"] = np.repeat(self.indices, len(entities))
        later = {**arrays, **{name: code for name, (code, _) in (codes or {}).items()}, **(after or {})}
        gathered = dict(zip(later, map_parts(cells, later.values()), strict=True))
        for name in arrays:
            out[name] = gathered[name]
        for name, (_, categories) in (codes or {}).items():
            out[name] = pd.Categorical.from_codes(gathered[name].astype(np.int32),
                                                  categories=pd.Index(categories, dtype=object))
        for name in after or {}:
            out[name] = gathered[name]
        return pd.DataFrame(out, copy=False)  # the columns are new: no need to copy them into one block
