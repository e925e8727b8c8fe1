"""How each table lies on disk, and how a change is written: only the partitions it touches.

Delta Lake rewrites whole files (delta-rs writes no deletion vectors), so a save costs
what the files it touches hold.  Each table is partitioned so that a file holds what is
usually edited together: actuals, targets and comments by ``period`` (a month's values of
every KPI), the plan tables by ``scorecard_id``.  A save replaces the partitions of the
records it inserts, updates or removes, in one atomic commit (``write_deltalake`` with a
predicate on the partition column); the other files stay as they are, in the new version
as in the old.  Partition columns stay ordinary columns for every reader (pandas, polars,
Spark, DuckDB).  Stores created before this layout have unpartitioned tables: they are
read and written the same way, a save rewriting the table's one file.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd
from deltalake import ColumnProperties, CommitProperties, DeltaTable, WriterProperties, write_deltalake

from ..model.coerce import to_arrow
from ..model.schema import TABLES

PARTITIONS: dict[str, str | None] = {
    "store_info": None,
    "scorecards": "scorecard_id",
    "perspectives": "scorecard_id",
    "objectives": "scorecard_id",
    "links": "scorecard_id",
    "kpis": "scorecard_id",
    "initiatives": "scorecard_id",
    "tasks": "scorecard_id",
    "targets": "period",
    "actuals": "period",
    "comments": "period",
    "candidates": "scorecard_id",
    "discussion": "scorecard_id",
    "votes": "scorecard_id",
    "signoffs": "scorecard_id",
    "closed_periods": None,
}
"""The partition column of each table (None: one file)."""

CHECKPOINT_INTERVAL = 100
"""Commits between two checkpoints: opening a table reads the last checkpoint and at most this many log entries."""

TABLE_CONFIGURATION = {
    # Keep the whole history: a plan's audit trail must outlive Delta's 30-day default.
    "delta.logRetentionDuration": "interval 36500 days",
    "delta.enableExpiredLogCleanup": "false",
    "delta.checkpointInterval": str(CHECKPOINT_INTERVAL),
    # No per-file column statistics in the log: the store reads whole partitions, and every
    # save's log entry (kept for the whole history) stays small.
    "delta.dataSkippingNumIndexedCols": "0",
    # Checkpoints do not carry the files saves replaced ("tombstones", a week by default):
    # every version stays readable (its log entry and files are kept); only `bsc compact`
    # deletes files, with a retention the user chooses.
    "delta.deletedFileRetentionDuration": "interval 1 seconds",
}
"""Table properties every table is created with (``bsc compact`` is how history is thinned, on request)."""


WRITER = WriterProperties(compression="SNAPPY", default_column_properties=ColumnProperties(
    dictionary_enabled=False, statistics_enabled="NONE"))
"""How data files are written: small partitions are mostly metadata, so no dictionaries and no statistics."""


def partition_column(delta: DeltaTable, name: str) -> str | None:
    """The column ``delta`` (table ``name``) is partitioned by on disk (None for an unpartitioned table)."""
    wanted = PARTITIONS[name]
    columns = list(delta.metadata().partition_columns)
    return wanted if wanted in columns else (columns[0] if columns else None)


def create_table(uri: str, name: str, storage_options: dict[str, str] | None, props: CommitProperties) -> None:
    """Create the empty table ``name`` at ``uri`` with its partitioning and table properties."""
    import pyarrow as pa

    empty = pa.Table.from_pylist([], schema=TABLES[name].arrow_schema())
    column = PARTITIONS[name]
    write_deltalake(uri, empty, mode="error", configuration=TABLE_CONFIGURATION, storage_options=storage_options,
                    partition_by=[column] if column else None, commit_properties=props, writer_properties=WRITER)


def _quoted(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def write_partitions(delta: DeltaTable, name: str, after: pd.DataFrame, partitions: Iterable[str],
                     props: CommitProperties, storage_options: dict[str, str] | None) -> None:
    """Commit the table's new state ``after``, rewriting only ``partitions`` (all of an unpartitioned table)."""
    spec = TABLES[name]
    column = partition_column(delta, name)
    if column is None:
        write_deltalake(delta, to_arrow(spec, after), mode="overwrite", commit_properties=props,
                        storage_options=storage_options, writer_properties=WRITER)
        return
    touched = sorted({str(p) for p in partitions})
    rows = after[after[column].astype(str).isin(touched).to_numpy(dtype=bool)]
    rows = rows.sort_values(list(spec.key), kind="stable")
    predicate = f"{column} IN ({', '.join(_quoted(p) for p in touched)})"
    write_deltalake(delta, to_arrow(spec, rows), mode="overwrite", predicate=predicate, partition_by=[column],
                    commit_properties=props, storage_options=storage_options, writer_properties=WRITER)


def replace_table(delta: DeltaTable, name: str, frame: pd.DataFrame, props: CommitProperties,
                  storage_options: dict[str, str] | None, *, new_schema: bool = False) -> None:
    """Commit ``frame`` as the whole new state of the table (a restore), keeping its partitioning.

    ``new_schema``: the table's columns change to the current schema's (an upgrade).
    """
    spec = TABLES[name]
    column = partition_column(delta, name)
    write_deltalake(delta, to_arrow(spec, frame.sort_values(list(spec.key), kind="stable")), mode="overwrite",
                    partition_by=[column] if column else None, commit_properties=props,
                    schema_mode="overwrite" if new_schema else None, storage_options=storage_options,
                    writer_properties=WRITER)
