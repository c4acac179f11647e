"""Validate a resolved config mapping into its dataclass (:mod:`auditapp.config.model`) with pydantic.

First the reference's spellings are folded into ours (:data:`ALIASES`), ignored keys warn, ``null``
means "absent" and unknown keys warn with a "did you mean"; then pydantic checks every field and
collects every problem, each one line ``error: <file>: <dotted key>: <problem>; <expected>``.
"""

import dataclasses
import re
import typing
from functools import cache
from pathlib import Path
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import TypeAdapter, ValidationError

from auditapp.config._checks import NIFTI_FORMATS, describe, suggest
from auditapp.config.model import AppConfig, FeatureExtractionConfig, MetricExtractionConfig
from auditapp.errors import ConfigError

__all__ = ["validate"]

KINDS = {"feature": FeatureExtractionConfig, "metric": MetricExtractionConfig, "app": AppConfig}
#: Keys of the reference accepted and ignored, per kind: key -> (must be a mapping, why).
IGNORED = {"reader_options": (True, "NIfTI files are read without reader options"),
           "preprocessing": (True, "preprocessing is a no-op for MRI"),
           "calculate_stats": (False, "it only applied to the pymia back end")}
IGNORED_BY_KIND = {"feature": ("reader_options", "preprocessing"), "metric": ("reader_options", "calculate_stats"),
                   "app": ("reader_options",)}
_FORMATS = tuple(f"formats.{kind}" for kind in ("image", "segmentation", "prediction"))
#: The reference's spellings, per kind ("all": every kind): its key -> the key(s) of ours it stands for.
ALIASES = {"metric": {"package": ("backend",)}, "feature": {"texture.crop_padding": ("texture_crop_padding",)},
           "all": {"image_format": _FORMATS[:1], "segmentation_format": _FORMATS[1:2],
                   "prediction_format": _FORMATS[2:], "format": _FORMATS}}
VARIABLES = {"app": {"features_path", "metrics_path"}}  # keys that are only interpolation variables


def _same(a: Any, b: Any) -> bool:
    """Two values of one setting mean the same (case-insensitive; ``nifti`` is ``.nii.gz``)."""
    def norm(v: Any) -> Any:
        return NIFTI_FORMATS.get(v.strip().lower(), v.strip().lower()) if isinstance(v, str) else v
    return norm(a) == norm(b)


def _show(value: Any) -> str:
    return f"'{value}'" if isinstance(value, str) else str(value)


def _fold(kind: str, data: dict, context: dict) -> None:
    """Ignored keys warn; the reference's spellings move to ours (a different value in both is a problem)."""
    early = context["early"]
    for key in IGNORED_BY_KIND[kind]:
        must_map, why = IGNORED[key]
        value = data.pop(key, None)
        if must_map and value is not None and not isinstance(value, dict):
            early.append((key, f"got {describe(value)}", "expected a mapping (it is ignored anyway)"))
        elif value or (not must_map and key in context["raw"]):
            context["warnings"].append(f"{context['source']}: {key}: ignored: {why} in this version")
    aliases = {**ALIASES.get(kind, {}), **ALIASES["all"]}
    for parent in {old.rpartition(".")[0] for old in aliases} - {""}:  # texture: {crop_padding: 1}
        holder, leaves = data.pop(parent, None), [old[len(parent) + 1:] for old in aliases if old.startswith(parent)]
        if holder is not None and not isinstance(holder, dict):
            early.append((parent, f"got {describe(holder)}", f"expected a mapping {{{', '.join(leaves)}}}"))
        elif holder is not None:
            _warn_unknown(context, holder, leaves, parent)
            data.update({f"{parent}.{k}": v for k, v in holder.items() if k in leaves})
    for old, news in aliases.items():
        value = data.pop(old, None)
        for new in news if value is not None else ():
            section, _, key = new.rpartition(".")
            if isinstance(data.get(section), str):  # formats: .nii.gz
                data[section] = dict.fromkeys(("image", "segmentation", "prediction"), data[section])
            elif section and data.get(section) is None:
                data[section] = {}
            target = data[section] if section else data
            given = target.get(key) if isinstance(target, dict) else None
            if given is not None and not _same(given, value):
                early.append((old, f"{_show(value)} conflicts with {new}: {_show(given)} (the same setting)",
                              "expected only one of them, or the same value"))
            elif given is None and isinstance(target, dict):
                target[key], context["rename"][tuple(new.split("."))] = value, tuple(old.split("."))


def _warn_unknown(context: dict, mapping: dict, known: list, parent: str) -> None:
    """Warn about each key of ``mapping`` not in ``known``, with a "did you mean"."""
    for k in [k for k in mapping if k not in known]:
        context["unknown"].setdefault(parent, []).append(str(k))
        hint = suggest(k, known)
        tail = (f"did you mean '{hint}'?" if hint else "not a key of this kind of config (docs/config.md lists them)"
                if len(known) > 8 else "known keys here: " + ", ".join(known))
        context["warnings"].append(f"{context['source']}: {parent + '.' if parent else ''}{k}: unknown key '{k}', "
                                   f"ignored; {tail}")


def _unwrap(tp: Any) -> tuple[Any, str]:
    """``tp`` without Annotated/Optional, and the ``expected`` text it carries, if any."""
    note = ""
    while get_origin(tp) in (Annotated, Union):
        args = get_args(tp)
        if get_origin(tp) is Union:
            tp = next(a for a in args if a is not type(None))
            continue
        note = next((a.description for a in reversed(args[1:]) if getattr(a, "description", None)), note)
        tp = args[0]
    return tp, note


def _fields(tp: Any) -> dict[str, Any]:
    """The YAML keys of a dataclass and their types (not the fields the loader sets, such as ``source``)."""
    hints = typing.get_type_hints(tp, include_extras=True)
    return {f.name: hints[f.name] for f in dataclasses.fields(tp) if not any(
        getattr(a, "json_schema_extra", None) == {"internal": True} for a in get_args(hints[f.name]))}


def _walk(tp: Any, data: Any, key: str, context: dict, variables: set[str] = frozenset()) -> Any:
    """``data`` without ``null`` values of optional keys and without unknown keys (warned about)."""
    tp = _unwrap(tp)[0]
    if dataclasses.is_dataclass(tp) and isinstance(data, dict):
        known = _fields(tp)
        _warn_unknown(context, {k: v for k, v in data.items() if k not in variables}, list(known), key)
        return {k: _walk(known[k], v, f"{key}.{k}" if key else k, context)
                for k, v in data.items() if k in known and v is not None}
    args = get_args(tp)
    if get_origin(tp) is dict and isinstance(data, dict):
        optional = type(None) in get_args(args[1])
        return {k: _walk(args[1], v, f"{key}.{k}", context) for k, v in data.items() if v is not None or not optional}
    if get_origin(tp) is tuple and isinstance(data, list):
        return [_walk(args[0], v, f"{key}[{i}]", context) for i, v in enumerate(data)]
    return _walk(args[0], data, key, context) if get_origin(tp) is tuple and isinstance(data, dict) else data


def _expected_at(tp: Any, loc: tuple) -> str:
    """The ``expected`` text of the key at ``loc``: the nearest description of its type or of a parent."""
    expected, loc = "", [p for i, p in enumerate(loc) if loc[i + 1:i + 2] != ("[key]",)]  # a key: its type
    for part in (*loc, None):
        tp, note = _unwrap(tp)
        expected = note or expected
        if dataclasses.is_dataclass(tp):
            tp = typing.get_type_hints(tp, include_extras=True).get(part)
        elif get_origin(tp) in (dict, tuple):
            tp = get_args(tp)[0 if part == "[key]" or get_origin(tp) is tuple else 1]
    return expected


def _dotted(loc: tuple) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc).lstrip(".")


def _messages(errors: list[dict], cls: type, context: dict) -> tuple[list[str], list[str]]:
    """Problems (``error: <file>: <key>: <problem>; <expected>``, in the order of the file's keys) and warnings."""
    lines, soft = list(context["early"]), []
    for e in errors:
        raw, loc = e["loc"], tuple(p for p in e["loc"] if p != "[key]")
        for old, new in context["rename"].items():
            loc = new + loc[len(old):] if loc[:len(old)] == old else loc
        value = e.get("input")
        if e["type"] in ("config", "config_warning"):
            items = [((_dotted(loc) + sub).lstrip("."), p, x) for sub, p, x in e["ctx"]["items"]]
            (soft if e["type"] == "config_warning" else lines).extend(items)
        elif e["type"] == "missing":
            typo = suggest(loc[-1], context["unknown"].get(_dotted(loc[:-1]), []))
            lines.append((_dotted(loc), "missing required key", _expected_at(cls, raw)
                          + (f" (found the unknown key '{typo}': a typo?)" if typo else "")))
        elif e["type"] == "too_short" and isinstance(value, (list, dict)):
            lines.append((_dotted(loc), f"empty {'list' if isinstance(value, list) else 'mapping'}",
                          _expected_at(cls, raw)))
        else:
            lines.append((_dotted(loc), f"got {describe(value)}", _expected_at(cls, raw)))
    order = {k: i for i, k in enumerate(context["raw"])}

    def near(a: str, b: str) -> bool:  # the same key, or one inside the other
        return a == b or b.startswith((a + ".", a + "[")) or a.startswith((b + ".", b + "["))

    lines = sorted(dict.fromkeys(lines), key=lambda line: order.get(re.split(r"[.\[]", line[0])[0], len(order)))
    # keys whose interpolation failed were reported by the loader: no second problem there or around them
    return ([f"error: {context['source']}: {k}: {p}; {x}" for k, p, x in lines
             if not any(near(k, b) for b in context["bad"])], [f"{context['source']}: {k}: {p}; {x}" for k, p, x in soft])


@cache
def _adapter(cls: type) -> TypeAdapter:
    return TypeAdapter(cls)


def _validated(cls: type, data: dict, context: dict) -> tuple[Any, list[dict]]:
    """The config, or None, and pydantic's errors; missing inputs alone (warnings): validated again, accepted."""
    try:
        return _adapter(cls).validate_python(data, context=context), []
    except ValidationError as exc:
        errors = exc.errors()
    if context["lenient"] or any(e["type"] != "config_warning" for e in errors):
        return None, errors
    context["lenient"] = True
    config, again = _validated(cls, data, context)
    return config, errors + again


def _resolved(data: Any, paths: dict) -> Any:
    """The resolved mapping with every path value made absolute (for the run log)."""
    if isinstance(data, dict):
        return {k: _resolved(v, paths) for k, v in data.items()}
    if isinstance(data, list):
        return [_resolved(v, paths) for v in data]
    return str(paths[data]) if isinstance(data, str) and data in paths else data


def _error_matrices(config: AppConfig) -> dict[str, Path]:
    """``error_matrices``, plus each ``error_matrix_<x>.csv`` next to a metrics ``extracted_information_<x>.csv``."""
    found = dict(config.error_matrices)
    for name, csv in config.metrics.items():
        match = re.fullmatch(r"extracted_information_(.+)\.csv", csv.name)
        matrix = csv.with_name(f"error_matrix_{match.group(1)}.csv") if match else None
        if name not in found and matrix is not None and matrix.is_file():
            found[name] = matrix
    return found


def validate(kind: str, data: dict, context: dict, variables: set[str]) -> Any:
    """Validate the resolved mapping of a ``kind`` ("feature", "metric", "app") config into its dataclass.

    ``context`` holds ``source`` (the path as given), ``dir`` (the config folder), ``cwd``,
    ``bad`` (keys whose interpolation failed) and their ``problems``; it receives ``warnings``
    and ``infos``. Raises :class:`ConfigError` listing every problem.
    """
    cls = KINDS[kind]
    context.update(raw=data, paths={}, unknown={}, rename={}, early=[], lenient=False)
    folded = dict(data)
    _fold(kind, folded, context)
    folded = _walk(cls, folded, "", context, variables | VARIABLES.get(kind, set()))
    config, errors = _validated(cls, folded, context)
    problems, soft = _messages(errors, cls, context)
    if context["problems"] or problems:
        raise ConfigError(context["problems"] + problems)
    config = dataclasses.replace(config, source=Path(context["source"]).absolute(),
                                 resolved=_resolved(data, context["paths"]))
    if kind != "app":
        context["warnings"] += soft
        return config
    return dataclasses.replace(config, error_matrices=_error_matrices(config), warnings=tuple(soft),
                               predictions={k: v for k, v in config.predictions.items() if v})
