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
import argparse, os, sys, tempfile, time, socket, subprocess, urllib.request, statistics, signal
from pathlib import Path
REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_app
import bench_app_viewer
from bench_app import OBSERVE, SETTLED, PAINTED, _select
from playwright.sync_api import sync_playwright
STATE = "() => document.querySelector('[data-testid=\"stApp\"]')?.getAttribute('data-test-script-state') === 'notRunning'"

def start(src, cfg):
    """Serve ``src`` with that tree's own ``streamlit_command`` (its server options, e.g. runner.postScriptGC)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]
    return bench_app_viewer.serve(Path(src), cfg, port), f"http://127.0.0.1:{port}"

main = lambda p: p.get_by_test_id("stMain")
STEPS = {
  "univariate": [
    ("plot type Violin", lambda p: _select(p, "Plot type", "Violin")),
    ("plot type Box + Points", lambda p: _select(p, "Plot type", "Box + Points")),
    ("distribution Histogram", lambda p: _select(p, "Distribution", "Histogram")),
    ("distribution Density", lambda p: _select(p, "Distribution", "Density")),
    ("feature Kurtosis (FLAIR)", lambda p: _select(p, "Feature", "Kurtosis (FLAIR)", sidebar=True)),
    ("feature Skewness (FLAIR)", lambda p: _select(p, "Feature", "Skewness (FLAIR)", sidebar=True)),
  ],
  "multivariate": [
    ("log X on", lambda p: main(p).get_by_text("Log X", exact=True).click()),
    ("log X off", lambda p: main(p).get_by_text("Log X", exact=True).click()),
    ("colour by Feature", lambda p: _select(p, "Colour by", "Feature", sidebar=True)),
    ("colour by Dataset", lambda p: _select(p, "Colour by", "Dataset", sidebar=True)),
  ],
  "multi_model": [
    ("per region", lambda p: main(p).get_by_text("Aggregated", exact=True).click()),
    ("aggregated", lambda p: main(p).get_by_text("Aggregated", exact=True).click()),
  ],
  "single_model": [
    ("per region", lambda p: main(p).get_by_text("Aggregated", exact=True).click()),
    ("aggregated", lambda p: main(p).get_by_text("Aggregated", exact=True).click()),
  ],
}

def run_step(page, action):
    page.evaluate(OBSERVE)
    t0 = time.perf_counter()
    final = action(page)
    if callable(final):
        page.evaluate(OBSERVE); t0 = time.perf_counter(); final()
    try:
        page.wait_for_function(SETTLED, timeout=30000)
    except Exception:
        page.wait_for_function(STATE, timeout=30000)
    page.evaluate(PAINTED)
    return time.perf_counter() - t0

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("pages", nargs="*")
parser.add_argument("--before", required=True, help="src folder of the 'before' code")
parser.add_argument("--after", default=str(REPO / "src"), help="src folder of the 'after' code (default: this tree)")
parser.add_argument("--shared", type=Path, default=REPO.parent / "shared")
parser.add_argument("--repeat", type=int, default=3)
args = parser.parse_args()
REPEAT = args.repeat
SRCS = {"before": args.before, "after": args.after}
if not (args.shared / "data" / "brats2024_by_site").is_dir() or not Path("/usr/bin/chromium").is_file():
    print("skip: needs ../shared/data/brats2024_by_site and /usr/bin/chromium", file=sys.stderr)
    sys.exit(0)
with tempfile.TemporaryDirectory() as tmp:
    cfg = bench_app.write_config(args.shared, Path(tmp))
    servers = {k: start(v, cfg) for k, v in SRCS.items()}
    res = {}
    try:
        for proc, url in servers.values():
            for _ in range(150):
                try: urllib.request.urlopen(url + "/_stcore/health", timeout=1); break
                except OSError: time.sleep(0.3)
        with sync_playwright() as pw:
            b = pw.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"])
            pages = {k: b.new_page(viewport={"width": 1400, "height": 1000}) for k in servers}
            for name in args.pages or list(STEPS):
                for k, pg in pages.items():
                    pg.goto(f"{servers[k][1]}/{name}"); pg.wait_for_function(STATE, timeout=60000)
                    pg.locator(".js-plotly-plot").first.wait_for(timeout=60000); pg.evaluate(PAINTED)
                for rep in range(REPEAT + 1):
                    for step, action in STEPS[name]:
                        for k in (("before", "after") if rep % 2 == 0 else ("after", "before")):
                            try:
                                t = run_step(pages[k], action)
                            except Exception as e:
                                print("fail", name, step, k, type(e).__name__, file=sys.stderr); t = float("nan")
                            if rep > 0:
                                res.setdefault((name, step), {}).setdefault(k, []).append(t)
                for (n, s), d in res.items():
                    if n == name:
                        bm, am = statistics.median(d["before"]), statistics.median(d["after"])
                        print(f"{n:13s} {s:26s} before {bm*1000:6.0f} ms  after {am*1000:6.0f} ms  ({bm/am:4.1f}x)  "
                              f"[{' '.join(f'{x*1000:.0f}' for x in d['before'])} | {' '.join(f'{x*1000:.0f}' for x in d['after'])}]", flush=True)
            b.close()
    finally:
        for proc, _ in servers.values():
            os.killpg(proc.pid, signal.SIGINT)
            try: proc.wait(10)
            except subprocess.TimeoutExpired: os.killpg(proc.pid, signal.SIGKILL)
