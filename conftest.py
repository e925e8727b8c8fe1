"""Shared by every test and by nbval's workbook runs: hypothesis profiles and the sample store.

- Hypothesis runs derandomized with bounded examples and no shrinking in CI (``CI=true``):
  the same examples every run, so a red build is reproducible and a green one is not luck,
  and a failure is reported at once (hypothesis can shrink for up to 5 minutes; run the
  test locally, where the ``dev`` profile shrinks, to get the smallest example).
- The embedded sample organisation is built into a store once per session
  (:func:`sample_template`, read-only); a test that changes data takes its own copy
  (:func:`sample_store`), which costs a file copy instead of a rebuild.
- nbval runs the workbooks on a fresh copy of the sample (never on a developer's own plan):
  when a workbook is collected, ``BSC_STORE`` and ``BSC_SCORECARD`` point at that copy.

The cells that show a form are tagged ``nbval-ignore-output``: nbval does not skip widget
outputs (it compares their text/plain repr, which holds the store path) and it sees
figures shown inside an ``ipywidgets.Output`` as outputs of the cell.  Those cells still
run, so a workbook that fails to build its form fails the test; the forms' behaviour is
tested headlessly in tests/test_forms.py.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, settings

settings.register_profile(
    "ci", derandomize=True, max_examples=60, deadline=None, print_blob=True, database=None,
    phases=(Phase.explicit, Phase.generate, Phase.target),
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("ci" if os.environ.get("CI", "").lower() == "true" else os.environ.get("BSC_HYPOTHESIS", "dev"))

_TEMPLATE: list[Path] = []
_CLEANUP: list[Path] = []
_SAVED_ENV: dict[str, str | None] = {}


def _build_template() -> Path:
    """The sample organisation in a store, built once per session (callers copy it; never write to it)."""
    if not _TEMPLATE:
        from bsc_widgets import Store
        from bsc_widgets.io.samples import load_sample

        folder = Path(tempfile.mkdtemp(prefix="bsc-sample-template-"))
        load_sample(Store.create(folder / "store"))
        _TEMPLATE.append(folder / "store")
    return _TEMPLATE[0]


def copy_sample(where: Path) -> Path:
    """A fresh copy of the sample store at ``where`` (a folder that does not exist yet)."""
    shutil.copytree(_build_template(), where)
    return where


@pytest.fixture(scope="session")
def sample_template() -> Path:
    """The sample store shared by the whole session: read it, never write to it."""
    return _build_template()


@pytest.fixture
def sample_store(tmp_path: Path) -> Iterator[Path]:
    """A private copy of the sample store for one test (to change as it likes)."""
    yield copy_sample(tmp_path / "sample-store")


def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    """When workbooks are collected for nbval, point their kernels at a fresh copy of the sample."""
    workbooks = Path(str(config.rootpath)) / "workbooks"
    if not any(Path(str(item.path)).parent == workbooks for item in items):
        return
    folder = Path(tempfile.mkdtemp(prefix="bsc-workbooks-"))
    _CLEANUP.append(folder)
    store = copy_sample(folder / "store")
    for name, value in (("BSC_STORE", str(store)), ("BSC_SCORECARD", "org")):
        _SAVED_ENV[name] = os.environ.get(name)
        os.environ[name] = value


def pytest_unconfigure(config: pytest.Config) -> None:
    for name, value in _SAVED_ENV.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
    for folder in [*(store.parent for store in _TEMPLATE), *_CLEANUP]:
        shutil.rmtree(folder, ignore_errors=True)
