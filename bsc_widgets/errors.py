"""Exceptions raised by bsc_widgets, and :class:`Problem`, one thing wrong with one field.

Every error carries what a user needs to fix it: the table, the record's key, the
field, the offending value and a remedy.  :class:`BscValidationError` collects *all*
problems found (like pandera's ``SchemaErrors``) instead of stopping at the first one.
A :class:`Problem` has a stable machine ``code`` (see :data:`PROBLEM_CODES`) and its
record's key as a tuple, so that callers never parse the English message.

Every error pickles and unpickles with its fields (a process pool or a Dask worker
hands the caller the same error it raised).  This module imports nothing from the
package: every layer may use it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, is_dataclass
from typing import Any

PROBLEM_CODES: dict[str, str] = {
    # record rules (bsc_widgets.model.coerce)
    "unknown_column": "a column the table does not have",
    "required": "a required value is empty",
    "not_a_number": "text where a number belongs",
    "ambiguous_number": "number text that reads two ways (8,950)",
    "not_a_whole_number": "a fraction where a whole number belongs",
    "not_a_date": "text that is not a date",
    "not_a_time": "text that is not a date and time",
    "invalid_id": "an id with characters ids cannot have",
    "not_a_period": "text that is not a month, quarter or year",
    "not_a_choice": "a value outside the column's choices",
    "too_small": "a number below the column's minimum",
    "too_large": "a number above the column's maximum",
    "not_positive": "zero or a negative number where only positive numbers are allowed",
    "duplicate_key": "the same key twice in one batch",
    "control_character": "text holding a control character (null, bell, a terminal escape …)",
    "broken_character": "text holding a broken character (a lone surrogate) that cannot be stored",
    "too_long": "text longer than the column's maximum length",
    # cross-table rules (bsc_widgets.model.rules)
    "unknown_reference": "names a record that does not exist",
    "other_scorecard": "names a record of another scorecard",
    "own_parent": "a scorecard named as its own parent",
    "cascade_cycle": "scorecards that cascade from each other in a circle",
    "horizon_backwards": "a horizon that ends before it starts",
    "thresholds_order": "an amber threshold not below the green one",
    "unknown_perspective": "an objective in a perspective its scorecard does not have",
    "supports_outside_parent": "an objective supporting one that is not its parent scorecard's",
    "self_link": "an objective linked to itself",
    "red_flag_equals_target": "a red flag equal to the target",
    "red_flag_side": "a red flag on the wrong side of the target for the KPI's polarity",
    "band_order": "a range band whose upper bound is not above its lower bound",
    "wrong_frequency": "a period of another frequency than the KPI's",
    "due_before_start": "a due date before the start date",
    "candidate_incomplete": "a candidate objective without a perspective, a candidate KPI without an objective, or a "
                            "decision without what it needs (a note to reject, the new record's id to accept)",
    "too_many_votes": "a participant giving more dots than the scorecard allows",
    "expression_syntax": "a calculated KPI's expression that cannot be read",
    "expression_unknown_kpi": "an expression naming a KPI that does not exist",
    "expression_other_scorecard": "an expression naming a KPI outside the scorecard and its departments",
    "expression_cycle": "calculated KPIs that need each other's results (a cycle)",
    "expression_frequency": "an expression reading a KPI measured less often than the calculated KPI",
    "target_rule_needs_expression": "targets to be computed by an expression the KPI does not have",
    "target_rule_range": "a range KPI whose band would be computed by its expression",
    "calculated_actual": "an actual typed for a calculated KPI (its actuals are computed)",
    "calculated_target": "a target typed for a KPI whose targets are computed by its expression",
    "bands_format": "a colour-band scheme that cannot be read (a band without name, colour or lowest score)",
    "bands_colour": "a colour band whose colour is not a #rrggbb colour code",
    "bands_count": "a colour-band scheme with fewer than 3 or more than 6 bands",
    "bands_order": "colour bands that do not start at 0 and rise to at most 10",
    "missing_policy": "a missing-data policy other than ignore, zero, red or carry_forward:N",
    # the store
    "in_use": "a record other records still use cannot be removed",
    # scoring (bsc_widgets.scoring.gaps)
    "target_incomplete": "a review period whose sub-periods with actuals do not all have targets",
}
"""Every :attr:`Problem.code`, with what it means."""


class BscError(Exception):
    """Base class of every error raised on purpose by bsc_widgets."""

    def __reduce__(self) -> str | tuple[Any, ...]:
        # Exceptions pickle as ``cls(*args)``; errors that are dataclasses are rebuilt from their fields.
        if is_dataclass(self):
            return (type(self), tuple(getattr(self, f.name) for f in fields(self) if f.init))
        return super().__reduce__()


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one field of one record.

    ``key`` holds the record's key values as text (``("rev-growth", "2026Q1")``; ``("*",)``
    for a problem of the whole table), ``code`` is one of :data:`PROBLEM_CODES`, and
    ``fix`` says in plain words what to do.
    """

    table: str
    key: tuple[str, ...]
    field: str
    value: Any
    message: str
    fix: str
    code: str

    def __post_init__(self) -> None:
        if self.code not in PROBLEM_CODES:
            raise ValueError(f"unknown problem code {self.code!r}; add it to PROBLEM_CODES")
        object.__setattr__(self, "key", tuple(str(k) for k in self.key))

    @property
    def record(self) -> str:
        """The record's key as text, e.g. ``"rev-growth/2026Q1"``."""
        return "/".join(self.key)

    @property
    def identity(self) -> tuple[str, ...]:
        """What makes two problems the same problem: code, table, key, field and the value shown."""
        return (self.code, self.table, *self.key, self.field, repr(self.value))

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

    ``record`` is the record's key as text and ``key`` as a tuple; ``theirs`` is the
    record as it is now in the store (None when it was removed), ``yours`` the record
    the caller tried to save.  Nothing was written.
    """

    table: str
    record: str
    theirs: dict[str, Any] | None
    yours: dict[str, Any]
    expected_revision: int
    actual_revision: int
    key: tuple[str, ...] = ()
    others: tuple[str, ...] = ()
    """Other records of the same save that changed meanwhile too (their keys as text)."""

    def __post_init__(self) -> None:
        if not self.key:
            self.key = tuple(self.record.split("/"))
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
        changed = changed_fields(self.theirs, self.yours)
        detail = "; ".join(f"{k}: theirs={a!r}, yours={b!r}" for k, a, b in changed)
        more = ""
        if self.others:
            listed = ", ".join(self.others[:10]) + (" …" if len(self.others) > 10 else "")
            more = f"{len(self.others)} more record(s) of this save changed meanwhile too: {listed}. "
        return (
            f"Save conflict on {self.table} '{self.record}': {now}. "
            f"{detail + '. ' if detail else ''}{more}Nothing was saved. Fix: reload the record"
            f"{'s' if self.others else ''}, merge the changes you want to keep, and save again."
        )


class RecordExistsError(ConflictError):
    """A record meant to be new has a key that is already taken (someone created it, or it existed).

    Nothing was saved; ``theirs`` is the record that has the key.
    """

    def __str__(self) -> str:
        who = (self.theirs or {}).get("saved_by") or "someone"
        return (f"{self.table} '{self.record}' already exists (saved by {who}). Nothing was saved. Fix: open it to "
                "edit it, or choose another id for the new record.")


SYSTEM_FIELDS = frozenset({"revision", "saved_at", "saved_by"})
"""Fields the store maintains on every record (never a user's change)."""


def changed_fields(theirs: dict[str, Any] | None, yours: dict[str, Any]) -> list[tuple[str, Any, Any]]:
    """The fields where ``yours`` differs from ``theirs``: (name, theirs, yours); system fields left out."""
    if theirs is None:
        return []
    return [
        (k, theirs.get(k), v)
        for k, v in yours.items()
        if k not in SYSTEM_FIELDS and theirs.get(k) != v
    ]


class PeriodClosedError(BscError):
    """A save would change the actuals, targets or comments of a closed period; nothing was saved."""


class NotAllowedError(BscError):
    """The person saving may not make this change in their workshop role (a viewer, or a participant changing
    the plan); nothing was saved. The message says what the role allows."""


class InputError(BscError):
    """An argument names something that does not exist (a scorecard, a period) or is malformed."""


class MissingToolError(BscError):
    """A tool that an optional feature needs is not installed (PDF output: playwright, pypdf and Chromium);
    the message says what to install."""


class UnreadableFileError(InputError):
    """A file to import is not a CSV file or an xlsx workbook that can be read (compressed, damaged, another
    encoding or kind of file); the message says what it is. The command line exits 1 (a problem found in the file).
    """


class UnknownVersionError(StoreError, InputError):
    """A version or time of a table's history that cannot be read: not there (yet), or no longer kept."""
