"""Multi-model performance: models side by side, Friedman / Nemenyi ranking (docs/dashboard_models.md)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from auditapp.app import data, plots
from auditapp.app.views import _common as ui

PAGE = "multi_model"


def body() -> None:
    page = ui.page_tables("Multi-model performance", "metrics")
    if page is None:
        return
    cfg, tables = page
    aggregated = st.checkbox("Aggregated", value=True, key=f"{PAGE}.aggregated",
                             help="On: each subject's mean over its regions. Off: one box per region.")
    dataset, set_rows, all_models = ui.dataset_with_models(cfg, tables, PAGE)
    models = st.sidebar.multiselect("Models", all_models, default=all_models, key=f"{PAGE}.models.{dataset}")
    regions = sorted(set_rows["region"].dropna().unique().tolist())
    if not aggregated:
        regions = ui.region_multiselect(set_rows, PAGE, f"regions.{dataset}")
    metric_cols = data.metric_columns(set_rows, tables.meta_columns)
    default_metric = "dice" if "dice" in metric_cols else (metric_cols[:1] or [None])[0]
    metrics = st.sidebar.multiselect("Metrics", metric_cols, default=[default_metric] if default_metric else [],
                                     key=f"{PAGE}.metrics.{dataset}", format_func=data.metric_name)
    if not models:
        st.info("Select at least one model in the sidebar.")
        return
    if not metrics:
        st.info("Select at least one metric in the sidebar.")
        return
    if not regions:
        st.info("Select at least one region in the sidebar.")
        return
    rows = set_rows[set_rows["model"].isin(models) & set_rows["region"].isin(regions)]
    sel = data.Selection((dataset,), tuple(models), tuple(regions), ui.subset_filter(rows, tables.meta_columns, PAGE))
    rows = data.metric_rows(cfg, sel, tuple(metrics))
    if rows.empty:
        st.info(f"No values of the selected models in {ui.esc(dataset)}.")
        return
    results = {m: data.compare_models(cfg, sel, m, aggregated) for m in metrics}

    _summary_table(results, aggregated, dataset)
    _boxes(cfg, rows, dataset, models, metrics, aggregated)

    # ---- ranking
    st.subheader("Ranking (Friedman test, Nemenyi post-hoc)")
    if len(all_models) < 3:
        st.info(f"The Friedman test and ranking need at least 3 models; {ui.esc(dataset)} has {len(all_models)}.")
        return
    if len(models) < 3:
        st.info("The Friedman test and ranking need at least 3 models; select more models in the sidebar.")
        return
    for m, res in results.items():
        _ranking(res, data.metric_name(m), dataset, aggregated)


def _summary_table(results: dict, aggregated: bool, dataset: str) -> None:
    """Mean ± std (and n) of every selected metric per model (and region), with its download."""
    st.subheader("Mean ± std")
    index = ["model"] if aggregated else ["model", "region"]
    table = None
    for m, res in results.items():
        part = res.summary.set_index(index)[["text", "n"]].rename(
            columns={"text": data.metric_name(m), "n": f"n ({data.metric_name(m)})"})
        table = part if table is None else table.join(part, how="outer")
    table = table.reset_index().rename(columns={"model": "Model", "region": "Region"})
    st.dataframe(table, hide_index=True, width="stretch")
    ui.csv_download(table, f"multimodel_summary_{dataset}.csv", f"{PAGE}.download.summary",
                    label="Download table (CSV)")


def _boxes(cfg, rows, dataset: str, models: list[str], metrics: list[str], aggregated: bool) -> None:
    """Box plots of the selected metrics per model: each subject's mean over its regions, or one facet per region."""
    if aggregated:
        means = data.region_means(cfg)
        source = means[(means["set"] == dataset) & means["model"].isin(models) & means["ID"].isin(set(rows["ID"]))]
        long = source.melt(id_vars=["ID", "model"], value_vars=metrics, var_name="metric", value_name="value")
        facet = None
    else:
        long = rows.melt(id_vars=["ID", "model", "region"], value_vars=metrics, var_name="metric",
                         value_name="value")
        facet = "region"
    long = long.dropna(subset=["value"])
    options = ui.plot_options(PAGE, f"boxes.{aggregated}", title="Average models performance" if aggregated else
                              "Models performance by region")
    fig = plots.model_boxes(long, models=sorted(models), metric_titles={m: data.metric_name(m) for m in metrics},
                            facet=facet, options=options)
    ui.show_chart(fig, f"{PAGE}.boxes", plots.SVG_NAMES[PAGE], selectable=False)
    ui.csv_download(long, f"multimodel_data_{dataset}.csv", f"{PAGE}.download.data")


def _ranking(res, name: str, dataset: str, aggregated: bool) -> None:
    with st.container(border=True):
        st.markdown(f"**{ui.esc(name)}** — {ui.esc(dataset)}, each subject's mean over the "
                    f"{'regions' if aggregated else 'selected regions'} ({res.rank_by})")
        if res.note or not pd.notna(res.friedman_p):
            st.info(ui.esc(res.note or "The Friedman test could not be run."))
            return
        c = st.columns(4)
        c[0].metric("Friedman χ²", f"{res.friedman_statistic:.4f}")
        c[1].metric("p-value", f"{res.friedman_p:.3e}")
        c[2].metric("Subjects used", f"{res.n}", help="subjects with a value for every selected model")
        c[3].metric("Subjects dropped", f"{res.n_dropped}")
        ranks = res.mean_ranks.rename("Mean rank").rename_axis("Model").reset_index()
        ranks.insert(0, "Position", range(1, len(ranks) + 1))
        left, right = st.columns([1, 2])
        left.dataframe(ranks, hide_index=True, width="stretch",
                       column_config=ui.number_formats("%.4f", "Mean rank"))
        left.caption(f"Critical difference (α = {res.alpha}): {res.critical_difference:.4f}")
        with right:
            ui.show_chart(plots.nemenyi_heatmap(res.nemenyi_p, alpha=res.alpha), f"{PAGE}.nemenyi.{name}",
                          f"nemenyi_{name}", selectable=False)
        ui.show_chart(plots.critical_difference_figure(res.mean_ranks, res.critical_difference),
                      f"{PAGE}.cd.{name}", f"critical_difference_{name}", selectable=False)
        out = ranks.merge(res.nemenyi_p.add_prefix("p vs ").rename_axis("Model").reset_index(), on="Model")
        ui.csv_download(out, f"multimodel_ranking_{dataset}_{name}.csv", f"{PAGE}.download.rank.{name}",
                        label="Download ranking (CSV)")


body()
