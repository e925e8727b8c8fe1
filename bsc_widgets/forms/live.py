"""Live views: a step re-reads the store when someone else saves, without a reload.

:class:`StoreWatch` polls, in a daemon thread of the kernel, the store's version record
(``_bsc_versions.json``, rewritten by every commit: one ``stat`` per poll, nothing read) —
or, for a store on an object store, the tables' versions — and calls the step's refresh
when it changed.  In a kernel the refresh runs on the kernel's own event loop (where the
widgets' click handlers run), so it never interleaves with a participant's save.

:class:`LiveStep` is what every step that shows store data shares: :meth:`LiveStep.catch_up`
brings each of its record forms and grids up to date without wiping what is being typed
(:meth:`~bsc_widgets.forms.record_form.RecordForm.catch_up`,
:meth:`~bsc_widgets.forms.grid.RecordGrid.catch_up`), then redraws the step's views (map,
lists, charts).  :func:`follow` starts one watch per step page; the workshop starts it
for every step it opens in a kernel (Voila, JupyterLab), and the watch stops when the
kernel ends, when the step is opened again in the same kernel, or on :meth:`StoreWatch.stop`.
"""

from __future__ import annotations

import atexit
import sys
import threading
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..config import is_uri
from ..store import Store
from ..store.integrity import RECORD_FILE
from .grid import RecordGrid
from .record_form import RecordForm

if TYPE_CHECKING:
    import pandas as pd

    from .workshop import Workshop

POLL_S = 2.0
"""Seconds between two looks at the store (a change shows within about this long)."""


def kernel_loop() -> Any | None:
    """The event loop of the kernel this runs in (where widget handlers run); None outside a kernel."""
    if "IPython" not in sys.modules:
        return None
    shell = sys.modules["IPython"].get_ipython()
    return getattr(getattr(shell, "kernel", None), "io_loop", None)


class StoreWatch:
    """Calls ``refresh`` of ``view`` (re-reading the store) whenever another save changed the store.

    With ``loop`` (a Tornado IOLoop, e.g. :func:`kernel_loop`) the refresh is handed to that
    loop and runs in its thread; without, it runs in the watch's own thread.
    """

    def __init__(self, store: Store, view: Any, method: str = "refresh", *, interval: float = POLL_S,
                 loop: Any | None = None) -> None:
        self.store = store
        self.interval = interval
        self.loop = loop
        self._view = weakref.ref(view)
        self._method = method
        self._stopped = threading.Event()
        self._idle = threading.Event()  # no refresh waiting on the loop
        self._idle.set()
        self._seen = self._stamp()
        self.refreshes = 0
        """How many live refreshes ran."""
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
            if self._view() is None:
                return
            if not self._idle.is_set():  # the last refresh has not run yet: look again later
                continue
            try:
                stamp = self._stamp()
                if stamp == self._seen:
                    continue
                self._seen = stamp
                if self.loop is None:
                    self._refresh()
                else:
                    self._idle.clear()
                    self.loop.add_callback(self._refresh)
            except RuntimeError:  # the kernel's loop is closed: the page is gone
                self.stop()
            except Exception as error:
                self.errors.append(str(error))

    def _refresh(self) -> None:
        try:
            view = self._view()
            if view is None or self._stopped.is_set():
                return
            refresh: Callable[[], Any] = getattr(view, self._method)
            refresh()
            self.refreshes += 1
        except Exception as error:
            self.errors.append(str(error))
        finally:
            self._idle.set()

    def stamp(self) -> Any:
        """The store's state as the watch sees it (take it *before* reading the store, for :meth:`seen_now`)."""
        return self._stamp()

    def seen_now(self, stamp: Any = None) -> None:
        """Take the store as seen: as it was at ``stamp`` (when the view began reading it), else as it is now.

        A view that refreshed itself after its own save passes the stamp taken before it
        read the store, so that a save landing while it read is still shown at the next look.
        """
        self._seen = self._stamp() if stamp is None else stamp

    @property
    def running(self) -> bool:
        """True while the watch's thread is looking at the store."""
        return self._thread.is_alive() and not self._stopped.is_set()

    def stop(self) -> None:
        """Stop watching (the thread ends within one interval)."""
        self._stopped.set()


_FOLLOWING: dict[str, StoreWatch] = {}
"""The watch of each step page of this kernel (a step opened again replaces its watch)."""


def _stop_all() -> None:
    for watch in _FOLLOWING.values():
        watch.stop()


atexit.register(_stop_all)  # the kernel ends: no watch outlives it


def follow(view: Any, store: Store, name: str | None = None, *, method: str = "catch_up",
           interval: float = POLL_S, loop: Any | None = None) -> StoreWatch:
    """Start the one watch of page ``name`` (default: the view's class) calling ``view.<method>()`` on changes.

    A watch started earlier under the same name stops (a workbook cell run again).  In a
    kernel the calls run on the kernel's loop (:func:`kernel_loop`) unless ``loop`` is given.
    """
    name = name or type(view).__name__
    old = _FOLLOWING.pop(name, None)
    if old is not None:
        old.stop()
    watch = StoreWatch(store, view, method, interval=interval, loop=loop if loop is not None else kernel_loop())
    _FOLLOWING[name] = watch
    view.watch = watch
    return watch


class LiveStep:
    """A workshop step that follows saves made elsewhere (mixin of the steps).

    :meth:`catch_up` brings every :class:`RecordForm` and :class:`RecordGrid` the step holds
    up to date (typing kept; a changed record being edited shows the conflict panel), then
    calls :meth:`show_store` (default: the step's ``refresh(frames)``) to redraw its views.
    """

    workshop: Workshop
    watch: StoreWatch | None = None

    def parts(self) -> list[RecordForm | RecordGrid]:
        """The record forms and grids of the step (found among its attributes)."""
        return [part for part in vars(self).values() if isinstance(part, RecordForm | RecordGrid)]

    def catch_up(self) -> None:
        """Show what others saved: forms and grids first (nothing typed is lost), then the step's views."""
        for part in self.parts():
            part.catch_up()
        self.show_store(self.workshop.frames())

    def show_store(self, frames: dict[str, pd.DataFrame]) -> None:
        """Redraw the step's views from ``frames`` (map, lists, charts); by default the step's ``refresh``."""
        refresh = getattr(self, "refresh", None)
        if refresh is not None:
            refresh(frames)

    @property
    def follows(self) -> bool:
        """True when the step shows store data worth following (it has a scorecard)."""
        return self.workshop.scorecard_id is not None
