"""Every hostile file of tests/hostile_files.py gets its exit code and message from `bsc import`, never a
traceback, and nothing is written to the store."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from hostile_files import CASES, Case, write_corpus
from plans import make_plan

from bsc_widgets import Store
from bsc_widgets.cli import main
from bsc_widgets.model.schema import PLAN_TABLES


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return {case.name: path for case, path in write_corpus(tmp_path_factory.mktemp("hostile"))}


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Store:
    """The plan with units and one actual (nothing here may change it)."""
    plan = make_plan(Store.create(tmp_path_factory.mktemp("hostile-store") / "store"))
    plan.upsert("kpis", [{**plan.read("kpis").set_index("kpi_id").loc["rev"].to_dict(), "kpi_id": "rev",
                          "unit": "EUR k"},
                         {**plan.read("kpis").set_index("kpi_id").loc["churn"].to_dict(), "kpi_id": "churn",
                          "unit": "%"}])
    plan.upsert("actuals", [{"kpi_id": "rev", "period": "2026-01", "scorecard_id": "org", "value": 100.0}])
    return plan


def test_the_corpus_is_large_and_every_name_is_unique() -> None:
    assert len(CASES) >= 40 and len({c.name for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_hostile_file_gets_its_message_and_changes_nothing(case: Case, corpus: dict[str, Path], shop: Store) -> None:
    versions = {name: shop.version(name) for name in PLAN_TABLES}
    result = CliRunner().invoke(main, ["import", "--store", shop.location, str(corpus[case.name]), *case.options])
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code == case.exit_code, result.output
    assert case.fragment in result.output
    assert {name: shop.version(name) for name in PLAN_TABLES} == versions
