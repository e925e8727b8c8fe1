"""What a report read and what it said: its pin (table versions, rules, package) and its results file.

Every report records the version of every table it read, the store, the scoring rules in
force and the package version (:class:`Pin`), and writes its numbers next to the HTML as
``<scorecard>-<period>.results.json`` (:func:`results_of`).  ``bsc report --pin FILE``
reads the same versions again, so the same inputs give the same numbers; a later report
of the same scorecard and period compares its numbers with those first reported
(:func:`restatements`) and says what was restated.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import InputError
from ..model.schema import ADDED_TABLES, PLAN_TABLES, SCHEMA_VERSION
from ..model.values import is_missing
from ..scoring.formulas import AMBER_FROM, GREEN_FROM
from ..version import __version__

RESULTS_MIME = "application/vnd.bsc-widgets.results+json"
"""Mime type of the machine-readable results a report's last cell carries (the runner writes them to a file)."""
RESULTS_SUFFIX = ".results.json"
"""File name ending of a report's results file, next to its HTML."""
KPI_FIELDS = ("actual", "target", "red_flag", "score", "status")
"""What a results file keeps of each KPI (and compares when the report is made again)."""


@dataclass(frozen=True)
class Pin:
    """The inputs of one report: where, which table versions, read when, under which rules and package."""

    store: str
    versions: dict[str, int]
    """Version of every plan table read (empty for the embedded sample)."""
    saved_at: str
    """When the newest of those versions was saved (UTC, ISO 8601): what "data as of" means."""
    as_of: str = ""
    """The time asked for (``--as-of``), if any."""
    package_version: str = __version__
    schema_version: int = SCHEMA_VERSION
    rules: dict[str, Any] = field(default_factory=dict)
    """The scoring rules in force: the 0-10 formula's points and each scorecard's colour thresholds."""

    def as_dict(self) -> dict[str, Any]:
        """The pin as plain JSON values."""
        return asdict(self)


def pin_for(store: str, versions: Mapping[str, int], frames: Mapping[str, pd.DataFrame], as_of: str = "",
            saved_at: pd.Timestamp | None = None) -> Pin:
    """The pin of data read from ``store`` at ``versions``, the newest saved at ``saved_at`` (rules from ``frames``)."""
    cards = frames["scorecards"]
    thresholds = {str(r.scorecard_id): {"green_from": _value(r.green_from, GREEN_FROM),
                                        "amber_from": _value(r.amber_from, AMBER_FROM)}
                  for r in cards.itertuples(index=False)}
    rules = {"formula": "0-10: 10/3 at the red flag, 20/3 on target, linear between and beyond, clipped to 0-10",
             "default_green_from": GREEN_FROM, "default_amber_from": AMBER_FROM, "scorecards": thresholds}
    stamp = "" if saved_at is None else saved_at.tz_convert("UTC").isoformat(timespec="seconds")
    return Pin(store, {name: int(versions[name]) for name in PLAN_TABLES if name in versions}, stamp, as_of,
               rules=rules)


def _value(value: Any, default: float) -> float:
    return default if is_missing(value) else float(value)


def parse_versions(text: str | Mapping[str, int] | None) -> dict[str, int] | None:
    """A version map given as JSON text (a template parameter) or a mapping; None for none."""
    if text is None or (isinstance(text, str) and not text.strip()):
        return None
    try:
        data = json.loads(text) if isinstance(text, str) else dict(text)
        versions = {str(k): int(v) for k, v in data.items()}
    except (TypeError, ValueError) as exc:
        raise InputError(f"versions: {text!r} is not a map of table versions ({exc}). Fix: give JSON such as "
                         '{"kpis": 3, "actuals": 12, …} with every table, or use a report\'s results file') from None
    missing = [t for t in PLAN_TABLES if t not in versions and t not in ADDED_TABLES]
    if missing:
        raise InputError(f"versions: no version given for {', '.join(missing)}. Fix: give one for every table, "
                         "e.g. from a report's results file")
    return versions


# ----------------------------------------------------------------------------- results files
def kpi_values(kpis: pd.DataFrame) -> dict[str, dict[str, Any]]:
    """Each KPI's reported numbers (``KPI_FIELDS``) by id, as plain JSON values."""
    out = {}
    for row in kpis.to_dict("records"):
        out[str(row["kpi_id"])] = {f: _plain(row.get(f)) for f in ("name", *KPI_FIELDS)}
    return out


def _plain(value: Any) -> Any:
    if is_missing(value):
        return None
    if isinstance(value, (int, float)) or hasattr(value, "item"):
        number = float(value)
        return round(number, 9)
    return str(value)


def attention_items(items: pd.DataFrame) -> list[dict[str, Any]]:
    """The work that needs attention (:func:`bsc_widgets.model.plan.attention`) as plain JSON records, in order."""
    out = []
    for row in items.to_dict("records"):
        due = row.get("due")
        out.append({**{key: _plain(value) for key, value in row.items() if key != "due"},
                    "due": None if is_missing(due) else str(pd.Timestamp(due).date())})
    return out


def results_document(pin: Pin, scorecard: str, period: str, today: str, headline: Mapping[str, Any],
                     levels: Mapping[str, pd.DataFrame], previous: Mapping[str, Any] | None,
                     attention: pd.DataFrame | None = None) -> dict[str, Any]:
    """The results file of a report: its pin, headline, every level's scores, the work that needs attention
    (overdue, blocked, unowned) and what was first reported."""
    kpis = kpi_values(levels["kpis"])
    now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    first = previous.get("first_reported") if previous else None
    if not first:
        first = ({"at": previous.get("reported_at", ""), "kpis": previous.get("kpis", {})}
                 if previous else {"at": now, "kpis": kpis})
    return {
        "scorecard": scorecard, "period": period, "today": today, "reported_at": now, "pin": pin.as_dict(),
        "headline": dict(headline),
        "perspectives": {str(r["perspective_id"]): {"score": _plain(r["score"]), "status": str(r["status"])}
                         for r in levels["perspectives"].to_dict("records")},
        "objectives": {str(r["objective_id"]): {"score": _plain(r["score"]), "status": str(r["status"])}
                       for r in levels["objectives"].to_dict("records")},
        "kpis": kpis, "attention": [] if attention is None else attention_items(attention),
        "first_reported": first,
    }


def load_results(path: str | Path) -> dict[str, Any]:
    """A report's results file; :class:`InputError` naming the file when it is missing or not one."""
    where = Path(path)
    try:
        data = json.loads(where.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"{where}: cannot read the results file ({exc.strerror or exc}). Fix: give the "
                         f"<scorecard>-<period>{RESULTS_SUFFIX} file written next to a report") from None
    except ValueError as exc:
        raise InputError(f"{where}: not a results file (not JSON: {exc}). Fix: give the "
                         f"<scorecard>-<period>{RESULTS_SUFFIX} file written next to a report") from None
    if not isinstance(data, dict) or not {"scorecard", "period", "pin", "kpis"} <= set(data):
        raise InputError(f"{where}: not a bsc-widgets results file (it has no scorecard, period, pin and kpis). "
                         f"Fix: give the <scorecard>-<period>{RESULTS_SUFFIX} file written next to a report")
    return data


@dataclass(frozen=True)
class Restatement:
    """A KPI whose reported numbers changed since the period was first reported."""

    kpi_id: str
    name: str
    changes: list[tuple[str, Any, Any]]
    """(field, first reported, now) for each field of ``KPI_FIELDS`` that differs."""


def restatements(first: Mapping[str, Any], now: Mapping[str, Mapping[str, Any]]) -> list[Restatement]:
    """The KPIs whose numbers differ from those first reported (``first``: the ``kpis`` of a results file)."""
    out = []
    for kpi_id in sorted(set(first) | set(now)):
        old, new = first.get(kpi_id) or {}, now.get(kpi_id) or {}
        changes = [(f, old.get(f), new.get(f)) for f in KPI_FIELDS if not _same(old.get(f), new.get(f))]
        if changes:
            out.append(Restatement(kpi_id, str(new.get("name") or old.get("name") or kpi_id), changes))
    return out


def _same(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return abs(float(a) - float(b)) <= 1e-9 * max(1.0, abs(float(a)), abs(float(b)))
    return str(a) == str(b)
