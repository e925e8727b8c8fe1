"""The guided workbooks: thin, parameterised, and executable top to bottom by papermill."""

from __future__ import annotations

import ast
import shutil
from pathlib import Path

import nbformat
import papermill as pm
import pytest

from bsc_widgets import SCHEMA_VERSION, Store
from bsc_widgets.forms.view import RUN_HINT

WORKBOOKS = sorted((Path(__file__).resolve().parent.parent / "workbooks").glob("*.ipynb"))
STEPS = ["00-start-here", "01-vision-and-mission", "02-objectives-and-strategy-map", "03-kpis-and-targets",
         "04-action-plans", "05-record-actuals", "06-review",
         "07-propose-vote-and-sign-off"]


def test_the_seven_steps_are_there_in_order() -> None:
    assert [p.stem for p in WORKBOOKS] == STEPS


@pytest.mark.parametrize("path", WORKBOOKS, ids=lambda p: p.stem)
def test_workbook_is_thin(path: Path) -> None:
    nb = nbformat.read(path, 4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    params = [c for c in code if "parameters" in c.metadata.get("tags", [])]
    assert len(params) == 1 and code[0] is params[0], "exactly one parameters cell, first"
    for cell in code:
        lines = [line for line in cell.source.splitlines() if line.strip() and not line.lstrip().startswith("#")]
        assert len(lines) <= 3, f"{path.name}: a workbook cell makes one or two calls:\n{cell.source}"
        for node in ast.walk(ast.parse(cell.source)):
            if isinstance(node, ast.ImportFrom):
                assert (node.module or "").startswith("bsc_widgets"), "logic lives in the package"
            assert not isinstance(node, ast.FunctionDef | ast.ClassDef | ast.For | ast.While), "no logic in cells"
    assert sum(c.cell_type == "markdown" for c in nb.cells) >= 1


@pytest.mark.parametrize("path", WORKBOOKS, ids=lambda p: p.stem)
def test_before_a_cell_runs_it_shows_one_line_not_a_widget_repr(path: Path) -> None:
    nb = nbformat.read(path, 4)
    forms = [c for c in nb.cells if c.cell_type == "code" and c.source.strip().endswith(".view()")]
    assert len(forms) == 1, "one cell opens the step's form"
    outputs = forms[0].get("outputs", [])
    assert outputs, "saved with its output: run the workbooks again after changing them"
    data = outputs[0]["data"]
    assert data["text/plain"] == RUN_HINT and "application/vnd.jupyter.widget-view+json" in data
    assert not any("VBox(" in str(o) or "Tab(children" in str(o) for c in nb.cells for o in c.get("outputs", []))


@pytest.mark.parametrize("path", WORKBOOKS, ids=lambda p: p.stem)
def test_workbook_text_speaks_of_the_app_and_names_no_files(path: Path) -> None:
    """The markdown is what the app shows: no JupyterLab menus, no file paths (those live in code comments)."""
    for cell in nbformat.read(path, 4).cells:
        if cell.cell_type == "markdown":
            assert "Run All" not in cell.source and "docs/" not in cell.source and ".md" not in cell.source


def test_no_test_helpers_next_to_the_workbooks() -> None:
    folder = WORKBOOKS[0].parent
    assert sorted(p.name for p in folder.iterdir() if p.suffix != ".ipynb" and not p.name.startswith(".")
                  and p.name != "workshop-store") == []


def _run(path: Path, out: Path, store: Path) -> nbformat.NotebookNode:
    pm.execute_notebook(str(path), str(out / path.name), parameters={"store": str(store), "scorecard": ""},
                        cwd=str(out), kernel_name="python3", progress_bar=False, log_output=False,
                        execution_timeout=180)
    return nbformat.read(out / path.name, 4)


@pytest.mark.slow
@pytest.mark.parametrize("with_sample", [True, False], ids=["sample store", "fresh empty store"])
def test_papermill_runs_every_workbook_top_to_bottom(tmp_path: Path, with_sample: bool, sample_template: Path) -> None:
    store = tmp_path / "store"
    if with_sample:
        shutil.copytree(sample_template, store)
    for path in WORKBOOKS:
        nb = _run(path, tmp_path, store)
        errors = [o for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
        assert not errors, f"{path.name}: {errors}"
        widgets = [o for c in nb.cells for o in c.get("outputs", [])
                   if "application/vnd.jupyter.widget-view+json" in o.get("data", {})]
        assert widgets, f"{path.name} shows its form"
    assert Store.open(store).schema_version == SCHEMA_VERSION
