"""Load the three config files: YAML + OmegaConf interpolation, then one validation step.

``load_feature_config``, ``load_metric_config`` and ``load_app_config`` read a YAML file with
OmegaConf (duplicate keys are errors, ``1e3`` is a float), resolve its interpolations one key
at a time (``${key}``, ``${a.b}``, chains, inside lists, ``${oc.env:VAR}`` /
``${oc.env:VAR,default}``, ``\\${`` for a literal) and validate the plain result with
:func:`auditapp.config.schema.validate`. One :class:`ConfigError` lists every problem, one per
line ``error: <path>: <key>: <problem>; <expected>``; unknown, ignored or defaulted keys are
:class:`ConfigWarning`. Nothing here creates a folder, prints or exits.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path
from typing import Any

import yaml
from loguru import logger
from omegaconf import DictConfig, ListConfig, OmegaConf
from omegaconf.errors import (
    GrammarParseError, InterpolationKeyError, MissingMandatoryValue, OmegaConfBaseException,
    UnsupportedInterpolationType,
)

from auditapp.config._checks import did_you_mean
from auditapp.config.model import AppConfig, FeatureExtractionConfig, MetricExtractionConfig
from auditapp.config.schema import validate
from auditapp.errors import ConfigError, ConfigWarning

__all__ = ["load_feature_config", "load_metric_config", "load_app_config", "read_config"]

_EXPECTED_INTERP = "expected ${key}, ${a.b}, ${oc.env:VAR} or ${oc.env:VAR,default} (write \\${ for a literal '${')"
_REF = re.compile(r"(?<!\\)\$\{\s*([^${}:]*?)\s*([:}])")
_BAD = object()


def _file_error(source: str, problem: str, expected: str) -> ConfigError:
    return ConfigError([f"error: {source}: (file): {problem}; {expected}"])


def _yaml_error(source: str, exc: yaml.YAMLError, flow_interpolation: bool) -> ConfigError:
    """``invalid YAML at line L, column C: <problem>``, with a hint for an unquoted ``${...}`` in ``[ ]``/``{ }``."""
    mark, problem = getattr(exc, "problem_mark", None), getattr(exc, "problem", None)
    text = (f"invalid YAML at line {mark.line + 1}, column {mark.column + 1}: {problem}" if mark and problem
            else "invalid YAML: " + " ".join(str(exc).split()))
    flow_interpolation &= "flow" in str(getattr(exc, "context", ""))
    return _file_error(source, text, "expected valid YAML: quote a value holding ${...} inside [ ] or { }, e.g. "
                                     "{a: \"${root}/x\"}" if flow_interpolation else "expected a valid YAML mapping of keys")


def _error(context: dict, key: str, problem: str, expected: str) -> None:
    context["bad"].add(key)
    context["problems"].append(f"error: {context['source']}: {key}: {problem}; {expected}")


def _keys_and_strings(node: Any, key: str = ""):
    """(dotted key, value) of every nested value."""
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for k, v in items:
        sub = f"{key}[{k}]" if isinstance(node, list) else f"{key}.{k}" if key else str(k)
        yield sub, v
        yield from _keys_and_strings(v, sub)


def _drop_bad_syntax(node: Any, key: str, context: dict) -> Any:
    """Leave out strings whose interpolation syntax is invalid (OmegaConf rejects them at creation)."""
    if isinstance(node, dict):
        kept = {k: _drop_bad_syntax(v, f"{key}.{k}" if key else str(k), context) for k, v in node.items()}
        return {k: v for k, v in kept.items() if v is not _BAD}
    if isinstance(node, list):
        return [None if v is _BAD else v for v in (_drop_bad_syntax(v, f"{key}[{i}]", context)
                                                   for i, v in enumerate(node))]
    if isinstance(node, str) and "${" in node:
        try:
            OmegaConf.create({"v": node})
        except GrammarParseError:
            _error(context, key, f"invalid interpolation syntax in '{node}'", _EXPECTED_INTERP)
            return _BAD
    return node


def _interpolation_error(context: dict, key: str, raw: Any, exc: Exception, candidates: list[str]) -> None:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    shown = f" in '{raw}'" if isinstance(raw, str) else ""
    name = re.search(r"(?:Interpolation key|Environment variable) '([^']+)' not found", text)
    if isinstance(exc, InterpolationKeyError) and name:
        _error(context, key, f"unknown interpolation name '{name.group(1)}'{shown}", "expected a key defined in this "
               "file (${key} or ${a.b}) or ${oc.env:VAR}" + did_you_mean(name.group(1), candidates))
    elif name:
        _error(context, key, f"environment variable '{name.group(1)}' is not set{shown}",
               f"set it, or give a default: ${{oc.env:{name.group(1)},default}}")
    elif "Recursive interpolation" in text:
        _error(context, key, f"the interpolation{shown} refers to itself", _EXPECTED_INTERP)
    elif isinstance(exc, MissingMandatoryValue):
        _error(context, key, "the value is '???' (missing)", "expected a value")
    else:
        what = "unknown resolver" if isinstance(exc, UnsupportedInterpolationType) else "cannot resolve"
        _error(context, key, f"{what}{shown} ({text})", _EXPECTED_INTERP)


def _resolve(node: Any, key: str, context: dict, candidates: list[str]) -> Any:
    """OmegaConf node -> plain Python, resolving interpolations one key at a time."""
    if not isinstance(node, (DictConfig, ListConfig)):
        return node
    items = [(k, f"{key}.{k}" if key else str(k)) for k in node.keys()] if isinstance(node, DictConfig) \
        else [(i, f"{key}[{i}]") for i in range(len(node))]
    out: dict = {}
    for k, sub in items:
        try:
            out[k] = _resolve(node[k], sub, context, candidates)
        except OmegaConfBaseException as exc:
            _interpolation_error(context, sub, node._get_node(k)._value(), exc, candidates)
            if isinstance(node, ListConfig):
                out[k] = None
    return {str(k): v for k, v in out.items()} if isinstance(node, DictConfig) else list(out.values())


def read_config(path: str | Path, cwd: Path | None = None) -> tuple[dict, dict[str, Any], set[str]]:
    """Read a YAML config and resolve its interpolations, one key at a time.

    Returns the validation context (``source`` as given, ``dir`` the config folder, ``cwd``,
    the interpolation ``problems`` and their ``bad`` keys), the plain resolved mapping (keys
    whose interpolation failed left out) and the top-level keys used as interpolation
    variables (not "unknown keys"). A missing, unreadable or non-mapping file raises
    :class:`ConfigError` at once.
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
    nested = list(_keys_and_strings(plain))
    variables = {re.split(r"[.\[]", m.group(1).lstrip("."), maxsplit=1)[0] for _, value in nested
                 if isinstance(value, str) for m in _REF.finditer(value)
                 if m.group(2) != ":" and m.group(1).lstrip(".")} & {str(k) for k in plain}
    return context, _resolve(cfg, "", context, [k for k, _ in nested]), variables


def _load(kind: str, path: str | Path, cwd: Path | None) -> Any:
    context, data, variables = read_config(path, cwd=cwd)
    try:
        return validate(kind, data, context, variables)
    finally:
        for message in dict.fromkeys(context["infos"]):
            logger.info(f"{context['source']}: {message}")
        for message in dict.fromkeys(context["warnings"]):
            warnings.warn(message, ConfigWarning, stacklevel=3)


def load_feature_config(path: str | Path, *, cwd: Path | None = None) -> FeatureExtractionConfig:
    """Load and validate a ``feature_extraction.yaml`` (config.md §2).

    Parameters
    ----------
    path : str or Path
        The config file. Relative paths inside it are resolved against its folder.
    cwd : Path, optional
        Current directory, only for the "exists relative to the current directory" hint.

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
    """Load and validate a ``metric_extraction.yaml`` (config.md §3; see :func:`load_feature_config`)."""
    return _load("metric", path, cwd)


def load_app_config(path: str | Path, *, cwd: Path | None = None) -> AppConfig:
    """Load and validate an ``app.yaml`` (config.md §4): missing files only warn, in ``AppConfig.warnings``."""
    return _load("app", path, cwd)
