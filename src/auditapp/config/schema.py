"""Validate a resolved config mapping against its dataclass (:mod:`auditapp.config.model`) with pydantic.

Before validation, the reference's aliases are folded in (``package`` -> ``backend``,
``texture: {crop_padding}``, ``image_format``/``segmentation_format``/``prediction_format``/
``format``), ignored keys warn, ``null`` means "absent" and unknown keys warn with a "did you
mean". Pydantic then checks every field and collects every problem; each becomes a line
``error: <file>: <dotted key>: <problem>; <expected>``, in the order of the keys in the file.
"""

import dataclasses
import re
import typing
from functools import cache
from pathlib import Path
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import TypeAdapter, ValidationError

from auditapp.config import _types as t
from auditapp.config.model import AppConfig, FeatureExtractionConfig, MetricExtractionConfig
from auditapp.errors import ConfigError

__all__ = ["validate"]

KINDS = {"feature": FeatureExtractionConfig, "metric": MetricExtractionConfig, "app": AppConfig}
#: Reference keys accepted and ignored (config.md §1.3): key -> (must be a mapping, reason).
IGNORED = {"reader_options": (True, "NIfTI files are read without reader options"),
           "preprocessing": (True, "preprocessing is a no-op for MRI"),
           "calculate_stats": (False, "it only applied to the pymia back end")}
IGNORED_BY_KIND = {"feature": ("reader_options", "preprocessing"), "metric": ("reader_options", "calculate_stats"),
                   "app": ("reader_options",)}
VARIABLES = {"app": {"features_path", "metrics_path"}}  # keys that are only interpolation variables
LEGACY_FORMATS = {"image_format": ("image",), "segmentation_format": ("segmentation",),
                  "prediction_format": ("prediction",), "format": ("image", "segmentation", "prediction")}


def _problem(context: dict, key: str, problem: str, expected: str) -> None:
    context["early"].append((key, problem, expected))


def _fold_aliases(kind: str, data: dict, context: dict) -> None:
    """The reference's keys -> ours; a conflict between two spellings of one setting is a problem."""
    rename = context["rename"]
    for key in IGNORED_BY_KIND[kind]:
        must_map, reason = IGNORED[key]
        value = data.pop(key, None)
        if must_map and value is not None and not isinstance(value, dict):
            _problem(context, key, f"got {t.describe(value)}", "expected a mapping (it is ignored anyway)")
        elif value or (not must_map and key in context["raw"]):
            context["warnings"].append(f"{context['source']}: {key}: ignored: {reason} in this version")
    package, backend = data.pop("package", None) if kind == "metric" else None, data.get("backend")
    if None not in (package, backend) and str(backend).strip().lower() != str(package).strip().lower():
        _problem(context, "package", f"'{package}' conflicts with backend: '{backend}' (package is an alias of "
                                     "backend)", "expected only one of them, or the same value")
    elif package is not None:
        data["backend"], rename[("backend",)] = package, ("package",)
    texture = data.pop("texture", None) if kind == "feature" else None
    if isinstance(texture, dict):
        t.warn_unknown(context, texture, ["crop_padding"], "texture")
        padding, given = texture.get("crop_padding"), data.get("texture_crop_padding")
        if None not in (padding, given) and padding != given:
            _problem(context, "texture.crop_padding", f"{padding} conflicts with texture_crop_padding: {given} (the "
                                                      "same setting)", "expected only one of them, or the same value")
        elif padding is not None and given is None:
            data["texture_crop_padding"], rename[("texture_crop_padding",)] = padding, ("texture", "crop_padding")
    elif texture is not None:
        _problem(context, "texture", f"got {t.describe(texture)}", "expected a mapping {crop_padding: 0 or 1}")
    _fold_formats(data, context)


def _fold_formats(data: dict, context: dict) -> None:
    """``image_format`` & co. fill the kinds ``formats`` leaves open; a different value is a conflict."""
    legacy = {key: data.pop(key) for key in LEGACY_FORMATS if data.get(key) is not None}
    if not legacy:
        return
    given = data.get("formats")
    formats = dict.fromkeys(("image", "segmentation", "prediction"), given) if isinstance(given, str) else \
        dict(given) if isinstance(given, dict) else {}
    origin = {kind: "formats" if isinstance(given, str) else f"formats.{kind}" for kind in formats}
    for key, value in legacy.items():
        for kind in LEGACY_FORMATS[key]:
            ours = t.NIFTI_FORMATS.get(str(formats.get(kind)).strip().lower())
            if kind in formats and ours is not None and ours != t.NIFTI_FORMATS.get(str(value).strip().lower()):
                _problem(context, key, f"conflicts with {origin[kind]}",
                         "expected the same format in both keys, or only one of them")
            elif kind not in formats:
                formats[kind], origin[kind], context["rename"][("formats", kind)] = value, key, (key,)
    data["formats"] = formats


def _hints(tp: Any) -> dict[str, Any]:
    return typing.get_type_hints(tp, include_extras=True)


def _unwrap(tp: Any) -> tuple[Any, str]:
    """``tp`` without Annotated/Optional, and the ``expected`` text it carries, if any."""
    note = ""
    while get_origin(tp) in (Annotated, Union):
        args = get_args(tp)
        if get_origin(tp) is Union:
            tp = next(a for a in args if a is not type(None))
            continue
        note = next((a.description for a in args[1:] if getattr(a, "description", None)), note)
        tp = args[0]
    return tp, note


def _known(tp: Any) -> list[str]:
    """The YAML keys of a dataclass: its fields but those the loader sets (``source``, ...)."""
    return [f.name for f in dataclasses.fields(tp)
            if not any(getattr(a, "json_schema_extra", None) == {"internal": True} for a in get_args(_hints(tp)[f.name]))]


def _walk(tp: Any, data: Any, key: str, context: dict, variables: set[str] = frozenset()) -> Any:
    """Drop ``null`` values and unknown keys (warned) of every mapping the schema describes."""
    tp, _ = _unwrap(tp)
    if dataclasses.is_dataclass(tp) and isinstance(data, dict):
        known = _known(tp)
        t.warn_unknown(context, {k: v for k, v in data.items() if k not in variables}, known, key)
        return {k: _walk(_hints(tp)[k], v, f"{key}.{k}" if key else k, context)
                for k, v in data.items() if k in known and v is not None}
    if get_origin(tp) is dict and isinstance(data, dict):
        return {k: _walk(get_args(tp)[1], v, f"{key}.{k}", context) for k, v in data.items()}
    if get_origin(tp) is tuple and isinstance(data, list):
        return [_walk(get_args(tp)[0], v, f"{key}[{i}]", context) for i, v in enumerate(data)]
    if get_origin(tp) is tuple and isinstance(data, dict):
        return _walk(get_args(tp)[0], data, key, context)
    return data


def _expected_at(tp: Any, loc: tuple) -> str:
    """The ``expected`` text of the key at ``loc``: the nearest field description or note."""
    expected = ""
    for part in loc:
        tp, note = _unwrap(tp)
        expected = note or expected
        if dataclasses.is_dataclass(tp):
            tp = _hints(tp).get(part)
        elif get_origin(tp) in (dict, tuple):
            tp = get_args(tp)[-1 if get_origin(tp) is dict else 0]
    return _unwrap(tp)[1] or expected


def _dotted(loc: tuple) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc).lstrip(".")


def _lines(exc: ValidationError | None, cls: type, context: dict) -> list[str]:
    """Every problem as ``error: <file>: <key>: <problem>; <expected>``, in the order of the file's keys."""
    lines = list(context["early"])
    for e in exc.errors() if exc else ():
        loc = e["loc"]
        for old, new in context["rename"].items():
            loc = new + loc[len(old):] if loc[:len(old)] == old else loc
        if e["type"] == "config":
            lines += [((_dotted(loc) + sub).lstrip("."), problem, expected)
                      for sub, problem, expected in e["ctx"]["items"]]
        elif e["type"] == "missing":
            typo = t.suggest(str(loc[-1]), context["unknown"].get(_dotted(loc[:-1]), []))
            lines.append((_dotted(loc), "missing required key", _expected_at(cls, e["loc"])
                          + (f" (found the unknown key '{typo}': a typo?)" if typo else "")))
        else:
            lines.append((_dotted(loc), f"got {t.describe(e['input'])}", _expected_at(cls, e["loc"])))
    order = {k: i for i, k in enumerate(context["raw"])}

    def near(a: str, b: str) -> bool:  # the same key, or one inside the other
        return a == b or b.startswith((a + ".", a + "[")) or a.startswith((b + ".", b + "["))

    lines = sorted(dict.fromkeys(lines), key=lambda line: order.get(re.split(r"[.\[]", line[0])[0], len(order)))
    # keys whose interpolation failed were reported by the loader: no second problem there or around them
    return [f"error: {context['source']}: {k}: {p}; {x}" for k, p, x in lines
            if not any(near(k, b) for b in context["bad"])]


@cache
def _adapter(cls: type) -> TypeAdapter:
    return TypeAdapter(cls)


def _app_files(config: AppConfig, context: dict) -> AppConfig:
    """Missing inputs of app.yaml are warnings (config.md §4); ``error_matrix_<x>.csv`` found next to metrics."""
    raw_of, problems = {p: raw for raw, p in context["paths"].items()}, []

    def check(key: str, path: Path, kind: str) -> None:
        if problem := t.missing_path(context, raw_of[path], path, kind):
            problems.append(f"{context['source']}: {key}: {'; '.join(problem)}")

    kept = {k: {n: p for n, p in getattr(config, k).items() if p is not None}
            for k in ("features", "metrics", "raw_datasets", "error_matrices")}
    predictions = {ds: {m: p for m, p in models.items() if p is not None}
                   for ds, models in config.predictions.items() if models}
    paths = [(f"{k}.{n}", p, "dir" if k == "raw_datasets" else "file") for k, files in kept.items()
             for n, p in files.items()]
    paths += [(f"predictions.{ds}.{m}", p, "dir") for ds, models in predictions.items() for m, p in models.items()]
    paths += [("datasets_path", config.datasets_path, "dir")] if config.datasets_path is not None else []
    single = ("metadata", 0) in context["rename"]
    paths += [("metadata.file" if single else f"metadata[{i}].file", m.file, "file")
              for i, m in enumerate(config.metadata)]
    for key, path, kind in paths:
        check(key, path, kind)
    for name, csv in kept["metrics"].items():
        found = re.fullmatch(r"extracted_information_(.+)\.csv", csv.name)
        matrix = csv.with_name(f"error_matrix_{found.group(1)}.csv") if found else None
        if name not in kept["error_matrices"] and matrix is not None and matrix.is_file():
            kept["error_matrices"][name] = matrix
    return dataclasses.replace(config, **kept, predictions={k: v for k, v in predictions.items() if v},
                               warnings=tuple(problems))


def _resolved(data: dict, paths: dict) -> dict:
    """The resolved mapping with every path value made absolute (for the run log)."""
    if isinstance(data, dict):
        return {k: _resolved(v, paths) for k, v in data.items()}
    if isinstance(data, list):
        return [_resolved(v, paths) for v in data]
    return str(paths[data]) if isinstance(data, str) and data in paths else data


def validate(kind: str, data: dict, context: dict, variables: set[str]) -> Any:
    """Validate the resolved mapping of a ``kind`` ("feature", "metric", "app") config into its dataclass.

    ``context`` holds ``source`` (the path as given), ``dir`` (the config folder), ``cwd``,
    ``bad`` (keys whose interpolation failed) and their ``problems``; it receives ``warnings``
    and ``infos``. Raises :class:`ConfigError` listing every problem.
    """
    cls = KINDS[kind]
    context.update(raw=data, paths={}, unknown={}, rename={}, early=[])
    folded = dict(data)
    _fold_aliases(kind, folded, context)
    folded = _walk(cls, folded, "", context, variables | VARIABLES.get(kind, set()))
    try:
        config, error = _adapter(cls).validate_python(folded, context=context), None
    except ValidationError as exc:
        config, error = None, exc
    problems = context["problems"] + (_lines(error, cls, context) if error or context["early"] else [])
    if problems:
        raise ConfigError(problems)
    config = dataclasses.replace(config, source=Path(context["source"]).absolute(),
                                 resolved=_resolved(data, context["paths"]))
    return _app_files(config, context) if kind == "app" else config
