"""Widgets shared by the pages: selectors with shared defaults, messages, figures with click-through, downloads.

Widget keys are namespaced per page (``"<page>.<name>"``); the shared selections (datasets, feature, model, metric)
live in ``st.session_state["shared.<name>"]`` and become the defaults of the other pages (dashboard.md §2).
"""

from __future__ import annotations

import re
import traceback
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import urlencode

import pandas as pd
import plotly.graph_objects as go
import streamlit as st
from loguru import logger

from auditapp import analysis
from auditapp.app import data
from auditapp.app.plots import paper_theme, svg_config
from auditapp.app.selection import selected_subjects
from auditapp.config.model import AppConfig
from auditapp.viewers import itksnap

__all__ = [
    "EFFECT_NAMES", "VIEWS", "colour_group_by", "csv_download", "dataset_multiselect", "dataset_with_models", "esc",
    "feature_picker", "feature_tables", "guard", "highlight_select", "is_continuous", "metric_select",
    "metric_tables", "nothing_selected", "number_formats", "open_in_itksnap", "outlier_table",
    "page_config", "page_tables", "plot_options", "region_multiselect", "require", "select_one", "show_chart",
    "show_problems", "show_subject", "subject_viewer", "subset_filter",
]

VIEWS = Path(__file__).resolve().parent
MAX_GROUPS = 30
LEGEND_POSITIONS = ("top left", "top right", "bottom left", "bottom right")
#: Display names of the effect sizes of :mod:`auditapp.analysis` (pairwise and cross-site pages).
EFFECT_NAMES = {"cohen_dz": "Cohen's d_z", "rank_biserial": "Rank-biserial r", "epsilon_squared": "ε²",
                "kendall_w": "Kendall's W"}


def _shared(name: str):
    return st.session_state.get(f"shared.{name}")


def _set_shared(name: str, value) -> None:
    st.session_state[f"shared.{name}"] = value


_MARKDOWN_INLINE = re.compile(r"([\\`*_\[\]<>$|~])")
_MARKDOWN_BLOCK = re.compile(r"^(\s*)([#>+=-]|\d+[.)])")


def esc(value) -> str:
    """``value`` as literal text wherever Streamlit renders Markdown (``st.markdown``, titles, captions, messages,
    widget and button labels, toasts).

    Every user-controlled string (IDs, datasets, models, metadata values, column names, paths, error messages) goes
    through here before it is placed in such text: the characters that start Markdown inline syntax (links and
    images, emphasis, code, HTML, LaTeX, tables, strike-through, colour directives) are backslash-escaped, a
    leading heading/quote/list marker too, and line breaks become spaces, so an ID like ``![x](http://host/t.png)``
    shows as those characters instead of fetching an image.

    >>> esc("![x](http://h/t.png)")
    '!\\\\[x\\\\](http://h/t.png)'
    >>> esc("# a_b")
    '\\\\# a\\\\_b'
    """
    text = _MARKDOWN_INLINE.sub(r"\\\1", " ".join(str(value).splitlines()))
    return _MARKDOWN_BLOCK.sub(lambda m: m.group(1) + m.group(2)[:-1] + "\\" + m.group(2)[-1], text)


# --------------------------------------------------------------------------------------------------------------------
# Page guard and messages
# --------------------------------------------------------------------------------------------------------------------
def guard(page_body) -> None:
    """Run ``page_body()``; an unexpected exception becomes an ``st.error`` with the traceback in an expander."""
    try:
        page_body()
    except Exception as exc:  # noqa: BLE001 - the page must never show a bare traceback
        logger.exception("page failed")
        st.error(f"Something went wrong on this page: {type(exc).__name__}: {esc(exc)}")
        with st.expander("Traceback", expanded=False):
            st.code("".join(traceback.format_exception(exc)), language="text")


def show_problems(*tables: data.Tables, level: str = "warning") -> None:
    """One message per file that could not be read (``st.warning``, or ``st.info`` with ``level="info"``), and the
    legacy-metrics notice when relevant."""
    show = st.info if level == "info" else st.warning
    seen: set[str] = set()
    for table in tables:
        for problem in table.problems:
            if problem not in seen:
                seen.add(problem)
                show(esc(problem))
        if table.legacy_sets:
            st.caption(data.LEGACY_NOTICE.format(sets=esc(", ".join(table.legacy_sets))))


def require(cfg: AppConfig, key: str) -> bool:
    """True when ``key`` is configured (non-empty); else shows the "No <key> configured" message."""
    if getattr(cfg, key, None):
        return True
    st.info(data.missing_key_message(key))
    return False


def page_config(title: str) -> AppConfig:
    """Show the page title; the session's config (``main.py`` checked it, with its messages, before the page)."""
    st.title(title)
    return data.get_config()


def feature_tables(cfg: AppConfig, *, level: str = "warning") -> data.Tables | None:
    """The features :class:`~auditapp.app.data.Tables` (file problems shown at ``level``), or None after a message
    (not configured, nothing readable)."""
    if not require(cfg, "features"):
        return None
    ftab = data.features(cfg)
    show_problems(ftab, level=level)
    if ftab.empty:
        st.info("No feature table could be read; see the messages above.")
        return None
    return ftab


def metric_tables(cfg: AppConfig) -> data.Tables | None:
    """The metrics :class:`~auditapp.app.data.Tables` (file problems as ``st.info``), or None after a message
    (not configured, no rows)."""
    if not require(cfg, "metrics"):
        return None
    tables = data.metrics(cfg)
    show_problems(tables, level="info")
    if tables.empty:
        if tables.sets or not tables.problems:
            names = esc(", ".join(tables.sets)) or "the configured datasets"
            st.info(f"The metric CSVs of {names} have no rows. Run `auditapp metric-extraction` first.")
        return None
    return tables


def page_tables(title: str, *needs: str, level: str = "warning") -> tuple | None:
    """Page header: the title, the config, then the tables named in ``needs`` (``"metrics"``, ``"features"``), in
    that order. Returns ``(cfg, *tables)``, or None after the message saying what is missing.

    ``level`` is how feature-file problems are shown (metric-file problems are always ``st.info``).
    """
    cfg = page_config(title)
    out: list = [cfg]
    for need in needs:
        table = metric_tables(cfg) if need == "metrics" else feature_tables(cfg, level=level)
        if table is None:
            return None
        out.append(table)
    return tuple(out)


def dataset_with_models(cfg: AppConfig, tables: data.Tables, page: str) -> tuple[str | None, pd.DataFrame, list[str]]:
    """"Dataset" selectbox over the sets that have models (shared default); its rows and its sorted models."""
    by_set = data.models_by_set(cfg)
    dataset = select_one("Dataset", [s for s in tables.sets if by_set.get(s)], page, "dataset", shared="dataset")
    return dataset, tables.df[tables.df["set"] == dataset], by_set.get(dataset, [])


def nothing_selected(sets: Sequence[str], *columns: str | None) -> bool:
    """True after a message when no dataset is selected or a feature column is missing."""
    if not sets:
        st.info("Select at least one dataset in the sidebar.")
        return True
    if any(column is None for column in columns):
        st.info("No feature columns in the selected datasets.")
        return True
    return False


# --------------------------------------------------------------------------------------------------------------------
# Selectors
# --------------------------------------------------------------------------------------------------------------------
def dataset_multiselect(options: Sequence[str], page: str, *, label: str = "Datasets", where=None) -> list[str]:
    """Multiselect of datasets (config order, all selected by default, shared default across pages)."""
    where = where or st.sidebar
    options = list(options)
    shared = _shared("datasets")
    default = [o for o in shared if o in options] if shared else options
    if not default:
        default = options
    chosen = where.multiselect(label, options, default=default, key=f"{page}.datasets")
    _set_shared("datasets", chosen)
    return chosen


def select_one(label: str, options: Sequence, page: str, name: str, *, shared: str | None = None,
               default=None, where=None, format_func=str):
    """Selectbox whose default is the shared selection ``shared`` (when valid), else ``default``, else the first."""
    where = where or st.sidebar
    options = list(options)
    if not options:
        return None
    preferred = _shared(shared) if shared else None
    if preferred not in options:
        preferred = default if default in options else options[0]
    value = where.selectbox(label, options, index=options.index(preferred), key=f"{page}.{name}",
                            format_func=format_func)
    if shared:
        _set_shared(shared, value)
    return value


def metric_select(options: Sequence[str], page: str, *, default: str | None = "dice") -> str | None:
    """"Metric" selectbox (display names, shared default, else ``default``)."""
    return select_one("Metric", options, page, "metric", shared="metric", default=default,
                      format_func=data.metric_name)


def region_multiselect(rows: pd.DataFrame, page: str, key: str = "regions") -> list[str]:
    """Sidebar "Regions" multiselect over the sorted regions of ``rows``, all selected by default."""
    regions = sorted(rows["region"].dropna().unique().tolist())
    return st.sidebar.multiselect("Regions", regions, default=regions, key=f"{page}.{key}")


def highlight_select(view: pd.DataFrame, sets: Sequence[str], page: str) -> tuple[str, str] | None:
    """"Highlight subject" expander: "Dataset" and "Subject" (None + sorted IDs of ``view``); ``(set, ID)``."""
    with st.sidebar.expander("Highlight subject", expanded=False):
        hl_set = st.selectbox("Dataset", sets, key=f"{page}.hl.set")
        ids = sorted(view.loc[view["set"] == hl_set, "ID"].astype(str).unique())
        hl_id = st.selectbox("Subject", ["None", *ids], key=f"{page}.hl.id")
    return None if hl_id == "None" else (hl_set, hl_id)


def feature_picker(catalog: data.FeatureCatalog, page: str, *, name: str = "feature", label: str = "Feature",
                   default: str | None = None, where=None, expanded: bool = True) -> str | None:
    """Expander with "Feature category" and "Feature" (pretty names); returns the column name."""
    where = where or st.sidebar
    if not catalog.categories:
        return None
    shared_col = _shared("feature") if name == "feature" else None
    current = st.session_state.get(f"{page}.{name}.feature")
    target = shared_col if shared_col in catalog.columns() else default
    if target not in catalog.columns():
        target = catalog.default()
    cats = list(catalog.categories)
    box = where.expander(label, expanded=expanded)
    with box:
        cat_default = catalog.category(target) or cats[0]
        category = st.selectbox("Feature category", cats, index=cats.index(cat_default),
                                key=f"{page}.{name}.category")
        names = list(catalog.categories[category])
        wanted = current if current in names else catalog.name(target)
        index = names.index(wanted) if wanted in names else 0
        pretty = st.selectbox(label, names, index=index,
                              key=f"{page}.{name}.feature")
    column = catalog.categories[category][pretty]
    if name == "feature":
        _set_shared("feature", column)
    return column


def is_continuous(values: pd.Series) -> bool:
    """Numeric with more than 30 distinct values: coloured on a continuous scale rather than grouped."""
    return bool(pd.api.types.is_numeric_dtype(values) and values.nunique(dropna=True) > MAX_GROUPS)


def colour_group_by(df: pd.DataFrame, meta_columns: Sequence[str], page: str, *, label: str = "Colour / group by",
                    continuous: bool = True, where=None) -> str | None:
    """"Dataset" (returns None) or a metadata column: numeric columns (colour continuously) when ``continuous``,
    columns with at most 30 distinct values (groups)."""
    where = where or st.sidebar
    usable = []
    for col in meta_columns:
        if col not in df.columns:
            continue
        n = df[col].nunique(dropna=True)
        if n == 0:
            continue
        if n <= MAX_GROUPS or (continuous and pd.api.types.is_numeric_dtype(df[col])):
            usable.append(col)
    if not usable:
        return None
    choice = where.selectbox(label, ["Dataset", *usable], key=f"{page}.colour")
    return None if choice == "Dataset" else choice


def subset_filter(df: pd.DataFrame, meta_columns: Sequence[str], page: str, *, where=None) -> data.Subset | None:
    """"Subset" expander: a metadata column and the values to keep (all by default); None when no subset.

    Returns the hashable subset (``(column, values)``) the data layer applies (:func:`data.apply_subset`).
    """
    where = where or st.sidebar
    cols = [c for c in meta_columns if c in df.columns and 0 < df[c].nunique(dropna=True) <= 200]
    if not cols:
        return None
    with where.expander("Subset", expanded=False):
        col = st.selectbox("Metadata column", ["(none)", *cols], key=f"{page}.subset.column")
        if col == "(none)":
            return None
        values = sorted(df[col].dropna().unique().tolist(), key=str)
        keep = st.multiselect("Values to keep", values, default=values, key=f"{page}.subset.values.{col}")
    return (col, tuple(keep))


def _label_input(where, label: str, key: str, default: str) -> str:
    """Text input for a label, empty = the figure's own ``default`` (shown as placeholder). What the user types is
    remembered per default label in ``st.session_state[key]`` (Streamlit forgets the state of a widget that was
    not drawn, e.g. while another feature was selected)."""
    typed: dict = st.session_state.setdefault(key, {})
    widget_key = f"{key}.{default}"
    value = where.text_input(label, value=typed.get(default, ""), placeholder=default or None, key=widget_key)
    if value:
        typed[default] = value
    else:
        typed.pop(default, None)
    return value


def plot_options(page: str, name: str, *, title: str = "", x_title: str = "", y_title: str = "",
                 legend: bool = True) -> dict:
    """Collapsed "Plot options" expander; returns the options dict understood by the plot builders.

    The title and axis-label inputs start empty with the figure's current text as placeholder: empty means "the
    figure's own label", so labels follow the current selection (feature, metric, histogram vs density). A label
    the user types is kept for that default label only (the widget key holds it), so it comes back with that
    feature and never sticks to another one.
    """
    with st.expander("Plot options", expanded=False):
        c1, c2, c3 = st.columns(3)
        show_legend = c1.checkbox("Show legend", value=legend, key=f"{page}.{name}.legend")
        position = c1.selectbox("Legend position", LEGEND_POSITIONS, index=1, key=f"{page}.{name}.legend_pos")
        plot_title = _label_input(c2, "Title", f"{page}.{name}.title", title)
        font = c2.number_input("Font size", min_value=4, max_value=48, value=14, step=1, key=f"{page}.{name}.font")
        x = _label_input(c3, "X axis label", f"{page}.{name}.x", x_title)
        y = _label_input(c3, "Y axis label", f"{page}.{name}.y", y_title)
    return {"show_legend": show_legend, "legend_position": position, "title": plot_title, "font_size": int(font),
            "x_title": x, "y_title": y}


# --------------------------------------------------------------------------------------------------------------------
# Figures, downloads and click-through
# --------------------------------------------------------------------------------------------------------------------
def show_chart(fig: go.Figure, key: str, filename: str, *, selectable: bool = True,
               width: str = "stretch") -> list[tuple[str, str]]:
    """Draw ``fig`` in the paper theme (:func:`~auditapp.app.plots.style.paper_theme`: dark axes, text >= 12 px,
    dark = high colour scales, legends outside faceted plots) with the SVG camera download named ``filename``;
    return the selected ``(set, ID)``."""
    paper_theme(fig)
    if not selectable:
        st.plotly_chart(fig, key=key, theme="streamlit", config=svg_config(filename), width=width)
        return []
    event = st.plotly_chart(fig, key=key, theme="streamlit", on_select="rerun", selection_mode="points",
                            config=svg_config(filename))
    return selected_subjects(event)


def outlier_table(rows: pd.DataFrame, names: dict[str, str], page: str, *, group: str = "set",
                  group_label: str = "Dataset") -> None:
    """"Outlier subjects": an "Extreme outliers only (3 × IQR)" checkbox and the outliers of ``rows`` per ``group``
    (:func:`auditapp.analysis.iqr_outlier_table` of the columns of ``names``, which maps each to its display name),
    each with a link to its Subjects page."""
    st.subheader("Outlier subjects")
    k = 3.0 if st.checkbox("Extreme outliers only (3 × IQR)", value=False, key=f"{page}.outliers.extreme") else 1.5
    table = analysis.iqr_outlier_table(rows, list(names), group=group, k=k)
    if table.empty:
        st.caption(f"No subject outside the {k:g} × IQR fences.")
        return
    shown = pd.DataFrame({
        group_label: table["group"].astype(str), "Subject": table["ID"],
        "Feature / metric": table["column"].map(lambda c: names.get(c, c)), "Value": table["value"],
        "Median": table["median"], "Q1": table["q1"], "Q3": table["q3"],
        "Fence": table["upper"].where(table["side"] == "high", table["lower"]), "Side": table["side"],
        "Subjects page": [f"subjects?{urlencode({'set': s, 'id': i})}" for s, i in zip(table["set"], table["ID"])],
    })
    st.dataframe(shown, hide_index=True, width="stretch", key=f"{page}.outliers.table", column_config={
        "Subjects page": st.column_config.LinkColumn("Subjects page", display_text="Open in Subjects"),
        **number_formats("%.4g", "Value", "Median", "Q1", "Q3", "Fence")})
    st.caption(f"{len(shown)} outlier value(s) of {shown['Subject'].nunique()} subject(s): outside "
               f"[Q1 − {k:g}·IQR, Q3 + {k:g}·IQR] of their {group_label.lower()}, the points beyond the box "
               "whiskers.")


def number_formats(fmt: str, *columns: str) -> dict:
    """``column_config`` of ``st.dataframe`` showing ``columns`` as numbers in the printf format ``fmt``."""
    return {c: st.column_config.NumberColumn(format=fmt) for c in columns}


def csv_download(df: pd.DataFrame, file_name: str, key: str, *, label: str = "Download data (CSV)") -> None:
    """``st.download_button`` with the CSV of ``df`` (no index), built only when the button is clicked."""

    def build() -> bytes:  # callable data: Streamlit (1.67) runs it only on click, in its own thread
        return df.to_csv(index=False).encode("utf-8")

    st.download_button(label, build, file_name=file_name, mime="text/csv", key=key)


def open_in_itksnap(cfg: AppConfig, set_name: str, subject: str, models: Sequence[str] = (), *,
                    force: bool = False) -> bool:
    """Launch ITK-SNAP for one subject; show a toast, or the reason it could not start (never a traceback)."""
    try:
        result = itksnap.launch(cfg, set_name, subject, tuple(models), force=force)
    except itksnap.ViewerNotFound:
        st.warning(itksnap.NOT_FOUND_MESSAGE)
        try:
            files = itksnap.subject_files(cfg, set_name, subject, tuple(models))
        except itksnap.ViewerError as exc:
            st.info(esc(exc))
        else:
            st.markdown("Files to open by hand:\n" + "\n".join(f"- {esc(p)}" for p in files.all_files()))
        return False
    except itksnap.ViewerError as exc:
        st.warning(esc(exc))
        return False
    if result.launched:
        st.toast(f"Opened {esc(subject)} in ITK-SNAP")
    return True


def show_subject(set_name: str, subject: str, **params: str) -> None:
    """Switch to the Subjects exploration page on ``?set=<set>&id=<ID>`` (plus ``params``)."""
    st.switch_page(str(VIEWS / "subjects.py"), query_params={"set": set_name, "id": subject, **params})


def subject_viewer(cfg: AppConfig, subjects: list[tuple[str, str]], page: str, *, models: Sequence[str] = (),
                   explore: bool = True) -> None:
    """Click-through for the selected subjects: a new single selection opens ITK-SNAP at once; buttons "Open again",
    "View slices here" (the in-browser slice viewer) and "Show in Subjects exploration" (one row per subject when
    several are selected)."""
    if not subjects:
        return
    state_key = f"{page}.viewer.last"
    is_new = st.session_state.get(state_key) != subjects
    st.session_state[state_key] = subjects
    if len(subjects) == 1 and is_new:
        open_in_itksnap(cfg, *subjects[0], models=models)
    for i, (set_name, subject) in enumerate(subjects[:20]):
        c1, c2, c3, c4 = st.columns([2, 1, 1, 1])
        c1.markdown(f"**{esc(subject)}** ({esc(set_name)})")
        label = "Open again" if len(subjects) == 1 else "Open in ITK-SNAP"
        if c2.button(label, key=f"{page}.viewer.open.{i}"):
            open_in_itksnap(cfg, set_name, subject, models=models, force=True)
        if explore and c3.button("View slices here", key=f"{page}.viewer.slices.{i}",
                                 help="The in-browser slice viewer (Subjects exploration page)."):
            show_subject(set_name, subject, view="slices", **({"model": models[0]} if models else {}))
        if explore and c4.button("Show in Subjects exploration", key=f"{page}.viewer.explore.{i}"):
            show_subject(set_name, subject)
    if len(subjects) > 20:
        st.caption(f"{len(subjects) - 20} more selected subjects not listed.")
