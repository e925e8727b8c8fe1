"""bsc-widgets: Balanced Scorecard strategy work in Jupyter, from workshop to period review.

The public API, by theme (each name is imported when first used, so that importing the
package, or running ``bsc --help``, loads no data libraries):

- data model: ``TABLES``, ``SCHEMA_VERSION`` (:mod:`bsc_widgets.model.schema`)
- store: :class:`Store`, :class:`SaveResult` (:mod:`bsc_widgets.store`)
- validation: :func:`validate`, :func:`check_plan` (:mod:`bsc_widgets.model.rules`)
- errors: :class:`BscError` and its subclasses, :class:`Problem` (:mod:`bsc_widgets.errors`)
- scoring: :func:`score_review` and :class:`Review` (:mod:`bsc_widgets.scoring`; rules in docs/scoring.md)
- SMART checks: :func:`check_smart`, :func:`findings_for`, :class:`SmartConfig` (:mod:`bsc_widgets.smart`)

The package is layered (docs/architecture.md): ``model`` <- ``store`` <- ``scoring`` /
``smart`` <- ``render`` <- ``io`` <- ``reports`` <- ``forms`` / ``app`` <- ``cli``.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from .errors import (
    BscError,
    BscValidationError,
    ConflictError,
    InputError,
    NotAStoreError,
    PeriodClosedError,
    Problem,
    RecordExistsError,
    StoreBusyError,
    StoreCorruptError,
    StoreError,
    StoreVersionError,
    UnknownVersionError,
)
from .version import __version__

_LAZY = {
    "SCHEMA_VERSION": "model.schema",
    "TABLES": "model.schema",
    "Review": "scoring",
    "score_review": "scoring",
    "SmartConfig": "smart",
    "check_smart": "smart",
    "findings_for": "smart",
    "SaveResult": "store",
    "Store": "store",
    "check_plan": "model.rules",
    "validate": "model.rules",
}

# Grouped by theme in the module docstring; kept sorted here.
__all__ = [
    "SCHEMA_VERSION",
    "TABLES",
    "BscError",
    "BscValidationError",
    "ConflictError",
    "InputError",
    "NotAStoreError",
    "PeriodClosedError",
    "Problem",
    "RecordExistsError",
    "Review",
    "SaveResult",
    "SmartConfig",
    "Store",
    "StoreBusyError",
    "StoreCorruptError",
    "StoreError",
    "StoreVersionError",
    "UnknownVersionError",
    "__version__",
    "check_plan",
    "check_smart",
    "findings_for",
    "score_review",
    "validate",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(import_module(f".{_LAZY[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})
