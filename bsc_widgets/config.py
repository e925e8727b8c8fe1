"""Which store, scorecard and user: one resolver used by the CLI, the forms and the servers.

Each setting is taken from the first of: the parameter given (a CLI option, a workbook's
parameters cell), in the workshop app the facilitator's choice for the running app
(``BSC_APP_CHOICE``), the environment (``BSC_STORE``, ``BSC_SCORECARD``, ``BSC_USER``), the
choice saved by the "Start here" workbook (``.bsc-workshop.json`` in the workbooks
folder), and a default (``workshop-store`` next to the workbooks; the top scorecard of
the store; the login name).

This module imports nothing from the package: every layer may use it.
"""

from __future__ import annotations

import getpass
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

CHOICE_FILE = ".bsc-workshop.json"
"""File (in the workbooks folder) where "Start here" saves the chosen store and scorecard."""
DEFAULT_STORE = "workshop-store"
"""Store folder (relative to the workbooks folder) when nothing else names one."""
STORE_ENV = "BSC_STORE"
SCORECARD_ENV = "BSC_SCORECARD"
USER_ENV = "BSC_USER"
APP_CHOICE_ENV = "BSC_APP_CHOICE"
"""File where the running workshop app keeps the store and scorecard the facilitator works on (set by
``bsc workshop``; the facilitator's choice in "Start here" changes it for every page opened after)."""
STORES_ROOT_ENV = "BSC_STORES_ROOT"
"""Folder under which the facilitator may open or create stores in the workshop app."""
FIGURES_ENV = "BSC_FIGURES"
"""How a page's kernel sends charts: ``script`` in the workshop app (``bsc workshop`` sets it: the page draws
them with the plotly.js basic bundle the app serves), otherwise JupyterLab's plotly renderer."""
PRIVATE_TEMP_ENV = "BSC_PRIVATE_TEMP"
"""The workshop app's private folder (roster of token hashes, the app's choice) when ``bsc workshop`` made it:
the server removes it when it stops."""


def is_uri(location: str) -> bool:
    """True for an object-store address such as ``s3://bucket/plan`` (not a local folder)."""
    return "://" in location


def _folder(folder: str | os.PathLike[str] | None) -> Path:
    return Path.cwd() if folder is None else Path(folder)


def saved_choice(folder: str | os.PathLike[str] | None = None) -> dict[str, Any]:
    """The choice saved by "Start here" in ``folder`` (default: the current folder); empty if none."""
    try:
        data = json.loads((_folder(folder) / CHOICE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def remember(store: str, scorecard: str | None, folder: str | os.PathLike[str] | None = None) -> None:
    """Save the "Start here" choice so that every workbook (and server) opens on the same plan."""
    (_folder(folder) / CHOICE_FILE).write_text(json.dumps({"store": store, "scorecard": scorecard}, indent=2) + "\n",
                                               encoding="utf-8")


def app_choice(env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The store and scorecard the running workshop app works on (empty outside the app, or when unreadable)."""
    path = _text((os.environ if env is None else env).get(APP_CHOICE_ENV))
    if path is None:
        return {}
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def remember_in_app(store: str, scorecard: str | None, env: Mapping[str, str] | None = None) -> bool:
    """Make ``store`` and ``scorecard`` what every page of the running app opens; False outside the app."""
    path = _text((os.environ if env is None else env).get(APP_CHOICE_ENV))
    if path is None:
        return False
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as out:
        json.dump({"store": store, "scorecard": scorecard}, out)
    return True


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def resolve_store(store: str | None = None, *, folder: str | os.PathLike[str] | None = None,
                  env: Mapping[str, str] | None = None) -> str:
    """Where the plan is kept: ``store``, else the app's choice, else ``BSC_STORE``, else the saved choice, else
    ``workshop-store``.

    Local folders come back absolute: a given or environment path relative to the current
    folder, a saved or default one relative to ``folder`` (the workbooks folder, where the
    workbooks' kernels run; default: the current folder).  URIs are returned unchanged.
    """
    environment = os.environ if env is None else env
    given = _text(store) or _text(app_choice(environment).get("store")) or _text(environment.get(STORE_ENV))
    if given:
        return given if is_uri(given) else str(Path(given).expanduser().resolve())
    location = _text(saved_choice(folder).get("store")) or DEFAULT_STORE
    return location if is_uri(location) else str((_folder(folder) / Path(location).expanduser()).resolve())


def resolve_scorecard(scorecard: str | None = None, *, folder: str | os.PathLike[str] | None = None,
                      env: Mapping[str, str] | None = None) -> str | None:
    """The scorecard to work on: ``scorecard``, else the app's choice, else ``BSC_SCORECARD``, else the saved choice.

    None means "the store's top scorecard" (:func:`bsc_widgets.model.plan.top_scorecard`).
    """
    environment = os.environ if env is None else env
    return (_text(scorecard) or _text(app_choice(environment).get("scorecard"))
            or _text(environment.get(SCORECARD_ENV))
            or _text(saved_choice(folder).get("scorecard")))


def current_user(user: str | None = None, env: Mapping[str, str] | None = None) -> str:
    """Who is saving: ``user``, else ``BSC_USER``, else the login name (``unknown`` when there is none)."""
    environment = os.environ if env is None else env
    chosen = _text(user) or _text(environment.get(USER_ENV))
    if chosen:
        return chosen
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"
