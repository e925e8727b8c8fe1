"""KPI libraries: every library is complete and valid, and starts a scorecard from the package and `bsc init`."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from bsc_widgets import Store
from bsc_widgets.cli import main
from bsc_widgets.errors import InputError
from bsc_widgets.io.libraries import list_libraries, load_library, start_scorecard
from bsc_widgets.smart import check_smart

REQUIRED = {"company", "public-sector", "non-profit", "healthcare", "education", "saas"}


def test_the_required_libraries_are_listed_with_a_description() -> None:
    libraries = {lib.name: lib for lib in list_libraries()}
    assert set(libraries) >= REQUIRED
    for lib in libraries.values():
        assert lib.description and "\n" not in lib.description and lib.objectives >= 8 and lib.kpis >= 16


@pytest.mark.parametrize("name", sorted(REQUIRED))
def test_library_is_complete_and_starts_a_valid_scorecard(name: str, tmp_path: Path) -> None:
    library = load_library(name)
    kpis, objectives = library.tables["kpis"], library.tables["objectives"]
    for column in ("definition", "unit", "polarity", "frequency", "aggregation", "name"):
        assert kpis[column].notna().all() and (kpis[column].astype(str).str.len() > 0).all(), column
    assert set(objectives["perspective_id"]) == set(library.tables["perspectives"]["perspective_id"])
    assert set(kpis["objective_id"]) == set(objectives["objective_id"])  # every objective is measured
    store = Store.create(tmp_path / "s")
    start_scorecard(store, name, scorecard_id="acme", horizon_start="2026Q1", horizon_end="2028Q4")
    assert store.validate() == []
    # SMART: only what the organisation must add (targets, owners) is missing, nothing in the library itself.
    findings = check_smart(store.read_all(), "acme")
    left = findings[~findings["message"].str.contains("target|owner")]
    assert left.empty, left["message"].tolist()


def test_start_scorecard_refuses_used_ids_unless_prefixed(tmp_path: Path) -> None:
    store = Store.create(tmp_path / "s")
    start_scorecard(store, "company")
    with pytest.raises(InputError, match="scorecard 'org' already exists"):
        start_scorecard(store, "saas")
    with pytest.raises(InputError, match="already exist in"):
        start_scorecard(store, "saas", scorecard_id="sw")
    results = start_scorecard(store, "saas", scorecard_id="sw", id_prefix="sw-", name="Software unit")
    assert sum(r.inserted for r in results) > 0
    assert "sw-F1" in set(store.read("objectives")["objective_id"])
    assert store.read("scorecards").set_index("scorecard_id").loc["sw", "name"] == "Software unit"
    assert store.validate() == []


def test_a_broken_library_file_is_an_input_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('title = "x"\ndescription = "y"\nperspectives = []\nobjectives = []\nlinks = []\n'
                   'kpis = [{kpi_id = "a", colour = "red"}]\n', encoding="utf-8")
    with pytest.raises(InputError, match="unknown field"):
        load_library(bad)
    with pytest.raises(InputError, match=r"no KPI library 'nope'.*company"):
        load_library("nope")


def test_bsc_init_with_a_template(tmp_path: Path) -> None:
    run = CliRunner().invoke
    result = run(main, ["init", str(tmp_path / "s"), "--template", "healthcare", "--scorecard", "clinic",
                        "--name", "St Mary's Clinic"])
    assert result.exit_code == 0, result.output
    assert "Started scorecard 'clinic' from KPI library healthcare" in result.output and "16 kpis" in result.output
    cards = Store.open(tmp_path / "s").read("scorecards")
    assert cards["name"].tolist() == ["St Mary's Clinic"]
    result = run(main, ["init", str(tmp_path / "t"), "--template", "nope"])
    assert result.exit_code == 2 and "no KPI library 'nope'" in result.output
    assert not (tmp_path / "t").exists()
    result = run(main, ["templates"])
    assert result.exit_code == 0 and all(name in result.output for name in REQUIRED)
