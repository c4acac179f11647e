"""Benchmark of metric extraction per subject/model pair on full-size synthetic data.

Usage::

    python benchmarks/bench_metrics.py [--repeats 3] [--dtype float32|uint8|both]

For each case it writes a ground truth and a prediction (240 × 240 × 155, 1 mm,
three regions EDE 3 / ENH 1 / NEC 2 shaped like a tumour, prediction shifted and
dilated/eroded), then, in a fresh subprocess (so that peak RSS is that of one worker):

* ``read``: the time to just read the two files (``read_volume`` both);
* ``pair``: the time of the worker evaluating the pair (reads included), all 13 metrics
  (8 reference + hd95, assd, nsd, gt_size, volume_similarity) and the error-matrix counts;
* ``ratio = pair / read`` (target ≤ 2.0) and the worker's peak RSS (target < 600 MB).

It also times the nested-spheres case (prediction ball r20 inside GT ball r40, one region),
for which the reference 0.2.0 needs ≈ 20 s (``directed_hausdorff`` on voxel lists); target < 1 s.
When ``../shared/data/brats`` exists, every real pair there is measured the same way.
Times are medians of ``--repeats`` runs measured within one process, so machine load
affects both sides of the ratio alike.
"""

from __future__ import annotations

import argparse
import json
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


def worker(gt_path: str, pred_path: str, regions: str, repeats: int) -> dict:
    """Runs in a fresh process: time reads and the pair evaluation; report peak RSS."""
    from auditapp.config.model import ALL_METRICS
    from auditapp.io import read_volume
    from auditapp.metrics.counts import as_label_array
    from auditapp.metrics.regions import Region
    from auditapp.metrics.registry import evaluate_pair
    from auditapp.pipelines.metrics import ModelInput, SubjectTask, evaluate_subject

    region_list = tuple(Region(name, (int(v),)) for name, v in
                        (item.split("=") for item in regions.split(",")))
    task = SubjectTask(
        subject=Path(gt_path).parent.name, gt_path=gt_path, gt_tried=(gt_path,),
        models=(ModelInput("model", pred_path, (pred_path,)),), regions=region_list,
        metrics=ALL_METRICS, nsd_tolerance=1.0,
        configured_values=tuple(int(r.values[0]) for r in region_list),
    )
    reads, pairs, computes = [], [], []
    for _ in range(repeats):
        start = time.perf_counter()
        g = read_volume(gt_path)
        p = read_volume(pred_path)
        np.asarray(g.data).sum(), np.asarray(p.data).sum()  # noqa: B018 - touch the data
        reads.append(time.perf_counter() - start)
        gt = as_label_array(g.data)
        pred = as_label_array(p.data)
        del g, p
        start = time.perf_counter()
        evaluate_pair(gt, pred, spacing=(1.0, 1.0, 1.0), regions=region_list, metrics=ALL_METRICS)
        computes.append(time.perf_counter() - start)
        del gt, pred
        start = time.perf_counter()
        result = evaluate_subject(task)
        pairs.append(time.perf_counter() - start)
        assert not result.failures, result.failures
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"read": statistics.median(reads), "pair": statistics.median(pairs),
            "compute": statistics.median(computes), "peak_rss_mb": peak_mb}


def _run_worker(gt_path: Path, pred_path: Path, regions: str, repeats: int) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--worker", str(gt_path), str(pred_path), regions, str(repeats)],
        check=True, capture_output=True, text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--dtype", choices=("float32", "uint8", "both"), default="both")
    parser.add_argument("--no-real", action="store_true", help="skip the real pairs of ../shared/data/brats")
    parser.add_argument("--worker", nargs=4, metavar=("GT", "PRED", "REGIONS", "REPEATS"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        gt_path, pred_path, regions, repeats = args.worker
        print(json.dumps(worker(gt_path, pred_path, regions, int(repeats))))
        return
    dtypes = ("float32", "uint8") if args.dtype == "both" else (args.dtype,)
    with tempfile.TemporaryDirectory() as tmp:
        for dtype in dtypes:
            folder = Path(tmp) / dtype
            gt_path, pred_path = make_tumour_case(folder, dtype)
            r = _run_worker(gt_path, pred_path, "EDE=3,ENH=1,NEC=2", args.repeats)
            label = "float32 GT / float64 pred (as ../shared)" if dtype == "float32" else "uint8 GT and pred"
            print(f"tumour pair 240x240x155, 3 regions, 13 metrics, {label}:")
            print(f"  read two files {r['read']:.3f} s | pair (read + evaluate) {r['pair']:.3f} s | "
                  f"evaluate only {r['compute']:.3f} s")
            print(f"  ratio pair/read = {r['pair'] / r['read']:.2f} (target <= 2.0) | "
                  f"peak RSS {r['peak_rss_mb']:.0f} MB (target < 600)")
        shared = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "brats"
        if shared.is_dir() and not args.no_real:
            ratios = []
            print("real pairs in ../shared/data/brats (GT float32, predictions float64), 3 regions, 13 metrics:")
            for gt_path in sorted(shared.glob("*/*_images/*/*_seg.nii.gz")):
                subject = gt_path.parent.name
                dataset_root = gt_path.parents[2]
                for pred_path in sorted(dataset_root.glob(f"*_seg/*/{subject}/{subject}_pred.nii.gz")):
                    r = _run_worker(gt_path, pred_path, "EDE=3,ENH=1,NEC=2", args.repeats)
                    ratios.append(r["pair"] / r["read"])
                    print(f"  {subject} / {pred_path.parents[1].name}: read {r['read']:.3f} s | pair "
                          f"{r['pair']:.3f} s | evaluate {r['compute']:.3f} s | ratio {ratios[-1]:.2f} | "
                          f"peak RSS {r['peak_rss_mb']:.0f} MB")
            print(f"  median ratio {statistics.median(ratios):.2f}, max {max(ratios):.2f} (target <= 2.0)")
        folder = Path(tmp) / "nested"
        gt_path, pred_path = make_nested_case(folder)
        r = _run_worker(gt_path, pred_path, "BALL=1", args.repeats)
        print("nested spheres (pred r20 inside GT r40, 100^3, 1 region, 13 metrics):")
        print(f"  pair {r['pair']:.3f} s | evaluate only {r['compute']:.3f} s (target < 1 s; "
              f"reference 0.2.0 ~20 s) | read {r['read']:.3f} s | peak RSS {r['peak_rss_mb']:.0f} MB")


if __name__ == "__main__":
    main()
