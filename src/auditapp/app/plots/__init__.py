"""Pure Plotly figure builders of the dashboard (DataFrames in, ``go.Figure`` out; never import Streamlit).

* :mod:`auditapp.app.plots.datasets`: univariate (box / violin + points, histogram, density) and multivariate
  scatter of the dataset pages.
* :mod:`auditapp.app.plots.models`: figures of the model-evaluation pages, plus the shared palette helpers
  (:func:`color_map`, :func:`svg_config`, :data:`HIGHLIGHT`).
"""

from auditapp.app.plots.datasets import (
    PLOT_TYPES,
    density_figure,
    histogram_figure,
    jitter,
    scatter_figure,
    univariate_figure,
)
from auditapp.app.plots.models import HIGHLIGHT, PASTEL, SCATTERGL_ABOVE, color_map, svg_config

__all__ = [
    "HIGHLIGHT",
    "PASTEL",
    "PLOT_TYPES",
    "SCATTERGL_ABOVE",
    "color_map",
    "density_figure",
    "histogram_figure",
    "jitter",
    "scatter_figure",
    "svg_config",
    "univariate_figure",
]
