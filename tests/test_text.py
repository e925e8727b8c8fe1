"""The text rule: every text and id field refuses control characters, broken characters and text over its
maximum length, with a message naming the field; nothing is saved; everything else is stored as typed."""

from __future__ import annotations

from typing import Any

import pytest
from plans import make_plan

from bsc_widgets import BscValidationError, InputError, Store
from bsc_widgets.forms.record_form import RecordForm
from bsc_widgets.model.coerce import coerce
from bsc_widgets.model.schema import PLAN_TABLES, SYSTEM_COLUMNS, TABLES, Column

BASE: dict[str, dict[str, Any]] = {
    "scorecards": {"scorecard_id": "org", "name": "Org", "review_frequency": "Q"},
    "perspectives": {"scorecard_id": "org", "perspective_id": "financial", "name": "Financial", "position": 1},
    "objectives": {"objective_id": "F1", "scorecard_id": "org", "perspective_id": "financial",
                   "title": "Grow profitable revenue in core markets"},
    "links": {"scorecard_id": "org", "cause": "C1", "effect": "F1"},
    "kpis": {"kpi_id": "rev", "scorecard_id": "org", "objective_id": "F1", "name": "Revenue", "polarity": "higher",
             "frequency": "M", "aggregation": "sum"},
    "targets": {"kpi_id": "rev", "period": "2026-01", "scorecard_id": "org", "target": 10, "red_flag": 5},
    "actuals": {"kpi_id": "rev", "period": "2026-01", "scorecard_id": "org", "value": 3},
    "initiatives": {"initiative_id": "I1", "scorecard_id": "org", "objective_id": "F1", "title": "Open two stores"},
    "tasks": {"task_id": "T1", "scorecard_id": "org", "initiative_id": "I1", "description": "Sign the lease",
              "owner": "Ann", "due": "2026-03-01"},
    "comments": {"scorecard_id": "org", "subject_type": "objective", "subject_id": "F1", "period": "2026Q1",
                 "kind": "analysis", "number": 1, "text": "On track.", "author": "Ann"},
    "candidates": {"candidate_id": "cand-1", "scorecard_id": "org", "kind": "objective", "title": "Run repair cafés",
                   "perspective_id": "customer"},
    "discussion": {"scorecard_id": "org", "candidate_id": "cand-1", "number": 1, "text": "Good idea.", "author": "Ann"},
    "votes": {"scorecard_id": "org", "candidate_id": "cand-1", "voter": "Ann", "dots": 2},
    "signoffs": {"scorecard_id": "org", "number": 1, "signed_by": "Ann", "decision": "approve",
                 "plan_fingerprint": "0123456789ab", "table_versions": "{}"},
}
"""A valid record of every plan table for the plan of :func:`text_plan`."""

TEXT_COLUMNS = [(spec.name, col) for spec in TABLES.values() for col in spec.columns if col.max_length]
PLAN_TEXT_COLUMNS = [(name, col) for name, col in TEXT_COLUMNS if name in PLAN_TABLES]
GRAMMAR_COLUMNS = {"bands", "missing_policy"}
"""Text read by a grammar of its own (colour bands, missing-data policies): docs/scoring.md tests their limits."""
USER_TEXT_COLUMNS = [(name, col) for name, col in PLAN_TEXT_COLUMNS if col.kind == "text"
                     and col.name not in GRAMMAR_COLUMNS and col.name not in TABLES[name].key]
"""Free text that is not a key (a voter's name is: tests/test_workshop_decisions.py stores names as typed)."""


def _ids(columns: list[tuple[str, Column]]) -> list[str]:
    return [f"{name}.{col.name}" for name, col in columns]


def too_long(col: Column) -> str:
    assert col.max_length is not None
    return "ab" * col.max_length


BAD: dict[str, tuple[Any, str]] = {
    "null": (lambda col: "Grow\x00revenue", "control_character"),
    "ansi escape": (lambda col: "\x1b[31mGrow\x1b[0m", "control_character"),
    "bell": (lambda col: "Grow\x07", "control_character"),
    "C1 control": (lambda col: "Grow\x9b31m", "control_character"),
    "lone surrogate": (lambda col: "Grow\ud800", "broken_character"),
    "too long": (too_long, "too_long"),
}


@pytest.fixture(scope="module")
def text_plan(tmp_path_factory: pytest.TempPathFactory) -> Store:
    """The plan of :func:`plans.make_plan` with an initiative (refused saves leave it unchanged)."""
    store = make_plan(Store.create(tmp_path_factory.mktemp("text") / "store"))
    store.upsert("initiatives", [BASE["initiatives"]])
    store.upsert("candidates", [BASE["candidates"]])  # what discussion and votes refer to
    return store


def versions(store: Store) -> dict[str, int | None]:
    return {name: store.version(name) for name in TABLES}


@pytest.mark.parametrize("kind", list(BAD))
@pytest.mark.parametrize(("table", "col"), TEXT_COLUMNS, ids=_ids(TEXT_COLUMNS))
def test_the_text_rule_names_the_field_for_every_text_column(table: str, col: Column, kind: str) -> None:
    make, code = BAD[kind]
    frame, problems = coerce(TABLES[table], [{col.name: make(col)}], partial=True)
    [problem] = [p for p in problems if p.field == col.name]
    assert problem.code == code
    assert "\x00" not in str(problem) and "\x1b" not in str(problem) and "\x07" not in str(problem)
    str(problem).encode("utf-8")  # shown anywhere without an encoding error: no lone surrogate in the message
    assert frame[col.name].isna().all(), "refused text is left out of the typed frame"


@pytest.mark.parametrize("kind", list(BAD))
@pytest.mark.parametrize(("table", "col"), PLAN_TEXT_COLUMNS, ids=_ids(PLAN_TEXT_COLUMNS))
def test_a_save_with_refused_text_stores_nothing(text_plan: Store, table: str, col: Column, kind: str) -> None:
    make, code = BAD[kind]
    before = versions(text_plan)
    with pytest.raises(BscValidationError) as info:
        text_plan.upsert(table, [{**BASE[table], col.name: make(col)}])
    assert versions(text_plan) == before, "a refused save wrote something"
    problems = [p for p in info.value.problems if p.field == col.name]
    assert [p.code for p in problems] == [code]
    message = str(info.value)
    assert f", {col.name}: " in message and "Fix: " in message
    message.encode("utf-8")


@pytest.mark.parametrize(("table", "col"), USER_TEXT_COLUMNS, ids=_ids(USER_TEXT_COLUMNS))
def test_unicode_text_up_to_the_maximum_length_is_stored_as_typed(text_plan: Store, table: str, col: Column) -> None:
    assert col.max_length is not None
    words = "Équipe Zürich 🚀 目標 ٪ naïve — "
    if col.long_text:
        words = "Line one:\tÉquipe Zürich 🚀\nline two: 目標 — naïve\r\n"
    value = (words * col.max_length)[: col.max_length - 1] + "é"  # exactly the maximum, nothing to strip
    if col.name == "expression":  # a calculated KPI's expression is read by its grammar: numbers and KPI ids
        value = ("1 + " * col.max_length)[: col.max_length - 1] + "1"
    text_plan.upsert(table, [{**BASE[table], col.name: value}])
    stored = text_plan.read(table)
    keys = {k: BASE[table][k] for k in TABLES[table].key}
    row = stored.loc[(stored[list(keys)] == list(keys.values())).all(axis=1)]
    assert row[col.name].tolist() == [value]
    if col.name == "expression":  # the module's plan types the KPI's actuals again in later tests
        text_plan.upsert(table, [{**BASE[table], col.name: None}])


def test_every_text_column_has_a_documented_maximum_length() -> None:
    from bsc_widgets.model.schema import to_markdown

    text_columns = [c for spec in TABLES.values() for c in spec.all_columns if c.kind in ("text", "id")]
    assert all(c.max_length for c in text_columns), [c.name for c in text_columns if not c.max_length]
    assert all(c.max_length for c in SYSTEM_COLUMNS if c.kind == "text")
    docs = to_markdown()
    assert "| title | text | yes | at most 200 characters |" in docs
    assert "| text | text | yes | at most 5,000 characters |" in docs


def test_closing_and_reopening_refuse_a_reason_with_control_characters(text_plan: Store) -> None:
    before = versions(text_plan)
    with pytest.raises(BscValidationError, match=r"reason: contains a control character: U\+001B") as info:
        text_plan.close_period("2026Q1", scorecard="org", reason="\x1b[2Jaudit")
    assert [p.code for p in info.value.problems] == ["control_character"]
    with pytest.raises(BscValidationError, match="reason: contains a broken character"):
        text_plan.close_period("2026Q1", scorecard="org", reason="audit \udcff")
    assert versions(text_plan) == before
    text_plan.close_period("2026Q1", scorecard="org", reason="board pack sent — ✓")
    with pytest.raises(BscValidationError, match="reason: contains a control character"):
        text_plan.reopen_period("2026Q1", scorecard="org", reason="restating\x07")
    assert text_plan.closed_periods()["reason"].tolist() == ["board pack sent — ✓"]
    text_plan.reopen_period("2026Q1", scorecard="org", reason="restating May")
    assert text_plan.closed_periods().empty


@pytest.mark.parametrize("user", ["ann\x1b[31m", "ann\udcff", "a" * 101])
def test_a_user_name_the_text_rule_refuses_saves_nothing(text_plan: Store, user: str) -> None:
    before = versions(text_plan)
    with pytest.raises(InputError, match=r"user name .* BSC_USER") as info:
        text_plan.upsert("objectives", [{**BASE["objectives"], "owner": "Ann"}], user=user)
    str(info.value).encode("utf-8")
    assert "\x1b" not in str(info.value)
    assert versions(text_plan) == before


def test_a_control_character_typed_in_a_form_is_explained_next_to_the_field(text_plan: Store) -> None:
    form = RecordForm(text_plan, "objectives", fixed={"scorecard_id": "org"},
                      fields=["objective_id", "perspective_id", "title", "owner"])
    form.selector.value = "F1"
    before = versions(text_plan)
    form.fields["title"].widget.value = "Grow \x1b[31mrevenue"
    assert "Contains a control character: U+001B" in form.problems_shown["title"], "checked while typing"
    assert "you entered 'Grow ␛[31mrevenue'" in form.problems_shown["title"]
    form.fields["owner"].widget.value = "Ann \ud800"
    assert form.save() is None
    assert "Contains a broken character" in form.problems_shown["owner"]
    assert "Not saved" in form.status.value
    assert versions(text_plan) == before
    form.fields["title"].widget.value = "Grow revenue in Zürich 🚀"
    form.fields["owner"].widget.value = "Zoë"
    assert form.save() is not None
    row = text_plan.read("objectives").set_index("objective_id").loc["F1"]
    assert (row["title"], row["owner"]) == ("Grow revenue in Zürich 🚀", "Zoë")

