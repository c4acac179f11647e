"""Before/after end to end in ONE run: two app servers from two source trees, one headless Chromium, alternated.

Usage::

    git archive HEAD src | tar -x -C /tmp/before     # e.g. the committed code as "before"
    python benchmarks/bench_app_ab.py --before /tmp/before/src [--after src] [--repeat 3] [page ...]

Pages: univariate, multivariate, multi_model, single_model (default all), with the BraTS 2024 by-site CSVs. Each
interaction (a widget change, then back) runs on the "before" and the "after" server in alternating order, so
machine contention (2 shared cores) hits both alike; the first round is a warm-up. Each server is started with its
own tree's ``streamlit_command``, so server options are part of what is compared. Time = click -> end of the rerun
(``data-test-script-state``) + two animation frames, as in ``bench_app.py --browser``. Prints medians and ratios.
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(REPO / "tests"))

import bench_app  # noqa: E402
from app_fixtures import CHROMIUM, launch_chromium, served_dashboard  # noqa: E402
from bench_app import OBSERVE, PAINTED, SETTLED, _select  # noqa: E402

STATE = ("() => document.querySelector('[data-testid=\"stApp\"]')"
         "?.getAttribute('data-test-script-state') === 'notRunning'")


def _toggle(label: str):
    """An action clicking the main area's control named ``label``."""
    return lambda page: page.get_by_test_id("stMain").get_by_text(label, exact=True).click()


def _choose(label: str, option: str, sidebar: bool = False):
    """An action choosing ``option`` in the select box ``label``."""
    return lambda page: _select(page, label, option, sidebar=sidebar)


STEPS = {
    "univariate": [
        ("plot type Violin", _choose("Plot type", "Violin")),
        ("plot type Box + Points", _choose("Plot type", "Box + Points")),
        ("distribution Histogram", _choose("Distribution", "Histogram")),
        ("distribution Density", _choose("Distribution", "Density")),
        ("feature Kurtosis (FLAIR)", _choose("Feature", "Kurtosis (FLAIR)", sidebar=True)),
        ("feature Skewness (FLAIR)", _choose("Feature", "Skewness (FLAIR)", sidebar=True)),
    ],
    "multivariate": [
        ("log X on", _toggle("Log X")),
        ("log X off", _toggle("Log X")),
        ("colour by Feature", _choose("Colour by", "Feature", sidebar=True)),
        ("colour by Dataset", _choose("Colour by", "Dataset", sidebar=True)),
    ],
    "multi_model": [("per region", _toggle("Aggregated")), ("aggregated", _toggle("Aggregated"))],
    "single_model": [("per region", _toggle("Aggregated")), ("aggregated", _toggle("Aggregated"))],
}


def run_step(page, action) -> float:
    """Seconds from the action to the end of the rerun and two animation frames."""
    page.evaluate(OBSERVE)
    t0 = time.perf_counter()
    final = action(page)
    if callable(final):  # a two-step action (open a select box, then pick): time the second step only
        page.evaluate(OBSERVE)
        t0 = time.perf_counter()
        final()
    try:
        page.wait_for_function(SETTLED, timeout=30000)
    except Exception:  # noqa: BLE001 - no figure re-rendered: the rerun's end is the signal
        page.wait_for_function(STATE, timeout=30000)
    page.evaluate(PAINTED)
    return time.perf_counter() - t0


def measure_page(name: str, pages: dict, urls: dict, repeat: int) -> dict:
    """``{step: {tree: [seconds...]}}`` of one page, both trees alternated; round 0 is a warm-up."""
    for tree, page in pages.items():
        page.goto(f"{urls[tree]}/{name}")
        page.wait_for_function(STATE, timeout=60000)
        page.locator(".js-plotly-plot").first.wait_for(timeout=60000)
        page.evaluate(PAINTED)
    times: dict = {}
    for rep in range(repeat + 1):
        order = ("before", "after") if rep % 2 == 0 else ("after", "before")
        for step, action in STEPS[name]:
            for tree in order:
                try:
                    seconds = run_step(pages[tree], action)
                except Exception as exc:  # noqa: BLE001 - one failed step is reported, the others go on
                    print("fail", name, step, tree, type(exc).__name__, file=sys.stderr)
                    seconds = float("nan")
                if rep > 0:
                    times.setdefault(step, {}).setdefault(tree, []).append(seconds)
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pages", nargs="*")
    parser.add_argument("--before", required=True, type=Path, help="src folder of the 'before' code")
    parser.add_argument("--after", default=REPO / "src", type=Path,
                        help="src folder of the 'after' code (default: this tree)")
    parser.add_argument("--shared", type=Path, default=REPO.parent / "shared")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if not (args.shared / "data" / "brats2024_by_site").is_dir() or not CHROMIUM.is_file():
        print("skip: needs ../shared/data/brats2024_by_site and /usr/bin/chromium", file=sys.stderr)
        return 0
    from playwright.sync_api import sync_playwright

    trees = {"before": args.before, "after": args.after}
    with tempfile.TemporaryDirectory() as tmp, contextlib.ExitStack() as stack, sync_playwright() as pw:
        config = bench_app.write_config(args.shared, Path(tmp))
        urls = {tree: stack.enter_context(served_dashboard(config, src=src)) for tree, src in trees.items()}
        browser = launch_chromium(pw)
        pages = {tree: browser.new_page(viewport={"width": 1400, "height": 1000}) for tree in trees}
        for name in args.pages or list(STEPS):
            for step, times in measure_page(name, pages, urls, args.repeat).items():
                before, after = statistics.median(times["before"]), statistics.median(times["after"])
                runs = " | ".join(" ".join(f"{t * 1000:.0f}" for t in times[tree]) for tree in trees)
                print(f"{name:13s} {step:26s} before {before * 1000:6.0f} ms  after {after * 1000:6.0f} ms  "
                      f"({before / after:4.1f}x)  [{runs}]", flush=True)
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
