"""Benchmark of the slice viewer and the worst-cases gallery on ../shared/data/brats (BraTS2024_SSA-00002-000).

Usage::

    python benchmarks/bench_app_viewer.py [--shared ../shared] [--repeat 8] [--browser] [--port 8681]

Script time through ``AppTest`` (the whole Subjects page: AppTest reruns the page, not the viewer's fragment): opening
the viewer with cold caches (three NIfTI reads, the outcome map), a warm slice change (one plane re-encoded) with
Streamlit's ``gc.collect(2)`` after each rerun on (its default) and off (as ``auditapp run-app`` serves the app), a
jump button, an overlay change; the gallery cold and warm. With ``--browser``
the app is served (``streamlit_command``) and headless Chromium (``/usr/bin/chromium``, Playwright) measures a slice
change end to end: the slider key press -> the rerun finished -> the plane's new PNG in the page -> two animation
frames (budget: 300 ms warm). Ratios (cold / warm, GC on / off) are measured within this run.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
MAIN = REPO / "src" / "auditapp" / "app" / "main.py"
SET, SUBJECT, MODEL = "BraTS2024_SSA", "BraTS2024_SSA-00002-000", "nnUnet"
KEY = "subjects.viewer"
STATE = ("() => document.querySelector('[data-testid=\"stApp\"]')"
         "?.getAttribute('data-test-script-state') === 'notRunning'")
PAINTED = "() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r(true))))"


def write_config(shared: Path, folder: Path) -> Path:
    sys.path.insert(0, str(REPO / "tests"))
    from test_browser_viewer import write_brats_config

    return write_brats_config(shared / "data" / "brats", shared / "reference", folder)


def timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def apptest(repeat: int) -> list[tuple[str, float]]:
    from streamlit import config
    from streamlit.testing.v1 import AppTest

    config.set_option("runner.postScriptGC", False)  # as `auditapp run-app` serves the app (launch.py)
    rows = []
    at = AppTest.from_file(str(MAIN), default_timeout=300)
    at.run()
    at.query_params.update({"set": SET, "id": SUBJECT, "model": MODEL})
    at.switch_page("views/subjects.py").run()
    rows.append(("subjects page, viewer off", timed(at.run)))
    at.toggle(key="subjects.viewer.on").set_value(True)
    rows.append(("viewer opened (cold: 3 NIfTI reads, outcome map)", timed(at.run)))
    slider = f"{KEY}.slice.{SET}.{SUBJECT}.0"
    start = at.slider(key=slider).value
    warm = {}
    for gc_on in (True, False):  # Streamlit's default, then as `auditapp run-app` serves it
        config.set_option("runner.postScriptGC", gc_on)
        warm[gc_on] = []
        for step in range(1, repeat + 1):
            at.slider(key=slider).set_value(start + step * (1 if gc_on else -1))
            warm[gc_on].append(timed(at.run))
    rows.append((f"slice change, post-script GC on (median of {repeat})", statistics.median(warm[True])))
    rows.append((f"slice change (median of {repeat})", statistics.median(warm[False])))
    rows.append((f"slice change (max of {repeat})", max(warm[False])))
    at.button(key=f"{KEY}.jump.fn").click()
    rows.append(("jump: most false negatives", timed(at.run)))
    at.selectbox(key=f"{KEY}.overlay").set_value("Ground truth labels")
    rows.append(("overlay: ground truth labels", timed(at.run)))
    assert not at.exception, at.exception
    gallery = AppTest.from_file(str(MAIN), default_timeout=300)
    gallery.run()
    gallery.switch_page("views/gallery.py")
    rows.append(("gallery (BraTS2024_SSA, cold thumbnails)", timed(gallery.run)))
    rows.append(("gallery rerun (cached thumbnails)", timed(gallery.run)))
    assert not gallery.exception, gallery.exception
    return rows


def browser(config: Path, port: int, repeat: int) -> list[tuple[str, float]]:
    import signal
    import subprocess
    import urllib.request

    from playwright.sync_api import sync_playwright

    sys.path.insert(0, str(REPO / "src"))
    from auditapp.app.launch import streamlit_command

    proc = subprocess.Popen(streamlit_command(config, port=port), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    rows = []
    try:
        for _ in range(300):
            try:
                with urllib.request.urlopen(url + "/_stcore/health", timeout=1):
                    break
            except OSError:
                time.sleep(0.2)
        with sync_playwright() as pw:
            chromium = pw.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=[
                "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                "--disable-sync"])
            page = chromium.new_page(viewport={"width": 1400, "height": 1100})
            t0 = time.perf_counter()
            page.goto(f"{url}/subjects?set={SET}&id={SUBJECT}&view=slices&model={MODEL}",
                      wait_until="domcontentloaded")
            page.wait_for_function("() => document.querySelectorAll('.auditapp-plane img').length === 3",
                                   timeout=300000)
            page.wait_for_function(STATE, timeout=300000)
            page.evaluate(PAINTED)
            rows.append(("viewer page load (cold caches)", time.perf_counter() - t0))
            thumb = page.get_by_test_id("stSlider").filter(has_text="Axial slice").get_by_role("slider")
            href = "() => document.querySelector('.auditapp-plane img')?.getAttribute('src')"
            times = []
            for step in range(repeat * 2):
                key = "ArrowRight" if step < repeat else "ArrowLeft"
                before = page.evaluate(href)
                thumb.focus()
                t0 = time.perf_counter()
                page.keyboard.press(key)
                page.wait_for_function(f"() => (e => e !== null && e.getAttribute('src') !== {before!r})"
                                       "(document.querySelector('.auditapp-plane img'))", timeout=60000)
                page.wait_for_function(STATE, timeout=60000)
                page.evaluate(PAINTED)
                times.append(time.perf_counter() - t0)
            # the first `repeat` steps encode new slices; going back finds them in the plane cache
            rows.append((f"slice change, new slice (median of {repeat})", statistics.median(times[:repeat])))
            rows.append((f"slice change, cached slice (median of {repeat})", statistics.median(times[repeat:])))
            rows.append(("slice change, slowest", max(times)))
            title = "() => document.querySelector('.auditapp-plane-title')?.textContent"
            before = page.evaluate(title)
            t0 = time.perf_counter()
            page.get_by_role("button", name="Most false positives").click()
            page.wait_for_function(f"() => (e => e !== null && e.textContent !== {before!r})"
                                   "(document.querySelector('.auditapp-plane-title'))", timeout=60000)
            page.wait_for_function(STATE, timeout=60000)
            page.evaluate(PAINTED)
            rows.append(("jump: most false positives", time.perf_counter() - t0))
            chromium.close()
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=REPO.parent / "shared")
    parser.add_argument("--repeat", type=int, default=8)
    parser.add_argument("--browser", action="store_true", help="also measure end to end in headless Chromium")
    parser.add_argument("--port", type=int, default=8681)
    args = parser.parse_args()
    if not (args.shared / "data" / "brats").is_dir():
        print(f"skip: {args.shared}/data/brats not found", file=sys.stderr)
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        config = write_config(args.shared, Path(tmp))
        os.environ["AUDITAPP_CONFIG"] = str(config)
        rows = apptest(args.repeat)
        print(f"{'AppTest script time':52s} {'ms':>8s}")
        for name, t in rows:
            print(f"{name:52s} {t * 1000:8.0f}")
        times = dict(rows)
        warm = times[f"slice change (median of {args.repeat})"]
        print(f"cold open / warm slice change: {times['viewer opened (cold: 3 NIfTI reads, outcome map)'] / warm:.1f}x")
        gc_on = times[f"slice change, post-script GC on (median of {args.repeat})"]
        print(f"post-script GC on / off (Streamlit's gc.collect(2) after each rerun): {gc_on / warm:.1f}x")
        if args.browser:
            if not Path("/usr/bin/chromium").is_file():
                print("browser: skipped (/usr/bin/chromium not found)")
                return 0
            brows = browser(config, args.port, args.repeat)
            print(f"\n{'headless Chromium, end to end':52s} {'ms':>8s}")
            for name, t in brows:
                print(f"{name:52s} {t * 1000:8.0f}")
            b = dict(brows)
            new = b[f"slice change, new slice (median of {args.repeat})"]
            cached = b[f"slice change, cached slice (median of {args.repeat})"]
            print(f"new / cached slice: {new / cached:.2f}x; budget 300 ms warm: "
                  f"{'met' if new <= 0.3 else 'NOT met'} (median {new * 1000:.0f} ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
