"""The demo project written by ``auditapp demo``: synthetic data for three sites, two models, three configs.

Layout (tutorial style, so ITK-SNAP and the dashboard find everything)::

    <dir>/
      .auditapp_demo                         marker: this folder may be rebuilt
      datasets/<Site>/<Site>_images/<ID>/<ID>_{t1,t2,t1ce,flair,seg}.nii.gz
      datasets/<Site>/<Site>_seg/<model>/<ID>/<ID>_pred.nii.gz
      configs/feature_extraction.yaml         all sites
      configs/metric_extraction_<Site>.yaml   one per site
      configs/app.yaml
      outputs/  logs/                         filled by the extractions

Sites: ``SiteA`` (float32), ``SiteB`` (int16, brighter, noisier), ``SiteC`` (float32, darker,
longitudinal IDs ``Patient-001-week-000``...). Models: ``modelA`` over-segments by one voxel,
``modelB`` under-segments, swaps necrosis/enhancing in half of the lesion and sometimes
misses a lesion (:data:`auditapp.demo.synthetic.DEFAULT_MODELS`). Configs use paths
relative to ``configs/`` (``project_root: ..``), so the folder can be moved.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from auditapp.demo._shapes import _validate_shape
from auditapp.demo.synthetic import (
    DEFAULT_MODELS,
    DEFAULT_SITES,
    SEQUENCES,
    SyntheticDataset,
    write_dataset,
)
from auditapp.io.atomic import write_text_atomic

__all__ = ["DemoProject", "build_demo", "MARKER", "SITE_DTYPES"]

MARKER = ".auditapp_demo"
#: Image dtype per demo site (int16 exercises integer images).
SITE_DTYPES = {"SiteA": "float32", "SiteB": "int16", "SiteC": "float32"}
_LABELS = "{BKG: 0, NEC: 1, EDE: 2, ENH: 3}"
_SEQUENCES = "[" + ", ".join(f"_{s}" for s in SEQUENCES) + "]"


@dataclass(frozen=True)
class DemoProject:
    """Paths of a built demo project."""

    root: Path
    datasets: dict[str, SyntheticDataset]
    feature_config: Path
    metric_configs: tuple[Path, ...]
    app_config: Path


def _feature_yaml(sites: list[str], cpu_cores: int) -> str:
    paths = "\n".join(f"  {s}: ${{project_root}}/datasets/{s}/{s}_images" for s in sites)
    longitudinal = "\n".join(
        f"  {site.name}: {{pattern: \"-\", longitudinal_id: 1, time_point: 3}}   # Patient-001-week-012"
        for site in DEFAULT_SITES if site.longitudinal and site.name in sites
    )
    return f"""\
# auditapp demo: feature extraction over the synthetic sites.
# Relative paths are resolved against this file's folder.
project_root: ..
data_paths:
{paths}
output_path: ${{project_root}}/outputs/features
logs_path: ${{project_root}}/logs/features
sequences: {_SEQUENCES}   # the first one is the reference sequence for spatial features
labels: {_LABELS}
features: {{statistical: true, texture: true, spatial: true, tumor: true}}
longitudinal:
{longitudinal if longitudinal else "  {}"}
cpu_cores: {cpu_cores}
logger: WARNING
"""


def _metric_yaml(site: str, models: list[str], cpu_cores: int) -> str:
    preds = "\n".join(f"  {m}: ${{project_root}}/datasets/{site}/{site}_seg/{m}" for m in models)
    return f"""\
# auditapp demo: metrics of both synthetic models against the ground truth of {site}.
project_root: ..
data_path: ${{project_root}}/datasets/{site}/{site}_images
model_predictions_paths:
{preds}
labels: {_LABELS}
backend: audit
metrics:
  dice: true
  jaccard: true
  accuracy: true
  precision: true
  sensitivity: true
  specificity: true
  hausdorff_distance: true
  predicted_size: true
  hd95: true
  assd: true
  nsd: true
  gt_size: true
  volume_similarity: true
  lesion_dice: true
  lesion_hd95: true
  lesion_counts: true
nsd_tolerance: 1.0
# lesion-wise metrics as the BraTS 2023 challenge scores them; per-lesion rows for the Lesion detection page
lesion_wise: {{convention: brats2023, task: GLI, per_lesion_table: true}}
save_error_matrix: true
output_path: ${{project_root}}/outputs/metrics
filename: {site}
logs_path: ${{project_root}}/logs/metrics
cpu_cores: {cpu_cores}
logger: WARNING
"""


def _app_yaml(sites: list[str], models: list[str]) -> str:
    def block(fmt: str) -> str:
        return "\n".join(f"  {s}: {fmt.format(s=s)}" for s in sites)

    preds = "\n".join(
        f"  {s}:\n" + "\n".join(f"    {m}: ${{datasets_path}}/{s}/{s}_seg/{m}" for m in models) for s in sites
    )
    return f"""\
# auditapp demo: dashboard config (auditapp run-app --config <this file>).
# modelA over-segments by one voxel; modelB under-segments, swaps NEC/ENH in half of the
# lesion and sometimes misses a lesion. SiteC has longitudinal IDs (Patient-001-week-012).
project_root: ..
sequences: {_SEQUENCES}
labels: {_LABELS}
datasets_path: ${{project_root}}/datasets
features_path: ${{project_root}}/outputs/features
metrics_path: ${{project_root}}/outputs/metrics
features:
{block("${{features_path}}/extracted_information_{s}.csv")}
metrics:
{block("${{metrics_path}}/extracted_information_{s}.csv")}
raw_datasets:
{block("${{datasets_path}}/{s}/{s}_images")}
predictions:
{preds}
"""


def build_demo(
    directory: str | Path = "auditapp_demo",
    *,
    n_subjects: int = 8,
    shape=(48, 64, 64),
    seed: int = 0,
    cpu_cores: int = 2,
) -> DemoProject:
    """Write the demo project (data and configs) into ``directory``; nothing is extracted here.

    Parameters
    ----------
    directory : str or Path
        Created if missing. An existing, non-empty folder is accepted only when it is an
        earlier demo (it holds the ``.auditapp_demo`` marker); it is then rebuilt in place
        (same seed, same data; configs rewritten; outputs are kept until re-extracted).
    n_subjects : int
        Subjects per site (the longitudinal site has 3 time points per patient).
    shape : 3 ints
        Volume shape in (k, j, i) order; each >= 16.
    seed : int
        Base seed of the generator.
    cpu_cores : int
        Written into the extraction configs.

    Returns
    -------
    DemoProject

    Raises
    ------
    FileExistsError
        ``directory`` is a file, or a non-empty folder that is not a demo project.
    ValueError
        Bad ``n_subjects`` or ``shape``.
    """
    root = Path(directory)
    if root.exists():
        if not root.is_dir():
            raise FileExistsError(f"{root} exists and is not a folder; choose another demo folder")
        if any(root.iterdir()) and not (root / MARKER).is_file():
            raise FileExistsError(
                f"{root} is not empty and is not an auditapp demo project (no {MARKER} file); "
                "choose a new or empty folder"
            )
    if n_subjects < 1:
        raise ValueError(f"n_subjects must be >= 1; got {n_subjects}")
    shape = _validate_shape(shape)
    root.mkdir(parents=True, exist_ok=True)
    (root / MARKER).write_text("Built by 'auditapp demo'; may be rebuilt by it.\n", encoding="utf-8")
    for sub in ("datasets", "configs", "outputs", "logs"):
        (root / sub).mkdir(exist_ok=True)

    models = dict(DEFAULT_MODELS)
    datasets: dict[str, SyntheticDataset] = {}
    for site in DEFAULT_SITES:
        images = root / "datasets" / site.name / f"{site.name}_images"
        datasets[site.name] = write_dataset(
            images, site=site, n_subjects=n_subjects, shape=shape, seed=seed,
            dtype=SITE_DTYPES.get(site.name, "float32"), models=models,
            pred_root=root / "datasets" / site.name / f"{site.name}_seg",
        )

    sites = [s.name for s in DEFAULT_SITES]
    configs = root / "configs"
    feature = write_text_atomic(configs / "feature_extraction.yaml", _feature_yaml(sites, cpu_cores))
    metric = tuple(
        write_text_atomic(configs / f"metric_extraction_{s}.yaml", _metric_yaml(s, list(models), cpu_cores))
        for s in sites
    )
    app_cfg = write_text_atomic(configs / "app.yaml", _app_yaml(sites, list(models)))
    return DemoProject(root=root, datasets=datasets, feature_config=feature, metric_configs=metric,
                       app_config=app_cfg)
