"""Statistical results the pages show, computed by :mod:`auditapp.analysis` and cached on the sources and the
selection (never on a DataFrame argument: the rows are derived inside the cache)."""

from __future__ import annotations

import pandas as pd

from auditapp import analysis
from auditapp.app.data._cache import Selection, Sources, cached
from auditapp.app.data._tables import feature_rows, features, metric_rows, metrics, model_feature_rows

__all__ = [
    "aggregated_improvement",
    "compare_models",
    "density",
    "feature_correlation",
    "longitudinal_summary",
    "model_feature_correlation",
    "pair_rows",
    "paired_samples",
    "paired_test",
    "paired_tests",
    "site_rows",
    "site_summary",
    "site_tests",
    "subject_improvement",
    "univariate_view",
]


# --------------------------------------------------------------------------------------------------------------------
# Dataset pages
# --------------------------------------------------------------------------------------------------------------------
@cached(32)
def univariate_view(src: Sources, sel: Selection, column: str, group: str | None,
                    point_colour: str | None) -> pd.DataFrame:
    """``ID, set, <column>, <group column>[, point_colour]`` of the selected subjects, the value as a number and a
    missing group value as ``"(missing)"``; the group column is ``set`` when ``group`` is None."""
    group_col = group or "set"
    extra = (group_col,) + ((point_colour,) if point_colour else ())
    view = feature_rows(src, sel, (column, *extra)).copy()
    view[column] = pd.to_numeric(view[column], errors="coerce")
    if group is not None:
        view[group_col] = view[group_col].astype(object).where(view[group_col].notna(), "(missing)").astype(str)
    return view


@cached(32)
def density(src: Sources, sel: Selection, column: str, group: str | None, flt: tuple, order: tuple
            ) -> tuple[pd.DataFrame, list]:
    """``analysis.density_curves`` of the univariate values after the filter ``flt = (mode, lo, hi, k)``."""
    mode, lo, hi, k = flt
    view = analysis.filter_feature(univariate_view(src, sel, column, group, None), column, mode, lo=lo, hi=hi, k=k)
    group_col = group or "set"
    plotted = view[view[column].notna()]
    return analysis.density_curves(plotted[[group_col, column]], column, group_col, order=list(order))


@cached(64)
def feature_correlation(src: Sources, sel: Selection, x: str, y: str) -> pd.DataFrame:
    """Spearman rho, p and n of features ``x`` and ``y`` per dataset."""
    view = feature_rows(src, sel, (x, y), numeric=(x, y))
    return analysis.spearman_by_group(view, x, y, ["set"])


# --------------------------------------------------------------------------------------------------------------------
# Model pages
# --------------------------------------------------------------------------------------------------------------------
@cached(64)
def model_feature_correlation(src: Sources, sel: Selection, aggregated: bool, feature: str,
                              metric: str) -> pd.DataFrame:
    """Spearman rho, p and n of a feature and a metric per dataset (and region when not ``aggregated``)."""
    rows = model_feature_rows(src, sel, aggregated, (feature, metric), (feature, metric))
    return analysis.spearman_by_group(rows, feature, metric, ["set"] if aggregated else ["set", "region"])


@cached(64)
def pair_rows(src: Sources, sel: Selection, metric: str) -> pd.DataFrame:
    """``ID, region, model, <metric>`` of the selected dataset and models."""
    return metric_rows(src, sel, (metric,))[["ID", "region", "model", metric]]


@cached(256)
def aggregated_improvement(src: Sources, sel: Selection, metric: str, baseline: str, benchmark: str,
                           method: str = "of-means") -> pd.DataFrame:
    """``analysis.aggregated_improvement`` of the selected rows."""
    return analysis.aggregated_improvement(pair_rows(src, sel, metric), metric, baseline, benchmark, method=method)


@cached(64)
def subject_improvement(src: Sources, sel: Selection, metric: str, baseline: str, benchmark: str) -> pd.DataFrame:
    """``analysis.subject_improvement`` of the selected rows."""
    return analysis.subject_improvement(pair_rows(src, sel, metric), metric, baseline, benchmark)


@cached(256)
def paired_samples(src: Sources, sel: Selection, metric: str, baseline: str, benchmark: str,
                   region: str | None = None) -> pd.DataFrame:
    """``analysis.paired_samples`` (region means per subject, or one region) of the selected rows."""
    return analysis.paired_samples(pair_rows(src, sel, metric), metric, baseline, benchmark, region=region)


@cached(256)
def paired_test(src: Sources, sel: Selection, metric: str, baseline: str, benchmark: str, rule: str,
                alpha: float = 0.05):
    """``analysis.paired_test`` of the region means per subject (10,000 bootstrap resamples, seed 0)."""
    samples = paired_samples(src, sel, metric, baseline, benchmark)
    return analysis.paired_test(samples["baseline"].to_numpy(dtype=float),
                                samples["benchmark"].to_numpy(dtype=float), alpha=alpha, rule=rule)


@cached(128)
def paired_tests(src: Sources, sel: Selection, metric: str, baseline: str, benchmark: str, rule: str
                 ) -> pd.DataFrame:
    """``analysis.paired_tests`` per region with Holm-adjusted p-values."""
    return analysis.paired_tests(pair_rows(src, sel, metric), metric, baseline, benchmark, per_region=True,
                                 rule=rule)


@cached(64)
def compare_models(src: Sources, sel: Selection, metric: str, aggregated: bool):
    """``analysis.compare_models`` of the selected rows (models in ``sel.models``)."""
    rows = metric_rows(src, sel, (metric,))
    return analysis.compare_models(rows, metric, list(sel.models), aggregated=aggregated)


@cached(128)
def longitudinal_summary(src: Sources, dataset: str, model: str, patient: str | None) -> pd.DataFrame:
    """``analysis.longitudinal_summary`` of one patient of ``dataset``."""
    fdf, mdf = features(src).df, metrics(src).df
    return analysis.longitudinal_summary(fdf[fdf["set"] == dataset], mdf[mdf["set"] == dataset], model,
                                         labels=src.labels, patient=patient, dataset=dataset)


# --------------------------------------------------------------------------------------------------------------------
# Cross-site page and outlier tables
# --------------------------------------------------------------------------------------------------------------------
@cached(64)
def site_rows(src: Sources, sel: Selection, metric: str, by_region: bool) -> pd.DataFrame:
    """``ID, region, model, set, <metric>`` of the selected sets and models: per region, or each subject's region
    mean (``region = "ALL"``)."""
    rows = metric_rows(src, sel, (metric,))
    return rows if by_region else analysis.region_mean(rows)


@cached(64)
def site_summary(src: Sources, sel: Selection, metric: str, by_region: bool) -> pd.DataFrame:
    """``analysis.site_summary`` (median, IQR per model x site (x region)) of the selected rows."""
    return analysis.site_summary(metric_rows(src, sel, (metric,)), metric, by_region=by_region)


@cached(64)
def site_tests(src: Sources, sel: Selection, metric: str, by_region: bool) -> pd.DataFrame:
    """``analysis.site_tests`` (Kruskal-Wallis / Friedman across sites, Holm) with the catalogue's direction."""
    return analysis.site_tests(metric_rows(src, sel, (metric,)), metric, by_region=by_region,
                               direction=analysis.metric_direction(metric))
