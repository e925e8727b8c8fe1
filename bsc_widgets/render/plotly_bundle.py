"""The plotly.js the reports load: plotly's "basic" partial bundle, vendored with the package.

Every chart of a report is a ``scatter`` or ``bar`` trace (trend, Gantt, strategy map),
which plotly.js's basic bundle (scatter, bar, pie) draws; it is 1.2 MB instead of the
full bundle's 4.8 MB that the python plotly package carries.  The file is the minified
``plotly.js-basic-dist-min`` distribution from npm, of the plotly.js version the installed
plotly package expects (``plotly.offline.get_plotlyjs_version()``), with its MIT licence
(``assets/plotly.js-LICENSE``).  A self-contained report embeds it; ``--shared-plotly``
and the executed notebooks kept beside reports load one copy of it from the report folder.

Adding a chart with another trace type (heatmap, sankey, ...) needs the full bundle or a
larger partial one: :data:`TRACE_TYPES` lists what this one draws, and the tests check
that every chart uses only those.
"""

from __future__ import annotations

from functools import lru_cache

from ..resources import PLOTLY_BASIC

__all__ = ["BUNDLE", "LICENSE", "TRACE_TYPES", "VERSION", "plotly_js"]

BUNDLE = PLOTLY_BASIC
"""The vendored minified basic bundle."""
LICENSE = BUNDLE.with_name("plotly.js-LICENSE")
"""plotly.js's MIT licence, shipped next to it."""
VERSION = "4.1.1"
"""plotly.js version of :data:`BUNDLE` (its first comment says the same)."""
TRACE_TYPES = frozenset({"scatter", "bar", "pie"})
"""Trace types the basic bundle draws."""


@lru_cache(maxsize=1)
def plotly_js() -> str:
    """The source of the vendored plotly.js basic bundle (read once)."""
    return BUNDLE.read_text(encoding="utf-8")
