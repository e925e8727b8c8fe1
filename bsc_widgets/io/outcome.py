"""What an import found and would change, as objects, a DataFrame or plain text.

The same :class:`ImportReport` serves the ``bsc import`` command (as text) and the
upload widget of the record-actuals workbook (as DataFrames).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ..errors import BscError
from .files import Location

CHANGES = ("new", "updated", "unchanged")


@dataclass(frozen=True)
class ImportProblem:
    """One bad value (or a problem with the whole file): where it is, the value, why, and the fix."""

    location: Location
    value: Any
    reason: str
    fix: str

    def __str__(self) -> str:
        shown = "" if self.value is None else f"{_show(self.value)} "
        return f"{self.location}: {shown}{self.reason}. Fix: {self.fix}"


def _show(value: Any) -> str:
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, int | float):
        return repr(value)
    return repr(value if isinstance(value, str) else str(value))


@dataclass(frozen=True)
class ImportReport:
    """The outcome of checking a file: every problem, and the change each valid row would make.

    ``changes`` has one row per imported record: ``change`` (new / updated / unchanged), the
    key, the imported fields, ``old_<field>`` for updated records and ``where`` (line or cell).
    ``records`` are the rows :func:`~bsc_widgets.io.importer.apply_import` would save.
    """

    file: str
    table: str
    layout: str
    sheet: str | None
    problems: list[ImportProblem]
    changes: pd.DataFrame
    records: pd.DataFrame
    fields: tuple[str, ...] = ()
    ignored_columns: list[str] = field(default_factory=list)
    skipped: int = 0
    notes: list[str] = field(default_factory=list)
    """How the file was read, shown under the summary: separators, encoding, sheets skipped."""

    @property
    def ok(self) -> bool:
        """True when the file has no problem (it can be applied)."""
        return not self.problems

    def counts(self) -> dict[str, int]:
        """Number of new, updated and unchanged records."""
        found = self.changes["change"].value_counts() if len(self.changes) else pd.Series(dtype=int)
        return {name: int(found.get(name, 0)) for name in CHANGES}

    def problems_frame(self) -> pd.DataFrame:
        """One row per problem: file, sheet, cell, line, column, value, reason, fix."""
        rows = [{"file": p.location.file, "sheet": p.location.sheet, "cell": p.location.cell,
                 "line": p.location.line, "column": p.location.column, "value": p.value,
                 "reason": p.reason, "fix": p.fix} for p in self.problems]
        frame = pd.DataFrame(rows, columns=["file", "sheet", "cell", "line", "column", "value", "reason", "fix"])
        frame["line"] = frame["line"].astype("Int64")
        return frame

    def to_frame(self) -> pd.DataFrame:
        """The planned changes (a copy of ``changes``)."""
        return self.changes.copy()

    def summary(self) -> str:
        """One line: the file, its layout and what it would change (or how many problems it has)."""
        where = f"{self.file}" + (f", sheet '{self.sheet}'" if self.sheet else "")
        if self.problems:
            count = len(self.problems)
            return f"{where}: {count} problem{'s' if count != 1 else ''} found; nothing was imported."
        counts = self.counts()
        return (f"{where} ({self.layout} layout, {self.table}): {counts['new']} new, {counts['updated']} updated, "
                f"{counts['unchanged']} unchanged.")

    def as_text(self, *, rows: bool = True, limit: int | None = None) -> str:
        """The report for a terminal: summary, problems or changed rows (at most ``limit``)."""
        lines = [self.summary(), *self.notes]
        if self.problems:
            shown = self.problems if limit is None else self.problems[:limit]
            lines += [f"  - {p}" for p in shown]
            if len(shown) < len(self.problems):
                lines.append(f"  … and {len(self.problems) - len(shown)} more")
            return "\n".join(lines)
        if self.ignored_columns:
            lines.append("Ignored columns: " + ", ".join(repr(c) for c in self.ignored_columns) + ".")
        if self.skipped:
            lines.append(f"Skipped {self.skipped} row(s) with no value.")
        changed = self.changes[self.changes["change"] != "unchanged"]
        if rows and len(changed):
            shown_rows = changed if limit is None else changed.head(limit)
            columns = [c for c in changed.columns if not (c.startswith("old_") and changed[c].isna().all())]
            with pd.option_context("display.max_columns", None, "display.width", 200, "display.max_colwidth", 40):
                lines.append(shown_rows[columns].to_string(index=False))
            if len(shown_rows) < len(changed):
                lines.append(f"… and {len(changed) - len(shown_rows)} more changed rows")
        return "\n".join(lines)


class BscImportError(BscError):
    """An import was refused: the file has problems (listed in ``report``). Nothing was saved."""

    def __init__(self, report: ImportReport) -> None:
        self.report = report
        super().__init__(report.as_text())

    def __reduce__(self) -> tuple[type[BscImportError], tuple[ImportReport]]:
        return (type(self), (self.report,))
