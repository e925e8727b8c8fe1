"""Real disks for fault tests: a tmpfs of a given size, made read-only on request (root), else plain folders."""

from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def tmpfs(where: Path, size: str) -> Iterator[bool]:
    """A real tmpfs at ``where`` when this process may mount one (yields True), else a plain folder (False)."""
    where.mkdir()
    mounted = os.geteuid() == 0 and subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs",
                                                   str(where)], capture_output=True).returncode == 0
    try:
        yield mounted
    finally:
        if mounted:
            subprocess.run(["umount", str(where)], check=False)


@contextlib.contextmanager
def read_only(where: Path, real: bool) -> Iterator[None]:
    """``where`` read-only for the body: the tmpfs remounted read-only (``real``), else file permissions."""
    if real:
        subprocess.run(["mount", "-o", "remount,ro", str(where)], check=True)
    else:
        for path in where.rglob("*"):
            path.chmod(path.stat().st_mode & 0o555)
    try:
        yield
    finally:
        if real:
            subprocess.run(["mount", "-o", "remount,rw", str(where)], check=True)
        else:
            for path in where.rglob("*"):
                path.chmod(path.stat().st_mode | 0o200)  # so that pytest can clean up
