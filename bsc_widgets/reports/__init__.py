"""Period review reports: the report's context and sections, the warm-kernel runner, batches, the index.

Imports :mod:`bsc_widgets.model`, :mod:`~bsc_widgets.store`, :mod:`~bsc_widgets.scoring`,
:mod:`~bsc_widgets.smart`, :mod:`~bsc_widgets.render` and :mod:`~bsc_widgets.io` (for the
embedded sample).

- :mod:`~.context`: :func:`open_review` — load, check and score what one report is about;
- :mod:`~.sections`: one function per section of the review template;
- :mod:`~.runner`: :class:`ReportRunner` runs the template in a warm kernel, exports HTML;
- :mod:`~.batch`: :func:`run_reports` in a process pool or on Dask;
- :mod:`~.pinning`: what a report read and its results file;
- :mod:`~.pdf`: reports printed to PDF by Chromium, and the briefing book;
- :mod:`~.index`: :func:`write_index` (from the results files).
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_EXPORTS = {
    "DEFAULT_TEMPLATE": "runner", "SHARED_PLOTLY_JS": "runner", "ReportJob": "runner", "ReportResult": "runner",
    "ReportRunner": "runner", "run_reports": "batch", "write_index": "index", "open_review": "context",
    "ReviewReport": "context",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(import_module(f".{_EXPORTS[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
