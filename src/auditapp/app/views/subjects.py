"""Subjects exploration: one subject's features against its dataset, IQR outliers (dashboard.md §4.9).

``?set=<set>&id=<ID>`` in the URL preselects a subject (used by "Show in Subjects exploration").
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from auditapp import analysis
from auditapp.app import data
from auditapp.app.views import _common as ui
from auditapp.app.views._viewer import slice_viewer

PAGE = "subjects"


def _format(value) -> str:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return "" if pd.isna(value) else f"{value:,.2f}"
    return "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)


def _unknown_link(sets, ids, want_set, want_id, dataset) -> str | None:
    """The message for a link (``?set=&id=``) naming a dataset or subject that does not exist, else None."""
    if want_set is not None and want_set not in sets:
        return f"Dataset {ui.esc(want_set)} was not found; the datasets are {ui.esc(', '.join(sets))}."
    if want_id is not None and (want_set in (None, dataset)) and want_id not in ids:
        return f"Subject {ui.esc(want_id)} was not found in dataset {ui.esc(dataset)}."
    return None


def _index(ids: list[str], wanted: str | None) -> int | None:
    """Position of the linked subject, else the first subject (None when there is none)."""
    if not ids:
        return None
    return ids.index(wanted) if wanted in ids else 0


#: Shown columns of the per-lesion table (``lesions_<x>.csv``) and their names.
LESION_COLUMNS = {"model": "Model", "region": "Region", "lesion": "GT lesion", "kind": "Outcome",
                  "voxels": "Voxels", "volume": "Volume (mm³)", "centroid_k": "Centroid k", "centroid_j": "Centroid j",
                  "centroid_i": "Centroid i", "pred_components": "Predicted components",
                  "pred_voxels": "Predicted voxels", "dice": "Dice", "hd95": "HD95 (mm)", "nsd": "NSD"}
OUTCOMES = {"tp": "detected (TP)", "fn": "missed (FN)", "fp": "false positive (FP)", "dropped": "below min_size"}


def _lesion_rows(cfg, dataset: str, subject: str) -> None:
    """The subject's rows of its dataset's per-lesion table, when metric extraction wrote one."""
    rows = data.subject_lesions(cfg, dataset, subject)
    if rows is None:
        return
    with st.expander(f"Lesions ({len(rows)} per-lesion rows)", expanded=False):
        if rows.empty:
            st.caption(f"No per-lesion rows for {ui.esc(subject)} in the per-lesion table of {ui.esc(dataset)}.")
            return
        shown = rows[[c for c in LESION_COLUMNS if c in rows.columns]].copy()
        shown["kind"] = shown["kind"].map(lambda k: OUTCOMES.get(k, k))
        st.dataframe(shown.rename(columns=LESION_COLUMNS), hide_index=True, width="stretch",
                     key=f"{PAGE}.lesions.table", column_config=ui.number_formats("%.3f", "Dice", "HD95 (mm)", "NSD"))
        st.caption("One row per GT lesion (detected, missed or below `min_size`) and per false-positive "
                   "component, from the per-lesion table of metric extraction.")


def body() -> None:
    page = ui.page_tables("Subjects exploration", "features")
    if page is None:
        return
    cfg, ftab = page
    catalog = data.catalog(cfg, ftab)
    chosen = _choose_subject(ftab)
    if chosen is None:
        return
    dataset, set_df, subject = chosen
    _header(cfg, dataset, subject)
    row = set_df[set_df["ID"].astype(str) == subject].iloc[0]
    cats = list(catalog.categories)
    order = {c: i for i, c in enumerate(ftab.df.columns)}
    for tab, cat in zip(st.tabs(cats), cats):
        items = sorted(catalog.categories[cat].items(), key=lambda kv: order.get(kv[1], 0))
        table = pd.DataFrame({"Feature": [n for n, _ in items], "Value": [_format(row[c]) for _, c in items]})
        tab.dataframe(table, hide_index=True, width="stretch")
    if cfg.metrics:
        _metric_rows(cfg, dataset, subject)
        _lesion_rows(cfg, dataset, subject)
    _outliers(catalog, set_df, dataset, subject)


def _choose_subject(ftab: data.Tables) -> tuple | None:
    """Sidebar "Dataset" and "Subject" (a link ``?set=&id=`` preselects them): ``(dataset, rows, ID)`` or None."""
    params = st.query_params
    want_set, want_id = params.get("set"), params.get("id")
    if want_set in ftab.sets:  # a link (?set=&id=) wins over the dataset chosen on another page
        st.session_state["shared.dataset"] = want_set
    dataset = ui.select_one("Dataset", ftab.sets, PAGE, "set", shared="dataset")
    set_df = ftab.df[ftab.df["set"] == dataset]
    ids = sorted(set_df["ID"].astype(str).unique())
    unknown = _unknown_link(ftab.sets, ids, want_set, want_id, dataset)
    subject = st.sidebar.selectbox("Subject", ids, index=None if unknown else _index(ids, want_id),
                                   key=f"{PAGE}.id.{dataset}", placeholder="Choose a subject")
    if subject is None:
        if unknown:
            st.warning(unknown)
        elif not ids:
            st.info(f"No subjects in {ui.esc(dataset)}.")
        return None
    if (want_set, want_id) != (dataset, subject):
        st.query_params.update({"set": dataset, "id": subject})
    return dataset, set_df, subject


def _header(cfg, dataset: str, subject: str) -> None:
    """Title, the ITK-SNAP buttons and the slice viewer toggle."""
    params = st.query_params
    st.subheader(f"Subject information: {ui.esc(subject)}")
    c1, *model_cols = st.columns(1 + len(cfg.predictions.get(dataset, {})) or 1)
    if c1.button("Open in ITK-SNAP", key=f"{PAGE}.open"):
        ui.open_in_itksnap(cfg, dataset, subject, force=True)
    for col, model in zip(model_cols, cfg.predictions.get(dataset, {})):
        if col.button(f"Open with prediction of {ui.esc(model)}", key=f"{PAGE}.open.{model}"):
            ui.open_in_itksnap(cfg, dataset, subject, models=(model,), force=True)
    # ?view=slices (a click elsewhere, the gallery) opens the in-browser viewer; it stays off otherwise, so
    # browsing subjects reads no NIfTI file
    if st.toggle("Slice viewer", value=params.get("view") == "slices", key=f"{PAGE}.viewer.on",
                 help="Three planes of the subject's images with the ground truth and a model's prediction."):
        slice_viewer(cfg, dataset, subject, model=params.get("model"), region=params.get("label"))


def _metric_rows(cfg, dataset: str, subject: str) -> None:
    """The subject's metrics, one row per model and region."""
    mtab = data.metrics(cfg)
    ui.show_problems(mtab)
    mdf = mtab.df
    sub = mdf[(mdf["set"] == dataset) & (mdf["ID"].astype(str) == subject)] if not mdf.empty else mdf
    if not sub.empty:
        cols = data.metric_columns(sub, mtab.meta_columns)
        table = sub[["model", "region", *cols]].sort_values(["model", "region"])
        table = table.rename(columns={c: data.metric_name(c) for c in cols})
        with st.expander("Metrics (model × region)", expanded=True):
            st.dataframe(table, hide_index=True, width="stretch")


def _outliers(catalog, set_df, dataset: str, subject: str) -> None:
    """IQR outlier detection of the subject's features against the rest of its dataset."""
    st.subheader("IQR outlier detection")
    extreme = st.checkbox("Extreme outlier", key=f"{PAGE}.extreme",
                          help="Off: outside Q1 − 1.5·IQR … Q3 + 1.5·IQR; on: 3·IQR (over the dataset without "
                               "this subject).")
    k = 3.0 if extreme else 1.5
    numeric = [c for c in catalog.columns() if pd.api.types.is_numeric_dtype(set_df[c])]
    result = analysis.iqr_outliers(set_df, subject, k=k, dataset=dataset, features=numeric)
    out = result[result["outlier"]]
    if out.empty:
        st.success("The subject is not an outlier for any of the features")
        return
    table = pd.DataFrame({
        "Feature": [catalog.name(f) for f in out["feature"]],
        "Median (Dataset)": [f"{v:,.2f}" for v in out["median"]],
        "Mean ± Std (Dataset)": [f"{m:,.2f} ± {s:,.2f}" for m, s in zip(out["mean"], out["std"])],
        "Subject": [f"{v:,.2f}" for v in out["value"]],
        "Side": list(out["side"]),
    })
    st.dataframe(table, hide_index=True, width="stretch")
    ui.csv_download(out.assign(feature_name=table["Feature"].values), f"outliers_{subject}.csv", f"{PAGE}.csv")


body()
