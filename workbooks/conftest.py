"""nbval runs the workbooks on a fresh copy of the embedded sample (never on a developer's own plan).

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

import pytest

_SAVED: dict[str, str | None] = {}
_TMP: list[str] = []


def pytest_configure(config: pytest.Config) -> None:
    from bsc_widgets import Store
    from bsc_widgets.samples import load_sample

    folder = tempfile.mkdtemp(prefix="bsc-workbooks-")
    _TMP.append(folder)
    load_sample(Store.create(os.path.join(folder, "store")))
    for name, value in (("BSC_STORE", os.path.join(folder, "store")), ("BSC_SCORECARD", "org")):
        _SAVED[name] = os.environ.get(name)
        os.environ[name] = value


def pytest_unconfigure(config: pytest.Config) -> None:
    for name, value in _SAVED.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
    for folder in _TMP:
        shutil.rmtree(folder, ignore_errors=True)
