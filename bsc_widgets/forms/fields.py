"""One input per column of the data model, with its plain-words message next to it.

The widget kind follows the column's kind in :mod:`bsc_widgets.model.schema`: text boxes for
ids, text, periods and numbers (so that anything typed stays visible and can be
explained), text areas for long text (:attr:`~bsc_widgets.model.schema.Column.long_text`),
drop-downs for choices and references, date pickers for dates.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Sequence
from typing import Any

import ipywidgets as widgets
import pandas as pd

from ..model.periods import FREQUENCIES
from ..model.schema import Column
from ..model.values import is_missing, plain
from ..model.words import MISSING, capitalised
from .display import message

LABEL_WIDTH = "150px"

Options = Sequence[tuple[str, Any]]


def label_for(column: Column) -> str:
    """A field label in plain words: the column's :attr:`~bsc_widgets.model.schema.Column.label`."""
    return capitalised(column.label)


def help_text(doc: str) -> str:
    """A column's description for people: references to documentation files become their names in words.

    ``(docs/scoring.md, Status)`` reads ``(the scoring guide, Status)``: a participant cannot open a file path.
    """
    return re.sub(r"docs/([\w-]+)\.md", lambda m: f"the {m.group(1).replace('-', ' ')} guide", doc)


def replace_options(dropdown: widgets.Dropdown, options: Options, value: Any) -> None:
    """Offer ``options`` and select ``value`` (one of them), telling observers only if the value changes.

    Setting a drop-down's options selects its first option on its own (ipywidgets), which
    makes every observer run twice — once for the first option, once for the value put
    back — and would let a live refresh redraw what a participant is typing.  Here the
    options are swapped as ipywidgets does while a widget is being built, then the index
    of ``value`` is set.
    """
    options = list(options)
    values = [v for _, v in options]
    if list(dropdown.options) == options and dropdown.value == value:
        return
    dropdown._initializing_traits_ = True  # ipywidgets' own flag: do not select the first option
    try:
        dropdown.options = options
    finally:
        dropdown._initializing_traits_ = False
    dropdown.index = values.index(value) if value in values else (0 if values else None)


class Field:
    """An input for one column, with a message area for what is wrong with it."""

    def __init__(self, column: Column, options: Options | None = None, label: str | None = None) -> None:
        self.column = column
        self.name = column.name
        self.widget = self._make(column, options)
        self.widget.layout = widgets.Layout(width="560px" if column.long_text else "420px")
        self.widget.tooltip = help_text(column.doc)
        self.shown: tuple[Any, Any] | None = None  # (what the input showed, the stored value it stands for)
        self.label_text = label or label_for(column)
        """The field's label, as shown next to it."""
        self.label = widgets.HTML(f"<b>{html.escape(self.label_text)}</b>"
                                  + (" *" if column.required else ""),
                                  layout=widgets.Layout(width=LABEL_WIDTH))
        self.message = widgets.HTML("", layout=widgets.Layout(width="auto"))
        self.messages: list[str] = []
        self.help = widgets.HTML(f"<span style='color:#666;font-size:90%'>{html.escape(help_text(column.doc))}</span>")
        self.box = widgets.VBox([widgets.HBox([self.label, self.widget, self.message]),
                                 widgets.HBox([widgets.HTML(layout=widgets.Layout(width=LABEL_WIDTH)), self.help])])
        self.box.add_class(f"bsc-field-{column.name}")  # stable hooks for browser tests and custom styles
        self.message.add_class("bsc-field-message")

    @staticmethod
    def _make(column: Column, options: Options | None) -> widgets.ValueWidget:
        if options is not None or column.choices:
            choices = list(options) if options is not None else [(choice_label(c), c) for c in column.choices]
            if not column.required and all(value is not None for _, value in choices):
                choices = [(MISSING, None), *choices]
            return widgets.Dropdown(options=choices, value=choices[0][1] if choices else None)
        if column.kind == "date":
            return widgets.DatePicker()
        if column.long_text:
            return widgets.Textarea(rows=3)
        return widgets.Text(placeholder=_placeholder(column))

    def get(self) -> Any:
        """What the user entered (text as typed; None for an empty box).

        An input still showing what :meth:`set` put there gives back the stored value itself
        (a number shown rounded, ``6.67``, is saved as the ``6.666…`` it stands for).
        """
        value = self.widget.value
        if self.shown is not None and value == self.shown[0]:
            return self.shown[1]
        if isinstance(value, str) and not value.strip():
            return None
        return value

    def set(self, value: Any) -> None:
        """Show ``value`` (a stored value) in the input."""
        if isinstance(self.widget, widgets.Dropdown):
            known = [v for _, v in self.widget.options]
            if is_missing(value):
                value = None
            if value not in known:
                self.widget.options = [*self.widget.options, (str(value), value)]
            self.widget.value = value
        elif isinstance(self.widget, widgets.DatePicker):
            self.widget.value = None if is_missing(value) else pd.Timestamp(value).date()
        else:
            self.widget.value = "" if is_missing(value) else as_text(value)
        self.shown = (self.widget.value, None if is_missing(value) else value)

    def set_options(self, options: Options) -> None:
        """Replace a drop-down's options, keeping the current value when it is still offered."""
        if not isinstance(self.widget, widgets.Dropdown):
            return
        current = self.widget.value
        choices = list(options)
        if not self.column.required and all(value is not None for _, value in choices):
            choices = [(MISSING, None), *choices]
        values = [v for _, v in choices]
        replace_options(self.widget, choices, current if current in values else (values[0] if values else None))

    def show(self, messages: Sequence[str]) -> None:
        """Show what is wrong (an empty list clears the message)."""
        self.messages = list(messages)
        if messages:
            self.message.value = message("<br>".join(html.escape(m) for m in messages), ok=False, markup=True)
        else:
            self.message.value = ""

    @property
    def problem_text(self) -> str:
        """The message shown (plain text), empty when the field is fine."""
        return "\n".join(self.messages)


def _placeholder(column: Column) -> str:
    return {"period": "e.g. 2026Q1 or 2026-03", "float": "a number", "int": "a whole number",
            "timestamp": "2026-03-31T14:00:00Z"}.get(column.kind, "")


def choice_label(choice: str) -> str:
    """A choice as people read it: frequency codes in words (``Q`` -> ``Quarterly``), other choices as they are."""
    return FREQUENCIES[choice].capitalize() if choice in FREQUENCIES else choice


def as_text(value: Any) -> str:
    """A stored value as it is shown in (and could be typed into) a text box: ``1250``, ``6.67``, ``2026-03-31``."""
    value = plain(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, float):  # rounded as people write it; get() still gives back the stored value
        return f"{round(value, 2):.2f}".rstrip("0").rstrip(".") if abs(value) >= 1 else f"{value:.3g}"
    if isinstance(value, dt.date | pd.Timestamp):
        return value.isoformat()
    return str(value)
