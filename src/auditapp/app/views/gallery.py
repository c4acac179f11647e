"""Worst cases gallery: the N worst and N best subjects of a model as thumbnails (docs/dashboard.md)."""

from __future__ import annotations

import streamlit as st

from auditapp import analysis
from auditapp.analysis import slices
from auditapp.app import data
from auditapp.app.plots import images
from auditapp.app.views import _common as ui
from auditapp.app.views._viewer import slice_viewer
from auditapp.errors import SubjectError
from auditapp.viewers import itksnap

PAGE = "gallery"
ALL_REGIONS = "All regions (mean)"
COLUMNS = 4


def _choices(cfg, tables):
    """Sidebar: dataset (with metrics and predictions), model, metric (with a direction), region, N."""
    df = tables.df
    sets = [s for s in tables.sets if cfg.predictions.get(s) and (df["set"] == s).any()]
    if not sets:
        st.info("The gallery needs `predictions:` (per dataset, one folder per model) and `raw_datasets:` in "
                "app.yaml for a dataset that has metrics.")
        return None
    dataset = ui.select_one("Dataset", sets, PAGE, "dataset", shared="dataset")
    rows = df[df["set"] == dataset]
    models = [m for m in data.models_of(rows) if m in cfg.predictions[dataset]]
    if not models:
        st.info(f"No model of the metrics of {dataset} has a prediction folder in `predictions.{dataset}`.")
        return None
    model = ui.select_one("Model", models, PAGE, "model", shared="model")
    metrics = [c for c in data.metric_columns(rows, tables.meta_columns) if analysis.metric_direction(c) != 0]
    if not metrics:
        st.info(f"The metrics of {dataset} have no column with a better direction (Dice, Hausdorff...).")
        return None
    metric = ui.metric_select(metrics, PAGE, default=None)
    regions = sorted(rows["region"].astype(str).unique())
    region = ui.select_one("Region", [ALL_REGIONS, *regions], PAGE, "region")
    n = int(st.sidebar.number_input("Subjects (N worst, N best)", 1, 24, 4, key=f"{PAGE}.n"))
    return dataset, model, metric, region, n


def _values(cfg, tables, dataset, model, metric, region):
    df = tables.df
    if region == ALL_REGIONS:
        df = data.region_means(cfg)
    else:
        df = df[df["region"].astype(str) == region]
    sub = df[(df["set"] == dataset) & (df["model"] == model)]
    return sub[["ID", metric]].assign(ID=lambda d: d["ID"].astype(str))


def _thumbnail(cfg, dataset, model, subject, values):
    """``(rgb, axial index, error voxels)`` or the sentence saying which file is missing."""
    try:
        files = data.viewer_files(cfg, dataset, subject)
    except itksnap.ViewerError as exc:
        return str(exc)
    missing = data.missing_file_messages(cfg, dataset, files, model)
    if files.seg is None or files.predictions.get(model) is None:
        return " ".join(m for m in missing if not m.startswith("No image"))
    image = next(iter(files.sequences.values()), None)
    main = files.sequences.get(cfg.viewer.main_sequence, image)
    try:
        return data.gallery_thumbnail(data.file_signature(main), data.file_signature(files.seg),
                                      data.file_signature(files.predictions[model]), values)
    except (SubjectError, ValueError) as exc:
        return str(exc)


def _grid(cfg, title, ranked, dataset, model, metric, region, values, progress) -> None:
    st.subheader(title)
    for start in range(0, len(ranked), COLUMNS):
        cols = st.columns(COLUMNS)
        for col, (_, row) in zip(cols, ranked.iloc[start:start + COLUMNS].iterrows()):
            subject = row["ID"]
            result = _thumbnail(cfg, dataset, model, subject, values)
            progress()
            caption = f"{subject} · {data.metric_name(metric)} {row[metric]:.3f}"
            if isinstance(result, str):
                col.markdown(f"**{subject}**")
                col.info(result)
            else:
                rgb, index, errors = result
                col.image(rgb, caption=f"{caption} · axial {index} ({errors:,} error voxels)", width="stretch")
            col.button("Open in viewer", key=f"{PAGE}.open.{title}.{subject}", on_click=_open,
                       args=(dataset, subject, model, region))


def _open(dataset: str, subject: str, model: str, region: str) -> None:
    st.session_state[f"{PAGE}.viewing"] = (dataset, subject, model, region)


def body() -> None:
    page = ui.page_tables("Worst cases gallery", "metrics")
    if page is None:
        return
    cfg, tables = page
    choices = _choices(cfg, tables)
    if choices is None:
        return
    dataset, model, metric, region, n = choices
    values = data.label_regions(cfg.labels).get(region)  # None (all labels) for the mean or an unknown region
    direction = analysis.metric_direction(metric)
    worst, best = slices.rank_subjects(_values(cfg, tables, dataset, model, metric, region), metric, n,
                                       direction=direction)
    if worst.empty:
        st.info(f"No {data.metric_name(metric)} values of {model} in {dataset} ({region}).")
        return
    names, colors = images.legend_entries(with_wrong_label=values is None)
    st.caption("Axial slice with the most errors per subject: "
               + " · ".join(f'<span style="color:{c}">■</span> {nm}' for nm, c in zip(names, colors))
               + f". Worst = {'lowest' if direction == 1 else 'highest'} {data.metric_name(metric)}.",
               unsafe_allow_html=True)
    viewing = st.session_state.get(f"{PAGE}.viewing")
    if viewing and viewing[0] == dataset:  # opened from a thumbnail: above the grids, so it is in view
        v_set, v_subject, v_model, v_region = viewing
        st.subheader(f"Slice viewer: {v_subject}")
        slice_viewer(cfg, v_set, v_subject, model=v_model,
                     region=v_region if v_region in data.label_regions(cfg.labels) else None)
    total, done = len(worst) + len(best), [0]
    bar = st.progress(0.0, text=f"Thumbnails: 0/{total}")

    def progress() -> None:
        done[0] += 1
        bar.progress(done[0] / total, text=f"Thumbnails: {done[0]}/{total}")

    _grid(cfg, f"{len(worst)} worst", worst, dataset, model, metric, region, values, progress)
    _grid(cfg, f"{len(best)} best", best, dataset, model, metric, region, values, progress)
    bar.empty()


body()
