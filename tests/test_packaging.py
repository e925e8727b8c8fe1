"""Project hygiene: dependency lists in step, README's two commands, CI calling them, docs current."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement

from bsc_widgets.model.schema import to_markdown

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


def test_wheel_ships_every_subpackage_templates_workbooks_and_the_sample(tmp_path: Path) -> None:
    """Build the real wheel (from a copy of the committed files), install it into a folder, and use it."""
    files = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                           capture_output=True, text=True, check=True).stdout.splitlines()
    source = tmp_path / "source"
    for name in files:
        if (ROOT / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, source / name)
    subprocess.run([sys.executable, "-m", "pip", "wheel", str(source), "--no-deps", "--quiet", "-w", str(tmp_path)],
                   check=True, capture_output=True, cwd=tmp_path)
    wheel = next(tmp_path.glob("bsc_widgets-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    packages = {p.parent.relative_to(ROOT).as_posix() for p in (ROOT / "bsc_widgets").rglob("__init__.py")}
    missing = sorted(f"{p}/__init__.py" for p in packages if f"{p}/__init__.py" not in names)
    assert not missing, f"subpackages left out of the wheel (add them to pyproject's packages): {missing}"
    for shipped in ("bsc_widgets/_shipped/templates/review.ipynb",
                    "bsc_widgets/_shipped/templates/nbconvert/bsc_report/index.html.j2",
                    "bsc_widgets/_shipped/workbooks/00-start-here.ipynb",
                    "bsc_widgets/io/samples/alder_finch/kpis.csv",
                    "bsc_widgets/render/assets/plotly-basic.min.js", "bsc_widgets/render/assets/plotly.js-LICENSE"):
        assert shipped in names, shipped
    assert any(n.startswith("bsc_widgets/_shipped/templates/kpi-libraries/") and n.endswith(".toml") for n in names)
    assert not any("conftest" in n for n in names), "test helpers stay out of the wheel"

    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--quiet", "--target", str(target),
                    str(wheel)], check=True, capture_output=True)
    probe = ("import sys; sys.path.insert(0, sys.argv[1]); import bsc_widgets.resources as r; "
             "from bsc_widgets.io.samples import sample_plan; "
             "from bsc_widgets.render.plotly_bundle import plotly_js; "
             "print(r.shipped_dir('templates')); print(r.shipped_dir('workbooks')); print(len(sample_plan()['kpis'])); "
             "print(len(plotly_js()))")
    out = subprocess.run([sys.executable, "-c", probe, str(target)], capture_output=True, text=True, check=True,
                         cwd=tmp_path).stdout.split()
    assert out[0] == str(target / "bsc_widgets" / "_shipped" / "templates")
    assert out[1] == str(target / "bsc_widgets" / "_shipped" / "workbooks")
    assert int(out[2]) == 31, "the sample organisation is readable from the installed wheel"
    assert int(out[3]) == len((ROOT / "bsc_widgets/render/assets/plotly-basic.min.js").read_text(encoding="utf-8")), (
        "the installed wheel's reports embed the vendored plotly.js")


def test_shipped_dir_prefers_the_copy_inside_the_package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from bsc_widgets import resources

    assert resources.shipped_dir("templates") == ROOT / "templates", "a checkout uses its own folders"
    (tmp_path / "templates").mkdir()
    monkeypatch.setattr(resources, "SHIPPED", tmp_path)
    assert resources.shipped_dir("templates") == tmp_path / "templates"
    assert resources.shipped_dir("workbooks") == ROOT / "workbooks"
