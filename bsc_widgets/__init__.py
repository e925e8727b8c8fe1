"""bsc-widgets: Balanced Scorecard strategy work in Jupyter, from workshop to period review.

The public API, by theme:

- data model: :mod:`bsc_widgets.schema` (``TABLES``, ``SCHEMA_VERSION``)
- store: :class:`Store`, :class:`SaveResult`
- validation: :func:`validate`, :func:`check_plan`
- errors: :class:`BscError` and its subclasses
- sample: :func:`load_sample`
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
    NotAStoreError,
    Problem,
    StoreBusyError,
    StoreCorruptError,
    StoreError,
    StoreVersionError,
)
from .schema import SCHEMA_VERSION, TABLES
from .store import SaveResult, Store
from .validation import check_plan, validate

__all__ = [
    # data model
    "SCHEMA_VERSION",
    "TABLES",
    # errors
    "BscError",
    "BscValidationError",
    "ConflictError",
    "NotAStoreError",
    "Problem",
    # store
    "SaveResult",
    "Store",
    "StoreBusyError",
    "StoreCorruptError",
    "StoreError",
    "StoreVersionError",
    # validation
    "check_plan",
    "validate",
]
