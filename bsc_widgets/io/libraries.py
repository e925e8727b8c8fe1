"""KPI libraries: starter scorecards for a sector (perspectives, objectives, links, KPIs).

A library is one TOML file in ``templates/kpi-libraries/`` (``BSC_KPI_LIBRARIES`` points
elsewhere).  Its tables use the store's column names, without ``scorecard_id``; targets
and baselines are left to the organisation.  :func:`start_scorecard` copies a library
into a store as a new scorecard, validated like any other input.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import InputError
from ..model.schema import TABLES
from ..resources import shipped_dir
from ..store import SaveResult, Store

LIBRARY_TABLES = ("perspectives", "objectives", "links", "kpis")
"""Tables a library holds, in the order they are saved."""

LIBRARIES_ENV = "BSC_KPI_LIBRARIES"


def libraries_dir() -> Path:
    """Folder of the KPI libraries: ``$BSC_KPI_LIBRARIES``, else the shipped ``templates/kpi-libraries``."""
    configured = os.environ.get(LIBRARIES_ENV)
    return Path(configured) if configured else shipped_dir("templates") / "kpi-libraries"


@dataclass(frozen=True)
class LibraryInfo:
    """One line about a library: its name (for ``--template``), title, description and size."""

    name: str
    title: str
    description: str
    objectives: int
    kpis: int
    path: Path


@dataclass(frozen=True)
class Library:
    """A loaded library: its title, description, review frequency and one frame per library table."""

    name: str
    title: str
    description: str
    review_frequency: str
    tables: dict[str, pd.DataFrame]

    def info(self, path: Path) -> LibraryInfo:
        """The library's :class:`LibraryInfo`."""
        return LibraryInfo(self.name, self.title, self.description, len(self.tables["objectives"]),
                           len(self.tables["kpis"]), path)


def _library_path(template: str | os.PathLike[str], directory: Path | None) -> Path:
    text = os.fspath(template)
    if text.endswith(".toml") or os.sep in text or "/" in text:
        path = Path(text)
    else:
        path = (directory or libraries_dir()) / f"{text}.toml"
    if not path.is_file():
        known = ", ".join(info.name for info in list_libraries(directory)) if path.parent.is_dir() else "none"
        raise InputError(f"no KPI library {text!r} (looked for {path}). Fix: use one of: {known}; "
                         "`bsc templates` lists them.")
    return path


def load_library(template: str | os.PathLike[str], directory: Path | None = None) -> Library:
    """The library called ``template`` (a name from :func:`list_libraries`, or a path to a .toml file)."""
    path = _library_path(template, directory)
    try:
        data: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise InputError(f"KPI library {path} cannot be read: {exc}. Fix: correct the TOML syntax.") from None
    missing = [key for key in ("title", "description", *LIBRARY_TABLES) if key not in data]
    if missing:
        raise InputError(f"KPI library {path} lacks {', '.join(missing)}. Fix: add them (see the other libraries).")
    tables = {}
    for name in LIBRARY_TABLES:
        known = set(TABLES[name].names) - {"scorecard_id"}
        unknown = sorted({key for record in data[name] for key in record} - known)
        if unknown:
            raise InputError(f"KPI library {path}, [[{name}]]: unknown field(s) {', '.join(unknown)}. Fix: use "
                             f"only {', '.join(sorted(known))}.")
        tables[name] = pd.DataFrame(data[name], columns=[c for c in TABLES[name].names if c != "scorecard_id"])
    return Library(path.stem, str(data["title"]), str(data["description"]), str(data.get("review_frequency", "Q")),
                   tables)


def list_libraries(directory: Path | None = None) -> list[LibraryInfo]:
    """Every library in ``directory`` (default :func:`libraries_dir`), sorted by name."""
    folder = directory or libraries_dir()
    if not folder.is_dir():
        raise InputError(f"the KPI libraries folder {folder} does not exist. Fix: set {LIBRARIES_ENV} to the "
                         "folder holding the library .toml files.")
    return [load_library(path).info(path) for path in sorted(folder.glob("*.toml"))]


def library_records(library: Library, scorecard_id: str, id_prefix: str = "") -> dict[str, pd.DataFrame]:
    """The library's tables as records of scorecard ``scorecard_id`` (objective and KPI ids prefixed)."""
    out = {}
    for name, frame in library.tables.items():
        frame = frame.assign(scorecard_id=scorecard_id)
        for column in ("objective_id", "cause", "effect", "kpi_id"):
            if id_prefix and column in frame.columns:
                frame[column] = id_prefix + frame[column].astype(str)
        out[name] = frame
    return out


def start_scorecard(store: Store, template: str | os.PathLike[str], *, scorecard_id: str = "org",
                    name: str | None = None, id_prefix: str = "", horizon_start: str | None = None,
                    horizon_end: str | None = None, directory: Path | None = None,
                    user: str | None = None) -> list[SaveResult]:
    """Add a scorecard to ``store`` with the perspectives, objectives, links and KPIs of a library.

    Raises :class:`InputError` (nothing saved) when the scorecard exists or an objective or
    KPI id is already used in the store; pass ``id_prefix`` (e.g. ``"sales-"``) to avoid that.
    """
    library = load_library(template, directory)
    records = library_records(library, scorecard_id, id_prefix)
    frames = {t: store.read(t) for t in ("scorecards", "objectives", "kpis")}
    if scorecard_id in set(frames["scorecards"]["scorecard_id"]):
        raise InputError(f"scorecard '{scorecard_id}' already exists in {store.location}. Fix: choose another "
                         "scorecard id.")
    for table, key in (("objectives", "objective_id"), ("kpis", "kpi_id")):
        taken = sorted(set(records[table][key]) & set(frames[table][key]))
        if taken:
            raise InputError(f"{table} {', '.join(taken[:5])}{' …' if len(taken) > 5 else ''} already exist in "
                             f"{store.location}. Fix: start the scorecard in a new store, or give its ids a prefix "
                             f"(id_prefix='{scorecard_id}-' in Python).")
    card = {"scorecard_id": scorecard_id, "name": name or library.title, "review_frequency": library.review_frequency,
            "horizon_start": horizon_start, "horizon_end": horizon_end}
    results = [store.upsert("scorecards", [card], user=user)]
    return results + [store.upsert(table, records[table], user=user) for table in LIBRARY_TABLES]
