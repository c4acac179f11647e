"""Multivariate analysis: two features against each other, coloured by dataset, a feature or metadata (§4.3)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from auditapp.app import data
from auditapp.app.plots import SVG_NAMES, color_map, scatter_figure
from auditapp.app.views._common import (
    csv_download,
    esc,
    dataset_multiselect,
    feature_picker,
    is_continuous,
    nothing_selected,
    page_tables,
    plot_options,
    show_chart,
    subject_viewer,
    subset_filter,
)

PAGE = "multivariate"


def body() -> None:
    page = page_tables("Multivariate analysis", "features")
    if page is None:
        return
    cfg, ftab = page
    catalog = data.catalog(cfg, ftab)
    sets = dataset_multiselect(ftab.sets, PAGE)
    x = feature_picker(catalog, PAGE, label="Feature (X axis)", default=catalog.default(0))
    y = feature_picker(catalog, PAGE, name="feature_y", label="Feature (Y axis)", default=catalog.default(1))
    meta = [c for c in ftab.meta_columns if c in ftab.df.columns]
    colour_mode = st.sidebar.selectbox("Colour by", ["Dataset", "Feature", *meta], key=f"{PAGE}.colour")
    colour_col = None
    if colour_mode == "Feature":
        colour_col = feature_picker(catalog, PAGE, name="feature_colour", label="Colour feature",
                                    default=catalog.default(2), expanded=False)
    elif colour_mode != "Dataset":
        colour_col = colour_mode
    if nothing_selected(sets, x, y):
        return
    subset = subset_filter(ftab.df[ftab.df["set"].isin(sets)], ftab.meta_columns, PAGE)
    sel = data.Selection(tuple(sets), subset=subset)
    view = data.feature_rows(cfg, sel, (x, y) + ((colour_col,) if colour_col else ()), numeric=(x, y))

    with st.sidebar.expander("Highlight subject", expanded=False):
        hl_set = st.selectbox("Dataset", sets, key=f"{PAGE}.hl.set")
        ids = sorted(view.loc[view["set"] == hl_set, "ID"].astype(str).unique())
        hl_id = st.selectbox("Subject", ["None", *ids], key=f"{PAGE}.hl.id")
    highlight = None if hl_id == "None" else (hl_set, hl_id)

    if view.empty:
        st.info(f"No values of {esc(catalog.name(x))} and {esc(catalog.name(y))} in the selected datasets.")
        return
    x_name, y_name = catalog.name(x), catalog.name(y)
    colour = None
    if colour_col is not None:
        numeric = pd.api.types.is_numeric_dtype(view[colour_col])
        continuous = numeric and (colour_mode == "Feature" or is_continuous(ftab.df[colour_col]))
        colour = (colour_col, catalog.name(colour_col), bool(continuous))
    _chart(cfg, sel, view, x, y, x_name, y_name, colour, ftab.sets, highlight)


@st.fragment
def _chart(cfg, sel, view, x, y, x_name, y_name, colour, all_sets, highlight) -> None:
    """Scatter, correlations, click-through and download; the checkboxes rerun only this fragment."""
    c1, c2, c3 = st.columns(3)
    log_x = c1.checkbox("Log X", key=f"{PAGE}.logx")
    log_y = c2.checkbox("Log Y", key=f"{PAGE}.logy")
    marginal = c3.checkbox("Marginal distributions", key=f"{PAGE}.marginal")
    opts = plot_options(PAGE, "scatter", x_title=x_name, y_title=y_name)
    if colour is None:
        fig = scatter_figure(view, x, y, x_name=x_name, y_name=y_name, order=list(sel.sets), colors=color_map(all_sets),
                             highlight=highlight, log_x=log_x, log_y=log_y, marginal=marginal, options=opts)
    else:
        colour_col, cname, continuous = colour
        fig = scatter_figure(view, x, y, x_name=x_name, y_name=y_name, color=colour_col, color_name=cname,
                             continuous=continuous, highlight=highlight, log_x=log_x, log_y=log_y,
                             marginal=marginal, legend_title=cname, options=opts)
    selected = show_chart(fig, f"{PAGE}.chart", SVG_NAMES["multivariate"])
    rho = data.feature_correlation(cfg, sel, x, y)
    parts = [f"{r.set}: Spearman ρ = {r.rho:.3f} (n = {r.n})" if pd.notna(r.rho)
             else f"{r.set}: ρ undefined (n = {r.n})" for r in rho.itertuples()]
    st.caption(esc(" · ".join(parts)) + " — click a point to open the subject in ITK-SNAP.")
    subject_viewer(cfg, selected, PAGE)
    out = view.rename(columns={x: x_name, y: y_name})
    if colour is not None and colour[0] not in (x, y):
        out = out.rename(columns={colour[0]: colour[1]})
    csv_download(out, "multivariate_analysis.csv", f"{PAGE}.csv")


body()
