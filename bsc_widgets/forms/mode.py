"""Where the forms run: the workshop app (Voila, for participants) or JupyterLab (the facilitator).

In the app the forms never show the server's absolute paths, cannot open or create stores
and do not change the server's saved default plan; their texts speak of the app, not of
notebooks.  The app is recognised by the environment Voila gives every kernel it starts
(also its preheated ones), or by ``BSC_APP=1``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path, PurePosixPath

from ..config import STORES_ROOT_ENV, is_uri

APP_ENV = "BSC_APP"
"""Set to 1 to make the forms behave as in the app (tests, other app servers)."""
VOILA_ENV = ("VOILA_BASE_URL", "VOILA_PREHEAT")
"""Variables Voila sets in the environment of every kernel it starts."""


def in_app(env: Mapping[str, str] | None = None) -> bool:
    """True when the forms run in the workshop app (Voila) rather than in JupyterLab or a script."""
    environment = os.environ if env is None else env
    flag = environment.get(APP_ENV, "").strip().lower()
    if flag in ("0", "false", "no"):
        return False
    return flag in ("1", "true", "yes") or any(name in environment for name in VOILA_ENV)


def shown_location(location: str) -> str:
    """How a store's location is shown to participants: its folder name only (``workshop-store``)."""
    text = location.rstrip("/\\")
    if is_uri(text):
        text = text.split("://", 1)[1]
    return PurePosixPath(text.replace("\\", "/")).name or text


def stores_root(env: Mapping[str, str] | None = None) -> Path | None:
    """The folder under which the facilitator may open or create stores in the app (None: not set)."""
    text = (os.environ if env is None else env).get(STORES_ROOT_ENV, "").strip()
    return Path(text).resolve() if text else None


def under_root(location: str, root: Path | None) -> Path | None:
    """``location`` as a folder inside ``root`` (a name typed relative to it, or a path under it); None otherwise."""
    if root is None or is_uri(location) or not location.strip():
        return None
    path = Path(location.strip()).expanduser()
    path = (root / path if not path.is_absolute() else path).resolve()
    return path if path != root and path.is_relative_to(root) else None


def relative_location(location: str, root: Path | None) -> str:
    """How the facilitator sees a store in the app: its path relative to the stores' folder (else its name)."""
    path = under_root(location, root)
    return path.relative_to(root).as_posix() if path is not None and root is not None else shown_location(location)
