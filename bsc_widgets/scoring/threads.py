"""Run independent numpy / Arrow work on several cores: their kernels release the GIL, so threads suffice.

The scoring engine splits its work into independent parts (KPIs of one frequency, in
chunks; columns of a result frame) and maps them over a small, shared thread pool.  With
one core, or one part, the work runs in the calling thread.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from functools import lru_cache
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")

WORKERS = max(1, min(4, os.cpu_count() or 1))
"""Threads used: the machine's cores, at most 4 (the parts are few and large)."""


@lru_cache(maxsize=4)
def _pool(pid: int) -> ThreadPoolExecutor:
    """The pool of this process (a forked child, e.g. a report worker, has none of its parent's threads)."""
    return ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix=f"bsc-scoring-{pid}")


def map_parts(func: Callable[[T], R], parts: Iterable[T]) -> list[R]:
    """``[func(p) for p in parts]``, the parts run side by side when there are several and more than one core."""
    items = list(parts)
    if WORKERS == 1 or len(items) < 2:
        return [func(p) for p in items]
    return list(_pool(os.getpid()).map(func, items))


def start(func: Callable[[], R]) -> Future[R]:
    """Run ``func`` on the pool while the caller goes on (at once, in this thread, with one core).

    ``.result()`` waits for it.  ``func`` must not itself wait for the pool (it could wait for itself).
    """
    if WORKERS == 1:
        done: Future[R] = Future()
        done.set_result(func())
        return done
    return _pool(os.getpid()).submit(func)
