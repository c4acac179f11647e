"""Pairwise model performance: does the benchmark improve on the baseline? (docs/dashboard_models.md)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from auditapp import analysis
from auditapp.analysis import histogram_bins
from auditapp.app import data, plots
from auditapp.app.plots.style import format_number, format_p
from auditapp.app.views import _common as ui

PAGE = "pairwise"
KINDS = {"Relative": "relative", "Absolute": "absolute", "Ratio": "ratio"}
AXIS = {"relative": "Relative change (%)", "absolute": "Absolute change", "ratio": "Ratio"}
RULES = {"Paired differences (recommended)": "paired-differences", "AUDIT reference rule": "reference"}
METHODS = {"change of the means (reference)": "of-means", "mean of per-subject changes": "of-changes"}


def _favourable(values: np.ndarray, kind: str, metric: str) -> list[bool]:
    """Green when the change goes the metric's way (by sign for metrics without direction)."""
    direction = analysis.metric_direction(metric) or 1
    change = values - 1.0 if kind == "ratio" else values
    return [bool(np.isfinite(c) and c * direction >= 0) for c in change]


def _better(metric: str) -> str:
    """"higher" / "lower" is better, from the metric catalogue; "" for metrics without a direction."""
    return {1: "higher", -1: "lower"}.get(analysis.metric_direction(metric), "")


def _side(result) -> float:
    """Sign the test speaks for: the rank-biserial r for Wilcoxon (rank-based), the mean difference for t."""
    effect = getattr(result, "effect_size", float("nan"))
    return float(effect) if np.isfinite(effect) and effect != 0 else float(result.mean_difference)


def direction_sentence(result, baseline: str, benchmark: str, scope: str, metric: str, name: str) -> str:
    """The test's conclusion in words naming the models, e.g. "BraTS25_3B is significantly lower than BraTS25_1
    on ET (Dice; higher is better: worse)". ``result`` is a :class:`~auditapp.analysis.PairedTestResult` or a row of
    :func:`~auditapp.analysis.paired_tests` (then ``reject`` is read from ``reject_holm`` when present)."""
    reject = bool(getattr(result, "reject_holm", result.reject))
    if not reject:
        return f"No significant difference between {benchmark} and {baseline} on {scope} ({name})."
    side = _side(result)
    word = "higher" if side > 0 else "lower"
    tends = "tends to be " if str(result.test).startswith("Wilcoxon") else "is "
    better = _better(metric)
    verdict = "" if not better else f"; {better} is better: {'better' if word == better else 'worse'}"
    return f"{benchmark} {tends}significantly {word} than {baseline} on {scope} ({name}{verdict})."


def _fmt(value, spec: str = ".4f") -> str:
    try:
        value = float(value)
    except (TypeError, ValueError):
        return str(value)
    return "–" if not np.isfinite(value) else format(value, spec)


def _formulas() -> None:
    st.markdown(
        "* Absolute = M<sub>bench</sub> − M<sub>base</sub>\n"
        "* Relative = 100 · (M<sub>bench</sub> − M<sub>base</sub>) / M<sub>base</sub>\n"
        "* Ratio = M<sub>bench</sub> / M<sub>base</sub>\n\n"
        "Aggregated: per region the mean over subjects of each model, then the change of the means; "
        "the Average row is the plain mean of the region means.",
        unsafe_allow_html=True,
    )


def body() -> None:
    page = ui.page_tables("Pairwise model performance", "metrics")
    if page is None:
        return
    cfg, tables = page
    dataset, set_rows, models = ui.dataset_with_models(cfg, tables, PAGE)
    if len(models) < 2:
        st.info(f"{ui.esc(dataset)} has {len(models)} model ({ui.esc(', '.join(models))}); the pairwise comparison needs at least "
                "two models in the same metrics CSV.")
        return
    baseline = ui.select_one("Baseline model", models, PAGE, "baseline", shared="model")
    others = [m for m in models if m != baseline]
    benchmark = ui.select_one("Benchmark model", others, PAGE, "benchmark",
                              default=models[1] if models[1] != baseline else others[0])
    metric_cols = data.metric_columns(set_rows, tables.meta_columns)
    if not metric_cols:
        st.info(f"The metrics CSV of {ui.esc(dataset)} has no numeric metric column.")
        return
    metric = ui.metric_select(metric_cols, PAGE)
    kind = KINDS[st.sidebar.radio("Comparison", list(KINDS), key=f"{PAGE}.comparison")]
    aggregated = st.sidebar.toggle("Aggregated", value=True, key=f"{PAGE}.aggregated")
    if st.sidebar.toggle("Show formulas", value=False, key=f"{PAGE}.formulas"):
        with st.sidebar:
            _formulas()

    rows = set_rows[set_rows["model"].isin([baseline, benchmark])]
    sel = data.Selection((dataset,), (baseline, benchmark), None, ui.subset_filter(rows, tables.meta_columns, PAGE))
    rows = data.pair_rows(cfg, sel, metric)
    if rows.empty:
        st.info("No rows left after the subset; choose other values in the sidebar.")
        return
    name = data.metric_name(metric)
    st.caption(ui.esc(f"{dataset}: {baseline} (baseline) → {benchmark} (benchmark), {name}."))
    if aggregated:
        _aggregated(cfg, rows, sel, dataset, metric, name, baseline, benchmark, kind)
    else:
        _per_subject(cfg, sel, dataset, metric, name, baseline, benchmark, kind)


# --------------------------------------------------------------------------- aggregated
def _aggregated(cfg, rows, sel, dataset, metric, name, baseline, benchmark, kind) -> None:
    method = METHODS[st.sidebar.radio(
        "Improvement of", list(METHODS), key=f"{PAGE}.method",
        help="Change of the means (reference): improvements computed from the per-region means of each model. "
             "Mean of per-subject changes: the mean over subjects evaluated by both models of each subject's "
             "change.")]
    table = data.aggregated_improvement(cfg, sel, metric, baseline, benchmark, method)
    ids_b = set(rows.loc[rows["model"] == baseline, "ID"])
    ids_m = set(rows.loc[rows["model"] == benchmark, "ID"])
    if ids_b != ids_m:
        st.caption(f"The two models were evaluated on different subjects ({ui.esc(baseline)}: {len(ids_b)}, {ui.esc(benchmark)}: "
                   f"{len(ids_m)}, both: {len(ids_b & ids_m)}); the means use all rows of each model.")
    shown = table.set_index("region")
    hover = [f"<br>{baseline}: {_fmt(b)}<br>{benchmark}: {_fmt(m)}<br>n: {nb} / {nm}"
             for b, m, nb, nm in zip(shown["baseline_mean"], shown["benchmark_mean"], shown["n_baseline"],
                                     shown["n_benchmark"])]
    options = ui.plot_options(PAGE, f"bars.{dataset}.{metric}.{baseline}.{benchmark}.{kind}",
                              title=f"{name}: {benchmark} vs {baseline} ({dataset})", x_title=AXIS[kind],
                              legend=False)
    fig = plots.improvement_bars(shown, value=kind, favourable=_favourable(shown[kind].to_numpy(float), kind, metric),
                              label=AXIS[kind], percent=kind == "relative", hover_extra=hover, options=options)
    ui.show_chart(fig, f"{PAGE}.bars", plots.SVG_NAMES[PAGE], selectable=False)
    better = _better(metric)
    what = ("change of each model's mean" if method == "of-means" else "mean of the per-subject changes")
    st.caption(f"Bars: {AXIS[kind].lower()} of {ui.esc(name)}, {ui.esc(benchmark)} vs {ui.esc(baseline)} ({what}; Average = mean of the "
               "region means). " + (f"Green = better, orange = worse: {better} {name} is better." if better else
                                    f"{name} has no better direction: green = higher, orange = lower."))
    display = table.rename(columns={
        "region": "Region", "baseline_mean": f"Mean {baseline}", "benchmark_mean": f"Mean {benchmark}",
        "absolute": "Absolute", "relative": "Relative (%)", "ratio": "Ratio", "n_baseline": f"n {baseline}",
        "n_benchmark": f"n {benchmark}", "n_pairs": "n both"})
    st.dataframe(display, hide_index=True, width="stretch",
                 column_config=ui.number_formats("%.4f", *display.columns[1:6]))
    ui.csv_download(table, f"pairwise_{dataset}_{metric}_{baseline}_vs_{benchmark}.csv", f"{PAGE}.download.table",
                    label="Download table (CSV)")
    _statistics(cfg, sel, dataset, metric, name, baseline, benchmark)


def _statistics(cfg, sel, dataset, metric, name, baseline, benchmark) -> None:
    st.subheader("Statistical test")
    if not _sticky(st.checkbox, "Perform statistical test", "test", False):
        return
    rule_names = list(RULES)
    rule = RULES[_sticky(st.radio, "Test", "rule", rule_names[0], options=rule_names, horizontal=True)]
    per_region = _sticky(st.checkbox, "Per region (Holm-adjusted)", "per_region", False)
    samples = data.paired_samples(cfg, sel, metric, baseline, benchmark)
    _one_test(cfg, sel, metric, samples, rule, name, baseline, benchmark,
              title=f"{name}, region mean per subject, {dataset}")
    if per_region:
        _region_tests(cfg, sel, rule, metric, name, baseline, benchmark)
    ui.csv_download(data.region_means(cfg), "raw_data_statistical_test.csv", f"{PAGE}.download.stats",
                    label="Download data used in the statistical tests as CSV")


def _sticky(widget, label: str, name: str, default, *, options=None, **kwargs):
    """A widget whose value survives the per-subject view (Streamlit drops the state of unrendered widgets)."""
    store = f"{PAGE}._kept.{name}"
    key = f"{PAGE}.{name}"
    kept = st.session_state.get(store, default)
    if key not in st.session_state and options is None:  # first draw (again): start from the kept value
        kwargs["value"] = bool(kept)
    elif key not in st.session_state:
        kwargs["index"] = options.index(kept) if kept in options else 0
    value = widget(*((label,) if options is None else (label, options)), key=key, **kwargs)
    st.session_state[store] = value
    return value


def _num(value) -> str:
    """A difference with 4 decimals, more when small (3 significant digits): -0.0043, never -0.00."""
    return format_number(value, signed=True, digits=3, decimals=4)


def _result_rows(result, baseline: str, benchmark: str, title: str) -> pd.DataFrame:
    """Each number of the test with the statistic it is, as a static table (long texts wrap, never cut off)."""
    diff = f"{benchmark} − {baseline}"
    effect = ui.EFFECT_NAMES.get(result.effect_size_name, result.effect_size_name or "effect size")
    what = ("rank-based: positive = " if result.effect_size_name == "rank_biserial" else "mean(d) / sd(d): positive = ")
    rows = [
        ("Test", f"{result.test} on the paired differences d = {diff} ({title})"),
        ("Why this test", str(result.reason)),
        ("Decision", f"{result.decision} (α = {result.alpha:g})"),
        ("p-value", f"{format_p(result.p_value)} ({result.p_value:.4e})"),
        (f"Effect size: {effect}", f"{_fmt(result.effect_size, '.3f')} ({what}{benchmark} larger)"),
        ("Median of d", f"{_num(result.median_difference)} (what Wilcoxon's direction follows most closely)"),
        ("Mean of d", f"{_num(result.mean_difference)} (the Average bar above: change of the means)"),
        ("95 % bootstrap CI of the mean of d", f"[{_num(result.ci_low)}, {_num(result.ci_high)}]"),
        (f"Mean {baseline} / {benchmark}", f"{_fmt(result.mean_baseline)} / {_fmt(result.mean_benchmark)}"),
    ]
    return pd.DataFrame(rows, columns=["Quantity", "Value"]).set_index("Quantity")


def _one_test(cfg, sel: data.Selection, metric: str, samples: pd.DataFrame, rule: str, name: str, baseline: str,
              benchmark: str, *, title: str, scope: str = "the region mean") -> None:
    try:
        result = data.paired_test(cfg, sel, metric, baseline, benchmark, rule)
    except ValueError as exc:  # the reference rule refuses fewer than 5 values per sample
        st.info(f"No test: {ui.esc(exc)}")
        return
    if result.test == "none" or not np.isfinite(result.p_value):
        st.info(ui.esc(f"No test ({result.decision}): {result.interpretation or result.reason}"))
        return
    with st.container(border=True):
        st.markdown(f"**{ui.esc(direction_sentence(result, baseline, benchmark, scope, metric, name))}**")
        c = st.columns(3)
        c[0].metric("n (pairs)", f"{result.n}", help=f"{result.n_dropped} subject(s) without both values dropped")
        c[1].metric("p-value", f"{result.p_value:.4e}")
        c[2].metric(ui.EFFECT_NAMES.get(result.effect_size_name, result.effect_size_name or "Effect size"),
                    _fmt(result.effect_size, ".3f"))
        st.table(_result_rows(result, baseline, benchmark, title))
    fig = _histogram(samples, "difference", f"{benchmark} − {baseline}", 20, f"Paired difference of {name}",
                     title="Paired differences (benchmark − baseline)")
    ui.show_chart(fig, f"{PAGE}.diffs", "paired_differences", selectable=False)
    if rule == "reference":
        _reference_details(result, samples, name, baseline, benchmark)
    elif result.normality:
        norm = result.normality[0]
        st.caption(f"Normality of the differences: {norm.test}, p = {_fmt(norm.p_value, '.3e')} → "
                   f"{'normal' if norm.normal else 'not normal'}.")


def _histogram(samples: pd.DataFrame, column: str, name: str, n_bins: int, x_title: str, *, title: str | None = None,
               colors: dict | None = None):
    """Histogram of one column of the paired samples on ``n_bins`` bins over its range (empty without values)."""
    values = samples[[column]].assign(set=name)
    finite = values[np.isfinite(values[column].to_numpy(dtype=float))]
    bins = histogram_bins(finite[column], n_bins=n_bins) if not finite.empty else (0.0, 1.0, 1.0)
    return plots.histogram_figure(finite, column, bins=bins, pretty=x_title, legend_title="", title=title,
                                  colors=colors, height=300)


def normality_table(result) -> pd.DataFrame:
    """The reference's normality report of one sample as a two-column table."""
    return pd.DataFrame({"": [
        "Test performed", "Sample length", "Alpha", "Statistic", "P-value", "Normally distributed",
        "Null hypothesis interpretation"], "value": [
        result.test, str(result.n), str(result.alpha), f"{result.statistic:.3e}", f"{result.p_value:.3e}",
        str(bool(result.normal)), result.interpretation or result.note]})


def _reference_details(result, samples, name, baseline, benchmark) -> None:
    st.markdown("**Normality of each sample** (AUDIT reference rule)")
    cols = st.columns(2)
    by_sample = {n.sample: n for n in result.normality}
    for col, which, model in zip(cols, ("baseline", "benchmark"), (baseline, benchmark)):
        with col:
            st.caption(ui.esc(f"{model} ({which})"))
            if which in by_sample:
                st.table(normality_table(by_sample[which]).set_index(""))  # static: long texts wrap
            fig = _histogram(samples, which, model, 10, name, colors=plots.color_map([baseline, benchmark], sort=True))
            ui.show_chart(fig, f"{PAGE}.hist.{which}", f"normality_{which}", selectable=False)
    lev = result.levene
    if lev is not None:
        st.caption(f"Levene (median-centred): statistic {_fmt(lev.statistic, '.3e')}, "
                   f"p = {_fmt(lev.p_value, '.4f')} → "
                   f"{'equal variances' if lev.equal_variances else 'different variances'}.")


def _region_tests(cfg, sel, rule, metric, name, baseline, benchmark) -> None:
    try:
        tests = data.paired_tests(cfg, sel, metric, baseline, benchmark, rule)
    except ValueError as exc:
        st.info(f"No per-region tests: {ui.esc(exc)}")
        return
    cols = [c for c in ("region", "n", "test", "p_value", "p_holm", "reject_holm", "effect_size_name",
                        "effect_size", "mean_difference", "ci_low", "ci_high", "decision") if c in tests.columns]
    table = tests[cols].rename(columns={
        "region": "Region", "test": "Test", "p_value": "p", "p_holm": "Holm p", "reject_holm": "Significant (Holm)",
        "effect_size_name": "Effect size", "effect_size": "Effect", "mean_difference": "Mean difference",
        "ci_low": "CI low", "ci_high": "CI high", "decision": "Decision (unadjusted)"})
    if "Effect size" in table:
        table["Effect size"] = table["Effect size"].map(lambda v: ui.EFFECT_NAMES.get(v, v))
    table.insert(1, "Decision (Holm)", [direction_sentence(r, baseline, benchmark, r.region, metric, name)
                                        for r in tests.itertuples()])
    st.markdown(f"**Per region** — {ui.esc(name)}, Holm-adjusted across regions")
    st.dataframe(table, hide_index=True, width="stretch",
                 column_config={**ui.number_formats("%.4e", "p", "Holm p"), **ui.number_formats("%.3f", "Effect"),
                                **ui.number_formats("%.4f", "Mean difference", "CI low", "CI high")})
    ui.csv_download(tests, f"pairwise_tests_per_region_{metric}_{baseline}_vs_{benchmark}.csv",
                    f"{PAGE}.download.regions", label="Download per-region tests (CSV)")


# --------------------------------------------------------------------------- per subject
def _per_subject(cfg, sel, dataset, metric, name, baseline, benchmark, kind) -> None:
    table = data.subject_improvement(cfg, sel, metric, baseline, benchmark)
    if table.empty:
        st.info(f"No subject of {ui.esc(dataset)} has values of {ui.esc(name)}.")
        return
    c1, c2, c3 = st.columns(3)
    top_k = c1.number_input("Maximum subjects to visualize", min_value=1, value=5, step=1, key=f"{PAGE}.top")
    sort_labels = ["subject ID", f"Performance ({baseline})", f"Performance ({benchmark})", "Improvement"]
    sort_by = c2.selectbox("Sorted by", sort_labels, key=f"{PAGE}.sort")
    order = c3.radio("Order", ["Ascending", "Descending"], horizontal=True, key=f"{PAGE}.order")
    averages = table[table["region"] == "Average"].set_index("ID")
    sort_col = {sort_labels[0]: None, sort_labels[1]: "baseline", sort_labels[2]: "benchmark",
                sort_labels[3]: kind}[sort_by]
    ascending = order == "Ascending"
    if sort_col is None:
        ordered = averages.sort_index(ascending=ascending)
    else:
        ordered = averages.sort_values(sort_col, ascending=ascending, na_position="last", kind="stable")
    chosen = list(ordered.index[: int(top_k)])
    shown = table[table["ID"].isin(chosen)]
    vals = shown[kind].to_numpy(dtype=float)
    finite = vals[np.isfinite(vals)]
    lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    clip = st.checkbox("Clip the metric", value=False, key=f"{PAGE}.clip")
    if clip and hi > lo:
        lo, hi = st.slider("Range", lo, hi, (lo, hi), key=f"{PAGE}.clip.range")
        vals = np.clip(vals, lo, hi)
        shown = shown.assign(**{kind: vals})
    pad = 0.15 * (hi - lo if hi > lo else 1.0)
    x_range = (min(lo, 0.0 if kind != "ratio" else lo) - pad, max(hi, 0.0 if kind != "ratio" else hi) + pad)
    feats = _subject_features(cfg, dataset, chosen)
    for subject in chosen:
        part = shown[shown["ID"] == subject].set_index("region")
        avg = averages.loc[subject]
        info = feats.get(subject, {})
        loc = info.get("whole_tumor_location")
        size = info.get("lesion_size_whole")
        title = (f"Subject: {subject} - Lesion location: {_fmt(loc, '.2f')} mm - Lesion size: "
                 f"{_fmt(size, ',.0f')} mm³<br>Average baseline: {_fmt(avg['baseline'], '.3f')} - Average "
                 f"benchmark: {_fmt(avg['benchmark'], '.3f')}")
        fig = plots.improvement_bars(part, value=kind, favourable=_favourable(part[kind].to_numpy(float), kind, metric),
                                  label=AXIS[kind], percent=kind == "relative", x_range=x_range, title=title)
        ui.show_chart(fig, f"{PAGE}.subject.{subject}", plots.SVG_NAMES[PAGE], selectable=False)
        if st.button(f"Open {ui.esc(subject)} in ITK-SNAP with {ui.esc(baseline)} and {ui.esc(benchmark)}",
                     key=f"{PAGE}.itksnap.{subject}"):
            ui.open_in_itksnap(cfg, dataset, subject, models=[baseline, benchmark], force=True)
    ui.csv_download(shown, f"pairwise_subjects_{dataset}_{metric}_{baseline}_vs_{benchmark}.csv",
                    f"{PAGE}.download.subjects", label="Download data (CSV)")


def _subject_features(cfg, dataset: str, subjects: list[str]) -> dict[str, dict]:
    """Lesion location and size of the subjects, joined on (ID, set) (reference: ID only)."""
    if not cfg.features:
        return {}
    feats = data.features(cfg).df
    if feats.empty:
        return {}
    cols = [c for c in ("whole_tumor_location", "lesion_size_whole") if c in feats.columns]
    part = feats[(feats["set"] == dataset) & (feats["ID"].isin(subjects))]
    return {row["ID"]: {c: row[c] for c in cols} for _, row in part.iterrows()}


body()
