"""The store: one folder (or object-store URI) of Delta Lake tables; saves, conflicts, history.

Imports :mod:`bsc_widgets.model` (and the base modules) only.  :class:`Store` is the one
way anything reads or writes a plan:

- :mod:`~.store`: :class:`Store` — create, open, read (now or as of a version or time),
  upsert, delete, undo, restore, history;
- :mod:`~.changes`: what a save changes, and its revision conflicts (pure);
- :mod:`~.layout`: partitions and the row-level writes that rewrite only them;
- :mod:`~.snapshots`: the tables as last read, refreshed by what changed;
- :mod:`~.lock`: the writer lock that makes saves take turns.
"""

from .changes import Key
from .layout import CHECKPOINT_INTERVAL, PARTITIONS, TABLE_CONFIGURATION
from .store import SAVE_TIMEOUT_S, SaveResult, Store

__all__ = ["CHECKPOINT_INTERVAL", "PARTITIONS", "SAVE_TIMEOUT_S", "TABLE_CONFIGURATION", "Key", "SaveResult",
           "Store"]
