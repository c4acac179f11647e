"""Benchmark of the dataset pages (Home, Univariate, Multivariate, Subjects): Streamlit script time via ``AppTest``.

Usage::

    python benchmarks/bench_app.py [--shared ../shared] [--repeat 5]

With the BraTS 2024 by-site CSVs (1,621 subjects, 5 sites; metrics 23,472 rows): per page, the first render in this
process (cold caches: CSV reads, catalog, imports of the page) and the median of warm interactions (a widget change
and its rerun). Budget (dashboard.md §2): warm interaction <= 0.3 s script time, < 1 s end to end. Prints a table and
cold/warm ratios measured within this run (machine contention affects both sides alike).
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=REPO.parent / "shared")
    parser.add_argument("--repeat", type=int, default=3, help="warm reruns per interaction (median reported)")
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
    return 0


if __name__ == "__main__":
    sys.exit(main())
