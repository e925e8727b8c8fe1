"""Exceptions raised by bsc_widgets.

Every error carries what a user needs to fix it: the table, the record id, the
field, the offending value and a remedy.  :class:`BscValidationError` collects
*all* problems found (like pandera's ``SchemaErrors``) instead of stopping at the
first one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


class BscError(Exception):
    """Base class of every error raised on purpose by bsc_widgets."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one field of one record.

    ``record`` is the record's key as text (``"rev-growth"`` or
    ``"rev-growth/2026Q1"``); ``fix`` says in plain words what to do.
    """

    table: str
    record: str
    field: str
    value: Any
    message: str
    fix: str

    def __str__(self) -> str:
        shown = "" if self.value is None else f" (got {self.value!r})"
        return f"{self.table} '{self.record}', {self.field}: {self.message}{shown}. Fix: {self.fix}"


@dataclass
class BscValidationError(BscError):
    """Raised when records are invalid; ``problems`` lists every problem found."""

    problems: list[Problem] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(str(self))

    def __str__(self) -> str:
        count = len(self.problems)
        head = f"{count} problem{'s' if count != 1 else ''} found; nothing was saved:"
        return "\n".join([head, *(f"  - {p}" for p in self.problems)])


class StoreError(BscError):
    """A store cannot be opened, read or written."""


class NotAStoreError(StoreError):
    """The location holds no bsc-widgets store."""


class StoreVersionError(StoreError):
    """The store was written by a newer (or unknown) schema version."""


class StoreCorruptError(StoreError):
    """A table's files are missing or damaged."""


class StoreBusyError(StoreError):
    """A save could not be committed because other writers kept winning."""


@dataclass
class ConflictError(BscError):
    """A record changed in the store since the editor read it.

    ``theirs`` is the record as it is now in the store, ``yours`` the record the
    caller tried to save.  Nothing was written.
    """

    table: str
    record: str
    theirs: dict[str, Any] | None
    yours: dict[str, Any]
    expected_revision: int
    actual_revision: int

    def __post_init__(self) -> None:
        super().__init__(str(self))

    def __str__(self) -> str:
        if self.theirs is None:
            now = "it has been removed since you opened it"
        elif self.expected_revision == 0:
            now = f"someone else created it meanwhile (revision {self.actual_revision})"
        else:
            now = (
                f"someone else saved revision {self.actual_revision} after you opened "
                f"revision {self.expected_revision}"
            )
        changed = _changed_fields(self.theirs, self.yours)
        detail = "; ".join(f"{k}: theirs={a!r}, yours={b!r}" for k, a, b in changed)
        return (
            f"Save conflict on {self.table} '{self.record}': {now}. "
            f"{detail + '. ' if detail else ''}Nothing was saved. Fix: reload the record, "
            "merge the changes you want to keep, and save again."
        )


_SYSTEM_FIELDS = {"revision", "saved_at", "saved_by"}


def _changed_fields(
    theirs: dict[str, Any] | None, yours: dict[str, Any]
) -> list[tuple[str, Any, Any]]:
    if theirs is None:
        return []
    return [
        (k, theirs.get(k), v)
        for k, v in yours.items()
        if k not in _SYSTEM_FIELDS and theirs.get(k) != v
    ]


class InputError(BscError):
    """An argument names something that does not exist (a scorecard, a period) or is malformed."""
