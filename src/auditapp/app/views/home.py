"""Home page: what is loaded (project status per dataset) and what each page needs (dashboard.md §4.1)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from auditapp import __version__
from auditapp.app import data
from auditapp.app.views._common import esc, show_problems

OK = "✓"

PAGE_INFO = (
    ("Univariate analysis", "Distribution of one feature across datasets or metadata groups; filter, highlight, "
     "click a point to open the subject."),
    ("Multivariate analysis", "Two features against each other, coloured by dataset, a feature or metadata."),
    ("Segmentation error matrix", "Which classes a model confuses, voxel-wise, over a dataset or one subject."),
    ("Single model performance", "Is a model's performance related to a feature (bias)?"),
    ("Pairwise model performance", "Does a benchmark model improve on a baseline, where, and is it significant?"),
    ("Multi-model performance", "All models side by side, with a Friedman / Nemenyi ranking."),
    ("Cross-site performance", "Which site is hardest for each model: medians and IQR per site, boxes, a test "
     "across sites with its effect size."),
    ("Longitudinal analysis", "Observed vs predicted lesion size over time points."),
    ("Subjects exploration", "One subject's features against its dataset, with IQR outliers."),
)


def _datasets(cfg) -> list[str]:
    names: list[str] = []
    for mapping in (cfg.features, cfg.metrics, cfg.raw_datasets, cfg.predictions):
        names += [n for n in mapping if n not in names]
    return names


def _table_status(name: str, configured, tables: data.Tables, kind: str, describe) -> str:
    """A dataset's features or metrics CSV: ``describe(rows)`` after a tick, its problem, or "not configured"."""
    if name not in configured:
        return "not configured"
    if name not in tables.sets:
        return "✗ " + next((p for p in tables.problems if f"{kind}.{name}" in p), "not loaded")
    return f"{OK} " + describe(tables.df[tables.df["set"] == name])


def _status(cfg, ftab: data.Tables, mtab: data.Tables) -> pd.DataFrame:
    n_cols = ftab.df.shape[1] - 1 - len(ftab.meta_columns)  # the CSV's columns: not set, not metadata
    rows = []
    for name in _datasets(cfg):
        raw, preds = cfg.raw_datasets.get(name), cfg.predictions.get(name, {})
        bad = [m for m, p in preds.items() if not p.is_dir()]
        em = data.error_matrix_csv_path(cfg, name)
        kind = "legacy" if name in mtab.legacy_sets else "canonical"
        rows.append({
            "Dataset": name,
            "Features": _table_status(name, cfg.features, ftab, "features",
                                      lambda sub: f"{sub['ID'].nunique():,} subjects, {n_cols} columns"),
            "Metrics": _table_status(name, cfg.metrics, mtab, "metrics",
                                     lambda sub: f"{len(sub):,} rows, {sub['model'].nunique()} models, "
                                                 f"{sub['region'].nunique()} regions, {kind} columns"),
            "Raw images": ("not configured" if raw is None else
                           f"{OK} {raw.name}/" if raw.is_dir() else f"✗ folder not found: {raw}"),
            "Predictions": ("not configured" if not preds else f"{OK} {len(preds)} models" if not bad else
                            f"✗ missing folder for {', '.join(bad)}"),
            "Error-matrix CSV": f"{OK} {em.name}" if em is not None else "—",
            "Metadata": _metadata_status(ftab, name),
        })
    return pd.DataFrame(rows)


def _metadata_status(ftab: data.Tables, name: str) -> str:
    """"n of N subjects" of a features set with metadata matched, else "—"."""
    if not (ftab.meta_columns and name in ftab.sets):
        return "—"
    sub = ftab.df[ftab.df["set"] == name]
    return f"{int(sub[list(ftab.meta_columns)].notna().any(axis=1).sum())} of {len(sub)} subjects"


def _needs(cfg, ftab: data.Tables, mtab: data.Tables) -> list[str | None]:
    has_f = not ftab.empty
    has_m = not mtab.empty
    two_models = has_m and bool((mtab.df.groupby("set")["model"].nunique() >= 2).any())
    background = any(lab.is_background for lab in (cfg.labels or ()))
    em_source = bool(cfg.predictions and cfg.raw_datasets) or bool(cfg.error_matrices)
    if not em_source and has_m:
        em_source = any(data.error_matrix_csv_path(cfg, s) is not None for s in cfg.metrics)
    longitudinal = has_f and "longitudinal_id" in ftab.df.columns and (
        ftab.df["longitudinal_id"].fillna("").astype(str).str.strip() != "").any()
    size = has_m and "predicted_size" in mtab.df.columns

    def need(*pairs):
        missing = [key for key, ok in pairs if not ok]
        return None if not missing else "needs " + ", ".join(missing)

    return [
        need(("features", has_f)),
        need(("features", has_f)),
        need(("labels with a value-0 label", background), ("predictions + raw_datasets or error-matrix CSVs",
                                                            em_source)),
        need(("metrics", has_m), ("features", has_f)),
        need(("metrics with ≥ 2 models in a dataset", two_models)),
        need(("metrics", has_m)),
        need(("metrics of ≥ 2 datasets", has_m and len(mtab.sets) >= 2)),
        need(("features with longitudinal IDs", longitudinal), ("metrics with a size column", size)),
        need(("features", has_f)),
    ]


def body() -> None:
    st.title("AUDIT")
    st.markdown(f"**Analysis & evalUation Dashboard of artIficial inTelligence** · auditapp {__version__}")
    cfg = data.get_config()
    ftab, mtab = data.features(cfg), data.metrics(cfg)
    show_problems(ftab, mtab)
    for warning in cfg.warnings:
        st.warning(esc(warning))

    st.subheader("Project status")
    status = _status(cfg, ftab, mtab)
    if status.empty:
        st.info("Nothing configured yet. Add `features:` (and later `metrics:`) to app.yaml.")
    else:
        # a static table wraps long cells (file problems, paths) instead of cutting them off
        st.table(status.set_index("Dataset"))
    n_subj = 0 if ftab.empty else ftab.df[["set", "ID"]].drop_duplicates().shape[0]
    n_models = len(data.models_of(mtab.df))
    c1, c2, c3, c4 = st.columns(4)
    c1.metric("Datasets", len(ftab.sets) or len(mtab.sets))
    c2.metric("Subjects", f"{n_subj:,}")
    c3.metric("Features", len(data.catalog(cfg, ftab).columns()) if not ftab.empty else 0)
    c4.metric("Models", n_models)

    st.subheader("Pages")
    rows = []
    for (title, description), need in zip(PAGE_INFO, _needs(cfg, ftab, mtab)):
        rows.append({"Page": title, "Status": "available" if need is None else need, "What it shows": description})
    st.table(pd.DataFrame(rows).set_index("Page"))
    st.markdown(
        "Use the sidebar to switch pages; every page has its own URL, so a reload stays on it and pages can be "
        "linked. Selections made on one page (datasets, feature, model, metric) become the defaults of the others. "
        "Click a point in a figure to open that subject in ITK-SNAP; each figure's camera button downloads an SVG "
        "and the data shown download as CSV."
    )
    st.caption(
        "AUDIT was created by its authors (Computer Methods and Programs in Biomedicine, "
        "[doi:10.1016/j.cmpb.2025.108991](https://doi.org/10.1016/j.cmpb.2025.108991)); auditapp is an "
        "independent re-implementation."
    )


body()
