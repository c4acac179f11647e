"""Reference vs ours, whole process on 1 core: metric (and feature) extraction on ``../shared/data/brats``.

Usage::

    python -m venv /tmp/refvenv && /tmp/refvenv/bin/pip install auditapp==0.2.0   # once, a SEPARATE venv
    python benchmarks/bench_reference.py [--venv /tmp/refvenv] [--data ../shared/data/brats]
                                         [--repeats 1] [--no-features] [--ours-src SRC ...]

The reference program (auditapp 0.2.0 from PyPI) is only run, as a subprocess of its own venv
(``<venv>/bin/auditapp``); nothing of it is imported or copied here. Both programs get the same
configuration, the one ``../shared/reference/README.md`` documents (``backend: audit``, the 8 reference
metrics, labels ``BKG: 0, EDE: 3, ENH: 1, NEC: 2``, ``cpu_cores: 1``; features: all four families on
BraTS2024_SSA), with absolute paths and a scratch output folder. Ours runs as
``python -m auditapp <command> --config ... --force`` (nothing reused).

Each run is a whole process (interpreter start, imports, discovery, reading, computing, writing) with
``OMP_NUM_THREADS=1``; printed per dataset and in total: wall seconds and CPU seconds (user + system of
the process and the children it waited for, from ``wait4``) of each side and the ratio reference / ours.
Runs alternate reference, ours so that machine load falls on both alike; with ``--repeats`` the
smallest time of each side is kept. CPU time is the steadier figure on a shared machine.
``--ours-src`` names one or more ``src`` folders of auditapp (e.g. an older commit unpacked with
``git archive``): each is run as its own side (``PYTHONPATH``), so a change is measured against the
same reference runs; by default ours is whatever ``python -m auditapp`` imports.
Skips with a message (exit 0) when the venv or the data are absent.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO.parent / "shared" / "data" / "brats"
METRIC_DATASETS = ("BraTS2024_SSA", "BraTS2024_PED", "UCSF")
FEATURE_DATASET = "BraTS2024_SSA"
LABELS = "labels:\n  BKG: 0\n  EDE: 3\n  ENH: 1\n  NEC: 2\n"
REFERENCE_METRICS = ("dice", "jaccard", "accuracy", "precision", "sensitivity", "specificity",
                     "hausdorff_distance", "predicted_size")


def metric_config(data: Path, dataset: str, out: Path) -> str:
    """The README's ``dev_metrics_audit_<dataset>`` configuration with absolute paths."""
    seg = data / dataset / f"{dataset}_seg"
    models = "".join(f"  {m.name}: '{m}'\n" for m in sorted(seg.iterdir()) if m.is_dir())
    metrics = "".join(f"  {m}: true\n" for m in REFERENCE_METRICS)
    return (f"data_path: '{data / dataset / f'{dataset}_images'}'\nmodality: 'MRI'\n"
            "formats:\n  segmentation: '.nii.gz'\n  prediction: '.nii.gz'\n"
            f"model_predictions_paths:\n{models}{LABELS}backend: audit\nmetrics:\n{metrics}"
            f"output_path: '{out}'\nfilename: '{dataset}'\nlogs_path: '{out / 'logs'}'\ncpu_cores: 1\n")


def feature_config(data: Path, dataset: str, out: Path) -> str:
    """The README's ``dev_features_<dataset>`` configuration with absolute paths."""
    return (f"data_paths:\n  {dataset}: '{data / dataset / f'{dataset}_images'}'\nmodality: 'MRI'\n"
            "formats:\n  image: '.nii.gz'\n  segmentation: '.nii.gz'\n"
            "sequences:\n  - '_t1'\n  - '_t2'\n  - '_t1ce'\n  - '_flair'\n" + LABELS
            + "features:\n  statistical: true\n  texture: true\n  spatial: true\n  tumor: true\n"
            f"preprocessing: {{}}\noutput_path: '{out}'\nlogs_path: '{out / 'logs'}'\ncpu_cores: 1\n")


def timed(command: list[str], cwd: Path, src: str | None = None) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one whole process (``src``: its PYTHONPATH); raises when it fails."""
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    if src is not None:
        env["PYTHONPATH"] = src
    start = time.perf_counter()
    proc = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    stderr = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        tail = stderr.decode("utf-8", "replace")[-1500:]
        raise RuntimeError(f"{' '.join(command)} exited {proc.returncode}:\n{tail}")
    return wall, usage.ru_utime + usage.ru_stime


def compare(name: str, command: str, config_text, reference_exe: Path, repeats: int, scratch: Path,
            ours: dict[str, str | None]):
    """Run the reference and each of ``ours`` (label -> src) ``repeats`` times, alternating.

    Prints one line per side of ours; returns {side: [wall, cpu]} with the smallest time of each side.
    """
    best = {side: [float("inf")] * 2 for side in ("reference", *ours)}
    for i in range(repeats):
        for side in best:
            folder = scratch / f"{side}-{command}-{name}-{i}"
            folder.mkdir(parents=True)
            config = folder / "config.yml"
            config.write_text(config_text(folder / "out"), encoding="utf-8")
            argv = ([str(reference_exe), command, "--config", str(config)] if side == "reference"
                    else [sys.executable, "-m", "auditapp", command, "--config", str(config), "--force"])
            wall, cpu = timed(argv, folder, ours.get(side))
            best[side] = [min(best[side][0], wall), min(best[side][1], cpu)]
    rw, rc = best["reference"]
    for side in ours:
        ow, oc = best[side]
        print(f"{command} {name}: reference {rw:.1f} s wall / {rc:.1f} s CPU, {side} {ow:.1f} s wall / {oc:.1f} s "
              f"CPU -> {rw / ow:.1f}x wall, {rc / oc:.1f}x CPU", flush=True)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--venv", type=Path, default=Path(os.environ.get("AUDITAPP_REFERENCE_VENV", "/tmp/refvenv")))
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--no-features", action="store_true", help="time metric extraction only")
    parser.add_argument("--ours-src", nargs="+", default=None, metavar="SRC",
                        help="src folders of auditapp versions to time side by side (default: the installed one)")
    args = parser.parse_args()
    reference_exe = args.venv / "bin" / "auditapp"
    if not reference_exe.is_file():
        print(f"skipped: the reference program is not installed at {reference_exe} (make a separate venv: "
              f"python -m venv {args.venv} && {args.venv}/bin/pip install auditapp==0.2.0)")
        return
    if not args.data.is_dir():
        print(f"skipped: the data folder {args.data} is absent (../shared/data/brats)")
        return
    data = args.data.resolve()
    ours = {"ours": None} if not args.ours_src else {f"ours[{src}]": str(Path(src).resolve()) for src in args.ours_src}
    with tempfile.TemporaryDirectory(prefix="auditapp_ref_") as tmp:
        scratch = Path(tmp)
        totals = {side: [0.0, 0.0] for side in ("reference", *ours)}
        for dataset in METRIC_DATASETS:
            best = compare(dataset, "metric-extraction", lambda out, d=dataset: metric_config(data, d, out),
                           reference_exe, args.repeats, scratch, ours)
            for side, (wall, cpu) in best.items():
                totals[side] = [totals[side][0] + wall, totals[side][1] + cpu]
        rw, rc = totals["reference"]
        for side in ours:
            ow, oc = totals[side]
            print(f"metric-extraction, all {len(METRIC_DATASETS)} datasets, 1 core, whole process: reference "
                  f"{rw:.1f} s wall / {rc:.1f} s CPU, {side} {ow:.1f} s wall / {oc:.1f} s CPU -> "
                  f"{rw / ow:.1f}x wall, {rc / oc:.1f}x CPU (target >= 10x)", flush=True)
        if not args.no_features:
            try:
                compare(FEATURE_DATASET, "feature-extraction",
                        lambda out: feature_config(data, FEATURE_DATASET, out), reference_exe, args.repeats, scratch,
                        ours)
            except RuntimeError as exc:
                print(f"feature-extraction: not compared, a side failed: {exc}")


if __name__ == "__main__":
    main()
