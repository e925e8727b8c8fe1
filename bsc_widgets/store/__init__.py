"""The store: one folder (or object-store URI) of Delta Lake tables; saves, conflicts, history.

Imports :mod:`bsc_widgets.model` (and the base modules) only.  :class:`Store` is the one
way anything reads or writes a plan.
"""

from .delta import SAVE_TIMEOUT_S, TABLE_CONFIGURATION, Key, SaveResult, Store

__all__ = ["SAVE_TIMEOUT_S", "TABLE_CONFIGURATION", "Key", "SaveResult", "Store"]
