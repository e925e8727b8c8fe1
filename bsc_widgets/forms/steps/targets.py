"""Targets of one KPI as an editable grid (revision-aware, see :mod:`bsc_widgets.forms.grid`) and the paths
that fill it from a baseline."""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import Any

import ipywidgets as widgets
import numpy as np
import pandas as pd

from ...model.periods import Period, first_day, last_day, parse_period, period_containing, period_range
from ...model.values import is_missing
from ...store import Store
from ..display import message, wide
from ..failures import show_failure
from ..grid import Key, RecordGrid
from ..roles import lock

DIRECTIONAL = ("target", "red_flag")
BAND = ("lower", "upper", "tolerance")


def horizon_periods(horizon_start: Any, horizon_end: Any, freq: str) -> list[Period]:
    """Periods of frequency ``freq`` covering the horizon (empty when there is no horizon)."""
    if is_missing(horizon_start) or is_missing(horizon_end):
        return []
    first = period_containing(first_day(parse_period(str(horizon_start))), freq)
    last = period_containing(last_day(parse_period(str(horizon_end))), freq)
    return period_range(first, last)


def target_path(baseline: float, final: float, periods: int, shape: str = "linear") -> list[float]:
    """Targets from (just after) ``baseline`` to ``final`` over ``periods`` periods.

    ``linear``: equal steps each period.  ``stepped``: the same equal steps, but the
    target only moves every 4th period when there are 8 or more (a yearly step for
    quarterly KPIs, quarterly for monthly ones), else every 2nd.
    """
    if periods <= 0:
        return []
    steps = np.linspace(baseline, final, periods + 1)[1:]
    if shape == "linear":
        return [float(v) for v in steps]
    if shape != "stepped":
        raise ValueError(f"unknown path {shape!r}; use 'linear' or 'stepped'")
    every = 4 if periods >= 8 else 2
    reached = np.minimum(np.ceil(np.arange(1, periods + 1) / every) * every, periods).astype(int) - 1
    return [float(v) for v in steps[reached]]


def _text(stored: pd.DataFrame, period: str, column: str) -> str:
    """A stored target value as its box shows it (empty when there is none)."""
    value = stored.at[period, column] if period in stored.index else None
    return "" if is_missing(value) else f"{value:g}"


class TargetGrid(RecordGrid):
    """One row per period of the horizon: target and red flag (or band and tolerance for range KPIs)."""

    def __init__(self, store: Store, scorecard: Mapping[str, Any]) -> None:
        super().__init__(store, "targets")
        self.scorecard = scorecard
        self.kpi: dict[str, Any] | None = None
        self.columns: tuple[str, ...] = DIRECTIONAL
        self.cells: dict[tuple[str, str], widgets.Text] = {}
        self.rows = widgets.VBox()
        self.final = widgets.Text(description="Final target:", style={"description_width": "110px"})
        self.start = widgets.Text(description="Start from:", style={"description_width": "110px"},
                                  placeholder="baseline")
        self.gap = widgets.Text(description="Red flag gap:", style={"description_width": "110px"},
                                placeholder="e.g. 10%  or  5")
        self.shape = widgets.ToggleButtons(options=[("linear", "linear"), ("stepped", "stepped")], value="linear")
        self.fill_button = wide(widgets.Button(description="Fill the grid", icon="magic"))
        self.save_button = wide(widgets.Button(description="Save targets", button_style="primary", icon="check"))
        self.fill_button.on_click(self.guard(lambda _: self.fill(), doing="read"))
        self.save_button.on_click(self.guard(lambda _: self.save()))
        self.generator = widgets.VBox([
            widgets.HTML("<b>Fill from a path</b> (nothing is saved until you press 'Save targets')"),
            widgets.HBox([self.start, self.final]), widgets.HBox([self.gap, self.shape, self.fill_button])])
        self.widget = widgets.VBox([self.generator, self.rows, self.save_button, self.status])
        lock("targets", [self.fill_button, self.save_button], self.status)

    def show(self, kpi: Mapping[str, Any] | None) -> None:
        """Show the targets of ``kpi`` (None: nothing to show)."""
        self.kpi = dict(kpi) if kpi is not None else None
        self.cells, self.row_messages = {}, {}
        self.status.value = ""
        if self.kpi is None:
            self.rows.children = [widgets.HTML("<i>Save the KPI first, then enter its targets here.</i>")]
            self.mark_drawn()
            return
        is_range = self.kpi.get("polarity") == "range"
        self.columns = BAND if is_range else DIRECTIONAL
        self.generator.layout.display = "none" if is_range else "flex"
        self.start.value = "" if is_missing(self.kpi.get("baseline")) else f"{self.kpi['baseline']:g}"
        stored = self.stored()
        self.remember(stored.reset_index())
        periods = self._periods(stored)
        header = widgets.HBox([widgets.HTML("<b>Period</b>", layout=widgets.Layout(width="90px"))]
                              + [widgets.HTML(f"<b>{c.replace('_', ' ').capitalize()}</b>",
                                              layout=widgets.Layout(width="110px")) for c in self.columns])
        rows: list[widgets.Widget] = [header]
        for period in periods:
            cells = []
            for col in self.columns:
                cell = widgets.Text(value=_text(stored, period, col), layout=widgets.Layout(width="110px"))
                self.cells[(period, col)] = cell
                cells.append(cell)
            self.row_messages[period] = widgets.HTML()
            rows.append(widgets.HBox([widgets.HTML(period, layout=widgets.Layout(width="90px")), *cells,
                                      self.row_messages[period]]))
        if len(rows) == 1:
            rows.append(widgets.HTML("<i>The scorecard has no horizon yet: set it in step 1.</i>"))
        self.rows.children = rows
        self.mark_drawn()

    def inputs(self) -> dict[tuple[Key, str], widgets.Text]:
        """Each period's boxes, keyed by the target record (KPI, period) and column."""
        kpi = str((self.kpi or {}).get("kpi_id"))
        return {((kpi, period), column): box for (period, column), box in self.cells.items()}

    def redraw(self) -> None:
        """Show the KPI's targets as stored now."""
        self.show(self.kpi)

    def fresh(self) -> tuple[dict[tuple[Key, str], str], pd.DataFrame] | None:
        """What each box would show now, and the targets read (None: other periods, the grid is redrawn)."""
        if self.kpi is None:
            return None
        stored = self.stored()
        if self._periods(stored) != self.periods:
            return None
        kpi = str(self.kpi["kpi_id"])
        return ({((kpi, period), col): _text(stored, period, col) for (period, col) in self.cells},
                stored.reset_index())

    def _periods(self, stored: pd.DataFrame) -> list[str]:
        """The rows of the grid: the periods of the horizon, then any other period that has a target."""
        frequency = str((self.kpi or {})["frequency"])
        periods = [str(p) for p in horizon_periods(self.scorecard.get("horizon_start"),
                                                    self.scorecard.get("horizon_end"), frequency)]
        return periods + [p for p in stored.index if p not in periods]

    def stored(self) -> pd.DataFrame:
        """The KPI's stored targets, by period."""
        if self.kpi is None:
            return pd.DataFrame()
        targets = self.store.read("targets", scorecard=self.kpi["scorecard_id"])
        return targets[targets["kpi_id"] == self.kpi["kpi_id"]].set_index("period")

    @property
    def periods(self) -> list[str]:
        """The periods shown, in order."""
        return [str(p) for p in self.row_messages]

    def row_of(self, key: Key) -> Hashable | None:
        """Targets are shown one period per row."""
        return key[-1] if self.kpi is not None and key[0] == str(self.kpi["kpi_id"]) else None

    def describe(self, field: str, text: str) -> str:
        """A target row has several values: name the column."""
        return f"{self.spec.column(field).label}: {text}" if field in self.spec.names else text

    def fill(self) -> None:
        """Fill target and red flag of every period from the start value to the final target."""
        try:
            start, final = float(self.start.value.replace(",", ".")), float(self.final.value.replace(",", "."))
        except ValueError:
            self.status.value = message("Start from and Final target must be numbers, e.g. 120 and 150.", ok=False)
            return
        gap_text = self.gap.value.strip().replace(",", ".")
        try:
            gap = float(gap_text.rstrip("% ")) if gap_text else 10.0
        except ValueError:
            self.status.value = message("Red flag gap must be a number or a percentage.", ok=False)
            return
        relative = gap_text.endswith("%") or not gap_text
        lower_is_better = (self.kpi or {}).get("polarity") == "lower"
        for period, value in zip(self.periods, target_path(start, final, len(self.periods), self.shape.value),
                                 strict=True):
            distance = abs(value) * gap / 100 if relative else gap
            red = value + distance if lower_is_better else value - distance
            self.cells[(period, "target")].value = f"{round(value, 6):g}"
            self.cells[(period, "red_flag")].value = f"{round(red, 6):g}"
        self.status.value = message("Grid filled: check it and press 'Save targets'.")

    def entered(self) -> pd.DataFrame:
        """The grid as records (rows with every cell empty are left out)."""
        rows = []
        for period in self.periods:
            values = {col: self.cells[(period, col)].value.strip() for col in self.columns}
            if any(values.values()):
                rows.append({"kpi_id": (self.kpi or {}).get("kpi_id"), "period": period,
                             "scorecard_id": (self.kpi or {}).get("scorecard_id"),
                             **{c: v or None for c, v in values.items()}})
        return pd.DataFrame(rows)

    def save(self) -> bool:
        """Save the grid: filled rows are saved, rows emptied by the user are removed (all or nothing)."""
        if self.kpi is None:
            return False
        records = self.entered()
        filled = set(records["period"]) if len(records) else set()
        try:
            stored = self.stored().index
        except Exception as error:  # a store that cannot be read: nothing saved, the grid keeps what was typed
            self.clear_messages()
            show_failure(self.status, error, self.store.location)
            return False
        emptied = [(str(self.kpi["kpi_id"]), p) for p in stored if p in self.row_messages and p not in filled]
        if not self.save_records(records.to_dict("records") if len(records) else [], emptied):
            return False
        self.status.value = message(f"Saved {len(records)} target(s)" + (f", removed {len(emptied)}" if emptied
                                                                          else "") + ".")
        return True
