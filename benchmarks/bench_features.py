"""Feature extraction benchmark: time per subject vs the time to just read its 5 files, and peak RSS.

Usage::

    python benchmarks/bench_features.py [--subjects 2] [--repeats 3] [--real DIR]

Synthetic full-size subjects (240 x 240 x 155, 4 float32 sequences + a uint8 seg,
gzip-compressed NIfTI) are generated in a temporary folder. For each subject and
repeat, the script times (a) reading the 5 files with :func:`auditapp.io.read_volume`
and (b) the whole per-subject extraction (:func:`extract_subject`: reading included,
all four families), and prints their ratio (target <= 2.0 on one core). Wall and
CPU (process) times are both reported: on a shared machine the CPU ratio is the
more stable one. Peak RSS is measured in a fresh worker process that extracts every
subject (``VmHWM`` of ``/proc/self/status``, else ``resource.getrusage``; target < 600 MB).
BLAS/OpenMP helper threads are disabled so that "one core" holds.

``--real DIR`` also runs on a real subject folder (``DIR/<ID>/<ID>_t1.nii.gz`` ...).
"""

from __future__ import annotations

import os

# one core: no BLAS/OpenMP helper threads (set before numpy is imported)
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import resource  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

from auditapp.config.model import FeatureFamilies, Label  # noqa: E402
from auditapp.io import read_volume  # noqa: E402
from auditapp.pipelines.features import SubjectTask, extract_subject  # noqa: E402

SEQUENCES = ("_t1", "_t2", "_t1ce", "_flair")
LABELS = (Label("BKG", (0,)), Label("EDE", (3,)), Label("ENH", (1,)), Label("NEC", (2,)))
SHAPE_KJI = (155, 240, 240)


def make_subject(folder: Path, subject: str, seed: int) -> str:
    """Write a full-size synthetic subject; returns which generator made it.

    ``auditapp.demo.synthetic`` (brain-shaped, tissue texture, bias field, multi-label
    tumour) when available, else a simpler numpy ellipsoid with noise.
    """
    try:
        from auditapp.demo import synthetic
    except ImportError:  # pragma: no cover - older checkouts
        synthetic = None
    if synthetic is not None:
        subj = synthetic.make_subject(SHAPE_KJI, seed=seed, dtype="float32")
        synthetic.write_subject(folder, subject, subj)
        return "auditapp.demo.synthetic"
    _make_numpy_subject(folder, subject, seed)
    return "numpy ellipsoid"


def _make_numpy_subject(folder: Path, subject: str, seed: int) -> None:
    import nibabel as nib

    rng = np.random.default_rng(seed)
    k, j, i = np.ogrid[: SHAPE_KJI[0], : SHAPE_KJI[1], : SHAPE_KJI[2]]
    r2 = ((k - 77) / 65.0) ** 2 + ((j - 120) / 95.0) ** 2 + ((i - 120) / 75.0) ** 2
    brain = r2 < 1.0
    t2 = ((k - 90) / 25.0) ** 2 + ((j - 110) / 30.0) ** 2 + ((i - 140) / 20.0) ** 2
    seg = np.zeros(SHAPE_KJI, dtype=np.uint8)
    seg[t2 < 1.0] = 3
    seg[t2 < 0.4] = 1
    seg[t2 < 0.15] = 2
    seg[~brain] = 0
    sub = folder / subject
    sub.mkdir(parents=True, exist_ok=True)
    affine = np.eye(4)
    for n, suffix in enumerate(SEQUENCES):
        base = 3000.0 + 600.0 * n + 800.0 * np.cos(j / 17.0 + n) * np.sin(i / 23.0)
        img = (base + rng.normal(0.0, 150.0, SHAPE_KJI)).astype(np.float32)
        img += (seg > 0) * np.float32(1500.0 - 400.0 * n)
        img = np.rint(np.clip(img, 1, None)).astype(np.float32)
        img[~brain] = 0
        nib.save(nib.Nifti1Image(np.ascontiguousarray(img.T), affine), sub / f"{subject}{suffix}.nii.gz")
    nib.save(nib.Nifti1Image(np.ascontiguousarray(seg.T), affine), sub / f"{subject}_seg.nii.gz")


def task_for(folder: Path, subject: str) -> SubjectTask:
    sub = folder / subject
    return SubjectTask(
        subject=subject,
        sequences=tuple((s, str(sub / f"{subject}{s}.nii.gz")) for s in SEQUENCES),
        seg=str(sub / f"{subject}_seg.nii.gz"),
        labels=LABELS,
        families=FeatureFamilies(),
        texture_crop_padding=0,
    )


def _timed(func):
    wall, cpu = time.perf_counter(), time.process_time()
    func()
    return time.perf_counter() - wall, time.process_time() - cpu


def bench(folder: Path, subjects: list[str], repeats: int, label: str) -> None:
    print(f"== {label}: {len(subjects)} subject(s), {repeats} repeat(s), one core")
    ratios_wall, ratios_cpu = [], []
    for subject in subjects:
        task = task_for(folder, subject)
        paths = [p for _, p in task.sequences] + [task.seg]
        for _ in range(repeats):
            read_wall, read_cpu = _timed(lambda: [read_volume(p) for p in paths])
            ext_wall, ext_cpu = _timed(lambda: extract_subject(task))
            ratios_wall.append(ext_wall / read_wall)
            ratios_cpu.append(ext_cpu / read_cpu)
            print(f"{subject}: read 5 files {read_wall:.3f} s (cpu {read_cpu:.3f}), "
                  f"extract {ext_wall:.3f} s (cpu {ext_cpu:.3f}), "
                  f"ratio wall {ext_wall / read_wall:.2f}, cpu {ext_cpu / read_cpu:.2f}")
    print(f"median ratio: wall {statistics.median(ratios_wall):.2f}, cpu {statistics.median(ratios_cpu):.2f} "
          "(target <= 2.0)")
    breakdown(task_for(folder, subjects[0]))
    proc = subprocess.run([sys.executable, __file__, "--rss-worker", str(folder), *subjects],
                          capture_output=True, text=True, check=True)
    print(f"peak RSS of a worker extracting {len(subjects)} subject(s): {proc.stdout.strip()} MB "
          "(target < 600 MB)")


def _vm_hwm_mb() -> float | None:
    """Peak RSS of this process image from /proc (reset at exec, unlike ru_maxrss)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def breakdown(task: SubjectTask) -> None:
    """CPU time of each step for one subject (best of 3), to show where the time goes."""
    from auditapp.features import spatial_features, statistical_features, tumor_features
    from auditapp.features.texture import (
        _quantize,
        block_texture,
        glcm_plane_properties,
        nonzero_box,
    )

    def best(func) -> float:
        times = []
        for _ in range(3):
            start = time.process_time()
            func()
            times.append(time.process_time() - start)
        return min(times)

    totals: dict[str, float] = {}

    def add(name: str, seconds: float) -> None:
        totals[name] = totals.get(name, 0.0) + seconds

    for index, (_, path) in enumerate(task.sequences):
        add("read 4 sequences", best(lambda: read_volume(path)))
        volume = read_volume(path)
        data = volume.data
        box = nonzero_box(data)
        add("bounding box", best(lambda: nonzero_box(data)))
        if index == 0:
            add("spatial", best(lambda: spatial_features(data, spacing=volume.spacing, box=box)))
        add("statistics", best(lambda: statistical_features(data[box])))
        add("texture: quantise", best(lambda: _quantize(data[box])))
        q = _quantize(data[box])[0]
        add("texture: GLCM", best(lambda: glcm_plane_properties(q, background=0)))
        add("texture (all)", best(lambda: block_texture(data[box])))
    add("read seg", best(lambda: read_volume(task.seg)))
    seg = read_volume(task.seg)
    add("tumour", best(lambda: tumor_features(seg.data, spacing=seg.spacing, labels=task.labels,
                                              brain_com=(1.0, 1.0, 1.0))))
    print("cpu breakdown for " + task.subject + ": "
          + ", ".join(f"{k} {v * 1000:.0f} ms" for k, v in totals.items()))


def rss_worker(folder: Path, subjects: list[str]) -> None:
    for subject in subjects:
        extract_subject(task_for(folder, subject))
    # ru_maxrss survives fork+exec on Linux (it starts at the parent's RSS), so
    # /proc's VmHWM is preferred when available.
    peak = _vm_hwm_mb()
    if peak is None:
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{peak:.0f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subjects", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--real", type=Path, default=None, help="a dataset folder with real subjects")
    parser.add_argument("--rss-worker", nargs="+", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.rss_worker:
        rss_worker(Path(args.rss_worker[0]), args.rss_worker[1:])
        return
    with tempfile.TemporaryDirectory(prefix="auditapp-bench-") as tmp:
        folder = Path(tmp)
        subjects = [f"Synth-{n:03d}" for n in range(args.subjects)]
        start = time.perf_counter()
        for n, subject in enumerate(subjects):
            generator = make_subject(folder, subject, seed=n)
        print(f"generated {len(subjects)} synthetic subject(s) with {generator} "
              f"in {time.perf_counter() - start:.1f} s")
        bench(folder, subjects, args.repeats, "synthetic 240x240x155, 4 x float32 + seg")
    if args.real is not None:
        real = sorted(p.name for p in args.real.iterdir() if p.is_dir() and not p.name.startswith("."))
        bench(args.real, real, args.repeats, f"real data {args.real}")


if __name__ == "__main__":
    main()
