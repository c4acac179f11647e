"""Segmentation error matrix: which classes a model confuses, voxel-wise (docs/dashboard_models.md)."""

from __future__ import annotations

import streamlit as st

from auditapp import analysis
from auditapp.app import data, plots
from auditapp.app.views import _common as ui

PAGE = "error_matrix"
ALL = "All"
NO_SOURCE = ("No predictions configured. Add `predictions:` (per dataset, one folder per model) and "
             "`raw_datasets:` (per dataset, the subject folders with the ground truth) to app.yaml, or "
             "`error_matrices:` (the `error_matrix_<x>.csv` written by `auditapp metric-extraction`).")


def _classes(cfg):
    """Single-value labels of the config, or None after a message."""
    labels = cfg.labels or ()
    if not any(lab.is_background for lab in labels):
        st.info("The error matrix needs `labels:` in app.yaml including the background label with value 0 "
                "(e.g. `labels: {BKG: 0, NETC: 1, SNFH: 2, ET: 3, RC: 4}`).")
        return None
    try:
        return analysis.matrix_classes(labels)
    except ValueError as exc:
        st.info(f"The labels of app.yaml cannot be used as matrix classes: {ui.esc(exc)}")
        return None


def _choose_source(cfg) -> tuple | None:
    """Sidebar "Dataset", "Model", "Subject"; ``(dataset, model, source, subject)`` or None after a message."""
    sets = data.error_matrix_sets(cfg)
    if not sets:
        st.info("No dataset has predictions or an error-matrix CSV.")
        return None
    dataset = ui.select_one("Dataset", sets, PAGE, "dataset", shared="dataset")
    models = data.error_matrix_models(cfg, dataset)
    if not models:
        st.info(f"No models for {ui.esc(dataset)}: add `predictions: {{<dataset>: {{<model>: <folder>}}}}` to app.yaml.")
        return None
    model = ui.select_one("Model", models, PAGE, "model", shared="model")
    source = data.error_matrix_source(cfg, dataset, model)
    if source.problem:
        st.info(ui.esc(source.problem))
        return None
    if not source.subjects:
        st.info(f"No subject of {ui.esc(dataset)} has a prediction of {ui.esc(model)}."
                + (f" Skipped: {ui.esc(_skipped_text(source.skipped))}" if source.skipped else ""))
        return None
    subject = ui.select_one("Subject", [ALL, *source.subjects], PAGE, "subject")
    return dataset, model, source, subject


def _matrix_options(subject: str) -> tuple[str, bool, bool]:
    """"Matrix" radio and the two checkboxes: ``(kind, normalize, average)``."""
    kind_label = st.radio("Matrix", ["Error matrix", "Confusion matrix"], horizontal=True, key=f"{PAGE}.kind",
                          help="Error matrix: voxels where GT ≠ prediction (reference definition). Confusion "
                               "matrix: every voxel, diagonal = per-class recall.")
    kind = "error" if kind_label == "Error matrix" else "confusion"
    c1, c2 = st.columns(2)
    normalize = c1.checkbox("Normalized per ground truth label", value=True, key=f"{PAGE}.normalize")
    average = False
    if subject == ALL and kind == "error":
        average = c2.checkbox("Averaged per number of subjects", value=True, key=f"{PAGE}.average")
    return kind, normalize, average


def _counts_with_progress(source, model: str, wanted: list[str]):
    """``data.gather_counts`` with an ``st.progress`` bar for the subjects not counted yet."""
    bar = None

    def progress(done: int, total: int, current: str) -> None:
        nonlocal bar
        if total == 0:
            return
        if bar is None:
            bar = st.progress(0.0, text="Computing error matrices")
        bar.progress(min(done / total, 1.0), text=f"Computing error matrices: {done}/{total} subjects")

    result = data.gather_counts(source, model, wanted, progress=progress)
    if bar is not None:
        bar.empty()
    return result


def _display_options(matrix) -> tuple[str, str, int, dict]:
    """Sidebar "Plot options": axis titles, font size and a display name per class."""
    with st.sidebar.expander("Plot options"):
        x_title = st.text_input("X axis label", "Predicted label", key=f"{PAGE}.xtitle")
        y_title = st.text_input("Y axis label", "True label", key=f"{PAGE}.ytitle")
        font_size = st.slider("Font size", 4, 48, 14, key=f"{PAGE}.font")
        names = {name: st.text_input(f"Display name of {ui.esc(name)}", name, key=f"{PAGE}.name.{name}")
                 for name in matrix.index}
    return x_title, y_title, font_size, names


def body() -> None:
    cfg = ui.page_config("Segmentation error matrix")
    if not cfg.predictions and not cfg.error_matrices and not any(
            data.error_matrix_csv_path(cfg, s) for s in cfg.metrics):
        st.info(NO_SOURCE)
        return
    classes = _classes(cfg)
    chosen = _choose_source(cfg) if classes is not None else None
    if chosen is None:
        return
    dataset, model, source, subject = chosen
    kind, normalize, average = _matrix_options(subject)
    counts, used, skipped = _counts_with_progress(source, model, source.subjects if subject == ALL else [subject])
    skipped = {**source.skipped, **skipped} if subject == ALL else skipped
    if not used:
        st.info(ui.esc(f"No error matrix could be computed for {subject} ({model}). {_skipped_text(skipped)}"))
        return
    matrix = data.matrix_view(data.summed_counts(counts), dict(classes), kind=kind, normalize=normalize,
                              n_subjects=len(used), average=average)
    x_title, y_title, font_size, names = _display_options(matrix)
    shown = matrix.rename(index=names, columns=names)
    fmt = "percent" if normalize else ("mean" if average else "count")
    fig = plots.error_matrix_figure(shown, kind=kind, fmt=fmt, title=f"{dataset} · {model} · {subject}",
                                    x_title=x_title, y_title=y_title, font_size=font_size)
    ui.show_chart(fig, f"{PAGE}.chart", plots.SVG_NAMES[PAGE], selectable=False, width="content")
    source_text = (f"error-matrix CSV {source.csv}" if source.kind == "csv" else "NIfTI ground truth and predictions")
    caption = f"Subjects used: {len(used)}. Source: {source_text}."
    if skipped:
        caption += f" Skipped ({len(skipped)}): {_skipped_text(skipped)}"
    st.caption(ui.esc(caption))
    if subject != ALL and st.button(f"Open {ui.esc(subject)} in ITK-SNAP with {ui.esc(model)}", key=f"{PAGE}.itksnap"):
        ui.open_in_itksnap(cfg, dataset, subject, models=[model], force=True)
    out = shown.copy()
    out.index.name = "ground_truth"
    suffix = "normalized" if normalize else ("averaged" if average else "counts")
    ui.csv_download(out.reset_index(), f"{kind}_matrix_{dataset}_{model}_{subject}_{suffix}.csv",
                    f"{PAGE}.download", label="Download matrix (CSV)")


def _skipped_text(skipped: dict[str, str]) -> str:
    items = sorted(skipped.items())
    text = "; ".join(f"{s} ({why})" for s, why in items[:10])
    if len(items) > 10:
        text += f"; and {len(items) - 10} more"
    return text


body()
