"""What a form says when the store cannot save or read: one plain message next to the button, typed values kept.

Every form, grid and step button of the workshop saves and reads through the store. Errors
the forms explain themselves (a field's problem, a conflict, a taken id) are handled where
they happen; *everything else* — a full disk, a read-only or forbidden folder, a store busy
with another writer, a damaged table, an unexpected bug — comes here and becomes one
message: what happened, that nothing was saved and what was typed is kept, and what to do.

- :func:`failure_text` turns an error into that message (the store's own message when it
  has one: it already says what happened and how to fix it).
- :func:`guarded` wraps a button handler so that an error escaping it is shown in the
  handler's status widget instead of vanishing into the kernel's log (in the app,
  participants would see nothing at all).

In the app (:func:`~bsc_widgets.forms.mode.in_app`) a message never shows the server's
absolute store path, only the store's folder name.
"""

from __future__ import annotations

import errno
import functools
from collections.abc import Callable
from typing import Any, TypeVar

import ipywidgets as widgets

from ..errors import BscError, StoreBusyError, StoreCorruptError
from .display import message
from .mode import in_app, shown_location

KEPT = "Nothing was saved; what you typed is kept."
"""Said after every failed save: the form still shows every value typed."""

HEADS = {"save": "Not saved:", "remove": "Not removed:", "undo": "Not undone:", "read": "The store could not be read:"}
"""How a message starts, by what failed."""

T = TypeVar("T")


def _os_text(error: OSError) -> str:
    """An operating-system error in plain words."""
    if error.errno == errno.ENOSPC:
        return "the disk is full. Free some disk space, then save again"
    if error.errno == errno.EROFS:
        return "the disk is read-only. Ask the facilitator to make the store writable, then save again"
    if isinstance(error, PermissionError) or error.errno in (errno.EACCES, errno.EPERM):
        return ("the store's folder may not be written (permission denied). Ask the facilitator to check its "
                "permissions, then save again")
    reason = error.strerror or str(error) or type(error).__name__
    return f"the disk refused it ({reason}). Check the disk, then save again"


def failure_text(error: BaseException, location: str | None = None, *, doing: str = "save", lead: str = "") -> str:
    """``error`` as one plain message for people: what happened and what to do (no traceback, no raw repr).

    ``location`` is the store's folder: in the app it is replaced by the folder's name.
    ``doing`` names what failed ("save", "remove", "undo", "read"); ``lead`` goes first (e.g. "Saved, but").
    """
    head = lead or HEADS.get(doing, f"Could not {doing}:")
    if isinstance(error, StoreBusyError):
        text = f"the store is busy — {error}"
    elif isinstance(error, StoreCorruptError):
        text = f"a table of the store is damaged — {error}"
    elif isinstance(error, BscError):
        text = str(error)
    elif isinstance(error, OSError):
        text = f"{_os_text(error)}."
    else:
        first = str(error).strip().splitlines()[0] if str(error).strip() else ""
        text = (f"an unexpected error ({type(error).__name__}{': ' + first if first else ''}). Try again; if it "
                "happens again, tell the facilitator.")
    text = f"{head} {text}"
    if location and in_app():
        text = text.replace(location.rstrip("/"), shown_location(location))
    said = "Nothing was saved" in text or "previous version is intact" in text
    return f"{text.rstrip()} {'What you typed is kept.' if said or doing == 'read' else KEPT}"


def show_failure(status: widgets.HTML, error: BaseException, location: str | None = None, *,
                 doing: str = "save", lead: str = "") -> None:
    """Show :func:`failure_text` of ``error`` in ``status`` (red, with ⚠)."""
    status.value = message(failure_text(error, location, doing=doing, lead=lead), ok=False)


def guarded(status: widgets.HTML, location: Callable[[], str | None], *, doing: str = "save"
            ) -> Callable[[Callable[..., T]], Callable[..., T | None]]:
    """Decorate a button handler: any error escaping it is shown in ``status``; the handler returns None then.

    ``location`` gives the store's folder at the time of the error (the store can change in "Start here").
    """
    def decorate(handler: Callable[..., T]) -> Callable[..., T | None]:
        @functools.wraps(handler)
        def run(*args: Any, **kwargs: Any) -> T | None:
            try:
                return handler(*args, **kwargs)
            except Exception as error:  # every failure becomes a message; nothing typed is lost
                show_failure(status, error, location(), doing=doing)
                return None
        return run
    return decorate
