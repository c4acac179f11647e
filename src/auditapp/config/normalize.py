"""The one normalise step of each config kind: aliases, paths, validation -> typed dataclass.

Each ``normalize_*`` function receives the problem collector and the plain,
interpolation-resolved mapping from :func:`auditapp.config.loader.read_config`,
records every problem and warning in the collector, and returns the frozen
dataclass of :mod:`auditapp.config.model` (or ``None`` when there were problems;
the loader then raises one :class:`~auditapp.errors.ConfigError` listing them).
"""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

from auditapp.config._checks import LEGACY_FORMAT_KEYS, Ctx, describe, suggest
from auditapp.config.model import (
    ALL_METRICS,
    REFERENCE_METRICS,
    AppConfig,
    AppMetadataSource,
    FeatureExtractionConfig,
    FeatureFamilies,
    LongitudinalSpec,
    MetadataSource,
    MetricExtractionConfig,
    ViewerConfig,
    sequence_key,
)

__all__ = [
    "normalize_feature", "normalize_metric", "normalize_app",
    "FEATURE_KEYS", "METRIC_KEYS", "APP_KEYS", "METRIC_ALIASES", "FEATURE_FAMILIES",
]

COMMON_KEYS = ("modality", "formats", *LEGACY_FORMAT_KEYS, "reader_options")
RUN_KEYS = ("cpu_cores", "parallel", "logger")
FEATURE_KEYS = (
    "data_paths", "output_path", "logs_path", "sequences", "labels", "features", "texture_crop_padding",
    "texture", "longitudinal", "metadata", "preprocessing", *RUN_KEYS, *COMMON_KEYS,
)
METRIC_KEYS = (
    "data_path", "model_predictions_paths", "output_path", "filename", "logs_path", "labels", "backend",
    "package", "metrics", "nsd_tolerance", "save_error_matrix", "calculate_stats", *RUN_KEYS, *COMMON_KEYS,
)
APP_KEYS = (
    "features", "metrics", "raw_datasets", "predictions", "error_matrices", "datasets_path", "features_path",
    "metrics_path", "labels", "sequences", "metadata_cols", "metadata", "label_colors", "viewer", *COMMON_KEYS,
)
FEATURE_FAMILIES = ("statistical", "texture", "spatial", "tumor")
#: Short metric names of the reference (legacy, accepted) -> canonical name.
METRIC_ALIASES = {
    "jacc": "jaccard", "accu": "accuracy", "prec": "precision", "sens": "sensitivity",
    "spec": "specificity", "haus": "hausdorff_distance", "size": "predicted_size",
}
#: Names of other back ends that users may carry over, -> our closest metric.
_FOREIGN_METRICS = {"dsc": "dice", "hd": "hd95", "hd_perc": "hd95", "hd95_distance": "hd95"}
METADATA_EXTENSIONS = (".csv", ".tsv", ".xlsx", ".xls")
_OUT_OF_SCOPE_BACKENDS = ("pymia", "metricsreloaded")


def _resolved_dict(data: dict, ctx: Ctx) -> dict:
    """The resolved mapping with every path key replaced by its absolute path (for the run log)."""
    out = copy.deepcopy(data)
    for key, value in ctx.resolved_paths.items():
        parts = re.findall(r"[^.\[\]]+|\[\d+\]", key)
        node: Any = out
        try:
            for part in parts[:-1]:
                node = node[int(part[1:-1])] if part.startswith("[") else node[part]
            last = parts[-1]
            if last.startswith("["):
                node[int(last[1:-1])] = value
            else:
                node[last] = value
        except (KeyError, IndexError, TypeError, AttributeError):
            continue
    return out


def _require(ctx: Ctx, data: dict, key: str, expected: str, known: tuple[str, ...]) -> Any:
    value = data.get(key)
    if value is None:
        ctx.missing(key, expected, data, known)
    return value


def _sequences(ctx: Ctx, value: Any) -> tuple[str, ...] | None:
    expected = "expected a non-empty list of file-name suffixes such as [_t1, _t2, _t1ce, _flair]"
    seqs = ctx.str_list("sequences", value, expected)
    if seqs is None:
        return None
    if not seqs:
        ctx.error("sequences", "empty list", expected)
        return None
    ok = True
    seen: dict[str, int] = {}
    keys: dict[str, str] = {}
    for i, s in enumerate(seqs):
        if s in seen:
            ctx.error(f"sequences[{i}]", f"'{s}' is listed twice", "expected each sequence once")
            ok = False
            continue
        seen[s] = i
        k = sequence_key(s)
        if k == "":
            ctx.error(f"sequences[{i}]", f"'{s}' has no characters besides '_'", "expected a suffix such as '_t1'")
            ok = False
            continue
        if k in keys:
            ctx.error(f"sequences[{i}]", f"'{s}' and '{keys[k]}' give the same column key '{k}'",
                      "expected sequences whose names differ once '_' is removed")
            ok = False
            continue
        keys[k] = s
        if not s.startswith("_"):
            ctx.warn(f"sequences[{i}]", f"'{s}' has no leading '_': files are looked up as <ID>{s}.nii.gz")
    return seqs if ok else None


def _run_keys(ctx: Ctx, data: dict) -> dict[str, Any]:
    return {
        "cpu_cores": ctx.cpu_cores(data.get("cpu_cores")),
        "parallel": ctx.parallel(data.get("parallel")),
        "logger": ctx.logger(data.get("logger")),
    }


def _named_dirs(ctx: Ctx, key: str, value: Any, what: str, expected: str,
                required: bool = True) -> dict[str, Path] | None:
    """A mapping name -> existing folder (data_paths, model_predictions_paths)."""
    mapping = ctx.mapping(key, value, expected)
    if mapping is None:
        return None
    if not mapping:
        if not ctx.is_bad(key) and required:
            ctx.error(key, "empty mapping", expected)
        return None if required else {}
    out: dict[str, Path] = {}
    for name, raw in mapping.items():
        k = f"{key}.{name}"
        ok_name = ctx.name(k, name, what)
        path = ctx.path(k, raw, kind="dir")
        if ok_name is not None and path is not None:
            out[ok_name] = path
    return out


# ---------------------------------------------------------------------------- feature_extraction.yaml
def normalize_feature(ctx: Ctx, data: dict, variables: set[str]) -> FeatureExtractionConfig | None:
    """Normalise and validate a feature-extraction mapping (config.md §2)."""
    ctx.unknown_keys(data, FEATURE_KEYS, variables=variables)
    ctx.ignored(data, ("reader_options", "preprocessing"))
    modality = ctx.modality(data.get("modality"))

    dp_expected = "expected a mapping of dataset name -> folder of subjects"
    raw_dp = _require(ctx, data, "data_paths", dp_expected, FEATURE_KEYS)
    data_paths = _named_dirs(ctx, "data_paths", raw_dp, "dataset name", dp_expected) if raw_dp is not None else None

    out_raw = _require(ctx, data, "output_path", "expected the folder where the CSV files are written", FEATURE_KEYS)
    output_path = ctx.path("output_path", out_raw) if out_raw is not None else None
    logs_path = ctx.path("logs_path", data["logs_path"]) if data.get("logs_path") is not None else None

    seq_raw = _require(ctx, data, "sequences",
                       "expected a non-empty list of file-name suffixes such as [_t1, _t2, _t1ce, _flair]",
                       FEATURE_KEYS)
    sequences = _sequences(ctx, seq_raw) if seq_raw is not None else None

    lab_raw = _require(ctx, data, "labels", "expected a mapping of label name -> value, e.g. {BKG: 0, ET: 3}",
                       FEATURE_KEYS)
    labels = ctx.labels("labels", lab_raw) if lab_raw is not None else None

    families = FeatureFamilies()
    fam_raw = data.get("features")
    fam = ctx.mapping("features", fam_raw, "expected a mapping of family -> true/false "
                                           "(statistical, texture, spatial, tumor)")
    if fam:
        ctx.unknown_keys(fam, FEATURE_FAMILIES, prefix="features.")
        flags = {f: ctx.boolean(f"features.{f}", fam[f], default=False) if f in fam else False
                 for f in FEATURE_FAMILIES}
        families = FeatureFamilies(**{f: bool(v) for f, v in flags.items()})

    padding = 0
    pad_key = None
    if data.get("texture_crop_padding") is not None:
        p = ctx.integer("texture_crop_padding", data["texture_crop_padding"], minimum=0,
                        expected="expected an integer >= 0 (0 = reference 0.2.0, 1 = published CSVs)")
        if p is not None:
            padding, pad_key = p, "texture_crop_padding"
    tex = ctx.mapping("texture", data.get("texture"), "expected a mapping {crop_padding: 0 or 1}")
    if tex:
        ctx.unknown_keys(tex, ("crop_padding",), prefix="texture.")
        if tex.get("crop_padding") is not None:
            p = ctx.integer("texture.crop_padding", tex["crop_padding"], minimum=0,
                            expected="expected an integer >= 0 (0 = reference 0.2.0, 1 = published CSVs)")
            if p is not None:
                if pad_key is not None and p != padding:
                    ctx.error("texture.crop_padding",
                              f"{p} conflicts with texture_crop_padding: {padding} (the same setting)",
                              "expected only one of them, or the same value")
                else:
                    padding = p

    formats = ctx.formats(data)
    dataset_names = {str(k) for k in raw_dp} if isinstance(raw_dp, dict) else set()

    longitudinal: dict[str, LongitudinalSpec] = {}
    lon = ctx.mapping("longitudinal", data.get("longitudinal"),
                      "expected a mapping of dataset name -> {pattern, longitudinal_id, time_point}")
    for ds, entry in (lon or {}).items():
        k = f"longitudinal.{ds}"
        if dataset_names and ds not in dataset_names:
            ctx.warn(k, f"'{ds}' is not a dataset of data_paths; ignored"
                     + (f" (did you mean '{suggest(ds, dataset_names)}'?)" if suggest(ds, dataset_names) else ""))
            continue
        spec = _longitudinal_entry(ctx, k, entry)
        if spec is not None:
            longitudinal[ds] = spec

    metadata: dict[str, tuple[MetadataSource, ...]] = {}
    meta = ctx.mapping("metadata", data.get("metadata"),
                       "expected a mapping of dataset name -> {name: file path or {path, id_column, sheet}}")
    for ds, entries in (meta or {}).items():
        k = f"metadata.{ds}"
        if dataset_names and ds not in dataset_names:
            hint = suggest(ds, dataset_names)
            ctx.warn(k, f"'{ds}' is not a dataset of data_paths; ignored"
                     + (f" (did you mean '{hint}'?)" if hint else ""))
            continue
        sources = _metadata_entries(ctx, k, entries)
        if sources:
            metadata[ds] = sources

    run = _run_keys(ctx, data)
    if ctx.problems:
        return None
    assert data_paths is not None and output_path is not None and sequences is not None and labels is not None
    return FeatureExtractionConfig(
        data_paths=data_paths,
        output_path=output_path,
        logs_path=logs_path if logs_path is not None else output_path / "logs",
        sequences=sequences,
        labels=labels,
        features=families,
        texture_crop_padding=padding,
        formats=formats,
        longitudinal=longitudinal,
        metadata=metadata,
        modality=modality,
        source=Path(ctx.source).absolute(),
        resolved=_resolved_dict(data, ctx),
        **run,
    )


def _longitudinal_entry(ctx: Ctx, key: str, entry: Any) -> LongitudinalSpec | None:
    fields = ("pattern", "longitudinal_id", "time_point")
    none_msg = "no longitudinal split for this dataset (longitudinal_id empty, time_point 0)"
    if entry is None or entry == {}:
        ctx.warn(key, f"empty entry; {none_msg}")
        return None
    if not isinstance(entry, dict):
        ctx.error(key, f"got {describe(entry)}", "expected a mapping {pattern: '_', longitudinal_id: 1, time_point: 2}")
        return None
    ctx.unknown_keys(entry, fields, prefix=f"{key}.")
    absent = [f for f in fields if entry.get(f) is None]
    if absent:
        ctx.warn(key, f"missing {', '.join(absent)}; {none_msg}")
        return None
    pattern = entry["pattern"]
    if not isinstance(pattern, str) or pattern == "":
        ctx.error(f"{key}.pattern", f"got {describe(pattern) if pattern != '' else 'an empty string'}",
                  "expected the separator text (one character is literal, longer is a regular expression)")
        pattern = None
    else:
        try:
            if len(pattern) > 1:
                re.compile(pattern)
        except re.error as exc:
            ctx.error(f"{key}.pattern", f"'{pattern}' is not a valid regular expression ({exc})",
                      "expected a separator (one character) or a valid regular expression")
            pattern = None
    lid = ctx.integer(f"{key}.longitudinal_id", entry["longitudinal_id"], minimum=0,
                      expected="expected the 0-based index of the piece holding the patient ID (integer >= 0)")
    tp = ctx.integer(f"{key}.time_point", entry["time_point"], minimum=0,
                     expected="expected the 0-based index of the piece holding the time point (integer >= 0)")
    if pattern is None or lid is None or tp is None:
        return None
    return LongitudinalSpec(pattern=pattern, longitudinal_id=lid, time_point=tp)


def _metadata_entries(ctx: Ctx, key: str, entries: Any) -> tuple[MetadataSource, ...]:
    expected = "expected a mapping of metadata name -> file path or {path, id_column, sheet}"
    mapping = ctx.mapping(key, entries, expected)
    out: list[MetadataSource] = []
    for name, entry in (mapping or {}).items():
        k = f"{key}.{name}"
        id_column, sheet = "ID", 0
        if isinstance(entry, dict):
            ctx.unknown_keys(entry, ("path", "id_column", "sheet"), prefix=f"{k}.")
            raw_path = entry.get("path")
            if raw_path is None:
                ctx.missing(f"{k}.path", "expected the metadata file (.csv, .tsv, .xlsx, .xls)")
                continue
            if entry.get("id_column") is not None:
                id_column = ctx.string(f"{k}.id_column", entry["id_column"], "expected a column name") or "ID"
            if entry.get("sheet") is not None:
                sheet = _sheet(ctx, f"{k}.sheet", entry["sheet"])
            pkey = f"{k}.path"
        else:
            raw_path, pkey = entry, k
        if not isinstance(raw_path, str):
            ctx.error(pkey, f"got {describe(raw_path)}", "expected the path of a .csv, .tsv, .xlsx or .xls file")
            continue
        resolved = ctx.resolve_path(raw_path)
        if not resolved.name.lower().endswith(METADATA_EXTENSIONS):
            ctx.error(pkey, f"'{resolved.name}' is not a .csv, .tsv, .xlsx or .xls file",
                      "expected a metadata file with one of those extensions")
            continue
        path = ctx.path(pkey, raw_path, kind="file", missing="warn")
        if path is None or not path.is_file():
            continue  # warned: skipped, as the reference
        out.append(MetadataSource(name=str(name), path=path, id_column=id_column, sheet=sheet))
    return tuple(out)


def _sheet(ctx: Ctx, key: str, value: Any) -> int | str:
    if isinstance(value, str) and value:
        return value
    v = ctx.integer(key, value, minimum=0, expected="expected a sheet name or a 0-based sheet index")
    return 0 if v is None else v


# ---------------------------------------------------------------------------- metric_extraction.yaml
def normalize_metric(ctx: Ctx, data: dict, variables: set[str]) -> MetricExtractionConfig | None:
    """Normalise and validate a metric-extraction mapping (config.md §3)."""
    ctx.unknown_keys(data, METRIC_KEYS, variables=variables)
    ctx.ignored(data, ("reader_options", "calculate_stats"))
    modality = ctx.modality(data.get("modality"))

    dp_raw = _require(ctx, data, "data_path", "expected the folder of ground-truth subjects", METRIC_KEYS)
    data_path = ctx.path("data_path", dp_raw, kind="dir") if dp_raw is not None else None

    mp_expected = "expected a mapping of model name -> folder of predictions"
    mp_raw = _require(ctx, data, "model_predictions_paths", mp_expected, METRIC_KEYS)
    models = _named_dirs(ctx, "model_predictions_paths", mp_raw, "model name", mp_expected) \
        if mp_raw is not None else None

    out_raw = _require(ctx, data, "output_path", "expected the folder where the CSV files are written", METRIC_KEYS)
    output_path = ctx.path("output_path", out_raw) if out_raw is not None else None
    fn_raw = _require(ctx, data, "filename", "expected a name: the output is extracted_information_<filename>.csv",
                      METRIC_KEYS)
    filename = ctx.name("filename", fn_raw, "name for extracted_information_<filename>.csv") \
        if fn_raw is not None else None
    logs_path = ctx.path("logs_path", data["logs_path"]) if data.get("logs_path") is not None else None

    lab_raw = _require(ctx, data, "labels", "expected a mapping of label name -> value, e.g. {BKG: 0, ET: 3}",
                       METRIC_KEYS)
    labels = ctx.labels("labels", lab_raw) if lab_raw is not None else None
    if labels is not None and all(lab.is_background for lab in labels):
        ctx.error("labels", "only the background (value 0) is configured",
                  "expected at least one non-zero label: each one is a metric region")

    backend = _backend(ctx, data)
    metrics = _metrics(ctx, data.get("metrics"))

    nsd_tolerance = 1.0
    if data.get("nsd_tolerance") is not None:
        t = ctx.number("nsd_tolerance", data["nsd_tolerance"], positive=True,
                       expected="expected a number > 0 (millimetres)")
        nsd_tolerance = t if t is not None else 1.0
    save = ctx.boolean("save_error_matrix", data.get("save_error_matrix"), default=True)

    formats = ctx.formats(data)
    run = _run_keys(ctx, data)
    if ctx.problems:
        return None
    assert data_path is not None and models and output_path is not None and filename and labels is not None
    return MetricExtractionConfig(
        data_path=data_path,
        model_predictions_paths=models,
        output_path=output_path,
        filename=filename,
        logs_path=logs_path if logs_path is not None else output_path / "logs",
        labels=labels,
        metrics=metrics,
        nsd_tolerance=nsd_tolerance,
        save_error_matrix=bool(save),
        formats=formats,
        backend=backend,
        modality=modality,
        source=Path(ctx.source).absolute(),
        resolved=_resolved_dict(data, ctx),
        **run,
    )


def _backend(ctx: Ctx, data: dict) -> str:
    for key in ("backend", "package"):
        value = data.get(key)
        if value is None:
            continue
        if not isinstance(value, str):
            ctx.error(key, f"got {describe(value)}", "expected audit")
            continue
        name = value.strip().lower()
        if name in _OUT_OF_SCOPE_BACKENDS:
            ctx.error(key, f"back end '{value}' is not supported in this version",
                      "expected audit; the audit back end provides hd95, assd, nsd, volume_similarity and gt_size")
            continue
        if name != "audit":
            hint = suggest(name, ("audit",))
            ctx.error(key, f"unknown back end '{value}'",
                      "expected audit" + (f" (did you mean '{hint}'?)" if hint else ""))
            continue
    if "backend" in data and "package" in data and data.get("backend") is not None \
            and data.get("package") is not None:
        b, p = str(data["backend"]).strip().lower(), str(data["package"]).strip().lower()
        if b != p:
            ctx.error("package", f"'{data['package']}' conflicts with backend: '{data['backend']}' "
                                 "(package is an alias of backend)", "expected only one of them, or the same value")
    return "audit"


def _metrics(ctx: Ctx, value: Any) -> tuple[str, ...]:
    expected = "expected a mapping of metric name -> true/false"
    if value is None:
        return REFERENCE_METRICS
    if not isinstance(value, dict):
        ctx.error("metrics", f"got {describe(value)}", expected)
        return REFERENCE_METRICS
    chosen: dict[str, str] = {}  # canonical -> name as written
    enabled: list[str] = []
    aliases_used: list[str] = []
    names = sorted(ALL_METRICS)
    for name, flag in value.items():
        key = f"metrics.{name}"
        lowered = str(name).strip().lower()
        canonical = lowered if lowered in ALL_METRICS else METRIC_ALIASES.get(lowered)
        if canonical is None:
            hint = _FOREIGN_METRICS.get(lowered) or suggest(lowered, [*ALL_METRICS, *METRIC_ALIASES])
            hint = METRIC_ALIASES.get(hint, hint) if hint else None
            ctx.error(key, f"unknown metric '{name}'", "expected one of " + ", ".join(names)
                      + (f" (did you mean '{hint}'?)" if hint else ""))
            continue
        if canonical in chosen:
            ctx.error(key, f"'{name}' and '{chosen[canonical]}' both name the metric '{canonical}'",
                      "expected each metric once")
            continue
        chosen[canonical] = str(name)
        if lowered != canonical:
            aliases_used.append(f"{name} -> {canonical}")
        on = ctx.boolean(key, flag)
        if on:
            enabled.append(canonical)
    if aliases_used:
        ctx.infos.append("short metric names mapped: " + ", ".join(aliases_used))
    if not enabled and len(chosen) == len(value):
        ctx.warn("metrics", "every metric is false: the CSV will have only ID, region and model")
    return tuple(enabled)


# ---------------------------------------------------------------------------- app.yaml
def normalize_app(ctx: Ctx, data: dict, variables: set[str]) -> AppConfig | None:
    """Normalise and validate an app mapping (config.md §4); missing files only warn."""
    ctx.unknown_keys(data, APP_KEYS, variables=variables)
    ctx.ignored(data, ("reader_options",))
    modality = ctx.modality(data.get("modality"))
    app_warnings: list[str] = []

    def files(key: str, kind: str, what: str) -> dict[str, Path]:
        mapping = ctx.mapping(key, data.get(key), f"expected a mapping of dataset name -> {what}")
        out: dict[str, Path] = {}
        for name, raw in (mapping or {}).items():
            if raw is None:
                continue
            p = ctx.path(f"{key}.{name}", raw, kind=kind, missing="app", app_warnings=app_warnings)
            if p is not None:
                out[str(name)] = p
        return out

    features = files("features", "file", "feature CSV (extracted_information_<dataset>.csv)")
    metrics = files("metrics", "file", "metric CSV (extracted_information_<filename>.csv)")
    raw_datasets = files("raw_datasets", "dir", "folder of subjects")
    error_matrices = files("error_matrices", "file", "error-matrix CSV")
    for name, mpath in metrics.items():
        if name in error_matrices:
            continue
        m = re.fullmatch(r"extracted_information_(.+)\.csv", mpath.name)
        if m:
            candidate = mpath.with_name(f"error_matrix_{m.group(1)}.csv")
            if candidate.is_file():
                error_matrices[name] = candidate

    predictions: dict[str, dict[str, Path]] = {}
    preds = ctx.mapping("predictions", data.get("predictions"),
                        "expected a mapping of dataset name -> {model name -> folder of predictions}")
    for ds, models in (preds or {}).items():
        k = f"predictions.{ds}"
        mm = ctx.mapping(k, models, "expected a mapping of model name -> folder of predictions")
        entry: dict[str, Path] = {}
        for model, raw in (mm or {}).items():
            if raw is None:
                continue
            p = ctx.path(f"{k}.{model}", raw, kind="dir", missing="app", app_warnings=app_warnings)
            if p is not None:
                entry[str(model)] = p
        if entry:
            predictions[str(ds)] = entry

    datasets_path = None
    if data.get("datasets_path") is not None:
        datasets_path = ctx.path("datasets_path", data["datasets_path"], kind="dir", missing="app",
                                 app_warnings=app_warnings)

    labels = ctx.labels("labels", data["labels"]) if data.get("labels") is not None else None
    sequences = _sequences(ctx, data["sequences"]) if data.get("sequences") is not None else None

    metadata_cols: tuple[str, ...] = ()
    if data.get("metadata_cols") is not None:
        metadata_cols = ctx.str_list("metadata_cols", data["metadata_cols"],
                                     "expected a list of column names of the feature CSVs") or ()

    metadata = _app_metadata(ctx, data.get("metadata"), app_warnings)
    label_colors = _label_colors(ctx, data.get("label_colors"), labels)
    viewer = _viewer(ctx, data.get("viewer"))
    formats = ctx.formats(data)
    if ctx.problems:
        return None
    return AppConfig(
        features=features,
        metrics=metrics,
        raw_datasets=raw_datasets,
        predictions=predictions,
        error_matrices=error_matrices,
        datasets_path=datasets_path,
        labels=labels,
        sequences=sequences,
        metadata_cols=metadata_cols,
        metadata=metadata,
        label_colors=label_colors,
        viewer=viewer,
        formats=formats,
        modality=modality,
        source=Path(ctx.source).absolute(),
        warnings=tuple(app_warnings),
        resolved=_resolved_dict(data, ctx),
    )


def _app_metadata(ctx: Ctx, value: Any, app_warnings: list[str]) -> tuple[AppMetadataSource, ...]:
    if value is None:
        return ()
    known = ("file", "sheet", "id_column", "id_rewrite", "columns")
    if isinstance(value, dict):
        items, keys = [value], ["metadata"]
    elif isinstance(value, list):
        items, keys = value, [f"metadata[{i}]" for i in range(len(value))]
    else:
        ctx.error("metadata", f"got {describe(value)}",
                  "expected a mapping {file, id_column, sheet, id_rewrite, columns} or a list of them")
        return ()
    out: list[AppMetadataSource] = []
    for key, item in zip(keys, items):
        if not isinstance(item, dict):
            ctx.error(key, f"got {describe(item)}", "expected a mapping {file, id_column, sheet, id_rewrite, columns}")
            continue
        ctx.unknown_keys(item, known, prefix=f"{key}.")
        if item.get("file") is None:
            ctx.missing(f"{key}.file", "expected the metadata spreadsheet (.csv, .tsv, .xlsx, .xls)", item, known)
            continue
        if isinstance(item["file"], str) and not item["file"].lower().endswith(METADATA_EXTENSIONS):
            ctx.error(f"{key}.file", f"'{item['file']}' is not a .csv, .tsv, .xlsx or .xls file",
                      "expected a metadata file with one of those extensions")
            continue
        path = ctx.path(f"{key}.file", item["file"], kind="file", missing="app", app_warnings=app_warnings)
        sheet = _sheet(ctx, f"{key}.sheet", item["sheet"]) if item.get("sheet") is not None else 0
        id_column = "ID"
        if item.get("id_column") is not None:
            id_column = ctx.string(f"{key}.id_column", item["id_column"], "expected a column name") or "ID"
        rewrite: list[tuple[str, str]] = []
        rw = item.get("id_rewrite")
        if rw is not None:
            if not isinstance(rw, list):
                ctx.error(f"{key}.id_rewrite", f"got {describe(rw)}",
                          "expected a list of [old, new] pairs, e.g. [[\"BraTS-GLI\", \"{Site}\"]]")
            else:
                for i, pair in enumerate(rw):
                    if (isinstance(pair, list) and len(pair) == 2
                            and all(isinstance(x, str) for x in pair) and pair[0] != ""):
                        rewrite.append((pair[0], pair[1]))
                    else:
                        ctx.error(f"{key}.id_rewrite[{i}]", f"got {describe(pair)}",
                                  "expected a pair [old, new] of texts (old not empty)")
        columns = None
        if item.get("columns") is not None:
            cols = item["columns"]
            if isinstance(cols, list):
                columns = tuple(str(c) for c in cols if c is not None)
                if any(not isinstance(c, (str, int, float)) or isinstance(c, bool) for c in cols):
                    ctx.error(f"{key}.columns", f"got {describe(cols)}", "expected a list of column names")
            else:
                ctx.error(f"{key}.columns", f"got {describe(cols)}", "expected a list of column names")
        if path is not None:
            out.append(AppMetadataSource(file=path, sheet=sheet, id_column=id_column,
                                         id_rewrite=tuple(rewrite), columns=columns))
    return tuple(out)


def _label_colors(ctx: Ctx, value: Any, labels: tuple | None) -> dict[str, tuple[int, int, int]]:
    expected = "expected a mapping of label name -> '#rrggbb' or [r, g, b] (0-255)"
    mapping = ctx.mapping("label_colors", value, expected)
    out: dict[str, tuple[int, int, int]] = {}
    names = [lab.name for lab in labels] if labels else []
    for name, colour in (mapping or {}).items():
        key = f"label_colors.{name}"
        rgb: tuple[int, int, int] | None = None
        if isinstance(colour, str) and re.fullmatch(r"#[0-9a-fA-F]{6}", colour.strip()):
            c = colour.strip()
            rgb = (int(c[1:3], 16), int(c[3:5], 16), int(c[5:7], 16))
        elif (isinstance(colour, list) and len(colour) == 3
              and all(isinstance(x, int) and not isinstance(x, bool) and 0 <= x <= 255 for x in colour)):
            rgb = (colour[0], colour[1], colour[2])
        if rgb is None:
            ctx.error(key, f"got {describe(colour)}", "expected '#rrggbb' or [r, g, b] with values 0-255")
            continue
        if names and str(name) not in names:
            hint = suggest(str(name), names)
            ctx.warn(key, f"'{name}' is not a configured label; ignored"
                     + (f" (did you mean '{hint}'?)" if hint else ""))
            continue
        out[str(name)] = rgb
    return out


def _viewer(ctx: Ctx, value: Any) -> ViewerConfig:
    mapping = ctx.mapping("viewer", value, "expected a mapping {itksnap, main_sequence, prediction_layer}")
    if not mapping:
        return ViewerConfig()
    ctx.unknown_keys(mapping, ("itksnap", "main_sequence", "prediction_layer"), prefix="viewer.")
    default = ViewerConfig()
    itksnap = default.itksnap
    if mapping.get("itksnap") is not None:
        cmd = ctx.string("viewer.itksnap", mapping["itksnap"], "expected the itksnap command or its path")
        if cmd is not None:
            # a value with a folder part is a path (resolved like every path); a bare name is a command on PATH
            itksnap = str(ctx.resolve_path(cmd)) if ("/" in cmd or "\\" in cmd or cmd.startswith("~")) else cmd
    main = default.main_sequence
    if mapping.get("main_sequence") is not None:
        main = ctx.string("viewer.main_sequence", mapping["main_sequence"],
                          "expected a sequence suffix such as _t1ce") or main
    layer = default.prediction_layer
    if mapping.get("prediction_layer") is not None:
        v = mapping["prediction_layer"]
        if isinstance(v, str) and v.strip().lower() in ("overlay", "segmentation"):
            layer = v.strip().lower()
        else:
            ctx.error("viewer.prediction_layer", f"got {describe(v)}", "expected overlay or segmentation")
    return ViewerConfig(itksnap=itksnap, main_sequence=main, prediction_layer=layer)
