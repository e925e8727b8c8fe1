"""Shared fixtures: real stores on disk (no mocks)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from plans import make_plan

from bsc_widgets import Store
from bsc_widgets.forms.workshop import Workshop, open_workshop


@pytest.fixture
def store(tmp_path: Path) -> Store:
    """An empty store in a temporary folder."""
    return Store.create(tmp_path / "store")


@pytest.fixture
def plan(store: Store) -> Store:
    """A store holding the small plan of :func:`make_plan`."""
    return make_plan(store)


@pytest.fixture
def ws(sample_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Workshop:
    """A workshop on a fresh copy of the sample, run from a temporary folder (no saved choice, no BSC_* variables)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("BSC_STORE", raising=False)
    monkeypatch.delenv("BSC_SCORECARD", raising=False)
    shutil.copytree(sample_template, tmp_path / "store")
    return open_workshop(str(tmp_path / "store"), "org")
