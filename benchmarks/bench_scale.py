"""Scale benchmark: subjects/s and peak RSS (parent and each worker) at N subjects, and a second run.

Usage::

    python benchmarks/bench_scale.py [--subjects 100 1000] [--command metric-extraction]
                                     [--cores 2] [--root /tmp/auditapp_bench]

Data: ``<root>_<N>/`` holds N full-size synthetic subjects (240 x 240 x 155, four float32 sequences, a uint8
label map, two models' predictions), written once and reused by later runs. To keep disk and generation
time small, a pool of 10 distinct subjects is generated (``auditapp.demo.synthetic``) and each of the N
subjects' files is a hard link to a pool file under the subject's own name: every file is still read and
decompressed in full, but from the page cache once warm (the figures exclude cold disk reads).

For each N the real CLI runs in a fresh process (``python -m auditapp <command> --config ... --force``),
and a sampler reads ``VmHWM`` (peak RSS) of the parent and of every worker process from ``/proc`` every
0.2 s. Printed: wall time, subjects/s, the parent's and the largest worker's peak RSS; then a second run
with nothing changed (incremental: everything reused), its time and its fraction of the first, and whether
its output CSVs are byte-identical to the first (full, ``--force``) run's.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

SHAPE_KJI = (155, 240, 240)
POOL = 10
SEQUENCES = ("_t1", "_t2", "_t1ce", "_flair")
MODELS = ("modelA", "modelB")


def _pool(root: Path) -> Path:
    from auditapp.demo.synthetic import write_dataset

    pool = root / "pool"
    if not (pool / ".complete").is_file():
        shutil.rmtree(pool, ignore_errors=True)
        start = time.perf_counter()
        write_dataset(pool / "images", site="P", n_subjects=POOL, shape=SHAPE_KJI, seed=1,
                      pred_root=pool / "seg")
        (pool / ".complete").write_text("ok", encoding="utf-8")
        print(f"generated a pool of {POOL} full-size subjects in {time.perf_counter() - start:.0f} s")
    return pool


def dataset(base: Path, n: int) -> Path:
    """``<base>_<n>`` with n subjects hard-linked from the pool (created once)."""
    root = Path(f"{base}_{n}")
    if (root / ".complete").is_file():
        return root
    pool = _pool(Path(f"{base}_pool"))
    pool_ids = sorted(p.name for p in (pool / "images").iterdir() if p.is_dir())
    for i in range(n):
        subject, source = f"B-{i:04d}", pool_ids[i % POOL]
        folder = root / "images" / subject
        folder.mkdir(parents=True, exist_ok=True)
        for suffix in (*SEQUENCES, "_seg"):
            _link(pool / "images" / source / f"{source}{suffix}.nii.gz", folder / f"{subject}{suffix}.nii.gz")
        for model in MODELS:
            pred = root / "seg" / model / subject
            pred.mkdir(parents=True, exist_ok=True)
            _link(pool / "seg" / model / source / f"{source}_pred.nii.gz", pred / f"{subject}_pred.nii.gz")
    (root / ".complete").write_text("ok", encoding="utf-8")
    return root


def _link(source: Path, target: Path) -> None:
    if not target.exists():
        os.link(source, target)


def write_configs(root: Path, cores: int) -> dict[str, Path]:
    common = (f"output_path: {root / 'out'}\nlogs_path: {root / 'logs'}\n"
              f"labels: {{BKG: 0, NEC: 1, EDE: 2, ENH: 3}}\ncpu_cores: {cores}\n")
    features = root / "features.yaml"
    features.write_text(f"data_paths: {{B: {root / 'images'}}}\nsequences: [{', '.join(SEQUENCES)}]\n" + common,
                        encoding="utf-8")
    metrics = root / "metrics.yaml"
    models = ", ".join(f"{m}: {root / 'seg' / m}" for m in MODELS)
    metrics.write_text(f"data_path: {root / 'images'}\nmodel_predictions_paths: {{{models}}}\nfilename: B\n"
                       + common, encoding="utf-8")
    return {"feature-extraction": features, "metric-extraction": metrics}


def _vm_hwm_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def _descendants(pid: int) -> list[int]:
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return []
    found = [int(c) for c in children]
    for child in list(found):
        found += _descendants(child)
    return found


def run_cli(command: str, config: Path, *extra: str) -> tuple[float, float, float, list[float]]:
    """(seconds, parent peak RSS MB, largest worker peak RSS MB, every worker's peak RSS MB) of one CLI run."""
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "auditapp", command, "--config", str(config), *extra],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    peaks: dict[int, float] = {}
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            for pid in [proc.pid, *_descendants(proc.pid)]:
                value = _vm_hwm_mb(pid)
                if value is not None:
                    peaks[pid] = max(peaks.get(pid, 0.0), value)
            time.sleep(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, _ = proc.communicate()
    seconds = time.perf_counter() - start
    done.set()
    sampler.join()
    if proc.returncode != 0:
        raise SystemExit(f"{command} exited {proc.returncode}:\n{out}")
    workers = [v for pid, v in peaks.items() if pid != proc.pid and v > 60]  # not the resource tracker
    return seconds, peaks.get(proc.pid, float("nan")), max(workers, default=float("nan")), sorted(workers)


def output_digests(root: Path) -> dict[str, str]:
    """SHA-256 of every CSV the run wrote (the tables a user reads)."""
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted((root / "out").glob("*.csv"))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subjects", type=int, nargs="+", default=[100, 1000])
    parser.add_argument("--command", choices=["metric-extraction", "feature-extraction"],
                        default="metric-extraction")
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--root", type=Path, default=Path("/tmp/auditapp_bench"))
    args = parser.parse_args()
    rows = []
    for n in args.subjects:
        root = dataset(args.root, n)
        config = write_configs(root, args.cores)[args.command]
        first = run_cli(args.command, config, "--force")
        full = output_digests(root)
        second = run_cli(args.command, config)
        same = output_digests(root) == full
        rows.append((n, first, second))
        print(f"{args.command}, {n} subjects, {args.cores} workers: {first[0]:.1f} s, {n / first[0]:.2f} subjects/s, "
              f"peak RSS parent {first[1]:.0f} MB, workers {', '.join(f'{w:.0f}' for w in first[3])} MB; "
              f"second run (nothing changed) {second[0]:.1f} s = {second[0] / first[0]:.1%} of the first, "
              f"peak RSS parent {second[1]:.0f} MB; outputs byte-identical to the full run: "
              f"{'yes' if same else 'NO'} ({', '.join(full)})", flush=True)
    if len(rows) > 1:
        (n0, a, _), (n1, b, _) = rows[0], rows[-1]
        print(f"peak RSS {n1} vs {n0} subjects: parent {b[1] / a[1]:.2f}x, largest worker {b[2] / a[2]:.2f}x")


if __name__ == "__main__":
    main()
