"""Real browser: serve the dashboard with ``streamlit_command`` and visit every page URL in headless Chromium.

Skipped when ``/usr/bin/chromium`` or Playwright is missing (never runs ``playwright install``). Screenshots go to
``test-artifacts/`` (gitignored).
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlparse

import pytest

from app_fixtures import (CHROMIUM, env_with_path, fake_itksnap, launch_chromium, make_project, served_dashboard,
                          wait_for)
from auditapp.app.main import PAGES

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
# text that proves each page rendered its content (not only the title)
EXPECTED = {
    "home": "Project status",
    "univariate": "Click a point to open the subject in ITK-SNAP.",
    "multivariate": "Spearman",
    "subjects": "IQR outlier detection",
}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    if not CHROMIUM.is_file():
        pytest.skip("/usr/bin/chromium is not installed")
    pytest.importorskip("playwright.sync_api")
    root = tmp_path_factory.mktemp("browser")
    config = make_project(root)
    record = root / "itksnap_args.txt"
    fake_itksnap(root / "bin", record)
    env = {**os.environ, "PATH": env_with_path(root / "bin")}
    with served_dashboard(config, root / "streamlit.log", env=env, timeout=30) as url:
        yield url, record


def test_every_page_url_renders(server):
    from playwright.sync_api import sync_playwright

    server, record = server
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as pw:
        browser = launch_chromium(pw)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            for file, title, url_path, _ in PAGES:
                target = server + ("/" if url_path == "home" else f"/{url_path}")
                page.goto(target, wait_until="domcontentloaded")
                page.get_by_role("heading", name="AUDIT" if url_path == "home" else title).first.wait_for(
                    timeout=20000)
                if url_path in EXPECTED:
                    page.get_by_text(EXPECTED[url_path]).first.wait_for(timeout=20000)
                else:  # model pages: their content or the message saying what to configure
                    page.locator("[data-testid='stMain'] [data-testid='stMarkdownContainer']").first.wait_for(
                        timeout=20000)
                if url_path in ("univariate", "multivariate"):
                    page.locator(".js-plotly-plot").first.wait_for(timeout=20000)
                if url_path == "home":  # static tables: long status cells wrap instead of being cut off
                    page.locator("[data-testid='stTable']").first.wait_for(timeout=20000)
                if url_path == "subjects":
                    page.locator("[data-testid='stDataFrame']").first.wait_for(timeout=20000)
                page.wait_for_function(
                    "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=20000)
                page.screenshot(path=str(ARTIFACTS / f"page_{url_path}.png"), full_page=True)
                assert page.locator("[data-testid='stException']").count() == 0, f"exception on {target}"
                assert page.get_by_text("Something went wrong on this page").count() == 0, target
                if url_path != "home":  # one URL per page: a reload stays on the page
                    assert urlparse(page.url).path.rstrip("/") == f"/{url_path}"
            page.reload(wait_until="domcontentloaded")  # a reload stays on the last page visited
            page.get_by_role("heading", name=PAGES[-1][1]).first.wait_for(timeout=20000)

            # click-through: a click on a point of the univariate figure opens that subject in ITK-SNAP
            page.goto(server + "/univariate", wait_until="domcontentloaded")
            point = page.locator(".js-plotly-plot .scatterlayer .trace .points path").first
            point.wait_for(timeout=20000)
            point.click(force=True)
            page.get_by_role("button", name="Open again").wait_for(timeout=20000)
            page.screenshot(path=str(ARTIFACTS / "click_univariate.png"))
            assert wait_for(record, 10)
            args = record.read_text().splitlines()
            assert args[0] == "-g" and args[1].endswith("_t1ce.nii.gz")
            clicked = Path(args[1]).parent.name
            assert page.get_by_text(clicked).count() >= 1
            page.get_by_role("button", name="Show in Subjects exploration").click()
            page.get_by_role("heading", name=f"Subject information: {clicked}").wait_for(timeout=20000)
            assert urlparse(page.url).path == "/subjects" and f"id={clicked}" in urlparse(page.url).query
        finally:
            browser.close()
