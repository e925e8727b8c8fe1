"""The store's writer lock: saves to one store take turns, so each sees the others' changes.

A save holds the lock while it reads the current state, checks the change and commits it
(tens of milliseconds), so concurrent saves never race: none is recomputed, none starves,
and a change that another change would make invalid (a KPI pointing at an objective
being removed) is checked against the state it really lands on.  The lock is an
``fcntl`` lock on ``_bsc_write.lock`` in the store folder; the file also says who holds it,
for the message when a save gives up waiting.  Object stores (``s3://…``) and systems
without ``fcntl`` have no lock: there the store's optimistic commits (retry on a lost race)
keep saves safe, but cross-table checks can race (docs/architecture.md).
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..config import is_uri
from ..errors import StoreBusyError, StoreError
from .native import plain_cause

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

LOCK_FILE = "_bsc_write.lock"
"""The lock file, in the store folder."""


class WriteLock:
    """Turn-taking between the writers of the store at ``location`` (any process on this file system)."""

    def __init__(self, location: str, timeout: float) -> None:
        self.location = location
        self.timeout = timeout
        self.path = None if is_uri(location) or fcntl is None else Path(location) / LOCK_FILE
        self._local = threading.local()

    @property
    def _held(self) -> int:
        return int(getattr(self._local, "held", 0))

    @_held.setter
    def _held(self, value: int) -> None:
        self._local.held = value

    @contextmanager
    def hold(self, what: str, user: str) -> Iterator[None]:
        """Hold the lock for the body (re-entrant within one thread; other threads and processes wait)."""
        if self.path is None or self._held:
            self._held += 1
            try:
                yield
            finally:
                self._held -= 1
            return
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o666)
        except OSError as exc:
            raise StoreError(f"cannot save to {self.location}: {plain_cause(exc)}. Nothing was saved. Fix: check "
                             "that the store folder exists and that you may write to it.") from exc
        try:
            self._acquire(fd)
            self._say_who(fd, what, user)
            self._held = 1
            try:
                yield
            finally:
                self._held = 0
                with contextlib.suppress(OSError):
                    os.ftruncate(fd, 0)
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)

    def _acquire(self, fd: int) -> None:
        deadline = time.monotonic() + self.timeout
        pause = 0.001
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise StoreBusyError(
                        f"could not save to {self.location}: {self._holder()} has been saving for more than "
                        f"{self.timeout:.0f} s. Nothing was saved. Fix: try again in a moment; if no one is "
                        "saving, a stuck program holds the store — end it.") from None
                time.sleep(random.uniform(0, pause))
                pause = min(pause * 2, 0.02)

    def _say_who(self, fd: int, what: str, user: str) -> None:
        try:  # only for the message of a writer that gives up waiting: a full disk must not stop the save here
            os.ftruncate(fd, 0)
            os.pwrite(fd, json.dumps({"pid": os.getpid(), "user": user, "what": what, "since": time.time()}).encode(),
                      0)
        except OSError:
            pass

    def _holder(self) -> str:
        assert self.path is not None
        try:
            info = json.loads(self.path.read_text(encoding="utf-8") or "{}")
        except (OSError, ValueError):
            info = {}
        if not info:
            return "another program"
        return f"{info.get('user', 'someone')} (process {info.get('pid')}, {info.get('what', 'a save')})"
