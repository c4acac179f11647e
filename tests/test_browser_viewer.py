"""The slice viewer and the gallery in headless Chromium on ../shared/data/brats (skipped when absent).

The dashboard is served as ``auditapp run-app`` does; the planes, overlays, a slider move and the jump buttons are
checked against numpy on the same NIfTI files. Skipped when ``/usr/bin/chromium`` or Playwright is missing (never
``playwright install``). Screenshots go to ``test-artifacts/`` (git-ignored).
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import nibabel as nib
import numpy as np
import pytest

from app_fixtures import CHROMIUM, launch_chromium, served_dashboard, write_brats_config

pytestmark = [pytest.mark.browser, pytest.mark.shared]

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
SET, SUBJECT, MODEL = "BraTS2024_SSA", "BraTS2024_SSA-00002-000", "nnUnet"
STATE = ("() => document.querySelector('[data-testid=\"stApp\"]')"
         "?.getAttribute('data-test-script-state') === 'notRunning'")
TITLES = re.compile(r"^(Axial|Coronal|Sagittal) (\d+) / (\d+)$")


@pytest.fixture(scope="module")
def server(shared_dir, tmp_path_factory):
    if not CHROMIUM.is_file():
        pytest.skip("/usr/bin/chromium is not installed")
    pytest.importorskip("playwright.sync_api")
    brats = shared_dir / "data" / "brats"
    if not brats.is_dir():
        pytest.skip(f"{brats} not found")
    config = write_brats_config(brats, shared_dir / "reference", tmp_path_factory.mktemp("viewer_browser"))
    with served_dashboard(config, config.parent / "streamlit.log") as url:
        yield url, brats


def _labels(path: Path) -> np.ndarray:
    return np.asarray(nib.load(str(path)).dataobj).T.astype(np.int16)  # (k, j, i), as auditapp reads it


def _positions(page) -> list[int]:
    """Slice index per plane from the three figure titles ("Axial 87 / 154")."""
    titles = page.locator(".auditapp-plane-title").all_text_contents()
    found = {m.group(1): int(m.group(2)) for m in map(TITLES.match, titles) if m}
    return [found["Axial"], found["Coronal"], found["Sagittal"]]


def _wait_positions(page, expected: list[int]) -> None:
    end = time.monotonic() + 30
    while _positions(page) != expected:
        if time.monotonic() > end:
            raise AssertionError(f"planes at {_positions(page)}, expected {expected}")
        time.sleep(0.1)


def _hrefs(page) -> list[str]:
    return page.locator(".auditapp-plane img").evaluate_all("els => els.map(e => e.getAttribute('src'))")


def test_viewer_planes_slider_and_jumps(server):
    from playwright.sync_api import sync_playwright

    url, brats = server
    case = brats / SET / f"{SET}_images" / SUBJECT
    gt = _labels(case / f"{SUBJECT}_seg.nii.gz")
    pred = _labels(brats / SET / f"{SET}_seg" / MODEL / SUBJECT / f"{SUBJECT}_pred.nii.gz")
    fn, fp = (gt > 0) & (pred != gt), (pred > 0) & (pred != gt)

    def argmax_per_axis(mask):
        return [int(np.argmax(mask.sum(axis=tuple(b for b in range(3) if b != a)))) for a in range(3)]

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as pw:
        browser = launch_chromium(pw)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1100})
            page.goto(f"{url}/subjects?set={SET}&id={SUBJECT}&view=slices&model={MODEL}",
                      wait_until="domcontentloaded")
            # cold: three volumes read and an outcome map computed (slow on a loaded machine)
            page.wait_for_function("() => document.querySelectorAll('.auditapp-plane img').length === 3",
                                   timeout=180000)
            page.wait_for_function(STATE, timeout=120000)
            # three planes at the GT centroid, each a PNG; the axial one has the outcome legend
            centroid = [int(np.floor(c + 0.5)) for c in np.argwhere(gt > 0).mean(axis=0)]
            _wait_positions(page, centroid)
            hrefs = _hrefs(page)
            assert len(hrefs) == 3 and all(h.startswith("data:image/png;base64,") for h in hrefs)
            legend = page.locator(".auditapp-legend > span").all_text_contents()
            assert legend == ["TP", "FP", "FN", "Wrong label"]
            # the PNG is drawn at its size in the page (not stripped by the HTML sanitiser)
            box = page.locator(".auditapp-plane img").first.bounding_box()
            assert box is not None and box["width"] > 150 and box["height"] > 150
            assert page.locator("[data-testid='stException']").count() == 0
            page.screenshot(path=str(ARTIFACTS / "viewer_subjects.png"), full_page=True)

            # a slider step redraws its plane only
            thumb = page.get_by_test_id("stSlider").filter(has_text="Axial slice").get_by_role("slider")
            thumb.focus()
            page.keyboard.press("ArrowRight")
            _wait_positions(page, [centroid[0] + 1, centroid[1], centroid[2]])
            page.wait_for_function(STATE, timeout=30000)
            after = _hrefs(page)
            assert after[0] != hrefs[0] and after[1:] == hrefs[1:]

            # jump buttons land on the numpy argmax slices, which hold errors
            for name, mask in (("Most false negatives", fn), ("Most false positives", fp)):
                page.get_by_role("button", name=name).click()
                expected = argmax_per_axis(mask)
                _wait_positions(page, expected)
                assert all(np.take(mask, expected[a], axis=a).any() for a in range(3))
            page.get_by_role("button", name="Lesion centroid").click()
            _wait_positions(page, centroid)
        finally:
            browser.close()


def test_gallery_thumbnails(server):
    from playwright.sync_api import sync_playwright

    url, _ = server
    with sync_playwright() as pw:
        browser = launch_chromium(pw)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1100})
            page.goto(f"{url}/gallery", wait_until="domcontentloaded")
            page.get_by_role("heading", name="Worst cases gallery").first.wait_for(timeout=60000)
            page.get_by_role("heading", name="1 worst").wait_for(timeout=60000)  # SSA: one subject
            page.wait_for_function(STATE, timeout=60000)
            imgs = page.locator("[data-testid='stImage'] img")
            imgs.first.wait_for(timeout=60000)
            assert imgs.count() == 2
            assert page.get_by_text(f"{SUBJECT} · Dice").count() == 2
            page.get_by_role("button", name="Open in viewer").first.click()
            page.get_by_role("heading", name=f"Slice viewer: {SUBJECT}").wait_for(timeout=60000)
            page.wait_for_function("() => document.querySelectorAll('.auditapp-plane img').length === 3",
                                   timeout=60000)
            page.wait_for_function(STATE, timeout=60000)
            assert page.locator("[data-testid='stException']").count() == 0
            page.screenshot(path=str(ARTIFACTS / "viewer_gallery.png"), full_page=True)
        finally:
            browser.close()
