"""The one theme: colours, symbols and fonts every renderer uses (forms, HTML reports, charts, xlsx, the index).

Statuses take their colour from :data:`STATUS_COLOURS` everywhere; a lighter fill (Excel
cells) is a :func:`tint` of the same colour, never a second palette.  Scores are drawn in
the colour of their **band** (the scorecard's or the KPI's scheme, the default three bands
being the status colours): :func:`band_colour` picks it, :func:`legend` lists a scheme's
bands with their score ranges, and :func:`text_on` the text colour that reads on any fill.  Numbers,
percentages and dates are written by :mod:`bsc_widgets.model.words`, frequency words come
from :mod:`bsc_widgets.model.periods`; both are re-exported here so that a renderer needs
one import.
"""

from __future__ import annotations

from ..model.bands import DEFAULT_COLOURS, ROLLUP_WORDS, BandScheme, bound_text
from ..model.periods import FREQUENCIES, PERIOD_NOUNS
from ..model.words import MISSING, capitalised, day, number, percent, plural
from ..scoring.formulas import AMBER, DOWN, FLAT, GREEN, NO_DATA, NO_TARGET, RED, STATUSES, UP

__all__ = [
    "ACCENT",
    "FONT",
    "FREQUENCIES",
    "GRID",
    "INITIATIVE_COLOURS",
    "INK",
    "LEVEL_STATUS",
    "LINK",
    "MESSAGE_COLOURS",
    "MISSING",
    "MUTED",
    "PANEL",
    "PERIOD_NOUNS",
    "ROLLUP_WORDS",
    "RULE",
    "SERIES_COLOURS",
    "STATUSES",
    "STATUS_COLOURS",
    "TASK_COLOURS",
    "TEXT_ON_STATUS",
    "TREND_SYMBOLS",
    "band_colour",
    "capitalised",
    "day",
    "legend",
    "level_colour",
    "number",
    "percent",
    "plural",
    "status_colour",
    "text_on",
    "tint",
    "trend_symbol",
]

FONT = "Segoe UI, Helvetica Neue, Arial, sans-serif"
"""Font stack of charts and HTML."""

INK = "#1d252c"
"""Text."""
MUTED = "#5b6770"
"""Secondary text: notes, captions, meta data."""
RULE = "#dde1e5"
"""Table rules, borders, empty bars."""
GRID = "#eceff1"
"""Chart grid lines."""
PANEL = "#f3f5f7"
"""Table headers and group rows."""
ACCENT = "#4a7fb5"
"""Progress bars, comment borders, 'in progress'."""
LINK = "#1f4e79"
"""Links and the actuals line of a chart."""

STATUS_COLOURS: dict[str, str] = {
    GREEN: DEFAULT_COLOURS[GREEN],
    AMBER: DEFAULT_COLOURS[AMBER],
    RED: DEFAULT_COLOURS[RED],
    NO_DATA: "#b4bcc4",
    NO_TARGET: "#8e99a4",
}
"""Colour of each review status (score bands and 'no data' / 'no target')."""

TEXT_ON_STATUS: dict[str, str] = {GREEN: "#ffffff", RED: "#ffffff", AMBER: INK, NO_DATA: INK, NO_TARGET: INK}
"""Text colour that reads well on each status colour."""

TREND_SYMBOLS: dict[str, str] = {UP: "▲ up", DOWN: "▼ down", FLAT: "► flat", "": MISSING}
"""How a trend is shown (empty: no previous score to compare with)."""

LEVEL_STATUS: dict[str, str] = {"error": RED, "warning": AMBER, "info": NO_DATA}
"""SMART finding levels drawn in the colour of a status."""

MESSAGE_COLOURS: dict[str, str] = {"ok": "#1b5e20", "error": "#b00020"}
"""Text colour of a form's confirmation and of its error messages."""

SERIES_COLOURS: dict[str, str] = {
    "actual": LINK,
    "target": STATUS_COLOURS[GREEN],
    "red_flag": STATUS_COLOURS[RED],
    "band": "rgba(46, 157, 91, 0.15)",
    "forecast": "#7f6aa8",
    "forecast_band": "rgba(127, 106, 168, 0.18)",
    "period": "rgba(31, 78, 121, 0.08)",
    "link": MUTED,
    "band_even": PANEL,
    "band_odd": "#e8ecef",
    "today": STATUS_COLOURS[RED],
}
"""Colours of chart series and backgrounds."""

INITIATIVE_COLOURS: dict[str, str] = {
    "planned": STATUS_COLOURS[NO_DATA], "active": ACCENT, "on hold": STATUS_COLOURS[AMBER],
    "done": STATUS_COLOURS[GREEN], "cancelled": "#dde1e5",
}
"""Bar colour of each initiative status."""

TASK_COLOURS: dict[str, str] = {
    "not started": STATUS_COLOURS[NO_TARGET], "in progress": ACCENT, "done": STATUS_COLOURS[GREEN],
    "blocked": STATUS_COLOURS[AMBER], "cancelled": "#dde1e5", "overdue": STATUS_COLOURS[RED],
}
"""Marker colour of each task status ('overdue' wins over the status)."""

CANDIDATE_COLOURS: dict[str, str] = {
    "proposed": ACCENT, "accepted": STATUS_COLOURS[GREEN], "rejected": "#dde1e5",
}
"""Bar colour of each candidate status in the vote ranking."""


def status_colour(status: object) -> str:
    """Colour of a review status (the 'no data' grey for anything unknown)."""
    return STATUS_COLOURS.get(str(status), STATUS_COLOURS[NO_DATA])


def level_colour(level: object) -> str:
    """Colour of a SMART finding level (error red, warning amber, info grey)."""
    return status_colour(LEVEL_STATUS.get(str(level), NO_DATA))


def trend_symbol(trend: object) -> str:
    """``▲ up``, ``▼ down``, ``► flat``, or :data:`MISSING` without a previous score."""
    return TREND_SYMBOLS.get(str(trend), str(trend))


def tint(colour: str, strength: float = 0.3) -> str:
    """``colour`` (``#rrggbb``) mixed with white: ``strength`` 1 is the colour, 0 is white (as ``rrggbb``)."""
    rgb = [int(colour[i:i + 2], 16) for i in (1, 3, 5)]
    mixed = [round(255 - (255 - c) * strength) for c in rgb]
    return "".join(f"{c:02X}" for c in mixed)


def band_colour(colour: object, status: object = NO_DATA) -> str:
    """The fill of a result: its band's colour, else (no score) the colour of its status."""
    text = "" if colour is None or colour != colour else str(colour)
    return text if text.startswith("#") else status_colour(status)


def text_on(colour: str) -> str:
    """Text colour that reads well on ``colour`` (``#rrggbb``): white on dark fills, ink on light ones."""
    known = {c: t for s, c in STATUS_COLOURS.items() for t in [TEXT_ON_STATUS[s]]}
    if colour in known:
        return known[colour]
    r, g, b = (int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5))
    return "#ffffff" if 0.299 * r + 0.587 * g + 0.114 * b < 0.6 else INK


def legend(bands: BandScheme) -> list[tuple[str, str, str]]:
    """The bands of a scheme, highest first, as (name, colour, score range in words, e.g. '6.67 to 9')."""
    out = []
    for position in range(len(bands.bands) - 1, -1, -1):
        band = bands.bands[position]
        top = bands.upper(position)
        low = bound_text(band.lower)
        span = f"{low} to 10" if top >= 10 else f"{low} to below {bound_text(top)}"
        out.append((band.name, band.colour, span))
    return out
