"""Shared fixtures: real stores on disk (no mocks)."""

from __future__ import annotations

from pathlib import Path

import pytest
from plans import make_plan

from bsc_widgets import Store


@pytest.fixture
def store(tmp_path: Path) -> Store:
    """An empty store in a temporary folder."""
    return Store.create(tmp_path / "store")


@pytest.fixture
def plan(store: Store) -> Store:
    """A store holding the small plan of :func:`make_plan`."""
    return make_plan(store)
