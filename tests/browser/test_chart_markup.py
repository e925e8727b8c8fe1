"""Links and bold tags typed into the plan are drawn as text by every chart, in its labels and in its hover labels."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from browser_support import failure_screenshot, new_page
from plans import MARKUP, with_markup

from bsc_widgets import Store, score_review
from bsc_widgets.render import charts
from bsc_widgets.render.html import figure, plotly_loader

# Hover over the first points of every trace that has hover text (plotly draws at most one hover label per
# 50 ms), then report what the chart's SVG holds: links, text drawn bold, hover labels seen, all its text.
INSPECT = """async (id) => {
  const gd = document.getElementById(id);
  const found = {links: 0, bold: [], hovers: 0, text: ''};
  const look = () => {
    found.links += gd.querySelectorAll('svg a').length;
    for (const t of gd.querySelectorAll('svg tspan')) {
      if ((t.getAttribute('style') || '').includes('bold') && t.textContent.trim() === 'bold') {
        found.bold.push(t.textContent);
      }
    }
    found.text += ' ' + [...gd.querySelectorAll('svg')].map(s => s.textContent).join(' ');
  };
  const pause = () => new Promise(resolve => setTimeout(resolve, 70));
  look();
  for (const [curve, trace] of gd._fullData.entries()) {
    if (trace.hoverinfo === 'skip') continue;
    const points = Math.min(3, (gd.calcdata[curve] || []).length);
    for (let point = 0; point < points; point++) {
      Plotly.Fx.hover(gd, [{curveNumber: curve, pointNumber: point}]);
      await pause();
      if (gd.querySelector('.hoverlayer .hovertext, .hoverlayer .legend')) { found.hovers += 1; look(); }
      Plotly.Fx.unhover(gd);
    }
  }
  return found;
}"""


def test_markup_in_the_plan_never_becomes_a_link_or_bold_in_a_chart(browser: Any, sample_store_template: Path,
                                                                       tmp_path: Path, screenshots: Path) -> None:
    frames = with_markup(Store.open(sample_store_template).read_all())
    review = score_review(frames, "2026Q3", "org")
    figures = {"map": charts.strategy_map(frames, "org", review),
               "gantt": charts.gantt(frames, "org", today=dt.date(2026, 11, 24)),
               "trend": charts.kpi_trend(frames, "rev-net", period="2026Q3", review=review),
               "band": charts.kpi_trend(frames, "inventory-cover", period="2026Q3", review=review)}
    page_file = tmp_path / "charts.html"
    page_file.write_text("<!doctype html><html><head><meta charset='utf-8'></head><body>" + plotly_loader()
                         + "".join(figure(fig, name) for name, fig in figures.items()) + "</body></html>")
    context, page, watch = new_page(browser, ("file://",))
    try:
        with failure_screenshot(page, screenshots / "chart-markup-FAILED.png", watch):
            page.goto(page_file.as_uri())
            page.wait_for_function("() => [...document.querySelectorAll('.plotly-graph-div')]"
                                   ".every(d => d.querySelector('svg.main-svg'))")
            for name in figures:
                found = page.evaluate(INSPECT, f"bsc-{name}")
                assert found["links"] == 0, f"{name}: a link from the plan became an <a> element"
                assert found["bold"] == [], f"{name}: a bold tag from the plan was drawn bold"
                assert found["hovers"] > 0, f"{name}: no hover label was drawn"
                assert MARKUP.split(" &")[0] in found["text"], f"{name}: the markup is not shown as typed"
                assert '& "quoted"' in found["text"] and "&quot;" not in found["text"]
            assert watch.errors == [], watch.errors
            page.screenshot(path=str(screenshots / "chart-markup.png"), full_page=True)
    finally:
        context.close()
