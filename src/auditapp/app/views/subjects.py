"""Subjects exploration: one subject's features against its dataset, IQR outliers (dashboard.md §4.9).

``?set=<set>&id=<ID>`` in the URL preselects a subject (used by "Show in Subjects exploration").
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from auditapp import analysis
from auditapp.app import data
from auditapp.app.views._common import csv_download, open_in_itksnap, page_tables, select_one, show_problems
from auditapp.app.views._viewer import slice_viewer

PAGE = "subjects"


def _format(value) -> str:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return "" if pd.isna(value) else f"{value:,.2f}"
    return "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)


def body() -> None:
    page = page_tables("Subjects exploration", "features")
    if page is None:
        return
    cfg, ftab = page
    catalog = data.catalog(cfg, ftab)
    params = st.query_params
    want_set, want_id = params.get("set"), params.get("id")
    if want_set in ftab.sets:  # a link (?set=&id=) wins over the dataset chosen on another page
        st.session_state["shared.dataset"] = want_set
    dataset = select_one("Dataset", ftab.sets, PAGE, "set", shared="dataset")
    set_df = ftab.df[ftab.df["set"] == dataset]
    ids = sorted(set_df["ID"].astype(str).unique())
    subject = select_one("Subject", ids, PAGE, f"id.{dataset}", default=want_id)
    if subject is None:
        st.info(f"No subjects in {dataset}.")
        return
    if (want_set, want_id) != (dataset, subject):
        st.query_params.update({"set": dataset, "id": subject})
    row = set_df[set_df["ID"].astype(str) == subject].iloc[0]

    st.subheader(f"Subject information: {subject}")
    c1, *model_cols = st.columns(1 + len(cfg.predictions.get(dataset, {})) or 1)
    if c1.button("Open in ITK-SNAP", key=f"{PAGE}.open"):
        open_in_itksnap(cfg, dataset, subject, force=True)
    for col, model in zip(model_cols, cfg.predictions.get(dataset, {})):
        if col.button(f"Open with prediction of {model}", key=f"{PAGE}.open.{model}"):
            open_in_itksnap(cfg, dataset, subject, models=(model,), force=True)
    # ?view=slices (a click elsewhere, the gallery) opens the in-browser viewer; it stays off otherwise, so
    # browsing subjects reads no NIfTI file
    if st.toggle("Slice viewer", value=params.get("view") == "slices", key=f"{PAGE}.viewer.on",
                 help="Three planes of the subject's images with the ground truth and a model's prediction."):
        slice_viewer(cfg, dataset, subject, model=params.get("model"), region=params.get("label"))

    cats = list(catalog.categories)
    tabs = st.tabs(cats)
    order = {c: i for i, c in enumerate(ftab.df.columns)}
    for tab, cat in zip(tabs, cats):
        items = sorted(catalog.categories[cat].items(), key=lambda kv: order.get(kv[1], 0))
        table = pd.DataFrame({"Feature": [n for n, _ in items], "Value": [_format(row[c]) for _, c in items]})
        tab.dataframe(table, hide_index=True, width="stretch")

    if cfg.metrics:
        mtab = data.metrics(cfg)
        show_problems(mtab)
        mdf = mtab.df
        sub = mdf[(mdf["set"] == dataset) & (mdf["ID"].astype(str) == subject)] if not mdf.empty else mdf
        if not sub.empty:
            cols = data.metric_columns(sub, mtab.meta_columns)
            table = sub[["model", "region", *cols]].sort_values(["model", "region"])
            table = table.rename(columns={c: data.metric_name(c) for c in cols})
            with st.expander("Metrics (model × region)", expanded=True):
                st.dataframe(table, hide_index=True, width="stretch")

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
    csv_download(out.assign(feature_name=table["Feature"].values), f"outliers_{subject}.csv", f"{PAGE}.csv")


body()
