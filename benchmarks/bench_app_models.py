"""Benchmark of the model pages (Streamlit script time through ``AppTest``).

Usage::

    python benchmarks/bench_app_models.py [--shared ../shared] [--repeat 5]

For each model page with the BraTS 2024 by-site CSVs: time of the first render of the page
(cold caches in this process), then the median time of warm interactions (a widget change and
its rerun). For the error matrix on ``../shared/data/brats``: the first "All" view (NIfTI read
and counted once per subject) and the warm revisit. Budget (dashboard.md §2): warm interaction
≤ 0.3 s script time, < 1 s end to end. Prints a table and the cold/warm ratios measured within
this run (so machine contention affects both sides alike).
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


def write_configs(shared: Path, folder: Path) -> tuple[Path, Path]:
    root = shared / "data" / "brats2024_by_site"
    lines = ["features:"] + [f"  {s}: {root / 'features' / f'extracted_information_{s}.csv'}" for s in SITES]
    lines += ["metrics:"] + [f"  {s}: {root / 'metrics' / f'extracted_information_{s}.csv'}" for s in SITES]
    lines += ["labels: {BKG: 0, NETC: 1, SNFH: 2, ET: 3, RC: 4}"]
    bysite = folder / "bysite.yaml"
    bysite.write_text("\n".join(lines) + "\n", encoding="utf-8")
    b = shared / "data" / "brats"
    lines = ["raw_datasets:"] + [f"  {s}: {b / s / f'{s}_images'}" for s in ("BraTS2024_SSA", "BraTS2024_PED", "UCSF")]
    lines += ["predictions:"]
    for s, models in (("BraTS2024_SSA", ("SegResNet", "nnUnet")), ("BraTS2024_PED", ("SegResNet", "nnUnet")),
                      ("UCSF", ("SegResNet",))):
        lines.append(f"  {s}:")
        lines += [f"    {m}: {b / s / f'{s}_seg' / m}" for m in models]
    lines += ["labels: {BKG: 0, EDE: 3, ENH: 1, NEC: 2}"]
    brats = folder / "brats.yaml"
    brats.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return bysite, brats


def timed(at: AppTest) -> float:
    t0 = time.perf_counter()
    at.run()
    elapsed = time.perf_counter() - t0
    if at.exception:
        raise RuntimeError(f"exception on the page: {at.exception[0].message}")
    if at.error:
        raise RuntimeError(f"error on the page: {at.error[0].value}")
    return elapsed


def widget(elements, label):
    return next(w for w in elements if w.label == label)


def open_page(config: Path, page: str) -> tuple[AppTest, float]:
    os.environ["AUDITAPP_CONFIG"] = str(config)
    at = AppTest.from_file(str(MAIN), default_timeout=600)
    at.run()
    at.switch_page(f"views/{page}.py")
    return at, timed(at)


# Each interaction: (label, function(at) that changes one widget); run alternately to stay warm.
def interactions(page: str):
    if page == "single_model":
        return [
            ("metric → Jaccard", lambda at: widget(at.sidebar.selectbox, "Metric").set_value("jaccard")),
            ("metric → Dice", lambda at: widget(at.sidebar.selectbox, "Metric").set_value("dice")),
            ("aggregated off", lambda at: at.checkbox(key="single_model.aggregated").uncheck()),
            ("aggregated on", lambda at: at.checkbox(key="single_model.aggregated").check()),
        ]
    if page == "pairwise":
        return [
            ("dataset → Indiana", lambda at: widget(at.sidebar.selectbox, "Dataset").set_value("Indiana")),
            ("test on", lambda at: at.checkbox(key="pairwise.test").check()),
            ("rule → reference", lambda at: at.radio(key="pairwise.rule").set_value("AUDIT reference rule")),
            ("per region on", lambda at: at.checkbox(key="pairwise.per_region").check()),
            ("comparison → Absolute", lambda at: at.sidebar.radio(key="pairwise.comparison").set_value("Absolute")),
            ("dataset → Duke", lambda at: widget(at.sidebar.selectbox, "Dataset").set_value("Duke")),
        ]
    if page == "multi_model":
        return [
            ("dataset → UCSF", lambda at: widget(at.sidebar.selectbox, "Dataset").set_value("UCSF")),
            ("aggregated off", lambda at: at.checkbox(key="multi_model.aggregated").uncheck()),
            ("aggregated on", lambda at: at.checkbox(key="multi_model.aggregated").check()),
            ("dataset → Duke", lambda at: widget(at.sidebar.selectbox, "Dataset").set_value("Duke")),
        ]
    if page == "longitudinal":
        return [("rerun", lambda at: None)]
    raise ValueError(page)


def bench_page(config: Path, page: str, repeat: int) -> tuple[float, dict[str, float]]:
    at, first = open_page(config, page)
    steps = interactions(page)
    for _, change in steps:  # one pass to fill the caches of every state
        change(at)
        timed(at)
    times: dict[str, list[float]] = {label: [] for label, _ in steps}
    for _ in range(repeat):
        for label, change in steps:
            change(at)
            times[label].append(timed(at))
    return first, {label: statistics.median(v) for label, v in times.items()}


def bench_error_matrix(config: Path, repeat: int) -> dict[str, float]:
    from auditapp.app.data import _error_matrix as data_models

    data_models.subject_counts.clear()
    data_models._stacked_counts.clear()
    data_models._computed_keys().clear()
    out = {}
    at, _ = open_page(config, "error_matrix")  # BraTS2024_SSA, SegResNet, All (1 subject) computed here
    widget(at.sidebar.selectbox, "Dataset").set_value("BraTS2024_PED")
    out["PED All, first (2 subjects read)"] = timed(at)
    widget(at.sidebar.selectbox, "Dataset").set_value("UCSF")
    out["UCSF All, first (2 subjects read)"] = timed(at)
    warm = []
    for _ in range(repeat):
        for ds in ("BraTS2024_PED", "UCSF", "BraTS2024_SSA"):
            widget(at.sidebar.selectbox, "Dataset").set_value(ds)
            warm.append(timed(at))
    out["All view revisited (warm, median)"] = statistics.median(warm)
    toggles = []
    for _ in range(repeat):
        at.checkbox(key="error_matrix.normalize").uncheck()
        toggles.append(timed(at))
        at.checkbox(key="error_matrix.normalize").check()
        toggles.append(timed(at))
    out["normalise toggle (warm, median)"] = statistics.median(toggles)
    at.radio(key="error_matrix.kind").set_value("Confusion matrix")
    out["confusion matrix view"] = timed(at)
    return out


def bench_error_matrix_many(folder: Path, n_subjects: int, repeat: int) -> dict[str, float]:
    """Error matrix "All" over many synthetic subjects (32^3 volumes): first view vs revisits."""
    import numpy as np

    from auditapp.app.data import _error_matrix as data_models
    from auditapp.io.nifti_write import write_volume

    raw, pred = folder / "many" / "raw", folder / "many" / "pred"
    rng = np.random.default_rng(0)
    for i in range(n_subjects):
        sid = f"S{i:04d}"
        (raw / sid).mkdir(parents=True)
        (pred / sid).mkdir(parents=True)
        gt = rng.integers(0, 4, (32, 32, 32)).astype(np.uint8)
        noisy = np.where(rng.random(gt.shape) < 0.1, rng.integers(0, 4, gt.shape), gt).astype(np.uint8)
        write_volume(raw / sid / f"{sid}_seg.nii.gz", gt)
        write_volume(pred / sid / f"{sid}_pred.nii.gz", noisy)
    config = folder / "many.yaml"
    config.write_text(f"raw_datasets: {{Many: {raw}}}\npredictions: {{Many: {{m: {pred}}}}}\n"
                      "labels: {BKG: 0, A: 1, B: 2, C: 3}\n", encoding="utf-8")
    data_models.subject_counts.clear()
    data_models._stacked_counts.clear()
    data_models._computed_keys().clear()
    at, first = open_page(config, "error_matrix")
    revisits = []
    for _ in range(repeat):
        at.checkbox(key="error_matrix.normalize").uncheck()
        revisits.append(timed(at))
        at.checkbox(key="error_matrix.normalize").check()
        revisits.append(timed(at))
    return {f"All, {n_subjects} subjects, first": first,
            f"All, {n_subjects} subjects, warm": statistics.median(revisits)}


def bench_browser(config: Path, repeat: int) -> dict[str, float]:
    """End-to-end time (click -> new figure text shown, rerun finished, two animation frames painted) of warm
    interactions in headless Chromium."""
    from playwright.sync_api import sync_playwright

    sys.path.insert(0, str(REPO / "tests"))
    from app_fixtures import launch_chromium, served_dashboard

    out: dict[str, list[float]] = {}
    with served_dashboard(config, src=REPO / "src") as url, sync_playwright() as p:
        browser = launch_chromium(p)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        plots = page.locator(".js-plotly-plot")
        sidebar = page.get_by_test_id("stSidebarUserContent")
        main_area = page.get_by_test_id("stMain")

        state = ("() => document.querySelector('[data-testid=\"stApp\"]')"
                 "?.getAttribute('data-test-script-state') === 'notRunning'")
        painted = "() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r(true))))"

        def click_until(label: str, click, wait_text: str) -> None:
            t0 = time.perf_counter()
            click()
            plots.get_by_text(wait_text).first.wait_for(timeout=30_000)
            # the text is there once the figure's SVG layer is drawn: also wait for the end of the rerun and
            # two animation frames, so the main-thread drawing (WebGL points) is included
            page.wait_for_function(state, timeout=30_000)
            page.evaluate(painted)
            out.setdefault(label, []).append(time.perf_counter() - t0)

        toggles = (  # page, (label, control, text that shows the rerun finished) x 2
            ("pairwise", sidebar, "Absolute", ("pairwise: comparison Absolute", "Absolute improvement")),
            ("pairwise", sidebar, "Relative", ("pairwise: comparison Relative", "Relative improvement (%)")),
            ("multi_model", main_area, "Aggregated", ("multi-model: by region", "Models performance by region")),
            ("multi_model", main_area, "Aggregated", ("multi-model: aggregated", "Average models performance")),
            ("single_model", main_area, "Aggregated", ("single model: per region", "NETC")),
            ("single_model", main_area, "Aggregated",
             ("single model: aggregated", "Dice of BraTS25_1 vs Tumor location (WHOLE)")),
        )
        for page_name in dict.fromkeys(t[0] for t in toggles):
            page.goto(f"{url}/{page_name}")
            plots.first.wait_for(timeout=60_000)
            steps = [t for t in toggles if t[0] == page_name]
            for _ in range(repeat + 1):
                for _, area, control, (label, expected) in steps:
                    click_until(label, lambda a=area, c=control: a.get_by_text(c, exact=True).click(), expected)
        browser.close()
    return {label: statistics.median(v[1:]) for label, v in out.items()}  # first of each is a cold cache


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=REPO.parent / "shared")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--browser", action="store_true",
                        help="also time warm interactions end to end in headless Chromium (/usr/bin/chromium)")
    args = parser.parse_args(argv)
    if not (args.shared / "data" / "brats2024_by_site").is_dir():
        print(f"no shared data under {args.shared}; nothing to measure")
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        bysite, brats = write_configs(args.shared, Path(tmp))
        print(f"Model pages, Streamlit script time (AppTest), by-site CSVs, median of {args.repeat}")
        print(f"{'page':<14} {'interaction':<34} {'seconds':>8}")
        worst = 0.0
        for page in ("single_model", "pairwise", "multi_model", "longitudinal"):
            first, warm = bench_page(bysite, page, args.repeat)
            print(f"{page:<14} {'first render':<34} {first:8.3f}")
            for label, value in warm.items():
                print(f"{'':<14} {label:<34} {value:8.3f}")
                worst = max(worst, value)
            print(f"{'':<14} {'first / slowest warm':<34} {first / max(warm.values()):8.1f}x")
        em = bench_error_matrix(brats, args.repeat)
        print(f"{'error_matrix':<14} (../shared/data/brats, NIfTI)")
        for label, value in em.items():
            print(f"{'':<14} {label:<34} {value:8.3f}")
        cold = em["UCSF All, first (2 subjects read)"]
        revisit = em["All view revisited (warm, median)"]
        print(f"{'':<14} {'first All / revisit':<34} {cold / revisit:8.1f}x")
        worst = max(worst, revisit, em["normalise toggle (warm, median)"])
        many = bench_error_matrix_many(Path(tmp), 300, args.repeat)
        print(f"{'error_matrix':<14} (synthetic, NIfTI)")
        for label, value in many.items():
            print(f"{'':<14} {label:<34} {value:8.3f}")
        values = list(many.values())
        print(f"{'':<14} {'first / warm':<34} {values[0] / values[1]:8.1f}x")
        worst = max(worst, values[1])
        print(f"slowest warm interaction: {worst:.3f} s (budget 0.3 s script, 1 s end to end)")
        if args.browser:
            print("End to end in headless Chromium (click -> figure updated), warm, median")
            for label, value in bench_browser(bysite, args.repeat).items():
                print(f"{'':<14} {label:<34} {value:8.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
