"""The SMART coach: the findings of the record being edited, and (folded away) those of the whole scorecard."""

from __future__ import annotations

import html
from collections.abc import Mapping

import ipywidgets as widgets
import pandas as pd

from ..render.theme import MUTED, level_colour
from ..smart import LETTER_NAMES, LETTERS, check_smart, findings_for

SHOWN = 50
"""At most this many findings in the folded list of the whole scorecard (then "… and N more")."""


def findings_html(findings: pd.DataFrame, limit: int | None = None) -> str:
    """Findings as an HTML list: level, SMART letter, message and remedy."""
    if findings.empty:
        return "<i>No findings — nothing to improve here.</i>"
    items = []
    rows = findings if limit is None else findings.head(limit)
    for row in rows.itertuples(index=False):
        colour = level_colour(row.level)
        items.append(f"<li><span style='color:{colour};font-weight:bold'>{html.escape(str(row.level))}</span> "
                     f"<b title='{LETTER_NAMES.get(str(row.letter), '')}'>{html.escape(str(row.letter))}</b> "
                     f"{html.escape(str(row.message))}<br><span style='color:#555'>→ "
                     f"{html.escape(str(row.remedy))}</span></li>")
    more = "" if limit is None or len(findings) <= limit else f"<li>… and {len(findings) - limit} more</li>"
    return "<ul style='margin:0;padding-left:18px'>" + "".join(items) + more + "</ul>"


class SmartCoach:
    """A panel that shows SMART findings; call :meth:`refresh` after every save.

    The findings of the record being edited come first; the scorecard's count per letter
    follows in one line, and its whole list is folded away (:attr:`all_findings`, closed
    until opened) so that the panel never pushes the rest of the step out of view.
    """

    def __init__(self, scorecard_id: str | None) -> None:
        self.scorecard_id = scorecard_id
        self.findings = pd.DataFrame()
        self.record = widgets.HTML()
        self.summary = widgets.HTML()
        self.listing = widgets.HTML()
        self.all_findings = widgets.Accordion(children=[self.listing], selected_index=None)
        self.all_findings.set_title(0, "Show all findings of the scorecard")
        self.all_findings.add_class("bsc-coach-all")
        self.widget = widgets.VBox(
            [widgets.HTML("<b>SMART coach</b>"), self.record, self.summary, self.all_findings],
            layout=widgets.Layout(border=f"1px solid {MUTED}", padding="6px", width="100%"))
        self.widget.add_class("bsc-coach")

    def refresh(self, frames: Mapping[str, pd.DataFrame], subject_type: str | None = None,
                subject_id: str | None = None) -> None:
        """Recompute the findings and show those of the subject and a summary of the scorecard."""
        if self.scorecard_id is None:
            self.summary.value = "<i>Create a scorecard in 'Start here' first.</i>"
            return
        self.findings = check_smart(frames, self.scorecard_id)
        self.show(subject_type, subject_id)
        counts = self.findings.groupby(["letter", "level"]).size() if len(self.findings) else pd.Series(dtype=int)
        letters = " · ".join(
            f"<b>{letter}</b> {int(counts.get(letter, pd.Series(dtype=int)).sum()) if len(counts) else 0}"
            for letter in LETTERS)
        self.summary.value = f"<b>Whole scorecard:</b> {len(self.findings)} finding(s) — {letters}"
        self.all_findings.set_title(0, f"Show all findings of the scorecard ({len(self.findings)})")
        self.listing.value = findings_html(self.findings, limit=SHOWN)

    def show(self, subject_type: str | None, subject_id: str | None) -> None:
        """Show the findings of another record, from those computed at the last :meth:`refresh` (nothing is re-read)."""
        if not (subject_type and subject_id):
            self.record.value = ""
            return
        mine = self.findings if self.findings.empty or self.scorecard_id is None else \
            findings_for(self.findings, subject_type, subject_id, self.scorecard_id)
        self.record.value = (f"<b>This {html.escape(subject_type)} ({html.escape(subject_id)}):</b>"
                             + findings_html(mine))
