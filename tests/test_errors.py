"""Errors: every class survives pickling with its fields, and a Problem is read by its code and key."""

from __future__ import annotations

import multiprocessing
import pickle
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pandas as pd
import pytest

from bsc_widgets import errors
from bsc_widgets.errors import (
    PROBLEM_CODES,
    BscError,
    BscValidationError,
    ConflictError,
    InputError,
    Problem,
    RecordExistsError,
    StoreBusyError,
)
from bsc_widgets.io.files import Location
from bsc_widgets.io.outcome import BscImportError, ImportProblem, ImportReport


def _all_subclasses(cls: type) -> set[type]:
    found = set(cls.__subclasses__())
    return found | {sub for c in found for sub in _all_subclasses(c)}


PROBLEM = Problem("targets", ("rev", "2026Q1"), "red_flag", 5.0, "equals the target (5)",
                  "set the red flag below the target", "red_flag_equals_target")


def _report() -> ImportReport:
    problem = ImportProblem(Location("a.csv", line=3, column="value"), "ten", "is not a number", "enter a number")
    return ImportReport("a.csv", "actuals", "long", None, [problem], pd.DataFrame({"change": ["new"]}), pd.DataFrame())


def examples() -> list[BscError]:
    """One error of every class the package defines, with its fields filled."""
    import bsc_widgets.io.outcome  # noqa: F401  (registers BscImportError as a subclass)

    made: list[BscError] = [
        BscValidationError([PROBLEM]),
        ConflictError("objectives", "C1", {"title": "Theirs", "revision": 3}, {"title": "Mine"}, 2, 3, ("C1",)),
        RecordExistsError("objectives", "C1", {"title": "Theirs", "saved_by": "ann"}, {"title": "Mine"}, 0, 1, ("C1",)),
        BscImportError(_report()),
    ]
    covered = {type(e) for e in made}
    for cls in sorted(_all_subclasses(BscError) - covered, key=lambda c: c.__name__):
        made.append(cls(f"{cls.__name__}: something went wrong. Fix: do it right."))
    return made


@pytest.mark.parametrize("error", examples(), ids=lambda e: type(e).__name__)
def test_every_error_pickles_with_its_fields(error: BscError) -> None:
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is type(error) and str(copy) == str(error)
    assert vars(copy).keys() == vars(error).keys()
    for name, value in vars(error).items():
        if isinstance(value, ImportReport):
            assert copy.report.problems == value.problems and copy.report.changes.equals(value.changes)
        else:
            assert getattr(copy, name) == value, name


def test_every_error_class_is_covered() -> None:
    import bsc_widgets.io.outcome  # noqa: F401

    assert {type(e) for e in examples()} == _all_subclasses(BscError)
    assert {InputError, StoreBusyError, BscImportError} <= _all_subclasses(BscError)


def _raise_conflict(location: str) -> None:
    raise ConflictError("objectives", "C1", {"title": "Theirs"}, {"title": "Mine"}, 1, 2, ("C1",))


def test_a_conflict_raised_in_a_worker_process_reaches_the_caller_whole(tmp_path: Path) -> None:
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool, \
            pytest.raises(ConflictError) as caught:
        pool.submit(_raise_conflict, str(tmp_path)).result()
    assert (caught.value.table, caught.value.key, caught.value.theirs) == ("objectives", ("C1",), {"title": "Theirs"})
    assert (caught.value.expected_revision, caught.value.actual_revision) == (1, 2)


def test_problems_have_a_known_code_and_a_key_tuple() -> None:
    assert PROBLEM.record == "rev/2026Q1" and PROBLEM.key == ("rev", "2026Q1")
    assert "red flag equal to the target" in PROBLEM_CODES[PROBLEM.code]
    with pytest.raises(ValueError, match="unknown problem code"):
        Problem("kpis", ("k",), "name", None, "is odd", "fix it", "odd")
    numbers = Problem("kpis", (3,), "weight", 2, "m", "f", "too_small")  # type: ignore[arg-type]
    assert numbers.key == ("3",), "key values are text, whatever the caller passed"


def test_the_problem_codes_the_model_uses_are_all_documented() -> None:
    import ast
    import inspect

    from bsc_widgets.model import bands, coerce, rules, text
    from bsc_widgets.scoring import gaps
    from bsc_widgets.store import store as delta

    used: set[str] = set()
    for module in (coerce, rules, text, bands, delta, gaps):
        for node in ast.walk(ast.parse(inspect.getsource(module))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in PROBLEM_CODES:
                used.add(node.value)
    assert used == set(PROBLEM_CODES), f"codes never produced: {set(PROBLEM_CODES) - used}"
    assert {"revision", "saved_at", "saved_by"} == errors.SYSTEM_FIELDS
