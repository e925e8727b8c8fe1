"""bsc-widgets: Balanced Scorecard strategy work in Jupyter, from workshop to period review.

The public API, by theme:

- data model: :mod:`bsc_widgets.schema` (``TABLES``, ``SCHEMA_VERSION``)
- store: :class:`Store`, :class:`SaveResult`
- validation: :func:`validate`, :func:`check_plan`
- errors: :class:`BscError` and its subclasses
- scoring: :func:`score_review` and :class:`Review` (rules in docs/scoring.md)
- SMART checks: :func:`check_smart`, :func:`findings_for`, :class:`SmartConfig`
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("bsc-widgets")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0.0.0+unknown"

from .errors import (
    BscError,
    BscValidationError,
    ConflictError,
    InputError,
    NotAStoreError,
    Problem,
    StoreBusyError,
    StoreCorruptError,
    StoreError,
    StoreVersionError,
)
from .review import Review, score_review
from .schema import SCHEMA_VERSION, TABLES
from .smart import SmartConfig, check_smart, findings_for
from .store import SaveResult, Store
from .validation import check_plan, validate

# Grouped by theme in the module docstring; kept sorted here.
__all__ = [
    "SCHEMA_VERSION",
    "TABLES",
    "BscError",
    "BscValidationError",
    "ConflictError",
    "InputError",
    "NotAStoreError",
    "Problem",
    "Review",
    "SaveResult",
    "SmartConfig",
    "Store",
    "StoreBusyError",
    "StoreCorruptError",
    "StoreError",
    "StoreVersionError",
    "check_plan",
    "check_smart",
    "findings_for",
    "score_review",
    "validate",
]
