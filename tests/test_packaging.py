"""Project hygiene: dependency lists in step, README's two commands, CI calling them, docs current."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement

from bsc_widgets.schema import to_markdown

ROOT = Path(__file__).resolve().parent.parent


def _pyproject_requirements() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    reqs = project["dependencies"] + [r for extra in project["optional-dependencies"].values() for r in extra]
    return {Requirement(r).name.lower(): str(Requirement(r).specifier) for r in reqs}


def _conda_requirements() -> dict[str, str]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert env["channels"] == ["conda-forge"]
    out = {}
    for dep in env["dependencies"]:
        if isinstance(dep, dict) or dep.split("=")[0] in ("python", "pip"):
            continue
        req = Requirement(dep)
        out[req.name.lower()] = str(req.specifier)
    return out


def test_environment_yml_and_pyproject_list_the_same_dependencies() -> None:
    assert _conda_requirements() == _pyproject_requirements()


def test_readme_starts_with_the_two_commands() -> None:
    lines = [line for line in (ROOT / "README.md").read_text().splitlines() if line.strip()]
    commands = [line for line in lines[:8] if line.startswith(("make ", "    make ", "`make"))]
    assert lines[0].startswith("# ")
    assert re.search(r"make demo", "\n".join(lines[1:6])) and re.search(r"make test", "\n".join(lines[1:6])), commands


def test_ci_runs_the_readme_test_command() -> None:
    script = (ROOT / ".ci" / "run").read_text()
    assert re.search(r"^\s*make test\b", script, re.MULTILINE)


def test_data_model_docs_are_generated_from_the_schema() -> None:
    assert (ROOT / "docs" / "data-model.md").read_text() == to_markdown(), (
        "docs/data-model.md is stale: regenerate it with `bsc schema > docs/data-model.md`")


def test_wheel_ships_templates_and_workbooks() -> None:
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    assert setuptools["package-dir"] == {"bsc_widgets._shipped.templates": "templates",
                                         "bsc_widgets._shipped.workbooks": "workbooks"}
    assert set(setuptools["package-dir"]) <= set(setuptools["packages"])
    data = setuptools["package-data"]
    assert data["bsc_widgets._shipped.templates"] == ["**/*"] and data["bsc_widgets._shipped.workbooks"] == ["*.ipynb"]
    assert any((ROOT / "bsc_widgets" / "samples").glob("*/*.csv"))


def test_shipped_dir_prefers_the_copy_inside_the_package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from bsc_widgets import resources

    assert resources.shipped_dir("templates") == ROOT / "templates", "a checkout uses its own folders"
    (tmp_path / "templates").mkdir()
    monkeypatch.setattr(resources, "SHIPPED", tmp_path)
    assert resources.shipped_dir("templates") == tmp_path / "templates"
    assert resources.shipped_dir("workbooks") == ROOT / "workbooks"
