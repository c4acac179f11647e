"""The BraTS 2024 tutorial, end to end, on synthetic data shaped like BraTS 2024.

The real tutorial starts from the BraTS 2024 post-treatment glioma training set (1,621 subjects
from five sites, 182x218x182 volumes) and its metadata spreadsheet. This script builds a small
look-alike so every step runs in a minute on a laptop:

* ``BraTS-PTG supplementary demographic information and metadata.xlsx`` with the sheet's
  columns, including the trailing-space ``"Train/Test/Validation "``;
* ``datasets/BraTS_2024/BraTS-GLI-xxxxx-xxx/BraTS-GLI-xxxxx-xxx-{t1c,t1n,t2f,t2w,seg}.nii.gz``
  for four sites (labels NETC 1, SNFH 2, ET 3, RC 4), plus metadata rows for test and
  validation subjects that are not on disk, as in the real sheet.

Then it follows the tutorial:

1. project skeleton (:func:`auditapp.files.create_project_structure`, i.e. ``auditapp init``);
2. keep the ``Train`` / ``Train-additional`` rows of the metadata;
3. organise the subjects by site (:func:`auditapp.files.organize_by_metadata`), dry run first;
4. standardise the names (:func:`auditapp.files.rename_dirs` / :func:`~auditapp.files.rename_files`);
5. feature extraction (``configs/feature_extraction.yaml``);
6. a first ``app.yaml`` with features only (empty ``metrics:`` / ``predictions:``);
7. "inference" of two models (simulated here with controlled errors);
8. metric extraction per site (``configs/metric_extraction_<Site>.yaml``, the tutorial's
   ``package: audit`` and short metric names);
9. the full ``app.yaml``, and the ``auditapp run-app`` command to open the dashboard.

Usage::

    python examples/brats2024_tutorial/run_tutorial.py [PROJECT_DIR] [--subjects-per-site 3]
        [--shape 48 56 48] [--cpu-cores 1] [--serve]

Without PROJECT_DIR a temporary folder is used (and kept, so the dashboard can be opened).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from auditapp.demo.synthetic import ModelErrors, make_prediction, make_subject
from auditapp.files import create_project_structure, organize_by_metadata, rename_dirs, rename_files
from auditapp.io import read_volume, write_text_atomic
from auditapp.io.nifti_write import write_volume

METADATA_NAME = "BraTS-PTG supplementary demographic information and metadata.xlsx"
SPLIT_COLUMN = "Train/Test/Validation "  # sic: the real sheet's column name ends with a space

#: Site -> (first subject number, scanner field strength, manufacturer, image dtype)
SITES = {
    "Duke": (2060, 3.0, "GE", "float32"),
    "Indiana": (2200, 1.5, "Siemens", "int16"),
    "Missouri": (2400, 3.0, "Philips", "float32"),
    "UCSF": (2600, 3.0, "GE", "int16"),
}
#: BraTS 2024 file suffix -> synthetic sequence generated for it, and the tutorial's new suffix.
SEQUENCE_FILES = {"-t1c": ("t1ce", "_t1ce"), "-t1n": ("t1", "_t1"), "-t2f": ("flair", "_flair"),
                  "-t2w": ("t2", "_t2"), "-seg": (None, "_seg")}
LABELS = "{BKG: 0, NETC: 1, SNFH: 2, ET: 3, RC: 4}"
#: Two "BraTS 2025" models with different, controlled errors (the tutorial's pairwise comparison).
MODELS = {
    "BraTS25_3A": ModelErrors(dilation=1, swap=(1, 3), swap_fraction=0.2),  # over-segments
    "BraTS25_3B": ModelErrors(erosion=1, swap=(1, 3), swap_fraction=0.5),   # under-segments, more NETC/ET confusion
}


@dataclass
class TutorialResult:
    """Where everything ended up."""

    project: Path
    metadata: Path
    by_site: Path
    organized: dict[str, list[str]]
    missing: list[str]
    feature_csvs: dict[str, Path] = field(default_factory=dict)
    metric_csvs: dict[str, Path] = field(default_factory=dict)
    app_config: Path | None = None
    run_app_command: str = ""


def step(title: str) -> None:
    print(f"\n=== {title}")


# --------------------------------------------------------------------------- synthetic BraTS 2024


def _add_resection_cavity(seg: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Label a small cube just beside the tumour as resection cavity (4), as post-treatment scans have."""
    coords = np.argwhere(seg > 0)
    if coords.size == 0:
        return seg
    lo, hi = coords.min(axis=0), coords.max(axis=0)
    k = int(hi[0]) + 1
    if k + 3 > seg.shape[0]:
        k = max(int(lo[0]) - 3, 0)
    j, i = (int(v) for v in (lo[1:] + hi[1:]) // 2)
    out = seg.copy()
    out[k:k + 3, j:j + 3, i:i + 3] = 4
    return out


def make_brats2024_like(project: Path, subjects_per_site: int, shape: tuple[int, int, int],
                        seed: int = 2024) -> tuple[Path, Path]:
    """Write the raw dataset ``datasets/BraTS_2024`` and the metadata spreadsheet; return both paths."""
    raw = project / "datasets" / "BraTS_2024"
    raw.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    rows = []
    for s_index, (site, (first, field_strength, manufacturer, dtype)) in enumerate(SITES.items()):
        n_rows = subjects_per_site + 2
        for n in range(n_rows):
            sid = f"BraTS-GLI-{first + n:05d}-{100 + n % 2:03d}"
            split = "Train" if n < subjects_per_site - 1 else (
                "Train-additional" if n == subjects_per_site - 1 else ("Validation" if n % 2 else "Test"))
            rows.append({
                "BraTS Subject ID": sid,
                "Site": site,
                SPLIT_COLUMN: split,
                "Magnetic Field Strength": field_strength,
                "Manufacturer": manufacturer,
                "Patient's Age": int(rng.integers(25, 80)),
                "Patient's Sex": str(rng.choice(["M", "F"])),
                "Glioma type": str(rng.choice(["Glioblastoma", "Astrocytoma", "Oligodendroglioma"])),
            })
            if split not in ("Train", "Train-additional"):
                continue  # test/validation subjects are listed in the sheet but not in the training folder
            subject = make_subject(shape, seed=seed + 97 * s_index + n, dtype=dtype,
                                   intensity_scale=1.0 + 0.15 * s_index, noise=0.03 + 0.01 * s_index)
            folder = raw / sid
            folder.mkdir(exist_ok=True)
            seg = _add_resection_cavity(subject.seg, rng) if n % 2 == 0 else subject.seg
            for suffix, (sequence, _) in SEQUENCE_FILES.items():
                data = seg if sequence is None else subject.images[sequence]
                write_volume(folder / f"{sid}{suffix}.nii.gz", data, subject.spacing)
    metadata = project / METADATA_NAME
    pd.DataFrame(rows).to_excel(metadata, index=False)
    return raw, metadata


# --------------------------------------------------------------------------- configs


def feature_yaml(sites: list[str], cpu_cores: int) -> str:
    paths = "\n".join(f"  {s}: ${{project_root}}/datasets/BraTS_2024_by_site/{s}/{s}_images/" for s in sites)
    return f"""\
# BraTS 2024 tutorial, step 5: feature extraction over every site.
project_root: ..
data_paths:
{paths}
output_path: ${{project_root}}/outputs/features
logs_path: ${{project_root}}/logs/features
sequences: [_t1, _t2, _t1ce, _flair]
labels: {LABELS}
features: {{statistical: true, texture: true, spatial: true, tumor: true}}
cpu_cores: {cpu_cores}
"""


def metric_yaml(site: str, models: list[str], cpu_cores: int) -> str:
    preds = "\n".join(f"  {m}: ${{project_root}}/datasets/BraTS_2024_by_site/{site}/{site}_seg/{m}" for m in models)
    return f"""\
# BraTS 2024 tutorial, step 8: metrics of the models on {site} (the tutorial's package/short names).
project_root: ..
data_path: ${{project_root}}/datasets/BraTS_2024_by_site/{site}/{site}_images
model_predictions_paths:
{preds}
labels: {LABELS}
package: audit
metrics:
  dice: true
  jacc: true
  accu: true
  prec: true
  sens: true
  spec: true
  haus: true
  size: true
  # lesion-wise BraTS 2024 scoring: uncomment these three lines and the lesion_wise line below
  # lesion_dice: true
  # lesion_hd95: true
  # lesion_counts: true
# lesion_wise: {{convention: brats2024, task: GLI, per_lesion_table: true}}
output_path: ${{project_root}}/outputs/metrics
filename: {site}
logs_path: ${{project_root}}/logs/metrics
cpu_cores: {cpu_cores}
"""


def app_yaml(sites: list[str], models: list[str], with_metrics: bool) -> str:
    def block(fmt: str) -> str:
        return "\n".join(f"  {s}: {fmt.format(s=s)}" for s in sites)

    if with_metrics:
        metrics = "metrics:\n" + block("${{metrics_path}}/extracted_information_{s}.csv")
        preds = "predictions:\n" + "\n".join(
            f"  {s}:\n" + "\n".join(f"    {m}: ${{datasets_path}}/{s}/{s}_seg/{m}" for m in models) for s in sites)
    else:
        metrics, preds = "metrics:", "predictions:"  # step 6: no model results yet
    return f"""\
# BraTS 2024 tutorial: dashboard config (auditapp run-app --config <this file>).
project_root: ..
sequences: [_t1, _t2, _t1ce, _flair]
labels: {LABELS}
datasets_path: ${{project_root}}/datasets/BraTS_2024_by_site
features_path: ${{project_root}}/outputs/features
metrics_path: ${{project_root}}/outputs/metrics
features:
{block("${{features_path}}/extracted_information_{s}.csv")}
{metrics}
raw_datasets:
{block("${{datasets_path}}/{s}/{s}_images")}
{preds}
metadata:
  file: "${{project_root}}/{METADATA_NAME}"
  id_column: BraTS Subject ID
  id_rewrite: [["BraTS-GLI", "{{Site}}"]]
  columns: [Site, Magnetic Field Strength, Manufacturer, "Patient's Age", "Patient's Sex", Glioma type]
"""


# --------------------------------------------------------------------------- the tutorial


def _check(summary, what: str) -> None:
    for d in summary.datasets:
        print(f"  {d.name}: {d.n_written} rows written to {d.output}, {d.n_failed} failed")
    if summary.n_failed:
        raise RuntimeError(f"{what}: {summary.n_failed} subjects failed (see the failures files)")


def simulate_inference(by_site: Path, sites: list[str]) -> None:
    """Tutorial step 7 happens outside auditapp; here each model's errors are applied to the GT."""
    for site in sites:
        images = by_site / site / f"{site}_images"
        for s_index, subject_dir in enumerate(sorted(p for p in images.iterdir() if p.is_dir())):
            sid = subject_dir.name
            gt = read_volume(subject_dir / f"{sid}_seg.nii.gz", subject=sid)
            for m_index, (model, errors) in enumerate(MODELS.items()):
                out = by_site / site / f"{site}_seg" / model / sid
                out.mkdir(parents=True, exist_ok=True)
                pred = make_prediction(gt.data, errors, seed=31 * s_index + m_index)
                write_volume(out / f"{sid}_pred.nii.gz", pred, gt.spacing)


def run_tutorial(project: Path, *, subjects_per_site: int = 3, shape=(48, 56, 48), cpu_cores: int = 1,
                 seed: int = 2024) -> TutorialResult:
    """Run every step of the tutorial in ``project``; return the paths written."""
    from auditapp.config import load_app_config, load_feature_config, load_metric_config
    from auditapp.pipelines.features import run_feature_extraction
    from auditapp.pipelines.metrics import run_metric_extraction

    project = Path(project)
    sites = list(SITES)

    step("1. Project skeleton (auditapp init)")
    create_project_structure(project)
    raw, metadata_path = make_brats2024_like(project, subjects_per_site, tuple(shape), seed=seed)
    print(f"Synthetic BraTS 2024 look-alike: {len(list(raw.iterdir()))} subjects in {raw}")

    step("2. Metadata: keep the Train and Train-additional rows")
    meta = pd.read_excel(metadata_path)
    print(meta.groupby(["Site", SPLIT_COLUMN]).size().to_string())
    df = meta[meta[SPLIT_COLUMN].isin(["Train", "Train-additional"])]
    # One training subject in the sheet is missing from the folder: organize_by_metadata reports it.
    extra = df.iloc[[0]].assign(**{"BraTS Subject ID": "BraTS-GLI-09999-100"})
    df = pd.concat([df, extra], ignore_index=True)

    step("3. Organise by site (dry run first, then for real)")
    by_site = project / "datasets" / "BraTS_2024_by_site"
    organize_by_metadata(df, column="Site", input_dir=raw, output_dir=by_site, subdir="{category}_images")
    organised = organize_by_metadata(df, column="Site", input_dir=raw, output_dir=by_site,
                                     subdir="{category}_images", safe_mode=False)

    step("4. Standardise names: BraTS-GLI -> site, -t1c -> _t1ce, ...")
    for s in sites:
        root = by_site / s
        rename_dirs(root, old_name="BraTS-GLI", new_name=s, safe_mode=False)
        rename_files(root, old_name="BraTS-GLI", new_name=s, safe_mode=False)
        for old, (_, new) in SEQUENCE_FILES.items():
            rename_files(root, old_name=f"{old}.nii.gz", new_name=f"{new}.nii.gz", safe_mode=False)
    first = sorted((by_site / "Duke" / "Duke_images").iterdir())[0]
    print(f"{first.relative_to(project)}: {sorted(p.name for p in first.iterdir())}")

    configs = project / "configs"
    step("5. Feature extraction")
    feature_cfg = write_text_atomic(configs / "feature_extraction.yaml", feature_yaml(sites, cpu_cores))
    summary = run_feature_extraction(load_feature_config(feature_cfg))
    _check(summary, "feature extraction")
    result = TutorialResult(project=project, metadata=metadata_path, by_site=by_site,
                            organized=organised["organized"], missing=organised["missing"])
    result.feature_csvs = {d.name: Path(d.output) for d in summary.datasets}

    step("6. Dashboard config with features only")
    app_cfg = write_text_atomic(configs / "app.yaml", app_yaml(sites, list(MODELS), with_metrics=False))
    load_app_config(app_cfg)
    print(f"valid: {app_cfg}")

    step("7. Model inference (simulated: controlled errors applied to the ground truth)")
    simulate_inference(by_site, sites)
    print(f"predictions in <Site>/<Site>_seg/<model>/<ID>/<ID>_pred.nii.gz for {', '.join(MODELS)}")

    step("8. Metric extraction, one config per site")
    for s in sites:
        cfg = write_text_atomic(configs / f"metric_extraction_{s}.yaml", metric_yaml(s, list(MODELS), cpu_cores))
        summary = run_metric_extraction(load_metric_config(cfg))
        _check(summary, f"metric extraction ({s})")
        result.metric_csvs.update({d.name: Path(d.output) for d in summary.datasets})

    step("9. Full dashboard config")
    result.app_config = write_text_atomic(configs / "app.yaml", app_yaml(sites, list(MODELS), with_metrics=True))
    load_app_config(result.app_config)
    result.run_app_command = f"auditapp run-app --config {result.app_config}"
    print(f"Open the dashboard with:\n  {result.run_app_command}")
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("project", nargs="?", type=Path, help="project folder (default: a new temporary folder)")
    parser.add_argument("--subjects-per-site", type=int, default=3, help="training subjects per site (default 3)")
    parser.add_argument("--shape", type=int, nargs=3, default=(48, 56, 48), metavar=("K", "J", "I"),
                        help="volume shape in (k, j, i) order; BraTS 2024 is 182 218 182 (default 48 56 48)")
    parser.add_argument("--cpu-cores", type=int, default=1, help="cpu_cores written in the configs (default 1)")
    parser.add_argument("--serve", action="store_true", help="launch the dashboard at the end")
    args = parser.parse_args(argv)
    if args.subjects_per_site < 2:
        parser.error("--subjects-per-site must be at least 2")

    from loguru import logger

    logger.remove()
    logger.add(sys.stderr, level="WARNING")  # the pipelines' per-subject INFO lines are for log files
    project = args.project or Path(tempfile.mkdtemp(prefix="brats2024_tutorial_"))
    result = run_tutorial(project, subjects_per_site=args.subjects_per_site, shape=tuple(args.shape),
                          cpu_cores=args.cpu_cores)
    if args.serve:
        import subprocess

        return subprocess.call([sys.executable, "-m", "auditapp", "run-app", "--config", str(result.app_config)])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
