"""Colour bands, missing-data policies and roll-up methods: their text forms, parsed and checked.

A **band scheme** is an ordered list of 3–6 bands, each a name, a colour and the lower
bound of its scores on the 0–10 scale.  People type it in forms and CSV files as text::

    critical #7f0000 0; red #d62728 2; amber #ff9f1c 3.33; green #2ca02c 6.67; exceeding #1f77b4 9

(bands separated by ``;`` or new lines; in each, the name, a ``#rrggbb`` colour and the
lower bound).  The first band starts at 0 and the bounds rise.  A blank scheme is the
default three bands, drawn from the scorecard's ``amber_from`` and ``green_from``
(:func:`default_scheme`).  A KPI may name its own scheme; blank means its scorecard's.

A **missing-data policy** says how a KPI without an actual in a review period counts:
``ignore``, ``zero``, ``red`` or ``carry_forward:N`` (:func:`parse_policy`).  A **roll-up
method** is one of :data:`ROLLUPS`.

Everything here is pure text handling (the model layer): the scores are put into bands
by :mod:`bsc_widgets.scoring.bands`, and the colours drawn by :mod:`bsc_widgets.render.theme`.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise

from .schema import TABLES
from .values import is_blank

MIN_BANDS, MAX_BANDS = 3, 6
"""How many bands a scheme has, at least and at most."""

DEFAULT_COLOURS: dict[str, str] = {"green": "#2e9d5b", "amber": "#f2a900", "red": "#d64541"}
"""Colours of the default three bands (the theme's status colours are these)."""

DEFAULT_GREEN_FROM, DEFAULT_AMBER_FROM = 20 / 3, 10 / 3
"""The default thresholds (the scorecard's ``green_from`` / ``amber_from`` defaults)."""

BANDS_EXAMPLE = "critical #7f0000 0; red #d62728 2; amber #ff9f1c 3.33; green #2ca02c 6.67; exceeding #1f77b4 9"
"""A five-band scheme as typed, shown in help texts and the docs."""

POLICIES = ("ignore", "zero", "red", "carry_forward")
"""The missing-data policies; ``carry_forward`` takes a number of periods (``carry_forward:2``)."""
DEFAULT_POLICY = "ignore"
MAX_CARRY = 12
"""The most periods an actual may be carried forward."""
POLICY_HELP = ("ignore (left out of the roll-up), zero (scores 0), red (counts as the lowest band) or "
               f"carry_forward:N (the last actual, at most N periods old, 1–{MAX_CARRY})")
"""The policies in plain words (form help, messages)."""

ROLLUPS: tuple[str, ...] = TABLES["scorecards"].column("rollup").choices
"""Roll-up methods: the weighted mean of the children's scores, the lowest, or the highest."""
DEFAULT_ROLLUP = "weighted_mean"
ROLLUP_WORDS = {"weighted_mean": "weighted mean", "worst": "worst child", "best": "best child"}
"""How each roll-up method is named in reports and forms."""

_COLOUR = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")
_SEPARATORS = re.compile(r"[;\n\r]+")
_CARRY = re.compile(r"^carry[_ ]forward\s*:\s*(\S+)$")


@dataclass(frozen=True)
class Band:
    """One band: its name, its colour (``#rrggbb``) and the lowest score in it."""

    name: str
    colour: str
    lower: float


@dataclass(frozen=True)
class BandScheme:
    """An ordered list of bands, lowest first."""

    bands: tuple[Band, ...]

    @property
    def names(self) -> tuple[str, ...]:
        """The band names, lowest first."""
        return tuple(b.name for b in self.bands)

    @property
    def colours(self) -> tuple[str, ...]:
        """The band colours, lowest first."""
        return tuple(b.colour for b in self.bands)

    @property
    def lowers(self) -> tuple[float, ...]:
        """The lower bounds, lowest first."""
        return tuple(b.lower for b in self.bands)

    def upper(self, position: int) -> float:
        """The score where band ``position`` ends (the next band's lower bound; 10 for the top band)."""
        return self.bands[position + 1].lower if position + 1 < len(self.bands) else 10.0

    def text(self) -> str:
        """The scheme as people type it, bounds rounded to two decimals (6.67, 3.33)."""
        return "; ".join(f"{b.name} {b.colour} {bound_text(b.lower)}" for b in self.bands)


@dataclass(frozen=True)
class BandProblem:
    """What is wrong with a typed band scheme: a problem code, the message and the fix."""

    code: str
    message: str
    fix: str


def bound_text(value: float) -> str:
    """A lower bound as forms and legends show it: two decimals at most (6.67, 3.33, 9, 0)."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def default_scheme(green_from: float | None = None, amber_from: float | None = None) -> BandScheme:
    """The three bands red / amber / green from a scorecard's thresholds (the defaults when blank)."""
    green = DEFAULT_GREEN_FROM if green_from is None or math.isnan(green_from) else float(green_from)
    amber = DEFAULT_AMBER_FROM if amber_from is None or math.isnan(amber_from) else float(amber_from)
    return BandScheme((Band("red", DEFAULT_COLOURS["red"], 0.0), Band("amber", DEFAULT_COLOURS["amber"], amber),
                       Band("green", DEFAULT_COLOURS["green"], green)))


def _number(text: str) -> float | None:
    try:
        value = float(text.replace(",", "."))
    except ValueError:
        return None
    return value if math.isfinite(value) else None


@lru_cache(maxsize=512)
def parse_bands(text: str) -> tuple[BandScheme | None, BandProblem | None]:
    """The scheme ``text`` describes, or the first problem with it (``(None, None)`` for a blank text)."""
    parts = [p.strip() for p in _SEPARATORS.split(text or "") if p.strip()]
    if not parts:
        return None, None
    fix_form = f"write each band as name, colour and lowest score, separated by ';', e.g. '{BANDS_EXAMPLE}'"
    bands = []
    for number, part in enumerate(parts, 1):
        words = part.split()
        if len(words) < 3:
            return None, BandProblem("bands_format", f"band {number} ('{part}') needs a name, a colour and a "
                                     "lowest score", fix_form)
        name, colour, bound = " ".join(words[:-2]), words[-2], words[-1]
        if not _COLOUR.match(colour):
            return None, BandProblem("bands_colour", f"band '{name}' has colour '{colour}', which is not a colour "
                                     "code", "write the colour as # and six hexadecimal digits, e.g. #2ca02c")
        lower = _number(bound)
        if lower is None:
            return None, BandProblem("bands_format", f"band '{name}' has lowest score '{bound}', which is not a "
                                     "number", "give the lowest score of the band as a number from 0 to 10")
        if len(colour) == 4:
            colour = "#" + "".join(c * 2 for c in colour[1:])
        bands.append(Band(name, colour.lower(), lower))
    if not MIN_BANDS <= len(bands) <= MAX_BANDS:
        return None, BandProblem("bands_count", f"has {len(bands)} bands; a scheme has {MIN_BANDS} to {MAX_BANDS}",
                                 f"give between {MIN_BANDS} and {MAX_BANDS} bands")
    names = [b.name.casefold() for b in bands]
    if len(set(names)) < len(names):
        twice = next(b.name for b in bands if names.count(b.name.casefold()) > 1)
        return None, BandProblem("bands_format", f"names the band '{twice}' twice", "give each band its own name")
    if bands[0].lower != 0:
        return None, BandProblem("bands_order", f"the lowest band '{bands[0].name}' starts at "
                                 f"{bound_text(bands[0].lower)}, not at 0", "let the first band start at 0")
    for low, high in pairwise(bands):
        if high.lower <= low.lower:
            return None, BandProblem("bands_order", f"band '{high.name}' starts at {bound_text(high.lower)}, "
                                     f"not above band '{low.name}' ({bound_text(low.lower)})",
                                     "list the bands from the lowest score up, each starting higher")
    if bands[-1].lower > 10:
        return None, BandProblem("bands_order", f"band '{bands[-1].name}' starts at {bound_text(bands[-1].lower)}, "
                                 "above the highest score 10", "keep every lowest score between 0 and 10")
    return BandScheme(tuple(bands)), None


def scheme(text: object, green_from: float | None = None, amber_from: float | None = None) -> BandScheme:
    """The scheme ``text`` describes, or the default three bands when it is blank or unreadable."""
    parsed = parse_bands(str(text)) if not is_blank(text) else (None, None)
    return parsed[0] if parsed[0] is not None else default_scheme(green_from, amber_from)


@dataclass(frozen=True)
class Policy:
    """A missing-data policy: its kind (one of :data:`POLICIES`) and, for carry_forward, how many periods."""

    kind: str
    periods: int = 0

    def text(self) -> str:
        """The policy as typed: ``ignore`` or ``carry_forward:2``."""
        return f"{self.kind}:{self.periods}" if self.kind == "carry_forward" else self.kind


@lru_cache(maxsize=256)
def parse_policy(text: str) -> tuple[Policy | None, str | None]:
    """The policy ``text`` names, or the problem with it in words (``(None, None)`` for a blank text)."""
    word = " ".join((text or "").split()).lower().replace("-", "_")
    if not word:
        return None, None
    if word in POLICIES and word != "carry_forward":
        return Policy(word), None
    carry = _CARRY.match(word) if word != "carry_forward" else None
    if word == "carry_forward" or (carry and not carry.group(1).isdigit()):
        return None, f"'{text}' needs a whole number of periods, e.g. carry_forward:1"
    if carry is None:
        return None, f"'{text}' is not a missing-data policy"
    periods = int(carry.group(1))
    if not 1 <= periods <= MAX_CARRY:
        return None, f"'{text}' carries {periods} periods; carry forward 1 to {MAX_CARRY} periods"
    return Policy("carry_forward", periods), None


def policy(text: object, fallback: object = DEFAULT_POLICY) -> Policy:
    """The policy ``text`` names, else the one ``fallback`` names, else ``ignore``."""
    for candidate in (text, fallback):
        if not is_blank(candidate):
            found, _ = parse_policy(str(candidate))
            if found is not None:
                return found
    return Policy(DEFAULT_POLICY)


def rollup(value: object, fallback: object = DEFAULT_ROLLUP) -> str:
    """The roll-up method ``value`` names, else ``fallback``'s, else the weighted mean."""
    for candidate in (value, fallback):
        if not is_blank(candidate) and str(candidate) in ROLLUPS:
            return str(candidate)
    return DEFAULT_ROLLUP
