"""The data model: one definition of every table, column, type and rule.

Validation, the store, the forms and the docs all read these definitions; no
column name or type is spelled anywhere else.  ``python -m bsc_widgets.model.schema``
(or ``bsc schema``) prints them as Markdown.  Arrow types are looked up only when a
table is stored or read, so the command line can list tables without loading pyarrow.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pyarrow as pa

SCHEMA_VERSION = 5
"""Version of the table layout; stored in every store so later releases can migrate."""

SCHEMA_CHANGES: dict[int, tuple[str, tuple[str, ...]]] = {
    2: ("comments are threads: several per subject, period and kind, numbered (new key column `number`)",
        ("comments",)),
    3: ("periods can be closed (new table `closed_periods`)", ("closed_periods",)),
    4: ("every table with a `period` also stores it as dates (`period_start`, `period_end`)",
        ("targets", "actuals", "comments", "closed_periods")),
    5: ("a KPI can be calculated from other KPIs (new `kpis` columns `expression` and `target_rule`); colour "
        "bands, missing-data policies and roll-up methods (new columns `bands`, `missing_policy`, `rollup`); "
        "stakeholders propose, discuss, vote for and sign off the plan (new tables `candidates`, `discussion`, "
        "`votes`, `signoffs`; scorecards get `dot_votes`)",
        ("scorecards", "perspectives", "objectives", "kpis", "candidates", "discussion", "votes", "signoffs")),
}
"""What each schema version changed, and the tables an upgrade to it rewrites (new columns get ``old_value``)
or creates (a new table)."""

ID_LENGTH = 64
"""The most characters an id may have."""
ID_PATTERN = rf"^[A-Za-z0-9][A-Za-z0-9_.\-]{{0,{ID_LENGTH - 1}}}$"
ID_HELP = f"use 1-{ID_LENGTH} letters, digits, '-', '_' or '.', starting with a letter or digit"

# The most characters a text column may hold (docs/data-model.md lists each column's; model/text.py the rule).
UNIT_LENGTH = 40
"""Units: '%', 'EUR k', 'days per order'."""
PERSON_LENGTH = 100
"""Who: owners, authors, who entered or saved a record."""
NAME_LENGTH = 200
"""Names and titles: a short statement."""
LINE_LENGTH = 500
"""A longer line, e.g. where a KPI's numbers come from (a system, a report, a link)."""
LONG_TEXT_LENGTH = 5000
"""Long texts: descriptions, notes, comments, the vision (about two pages)."""

KINDS: dict[str, str] = {
    "id": "string",
    "text": "string",
    "choice": "string",
    "period": "string",
    "float": "float64",
    "int": "int64",
    "date": "date32",
    "timestamp": "timestamp[us, tz=UTC]",
}
"""Column kinds and the Arrow type each is stored as."""


def arrow_type(kind: str) -> pa.DataType:
    """The Arrow type a column of ``kind`` is stored as."""
    import pyarrow as pa

    if kind == "timestamp":
        return pa.timestamp("us", tz="UTC")
    return pa.type_for_alias(KINDS[kind])


@dataclass(frozen=True)
class Column:
    """One column: its kind, whether it is required, and its rules."""

    name: str
    kind: str
    doc: str
    required: bool = False
    choices: tuple[str, ...] = ()
    default: Any = None
    minimum: float | None = None
    maximum: float | None = None
    positive: bool = False
    references: str | None = None  # "table.column" the value must exist in
    max_length: int | None = None
    """The most characters a text or id value may have (after leading and trailing spaces are removed)."""
    auto: str | None = None
    """Filled by the store when a new record leaves it blank: ``"next"`` (the next number among
    records with the same other key values — a thread), ``"now"`` (the time of the save) or
    ``"user"`` (who saves)."""
    old_value: Any = None
    """The value of records stored before the column existed (an older schema version)."""

    @property
    def arrow_type(self) -> pa.DataType:
        """The Arrow type the column is stored as."""
        return arrow_type(self.kind)

    @property
    def long_text(self) -> bool:
        """True for the long texts (descriptions, notes, comments …): several lines, shown in a text area."""
        return self.kind == "text" and (self.max_length or 0) > LINE_LENGTH

    @property
    def label(self) -> str:
        """The column's name in plain words, e.g. 'red flag' or 'due date'."""
        return _LABELS.get(self.name, self.name.removesuffix("_id").replace("_", " "))


_LABELS = {"kpi_id": "KPI", "due": "due date", "done_on": "date it was done", "supports": "supported objective",
           "parent_id": "parent scorecard", "subject_id": "subject", "percent_complete": "percent complete"}


SYSTEM_COLUMNS: tuple[Column, ...] = (
    Column("revision", "int", "Revision of the record: 1 when created, +1 on every save."),
    Column("saved_at", "timestamp", "When the record was last saved (UTC)."),
    Column("saved_by", "text", "Who last saved the record.", max_length=PERSON_LENGTH),
)
"""Columns the store maintains on every table; callers never set them."""

PERIOD_DATES: tuple[Column, ...] = (
    Column("period_start", "date", "First day of `period` (kept by the store; filter and join by date with it)."),
    Column("period_end", "date", "Last day of `period` (kept by the store)."),
)
"""Columns the store derives from ``period`` on every table that has one; callers never set them."""


@dataclass(frozen=True)
class TableSpec:
    """A table: its name, key columns and columns (derived and system columns excluded)."""

    name: str
    doc: str
    key: tuple[str, ...]
    columns: tuple[Column, ...]
    columns_by_name: dict[str, Column] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "columns_by_name", {c.name: c for c in self.all_columns})

    @property
    def derived(self) -> tuple[Column, ...]:
        """Columns the store derives from the data columns: the period's dates where there is a ``period``."""
        return PERIOD_DATES if any(c.name == "period" for c in self.columns) else ()

    @property
    def all_columns(self) -> tuple[Column, ...]:
        """Data columns, then the derived columns, then the system columns."""
        return self.columns + self.derived + SYSTEM_COLUMNS

    @property
    def names(self) -> list[str]:
        """Names of the data columns (no system columns)."""
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        """The column called ``name`` (data or system)."""
        return self.columns_by_name[name]

    def arrow_schema(self) -> pa.Schema:
        """The Arrow schema the table is stored with."""
        import pyarrow as pa

        return pa.schema([pa.field(c.name, c.arrow_type) for c in self.all_columns])

    @property
    def numbered(self) -> str | None:
        """The key column the store numbers within the rest of the key (``auto="next"``), if any."""
        return next((c.name for c in self.columns if c.auto == "next"), None)

    def key_text(self, record: Mapping[str, Any]) -> str:
        """The record's key as text, e.g. ``"rev-growth/2026Q1"``."""
        return "/".join(str(record.get(k)) for k in self.key)


def _id(name: str, doc: str, *, required: bool = True, references: str | None = None) -> Column:
    return Column(name, "id", doc, required=required, references=references, max_length=ID_LENGTH)


def _text(name: str, doc: str, max_length: int, **rules: Any) -> Column:
    return Column(name, "text", doc, max_length=max_length, **rules)


_SCORECARD = _id("scorecard_id", "Scorecard the record belongs to.", references="scorecards.scorecard_id")
_BANDS_DOC = ("Colour bands: 3-6 of 'name #colour lowest-score', separated by ';', lowest first, e.g. "
              "'critical #7f0000 0; red #d62728 2; amber #ff9f1c 3.33; green #2ca02c 6.67; exceeding #1f77b4 9' "
              "(docs/scoring.md, Colour bands).")
_ROLLUPS = ("weighted_mean", "worst", "best")
_WEIGHT = Column(
    "weight", "float", "Relative weight in the roll-up (any positive number).", default=1.0, positive=True
)

TABLES: dict[str, TableSpec] = {
    t.name: t
    for t in (
        TableSpec(
            "store_info",
            "One row describing the store itself (written by the store, not by users).",
            ("name",),
            (
                _text("name", "Always 'store'.", NAME_LENGTH, required=True),
                Column("schema_version", "int", "Table layout version the store was written with.", required=True),
                Column("created_at", "timestamp", "When the store was created.", required=True),
                _text("created_by", "Who created the store.", PERSON_LENGTH),
                _text("package_version", "bsc-widgets version that created the store.", UNIT_LENGTH),
            ),
        ),
        TableSpec(
            "scorecards",
            "An organisation's or department's scorecard; a department names its parent.",
            ("scorecard_id",),
            (
                _id("scorecard_id", "Short id of the scorecard, e.g. 'org' or 'sales'."),
                _text("name", "Name shown in forms and reports.", NAME_LENGTH, required=True),
                _id("parent_id", "Scorecard this one cascades from (empty for the top).",
                    required=False, references="scorecards.scorecard_id"),
                _text("vision", "Where the organisation wants to be.", LONG_TEXT_LENGTH),
                _text("mission", "Why the organisation exists and whom it serves.", LONG_TEXT_LENGTH),
                _text("values", "Values, one per line.", LONG_TEXT_LENGTH),
                Column("horizon_start", "period", "First period of the planning horizon."),
                Column("horizon_end", "period", "Last period of the planning horizon."),
                Column("review_frequency", "choice", "How often results are reviewed.",
                       required=True, choices=("M", "Q", "A"), default="Q"),
                Column("green_from", "float", "Score from which a KPI is green (0-10); 6.67 means exactly 20/3, the "
                       "score of a KPI on target (docs/scoring.md, Status).", default=20 / 3, minimum=0, maximum=10),
                Column("amber_from", "float", "Score from which a KPI is amber (0-10); 3.33 means exactly 10/3, the "
                       "score at the red flag.", default=10 / 3, minimum=0, maximum=10),
                Column("dot_votes", "int", "Dots each participant may give to candidate objectives and KPIs in a "
                       "vote (docs/workshop-app.md, Propose, vote and sign off).", default=5, minimum=1, maximum=100,
                       old_value=5),
                _text("bands", _BANDS_DOC + " Blank: red, amber and green from the two score thresholds.",
                      LINE_LENGTH),
                _text("missing_policy", "How a KPI without an actual in a review period counts: ignore, zero, red "
                      "or carry_forward:N (docs/scoring.md, Missing data).", NAME_LENGTH, default="ignore",
                      old_value="ignore"),
                Column("rollup", "choice", "How scores roll up: weighted mean, worst or best child (the default "
                       "of the scorecard's objectives and perspectives, and how its perspectives combine).",
                       required=True, choices=_ROLLUPS, default="weighted_mean", old_value="weighted_mean"),
            ),
        ),
        TableSpec(
            "perspectives",
            "The scorecard's perspectives, in display order (renameable, re-orderable).",
            ("scorecard_id", "perspective_id"),
            (
                _SCORECARD,
                _id("perspective_id", "Short id, e.g. 'financial'."),
                _text("name", "Name shown, e.g. 'Financial'.", NAME_LENGTH, required=True),
                Column("position", "int", "Display order, 1 at the top.", required=True, minimum=1),
                _text("description", "What this perspective asks.", LONG_TEXT_LENGTH),
                _WEIGHT,
                Column("rollup", "choice", "How its objectives' scores combine: weighted mean, worst or best "
                       "(blank: the scorecard's).", choices=_ROLLUPS),
            ),
        ),
        TableSpec(
            "objectives",
            "Strategic objectives, each in one perspective.",
            ("objective_id",),
            (
                _id("objective_id", "Short id, e.g. 'F1'."),
                _SCORECARD,
                _id("perspective_id", "Perspective of the objective (of the same scorecard)."),
                _text("title", "The objective as a short statement.", NAME_LENGTH, required=True),
                _text("description", "What success looks like, in a sentence or two.", LONG_TEXT_LENGTH),
                _text("owner", "Person accountable for the objective.", PERSON_LENGTH),
                _WEIGHT,
                _id("supports", "Objective of the parent scorecard this one supports (cascade).",
                    required=False, references="objectives.objective_id"),
                Column("position", "int", "Order inside the perspective.", default=1, minimum=1),
                Column("rollup", "choice", "How its KPIs' scores combine: weighted mean, worst or best (blank: "
                       "the scorecard's).", choices=_ROLLUPS),
            ),
        ),
        TableSpec(
            "links",
            "Cause-and-effect arrows of the strategy map.",
            ("cause", "effect"),
            (
                _SCORECARD,
                _id("cause", "Objective that drives the effect.", references="objectives.objective_id"),
                _id("effect", "Objective that the cause improves.", references="objectives.objective_id"),
                _text("note", "Why the cause drives the effect.", LONG_TEXT_LENGTH),
            ),
        ),
        TableSpec(
            "kpis",
            "Key performance indicators, each measuring one objective.",
            ("kpi_id",),
            (
                _id("kpi_id", "Short id, e.g. 'rev-growth'."),
                _SCORECARD,
                _id("objective_id", "Objective the KPI measures.", references="objectives.objective_id"),
                _text("name", "Name shown in reports.", NAME_LENGTH, required=True),
                _text("definition", "How the KPI is calculated.", LONG_TEXT_LENGTH),
                _text("unit", "Unit, e.g. '%', 'EUR k', 'days'.", UNIT_LENGTH),
                Column("polarity", "choice", "higher or lower is better, or range (inside a band).",
                       required=True, choices=("higher", "lower", "range"), default="higher"),
                Column("frequency", "choice", "How often it is measured: M, Q or A.",
                       required=True, choices=("M", "Q", "A"), default="M"),
                Column("aggregation", "choice", "How measurements combine into a longer period.",
                       required=True, choices=("sum", "mean", "last", "min", "max"), default="last"),
                Column("baseline", "float", "Value before the plan started."),
                Column("baseline_period", "period", "Period the baseline was measured in."),
                _WEIGHT,
                _text("owner", "Person who reports the KPI.", PERSON_LENGTH),
                _text("source", "Where the numbers come from.", LINE_LENGTH),
                Column("indicator", "choice", "Leading (drives results) or lagging (shows results).",
                       choices=("leading", "lagging"), default="lagging"),
                Column("decimals", "int", "Decimals shown in reports.", default=1, minimum=0, maximum=6),
                _text("expression", "Calculated KPIs: how the actual is computed from other KPIs of the scorecard "
                      "or its departments, e.g. 'revenue / headcount' or '100 * [on-time] / deliveries' (an id "
                      "holding '-' in brackets); blank for a KPI whose actuals are typed.", LINE_LENGTH),
                Column("target_rule", "choice", "Calculated KPIs: 'typed' (targets and red flags are entered) or "
                       "'expression' (computed by the expression from the inputs' targets and red flags).",
                       choices=("typed", "expression"), default="typed", old_value="typed"),
                _text("bands", _BANDS_DOC + " Blank: the scorecard's.", LINE_LENGTH),
                _text("missing_policy", "How a review period without an actual counts: ignore, zero, red or "
                      "carry_forward:N (blank: the scorecard's).", NAME_LENGTH),
            ),
        ),
        TableSpec(
            "targets",
            "Target and red flag per KPI and period (band and tolerance for range KPIs).",
            ("kpi_id", "period"),
            (
                _id("kpi_id", "KPI the target is for.", references="kpis.kpi_id"),
                Column("period", "period", "Period, e.g. 2026-03, 2026Q1 or 2026.", required=True),
                _SCORECARD,
                Column("target", "float", "Value that counts as on target."),
                Column("red_flag", "float", "Value at which the KPI turns red."),
                Column("lower", "float", "Range KPIs: lower bound of the band."),
                Column("upper", "float", "Range KPIs: upper bound of the band."),
                Column("tolerance", "float", "Range KPIs: distance outside the band that still scores 3.33 (a "
                       "longer review period aggregates it like the bounds: summed for sum KPIs, docs/scoring.md).",
                       positive=True),
            ),
        ),
        TableSpec(
            "actuals",
            "Measured values per KPI and period.",
            ("kpi_id", "period"),
            (
                _id("kpi_id", "KPI measured.", references="kpis.kpi_id"),
                Column("period", "period", "Period measured, at the KPI's frequency.", required=True),
                _SCORECARD,
                Column("value", "float", "Measured value.", required=True),
                _text("note", "Remark on the value.", LONG_TEXT_LENGTH),
                _text("entered_by", "Who entered or imported the value.", PERSON_LENGTH),
                Column("entered_at", "timestamp", "When the value was entered."),
            ),
        ),
        TableSpec(
            "initiatives",
            "Action plans (projects) that move an objective.",
            ("initiative_id",),
            (
                _id("initiative_id", "Short id, e.g. 'I1'."),
                _SCORECARD,
                _id("objective_id", "Objective the initiative moves.", required=False,
                    references="objectives.objective_id"),
                _text("title", "What the initiative delivers.", NAME_LENGTH, required=True),
                _text("description", "Scope in a sentence or two.", LONG_TEXT_LENGTH),
                _text("owner", "Person accountable.", PERSON_LENGTH),
                Column("start", "date", "Start date."),
                Column("due", "date", "Planned end date."),
                Column("budget", "float", "Budget, in the organisation's currency.", minimum=0),
                Column("status", "choice", "Where it stands.", required=True,
                       choices=("planned", "active", "on hold", "done", "cancelled"), default="planned"),
                Column("percent_complete", "float", "Progress 0-100.", default=0.0, minimum=0, maximum=100),
            ),
        ),
        TableSpec(
            "tasks",
            "Tasks of an initiative, each with an owner and a deadline.",
            ("task_id",),
            (
                _id("task_id", "Short id, e.g. 'I1-T3'."),
                _SCORECARD,
                _id("initiative_id", "Initiative the task belongs to.", references="initiatives.initiative_id"),
                _text("description", "What is to be done.", LONG_TEXT_LENGTH, required=True),
                _text("owner", "Person responsible.", PERSON_LENGTH, required=True),
                Column("due", "date", "Deadline.", required=True),
                Column("status", "choice", "Where it stands.", required=True,
                       choices=("not started", "in progress", "done", "blocked", "cancelled"),
                       default="not started"),
                Column("done_on", "date", "Date it was finished."),
                _text("success_measure", "How we know the task succeeded.", LONG_TEXT_LENGTH),
            ),
        ),
        TableSpec(
            "comments",
            "Analysis and recommendations per subject and period: a thread per subject, period and kind, "
            "each comment numbered in it (the latest is what one-line views show).",
            ("subject_type", "subject_id", "period", "kind", "number"),
            (
                _SCORECARD,
                Column("subject_type", "choice", "What the comment is about.", required=True,
                       choices=("scorecard", "perspective", "objective", "kpi", "initiative")),
                _id("subject_id", "Id of the subject."),
                Column("period", "period", "Review period commented on.", required=True),
                Column("kind", "choice", "analysis, recommendation or note.", required=True,
                       choices=("analysis", "recommendation", "note"), default="analysis"),
                Column("number", "int", "Place in the thread: 1, 2, …; the store gives the next number when "
                       "it is left blank.", minimum=1, auto="next", old_value=1),
                _text("text", "The comment.", LONG_TEXT_LENGTH, required=True),
                _text("author", "Who wrote it; the person saving when left blank.", PERSON_LENGTH, auto="user"),
                Column("at", "timestamp", "When it was written; the time of the save when left blank.", auto="now"),
            ),
        ),
        TableSpec(
            "candidates",
            "Objectives and KPIs proposed by participants of a workshop, until the facilitator accepts them into "
            "the plan (they become an objective or a KPI) or rejects them.",
            ("candidate_id",),
            (
                _id("candidate_id", "Short id, e.g. 'cand-3' (given by the workshop when proposed)."),
                _SCORECARD,
                Column("kind", "choice", "What is proposed: an objective or a KPI.", required=True,
                       choices=("objective", "kpi"), default="objective"),
                _text("title", "The proposed objective or KPI, as a short statement.", NAME_LENGTH, required=True),
                _text("description", "Why it matters, or how it would be measured.", LONG_TEXT_LENGTH),
                _id("perspective_id", "Perspective a proposed objective would sit in (of the same scorecard).",
                    required=False),
                _id("objective_id", "Objective a proposed KPI would measure.", required=False,
                    references="objectives.objective_id"),
                _text("proposed_by", "Who proposed it; the person saving when left blank.", PERSON_LENGTH,
                      auto="user"),
                Column("proposed_at", "timestamp", "When it was proposed; the time of the save when left blank.",
                       auto="now"),
                Column("status", "choice", "proposed (open for votes), accepted into the plan, or rejected.",
                       required=True, choices=("proposed", "accepted", "rejected"), default="proposed"),
                _text("decision_note", "Why it was accepted or rejected.", LONG_TEXT_LENGTH),
                _text("decided_by", "Who accepted or rejected it.", PERSON_LENGTH),
                _id("accepted_as", "Id of the objective or KPI it became when accepted.", required=False),
            ),
        ),
        TableSpec(
            "discussion",
            "Participants' comments on a candidate, numbered in a thread per candidate.",
            ("candidate_id", "number"),
            (
                _SCORECARD,
                _id("candidate_id", "Candidate commented on.", references="candidates.candidate_id"),
                Column("number", "int", "Place in the thread: 1, 2, …; the store gives the next number when "
                       "it is left blank.", minimum=1, auto="next"),
                _text("text", "The comment.", LONG_TEXT_LENGTH, required=True),
                _text("author", "Who wrote it; the person saving when left blank.", PERSON_LENGTH, auto="user"),
                Column("at", "timestamp", "When it was written; the time of the save when left blank.", auto="now"),
            ),
        ),
        TableSpec(
            "votes",
            "Dot votes: how many of their dots each participant gives a candidate (at most the scorecard's "
            "`dot_votes` in all).",
            ("candidate_id", "voter"),
            (
                _SCORECARD,
                _id("candidate_id", "Candidate voted for.", references="candidates.candidate_id"),
                _text("voter", "Who votes.", PERSON_LENGTH, required=True),
                Column("dots", "int", "Dots given to the candidate.", required=True, default=1, minimum=1,
                       maximum=100),
            ),
        ),
        TableSpec(
            "signoffs",
            "Stakeholders' sign-off of the plan: who, when, and which version of the plan they signed.",
            ("scorecard_id", "number"),
            (
                _SCORECARD,
                Column("number", "int", "Sign-off number in the scorecard: 1, 2, …; given by the store when blank.",
                       minimum=1, auto="next"),
                _text("signed_by", "Who signs; the person saving when left blank.", PERSON_LENGTH, auto="user"),
                Column("signed_at", "timestamp", "When; the time of the save when left blank.", auto="now"),
                Column("decision", "choice", "approve the plan, or object to it (with a note).", required=True,
                       choices=("approve", "object"), default="approve"),
                _text("note", "What the signer adds, e.g. a condition or an objection.", LONG_TEXT_LENGTH),
                _text("plan_fingerprint", "Short fingerprint of the plan's content signed (objectives, KPIs, "
                      "targets, initiatives, tasks): a later change of the plan changes it.", UNIT_LENGTH,
                      required=True),
                _text("table_versions", "The version of every plan table when signed (JSON), to read that plan "
                      "again with `bsc history` / `--as-of`.", LONG_TEXT_LENGTH, required=True),
            ),
        ),
        TableSpec(
            "closed_periods",
            "Review periods closed by the store's `bsc close` (not edited directly): the actuals, targets and "
            "comments of a closed period and of its sub-periods cannot change until `bsc reopen`; the table's "
            "history says who closed and reopened each period, and why.",
            ("scorecard_id", "period"),
            (
                _SCORECARD,
                Column("period", "period", "The period closed, e.g. 2026Q2 (its months are closed with it).",
                       required=True),
                _text("closed_by", "Who closed it.", PERSON_LENGTH, auto="user"),
                Column("closed_at", "timestamp", "When it was closed.", auto="now"),
                _text("reason", "Why, e.g. 'board pack sent 2026-07-15'.", LONG_TEXT_LENGTH),
            ),
        ),
    )
}
"""Every table of a store, by name."""

SYSTEM_TABLES: tuple[str, ...] = ("store_info", "closed_periods")
"""Tables the store keeps about itself (changed by its own commands, not by saves of the plan)."""
ADDED_TABLES: dict[str, int] = {"closed_periods": 3, "candidates": 5, "discussion": 5, "votes": 5, "signoffs": 5}
"""Tables a later schema version added, with that version: histories and version maps (a pinned report's)
from before it do not name them, and they read as empty there (:meth:`bsc_widgets.store.Store.read_all`)."""
PLAN_TABLES: tuple[str, ...] = tuple(name for name in TABLES if name not in SYSTEM_TABLES)
"""Tables users edit, in dependency order (a table only references earlier ones)."""

DEFAULT_PERSPECTIVES: tuple[tuple[str, str, str], ...] = (
    ("financial", "Financial", "To succeed financially, how should we appear to our shareholders?"),
    ("customer", "Customer", "To achieve our vision, how should we appear to our customers?"),
    ("internal", "Internal Processes", "To satisfy our customers, which processes must we excel at?"),
    ("learning", "Learning & Growth", "To achieve our vision, how will we sustain our ability to change and improve?"),
)
"""The four classic perspectives: (id, name, question), top to bottom."""


def table(name: str) -> TableSpec:
    """The table called ``name``; ``KeyError`` lists the known tables."""
    try:
        return TABLES[name]
    except KeyError:
        raise KeyError(f"unknown table {name!r}; tables are: {', '.join(PLAN_TABLES)}") from None


TEXT_RULE = (
    "Text (the `text` and `id` columns) is stored as typed — accents, emoji, every script, and tabs and line "
    "breaks in long texts — with leading and trailing spaces removed, and is refused when it holds a control "
    "character (U+0000–U+001F other than tab, line feed and carriage return, such as null, bell or the escape of "
    "terminal colour codes; U+007F–U+009F), a broken character (a lone surrogate U+D800–U+DFFF, U+FFFE, U+FFFF) "
    "or more characters than the column's maximum (the rule column below). Forms, imports, the API and the "
    "command line all apply this rule (`bsc_widgets/model/text.py`); the message names the field and the fix. "
    f"An `id` is {ID_HELP.removeprefix('use ')}."
)
"""The text rule in words, for the docs."""


def shown_default(value: Any) -> str:
    """A default as the docs show it: the exact value, e.g. ``20/3 (6.67)`` for a third, ``1`` for 1.0."""
    if isinstance(value, float):
        exact = Fraction(value).limit_denominator(12)
        if exact.denominator != 1 and float(exact) == value:
            return f"{exact} ({value:.2f})"
        return f"{value:g}"
    return str(value)


def to_markdown() -> str:
    """The whole data model as Markdown (used for the docs)."""
    lines = [f"# Data model (schema version {SCHEMA_VERSION})", ""]
    lines.append(
        "Generated from `bsc_widgets/model/schema.py` by `bsc schema`. Every table also has the "
        "system columns " + ", ".join(f"`{c.name}`" for c in SYSTEM_COLUMNS) + "; every table with a "
        "`period` also has " + ", ".join(f"`{c.name}`" for c in PERIOD_DATES) + " (dates the store derives "
        "from the period, so other tools can filter and join by date)."
    )
    lines += ["", TEXT_RULE]
    for spec in TABLES.values():
        lines += ["", f"## {spec.name}", "", spec.doc, "", f"Key: {', '.join(spec.key)}", ""]
        lines += ["| column | type | required | rule | meaning |", "|---|---|---|---|---|"]
        for col in spec.columns + spec.derived:
            rule = ["derived from period"] if col in spec.derived else []
            if col.choices:
                rule.append("one of " + ", ".join(col.choices))
            if col.minimum is not None:
                rule.append(f">= {col.minimum:g}")
            if col.maximum is not None:
                rule.append(f"<= {col.maximum:g}")
            if col.positive:
                rule.append("> 0")
            if col.references:
                rule.append(f"must exist in {col.references}")
            if col.max_length is not None:
                rule.append(f"at most {col.max_length:,} characters")
            if col.default is not None:
                rule.append(f"default {shown_default(col.default)}")
            if col.auto is not None:
                rule.append({"next": "numbered by the store", "now": "time of the save if blank",
                             "user": "who saves if blank"}[col.auto])
            req = "yes" if col.required else ""
            lines.append(f"| {col.name} | {col.kind} | {req} | {'; '.join(rule)} | {col.doc} |")
    lines += ["", "## Schema versions", "",
              "A store written with an older version is upgraded when it is first opened by a newer "
              "bsc-widgets (one commit per changed or new table, kept in its history); an older bsc-widgets "
              "refuses a newer store.", ""]
    lines += [f"- **{version}**: {what}." for version, (what, _) in sorted(SCHEMA_CHANGES.items())]
    lines += ["", OTHER_TOOLS.strip()]
    return "\n".join(lines) + "\n"


OTHER_TOOLS = """
## Reading a store with other tools

The tables are Delta Lake tables, one folder each. Periods are text (`2026-03`, `2026Q1`,
`2026`) for people; `period_start` and `period_end` are dates for tools. With polars
(which reads Delta through the `deltalake` package, offline):

```python
import polars as pl

actuals = pl.read_delta("sample-store/actuals")
q3 = actuals.filter(pl.col("period_start") >= pl.date(2026, 7, 1), pl.col("period_end") <= pl.date(2026, 9, 30))
print(q3.group_by("kpi_id").agg(pl.col("value").sum()).sort("kpi_id"))
```

With DuckDB, over the tables as Arrow datasets (no extension to download):

```python
import duckdb
from deltalake import DeltaTable

actuals = DeltaTable("sample-store/actuals").to_pyarrow_dataset()
kpis = DeltaTable("sample-store/kpis").to_pyarrow_dataset()
print(duckdb.sql(\"\"\"
    SELECT k.name, date_trunc('quarter', a.period_start) AS quarter, sum(a.value) AS total
    FROM actuals a JOIN kpis k USING (kpi_id, scorecard_id)
    WHERE k.aggregation = 'sum' AND a.period_start >= DATE '2026-01-01'
    GROUP BY ALL ORDER BY 1, 2
\"\"\").df())
```
"""
"""The data model's section on reading a store with polars and DuckDB (tests/test_sample.py runs its code)."""


if __name__ == "__main__":  # pragma: no cover
    print(to_markdown(), end="")
