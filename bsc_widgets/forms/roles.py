"""What a page shows a member by role: buttons a role cannot use are disabled, with a note saying why.

This is for the eye only: the store refuses every change the role does not allow, also when
a button's click reaches the kernel without the button (see :mod:`bsc_widgets.model.permissions`).
"""

from __future__ import annotations

import html
from collections.abc import Iterable

import ipywidgets as widgets

from ..model.permissions import DECIDE_TEXT, PARTICIPANT_TEXT, VIEWER_TEXT, may_change, may_decide
from ..model.words import capitalised
from ..roster import VIEWER, session

NOTE_STYLE = "color:#5b6770"


def note(text: str) -> str:
    """A role note as HTML (grey, with a lock): what this member cannot do here and why."""
    return f"<span class='bsc-role-note' style='{NOTE_STYLE}'>🔒 {html.escape(capitalised(text))}</span>"


def table_note(table: str) -> str | None:
    """The note for a form of ``table`` when the member this page serves cannot change it (None: they can)."""
    member = session()
    if may_change(member, table):
        return None
    return VIEWER_TEXT if member is not None and member.role == VIEWER else PARTICIPANT_TEXT


def lock(table: str, buttons: Iterable[widgets.Button], status: widgets.HTML) -> bool:
    """Disable ``buttons`` and put the note in ``status`` when the member cannot change ``table``; True if locked."""
    text = table_note(table)
    if text is None:
        return False
    for button in buttons:
        button.disabled = True
    status.value = note(text)
    return True


def lock_decisions(buttons: Iterable[widgets.Button], status: widgets.HTML) -> bool:
    """Disable the facilitator's ``buttons`` (accept, reject) for everyone else, with the note; True if locked."""
    if may_decide(session()):
        return False
    for button in buttons:
        button.disabled = True
    status.value = note(DECIDE_TEXT)
    return True
