"""Export a store: every table as plain CSV or parquet files, or a formatted Excel workbook.

The CSV and parquet files hold the current state of every plan table (system columns
included), for tools that do not read Delta tables.  CSV text that a spreadsheet would
run as a formula is neutralised (:mod:`bsc_widgets.io.csv_safe`; the importer undoes it),
and numbers are written so their decimal point cannot be mistaken for a thousands
separator (1.234 as ``1.2340``), so an untouched export imports back unchanged.  The workbook is drawn by
:mod:`bsc_widgets.render.xlsx`; its table sheets can be edited and imported back.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from ..errors import InputError
from ..model.coerce import to_arrow
from ..model.plan import periods_to_date, scorecard_family
from ..model.schema import TABLES
from ..render.xlsx import write_workbook
from ..scoring import score_review
from ..store import Store
from .csv_safe import neutralise_frame

FORMATS = ("xlsx", "csv", "parquet")


def export_frames(store: Store, scorecard: str | None = None) -> dict[str, pd.DataFrame]:
    """Current state of every plan table; with ``scorecard``, only its records and its departments'."""
    return _limited(store.read_all(), scorecard)


def _limited(frames: dict[str, pd.DataFrame], scorecard: str | None) -> dict[str, pd.DataFrame]:
    if scorecard is None:
        return frames
    family = scorecard_family(frames["scorecards"], scorecard)
    return {name: frame[frame["scorecard_id"].isin(family)].reset_index(drop=True) for name, frame in frames.items()}


def export_tables(store: Store, directory: str | os.PathLike[str], fmt: str,
                  scorecard: str | None = None) -> list[Path]:
    """Write one ``<table>.csv`` or ``<table>.parquet`` per plan table into ``directory``; return the paths."""
    if fmt not in ("csv", "parquet"):
        raise InputError(f"cannot export tables as {fmt!r}; choose csv or parquet")
    folder = Path(directory)
    if folder.exists() and not folder.is_dir():
        raise InputError(f"{folder} is a file, not a folder. Fix: give a folder for the {fmt} files.")
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, frame in export_frames(store, scorecard).items():
        path = folder / f"{name}.{fmt}"
        if fmt == "csv":
            csv_frame(frame).to_csv(path, index=False, lineterminator="\r\n")
        else:
            pq.write_table(to_arrow(TABLES[name], frame), path)
        paths.append(path)
    return paths


_LOOKS_GROUPED = re.compile(r"^-?[1-9][0-9]{0,2}\.[0-9]{3}$")


def _number_text(value: float) -> str:
    """A float as CSV text that reads back exactly and shows its decimal point ('1.234' → '1.2340')."""
    text = repr(float(value))
    return text + "0" if _LOOKS_GROUPED.match(text) else text


def csv_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` as written to CSV: text neutralised against formulas, floats that show their decimal point."""
    out = neutralise_frame(frame)
    for column in out.columns:
        if pd.api.types.is_float_dtype(out[column].dtype):
            out[column] = pd.Series([None if pd.isna(v) else _number_text(v) for v in out[column]],
                                    index=out.index, dtype=object)
    return out


def export_workbook(store: Store, path: str | os.PathLike[str], *, scorecard: str | None = None,
                    periods: Sequence[str] = ()) -> Path:
    """Write the Excel workbook of ``store`` (or of one scorecard and its departments) to ``path``.

    Scorecard sheets cover ``periods`` (default: the review periods from the horizon start
    to the latest actual, :func:`~bsc_widgets.model.plan.periods_to_date`).
    """
    everything = store.read_all()
    frames = _limited(everything, scorecard)
    wanted = list(periods) or periods_to_date(frames, scorecard)
    review = score_review(everything, wanted, scorecard) if wanted else None
    return write_workbook(path, frames, review, source=store.location, scorecard=scorecard)


def export(store: Store, fmt: str, target: str | os.PathLike[str], *, scorecard: str | None = None,
           periods: Sequence[str] = ()) -> list[Path]:
    """Export ``store`` as ``fmt`` (xlsx, csv or parquet) to ``target`` (a file for xlsx, else a folder)."""
    if fmt == "xlsx":
        return [export_workbook(store, target, scorecard=scorecard, periods=periods)]
    if periods:
        raise InputError("--period only applies to --to xlsx (the scorecard sheets); leave it out for csv or parquet")
    return export_tables(store, target, fmt, scorecard)


__all__ = ["FORMATS", "export", "export_frames", "export_tables", "export_workbook"]
