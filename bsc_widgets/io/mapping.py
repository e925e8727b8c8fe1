"""How to read a file whose columns or number format differ from the defaults: the import mapping."""

from __future__ import annotations

import json
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import InputError


@dataclass(frozen=True)
class ImportMapping:
    """How to read a file whose columns or number format differ from the defaults.

    ``columns`` maps a field (``kpi``, ``period``, ``value``, ``note``, ``scorecard``,
    ``target``, ``red_flag``, ``lower``, ``upper``, ``tolerance``) to the file's column
    header.  ``decimal`` and ``thousands`` are the separators (when None, the decimal
    separator is the one the file's numbers show, and a number that reads two ways is
    refused; see :func:`bsc_widgets.model.parse.file_decimal`);
    ``dayfirst`` reads 03/04/2026 as 3 April; ``layout`` forces ``long`` or ``wide``.
    """

    columns: dict[str, str] = field(default_factory=dict)
    decimal: str | None = None
    thousands: str | None = None
    dayfirst: bool = True
    layout: str | None = None
    sheet: str | None = None


MAPPING_FIELDS = ("kpi", "period", "scorecard", "value", "note", "target", "red_flag", "lower", "upper", "tolerance")
_MAPPING_KEYS = {"columns", "decimal", "thousands", "dayfirst", "layout", "sheet"}


def load_mapping(path: str | os.PathLike[str]) -> ImportMapping:
    """Read a mapping file (``.toml`` or ``.json``); raise :class:`InputError` naming what is wrong."""
    where = Path(path)
    try:
        text = where.read_text(encoding="utf-8")
        data: Any = json.loads(text) if where.suffix.lower() == ".json" else tomllib.loads(text)
    except (OSError, ValueError) as exc:
        raise InputError(f"mapping file {where}: cannot be read ({exc}). Fix: write it as TOML "
                         "(see docs/data-in-and-out.md) or JSON.") from None
    return mapping_from_dict(data, str(where))


def mapping_from_dict(data: Any, name: str = "mapping") -> ImportMapping:
    """An :class:`ImportMapping` from a parsed mapping file (or a dict built in a notebook)."""
    def fail(what: str, fix: str) -> InputError:
        return InputError(f"{name}: {what}. Fix: {fix}")

    if not isinstance(data, dict):
        raise fail("is not a table of settings", "write settings such as decimal = \",\" and a [columns] table")
    unknown = sorted(set(data) - _MAPPING_KEYS)
    if unknown:
        raise fail(f"unknown setting(s) {', '.join(unknown)}", "use only " + ", ".join(sorted(_MAPPING_KEYS)))
    columns = data.get("columns", {})
    if not isinstance(columns, dict) or not all(isinstance(v, str) for v in columns.values()):
        raise fail("[columns] must map fields to column headers", 'write lines such as value = "Actual"')
    bad = sorted(set(columns) - set(MAPPING_FIELDS))
    if bad:
        raise fail(f"unknown field(s) in [columns]: {', '.join(bad)}", "map only " + ", ".join(MAPPING_FIELDS))
    for key, allowed in (("decimal", (",", ".")), ("thousands", (",", ".", " ", "'", "")),
                         ("layout", ("long", "wide"))):
        if key in data and data[key] not in allowed:
            raise fail(f"{key} is {data[key]!r}", f"use one of {', '.join(repr(a) for a in allowed)}")
    if "dayfirst" in data and not isinstance(data["dayfirst"], bool):
        raise fail("dayfirst must be true or false", "write dayfirst = true (03/04/2026 is 3 April) or false")
    if data.get("decimal") is not None and data.get("decimal") == data.get("thousands"):
        raise fail("decimal and thousands separators are the same", "use different separators")
    return ImportMapping(columns=dict(columns), decimal=data.get("decimal"), thousands=data.get("thousands"),
                         dayfirst=data.get("dayfirst", True), layout=data.get("layout"), sheet=data.get("sheet"))
