"""Real-browser tests: Debian's Chromium driven by playwright against real servers on loopback.

Chromium is expected at /usr/bin/chromium (``BSC_CHROMIUM`` overrides the path).  Without
it the tests skip with how to install it; in CI (``CI=true``) they fail instead, so that
they never silently stop running there.  Every test saves screenshots in ``screenshots/``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "screenshots"
CHROMIUM = os.environ.get("BSC_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
INSTALL_HINT = ("install Debian's Chromium with `sudo apt-get update && sudo apt-get install -y chromium "
                "fonts-dejavu-core` (or set BSC_CHROMIUM to a Chromium binary) and the test extra with "
                "`.venv/bin/pip install -e '.[test]'`; playwright's own browser download is not needed")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test in this folder drives a browser: mark it so that `-m "not browser"` leaves them out."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.path)).parents:
            item.add_marker(pytest.mark.browser)


def _missing() -> str | None:
    if not Path(CHROMIUM).is_file():
        return f"Chromium not found at {CHROMIUM}"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed"
    return None


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One headless Chromium for the session (skips, or fails in CI, when it is not installed)."""
    problem = _missing()
    if problem:
        message = f"{problem}: {INSTALL_HINT}"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"browser tests must run in CI, but {message}")
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    """The folder the tests save their screenshots in (git-ignored)."""
    SCREENSHOTS.mkdir(exist_ok=True)
    return SCREENSHOTS


@pytest.fixture(scope="session")
def sample_store_template(sample_template: Path) -> Path:
    """The embedded sample organisation in a store (copied for each server)."""
    return sample_template
