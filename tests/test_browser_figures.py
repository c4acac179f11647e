"""Issue 16 in a real browser: what Plotly actually draws (box positions per facet, marginal bars on a log axis,
axis lines and tick text), read from the rendered SVG in headless Chromium.

Skipped when ``/usr/bin/chromium`` or playwright is missing (never ``playwright install``).
"""

from __future__ import annotations

import pytest

from app_fixtures import launch_chromium
from test_browser_models import server  # noqa: F401  (module-scoped dashboard fixture)

pytestmark = pytest.mark.browser

BOX_CENTRES = """() => {
  const gd = document.querySelectorAll('.js-plotly-plot')[0];
  const out = {};
  gd.querySelectorAll('g.cartesianlayer > g.subplot').forEach(sp => {
    const xs = [...sp.querySelectorAll('g.trace.boxes path.box')].map(p => {
      const r = p.getBoundingClientRect(); return Math.round(r.left + r.width / 2); });
    if (xs.length) out[sp.getAttribute('class')] = xs;
  });
  return out;
}"""

MARGIN_BARS = """() => {
  const gd = [...document.querySelectorAll('.js-plotly-plot')].find(g => g.querySelector('g.subplot.x3y2'));
  if (!gd) return -1;
  return [...gd.querySelectorAll('g.subplot.x3y2 g.bars path')].filter(
    p => p.getBoundingClientRect().height > 0.5).length;
}"""

AXIS_STYLE = """() => {
  const gd = document.querySelectorAll('.js-plotly-plot')[0];
  const tick = gd.querySelector('g.xtick text');
  const line = gd.querySelector('path.xlines-above');
  const mark = gd.querySelector('path.xtick');
  return {font: parseFloat(getComputedStyle(tick).fontSize), line: line && line.style.stroke,
          tick: mark && mark.style.stroke};
}"""


def _open(page, url: str, title: str) -> None:
    page.goto(url, timeout=60_000)
    page.get_by_role("heading", name=title).first.wait_for(timeout=60_000)
    page.wait_for_function("document.querySelectorAll('.js-plotly-plot .main-svg').length >= 1", timeout=60_000)
    page.wait_for_timeout(500)


def test_rendered_figures(server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = launch_chromium(p)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1200})
            # 3: disaggregated multi-model: each region row draws the models at the same x (no staircase)
            _open(page, f"{server}/multi_model", "Multi-model performance")
            page.get_by_text("Aggregated").first.click()
            page.wait_for_function("document.querySelectorAll('.js-plotly-plot g.subplot.x3y3').length >= 1",
                                   timeout=60_000)
            page.wait_for_timeout(800)
            centres = page.evaluate(BOX_CENTRES)
            assert len(centres) == 3 and all(len(v) == 3 for v in centres.values()), centres
            rows = list(centres.values())
            assert all(max(abs(a - b) for a, b in zip(sorted(r), sorted(rows[0]))) <= 1 for r in rows), centres
            # 12: dark axis lines and ticks, tick text >= 12 px
            style = page.evaluate(AXIS_STYLE)
            assert style["font"] >= 12 and style["line"] == "rgb(38, 39, 48)" and style["tick"] == "rgb(38, 39, 48)"
            # 9: log X with marginal distributions: the top histogram has bars
            _open(page, f"{server}/multivariate", "Multivariate analysis")
            page.get_by_text("Log X").click()
            page.get_by_text("Marginal distributions").click()
            page.wait_for_function(f"({MARGIN_BARS})() > 0", timeout=60_000)
            assert page.evaluate(MARGIN_BARS) >= 3
            assert page.locator("[data-testid='stException']").count() == 0
        finally:
            browser.close()
