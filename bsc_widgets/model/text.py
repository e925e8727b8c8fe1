"""What text the store accepts: no control characters, no broken characters, at most so many characters.

The one rule for every text value of every table (ids, names, titles, owners, units,
descriptions, notes, comments …).  :func:`bsc_widgets.model.coerce.coerce` applies it to
every save — forms, imports, the API and the command line — so text that a terminal, a
workbook or a browser would misread never reaches the store:

- **control characters** are refused: U+0000–U+001F except tab, line feed and carriage
  return (null, bell, the escape that starts terminal colour codes, …), U+007F (delete)
  and U+0080–U+009F (the C1 controls, one of which is another terminal escape);
  spreadsheet files cannot hold most of them;
- **broken characters** are refused: a lone surrogate (half of a UTF-16 pair,
  U+D800–U+DFFF, what a file or clipboard read with the wrong encoding leaves behind)
  and the non-characters U+FFFE and U+FFFF; none of them can be written as UTF-8;
- **length**: every text column has a maximum number of characters
  (:attr:`~bsc_widgets.model.schema.Column.max_length`, listed in docs/data-model.md),
  counted after leading and trailing spaces are removed.

Everything else is kept as typed: accents, emoji, every script, tabs and line breaks.
:func:`visible` writes a refused value so that a message can show it anywhere.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from .words import number

REFUSED = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
"""Characters no stored text may hold (see the module's docstring)."""

_NAMES = {0x00: "null", 0x07: "bell", 0x08: "backspace", 0x0B: "vertical tab", 0x0C: "form feed",
          0x1B: "escape, which starts terminal colour codes", 0x7F: "delete",
          0x9B: "control sequence introducer, a terminal escape"}
SHOWN = 60
"""How many characters of a refused value a message shows."""


class TextProblem(NamedTuple):
    """What is wrong with a text value: a problem code, a message and a fix (plain words)."""

    code: str
    message: str
    fix: str


def _broken(char: str) -> bool:
    return "\ud800" <= char <= "\udfff" or char in "\ufffe\uffff"


def describe(char: str) -> str:
    """A refused character in words, e.g. ``U+001B (escape, which starts terminal colour codes)``."""
    code = f"U+{ord(char):04X}"
    if "\ud800" <= char <= "\udfff":
        return f"{code}, half of a character pair (a lone surrogate)"
    if char in "\ufffe\uffff":
        return f"{code}, which is not a character"
    name = _NAMES.get(ord(char))
    return f"{code} ({name})" if name else code


def text_problem(text: str, max_length: int | None) -> TextProblem | None:
    """What is wrong with ``text`` (already stripped) for a column of at most ``max_length`` characters."""
    found = REFUSED.search(text)
    if found is not None:
        char = found.group()
        if _broken(char):
            return TextProblem("broken_character", f"contains a broken character: {describe(char)}",
                               "retype the text: it was probably pasted from a file or program that used "
                               "another text encoding")
        return TextProblem("control_character", f"contains a control character: {describe(char)}",
                           "remove it: retype the text, or paste it as plain text")
    if max_length is not None and len(text) > max_length:
        return TextProblem("too_long", f"is {number(len(text), 0)} characters long; at most "
                           f"{number(max_length, 0)} are allowed",
                           f"shorten it to {number(max_length, 0)} characters or fewer")
    return None


def _picture(found: re.Match[str]) -> str:
    code = ord(found.group())
    if code < 0x20:
        return chr(0x2400 + code)  # the control pictures: ␀ (null), ␇ (bell), ␛ (escape) …
    return "\u2421" if code == 0x7F else "\ufffd"  # ␡ (delete); � for the other controls and broken characters


def visible(text: str, limit: int = SHOWN) -> str:
    """``text`` safe to show anywhere (a terminal, a page, a workbook): refused characters drawn as
    their pictures (``␀``, ``␇``, ``␛``; ``�`` for the rest) and text longer than ``limit`` cut, with its
    length: ``'xxxx… (1,000,000 characters)'``."""
    shown = text if len(text) <= limit else f"{text[:limit]}… ({number(len(text), 0)} characters)"
    return REFUSED.sub(_picture, shown)
