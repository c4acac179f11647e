"""Pure Plotly figure builders of the dashboard, one module per chart type (DataFrames in, ``go.Figure`` out;
they never import Streamlit nor compute a statistic).

* :mod:`~auditapp.app.plots.style`: palette, SVG names, "Plot options", margins, facet grids, subject customdata.
* :mod:`~auditapp.app.plots.distribution`: box / violin + points, histogram, density, model boxes.
* :mod:`~auditapp.app.plots.scatter`: feature vs feature, metric vs feature.
* :mod:`~auditapp.app.plots.bars`: improvement bars.
* :mod:`~auditapp.app.plots.heatmap`: error / confusion matrix, Nemenyi p-values.
* :mod:`~auditapp.app.plots.lines`: critical-difference diagram, longitudinal sizes.
"""

from auditapp.app.plots.bars import improvement_bars
from auditapp.app.plots.distribution import (
    PLOT_TYPES,
    density_figure,
    histogram_figure,
    model_boxes,
    univariate_figure,
)
from auditapp.app.plots.heatmap import error_matrix_figure, nemenyi_heatmap
from auditapp.app.plots.lines import critical_difference_figure, longitudinal_figure
from auditapp.app.plots.scatter import metric_scatter, scatter_figure
from auditapp.app.plots.style import (
    FAVOURABLE,
    HIGHLIGHT,
    PASTEL,
    SCATTERGL_ABOVE,
    SVG_NAMES,
    UNFAVOURABLE,
    apply_options,
    color_map,
    fixed_margins,
    jitter,
    svg_config,
)

__all__ = [
    "FAVOURABLE",
    "HIGHLIGHT",
    "PASTEL",
    "PLOT_TYPES",
    "SCATTERGL_ABOVE",
    "SVG_NAMES",
    "UNFAVOURABLE",
    "apply_options",
    "color_map",
    "critical_difference_figure",
    "density_figure",
    "error_matrix_figure",
    "fixed_margins",
    "histogram_figure",
    "improvement_bars",
    "jitter",
    "longitudinal_figure",
    "metric_scatter",
    "model_boxes",
    "nemenyi_heatmap",
    "scatter_figure",
    "svg_config",
    "univariate_figure",
]
