"""Printing a report: the page (A4, margins), the print styles, and the script that fits charts to the page.

On screen a plotly chart is as wide as the window; on paper it must be as wide as the
printable part of the page, or its right part (the shaded review period, the forecast,
the legend) is cut off.  :data:`PRINT_FIT_JS` travels with the charts (the report's
plotly loader emits it): before the browser prints it redraws every chart that fills
its container at the printable width, and scales down the charts drawn at a fixed size
(the strategy map) or taller than a page, so that none is cut; a chart shorter than half a
page is drawn at most 27% of the page tall, so that three trend charts and their captions
share a page (20% in a two-column grid: eight to a page).  After printing it puts them back.  The PDF engine
(:mod:`bsc_widgets.reports.pdf`) calls the same function, ``bscPrint.fit()``, with the
same page, so a report printed from a browser and its PDF look the same.
"""

from __future__ import annotations

__all__ = ["HEADING_RESERVE", "PAGE", "PRINT_CSS", "PRINT_FIT_JS", "PageGeometry"]

_PX_PER_MM = 96 / 25.4


class PageGeometry:
    """A paper size and its margins (millimetres), and the printable area in CSS pixels."""

    def __init__(self, name: str, width_mm: float, height_mm: float, *, top: float, right: float, bottom: float,
                 left: float) -> None:
        self.name = name
        self.width_mm, self.height_mm = width_mm, height_mm
        self.top, self.right, self.bottom, self.left = top, right, bottom, left

    @property
    def printable_width(self) -> int:
        """Width inside the margins, in CSS pixels (rounded down)."""
        return int((self.width_mm - self.left - self.right) * _PX_PER_MM)

    @property
    def printable_height(self) -> int:
        """Height inside the margins, in CSS pixels (rounded down)."""
        return int((self.height_mm - self.top - self.bottom) * _PX_PER_MM)

    def margins(self) -> dict[str, str]:
        """The margins as CSS lengths, as the PDF engine takes them."""
        return {"top": f"{self.top}mm", "right": f"{self.right}mm", "bottom": f"{self.bottom}mm",
                "left": f"{self.left}mm"}

    def css(self) -> str:
        """The ``@page`` rule of this page."""
        return f"@page{{size:{self.name};margin:{self.top}mm {self.right}mm {self.bottom}mm {self.left}mm}}"


PAGE = PageGeometry("A4", 210, 297, top=14, right=14, bottom=18, left=14)
"""The report's printed page: A4 portrait; the bottom margin leaves room for the footer (page numbers, period)."""

HEADING_RESERVE = 110
"""CSS pixels of a page kept for the heading and caption above a chart that is scaled down to fit a page."""

PRINT_CSS = f"""
@media print{{
  {PAGE.css()}
  html,body{{-webkit-print-color-adjust:exact;print-color-adjust:exact}}
  .bsc-table{{font-size:.74em;table-layout:auto;width:100%;max-width:100%}}
  .bsc-table th,.bsc-table td{{padding:.25em .3em;overflow-wrap:anywhere}}
  .bsc-table .bsc-chip,.bsc-table .bsc-num{{white-space:nowrap;overflow-wrap:normal}}
  .bsc-table tr,.bsc-comment,.bsc-restated,.bsc-headline{{break-inside:avoid;page-break-inside:avoid}}
  .bsc-table thead{{display:table-header-group}}
  .bsc h2,.bsc h3,.bsc h4,.bsc p:has(+ .bsc-figure),.bsc p:has(+ .bsc-table){{break-after:avoid;
    page-break-after:avoid}}
  .bsc-figure{{overflow:visible;break-inside:avoid;page-break-inside:avoid;max-width:100%}}
  .modebar,.modebar-container{{display:none!important}}
  .bsc-grid{{grid-template-columns:1fr 1fr}}
  .jp-Cell,.jp-Cell-outputWrapper,.jp-OutputArea,.jp-OutputArea-child,.jp-OutputArea-output{{break-inside:auto!important;
    page-break-inside:auto!important}}
}}
"""
"""Print styles of the report sections: the page, tables that fit, headings and captions kept with what follows."""

PRINT_FIT_JS = """
(function () {
  if (window.bscPrint) { return; }
  var WIDTH = $WIDTH, HEIGHT = $HEIGHT, SHORT = 0.27, GRID_SHORT = 0.2, GAP = 20, RESERVE = $RESERVE;
  var drawing = [];  // every Plotly.newPlot of the page: ready() waits for them all
  function sizes(box, fixed, w, h, width, height) {  // how to print a chart of w x h px
    var room = height - RESERVE;  // room for the heading and caption above it
    if (fixed) {  // drawn at a fixed size (the strategy map): scale it down whole
      return {zoom: Math.min(1, width / w, (h > room ? room : height) / h)};
    }
    // fills its container: drawn at the printable width (short charts: three to a page)
    var inGrid = !!box.closest('.bsc-grid'), short = inGrid ? GRID_SHORT : SHORT;
    if (inGrid) { width = Math.floor((width - GAP) / 2); }  // two a row in a grid, four rows a page
    // taller than a page (the Gantt chart of a large plan): drawn wider and scaled down whole, so that it
    // fills the width of one page, legend included, instead of running onto the next
    var zoom = h > room ? room / h : 1, out = {zoom: zoom, width: Math.floor(width / zoom)};
    if (h < height / 2) { out.height = Math.min(h, Math.floor(height * short)); }
    return out;
  }
  function size(box, fixed, s) {  // the chart's container at the printed size (its own style kept for restore)
    if (box.dataset.bscStyle === undefined) {
      box.dataset.bscStyle = box.getAttribute('style') || '';
      box.dataset.bscFixed = fixed ? '1' : '';
    }
    if (s.width) { box.style.width = s.width + 'px'; }
    if (s.height) { box.style.height = s.height + 'px'; }
    if (s.zoom < 1) { box.style.zoom = String(s.zoom); }
    box.dataset.bscFitted = '1';
  }
  if (window.Plotly && window.Plotly.newPlot) {
    var newPlot = window.Plotly.newPlot;
    window.Plotly.newPlot = function (target, data, layout, config) {
      var gd = typeof target === 'string' ? document.getElementById(target) : target;
      if (window.bscPrintFirst && gd && gd.parentElement && layout) {  // the PDF engine: drawn once, for paper
        var fixed = !!layout.width, h = layout.height || 450, s = sizes(gd.parentElement, fixed,
                                                                         layout.width || WIDTH, h, WIDTH, HEIGHT);
        size(gd.parentElement, fixed, s);
        if (!fixed) { layout = Object.assign({}, layout, {width: s.width, height: s.height || h}); }
        config = Object.assign({}, config, {staticPlot: true});  // paper: no hover or drag layers to build
      }
      var drawn = newPlot.call(this, target, data, layout, config);
      drawing.push(drawn);
      return drawn;
    };
  }
  function loaded() {
    return new Promise(function (resolve) {
      if (document.readyState === 'complete') { resolve(); } else { window.addEventListener('load', resolve); }
    });
  }
  function ready() {  // resolves once the page has loaded, every chart is drawn and the fonts are in
    return loaded().then(function () { return Promise.all(drawing); })
      .then(function () { return document.fonts ? document.fonts.ready : null; })
      .then(function () { document.documentElement.dataset.bscReady = '1'; });
  }
  function graphs() { return Array.prototype.slice.call(document.querySelectorAll('.js-plotly-plot')); }
  function fitOne(gd, width, height) {
    var box = gd.parentElement;
    if (box.dataset.bscFitted) { return Promise.resolve(); }
    var fixed = box.dataset.bscStyle === undefined ? !!(gd.layout && gd.layout.width) : !!box.dataset.bscFixed;
    var s = sizes(box, fixed, gd._fullLayout.width, gd._fullLayout.height, width, height);
    size(box, fixed, s);
    return fixed ? Promise.resolve() : window.Plotly.relayout(gd, s.height ? {width: s.width, height: s.height}
                                                                             : {width: s.width});
  }
  function fit(width, height) {
    if (!window.Plotly) { return Promise.resolve([]); }
    return Promise.all(graphs().map(function (gd) { return fitOne(gd, width || WIDTH, height || HEIGHT); }));
  }
  function restore() {
    graphs().forEach(function (gd) {
      var box = gd.parentElement;
      if (box.dataset.bscStyle === undefined) { return; }
      box.setAttribute('style', box.dataset.bscStyle);
      var fixed = box.dataset.bscFixed;
      delete box.dataset.bscStyle; delete box.dataset.bscFixed; delete box.dataset.bscFitted;
      if (!fixed && window.Plotly) { delete gd.layout.width; window.Plotly.Plots.resize(gd); }
    });
  }
  window.bscPrint = {ready: ready, fit: fit, restore: restore, width: WIDTH, height: HEIGHT};
  window.addEventListener('beforeprint', function () { fit(); });
  window.addEventListener('afterprint', restore);
})();
""".replace("$WIDTH", str(PAGE.printable_width)).replace("$HEIGHT", str(PAGE.printable_height)).replace(
    "$RESERVE", str(HEADING_RESERVE))
"""Script that fits every plotly chart of the page to the printed page (``bscPrint.fit()``; run before printing).

``bscPrint.ready()`` is the page's ready signal: a promise that resolves once the page has
loaded, every chart's ``Plotly.newPlot`` has finished drawing and the fonts are loaded (it
also sets ``data-bsc-ready`` on the ``<html>`` element).  The PDF engine waits for it
instead of polling or sleeping.  With ``window.bscPrintFirst`` set before the page loads
(the PDF engine's init script), every chart is drawn at its printed size in the first
place (and static: without the hover and drag layers paper has no use for, which are half of plotly's drawing
time), instead of drawn for the screen and redrawn for paper."""
