"""Load the three config files: YAML and interpolation (OmegaConf), then the schema of :mod:`.model` (pydantic).

Every problem is collected and raised as one :class:`ConfigError`, a line ``error: <file>: <key>:
<problem>; <expected>`` each; unknown, ignored or defaulted keys are :class:`ConfigWarning`.
Nothing here creates a folder, prints or exits. The rules: docs/config.md.
"""

from __future__ import annotations

import dataclasses
import re
import typing
import warnings
from functools import cache
from pathlib import Path
from typing import Annotated, Any, Union, get_args, get_origin

import yaml
from loguru import logger
from omegaconf import DictConfig, ListConfig, OmegaConf
from omegaconf.errors import GrammarParseError, InterpolationKeyError, OmegaConfBaseException
from pydantic import TypeAdapter, ValidationError

from auditapp.config._checks import NIFTI_FORMATS, describe, did_you_mean, suggest
from auditapp.config.model import AppConfig, FeatureExtractionConfig, MetricExtractionConfig
from auditapp.errors import ConfigError, ConfigWarning

__all__ = ["load_feature_config", "load_metric_config", "load_app_config"]

KINDS = {"feature": FeatureExtractionConfig, "metric": MetricExtractionConfig, "app": AppConfig}
#: Keys of the reference accepted and ignored: key -> (kinds, must be a mapping, why).
IGNORED = {"reader_options": ("feature metric app", True, "NIfTI files are read without reader options"),
           "preprocessing": ("feature", True, "preprocessing is a no-op for MRI"),
           "calculate_stats": ("metric", False, "it only applied to the pymia back end")}
FILE_KINDS = ("image", "segmentation", "prediction")
_FORMATS = tuple(f"formats.{kind}" for kind in FILE_KINDS)
#: The reference's spellings, per kind ("all": every kind): its key -> the key(s) of ours it stands for.
ALIASES = {"metric": {"package": ("backend",)}, "feature": {"texture.crop_padding": ("texture_crop_padding",)},
           "all": {"image_format": _FORMATS[:1], "segmentation_format": _FORMATS[1:2],
                   "prediction_format": _FORMATS[2:], "format": _FORMATS}}
VARIABLES = {"app": {"features_path", "metrics_path"}}  # keys that are only interpolation variables
_EXPECTED_INTERP = "expected ${key}, ${a.b}, ${oc.env:VAR} or ${oc.env:VAR,default} (write \\${ for a literal '${')"
_REF = re.compile(r"(?<!\\)\$\{\s*([^${}:]*?)\s*([:}])")
_BAD = object()


# ------------------------------------------------------------------------------------------ YAML and interpolation
def _file_error(source: str, problem: str, expected: str) -> ConfigError:
    return ConfigError([f"error: {source}: (file): {problem}; {expected}"])


def _yaml_error(source: str, exc: yaml.YAMLError, flow_interpolation: bool) -> ConfigError:
    """``invalid YAML at line L, column C: <problem>``, with a hint for an unquoted ``${...}`` in ``[ ]``/``{ }``."""
    mark, problem = getattr(exc, "problem_mark", None), getattr(exc, "problem", None)
    text = (f"invalid YAML at line {mark.line + 1}, column {mark.column + 1}: {problem}" if mark and problem
            else "invalid YAML: " + " ".join(str(exc).split()))
    if flow_interpolation and "flow" in str(getattr(exc, "context", "")):
        return _file_error(source, text, "expected valid YAML: quote a value holding ${...} inside [ ] or { }, "
                                         "e.g. {a: \"${root}/x\"}")
    return _file_error(source, text, "expected a valid YAML mapping of keys")


def _error(context: dict, key: str, problem: str, expected: str) -> None:
    """An interpolation problem: reported first; nothing else is reported at or around ``key``."""
    context["bad"].add(key)
    context["problems"].append(f"error: {context['source']}: {key}: {problem}; {expected}")


def _sub(node: Any, key: str, k: Any) -> str:
    return f"{key}[{k}]" if isinstance(node, (list, ListConfig)) else f"{key}.{k}" if key else str(k)


def _nested(node: Any, key: str = ""):
    """(dotted key, value) of every nested value."""
    for k, v in node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ():
        yield _sub(node, key, k), v
        yield from _nested(v, _sub(node, key, k))


def _drop_bad_syntax(node: Any, key: str, context: dict) -> Any:
    """Leave out strings whose interpolation syntax is invalid (OmegaConf rejects them at creation)."""
    if isinstance(node, (dict, list)):
        items = node.items() if isinstance(node, dict) else enumerate(node)
        kept = {k: _drop_bad_syntax(v, _sub(node, key, k), context) for k, v in items}
        if isinstance(node, list):
            return [None if v is _BAD else v for v in kept.values()]
        return {k: v for k, v in kept.items() if v is not _BAD}
    if isinstance(node, str) and "${" in node:
        try:
            OmegaConf.create({"v": node})
        except GrammarParseError:
            _error(context, key, f"invalid interpolation syntax in '{node}'", _EXPECTED_INTERP)
            return _BAD
    return node


def _resolve(node: Any, key: str, context: dict, candidates: list[str]) -> Any:
    """OmegaConf node -> plain Python, resolving interpolations one key at a time."""
    if not isinstance(node, (DictConfig, ListConfig)):
        return node
    out: dict = {}
    for k in node.keys() if isinstance(node, DictConfig) else range(len(node)):
        sub = _sub(node, key, k)
        try:
            out[str(k) if isinstance(node, DictConfig) else k] = _resolve(node[k], sub, context, candidates)
        except OmegaConfBaseException as exc:
            raw, text = node._get_node(k)._value(), (str(exc) or type(exc).__name__).splitlines()[0]
            shown = f" in '{raw}'" if isinstance(raw, str) else ""
            name = re.search(r"(?:Interpolation key|Environment variable) '([^']+)' not found", text)
            if isinstance(exc, InterpolationKeyError) and name:
                _error(context, sub, f"unknown interpolation name '{name.group(1)}'{shown}", "expected a key defined "
                       "in this file (${key} or ${a.b}) or ${oc.env:VAR}" + did_you_mean(name.group(1), candidates))
            elif name:
                _error(context, sub, f"environment variable '{name.group(1)}' is not set{shown}",
                       f"set it, or give a default: ${{oc.env:{name.group(1)},default}}")
            else:
                _error(context, sub, f"cannot resolve{shown} ({text})", _EXPECTED_INTERP)
            if isinstance(node, ListConfig):
                out[k] = None
    return out if isinstance(node, DictConfig) else list(out.values())


def _read(path: str | Path, cwd: Path | None) -> tuple[dict, dict[str, Any], set[str]]:
    """The validation context, the resolved plain mapping and the top-level keys used as interpolation variables.

    A missing, unreadable or non-mapping file raises :class:`ConfigError` at once; keys whose
    interpolation fails are left out (their problems are in ``context``).
    """
    source, file = str(path), Path(path)
    if not file.is_file():
        raise _file_error(source, "not a file" if file.exists() else "config file not found",
                          "expected a YAML config file" if file.exists() else
                          "expected an existing YAML file (create one with `auditapp init` or `auditapp demo`)")
    context = {"source": source, "dir": file.absolute().parent, "cwd": Path(cwd) if cwd is not None else Path.cwd(),
               "problems": [], "bad": set(), "warnings": [], "infos": []}
    try:
        try:
            cfg = OmegaConf.load(file)
            plain = OmegaConf.to_container(cfg)
        except GrammarParseError:  # report each invalid ${...} with the other problems
            plain = yaml.safe_load(file.read_text(encoding="utf-8"))
            cfg = OmegaConf.create(_drop_bad_syntax(plain, "", context))
    except yaml.YAMLError as exc:
        raise _yaml_error(source, exc, "${" in file.read_text(encoding="utf-8")) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise _file_error(source, f"cannot read the file: {exc}", "expected a readable UTF-8 YAML file") from None
    if not isinstance(plain, dict):
        raise _file_error(source, f"the file holds a {type(plain).__name__}, not a mapping",
                          "expected a YAML mapping of keys (key: value)")
    nested = list(_nested(plain))
    variables = {re.split(r"[.\[]", m.group(1).lstrip("."), maxsplit=1)[0] for _, value in nested
                 if isinstance(value, str) for m in _REF.finditer(value)
                 if m.group(2) != ":" and m.group(1).lstrip(".")} & {str(k) for k in plain}
    return context, _resolve(cfg, "", context, [k for k, _ in nested]), variables


# ------------------------------------------------------------------------------------------ before the schema
def _norm(v: Any) -> Any:
    """A value as compared between two spellings of one setting (case-insensitive; ``nifti`` is ``.nii.gz``)."""
    return NIFTI_FORMATS.get(v.strip().lower(), v.strip().lower()) if isinstance(v, str) else v


def _fold(kind: str, data: dict, context: dict) -> None:
    """Ignored keys warn; the reference's spellings move to ours (a different value in both is a problem)."""
    early = context["early"]
    for key, (kinds, must_map, why) in IGNORED.items():
        value = data.pop(key, None) if kind in kinds.split() else None
        if must_map and value is not None and not isinstance(value, dict):
            early.append((key, f"got {describe(value)}", "expected a mapping (it is ignored anyway)"))
        elif value or (kind in kinds.split() and not must_map and key in context["raw"]):
            context["warnings"].append(f"{context['source']}: {key}: ignored: {why} in this version")
    aliases = {**ALIASES.get(kind, {}), **ALIASES["all"]}
    for parent in {old.rpartition(".")[0] for old in aliases} - {""}:  # texture: {crop_padding: 1} -> the flat
        # key "texture.crop_padding", folded below like the others
        holder, leaves = data.pop(parent, None), [old[len(parent) + 1:] for old in aliases if old.startswith(parent)]
        if holder is not None and not isinstance(holder, dict):
            early.append((parent, f"got {describe(holder)}", f"expected a mapping {{{', '.join(leaves)}}}"))
        elif holder is not None:
            _warn_unknown(context, holder, leaves, parent)
            data.update({f"{parent}.{k}": v for k, v in holder.items() if k in leaves})
    written: dict[str, str] = {}  # "formats" given as one value for every kind of file
    for old, news in aliases.items():
        value, conflict = data.pop(old, None), None
        for new in news if value is not None else ():
            section, _, key = new.rpartition(".")
            if isinstance(data.get(section), str) and _norm(data[section]) in NIFTI_FORMATS.values():
                data[section], written[section] = dict.fromkeys(FILE_KINDS, data[section]), section
            elif section and data.get(section) is None:
                data[section] = {}
            target = data[section] if section else data
            given = target.get(key) if isinstance(target, dict) else None
            if given is not None and _norm(given) != _norm(value):
                conflict = conflict or f"{written.get(section, new)}: {given!r}"
            elif given is None and isinstance(target, dict):
                target[key], context["rename"][tuple(new.split("."))] = value, tuple(old.split("."))
        if conflict:
            early.append((old, f"{value!r} conflicts with {conflict} (the same setting)",
                          "expected only one of them, or the same value"))


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
        if get_origin(tp) is Annotated:
            note = next((a.description for a in reversed(args[1:]) if getattr(a, "description", None)), note)
        tp = next(a for a in args if a is not type(None))
    return tp, note


def _fields(tp: Any) -> dict[str, Any]:
    """The YAML keys of a dataclass and their types (not the fields the loader sets, such as ``source``)."""
    hints = typing.get_type_hints(tp, include_extras=True)
    return {f.name: hints[f.name] for f in dataclasses.fields(tp) if not any(
        getattr(a, "json_schema_extra", None) == {"internal": True} for a in get_args(hints[f.name]))}


def _walk(tp: Any, data: Any, key: str, context: dict, variables: set[str] = frozenset()) -> Any:
    """``data`` without ``null`` values of optional keys and without unknown keys (warned about)."""
    tp = _unwrap(tp)[0]
    args = get_args(tp)
    if dataclasses.is_dataclass(tp) and isinstance(data, dict):
        known = _fields(tp)
        _warn_unknown(context, {k: v for k, v in data.items() if k not in variables}, list(known), key)
        return {k: _walk(known[k], v, f"{key}.{k}" if key else k, context)
                for k, v in data.items() if k in known and v is not None}
    if get_origin(tp) is dict and isinstance(data, dict):
        optional = type(None) in get_args(args[1])
        return {k: _walk(args[1], v, f"{key}.{k}", context)
                for k, v in data.items() if v is not None or not optional}
    if get_origin(tp) is tuple and isinstance(data, list):
        return [_walk(args[0], v, f"{key}[{i}]", context) for i, v in enumerate(data)]
    return _walk(args[0], data, key, context) if get_origin(tp) is tuple and isinstance(data, dict) else data


# ------------------------------------------------------------------------------------------ pydantic's errors
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
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc if p != "[key]").lstrip(".")


def _near(a: str, b: str) -> bool:
    """The same key, or one inside the other."""
    return a == b or b.startswith((a + ".", a + "[")) or a.startswith((b + ".", b + "["))


def _messages(errors: list[dict], cls: type, context: dict) -> tuple[list[str], list[str]]:
    """Problems (``error: <file>: <key>: <problem>; <expected>``, in the order of the file's keys) and warnings."""
    lines, soft = list(context["early"]), []
    for e in errors:
        loc, value = e["loc"], e.get("input")
        for old, new in context["rename"].items():
            loc = new + loc[len(old):] if loc[:len(old)] == old else loc
        if e["type"] in ("config", "config_warning"):
            items = [((_dotted(loc) + sub).lstrip("."), p, x) for sub, p, x in e["ctx"]["items"]]
            (soft if e["type"] == "config_warning" else lines).extend(items)
            continue
        problem, expected = f"got {describe(value)}", _expected_at(cls, e["loc"])
        if e["type"] == "missing":
            typo = suggest(loc[-1], context["unknown"].get(_dotted(loc[:-1]), []))
            problem = "missing required key"
            expected += f" (found the unknown key '{typo}': a typo?)" if typo else ""
        elif e["type"] == "too_short" and isinstance(value, (list, dict)):
            problem = f"empty {'list' if isinstance(value, list) else 'mapping'}"
        lines.append((_dotted(loc), problem, expected))
    order = {k: i for i, k in enumerate(context["raw"])}
    lines = sorted(dict.fromkeys(lines), key=lambda line: order.get(re.split(r"[.\[]", line[0])[0], len(order)))
    # keys whose interpolation failed were reported already: no second problem there or around them
    lines = [line for line in lines if not any(_near(line[0], bad) for bad in context["bad"])]
    return ([f"error: {context['source']}: {k}: {p}; {x}" for k, p, x in lines],
            [f"{context['source']}: {k}: {p}; {x}" for k, p, x in soft])


# ------------------------------------------------------------------------------------------ validation
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
    if isinstance(data, (dict, list)):
        items = {k: _resolved(v, paths) for k, v in (data.items() if isinstance(data, dict) else enumerate(data))}
        return items if isinstance(data, dict) else list(items.values())
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


def _load(kind: str, path: str | Path, cwd: Path | None) -> Any:
    """Read, resolve and validate a ``kind`` ("feature", "metric", "app") config; warnings and INFO lines issued."""
    context, data, variables = _read(path, cwd)
    cls = KINDS[kind]
    context.update(raw=data, paths={}, unknown={}, rename={}, early=[], lenient=False)
    try:
        folded = dict(data)
        _fold(kind, folded, context)
        folded = _walk(cls, folded, "", context, variables | VARIABLES.get(kind, set()))
        config, errors = _validated(cls, folded, context)
        problems, soft = _messages(errors, cls, context)
        context["warnings"] += soft if kind != "app" else []  # app.yaml: in AppConfig.warnings
        if context["problems"] or problems:
            raise ConfigError(context["problems"] + problems)
        config = dataclasses.replace(config, source=Path(context["source"]).absolute(),
                                     resolved=_resolved(data, context["paths"]))
        return config if kind != "app" else dataclasses.replace(
            config, error_matrices=_error_matrices(config), warnings=tuple(soft),
            predictions={k: v for k, v in config.predictions.items() if v})
    finally:
        for message in dict.fromkeys(context["infos"]):
            logger.info(f"{context['source']}: {message}")
        for message in dict.fromkeys(context["warnings"]):
            warnings.warn(message, ConfigWarning, stacklevel=3)


def load_feature_config(path: str | Path, *, cwd: Path | None = None) -> FeatureExtractionConfig:
    """Load and validate a ``feature_extraction.yaml`` (docs/config.md).

    Parameters
    ----------
    path : str or Path
        The config file. Relative paths inside it are resolved against its folder.
    cwd : Path, optional
        Current directory, only for the "exists relative to the current directory" hint.

    Returns
    -------
    FeatureExtractionConfig
        The typed, frozen config.

    Raises
    ------
    ConfigError
        Every problem of the file at once, one line each.

    Warns
    -----
    ConfigWarning
        Unknown keys (with a suggestion), ignored reference keys, defaults applied.
    """
    return _load("feature", path, cwd)


def load_metric_config(path: str | Path, *, cwd: Path | None = None) -> MetricExtractionConfig:
    """Load and validate a ``metric_extraction.yaml``; parameters, errors, warnings: :func:`load_feature_config`."""
    return _load("metric", path, cwd)


def load_app_config(path: str | Path, *, cwd: Path | None = None) -> AppConfig:
    """Load and validate an ``app.yaml`` as :func:`load_feature_config`; missing files are ``AppConfig.warnings``."""
    return _load("app", path, cwd)
