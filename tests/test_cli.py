"""The `bsc` command: help on every command, exit codes 0/1/2, messages instead of tracebacks."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result

from bsc_widgets import Store, __version__
from bsc_widgets.cli import COMMANDS, main
from bsc_widgets.model.schema import TABLES


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.fixture(scope="module")
def sample_store(tmp_path_factory: pytest.TempPathFactory) -> str:
    where = str(tmp_path_factory.mktemp("cli") / "store")
    result = run("init", where, "--sample")
    assert result.exit_code == 0, result.output
    assert "Loaded the sample organisation" in result.output and "31 kpis" in result.output
    return where


def test_version() -> None:
    result = run("--version")
    assert result.exit_code == 0 and __version__ in result.output


def test_installed_console_script() -> None:
    exe = shutil.which("bsc", path=str(Path(sys.executable).parent))
    assert exe, "the bsc console script is installed next to python"
    out = subprocess.run([exe, "--version"], capture_output=True, text=True, check=True).stdout
    assert out.strip() == f"bsc, version {__version__}"


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_command_has_help(command: str) -> None:
    result = run(command, "--help")
    assert result.exit_code == 0 and "Usage:" in result.output
    loaded = main.get_command(click.Context(main), command)
    assert loaded is not None
    summary = (loaded.help or "").splitlines()[0]
    assert summary and " ".join(summary.split()[:4]) in " ".join(result.output.split())


def test_validate_ok(sample_store: str) -> None:
    result = run("validate", "--store", sample_store)
    assert result.exit_code == 0 and result.output.startswith("OK:") and "31 kpis" in result.output


def test_validate_reports_problems_with_exit_1(tmp_path: Path) -> None:
    from deltalake import write_deltalake

    from bsc_widgets.model.coerce import coerce, to_arrow

    store = Store.create(tmp_path / "s")
    # A record written behind the store's back (e.g. by another tool) that breaks a rule.
    frame, _ = coerce(TABLES["scorecards"], [{"scorecard_id": "a", "name": "A", "parent_id": "ghost"}])
    write_deltalake(f"{store.location}/scorecards", to_arrow(TABLES["scorecards"], frame), mode="overwrite")
    result = run("validate", "--store", store.location)
    assert result.exit_code == 1
    assert "scorecards 'a', parent_id: names a parent scorecard that does not exist" in result.output


def test_not_a_store_is_exit_2_with_a_message(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["validate", "--store", str(tmp_path)])
    assert result.exit_code == 2
    assert "is not a bsc-widgets store" in result.output and "bsc init" in result.output
    assert "Traceback" not in result.output


def test_store_from_environment_variable(sample_store: str) -> None:
    result = CliRunner(env={"BSC_STORE": sample_store}).invoke(main, ["validate"])
    assert result.exit_code == 0


def test_unknown_table_is_a_usage_error(sample_store: str) -> None:
    result = CliRunner().invoke(main, ["history", "--store", sample_store, "budgets"])
    assert result.exit_code == 2 and "budgets" in result.output


def test_history_read_and_restore(sample_store: str, tmp_path: Path) -> None:
    where = str(tmp_path / "copy")
    shutil.copytree(sample_store, where)
    store = Store.open(where)
    objective = store.read("objectives").set_index("objective_id").loc["F1"]
    store.upsert("objectives", [{"objective_id": "F1", "scorecard_id": "org", "perspective_id": "financial",
                                 "title": "A title typed by mistake"}], user="ann")
    history = run("history", "--store", where, "objectives")
    assert history.exit_code == 0
    lines = history.output.splitlines()
    assert lines[0].split() == ["version", "time", "operation", "user", "records"]
    assert "upsert F1" in lines[1] and "ann" in lines[1] and "UTC" in lines[1]
    old = run("read", "--store", where, "objectives", "--version", "1", "--format", "csv")
    assert objective["title"] in old.output and "typed by mistake" not in old.output
    restored = run("restore", "--store", where, "objectives", "--version", "1")
    assert restored.exit_code == 0 and "version 3" in restored.output
    assert store.read("objectives").set_index("objective_id").loc["F1", "title"] == objective["title"]


def test_read_as_of_rejects_both_options(sample_store: str) -> None:
    result = CliRunner().invoke(main, ["read", "--store", sample_store, "kpis", "--version", "1",
                                       "--as-of", "2026-01-01"])
    assert result.exit_code == 2 and "either --version or --as-of" in result.output


def test_read_a_version_that_does_not_exist_is_a_usage_error_with_the_range(sample_store: str) -> None:
    result = CliRunner().invoke(main, ["read", "--store", sample_store, "kpis", "--version", "99"])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "has no version 99" in result.output and "pick a version from 0 to 1" in result.output
    assert "damaged" not in result.output
    result = CliRunner().invoke(main, ["restore", "--store", sample_store, "kpis", "--version", "999"])
    assert result.exit_code == 2 and "pick a version from 0 to 1" in result.output


def test_read_as_of_a_time_that_is_not_one_or_before_the_table_existed(sample_store: str) -> None:
    typo = CliRunner().invoke(main, ["read", "--store", sample_store, "kpis", "--as-of", "yesterday"])
    assert typo.exit_code == 2 and "'yesterday' is not a time" in typo.output and "YYYY-MM-DD" in typo.output
    assert "damaged" not in typo.output and "restore" not in typo.output
    early = CliRunner().invoke(main, ["read", "--store", sample_store, "kpis", "--as-of", "2020-01-01"])
    assert early.exit_code == 2 and "did not exist yet at 2020-01-01 23:59:59 UTC: it was created at" in early.output
    later = run("read", "--store", sample_store, "kpis", "--as-of", "2099-12-31T12:00Z", "--format", "csv")
    assert later.exit_code == 0 and later.output.count("\n") == 32


def test_restore_refuses_to_empty_a_table_unless_told_and_says_what_changed(sample_store: str,
                                                                            tmp_path: Path) -> None:
    where = str(tmp_path / "copy")
    shutil.copytree(sample_store, where)
    refused = CliRunner().invoke(main, ["restore", "--store", where, "kpis", "--version", "0"])
    assert refused.exit_code == 1 and "would remove all 31 record(s)" in refused.output and "--yes" in refused.output
    assert len(Store.open(where).read("kpis")) == 31
    emptied = run("restore", "--store", where, "kpis", "--version", "0", "--yes")
    assert emptied.exit_code == 0 and "31 removed" in emptied.output
    back = run("restore", "--store", where, "kpis", "--version", "1")
    assert "31 record(s) back, 0 changed, 0 removed" in back.output and len(Store.open(where).read("kpis")) == 31


def test_validate_summarises_many_problems_and_lists_the_first_twenty(sample_store: str, tmp_path: Path) -> None:
    where = str(tmp_path / "copy")
    shutil.copytree(sample_store, where)
    run("restore", "--store", where, "kpis", "--version", "0", "--yes")
    result = CliRunner().invoke(main, ["validate", "--store", where])
    lines = result.output.splitlines()
    total = int(lines[0].split()[0])
    assert result.exit_code == 1 and total > 1000
    assert "  targets: 884 (884 × names a record that does not exist)" in lines
    assert sum(line.startswith("  - ") for line in lines) == 20
    assert f"… and {total - 20} more" in result.output and "--all" in result.output
    every = CliRunner().invoke(main, ["validate", "--store", where, "--all"])
    assert sum(line.startswith("  - ") for line in every.output.splitlines()) == total


def test_show_prints_the_scorecards_top_down(sample_store: str) -> None:
    result = run("show", "--store", sample_store)
    assert result.exit_code == 0
    text = result.output
    assert text.index("[org]") < text.index("[cs]") and "Vision:" in text and "Financial" in text
    assert "latest 2026" in text and "Action plans" in text
    assert CliRunner().invoke(main, ["show", "--store", sample_store, "--scorecard", "nope"]).exit_code == 2


def test_schema_prints_every_table() -> None:
    result = run("schema")
    assert all(f"## {name}" in result.output for name in TABLES)


def test_init_refuses_an_existing_store(sample_store: str) -> None:
    result = CliRunner().invoke(main, ["init", sample_store])
    assert result.exit_code == 1 and "already holds a store" in result.output


def test_score_prints_the_engines_numbers(sample_store: str) -> None:
    from bsc_widgets.scoring import score_review

    review = score_review(Store.open(sample_store).read_all(), "2026Q3", scorecard="org")
    card = review.scorecards.iloc[0]
    result = run("score", "--store", sample_store, "--period", "2026Q3", "--scorecard", "org")
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0] == "Alder & Finch [org] — 2026Q3"
    assert lines[1].startswith(f"Score {card['score']:.2f} / 10 ({card['status']}), coverage {card['coverage']:.0%}")
    for row in review.kpis.itertuples():
        assert f"      {row.kpi_id}: " in result.output and f"{row.status}" in result.output


def test_score_csv_and_json(sample_store: str) -> None:
    import io
    import json

    import pandas as pd

    csv = run("score", "--store", sample_store, "--period", "2026Q2", "--period", "2026Q3", "--format", "csv")
    frame = pd.read_csv(io.StringIO(csv.output))
    assert set(frame["level"]) == {"scorecard", "perspective", "objective", "kpi"}
    assert set(frame["period"]) == {"2026Q2", "2026Q3"}
    assert len(frame[frame["level"] == "scorecard"]) == 4  # org and cs, two periods
    data = json.loads(run("score", "--store", sample_store, "--period", "2026Q3", "--format", "json").output)
    assert data["periods"] == ["2026Q3"] and {"kpis", "objectives", "perspectives", "scorecards"} <= set(data)
    assert all(isinstance(row["children"], int) for row in data["objectives"])


@pytest.mark.parametrize(("args", "message"), [
    (["--period", "2026Q9"], "'2026Q9' is not a period"),
    (["--period", "2026Q3", "--scorecard", "nope"], "unknown scorecard 'nope'"),
    (["--period", "2026Q3", "--period", "2026-09"], "same frequency"),
])
def test_score_bad_arguments_exit_2(sample_store: str, args: list[str], message: str) -> None:
    result = CliRunner().invoke(main, ["score", "--store", sample_store, *args])
    assert result.exit_code == 2 and message in result.output and "Traceback" not in result.output


def test_compact_dry_run_then_compact(sample_store: str, tmp_path: Path) -> None:
    where = str(tmp_path / "copy")
    shutil.copytree(sample_store, where)
    store = Store.open(where)
    for i in range(12):
        store.upsert("actuals", [{"kpi_id": "nps", "period": "2026Q3", "scorecard_id": "org", "value": 30.0 + i}])
    dry = run("compact", "--store", where, "--keep-days", "0", "--dry-run")
    assert dry.exit_code == 0 and dry.output.startswith("Dry run: compacting every table, keeping the history of")
    assert "actuals: would remove 12 file(s)" in dry.output and "MB to free" in dry.output
    assert len(store.read("actuals", version=1)) == len(store.read("actuals")), "the dry run removed nothing"
    done = run("compact", "--store", where, "--keep-days", "0")
    assert done.exit_code == 0 and "actuals: removed 12 file(s)" in done.output
    assert store.read("actuals").set_index(["kpi_id", "period"]).at[("nps", "2026Q3"), "value"] == 41.0
    gone = run("read", "--store", where, "actuals", "--version", "1")
    assert gone.exit_code == 2 and "the history kept starts at version" in gone.output


@pytest.mark.parametrize("command", ["workshop", "lab"])
@pytest.mark.parametrize("empty", [False, True], ids=["missing folder", "empty folder"])
def test_servers_refuse_a_store_that_does_not_exist_unless_told_to_create_it(
        command: str, empty: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BSC_STORE", raising=False)
    typo = tmp_path / "sampel-store"
    if empty:
        typo.mkdir()
    result = CliRunner().invoke(main, [command, "--store", str(typo), "--no-browser"])
    assert result.exit_code == 2, result.output
    said = " ".join(result.output.split())
    assert f"there is no store at {typo}" in said and "--create" in said and f"bsc init {typo} --sample" in said
    assert "Traceback" not in result.output
    assert not (typo / "store_info").exists(), "nothing was created"


def test_servers_create_a_new_store_when_told(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from bsc_widgets.cli import servers

    monkeypatch.delenv("BSC_STORE", raising=False)
    started: list[str | None] = []
    monkeypatch.setattr(servers, "_run", lambda command, what: started.append(command.store))  # do not exec Voila
    result = CliRunner().invoke(main, ["workshop", "--store", str(tmp_path / "new-plan"), "--create", "--no-browser"])
    assert result.exit_code == 0, result.output
    assert started == [str(tmp_path / "new-plan")]
    assert Store.open(tmp_path / "new-plan").read("scorecards").empty


def test_make_demo_rebuilds_its_own_store_but_never_one_a_workshop_changed(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parent.parent
    store = tmp_path / "out" / "demo-store"
    bin_dir = Path(sys.executable).parent

    def demo_store() -> subprocess.CompletedProcess[str]:
        return subprocess.run(["make", "-s", "-C", str(root), "demo-store", "STAMP=", f"BIN={bin_dir}",
                               f"DEMO_STORE={store}"], capture_output=True, text=True)

    first = demo_store()
    assert first.returncode == 0, first.stderr
    assert run("validate", "--store", str(store)).exit_code == 0  # reading it (validate, report) changes nothing
    assert demo_store().returncode == 0, "an unchanged demo store is rebuilt"
    Store.open(store).upsert("objectives", [{"objective_id": "F1", "title": "Agreed in the workshop"}])
    refused = demo_store()
    assert refused.returncode != 0 and f"{store} was changed after the demo wrote it" in refused.stderr
    assert "bsc init workshop-store --sample" in refused.stderr
    assert Store.open(store).read("objectives").set_index("objective_id").at["F1", "title"] == "Agreed in the workshop"
