"""Single model performance: is a model's performance related to a feature (a bias)? (docs/dashboard_models.md)."""

from __future__ import annotations

import streamlit as st

from auditapp.app import data, plots
from auditapp.app.selection import selected_subjects, toggle_subjects
from auditapp.app.views import _common as ui

PAGE = "single_model"
HIGHLIGHT_KEY = f"{PAGE}.highlighted"
CHART_COUNTER = f"{PAGE}.chart_counter"


def _consume_click(chart_key: str) -> None:
    """Toggle the clicked subjects in the highlight list (read before the figure is built: the red markers appear
    in the same rerun), then give the chart a fresh key, so clicking the same point again removes it."""
    event = st.session_state.get(chart_key)
    clicked = selected_subjects(event)
    if not clicked:
        return
    st.session_state[HIGHLIGHT_KEY] = toggle_subjects(st.session_state.get(HIGHLIGHT_KEY, []), clicked)
    st.session_state[CHART_COUNTER] = st.session_state.get(CHART_COUNTER, 0) + 1


def body() -> None:
    page = ui.page_tables("Single model performance", "metrics", "features", level="info")
    if page is None:
        return
    cfg, tables, feats = page
    aggregated = st.checkbox("Aggregated", value=True, key=f"{PAGE}.aggregated",
                             help="On: each subject's mean over its regions. Off: one panel per region.")
    st.caption("Click a point to highlight it; click again to remove it.")
    sets = [s for s in tables.sets if s in feats.sets]
    if not sets:
        st.info("No dataset has both metrics and features: the names under `metrics:` and `features:` in app.yaml "
                "must match.")
        return
    chosen = ui.dataset_multiselect(sets, PAGE)
    if not chosen:
        st.info("Select at least one dataset in the sidebar.")
        return
    df = tables.df
    models = data.models_of(df[df["set"].isin(chosen)])
    model = ui.select_one("Model", models, PAGE, "model", shared="model")
    metric_cols = data.metric_columns(df, tables.meta_columns)
    metric = ui.metric_select(metric_cols, PAGE)
    catalog = data.catalog(cfg, feats)
    feature = ui.feature_picker(catalog, PAGE, default="whole_tumor_location")
    if feature is None or metric is None or model is None:
        st.info("No feature, metric or model to show.")
        return
    joined = data.metrics_with_features(cfg, aggregated)
    rows = joined[joined["set"].isin(chosen) & (joined["model"] == model)]
    regions = None
    if not aggregated:
        regions = tuple(ui.region_multiselect(rows, PAGE))
        rows = rows[rows["region"].isin(regions)]
    meta = tuple(c for c in (*feats.meta_columns, *tables.meta_columns) if c in rows.columns)
    color = ui.colour_group_by(rows, meta, PAGE)
    sel = data.Selection(tuple(chosen), (model,), regions, ui.subset_filter(rows, meta, PAGE))
    trend = st.sidebar.checkbox("Trend line (least squares)", value=False, key=f"{PAGE}.trend")
    if feature not in rows.columns or metric not in rows.columns:
        st.info(f"No values of {ui.esc(catalog.name(feature))} for {ui.esc(model)}.")
        return
    shown = data.model_feature_rows(cfg, sel, aggregated, (feature, metric) + ((color,) if color else ()),
                                    (feature, metric))
    if shown.empty:
        st.info(f"No values of {ui.esc(data.metric_name(metric))} and {ui.esc(catalog.name(feature))} for "
                f"{ui.esc(model)} in the selected datasets.")
        return

    x_title, y_title = catalog.name(feature), data.metric_name(metric)
    highlighted = _scatter(shown, chosen, model, feature, metric, x_title, y_title, aggregated, trend, color)
    _highlight_list(cfg, highlighted, model)
    _correlations(cfg, sel, aggregated, shown, model, feature, metric, x_title, y_title)
    _outliers(shown, aggregated, metric, feature, y_title, x_title)


def _scatter(shown, chosen: list[str], model: str, feature: str, metric: str, x_title: str, y_title: str,
             aggregated: bool, trend: bool, color: str | None) -> list[tuple[str, str]]:
    """The metric-vs-feature scatter (clicks toggle highlighted subjects); the highlighted subjects."""
    counter = st.session_state.get(CHART_COUNTER, 0)
    _consume_click(f"{PAGE}.chart.{counter}")
    chart_key = f"{PAGE}.chart.{st.session_state.get(CHART_COUNTER, 0)}"
    highlighted = [tuple(h) for h in st.session_state.get(HIGHLIGHT_KEY, [])]
    options = ui.plot_options(PAGE, f"scatter.{model}.{metric}.{feature}",
                              title=f"{y_title} of {model} vs {x_title}", x_title=x_title,
                              y_title=y_title)
    present = set(shown["set"].unique())
    fig = plots.metric_scatter(shown, x=feature, y=metric, x_title=x_title, y_title=y_title,
                               sets=[s for s in chosen if s in present],
                               facet=None if aggregated else "region", highlight=highlighted, trend=trend,
                               model=model, color=color, options=options)
    ui.show_chart(fig, chart_key, plots.SVG_NAMES[PAGE])
    return highlighted


def _correlations(cfg, sel, aggregated: bool, shown, model: str, feature: str, metric: str, x_title: str,
                  y_title: str) -> None:
    """Spearman correlation per dataset (and region), and the downloads of the points and the correlations."""
    corr = data.model_feature_correlation(cfg, sel, aggregated, feature, metric)
    corr = corr.rename(columns={"set": "Dataset", "region": "Region", "rho": "Spearman ρ", "p": "p-value"})
    st.markdown(f"**Spearman correlation** of {ui.esc(x_title)} and {ui.esc(y_title)}")
    st.dataframe(corr, hide_index=True, width="stretch",
                 column_config={**ui.number_formats("%.3f", "Spearman ρ"), **ui.number_formats("%.3e", "p-value")})
    c1, c2 = st.columns(2)
    with c1:
        ui.csv_download(shown,
                        f"single_model_performance_{model}_{metric}_{feature}.csv", f"{PAGE}.download.data")
    with c2:
        ui.csv_download(corr, f"single_model_correlation_{model}_{metric}_{feature}.csv", f"{PAGE}.download.corr",
                        label="Download correlations (CSV)")


def _outliers(shown, aggregated: bool, metric: str, feature: str, metric_title: str, feature_title: str) -> None:
    """Outlier subjects of the metric and the feature per dataset (and region), linked to the Subjects page."""
    rows, group, label = shown, "set", "Dataset"
    if not aggregated:
        rows = shown.assign(site_region=shown["set"].astype(str) + " · " + shown["region"].astype(str))
        group, label = "site_region", "Dataset · region"
    ui.outlier_table(rows, {metric: metric_title, feature: feature_title}, PAGE, group=group, group_label=label)


def _highlight_list(cfg, highlighted: list[tuple[str, str]], model: str) -> None:
    if not highlighted:
        return
    with st.container(border=True):
        top = st.columns([3, 1])
        top[0].markdown(f"**Highlighted cases** ({len(highlighted)})")
        if top[1].button("Reset highlighted cases", key=f"{PAGE}.reset"):
            st.session_state[HIGHLIGHT_KEY] = []
            st.rerun()
        for i, (set_name, subject) in enumerate(highlighted[:30]):
            c1, c2, c3 = st.columns([2, 1, 1])
            c1.markdown(f"{ui.esc(subject)} ({ui.esc(set_name)})")
            if c2.button(f"ITK-SNAP (GT + {ui.esc(model)})", key=f"{PAGE}.itksnap.{i}"):
                ui.open_in_itksnap(cfg, set_name, subject, models=[model], force=True)
            if c3.button("Subjects exploration", key=f"{PAGE}.explore.{i}"):
                st.session_state["subjects.request"] = (set_name, subject)
                ui.show_subject(set_name, subject)


body()
