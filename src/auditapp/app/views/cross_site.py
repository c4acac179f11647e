"""Cross-site performance: which site is hardest for each model? (docs/dashboard_models.md)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from auditapp import analysis
from auditapp.app import data, plots
from auditapp.app.views import _common as ui

PAGE = "cross_site"


def body() -> None:
    page = ui.page_tables("Cross-site performance", "metrics")
    if page is None:
        return
    cfg, tables = page
    sets = ui.dataset_multiselect(tables.sets, PAGE, label="Sites (datasets)")
    if len(sets) < 2:
        st.info("Select at least two datasets (sites) in the sidebar to compare sites.")
        return
    df = tables.df[tables.df["set"].isin(sets)]
    all_models = data.models_of(df)
    models = st.sidebar.multiselect("Models", all_models, default=all_models, key=f"{PAGE}.models")
    metric_cols = data.metric_columns(df, tables.meta_columns)
    metric = ui.metric_select(metric_cols, PAGE)
    by_region = st.sidebar.toggle("Per region", value=False, key=f"{PAGE}.by_region",
                                  help="Off: each subject's mean over its regions. On: one row per model and region.")
    regions = None
    if by_region:
        regions = tuple(ui.region_multiselect(df, PAGE))
    if not models or metric is None or (by_region and not regions):
        st.info("Select at least one model, a metric and (per region) one region in the sidebar.")
        return
    sel = data.Selection(tuple(sets), tuple(models), regions)
    name = data.metric_name(metric)
    summary = data.site_summary(cfg, sel, metric, by_region)
    if summary.empty or not summary["n"].any():
        st.info(f"No values of {name} for the selected models and sites.")
        return
    direction = analysis.metric_direction(metric)
    st.caption(f"{name}: {'one value per subject and region' if by_region else 'each subject’s mean over its regions'}"
               f"; {'higher' if direction > 0 else 'lower' if direction < 0 else 'no direction: neither'} is better.")

    fig = plots.site_heatmap(summary, value_title=name, direction=direction)
    ui.show_chart(fig, f"{PAGE}.heatmap", f"cross_site_medians_{metric}", selectable=False)
    _tests(cfg, sel, metric, name, by_region)
    _boxes(cfg, sel, metric, name, by_region, sets, models, regions)
    ui.csv_download(summary, f"cross_site_{metric}.csv", f"{PAGE}.download.summary",
                    label="Download medians and IQR (CSV)")


def _sentence(row, name: str, direction: int, summary: pd.DataFrame) -> str:
    """"BraTS25_1: hardest site UCSF (median 0.80), easiest Duke (0.90); sites differ (Kruskal-Wallis ...)"."""
    scope = row.model if row.region == "ALL" else f"{row.model} on {row.region}"
    if row.test == "none":
        return f"{scope}: no test ({row.note})."
    med = summary[(summary["model"] == row.model) & (summary["region"] == row.region)].set_index("set")["median"]
    where = ""
    if direction != 0 and row.hardest_set:
        where = (f"hardest site {row.hardest_set} (median {plots.format_number(med[row.hardest_set], decimals=3)}), "
                 f"easiest {row.easiest_set} ({plots.format_number(med[row.easiest_set], decimals=3)}); ")
    differ = "sites differ" if row.reject_holm else "no significant difference between sites"
    stat = "H" if row.test == "Kruskal-Wallis" else "χ²"
    return (f"{scope}: {where}{differ} ({row.test} {stat} = {row.statistic:.2f}, Holm p = {plots.format_p(row.p_holm)}, "
            f"{ui.EFFECT_NAMES.get(row.effect_size_name, row.effect_size_name)} = {row.effect_size:.3f}, "
            f"n = {row.n} over {row.n_sites} sites).")


def _tests(cfg, sel, metric: str, name: str, by_region: bool) -> None:
    st.subheader("Do the sites differ?")
    tests = data.site_tests(cfg, sel, metric, by_region)
    summary = data.site_summary(cfg, sel, metric, by_region)
    direction = analysis.metric_direction(metric)
    for row in tests.itertuples():
        st.markdown(f"- {_sentence(row, name, direction, summary)}")
    shown = tests.rename(columns={
        "model": "Model", "region": "Region", "test": "Test", "paired": "Paired", "n_sites": "Sites", "n": "n",
        "statistic": "Statistic", "p_value": "p", "p_holm": "Holm p", "reject_holm": "Significant (Holm)",
        "effect_size_name": "Effect size", "effect_size": "Effect", "hardest_set": "Hardest site",
        "easiest_set": "Easiest site", "note": "Note"})
    shown["Effect size"] = shown["Effect size"].map(lambda v: ui.EFFECT_NAMES.get(v, v))
    if not by_region:
        shown = shown.drop(columns="Region")
    st.dataframe(shown, hide_index=True, width="stretch",
                 column_config={**ui.number_formats("%.3f", "Statistic"), **ui.number_formats("%.3e", "p", "Holm p"),
                                **ui.number_formats("%.3f", "Effect")})
    st.caption("Kruskal-Wallis across independent sites (ε² = H / (n − 1)); Friedman when every site holds the same "
               "subjects (Kendall's W). Holm-adjusted over the rows of this table. Sites with fewer than "
               f"{analysis.sites.MIN_PER_SITE} values are left out of a test.")
    ui.csv_download(tests, f"cross_site_tests_{metric}.csv", f"{PAGE}.download.tests", label="Download tests (CSV)")


def _boxes(cfg, sel, metric: str, name: str, by_region: bool, sets, models, regions) -> None:
    st.subheader("Boxes per site")
    rows = data.site_rows(cfg, sel, metric, by_region)
    present = [s for s in sets if (rows["set"] == s).any()]
    for region in (regions or ("ALL",)):
        part = rows if region == "ALL" else rows[rows["region"] == region]
        title = name if region == "ALL" else f"{name} ({region})"
        options = ui.plot_options(PAGE, f"boxes.{region}", title=f"{title} per site", x_title="Site",
                                  y_title=title)
        fig = plots.site_boxes(part, value=metric, value_title=title, sites=present, models=sorted(models),
                               options=options)
        selected = ui.show_chart(fig, f"{PAGE}.boxes.{region}", f"cross_site_boxes_{metric}_{region}")
        ui.subject_viewer(cfg, selected, f"{PAGE}.{region}")


body()
