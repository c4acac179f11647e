"""The model pages in a real browser: the dashboard served as ``auditapp run-app`` does, driven by headless
Chromium through Playwright. Every page URL renders its title and figures with no Streamlit exception and no
"Something went wrong" box; screenshots go to ``test-artifacts/`` (git-ignored).

Skipped when ``/usr/bin/chromium`` or playwright is missing (never ``playwright install``).
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from app_fixtures import CHROMIUM, launch_chromium, served_dashboard
from test_app_models_pages import make_models_project

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
# (url path, title, number of Plotly figures expected at least)
PAGES = (
    ("error_matrix", "Segmentation error matrix", 1),
    ("single_model", "Single model performance", 1),
    ("pairwise", "Pairwise model performance", 1),
    ("multi_model", "Multi-model performance", 3),
    ("longitudinal", "Longitudinal analysis", 1),
)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    if not CHROMIUM.exists():
        pytest.skip("/usr/bin/chromium is not installed")
    pytest.importorskip("playwright.sync_api")
    project = make_models_project(tmp_path_factory.mktemp("browser_models"))
    with served_dashboard(project["config"], tmp_path_factory.mktemp("browser_log") / "server.log",
                          timeout=30) as url:
        yield url


def test_model_pages_render_in_chromium(server):
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    timings = {}
    with sync_playwright() as p:
        browser = launch_chromium(p)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            for path, title, n_figs in PAGES:
                t0 = time.monotonic()
                page.goto(f"{server}/{path}", timeout=30_000)
                page.get_by_role("heading", name=title).first.wait_for(timeout=30_000)
                page.wait_for_function(
                    f"document.querySelectorAll('.js-plotly-plot .main-svg').length >= {n_figs}", timeout=30_000)
                page.wait_for_timeout(300)  # let the last figure paint
                timings[path] = time.monotonic() - t0
                page.screenshot(path=str(ARTIFACTS / f"models_{path}.png"), full_page=True)
                assert page.locator("[data-testid='stException']").count() == 0, path
                assert page.get_by_text("Something went wrong").count() == 0, path
                assert page.url.rstrip("/").endswith(path)  # one URL per page
            # an interaction: pairwise statistical test, rendered end to end
            page.goto(f"{server}/pairwise", timeout=30_000)
            page.get_by_text("Perform statistical test").wait_for(timeout=30_000)
            t0 = time.monotonic()
            page.get_by_text("Perform statistical test").click()
            page.get_by_text("p-value").first.wait_for(timeout=30_000)
            timings["pairwise: test on"] = time.monotonic() - t0
            page.get_by_text("AUDIT reference rule").click()
            page.get_by_text("Per region (Holm-adjusted)").click()
            page.get_by_text("Normality of each sample").wait_for(timeout=30_000)
            page.get_by_text("Holm-adjusted across regions").wait_for(timeout=30_000)
            page.wait_for_timeout(300)
            page.locator("[data-testid='stMain']").evaluate("e => e.scrollTo(0, e.scrollHeight)")
            page.wait_for_timeout(300)
            page.screenshot(path=str(ARTIFACTS / "models_pairwise_test.png"), full_page=True)
            assert page.locator("[data-testid='stException']").count() == 0
            assert page.get_by_text("Something went wrong").count() == 0
        finally:
            browser.close()
    print("browser timings (s):", {k: round(v, 2) for k, v in timings.items()})
