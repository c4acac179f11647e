"""Univariate analysis: distribution of one feature across datasets or metadata groups (dashboard.md §4.2)."""

from __future__ import annotations

import streamlit as st

from auditapp import analysis
from auditapp.app import data, plots
from auditapp.app.views import _common as ui

PAGE = "univariate"


@st.fragment
def _upper(cfg, plotted, highlight, point_colour, *, column, group_col, order, colors, pretty, legend) -> None:
    """Box/violin figure with click-through; its own controls rerun only this fragment."""
    plot_type = st.selectbox("Plot type", plots.PLOT_TYPES, key=f"{PAGE}.plot_type")
    opts = ui.plot_options(PAGE, "upper", x_title=pretty)
    fig = plots.univariate_figure(plotted, column, group=group_col, order=order, colors=colors, pretty=pretty,
                                  plot_type=plot_type, highlight=highlight, legend_title=legend,
                                  point_colour=point_colour, options=opts)
    selected = ui.show_chart(fig, f"{PAGE}.chart", plots.SVG_NAMES["univariate"])
    st.caption("Click a point to open the subject in ITK-SNAP.")
    ui.subject_viewer(cfg, selected, PAGE)


@st.fragment
def _lower(cfg, plotted, rng, density_key, *, column, group_col, order, colors, pretty, legend) -> None:
    """Density or histogram; its own controls rerun only this fragment."""
    c1, c2 = st.columns([1, 1])
    dist = c1.selectbox("Distribution", ("Density", "Histogram"), key=f"{PAGE}.dist")
    if dist == "Histogram":
        how = c2.radio("Bins", ("Number of bins", "Bin size"), horizontal=True, key=f"{PAGE}.bins.how")
        if how == "Number of bins":
            n_bins = int(c2.number_input("Number of bins", min_value=1, max_value=200, value=100, step=1,
                                         key=f"{PAGE}.bins.n"))
            bins = analysis.histogram_bins(plotted[column], n_bins=n_bins)
        else:
            width0 = (rng[1] - rng[0]) / 100 or 1.0
            size = float(c2.number_input("Bin size", min_value=1e-12, value=float(width0), format="%g",
                                         key=f"{PAGE}.bins.size.{column}"))
            bins = analysis.histogram_bins(plotted[column], bin_size=size)
        opts = ui.plot_options(PAGE, "lower", x_title=pretty, y_title="Count")
        fig = plots.histogram_figure(plotted, column, bins=bins, group=group_col, order=order, colors=colors,
                                     pretty=pretty, legend_title=legend, options=opts)
    else:
        curves, skipped = data.density(cfg, *density_key, tuple(order))
        if skipped:
            st.caption(f"No density for {ui.esc(', '.join(map(str, skipped)))}: fewer than 2 distinct values.")
        opts = ui.plot_options(PAGE, "lower", x_title=pretty, y_title="Density")
        fig = plots.density_figure(curves, order=order, colors=colors, pretty=pretty, legend_title=legend,
                                   options=opts)
    ui.show_chart(fig, f"{PAGE}.distribution", plots.SVG_NAMES["distribution"], selectable=False)


def body() -> None:
    page = ui.page_tables("Univariate analysis", "features")
    if page is None:
        return
    cfg, ftab = page
    catalog = data.catalog(cfg, ftab)
    sets = ui.dataset_multiselect(ftab.sets, PAGE)
    column = ui.feature_picker(catalog, PAGE)
    group = ui.colour_group_by(ftab.df, ftab.meta_columns, PAGE)
    point_colour = None
    if group is not None and ui.is_continuous(ftab.df[group]):  # colour the points, keep one box per dataset
        point_colour, group = group, None
    if ui.nothing_selected(sets, column):
        return
    pretty = catalog.name(column)
    subset = ui.subset_filter(ftab.df[ftab.df["set"].isin(sets)], ftab.meta_columns, PAGE)
    sel = data.Selection(tuple(sets), subset=subset)
    group_col = group or "set"
    legend = "Dataset" if group is None else group
    view = data.univariate_view(cfg, sel, column, group, point_colour)
    rng = analysis.value_range(view[column])
    if rng is None:
        st.info(f"No values of {ui.esc(pretty)} in the selected datasets.")
        return
    flt = _filter_controls(column, rng)
    view = analysis.filter_feature(view, column, flt[0], lo=flt[1], hi=flt[2], k=flt[3])
    highlight = ui.highlight_select(view, sets, PAGE)

    if group is None:
        order = [s for s in sets if (view["set"] == s).any()]
        colors = plots.color_map(ftab.sets)
    else:
        order = sorted(view[group_col].unique(), key=str)
        colors = plots.color_map(order)
    plotted = view[view[column].notna()]
    if plotted.empty:
        st.info(f"No values of {ui.esc(pretty)} in the selected datasets.")
        return

    ctx = dict(column=column, group_col=group_col, order=order, colors=colors, pretty=pretty, legend=legend)
    _upper(cfg, plotted, highlight, point_colour, **ctx)
    _lower(cfg, plotted, rng, (sel, column, group, flt), **ctx)

    ui.outlier_table(plotted, {column: pretty}, PAGE, group=group_col, group_label=legend)
    with st.expander("Summary table", expanded=False):
        summary = analysis.group_summary(view, column, group_col, order=order).rename(columns={group_col: legend})
        st.dataframe(summary, hide_index=True, width="stretch")
    out = view.rename(columns={column: pretty}).assign(group=view[group_col])[["ID", "set", "group", pretty]]
    ui.csv_download(out, f"univariate_{column}.csv", f"{PAGE}.csv")


def _filter_controls(column: str, rng: tuple[float, float]) -> tuple:
    """"Filtering" expander; returns ``(mode, lo, hi, k)`` for ``analysis.filter_feature``."""
    with st.sidebar.expander("Filtering", expanded=False):
        label = st.radio("Filter", list(analysis.FILTERS), key=f"{PAGE}.filter", label_visibility="collapsed")
        mode = analysis.FILTERS[label]
        lo = hi = None
        k = 3
        if mode in ("remove", "clip"):
            if rng[0] < rng[1]:
                lo, hi = st.slider("Range", min_value=rng[0], max_value=rng[1], value=rng,
                                   key=f"{PAGE}.range.{column}.{rng[0]}.{rng[1]}")
            else:
                st.caption("All values are equal; nothing to filter.")
        elif mode == "std":
            k = int(st.number_input("Number of standard deviations", min_value=1, value=3, step=1,
                                    key=f"{PAGE}.std"))
    return (mode, lo, hi, k)


body()
