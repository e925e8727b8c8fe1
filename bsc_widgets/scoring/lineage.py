"""Lineage of calculated KPIs: each one's expression and its inputs' values in every review period.

:func:`lineage` is the table :attr:`Review.lineage <bsc_widgets.scoring.review.Review>`
holds; the review, ``bsc score``, the report and the xlsx export show it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa

from ..model.calculated import calculated_rows, read_expression

LINEAGE_COLUMNS: tuple[str, ...] = (
    "period", "kpi_id", "expression", "actual", "calc_missing", "input_id", "input_name", "input_scorecard_id",
    "input_unit", "input_decimals", "input_actual", "input_target", "input_red_flag",
)
"""Columns of the lineage table: the calculated KPI, then one of its inputs, per review period."""


def lineage(kpis: pd.DataFrame, values: Mapping[str, npt.NDArray[np.generic]], shown: npt.NDArray[np.bool_],
            wpos: npt.NDArray[np.int64], labels: Sequence[str],
            inputs: Mapping[str, Sequence[str]] | None = None) -> pd.DataFrame:
    """One row per shown calculated KPI, input and review period (inputs in the order written).

    ``kpis`` are the scored KPIs in the order of the ``values`` arrays (KPIs x computed
    periods); ``wpos`` are the columns of the review periods called ``labels``.  ``inputs``
    (each calculated KPI's inputs, as the engine read them) saves reading the expressions again.
    """
    calc = np.flatnonzero(calculated_rows(kpis).to_numpy(dtype=bool) & shown)
    if not len(calc):
        return pd.DataFrame(columns=list(LINEAGE_COLUMNS))
    ids = kpis["kpi_id"].to_numpy(dtype=object)
    position = {kpi: i for i, kpi in enumerate(ids.tolist())}
    unread = [k for k in calc.tolist() if inputs is None or str(ids[k]) not in inputs]  # e.g. in a cycle
    if unread:
        scorecard_of = dict(zip(ids.tolist(), kpis["scorecard_id"].to_numpy(dtype=object).tolist(), strict=True))
        expression = kpis["expression"].to_numpy(dtype=object)
        inputs = {**(inputs or {}),
                  **{str(ids[k]): read_expression(str(expression[k]), scorecard_of).inputs for k in unread}}
    assert inputs is not None
    pairs = [(k, position[i]) for k in calc.tolist() for i in inputs.get(str(ids[k]), ()) if i in position]
    if not pairs:
        return pd.DataFrame(columns=list(LINEAGE_COLUMNS))
    k_of, i_of = (np.asarray(x, dtype=np.int64) for x in zip(*pairs, strict=True))
    n, p = len(pairs), len(wpos)
    k, i, w = np.repeat(k_of[None, :], p, 0).ravel(), np.repeat(i_of[None, :], p, 0).ravel(), np.repeat(wpos, n)

    def col(name: str, at: npt.NDArray[np.int64]) -> object:
        return _taken(kpis[name].to_numpy(dtype=object), at)

    texts = np.asarray(values["calc_missing"])[k, w]
    return pd.DataFrame({
        "period": _taken(np.asarray(labels, dtype=object), np.repeat(np.arange(p), n)),
        "kpi_id": col("kpi_id", k), "expression": col("expression", k),
        "actual": values["actual"][k, w], "calc_missing": _taken(texts, np.arange(len(texts))),
        "input_id": col("kpi_id", i), "input_name": col("name", i), "input_scorecard_id": col("scorecard_id", i),
        "input_unit": col("unit", i), "input_decimals": kpis["decimals"].to_numpy()[i],
        "input_actual": values["actual"][i, w], "input_target": values["target"][i, w],
        "input_red_flag": values["red_flag"][i, w],
    }, columns=list(LINEAGE_COLUMNS), copy=False)


_TEXT = pd.Series(["text"]).dtype
"""The dtype pandas gives a column of texts (Arrow-backed strings from pandas 3 on)."""


def _taken(values: npt.NDArray[np.object_], at: npt.NDArray[np.int64]) -> object:
    """``values[at]`` as the column pandas would make of it, taken in Arrow when it is a column of texts
    (many rows repeat a few KPIs' texts: taking is much cheaper than converting each row)."""
    if not isinstance(_TEXT, pd.StringDtype) or pd.api.types.infer_dtype(values, skipna=True) != "string":
        return values[at]
    return pd.array(pa.array(values, type=pa.string(), from_pandas=True).take(pa.array(at)), dtype=_TEXT)
