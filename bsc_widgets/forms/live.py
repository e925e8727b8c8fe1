"""Live views: a step re-reads the store when someone else saves, without a reload.

:class:`StoreWatch` polls, in a daemon thread of the kernel, the store's version record
(``_bsc_versions.json``, rewritten by every commit: one ``stat`` per poll, nothing read) —
or, for a store on an object store, the tables' versions — and calls the step's refresh
when it changed. Refreshes only replace what the store holds (options, lists, charts);
views keep what a participant is typing (see each step's ``refresh``). The watch holds
its view weakly and stops when the view is gone or :meth:`StoreWatch.stop` is called.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..config import is_uri
from ..store import Store
from ..store.integrity import RECORD_FILE

POLL_S = 2.0
"""Seconds between two looks at the store (a change shows within about this long)."""


class StoreWatch:
    """Calls ``refresh`` of ``view`` (re-reading the store) whenever another save changed the store."""

    def __init__(self, store: Store, view: Any, method: str = "refresh", *, interval: float = POLL_S) -> None:
        self.store = store
        self.interval = interval
        self._view = weakref.ref(view)
        self._method = method
        self._stopped = threading.Event()
        self._seen = self._stamp()
        self.errors: list[str] = []
        """Messages of refreshes that failed (the watch keeps going; the view shows its own message)."""
        self._thread = threading.Thread(target=self._run, name="bsc-store-watch", daemon=True)
        self._thread.start()

    def _stamp(self) -> Any:
        """What changes when anything is saved: the version record's time and size, or the tables' versions."""
        if is_uri(self.store.location):
            return tuple(sorted(self.store.versions().items()))
        try:
            stat = (Path(self.store.location) / RECORD_FILE).stat()
        except OSError:
            return None
        return (stat.st_mtime_ns, stat.st_size)

    def _run(self) -> None:
        while not self._stopped.wait(self.interval):
            view = self._view()
            if view is None:
                return
            try:
                stamp = self._stamp()
                if stamp == self._seen:
                    continue
                self._seen = stamp
                refresh: Callable[[], Any] = getattr(view, self._method)
                refresh()
            except Exception as error:
                self.errors.append(str(error))
            finally:
                del view

    def seen_now(self) -> None:
        """Take the store as it is now as seen (after the view's own save refreshed it)."""
        self._seen = self._stamp()

    def stop(self) -> None:
        """Stop watching (the thread ends within one interval)."""
        self._stopped.set()
