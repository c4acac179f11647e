"""Benchmark of the slice viewer and the worst-cases gallery on ../shared/data/brats (BraTS2024_SSA-00002-000).

Usage::

    python benchmarks/bench_app_viewer.py [--shared ../shared] [--repeat 8] [--browser] [--port 8681]
                                          [--before /tmp/before/src]

Script time through ``AppTest`` (the whole Subjects page: AppTest reruns the page, not the viewer's fragment): opening
the viewer with cold caches (three NIfTI reads, the outcome map), a warm slice change (one plane re-encoded), a
jump button, an overlay change; the gallery cold and warm; and one ``gc.collect(2)`` in this process with the viewer
open, which Streamlit runs after every rerun by default (``runner.postScriptGC``, off in ``auditapp run-app``).
With ``--browser`` the app is served (``streamlit_command``) and headless Chromium (``/usr/bin/chromium``,
Playwright) measures a slice change end to end: the slider key press -> the plane's title changed -> the rerun
finished -> two animation frames (budget: 300 ms warm). ``--before <src>`` also serves an older source tree (with
its own server options) and alternates every step between the two pages, so both see the same machine load. Ratios
(cold / warm, GC / warm, before / after) are measured within this run.
"""

from __future__ import annotations

import argparse
import gc
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
    from app_fixtures import write_brats_config

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
    warm = []
    for step in range(1, repeat + 1):
        at.slider(key=slider).set_value(start + step)
        warm.append(timed(at.run))
    rows.append((f"slice change (median of {repeat})", statistics.median(warm)))
    rows.append((f"slice change (max of {repeat})", max(warm)))
    # what Streamlit's default runner.postScriptGC adds after every rerun (GIL held; AppTest returns before it)
    gc_time = statistics.median(timed(gc.collect) for _ in range(3))
    rows.append(("gc.collect(2) after a rerun (off in run-app)", gc_time))
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


# the axial plane's title, in this tree's HTML planes and in the Plotly figures of older trees (--before)
TITLE = "document.querySelector('.auditapp-plane-title, .js-plotly-plot .gtitle')"


def _timed_change(page, act) -> float:
    """``act()`` (a key press, a click) -> the axial title changed -> rerun finished -> two animation frames."""
    before = page.evaluate(f"() => {TITLE}?.textContent")
    t0 = time.perf_counter()
    act()
    page.wait_for_function(f"() => (e => e !== null && e.textContent !== {before!r})({TITLE})", timeout=60000)
    page.wait_for_function(STATE, timeout=60000)
    page.evaluate(PAINTED)
    return time.perf_counter() - t0


def browser(config: Path, repeat: int, before: Path | None = None) -> list[tuple[str, float]]:
    """End-to-end timings in headless Chromium; with ``before``, that tree is served too and every step alternates
    between the two servers (same machine load for both), rows prefixed "before:"."""
    import contextlib

    from playwright.sync_api import sync_playwright

    sys.path.insert(0, str(REPO / "tests"))
    from app_fixtures import launch_chromium, served_dashboard

    trees = [("", REPO / "src")] + ([("before: ", before)] if before else [])
    rows = []
    with contextlib.ExitStack() as stack, sync_playwright() as pw:
        urls = [stack.enter_context(served_dashboard(config, src=src, timeout=60)) for _, src in trees]
        chromium = launch_chromium(pw)
        pages = []
        for (name, _), url in zip(trees, urls):
            page = chromium.new_page(viewport={"width": 1400, "height": 1100})
            t0 = time.perf_counter()
            page.goto(f"{url}/subjects?set={SET}&id={SUBJECT}&view=slices&model={MODEL}",
                      wait_until="domcontentloaded")
            page.wait_for_function(f"() => {TITLE} !== null", timeout=300000)
            page.wait_for_function(STATE, timeout=300000)
            page.evaluate(PAINTED)
            rows.append((f"{name}viewer page load (cold caches)", time.perf_counter() - t0))
            pages.append(page)
        times = [[] for _ in trees]
        for step in range(repeat * 2):
            key = "ArrowRight" if step < repeat else "ArrowLeft"
            order = range(len(trees)) if step % 2 == 0 else reversed(range(len(trees)))
            for n in order:
                page = pages[n]
                thumb = page.get_by_test_id("stSlider").filter(has_text="Axial slice").get_by_role("slider")
                thumb.focus()
                times[n].append(_timed_change(page, lambda: page.keyboard.press(key)))
        for n, (name, _) in enumerate(trees):
            # the first `repeat` steps encode new slices; going back finds them in the plane cache
            rows.append((f"{name}slice change, new slice (median of {repeat})",
                         statistics.median(times[n][:repeat])))
            rows.append((f"{name}slice change, cached slice (median of {repeat})",
                         statistics.median(times[n][repeat:])))
            rows.append((f"{name}slice change, slowest", max(times[n])))
        for n, (name, _) in enumerate(trees):
            button = pages[n].get_by_role("button", name="Most false positives")
            rows.append((f"{name}jump: most false positives", _timed_change(pages[n], button.click)))
        chromium.close()
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=REPO.parent / "shared")
    parser.add_argument("--repeat", type=int, default=8)
    parser.add_argument("--browser", action="store_true", help="also measure end to end in headless Chromium")
    parser.add_argument("--before", type=Path, help="with --browser: also serve this src folder (older code, e.g. "
                        "`git archive <commit> src | tar -x -C /tmp/before`) and alternate every step between both")
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
        print(f"gc.collect(2) / warm slice change: {times['gc.collect(2) after a rerun (off in run-app)'] / warm:.1f}x")
        if args.browser:
            if not Path("/usr/bin/chromium").is_file():
                print("browser: skipped (/usr/bin/chromium not found)")
                return 0
            brows = browser(config, args.repeat, args.before)
            print(f"\n{'headless Chromium, end to end':52s} {'ms':>8s}")
            for name, t in brows:
                print(f"{name:52s} {t * 1000:8.0f}")
            b = dict(brows)
            new = b[f"slice change, new slice (median of {args.repeat})"]
            cached = b[f"slice change, cached slice (median of {args.repeat})"]
            print(f"new / cached slice: {new / cached:.2f}x; budget 300 ms warm: "
                  f"{'met' if new <= 0.3 else 'NOT met'} (median {new * 1000:.0f} ms)")
            if args.before:
                for what in ("new slice", "cached slice"):
                    key = f"slice change, {what} (median of {args.repeat})"
                    print(f"before / after, {what}: {b['before: ' + key] / b[key]:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
