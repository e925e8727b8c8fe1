"""What the native libraries (delta-rs, Arrow) say, made plain: short error texts, and no panics on screen.

delta-rs (Rust) prints a panic message and a backtrace on standard error when, for
example, the disk fills up mid-write — before Python sees the error, which the store then
turns into one plain message.  :func:`native_noise_held` holds what is printed on file
descriptor 2 during a write: after a successful write it is printed as it was; after a
failed one, the panic and backtrace lines are dropped and anything else is printed.
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

_NOISE = re.compile(r"^(thread '.*' .*panicked at .*|stack backtrace:|note: .*backtrace.*|\s+\d+: .*|\s+at .*|"
                    r"Already shut down|.*RUST_BACKTRACE.*)$")


@contextmanager
def native_noise_held() -> Iterator[None]:
    """Hold standard error (at the file-descriptor level) for the duration of the block; see the module docstring."""
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError, AttributeError):  # no standard error to hold
        yield
        return
    with tempfile.TemporaryFile() as held:
        os.dup2(held.fileno(), 2)
        failed = True
        try:
            yield
            failed = False
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            held.seek(0)
            text = held.read().decode("utf-8", errors="replace")
            if failed:
                text = "".join(line for line in text.splitlines(keepends=True) if not _NOISE.match(line.rstrip("\n")))
            if text:
                os.write(2, text.encode("utf-8"))


def first_line(exc: BaseException) -> str:
    """The first line of an error's text (library errors can be long), at most 300 characters."""
    text = str(exc).strip().splitlines()
    return text[0][:300] if text else type(exc).__name__


_CAUSES = (("No space left on device", "the disk is full"), ("Permission denied", "permission denied"),
           ("Read-only file system", "the disk is read-only"), ("Disk quota exceeded", "the disk quota is used up"))


def plain_cause(exc: BaseException) -> str:
    """What went wrong in plain words where we know the operating-system cause, else the error's first line."""
    text = str(exc)
    return next((f"{plain} ({cause})" for cause, plain in _CAUSES if cause in text), first_line(exc))
