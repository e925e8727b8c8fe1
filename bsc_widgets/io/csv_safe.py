"""CSV cells a spreadsheet will not run as formulas, and the exact way back.

Text starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is run as a
formula by Excel and LibreOffice when they open a CSV file (CSV injection).  Following
OWASP's guidance, :func:`neutralise` puts a single quote in front of such text; so that
the importer can take it off again without touching text that merely starts with a quote,
text made of quotes followed by one of those characters gets one more quote too.
:func:`restore` removes exactly one leading quote from text that starts with quotes
followed by one of those characters, so ``restore(neutralise(t)) == t`` for every text.
"""

from __future__ import annotations

import re

import pandas as pd

FORMULA_STARTS = "=+-@\t\r"
"""Characters that make a spreadsheet read a CSV cell as a formula (OWASP's list)."""

_NEUTRALISED = re.compile("^'*[" + re.escape(FORMULA_STARTS) + "]")
_PROTECTED = re.compile("^'+[" + re.escape(FORMULA_STARTS) + "]")


def neutralise(text: str) -> str:
    """``text`` with a quote in front if a spreadsheet would run it (or if it is quotes before such text)."""
    return "'" + text if _NEUTRALISED.match(text) else text


def restore(text: str) -> str:
    """The text :func:`neutralise` was given: one leading quote removed where it added one."""
    return text[1:] if _PROTECTED.match(text) else text


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells are neutralised (numbers, dates and blanks as they were)."""
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column].dtype):
            out[column] = out[column].map(lambda v: neutralise(v) if isinstance(v, str) else v)
    return out
