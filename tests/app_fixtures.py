"""Synthetic dashboard projects for the app tests (small CSVs, empty image files, app.yaml), written in tmp_path."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import stat
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np
import pandas as pd

MAIN = Path(__file__).resolve().parents[1] / "src" / "auditapp" / "app" / "main.py"
SETS = ("SiteA", "SiteB")
N_PER_SET = 12
SEQUENCES = ("_t1", "_t2", "_t1ce", "_flair")
LABELS = {"BKG": 0, "NETC": 1, "SNFH": 2, "ET": 3}
MODELS = ("m1", "m2")
OUTLIER = ("SiteA", "SiteA-003")  # its lesion_size_et is 1e6, every other value is < 2000


def subject_ids(set_name: str) -> list[str]:
    return [f"{set_name}-{i:03d}" for i in range(N_PER_SET)]


def features_frame(set_name: str, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    ids = subject_ids(set_name)
    n = len(ids)
    df = pd.DataFrame({"ID": ids})
    for p in ("axial", "coronal", "sagittal"):
        df[f"{p}_plane_resolution"] = 1.0
    for p in ("axial", "coronal", "sagittal"):
        df[f"{p}_plane_center_of_mass"] = rng.uniform(80, 120, n).round(3)
    for lab in ("whole", "netc", "snfh", "et"):
        df[f"{lab}_tumor_location"] = rng.uniform(10, 60, n).round(3)
    for lab in ("netc", "snfh", "et"):
        df[f"lesion_size_{lab}"] = rng.uniform(100, 2000, n).round(0)
    df["lesion_size_whole"] = df[["lesion_size_netc", "lesion_size_snfh", "lesion_size_et"]].sum(axis=1)
    df["axial_tumor_slices"] = rng.integers(10, 60, n)
    df["lower_axial_tumor_slice"] = rng.integers(20, 60, n)
    df["upper_axial_tumor_slice"] = df["lower_axial_tumor_slice"] + df["axial_tumor_slices"]
    for s in ("t1", "t2", "t1ce", "flair"):
        df[f"{s}_max_intensity"] = rng.uniform(500, 3000, n).round(2)
        df[f"{s}_mean_intensity"] = rng.uniform(50, 300, n).round(2)
        df[f"{s}_skewness"] = rng.normal(0, 1, n).round(4)
    for s in ("t1", "t2", "t1ce", "flair"):
        df[f"{s}_mean_contrast"] = rng.uniform(1, 5, n).round(4)
        df[f"{s}_std_contrast"] = rng.uniform(0, 1, n).round(4)
    df["longitudinal_id"] = ""
    df["time_point"] = 0
    if set_name == OUTLIER[0]:
        df.loc[df["ID"] == OUTLIER[1], "lesion_size_et"] = 1e6
    return df


def metrics_frame(set_name: str, seed: int) -> pd.DataFrame:
    """Legacy upper-case columns, as the authors' published CSVs."""
    rng = np.random.default_rng(seed)
    rows = []
    for model in MODELS:
        for sid in subject_ids(set_name):
            for region in ("ET", "NETC", "SNFH"):
                rows.append({"ID": sid, "region": region, "DICE": rng.uniform(0.5, 1), "JACC": rng.uniform(0.3, 1),
                             "HAUS": rng.uniform(1, 20), "SIZE": float(rng.integers(100, 5000)), "model": model})
    return pd.DataFrame(rows)


def touch(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"")
    return path


def make_project(root: Path, *, metrics: bool = True, images: bool = True, metadata: bool = True,
                 missing_csv: bool = False) -> Path:
    """Write a synthetic project under ``root`` and return its app.yaml."""
    feats, mets, raws, preds = {}, {}, {}, {}
    for i, name in enumerate(SETS):
        fpath = root / "outputs" / "features" / f"extracted_information_{name}.csv"
        fpath.parent.mkdir(parents=True, exist_ok=True)
        features_frame(name, i).to_csv(fpath, index=False)
        feats[name] = fpath
        if metrics:
            mpath = root / "outputs" / "metrics" / f"extracted_information_{name}.csv"
            mpath.parent.mkdir(parents=True, exist_ok=True)
            metrics_frame(name, 10 + i).to_csv(mpath, index=False)
            mets[name] = mpath
        if images:
            raws[name] = root / "datasets" / name / f"{name}_images"
            for sid in subject_ids(name):
                for seq in SEQUENCES:
                    touch(raws[name] / sid / f"{sid}{seq}.nii.gz")
                touch(raws[name] / sid / f"{sid}_seg.nii.gz")
            preds[name] = {}
            for model in MODELS:
                pdir = root / "datasets" / name / f"{name}_seg" / model
                for sid in subject_ids(name):
                    touch(pdir / sid / f"{sid}_pred.nii.gz")
                preds[name][model] = pdir
    if missing_csv:
        feats["Ghost"] = root / "outputs" / "features" / "extracted_information_Ghost.csv"
    lines = ["features:"] + [f"  {k}: {v}" for k, v in feats.items()]
    lines += ["metrics:"] + [f"  {k}: {v}" for k, v in mets.items()]
    lines += ["raw_datasets:"] + [f"  {k}: {v}" for k, v in raws.items()]
    lines += ["predictions:"]
    for name, models in preds.items():
        lines.append(f"  {name}:")
        lines += [f"    {m}: {p}" for m, p in models.items()]
    lines.append("labels: {" + ", ".join(f"{k}: {v}" for k, v in LABELS.items()) + "}")
    lines.append("sequences: [" + ", ".join(SEQUENCES) + "]")
    if metadata:
        meta = pd.DataFrame({
            "Subject": [sid for name in SETS for sid in subject_ids(name)],
            "Scanner": ["GE", "Siemens", "Philips"] * (len(SETS) * N_PER_SET // 3),
            "Age": np.arange(len(SETS) * N_PER_SET, dtype=float) + 30,
        })
        mpath = root / "metadata.csv"
        meta.to_csv(mpath, index=False)
        lines.append(f"metadata: {{file: {mpath}, id_column: Subject}}")
    cfg = root / "configs" / "app.yaml"
    cfg.parent.mkdir(parents=True, exist_ok=True)
    cfg.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return cfg


def fake_itksnap(bin_dir: Path, record: Path) -> Path:
    """An ``itksnap`` script that writes its arguments (one per line) to ``record``."""
    bin_dir.mkdir(parents=True, exist_ok=True)
    exe = bin_dir / "itksnap"
    script = (f'#!/bin/sh\nPATH=/usr/bin:/bin\nfor a in "$@"; do echo "$a"; done > "{record}.tmp"\n'
              f'mv "{record}.tmp" "{record}"\n')
    exe.write_text(script, encoding="utf-8")
    exe.chmod(exe.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return exe


def wait_for(path: Path, timeout: float = 10.0) -> bool:
    import time

    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if path.is_file():
            return True
        time.sleep(0.05)
    return path.is_file()


def env_with_path(bin_dir: Path) -> str:
    return f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"


#: Headless Chromium of the browser tests and benchmarks (Debian's package; never ``playwright install``).
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]


def launch_chromium(playwright):
    """Headless Chromium from ``/usr/bin/chromium`` with the flags every browser test and benchmark uses."""
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)


def free_port() -> int:
    """A TCP port free on 127.0.0.1 now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _command(config: Path, port: int, src: Path | None) -> list[str]:
    """``auditapp run-app``'s Streamlit command, of this tree or, with ``src``, of that source tree."""
    if src is None:
        from auditapp.app.launch import streamlit_command

        return streamlit_command(config, port=port)
    code = ("import json; from auditapp.app.launch import streamlit_command; "
            f"print(json.dumps(streamlit_command({str(config)!r}, port={port})))")
    out = subprocess.run([sys.executable, "-c", code], env=dict(os.environ, PYTHONPATH=str(src)), check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out)


@contextlib.contextmanager
def served_dashboard(config: Path, log: Path | None = None, *, env: dict | None = None, src: Path | None = None,
                     timeout: float = 60):
    """``auditapp run-app``'s Streamlit command on a free port, until its health check answers; yields the URL.

    ``src``: serve another source tree (its own command and server options; A/B benchmarks). The server's output
    goes to ``log`` (shown when it does not start); it is stopped with Ctrl-C (SIGINT) at the end.
    """
    port = free_port()
    if src is not None:
        env = dict(env or os.environ, PYTHONPATH=str(src))
    with open(log or os.devnull, "wb") as out:
        proc = subprocess.Popen(_command(config, port, src), stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True, env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        end = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=1) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > end or proc.poll() is not None:
                shown = log.read_text(errors="replace")[-2000:] if log else "(no log kept)"
                raise RuntimeError(f"streamlit did not start: {shown}")
            time.sleep(0.2)
        yield url
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def write_brats_config(brats: Path, ref: Path, folder: Path) -> Path:
    """app.yaml over ../shared/data/brats (raw_datasets, every model's predictions) and the reference CSVs."""
    sets = ("BraTS2024_SSA", "BraTS2024_PED", "UCSF")
    lines = ["features:", f"  BraTS2024_SSA: {ref}/features/extracted_information_BraTS2024_SSA.csv", "metrics:"]
    lines += [f"  {s}: {ref}/metrics/extracted_information_{s}.csv" for s in sets]
    lines += ["raw_datasets:"] + [f"  {s}: {brats}/{s}/{s}_images" for s in sets]
    lines += ["predictions:"]
    for s in sets:
        models = sorted(p.name for p in (brats / s / f"{s}_seg").iterdir() if p.is_dir())
        lines += [f"  {s}:"] + [f"    {m}: {brats}/{s}/{s}_seg/{m}" for m in models]
    lines += ["labels: {BKG: 0, EDE: 3, ENH: 1, NEC: 2}"]
    path = folder / "app.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
