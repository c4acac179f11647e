"""Longitudinal analysis: observed vs predicted lesion size over time points (docs/dashboard_models.md)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from auditapp.app import data, plots
from auditapp.app.views import _common as ui

PAGE = "longitudinal"
SIZE_COLUMNS = ("predicted_size", "pred_vol", "numb_pred")
NO_LONGITUDINAL = ("No longitudinal subjects in these datasets. Configure `longitudinal:` (pattern, longitudinal_id, "
                   "time_point) in the feature-extraction config and run it again.")


def body() -> None:
    page = ui.page_tables("Longitudinal analysis", "features", level="info")
    if page is None:
        return
    cfg, feats = page
    fdf = feats.df
    if "longitudinal_id" not in fdf.columns or "time_point" not in fdf.columns:
        st.info(NO_LONGITUDINAL)
        return
    lid = fdf["longitudinal_id"]
    long_rows = fdf[lid.notna() & (lid.astype(str).str.strip() != "") & fdf["time_point"].notna()]
    if long_rows.empty:
        st.info(NO_LONGITUDINAL)
        return
    tables = ui.metric_tables(cfg)
    if tables is None:
        return
    sets = [s for s in feats.sets if s in set(long_rows["set"]) and s in tables.sets]
    if not sets:
        st.info("The datasets with longitudinal subjects have no metrics: add their metric CSVs under `metrics:` "
                "in app.yaml (same dataset names as under `features:`).")
        return
    dataset = ui.select_one("Dataset", sets, PAGE, "dataset", shared="dataset")
    mdf = tables.df[tables.df["set"] == dataset]
    size_col = next((c for c in SIZE_COLUMNS if c in mdf.columns and mdf[c].notna().any()), None)
    if size_col is None:
        st.info(f"The metric CSV of {ui.esc(dataset)} has no predicted_size column; enable it in metric extraction.")
        return
    model = ui.select_one("Model", data.models_of(mdf), PAGE, "model", shared="model")
    patients = sorted(long_rows.loc[long_rows["set"] == dataset, "longitudinal_id"].astype(str).unique().tolist())
    patient = ui.select_one("Subject", patients, PAGE, f"subject.{dataset}")
    summary = data.longitudinal_summary(cfg, dataset, model, patient)
    if summary.empty:
        st.info(f"No time points of {ui.esc(patient)} in {ui.esc(dataset)}.")
        return
    options = ui.plot_options(PAGE, f"lines.{dataset}.{patient}.{model}", title=f"{patient} · {model}",
                              x_title="Time point",
                              y_title="Lesion size (mm³)")
    fig = plots.longitudinal_figure(summary, options=options)
    ui.show_chart(fig, f"{PAGE}.chart", plots.SVG_NAMES[PAGE], selectable=False)
    if summary["predicted"].isna().any():
        missing = summary.loc[summary["predicted"].isna(), "ID"].tolist()
        st.caption(ui.esc(f"No predicted size of {model} for: {', '.join(missing)}."))
    table = summary[["time_point", "ID", "observed", "predicted", "error_pct", "observed_growth_pct",
                     "predicted_growth_pct"]].rename(columns={
                         "time_point": "Time point", "observed": "Observed (mm³)", "predicted": "Predicted (mm³)",
                         "error_pct": "Error (%)", "observed_growth_pct": "Observed growth (%)",
                         "predicted_growth_pct": "Predicted growth (%)"})
    growth = ["Observed growth (%)", "Predicted growth (%)"]
    for c in growth:  # "-" rather than "None": growth needs a previous time point with a non-zero size
        table[c] = [f"{v:+.1f}" if pd.notna(v) else "-" for v in table[c]]
    why = ("'-': no growth at the first time point, or when the previous size is 0 or missing. "
           "Growth = 100 · (size − previous size) / previous size.")
    st.dataframe(table, hide_index=True, width="stretch", column_config={
        **ui.number_formats("%.1f", *table.columns[2:5]),
        **{c: st.column_config.TextColumn(c, help=why) for c in growth}})
    ui.csv_download(summary, f"longitudinal_{dataset}_{patient}_{model}.csv", f"{PAGE}.download")


body()
