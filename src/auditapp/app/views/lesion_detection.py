"""Lesion detection: lesions a model finds, misses or invents, by size and site (docs/dashboard_models.md)."""

from __future__ import annotations

import streamlit as st

from auditapp.app import data, plots
from auditapp.app.views import _common as ui

PAGE = "lesion_detection"
SWITCH_ON = (
    "Switch them on in the metric-extraction config, `metrics: {lesion_dice: true, lesion_counts: true}` and "
    "`lesion_wise: {per_lesion_table: true}`, then run `auditapp metric-extraction` again: it writes "
    "`lesions_<filename>.csv` next to `extracted_information_<filename>.csv`, where this page looks for it."
)
COLUMNS = {"set": "Site", "size_bin": "GT lesion size (voxels)", "tp": "Detected (TP)", "fn": "Missed (FN)",
           "fp": "False positives (FP)", "detection_rate": "Detection rate"}


def body() -> None:
    page = ui.page_tables("Lesion detection", "metrics")
    if page is None:
        return
    cfg, tables = page
    found = data.lesions(cfg)
    ui.show_problems(found)
    if not found.sets:
        _no_lesion_table(cfg, tables)
        return
    sets = ui.dataset_multiselect(found.sets, PAGE, label="Sites (datasets)")
    if not sets:
        st.info("Select at least one dataset in the sidebar.")
        return
    rows = found.df[found.df["set"].isin(sets)]
    model = ui.select_one("Model", data.models_of(rows), PAGE, "model", shared="model")
    regions = sorted(rows.loc[rows["model"] == model, "region"].dropna().unique().tolist())
    region = ui.select_one("Region", regions, PAGE, "region", default="WT")
    if model is None or region is None:
        st.info(f"The per-lesion tables of {ui.esc(', '.join(sets))} have no rows.")
        return
    sel = data.Selection(tuple(sets), (model,), (region,))
    bins = data.lesion_detection(cfg, sel, False)
    if not bins[["tp", "fn", "fp"]].to_numpy().any():
        st.info(f"No lesion of {ui.esc(model)} in region {ui.esc(region)} of the selected datasets (GT lesions "
                "below `min_size` are not counted).")
        return
    st.caption(f"{ui.esc(model)}, region {ui.esc(region)}: a GT lesion is detected (TP) or missed (FN) under the "
               "lesion-wise rule of the metric extraction (`lesion_wise.convention`); a false positive (FP) is a "
               "predicted component matching no GT lesion. Size bins: the GT lesion's size for TP and FN, the "
               "predicted component's for FP. Detection rate = TP / (TP + FN).")
    _size_bins(bins, model, region)
    _sites(cfg, sel, model, region)


def _size_bins(bins, model: str, region: str) -> None:
    st.subheader("By lesion size")
    title = f"Lesions of {model} ({region}) by size"
    options = ui.plot_options(PAGE, "size_bins", title=title, x_title=COLUMNS["size_bin"], y_title="Lesions")
    fig = plots.detection_bars(bins, x="size_bin", x_title=COLUMNS["size_bin"], title=title, options=options)
    ui.show_chart(fig, f"{PAGE}.size_bins", f"{plots.SVG_NAMES[PAGE]}_size", selectable=False)
    _table(bins, f"lesion_detection_{model}_{region}_by_size.csv", "size_bins")


def _sites(cfg, sel, model: str, region: str) -> None:
    st.subheader("By site")
    totals = data.lesion_detection_by_site(cfg, sel)
    title = f"Lesions of {model} ({region}) by site"
    options = ui.plot_options(PAGE, "sites", title=title, x_title=COLUMNS["set"], y_title="Lesions")
    fig = plots.detection_bars(totals, x="set", x_title=COLUMNS["set"], title=title, options=options)
    ui.show_chart(fig, f"{PAGE}.sites", f"{plots.SVG_NAMES[PAGE]}_site", selectable=False)
    st.markdown("**Site × lesion size**")
    _table(data.lesion_detection(cfg, sel, True), f"lesion_detection_{model}_{region}_by_site_and_size.csv",
           "site_bins")


def _table(table, file_name: str, name: str) -> None:
    st.dataframe(table.rename(columns=COLUMNS), hide_index=True, width="stretch", key=f"{PAGE}.{name}.table",
                 column_config=ui.number_formats("%.3f", COLUMNS["detection_rate"]))
    ui.csv_download(table, file_name, f"{PAGE}.download.{name}")


def _no_lesion_table(cfg, tables: data.Tables) -> None:
    """Say why there is nothing to show and how to switch the per-lesion table on."""
    with_columns = [c for c in data.LESION_METRIC_COLUMNS if c in tables.df.columns]
    sets = ui.esc(", ".join(tables.sets))
    if with_columns:
        names = ", ".join(data.metric_name(c) for c in with_columns[:4])
        st.info(f"The metric CSVs of {sets} have lesion-wise metrics ({ui.esc(names)}) but no per-lesion table "
                "(`lesions_<filename>.csv`), which this page needs for the counts by lesion size. Set "
                "`lesion_wise: {per_lesion_table: true}` in the metric-extraction config and run "
                "`auditapp metric-extraction` again; meanwhile the other model pages offer the lesion-wise "
                "metrics.")
    else:
        st.info(f"No lesion-wise metrics for {sets}: the metric CSVs have no lesion columns and no per-lesion "
                f"table lies next to them. {SWITCH_ON}")
    paths = data.lesion_csv_paths(cfg)
    if paths:
        st.caption("Looked for: " + "; ".join(ui.esc(p) for p in paths.values()))
    unnamed = [s for s in cfg.metrics if s not in paths]
    if unnamed:
        st.caption(f"The metric CSVs of {ui.esc(', '.join(unnamed))} are not named `extracted_information_<x>.csv`, "
                   "so no per-lesion table can be found for them.")


body()
