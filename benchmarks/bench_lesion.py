"""Benchmark of lesion-wise metrics per subject/model pair, against the read time and the voxel-wise metrics.

Usage::

    python benchmarks/bench_lesion.py [--repeats 3] [--convention brats2023|brats2024|matching] [--before SRC]

For each pair it measures, in this process and in one run (so machine load affects every
figure alike; CPU seconds of this process, medians of ``--repeats``):

* ``read``: reading the GT and the prediction (``read_volume`` both);
* ``voxel``: the voxel-wise evaluation of the pair (``evaluate_pair``, all 13 metrics and the
  error-matrix counts) — what metric extraction does per pair without lesion-wise metrics;
* ``lesion``: every lesion-wise metric of every region on its own (GT labelling included, as for the
  first model of a subject; ``lesion_dice``, ``lesion_hd95``, ``lesion_nsd``, ``lesion_counts``,
  per-lesion rows);
* ``+voxel``: the same, after the voxel-wise evaluation of the pair, reusing its nearest-surface
  searches (``searched=``) — what metric extraction does when both are on, for a subject's first model;
* ``next``: the same for a subject's next model (the GT lesions, labelled for the first, are shared);

and prints ``lesion / voxel`` and ``+voxel / voxel`` (the issue's ratio, target ≤ 1.5), ``lesion / read``
and ``pair +lesion`` = ``(read + voxel + +voxel) / (read + voxel)``, what a pair costs end to end with
lesion-wise metrics switched on against without (the GT labelling counted in full for every pair, as for
a subject's first model). ``--before SRC`` (another tree's
``src``, e.g. ``git archive main src | tar -x -C /tmp/before``) also times the lesion-wise step of that
tree on each pair, in a child process run right after this tree's measurement of the pair (so both see
the same load), and prints its ratio next to this one's. Cases: a synthetic
240 × 240 × 155 subject with 200 small GT lesions (radius 1.5-4 voxels; the prediction misses
some, shifts the others and adds false positives), and every real pair of
``../shared/data/brats`` when present (regions EDE 3, ENH 1, NEC 2 and WT = 1 ∪ 2 ∪ 3).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import nibabel as nib
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
# ``--src`` (used by ``--before``'s child processes): the tree whose auditapp is timed
SRC = sys.argv[sys.argv.index("--src") + 1] if "--src" in sys.argv else str(ROOT / "src")
sys.path.insert(0, SRC)

from auditapp.io.nifti import read_volume  # noqa: E402
from auditapp.metrics.lesion_wise import LESION_METRICS, SubjectLesions, evaluate_pair_lesions, lesion_rule  # noqa: E402
from auditapp.metrics.regions import Region  # noqa: E402
from auditapp.metrics.registry import METRICS, evaluate_pair  # noqa: E402

SHAPE_KJI = (155, 240, 240)
VOXEL_METRICS = [name for name, spec in METRICS.items() if spec.kind != "lesion"]  # the 13 voxel-wise metrics
REGIONS = (Region("EDE", (3,)), Region("ENH", (1,)), Region("NEC", (2,)), Region("WT", (1, 2, 3)))


def _write(path: Path, data: np.ndarray) -> Path:
    nib.save(nib.Nifti1Image(np.ascontiguousarray(data.T), np.eye(4)), str(path))
    return path


def make_many_lesions(folder: Path, n: int = 200) -> tuple[Path, Path]:
    """GT with ``n`` small balls spread over the brain box; prediction: 80 % found (shifted), 40 FPs."""
    rng = np.random.default_rng(12)
    gt = np.zeros(SHAPE_KJI, np.uint8)
    pred = np.zeros(SHAPE_KJI, np.uint8)

    def ball(target, centre, radius, value):
        lo = [max(0, int(c - radius - 1)) for c in centre]
        hi = [min(s, int(c + radius + 2)) for c, s in zip(centre, SHAPE_KJI)]
        sub = tuple(slice(a, b) for a, b in zip(lo, hi))
        dist = sum(((g - c) / radius) ** 2 for g, c in zip(np.ogrid[sub], centre))
        target[sub][dist <= 1.0] = value

    for _ in range(n):
        centre = rng.uniform((20, 40, 40), (135, 200, 200))
        radius = rng.uniform(1.5, 4.0)
        value = int(rng.integers(1, 4))
        ball(gt, centre, radius, value)
        if rng.random() < 0.8:
            ball(pred, centre + rng.normal(0, 0.8, 3), radius * rng.uniform(0.8, 1.2), value)
    for _ in range(40):
        ball(pred, rng.uniform((20, 40, 40), (135, 200, 200)), rng.uniform(1.0, 3.0), int(rng.integers(1, 4)))
    return _write(folder / "many_gt.nii.gz", gt), _write(folder / "many_pred.nii.gz", pred)


def real_pairs(shared: Path):
    root = shared / "data" / "brats"
    for dataset in ("BraTS2024_SSA", "BraTS2024_PED", "UCSF"):
        seg = root / dataset / f"{dataset}_seg"
        if not seg.is_dir():
            continue
        for subject in sorted((root / dataset / f"{dataset}_images").iterdir()):
            gt = next(subject.glob("*_seg.nii*"))
            for model in sorted(p for p in seg.iterdir() if p.is_dir()):
                yield f"{subject.name} / {model.name}", gt, next((model / subject.name).glob("*_pred.nii*"))


def _cpu(function, repeats: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeats):
        start = time.process_time()
        result = function()
        times.append(time.process_time() - start)
    return statistics.median(times), result


def measure(name: str, gt_path: Path, pred_path: Path, convention: str, repeats: int, reuse: bool = True) -> dict:
    read, (gt, pred) = _cpu(lambda: (read_volume(gt_path), read_volume(pred_path)), repeats)
    spacing = gt.spacing
    rules = {r.name: lesion_rule(convention, region=r.name) for r in REGIONS}

    def voxel():
        return evaluate_pair(gt.data, pred.data, spacing=spacing, regions=REGIONS, metrics=VOXEL_METRICS)

    def lesion(searched=None, subject=None):
        subject = subject or SubjectLesions(gt.data, spacing, rules)
        reuse = {"searched": searched} if searched is not None else {}  # an older tree has no searched=
        return evaluate_pair_lesions(subject, pred.data, REGIONS, metrics=tuple(LESION_METRICS), table=True, **reuse)

    voxel_time, voxel_result = _cpu(voxel, repeats)
    lesion_time, result = _cpu(lesion, repeats)
    reused_time = next_time = float("nan")
    if reuse:  # (not in --before's child: an older tree may not take searched=)
        reused_time, _ = _cpu(lambda: lesion(voxel_result.distances), repeats)
        shared = SubjectLesions(gt.data, spacing, rules)
        lesion(voxel_result.distances, shared)  # an earlier model of the subject: the GT lesions are ready
        next_time, _ = _cpu(lambda: lesion(voxel_result.distances, shared), repeats)
    lesions = sum(r.scores["gt_lesions"] + r.scores["fp_lesions"] for r in result.values())
    return {"case": name, "read": read, "voxel": voxel_time, "lesion": lesion_time, "reused": reused_time,
            "next": next_time,
            "lesions": lesions, "scores": {k: r.scores for k, r in result.items()},
            "rows": {k: r.lesions for k, r in result.items()}}


def measure_before(src: str, gt_path: Path, pred_path: Path, convention: str, repeats: int) -> tuple[float, dict]:
    """The lesion-wise time (and scores and per-lesion rows) of the tree ``src`` on one pair, in a child process."""
    import json
    import subprocess

    out = subprocess.run([sys.executable, __file__, "--src", src, "--pair", str(gt_path), str(pred_path),
                          "--convention", convention, "--repeats", str(repeats)],
                         check=True, capture_output=True, text=True).stdout
    record = json.loads(out.splitlines()[-1])
    return record["lesion"], record


def _child(args) -> int:
    import json

    row = measure("", Path(args.pair[0]), Path(args.pair[1]), args.convention, args.repeats, reuse=False)
    print(json.dumps({"lesion": row["lesion"], "scores": row["scores"], "rows": row["rows"]}, default=float))
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--convention", default="brats2023", choices=("brats2023", "brats2024", "matching"))
    parser.add_argument("--before", metavar="SRC", help="another tree's src directory, timed on the same pairs")
    parser.add_argument("--src", help=argparse.SUPPRESS)
    parser.add_argument("--pair", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.pair:
        return _child(args)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        gt_path, pred_path = make_many_lesions(Path(tmp))
        cases = [("synthetic, 200 small lesions", gt_path, pred_path), *real_pairs(ROOT.parent / "shared")]
        for name, gt_path, pred_path in cases:
            rows.append(measure(name, gt_path, pred_path, args.convention, args.repeats))
            if args.before:
                rows[-1]["before"], before = measure_before(args.before, gt_path, pred_path, args.convention,
                                                            args.repeats)
                rows[-1]["same"] = _same(before, rows[-1])
    _report(rows, args)
    return 0


def _same(before: dict, now: dict) -> bool:
    """Whether two trees' scores and per-lesion rows are identical, bit for bit (NaN equal to NaN), the centroids
    to 1e-12 (a mean from one pass over all voxels may round apart in the last bit from a mean over a box)."""
    import json
    import math

    def exact(record):
        scores = {f"{region} {k}": float(v).hex() for region, row in record["scores"].items() for k, v in row.items()}
        rows = json.loads(json.dumps(record["rows"], default=float))
        centroids = [row.pop(k) for rs in rows.values() for row in rs for k in ("centroid_k", "centroid_j", "centroid_i")]
        return scores, rows, centroids

    (s1, r1, c1), (s2, r2, c2) = exact(before), exact(now)
    return repr((s1, r1)) == repr((s2, r2)) and len(c1) == len(c2) and all(
        math.isclose(a, b, rel_tol=1e-12) for a, b in zip(c1, c2))


def _report(rows: list[dict], args) -> None:
    print(f"lesion-wise ({args.convention}, 4 regions, all lesion metrics + per-lesion rows); CPU s, median of "
          f"{args.repeats}" + (f"; before: {args.before}" if args.before else ""))
    extra = f" {'before':>7s} {'before/voxel':>12s} {'same':>5s}" if args.before else ""
    print(f"{'case':42s} {'lesions':>7s} {'read':>6s} {'voxel':>6s} {'lesion':>6s} {'+voxel':>6s} {'next':>6s} "
          f"{'lesion/voxel':>12s} {'+voxel/voxel':>12s} {'next/voxel':>10s} {'lesion/read':>11s} {'pair +lesion':>12s}"
          + extra)
    for r in rows:
        base = r["read"] + r["voxel"]  # a pair's cost without lesion-wise metrics
        extra = (f" {r['before']:7.3f} {r['before'] / r['voxel']:12.2f} {str(r['same']):>5s}") if args.before else ""
        print(f"{r['case']:42s} {r['lesions']:7d} {r['read']:6.3f} {r['voxel']:6.3f} {r['lesion']:6.3f} "
              f"{r['reused']:6.3f} {r['next']:6.3f} {r['lesion'] / r['voxel']:12.2f} {r['reused'] / r['voxel']:12.2f} "
              f"{r['next'] / r['voxel']:10.2f} "
              f"{r['lesion'] / r['read']:11.2f} {(base + r['reused']) / base:12.2f}" + extra)
    print(f"worst lesion/voxel {max(r['lesion'] / r['voxel'] for r in rows):.2f}, worst +voxel/voxel "
          f"{max(r['reused'] / r['voxel'] for r in rows):.2f}, worst next/voxel {max(r['next'] / r['voxel'] for r in rows):.2f}"
          " (target <= 1.5); load average at the end "
          + " / ".join(f"{load:.2f}" for load in os.getloadavg()) + " (1 / 5 / 15 min)")


if __name__ == "__main__":
    raise SystemExit(main())
