"""Multivariate analysis: two features against each other, coloured by dataset, a feature or metadata (§4.3)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from auditapp.app import data, plots
from auditapp.app.views import _common as ui

PAGE = "multivariate"


def body() -> None:
    page = ui.page_tables("Multivariate analysis", "features")
    if page is None:
        return
    cfg, ftab = page
    catalog = data.catalog(cfg, ftab)
    sets = ui.dataset_multiselect(ftab.sets, PAGE)
    x = ui.feature_picker(catalog, PAGE, label="Feature (X axis)", default=catalog.default(0))
    y = ui.feature_picker(catalog, PAGE, name="feature_y", label="Feature (Y axis)", default=catalog.default(1))
    meta = [c for c in ftab.meta_columns if c in ftab.df.columns]
    colour_mode = st.sidebar.selectbox("Colour by", ["Dataset", "Feature", *meta], key=f"{PAGE}.colour")
    colour_col = None
    if colour_mode == "Feature":
        colour_col = ui.feature_picker(catalog, PAGE, name="feature_colour", label="Colour feature",
                                    default=catalog.default(2), expanded=False)
    elif colour_mode != "Dataset":
        colour_col = colour_mode
    if ui.nothing_selected(sets, x, y):
        return
    subset = ui.subset_filter(ftab.df[ftab.df["set"].isin(sets)], ftab.meta_columns, PAGE)
    sel = data.Selection(tuple(sets), subset=subset)
    view = data.feature_rows(cfg, sel, (x, y) + ((colour_col,) if colour_col else ()), numeric=(x, y))

    highlight = ui.highlight_select(view, sets, PAGE)

    if view.empty:
        st.info(f"No values of {ui.esc(catalog.name(x))} and {ui.esc(catalog.name(y))} in the selected datasets.")
        return
    x_name, y_name = catalog.name(x), catalog.name(y)
    colour = None
    if colour_col is not None:
        numeric = pd.api.types.is_numeric_dtype(view[colour_col])
        continuous = numeric and (colour_mode == "Feature" or ui.is_continuous(ftab.df[colour_col]))
        colour = (colour_col, catalog.name(colour_col), bool(continuous))
    _chart(cfg, sel, view, x, y, x_name, y_name, colour, ftab.sets, highlight)


@st.fragment
def _chart(cfg, sel, view, x, y, x_name, y_name, colour, all_sets, highlight) -> None:
    """Scatter, correlations, click-through and download; the checkboxes rerun only this fragment."""
    c1, c2, c3 = st.columns(3)
    log_x = c1.checkbox("Log X", key=f"{PAGE}.logx")
    log_y = c2.checkbox("Log Y", key=f"{PAGE}.logy")
    marginal = c3.checkbox("Marginal distributions", key=f"{PAGE}.marginal")
    opts = ui.plot_options(PAGE, "scatter", x_title=x_name, y_title=y_name)
    colour_col, cname, continuous = colour or (None, None, False)
    groups = dict(order=list(sel.sets), colors=plots.color_map(all_sets)) if colour is None else {"legend_title": cname}
    fig = plots.scatter_figure(view, x, y, x_name=x_name, y_name=y_name, color=colour_col, color_name=cname,
                               continuous=continuous, highlight=highlight, log_x=log_x, log_y=log_y,
                               marginal=marginal, options=opts, **groups)
    selected = ui.show_chart(fig, f"{PAGE}.chart", plots.SVG_NAMES["multivariate"])
    rho = data.feature_correlation(cfg, sel, x, y)
    parts = [f"{r.set}: Spearman ρ = {r.rho:.3f} (n = {r.n})" if pd.notna(r.rho)
             else f"{r.set}: ρ undefined (n = {r.n})" for r in rho.itertuples()]
    st.caption(ui.esc(" · ".join(parts)) + " — click a point to open the subject in ITK-SNAP.")
    ui.subject_viewer(cfg, selected, PAGE)
    out = view.rename(columns={x: x_name, y: y_name})
    if colour is not None and colour[0] not in (x, y):
        out = out.rename(columns={colour[0]: colour[1]})
    ui.csv_download(out, "multivariate_analysis.csv", f"{PAGE}.csv")


body()
