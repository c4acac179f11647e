"""Pure Plotly figure builders of the dashboard, one module per chart type (DataFrames in, ``go.Figure`` out;
they never import Streamlit nor compute a statistic).

* :mod:`~auditapp.app.plots.style`: palette, SVG names, "Plot options", margins, facet grids, subject customdata,
  the paper theme every shown figure goes through, p-value / number text.
* :mod:`~auditapp.app.plots.distribution`: box / violin + points, histogram, density.
* :mod:`~auditapp.app.plots.box`: Tukey boxes (1.5 IQR whiskers, outlier points): models, sites.
* :mod:`~auditapp.app.plots.scatter`: feature vs feature, metric vs feature.
* :mod:`~auditapp.app.plots.bars`: improvement bars, lesion detection counts.
* :mod:`~auditapp.app.plots.heatmap`: error / confusion matrix, Nemenyi p-values, medians per site.
* :mod:`~auditapp.app.plots.lines`: critical-difference diagram, longitudinal sizes.
* :mod:`~auditapp.app.plots.images`: slice planes of the viewer and the gallery (PNG / HTML, not Plotly).
"""

from auditapp.app.plots.bars import detection_bars, improvement_bars
from auditapp.app.plots.box import box_traces, model_boxes, site_boxes
from auditapp.app.plots.distribution import PLOT_TYPES, density_figure, histogram_figure, univariate_figure
from auditapp.app.plots.heatmap import error_matrix_figure, nemenyi_heatmap, site_heatmap
from auditapp.app.plots.lines import critical_difference_figure, longitudinal_figure
from auditapp.app.plots.scatter import metric_scatter, scatter_figure
from auditapp.app.plots.style import (FAVOURABLE, HIGHLIGHT, PASTEL, SCATTERGL_ABOVE, SVG_NAMES, UNFAVOURABLE,
                                      apply_options, color_map, fixed_margins, format_number, format_p, jitter,
                                      paper_theme, svg_config)

__all__ = [
    "FAVOURABLE", "HIGHLIGHT", "PASTEL", "PLOT_TYPES", "SCATTERGL_ABOVE", "SVG_NAMES", "UNFAVOURABLE",
    "apply_options", "box_traces", "color_map", "critical_difference_figure", "density_figure", "detection_bars",
    "error_matrix_figure", "fixed_margins", "format_number", "format_p", "histogram_figure", "improvement_bars",
    "jitter", "longitudinal_figure", "metric_scatter", "model_boxes", "nemenyi_heatmap", "paper_theme",
    "scatter_figure", "site_boxes", "site_heatmap", "svg_config", "univariate_figure",
]
