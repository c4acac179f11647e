"""Benchmark of the dataset pages (Home, Univariate, Multivariate, Subjects): Streamlit script time via ``AppTest``.

Usage::

    python benchmarks/bench_app.py [--shared ../shared] [--repeat 5] [--browser]

With the BraTS 2024 by-site CSVs (1,621 subjects, 5 sites; metrics 23,472 rows): per page, the first render in this
process (cold caches: CSV reads, catalog, imports of the page) and the median of warm interactions (a widget change
and its rerun). Budget (dashboard.md §2): warm interaction <= 0.3 s script time, < 1 s end to end. Prints a table and
cold/warm ratios measured within this run (machine contention affects both sides alike).
With ``--browser`` it also serves the app (``streamlit_command``) and drives headless Chromium (``/usr/bin/chromium``,
Playwright): time from a page URL to its rendered figure, and from a widget change to the end of the rerun
(``data-test-script-state`` back to ``notRunning``) plus two animation frames: the end-to-end time a user waits.
The model pages have their own benchmark (``bench_app_models.py``).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from streamlit.testing.v1 import AppTest

REPO = Path(__file__).resolve().parents[1]
MAIN = REPO / "src" / "auditapp" / "app" / "main.py"
SITES = ("Duke", "Indiana", "Missouri", "UCSD", "UCSF")


def write_config(shared: Path, folder: Path) -> Path:
    root = shared / "data" / "brats2024_by_site"
    lines = ["features:"] + [f"  {s}: {root}/features/extracted_information_{s}.csv" for s in SITES]
    lines += ["metrics:"] + [f"  {s}: {root}/metrics/extracted_information_{s}.csv" for s in SITES]
    lines += ["labels: {BKG: 0, NETC: 1, SNFH: 2, ET: 3, RC: 4}", "sequences: [_t1, _t2, _t1ce, _flair]"]
    path = folder / "app.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def by_label(elements, label):
    return next(w for w in elements if w.label == label)


# page -> list of (name, action(at)) warm interactions; each action changes one widget (then the app reruns)
INTERACTIONS = {
    "home": [("rerun", lambda at: None)],
    "univariate": [
        ("plot type Violin", lambda at: by_label(at.selectbox, "Plot type").select("Violin")),
        ("plot type Box + Points", lambda at: by_label(at.selectbox, "Plot type").select("Box + Points")),
        ("feature Lesion size (WHOLE)", lambda at: (by_label(at.selectbox, "Feature category").select("Tumor"))),
        ("histogram", lambda at: by_label(at.selectbox, "Distribution").select("Histogram")),
        ("density", lambda at: by_label(at.selectbox, "Distribution").select("Density")),
        ("std filter", lambda at: by_label(at.radio, "Filter").set_value("Standard deviations")),
        ("highlight subject", lambda at: by_label(at.selectbox, "Subject").select_index(5)),
        ("datasets Duke+UCSF", lambda at: by_label(at.sidebar.multiselect, "Datasets").set_value(["Duke", "UCSF"])),
    ],
    "multivariate": [
        ("log X", lambda at: by_label(at.checkbox, "Log X").check()),
        ("colour by feature", lambda at: by_label(at.sidebar.selectbox, "Colour by").select("Feature")),
        ("colour by dataset", lambda at: by_label(at.sidebar.selectbox, "Colour by").select("Dataset")),
        ("highlight subject", lambda at: by_label(at.selectbox, "Subject").select_index(3)),
    ],
    "subjects": [
        ("subject Duke-02060-100", lambda at: by_label(at.sidebar.selectbox, "Subject").select("Duke-02060-100")),
        ("extreme outlier", lambda at: by_label(at.checkbox, "Extreme outlier").check()),
        ("dataset UCSF", lambda at: by_label(at.sidebar.selectbox, "Dataset").select("UCSF")),
    ],
}


OBSERVE = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  window.__done = 0;
  if (window.__obs) window.__obs.disconnect();
  window.__obs = new MutationObserver(() => {
    if (app.getAttribute('data-test-script-state') === 'notRunning') window.__done += 1;
  });
  window.__obs.observe(app, {attributes: true, attributeFilter: ['data-test-script-state']});
}"""
SETTLED = "() => window.__done >= 1"
PAINTED = "() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r(true))))"


def _select(page, label: str, option: str, sidebar: bool = False):
    """Open the selectbox and filter it to ``option``; return the final click (the timed user action)."""
    scope = page.get_by_test_id("stSidebar") if sidebar else page.get_by_test_id("stMain")
    box = scope.get_by_test_id("stSelectbox").filter(has=page.get_by_text(label, exact=True)).first
    box.click()
    page.keyboard.type(option)
    target = page.get_by_role("option", name=option, exact=True).first
    target.wait_for()
    return target.click


BROWSER_STEPS = {
    "univariate": [
        ("plot type Violin", lambda p: _select(p, "Plot type", "Violin")),
        ("plot type Box + Points", lambda p: _select(p, "Plot type", "Box + Points")),
        ("histogram", lambda p: _select(p, "Distribution", "Histogram")),
        ("feature Kurtosis (FLAIR)", lambda p: _select(p, "Feature", "Kurtosis (FLAIR)", sidebar=True)),
    ],
    "multivariate": [
        ("log X", lambda p: p.get_by_test_id("stMain").get_by_text("Log X", exact=True).click()),
        ("marginal distributions",
         lambda p: p.get_by_test_id("stMain").get_by_text("Marginal distributions", exact=True).click()),
        ("colour by feature", lambda p: _select(p, "Colour by", "Feature", sidebar=True)),
    ],
    "subjects": [
        ("subject Duke-02061-101", lambda p: _select(p, "Subject", "Duke-02061-101", sidebar=True)),
        ("extreme outlier", lambda p: p.get_by_test_id("stMain").get_by_text("Extreme outlier", exact=True).click()),
    ],
    "home": [],
}


def browser_benchmark(config: Path) -> list[tuple[str, str, float]]:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import sync_playwright

    sys.path.insert(0, str(REPO / "tests"))
    from app_fixtures import launch_chromium, served_dashboard

    rows: list[tuple[str, str, float]] = []
    with served_dashboard(config, src=REPO / "src") as url, sync_playwright() as pw:
        browser = launch_chromium(pw)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        titles = {"home": "Home", "univariate": "Univariate analysis", "multivariate": "Multivariate analysis",
                  "subjects": "Subjects exploration"}
        state = ("() => document.querySelector('[data-testid=\"stApp\"]')"
                 "?.getAttribute('data-test-script-state') === 'notRunning'")
        for name in ("home", "univariate", "multivariate", "subjects"):
            marker = ".js-plotly-plot" if name in ("univariate", "multivariate") else "[data-testid='stDataFrame']"
            # first visit: a full page load (new session, Streamlit's JavaScript, cold caches on the server)
            t0 = time.perf_counter()
            page.goto(url + ("/" if name == "home" else f"/{name}"), wait_until="domcontentloaded")
            page.wait_for_function(state, timeout=60000)
            page.locator(marker).first.wait_for(timeout=60000)
            page.evaluate(PAINTED)
            rows.append((name, "page load (URL)", time.perf_counter() - t0))
            # then as a user does: to another page and back with the sidebar links (warm caches)
            other = "Subjects exploration" if name == "home" else "Home"
            page.get_by_test_id("stSidebarNav").get_by_text(other, exact=True).click()
            page.wait_for_function(state, timeout=60000)
            page.evaluate(OBSERVE)
            t0 = time.perf_counter()
            page.get_by_test_id("stSidebarNav").get_by_text(titles[name], exact=True).click()
            try:
                page.wait_for_function(SETTLED, timeout=30000)
            except PlaywrightTimeout:  # no state change seen: the script state is checked instead
                print(f"browser: {name} / page switch: no rerun seen within 30 s", file=sys.stderr)
                page.wait_for_function(state, timeout=60000)
            page.locator(marker).first.wait_for(timeout=60000)
            page.evaluate(PAINTED)
            rows.append((name, "page switch (sidebar)", time.perf_counter() - t0))
            for step, action in BROWSER_STEPS[name]:
                page.evaluate(OBSERVE)
                t0 = time.perf_counter()
                final = action(page)
                if callable(final):  # the widget was opened and filtered first: time the final click only
                    page.evaluate(OBSERVE)
                    t0 = time.perf_counter()
                    final()
                try:
                    page.wait_for_function(SETTLED, timeout=30000)
                except PlaywrightTimeout:  # a step that never settles is reported, the others still run
                    rows.append((name, step, float("nan")))
                    print(f"browser: {name} / {step}: no rerun within 30 s", file=sys.stderr)
                    continue
                page.evaluate(PAINTED)
                rows.append((name, step, time.perf_counter() - t0))
        browser.close()
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=REPO.parent / "shared")
    parser.add_argument("--repeat", type=int, default=3, help="warm reruns per interaction (median reported)")
    parser.add_argument("--browser", action="store_true", help="also measure end to end in headless Chromium")
    args = parser.parse_args()
    if not (args.shared / "data" / "brats2024_by_site").is_dir():
        print(f"skip: {args.shared}/data/brats2024_by_site not found", file=sys.stderr)
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["AUDITAPP_CONFIG"] = str(write_config(args.shared, Path(tmp)))
        rows = []
        for page, actions in INTERACTIONS.items():
            at = AppTest.from_file(str(MAIN), default_timeout=120)
            if page == "home":
                cold = timed(at.run)
            else:
                at.run()
                at.switch_page(f"views/{page}.py")
                cold = timed(at.run)
            assert not at.exception, at.exception
            warm_all = []
            for name, action in actions:
                action(at)
                first = timed(at.run)  # the interaction itself (new widget value)
                assert not at.exception, (page, name, at.exception)
                reruns = [timed(at.run) for _ in range(args.repeat)]  # same state again (pure warm rerun)
                t = max(first, statistics.median(reruns))
                warm_all.append(t)
                rows.append((page, name, first, statistics.median(reruns)))
            print(f"{page:13s} first render {cold * 1000:7.0f} ms   warm interactions: median "
                  f"{statistics.median(warm_all) * 1000:5.0f} ms, max {max(warm_all) * 1000:5.0f} ms   "
                  f"cold/warm {cold / statistics.median(warm_all):5.1f}x")
        print()
        print(f"{'page':13s} {'interaction':30s} {'change ms':>10s} {'rerun ms':>9s}")
        worst = 0.0
        for page, name, first, rerun in rows:
            worst = max(worst, first, rerun)
            print(f"{page:13s} {name:30s} {first * 1000:10.0f} {rerun * 1000:9.0f}")
        print(f"\nslowest warm interaction: {worst * 1000:.0f} ms (budget 300 ms script time, 1 s end to end)")
        if args.browser:
            if not Path("/usr/bin/chromium").is_file():
                print("browser: skipped (/usr/bin/chromium not found)")
                return 0
            print(f"\nbrowser, end to end\n{'page':13s} {'step':30s} {'ms':>7s}")
            slowest = 0.0
            for page, step, t in browser_benchmark(Path(os.environ["AUDITAPP_CONFIG"])):
                if step != "page load (URL)":
                    slowest = max(slowest, t)
                print(f"{page:13s} {step:30s} {t * 1000:7.0f}")
            print(f"\nslowest warm step in the browser: {slowest * 1000:.0f} ms (budget 1 s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
