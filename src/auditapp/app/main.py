"""Streamlit entry point of the AUDIT dashboard: page config, shared sidebar, navigation over the pages.

Run through ``auditapp run-app --config app.yaml`` (see :mod:`auditapp.app.launch`), which passes the config path
after ``--``. Each page is a file in ``views/`` with its own URL; a reload stays on the page.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from auditapp import __version__
from auditapp.app import data
from auditapp.app.views._common import esc, guard

VIEWS = Path(__file__).resolve().parent / "views"

#: (file, title, url path, icon) in the reference's order.
PAGES = (
    ("home.py", "Home", "home", ":material/home:"),
    ("univariate.py", "Univariate analysis", "univariate", ":material/bar_chart:"),
    ("multivariate.py", "Multivariate analysis", "multivariate", ":material/scatter_plot:"),
    ("error_matrix.py", "Segmentation error matrix", "error_matrix", ":material/grid_on:"),
    ("single_model.py", "Single model performance", "single_model", ":material/show_chart:"),
    ("pairwise.py", "Pairwise model performance", "pairwise", ":material/compare_arrows:"),
    ("multi_model.py", "Multi-model performance", "multi_model", ":material/leaderboard:"),
    ("cross_site.py", "Cross-site performance", "cross_site", ":material/public:"),
    ("lesion_detection.py", "Lesion detection", "lesion_detection", ":material/target:"),
    ("longitudinal.py", "Longitudinal analysis", "longitudinal", ":material/timeline:"),
    ("subjects.py", "Subjects exploration", "subjects", ":material/person_search:"),
    ("gallery.py", "Worst cases gallery", "gallery", ":material/photo_library:"),
)


def _pages() -> list:
    return [
        st.Page(VIEWS / file, title=title, url_path=url, icon=icon, default=(i == 0))
        for i, (file, title, url, icon) in enumerate(PAGES)
    ]


def _sidebar_config() -> bool:
    """Load the config into the cache and describe it in the sidebar; False (with a message) when unusable."""
    try:
        cfg = data.get_config()
    except FileNotFoundError as exc:
        st.error(esc(exc))
        return False
    except Exception as exc:  # ConfigError: one problem per line
        problems = getattr(exc, "problems", None) or [str(exc)]
        st.error("The app config is not valid:\n\n" + "\n".join(f"- {esc(p)}" for p in problems))
        return False
    if cfg is None:
        st.info("No config given. Start the dashboard with `auditapp run-app --config app.yaml`.")
        return False
    with st.sidebar:
        src = cfg.source or data.config_path()
        st.caption(f"AUDIT {__version__} · config: {esc(src.name) if src else 'in memory'}")
    return True


def main() -> None:
    st.set_page_config(page_title="AUDIT", page_icon=":material/neurology:", layout="wide",
                       initial_sidebar_state="expanded")
    page = st.navigation(_pages(), position="sidebar")
    if not _sidebar_config():
        return
    guard(page.run)


main()
