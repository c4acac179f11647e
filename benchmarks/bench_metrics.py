"""Benchmark of metric extraction per subject/model pair on full-size synthetic data.

Usage::

    python benchmarks/bench_metrics.py [--repeats 3] [--dtype float32|uint8|both] [--baseline REV]

For each case it writes a ground truth and a prediction (240 × 240 × 155, 1 mm,
three regions EDE 3 / ENH 1 / NEC 2 shaped like a tumour, prediction shifted and
dilated/eroded), then, in a fresh subprocess (so that peak RSS is that of one worker):

* ``read``: the time to just read the two files (``read_volume`` both);
* ``pair``: the time of the worker evaluating the pair (reads included), all 13 metrics
  (8 reference + hd95, assd, nsd, gt_size, volume_similarity; ``--metrics reference``: the 8
  reference metrics, the config default) and the error-matrix counts;
* ``ratio = pair / read`` (target ≤ 2.0) and the worker's peak RSS (target < 600 MB).

Times are CPU seconds of the worker process (the machine is shared: CPU time is what the
code costs; the wall-clock ratio is printed in brackets). For a real subject with several
models it also times one task with all of them (the GT is read once and its geometry shared).
``--baseline REV`` extracts ``src`` of that git revision and runs every case with it too, in
the same run (before/after under the same load).

It also times the nested-spheres case (prediction ball r20 inside GT ball r40, one region),
for which the reference 0.2.0 needs ≈ 20 s (``directed_hausdorff`` on voxel lists); target < 1 s.
When ``../shared/data/brats`` exists, every real pair there is measured the same way.
Times are medians of ``--repeats`` runs measured within one process, so machine load
affects both sides of the ratio alike.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nibabel as nib
import numpy as np

SHAPE_KJI = (155, 240, 240)


def _ball(shape, centre, radii):
    grids = np.ogrid[tuple(slice(0, s) for s in shape)]
    acc = np.zeros(shape, np.float32)
    for g, c, r in zip(grids, centre, radii):
        acc = acc + ((g - c) / r) ** 2
    return acc <= 1.0


def _write(path: Path, data_kji: np.ndarray, spacing=(1.0, 1.0, 1.0)) -> None:
    image = nib.Nifti1Image(np.ascontiguousarray(data_kji.T), np.diag([*spacing[::-1], 1.0]))
    image.set_data_dtype(data_kji.dtype)
    nib.save(image, str(path))


def make_tumour_case(folder: Path, dtype: str) -> tuple[Path, Path]:
    """GT and prediction of one subject: oedema (3) around enhancing rim (1) around necrosis (2)."""
    rng = np.random.default_rng(0)
    centre = (70, 120, 110)
    gt = np.zeros(SHAPE_KJI, np.uint8)
    gt[_ball(SHAPE_KJI, centre, (38, 45, 42))] = 3
    gt[_ball(SHAPE_KJI, (72, 118, 112), (20, 24, 22))] = 1
    gt[_ball(SHAPE_KJI, (73, 117, 113), (11, 13, 12))] = 2
    noise = rng.random(SHAPE_KJI) < 0.002
    gt[noise & (gt == 3)] = 1
    pred = np.zeros(SHAPE_KJI, np.uint8)
    pred[_ball(SHAPE_KJI, (72, 123, 106), (35, 48, 40))] = 3
    pred[_ball(SHAPE_KJI, (73, 120, 113), (18, 25, 21))] = 1
    pred[_ball(SHAPE_KJI, (74, 116, 115), (9, 12, 13))] = 2
    pred[_ball(SHAPE_KJI, (40, 60, 180), (4, 5, 4))] = 1  # a distant false positive
    subject = "BENCH_0001"
    (folder / "gt" / subject).mkdir(parents=True, exist_ok=True)
    (folder / "model" / subject).mkdir(parents=True, exist_ok=True)
    gt_path = folder / "gt" / subject / f"{subject}_seg.nii.gz"
    pred_path = folder / "model" / subject / f"{subject}_pred.nii.gz"
    if dtype == "float32":  # as the real BraTS files in ../shared (GT float32, prediction float64)
        _write(gt_path, gt.astype(np.float32))
        _write(pred_path, pred.astype(np.float64))
    else:
        _write(gt_path, gt)
        _write(pred_path, pred)
    return gt_path, pred_path


def make_nested_case(folder: Path) -> tuple[Path, Path]:
    shape = (100, 100, 100)
    gt = _ball(shape, (50, 50, 50), (40, 40, 40)).astype(np.uint8)
    pred = _ball(shape, (50, 50, 50), (20, 20, 20)).astype(np.uint8)
    subject = "NESTED"
    (folder / "gt" / subject).mkdir(parents=True, exist_ok=True)
    (folder / "model" / subject).mkdir(parents=True, exist_ok=True)
    gt_path = folder / "gt" / subject / f"{subject}_seg.nii.gz"
    pred_path = folder / "model" / subject / f"{subject}_pred.nii.gz"
    _write(gt_path, gt)
    _write(pred_path, pred)
    return gt_path, pred_path


def _clocks() -> tuple[float, float]:
    return time.perf_counter(), time.process_time()


def _since(start: tuple[float, float]) -> tuple[float, float]:
    wall, cpu = _clocks()
    return wall - start[0], cpu - start[1]


def _median(samples: list[tuple[float, float]]) -> dict:
    return {"wall": statistics.median(s[0] for s in samples), "cpu": statistics.median(s[1] for s in samples)}


def worker(gt_path: str, pred_paths: list[str], regions: str, repeats: int, metric_set: str = "all") -> dict:
    """Runs in a fresh process: time reads and evaluations (wall and CPU); report peak RSS.

    Per prediction: ``read`` (the two files), ``pair`` (``evaluate_subject`` of a one-model task,
    reads included) and ``compute`` (``evaluate_pair`` alone). With several predictions, also
    ``subject``: one task with every model (the GT read once, its geometry shared) and
    ``subject_read`` (all its files).
    """
    from auditapp.config.model import ALL_METRICS, REFERENCE_METRICS
    from auditapp.io import read_volume
    from auditapp.metrics.counts import as_label_array
    from auditapp.metrics.regions import Region
    from auditapp.metrics.registry import evaluate_pair
    from auditapp.pipelines.metrics import ModelInput, SubjectTask, evaluate_subject

    metrics = ALL_METRICS if metric_set == "all" else REFERENCE_METRICS
    region_list = tuple(Region(name, (int(v),)) for name, v in
                        (item.split("=") for item in regions.split(",")))

    def task(paths):
        return SubjectTask(
            subject=Path(gt_path).parent.name, gt_path=gt_path, gt_tried=(gt_path,),
            models=tuple(ModelInput(f"model{i}", p, (p,)) for i, p in enumerate(paths)), regions=region_list,
            metrics=metrics, nsd_tolerance=1.0,
            configured_values=tuple(int(r.values[0]) for r in region_list),
        )

    def read(paths):
        start = _clocks()
        for path in paths:
            volume = read_volume(path)
            np.asarray(volume.data).sum()  # touch the data
        return _since(start)

    out = {"pairs": []}
    for pred_path in pred_paths:
        reads, pairs, computes = [], [], []
        for _ in range(repeats):
            reads.append(read([gt_path, pred_path]))
            gt = as_label_array(read_volume(gt_path).data)
            pred = as_label_array(read_volume(pred_path).data)
            start = _clocks()
            evaluate_pair(gt, pred, spacing=(1.0, 1.0, 1.0), regions=region_list, metrics=metrics)
            computes.append(_since(start))
            del gt, pred
            start = _clocks()
            result = evaluate_subject(task([pred_path]))
            pairs.append(_since(start))
            assert not result.failures, result.failures
        out["pairs"].append({"read": _median(reads), "pair": _median(pairs), "compute": _median(computes)})
    if len(pred_paths) > 1:
        reads, subjects = [], []
        for _ in range(repeats):
            reads.append(read([gt_path, *pred_paths]))
            start = _clocks()
            result = evaluate_subject(task(pred_paths))
            subjects.append(_since(start))
            assert not result.failures, result.failures
        out["subject"] = _median(subjects)
        out["subject_read"] = _median(reads)
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out["source"] = str(Path(evaluate_pair.__code__.co_filename).parents[2])
    return out


def _run_worker(gt_path: Path, pred_paths: list[Path], regions: str, repeats: int, metric_set: str,
                source: Path | None = None) -> dict:
    """One fresh worker process; ``source``: a ``src`` folder to import auditapp from (the baseline)."""
    env = dict(os.environ)
    if source is not None:
        env["PYTHONPATH"] = str(source) + os.pathsep + env.get("PYTHONPATH", "")
    out = subprocess.run(
        [sys.executable, __file__, "--worker", str(gt_path), ",".join(str(p) for p in pred_paths), regions,
         str(repeats), metric_set],
        check=True, capture_output=True, text=True, env=env,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def _export_baseline(revision: str, folder: Path) -> Path:
    """``src`` of a git revision of this repository, extracted into ``folder``."""
    repo = Path(__file__).resolve().parents[1]
    archive = subprocess.run(["git", "-C", str(repo), "archive", revision, "src"], check=True,
                             capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    return folder / "src"


class Runner:
    """Runs every case with the current code and, if asked, the baseline, and prints both."""

    def __init__(self, repeats: int, baseline: Path | None, label: str, metric_set: str):
        self.repeats = repeats
        self.metric_set = metric_set
        self.baseline = baseline
        self.label = label
        self.ratios: dict[str, list[float]] = {"now": [], "base": []}

    def run(self, gt_path: Path, pred_paths: list[Path], regions: str) -> dict[str, dict]:
        results = {"now": _run_worker(gt_path, pred_paths, regions, self.repeats, self.metric_set)}
        if self.baseline is not None:
            results["base"] = _run_worker(gt_path, pred_paths, regions, self.repeats, self.metric_set,
                                          self.baseline)
            if results["base"]["source"] != str(self.baseline):
                raise RuntimeError(f"baseline worker imported auditapp from {results['base']['source']}")
        return results

    def versions(self):
        return [("now", "now"), ("base", self.label)] if self.baseline is not None else [("now", "now")]

    def print_pair(self, results: dict[str, dict], index: int, title: str, collect: bool = False) -> None:
        print(title)
        for key, name in self.versions():
            r = results[key]["pairs"][index]
            ratio_cpu = r["pair"]["cpu"] / r["read"]["cpu"]
            ratio_wall = r["pair"]["wall"] / r["read"]["wall"]
            if collect:
                self.ratios[key].append(ratio_cpu)
            print(f"  {name:>8}: read {r['read']['cpu']:.3f} s | pair {r['pair']['cpu']:.3f} s | "
                  f"evaluate {r['compute']['cpu']:.3f} s | ratio {ratio_cpu:.2f} (wall {ratio_wall:.2f}) | "
                  f"peak RSS {results[key]['peak_rss_mb']:.0f} MB")

    def print_subject(self, results: dict[str, dict], title: str) -> None:
        if "subject" not in results["now"]:
            return
        print(title)
        for key, name in self.versions():
            r = results[key]
            n = len(r["pairs"])
            print(f"  {name:>8}: read {n + 1} files {r['subject_read']['cpu']:.3f} s | subject "
                  f"{r['subject']['cpu']:.3f} s ({r['subject']['cpu'] / n:.3f} s per pair) | ratio "
                  f"{r['subject']['cpu'] / r['subject_read']['cpu']:.2f} "
                  f"(wall {r['subject']['wall'] / r['subject_read']['wall']:.2f})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--dtype", choices=("float32", "uint8", "both"), default="both")
    parser.add_argument("--no-real", action="store_true", help="skip the real pairs of ../shared/data/brats")
    parser.add_argument("--baseline", metavar="REV",
                        help="also run the code of this git revision (e.g. HEAD~3) in the same run "
                             "(before/after)")
    parser.add_argument("--metrics", choices=("all", "reference"), default="all",
                        help="all 13 metrics (default) or the 8 reference metrics (the config default)")
    parser.add_argument("--worker", nargs=5, metavar=("GT", "PREDS", "REGIONS", "REPEATS", "METRICS"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        gt_path, pred_paths, regions, repeats, metric_set = args.worker
        print(json.dumps(worker(gt_path, pred_paths.split(","), regions, int(repeats), metric_set)))
        return
    dtypes = ("float32", "uint8") if args.dtype == "both" else (args.dtype,)
    with tempfile.TemporaryDirectory() as tmp:
        baseline = None
        if args.baseline:
            (Path(tmp) / "baseline").mkdir()
            baseline = _export_baseline(args.baseline, Path(tmp) / "baseline")
        runner = Runner(args.repeats, baseline, args.baseline or "", args.metrics)
        n_metrics = "13 metrics" if args.metrics == "all" else "8 reference metrics"
        print("CPU seconds (medians of {} runs); ratio = pair / read of its two files (target <= 2.0), "
              "wall-clock ratio in brackets".format(args.repeats))
        for dtype in dtypes:
            folder = Path(tmp) / dtype
            gt_path, pred_path = make_tumour_case(folder, dtype)
            results = runner.run(gt_path, [pred_path], "EDE=3,ENH=1,NEC=2")
            label = "float32 GT / float64 pred (as ../shared)" if dtype == "float32" else "uint8 GT and pred"
            runner.print_pair(results, 0, f"tumour pair 240x240x155, 3 regions, {n_metrics}, {label}:")
        shared = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "brats"
        if shared.is_dir() and not args.no_real:
            print("real pairs in ../shared/data/brats (GT float32/uint16, predictions float64), 3 regions, "
                  f"{n_metrics}:")
            for gt_path in sorted(shared.glob("*/*_images/*/*_seg.nii.gz")):
                subject = gt_path.parent.name
                dataset_root = gt_path.parents[2]
                pred_paths = sorted(dataset_root.glob(f"*_seg/*/{subject}/{subject}_pred.nii.gz"))
                results = runner.run(gt_path, pred_paths, "EDE=3,ENH=1,NEC=2")
                for index, pred_path in enumerate(pred_paths):
                    runner.print_pair(results, index, f" {subject} / {pred_path.parents[1].name}:",
                                      collect=True)
                runner.print_subject(results, f" {subject}, all {len(pred_paths)} models in one task "
                                              "(GT read once, its geometry shared):")
            for key, name in runner.versions():
                ratios = runner.ratios[key]
                print(f"  {name:>8}: median pair ratio {statistics.median(ratios):.2f}, max {max(ratios):.2f} "
                      "(target <= 2.0)")
        folder = Path(tmp) / "nested"
        gt_path, pred_path = make_nested_case(folder)
        results = runner.run(gt_path, [pred_path], "BALL=1")
        print(f"nested spheres (pred r20 inside GT r40, 100^3, 1 region, {n_metrics}; reference 0.2.0 ~20 s, "
              "target < 1 s):")
        for key, name in runner.versions():
            r = results[key]["pairs"][0]
            print(f"  {name:>8}: pair {r['pair']['cpu']:.3f} s | evaluate {r['compute']['cpu']:.3f} s | "
                  f"read {r['read']['cpu']:.3f} s | peak RSS {results[key]['peak_rss_mb']:.0f} MB")


if __name__ == "__main__":
    main()
