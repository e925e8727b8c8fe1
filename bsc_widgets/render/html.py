"""HTML building blocks: a displayable fragment, chips, tables, notes, figures, the report styles.

The report sections (:mod:`bsc_widgets.reports.sections`) and the workshop forms build
their HTML from these, so that a status chip or an attention list looks the same in a
report, in JupyterLab and in the Voila app.  Every value shown is escaped here.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..model.bands import BandScheme
from ..model.due import NOBODY
from ..model.values import is_missing
from ..model.words import MISSING, day, plural
from ..scoring.formulas import AMBER, NO_DATA, NO_TARGET, RED
from .plotly_bundle import plotly_js as bundled_plotly_js
from .printing import PRINT_CSS, PRINT_FIT_JS
from .theme import ACCENT, FONT, INK, MUTED, PANEL, RULE, STATUS_COLOURS, band_colour, legend, status_colour, text_on

if TYPE_CHECKING:
    import plotly.graph_objects as go

INLINE = "inline"
"""``plotly_js`` value: embed plotly.js in the page (self-contained HTML)."""

PLOTLY_CONFIG = {"displaylogo": False, "responsive": True, "modeBarButtonsToRemove": ["select2d", "lasso2d"]}

ATTENTION_STATUS = {"overdue": RED, "blocked": AMBER, "nobody owns it": AMBER}
"""The status colour of each kind of attention item."""


class Html:
    """An HTML fragment that Jupyter displays as HTML (with a short plain-text stand-in)."""

    def __init__(self, body: str, label: str = "report section", extra: Mapping[str, Any] | None = None) -> None:
        self.body = body
        self.label = label
        self.extra = dict(extra or {})

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        return {"text/html": self.body, "text/plain": f"<{self.label}>", **self.extra}

    def __str__(self) -> str:
        return self.body


def esc(value: object) -> str:
    """``value`` as escaped HTML text (empty for a missing value)."""
    return "" if is_missing(value) else html.escape(str(value))


def chip(status: object, text: str | None = None) -> str:
    """A coloured label: the colour of ``status``, reading ``text`` (default: the status)."""
    shown = str(status) if not is_missing(status) and str(status) else NO_DATA
    label = html.escape(text if text is not None else shown)
    return f'<span class="bsc-chip" style="background:{status_colour(shown)}">{label}</span>'


def band_chip(band: object, colour: object, status: object = NO_DATA, text: str | None = None) -> str:
    """A label in the colour of a score's band (the status colour when it has no band), reading the band name."""
    fill = band_colour(colour, status)
    name = "" if is_missing(band) else str(band)
    label = html.escape(text if text is not None else name or (NO_DATA if is_missing(status) else str(status)))
    return f'<span class="bsc-chip" style="background:{fill};color:{text_on(fill)}">{label}</span>'


def band_legend(bands: BandScheme, title: str = "Colour bands") -> str:
    """The bands of a scheme, highest first, each a chip with its score range."""
    items = " ".join(f'<span class="bsc-legend-item">{band_chip(name, colour)} {esc(span)}</span>'
                     for name, colour, span in legend(bands))
    return f'<div class="bsc-legend"><b>{esc(title)}</b> (score 0–10): {items}</div>'


def table(frame: pd.DataFrame, classes: str = "") -> str:
    """An HTML table of already formatted (and escaped) cells."""
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    body = "".join("<tr>" + "".join(f"<td>{v}</td>" for v in row) + "</tr>"
                   for row in frame.itertuples(index=False, name=None))
    return f'<table class="bsc-table {classes}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def note(text: str) -> str:
    """A muted explanatory paragraph (``text`` is HTML)."""
    return f'<p class="bsc-note">{text}</p>'


def section(body: str, label: str, extra: Mapping[str, Any] | None = None) -> Html:
    """A report section: ``body`` inside the report's styled container."""
    return Html(f'<div class="bsc">{body}</div>', label, extra)


def figure(fig: go.Figure, name: str) -> str:
    """A plotly figure as a div with a stable id (plotly.js is loaded once by :func:`plotly_loader`)."""
    import plotly.io as pio

    # The figure was validated when it was built: its JSON is written as is, without the deep copy (and second
    # validation) of ``fig.to_html``, which took a third of a chart's time.
    div = pio.to_html(fig.to_plotly_json(), full_html=False, include_plotlyjs=False, div_id=f"bsc-{name}",
                      config=PLOTLY_CONFIG, validate=False)
    return f'<div class="bsc-figure">{div}</div>'


def attention_table(items: pd.DataFrame) -> str:
    """The work that needs attention (:func:`bsc_widgets.model.plan.attention`) as a table with coloured problems."""
    if items.empty:
        return note("Nothing is overdue, blocked or without an owner.")
    frame = pd.DataFrame({
        "Item": [f"<b>{esc(i)}</b> {esc(d)}" for i, d in zip(items["id"], items["description"], strict=True)],
        "Kind": [esc(w) for w in items["what"]],
        "Owner": [esc(o) or "<b>nobody</b>" for o in items["owner"]],
        "Due": [esc(day(d)) if not is_missing(d) else MISSING for d in items["due"]],
        "Status": [esc(s) for s in items["status"]],
        "Needs attention": [chip(ATTENTION_STATUS.get(p.split(" by ")[0], AMBER), str(p)) for p in items["problem"]],
    })
    return table(frame, "bsc-attention")


DUE_SUBJECT = {"actual": "KPI", "comment": "KPI", "target": "KPI", "task": "Task", "initiative": "Initiative"}
"""What each kind of due item is about, as its line starts."""


def due_groups(items: pd.DataFrame, width: int = 60) -> list[tuple[str, list[str]]]:
    """A due list (:func:`bsc_widgets.scoring.due.due`) in plain words: per owner, one line per item owed.

    The owners and lines come in the list's order (by owner, then actuals, comments, targets,
    tasks, initiatives); names longer than ``width`` characters are shortened.  Both ``bsc due``
    and the workshop's actuals step show these lines, as text and as HTML.
    """
    groups: dict[str, list[str]] = {}
    for row in items.itertuples(index=False):
        name = str(row.name)
        name = name if len(name) <= width else name[:width - 1].rstrip() + "…"
        deadline = "" if is_missing(row.due) else f", due {day(row.due, 'long')}"
        owner = "No owner recorded" if row.owner == NOBODY else str(row.owner)
        groups.setdefault(owner, []).append(
            f"{DUE_SUBJECT.get(str(row.what), str(row.what))} {row.id} ‘{name}’: {row.problem}{deadline}")
    return list(groups.items())


def due_html(items: pd.DataFrame, period: str) -> str:
    """The due list for ``period`` as HTML: a heading that folds the list, then each owner and their lines."""
    if items.empty:
        return (f'<div class="bsc-due"><b>Due for {esc(period)}</b>: nothing is owed: every actual, target, comment '
                "and deadline is in hand.</div>")
    owners = due_groups(items)
    body = "".join(f"<li><b>{esc(owner)}</b> ({plural(len(lines), 'item')})<ul>"
                   + "".join(f"<li>{esc(line)}</li>" for line in lines) + "</ul></li>" for owner, lines in owners)
    return (f'<details class="bsc-due" open><summary><b>Due for {esc(period)}</b>: {plural(len(items), "item")} '
            f'owed by {plural(len(owners), "owner")}</summary>'
            f'<ul style="max-height:18em;overflow-y:auto;margin-top:.3em">{body}</ul></details>')


REPORT_CSS = f"""
.bsc{{font-family:{FONT};color:{INK};line-height:1.45}}
.bsc h1{{font-size:1.9em;margin:.2em 0}}.bsc .bsc-sub{{color:{MUTED};margin:.2em 0 .8em}}
.bsc-chip{{display:inline-block;padding:.05em .55em;border-radius:.8em;color:#fff;font-size:.85em;
  font-weight:600;white-space:nowrap;-webkit-print-color-adjust:exact;print-color-adjust:exact}}
.bsc-table{{border-collapse:collapse;margin:.4em 0 1em;font-size:.9em;width:100%}}
.bsc-table th{{text-align:left;border-bottom:2px solid {STATUS_COLOURS[NO_TARGET]};padding:.3em .5em;
  background:{PANEL}}}
.bsc-table td{{border-bottom:1px solid {RULE};padding:.3em .5em;vertical-align:top}}
.bsc-table td.num,.bsc-num{{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}}
.bsc-table tr.bsc-group td{{background:{PANEL};font-weight:600}}
.bsc-progress{{display:inline-block;border:2px dashed {STATUS_COLOURS[AMBER]};border-radius:4px;padding:.15em .6em;
  font-weight:600;margin:.3em 0}}
.bsc-grid{{display:grid;grid-template-columns:repeat(auto-fit,minmax(320px,1fr));gap:.4em 1.2em}}
.bsc-grid>div{{break-inside:avoid;page-break-inside:avoid;min-width:0}}
.bsc-grid p{{font-size:.85em;margin:.3em 0 0}}
.bsc-summary h3{{font-size:1.1em;margin:.6em 0 .2em}}.bsc-summary ul{{margin:.2em 0 .6em;padding-left:1.3em}}
.bsc-headline{{display:flex;flex-wrap:wrap;gap:1.5em;align-items:center;margin:.5em 0 1em}}
.bsc-score{{font-size:3em;font-weight:700;line-height:1}}.bsc-score small{{font-size:.35em;color:{MUTED}}}
.bsc-facts div{{margin:.15em 0}}.bsc-note{{color:{MUTED};font-style:italic}}
.bsc-bar{{display:inline-block;width:6em;height:.7em;background:{RULE};border-radius:.35em;overflow:hidden;
  vertical-align:middle;-webkit-print-color-adjust:exact;print-color-adjust:exact}}
.bsc-bar span{{display:block;height:100%;background:{ACCENT}}}
.bsc-comment{{border-left:4px solid {ACCENT};margin:.5em 0 .8em;padding:.2em .9em;background:#f7f9fa}}
.bsc-comment .bsc-meta{{color:{MUTED};font-size:.85em}}
.bsc-earlier{{color:{MUTED};font-size:.9em;margin-top:.4em}}
.bsc-restated{{border:2px solid {STATUS_COLOURS[AMBER]};border-radius:4px;padding:.5em .9em;margin:.8em 0}}
.bsc-asof{{color:{MUTED};font-size:.85em;border-top:1px solid {RULE};padding-top:.6em}}
.bsc-earlier ul{{margin:.2em 0;padding-left:1.2em}}
.bsc-figure{{overflow-x:auto;break-inside:avoid;page-break-inside:avoid}}
.bsc-legend{{margin:.3em 0 .8em;font-size:.9em}}.bsc-legend-item{{margin-right:.9em;white-space:nowrap}}
.bsc blockquote{{border-left:4px solid {RULE};margin:.5em 0;padding:.1em .9em;color:{INK}}}
{PRINT_CSS}"""
"""Styles of the report sections (class names start with ``bsc``; print styles included); the title emits them."""


def plotly_loader(plotly_js: str = INLINE) -> str:
    """``<script>`` tags that load plotly.js (inline, or from a local file: a relative path) and fit charts to print.

    The plotly.js is the vendored basic bundle (:mod:`~bsc_widgets.render.plotly_bundle`)."""
    source = bundled_plotly_js() if plotly_js == INLINE else None
    # plotly.js registers itself as an AMD module when require.js is present: hide ``define`` meanwhile.
    hide, restore = ("<script>window.__bscDefine=window.define;window.define=undefined;</script>",
                     "<script>window.define=window.__bscDefine;</script>")
    body = (f'<script type="text/javascript">{source}</script>' if source is not None
            else f'<script src="{html.escape(plotly_js)}"></script>')
    return hide + body + restore + f"<script>{PRINT_FIT_JS}</script>"
