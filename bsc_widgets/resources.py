"""Where the project's shipped folders are (``templates/`` and ``workbooks/``), and its vendored plotly.js.

In a source checkout (and an editable install, as the README sets up) they sit next to
the package; a wheel carries copies inside the package, as ``bsc_widgets/_shipped/<name>``.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
SHIPPED = PACKAGE / "_shipped"
CHECKOUT = PACKAGE.parent
PLOTLY_BASIC = PACKAGE / "render" / "assets" / "plotly-basic.min.js"
"""plotly.js's basic bundle, vendored (:mod:`bsc_widgets.render.plotly_bundle`): reports embed it, the workshop
app serves it to its pages."""


def shipped_dir(name: str) -> Path:
    """The folder ``name`` (``"templates"`` or ``"workbooks"``) of this installation."""
    packaged = SHIPPED / name
    return packaged if packaged.is_dir() else CHECKOUT / name
