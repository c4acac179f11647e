"""NIfTI read benchmark: auditapp's read path (zlib-ng + nibabel) vs ``nibabel.load``, and extraction / read.

Usage::

    python benchmarks/bench_read.py [--repeats 5] [--real ../shared/data/brats]

Files: every ``.nii.gz`` under ``--real`` (default ``../shared/data/brats`` next to the repository, skipped
when absent) and three synthetic 240 x 240 x 155 volumes (float32 image, int16 image, uint8 label map),
written once into a temporary folder. Per file, alternating in one run (median of ``--repeats``):

* ``nibabel``: ``np.asanyarray(nibabel.load(p).dataobj)`` (stdlib gzip);
* ``ours``: :func:`auditapp.io.read_volume` (zlib-ng stream decoded straight into the array, CRC checked);
* decompression alone with the standard library, zlib-ng and ISA-L (``isal``, when installed), the
  measurement behind choosing zlib-ng.

Then, on the real subject with four sequences and two models (and on one synthetic subject): feature
extraction time per subject and metric extraction time per subject, each divided by the time our read path
takes to read that subject's files (the floor), and by nibabel's read time. One core (BLAS threads off).
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import gzip  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import nibabel as nib  # noqa: E402
import numpy as np  # noqa: E402
from zlib_ng import gzip_ng  # noqa: E402

from auditapp.io import read_volume  # noqa: E402

try:
    from isal import igzip
except ImportError:  # optional: only for the comparison that chose zlib-ng
    igzip = None

REPO = Path(__file__).resolve().parents[1]
SHAPE_KJI = (155, 240, 240)


def synthetic_files(folder: Path) -> list[Path]:
    from auditapp.demo.synthetic import make_subject, write_subject
    from auditapp.io.nifti_write import write_volume

    subject = make_subject(SHAPE_KJI, seed=7, dtype="float32")
    write_subject(folder, "Synth-001", subject)
    t1 = subject.images["t1"]
    int16 = write_volume(folder / "synthetic_int16.nii.gz", np.rint(t1 / t1.max() * 3000).astype(np.int16))
    return [folder / "Synth-001" / "Synth-001_t1.nii.gz", int16, folder / "Synth-001" / "Synth-001_seg.nii.gz"]


def _median_time(func, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _nibabel_read(path: Path) -> np.ndarray:
    return np.asanyarray(nib.load(str(path)).dataobj)


def bench_files(files: list[Path], repeats: int) -> tuple[float, float]:
    print(f"{'file':44s} {'dtype':>7s} {'MB':>5s} {'nibabel':>8s} {'ours':>7s} {'ours/nib':>8s}   "
          f"decompress: {'stdlib':>7s} {'zlib-ng':>7s} {'isal':>7s}")
    total_nib = total_ours = 0.0
    for path in files:
        nib_times, our_times = [], []
        for _ in range(repeats):  # alternate, so that load from other processes hits both alike
            nib_times.append(_median_time(lambda: _nibabel_read(path), 1))
            our_times.append(_median_time(lambda: read_volume(path), 1))
        t_nib, t_ours = statistics.median(nib_times), statistics.median(our_times)
        total_nib += t_nib
        total_ours += t_ours
        raw = path.read_bytes()
        t_std = _median_time(lambda: gzip.decompress(raw), repeats)
        t_ng = _median_time(lambda: gzip_ng.decompress(raw), repeats)
        t_isal = _median_time(lambda: igzip.decompress(raw), repeats) if igzip else float("nan")
        data = read_volume(path).data
        print(f"{path.name[-44:]:44s} {data.dtype.name:>7s} {data.nbytes / 1e6:5.0f} {t_nib * 1e3:7.0f}ms "
              f"{t_ours * 1e3:5.0f}ms {t_ours / t_nib:8.2f}   "
              f"{'':12s}{t_std * 1e3:5.0f}ms {t_ng * 1e3:5.0f}ms {t_isal * 1e3:5.0f}ms")
    print(f"total: nibabel {total_nib:.2f} s, ours {total_ours:.2f} s, read time / nibabel read time "
          f"{total_ours / total_nib:.2f} (speed-up {total_nib / total_ours:.2f}x)")
    return total_nib, total_ours


def _feature_task(folder: Path, subject: str, sequences, labels):
    from auditapp.config.model import FeatureFamilies
    from auditapp.pipelines.features import SubjectTask

    sub = folder / subject
    return SubjectTask(subject=subject, sequences=tuple((s, str(sub / f"{subject}{s}.nii.gz")) for s in sequences),
                       seg=str(sub / f"{subject}_seg.nii.gz"), labels=labels, families=FeatureFamilies(),
                       texture_crop_padding=0)


def bench_extraction(label: str, feature_task, gt: Path, preds: list[Path], repeats: int) -> None:
    from auditapp.config.model import ALL_METRICS
    from auditapp.metrics.regions import Region
    from auditapp.pipelines.features import extract_subject
    from auditapp.pipelines.metrics import ModelInput, SubjectTask, evaluate_subject

    regions = (Region("NETC", (1,)), Region("SNFH", (2,)), Region("ET", (3,)))
    metric_task = SubjectTask(
        subject=gt.parent.name, gt_path=str(gt), gt_tried=(str(gt),),
        models=tuple(ModelInput(p.parent.parent.name, str(p), (str(p),)) for p in preds), regions=regions,
        metrics=ALL_METRICS, nsd_tolerance=1.0, configured_values=(1, 2, 3))
    feature_files = [p for _, p in feature_task.sequences] + [feature_task.seg]
    metric_files = [gt, *preds]
    for name, work, files in (("features", lambda: extract_subject(feature_task), feature_files),
                              ("metrics", lambda: evaluate_subject(metric_task), metric_files)):
        ours = _median_time(lambda: [read_volume(p) for p in files], repeats)
        nib_read = _median_time(lambda: [_nibabel_read(Path(p)) for p in files], repeats)
        extraction = _median_time(work, repeats)
        print(f"{label} {name}: extraction {extraction:.3f} s per subject, read {len(files)} files: ours "
              f"{ours:.3f} s, nibabel {nib_read:.3f} s -> extraction / new read time {extraction / ours:.2f}, "
              f"/ nibabel read time {extraction / nib_read:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--real", type=Path, default=REPO.parent / "shared" / "data" / "brats")
    args = parser.parse_args()
    from auditapp.config.model import Label

    with tempfile.TemporaryDirectory(prefix="auditapp-bench-read-") as tmp:
        synthetic = synthetic_files(Path(tmp))
        real = sorted(args.real.rglob("*.nii.gz")) if args.real.is_dir() else []
        if not real:
            print(f"no real data at {args.real}: synthetic volumes only")
        print(f"== read: {len(real)} real + {len(synthetic)} synthetic files, median of {args.repeats}, one core")
        bench_files(real + synthetic, args.repeats)
        labels = (Label("BKG", (0,)), Label("NETC", (1,)), Label("SNFH", (2,)), Label("ET", (3,)))
        print("== extraction time per subject / read time")
        subjects = sorted({p.parent for p in real if p.name.endswith("_t1ce.nii.gz")})
        for folder in subjects[:1]:
            subject = folder.name
            preds = sorted(folder.parents[1].parent.rglob(f"*_seg/*/{subject}/{subject}_pred.nii.gz"))
            task = _feature_task(folder.parent, subject, ("_t1", "_t2", "_t1ce", "_flair"), labels)
            bench_extraction(f"real {subject}", task, folder / f"{subject}_seg.nii.gz", preds, args.repeats)
        seg = Path(tmp) / "Synth-001" / "Synth-001_seg.nii.gz"
        task = _feature_task(Path(tmp), "Synth-001", ("_t1", "_t2", "_t1ce", "_flair"), labels)
        bench_extraction("synthetic Synth-001 (GT as its own prediction)", task, seg, [seg], args.repeats)


if __name__ == "__main__":
    main()
