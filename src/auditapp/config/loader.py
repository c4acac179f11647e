"""Load the three config files: YAML + OmegaConf interpolation, then one normalise/validate step.

``load_feature_config``, ``load_metric_config`` and ``load_app_config`` read a YAML file,
resolve OmegaConf interpolations (``${key}``, ``${a.b}``, chains, inside lists,
``${oc.env:VAR}`` / ``${oc.env:VAR,default}``, ``\\${`` for a literal), then hand the
plain resolved mapping to :mod:`auditapp.config.normalize` which applies aliases,
resolves paths and validates. Every problem is collected; one :class:`ConfigError`
lists them all, one per line ``error: <path>: <key>: <problem>; <expected>``.
Unknown, ignored or defaulted keys are reported as :class:`ConfigWarning`.
Nothing here creates a folder, prints or exits.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path
from typing import Any, Callable

import yaml
from loguru import logger
from omegaconf import DictConfig, ListConfig, OmegaConf
from omegaconf.errors import (
    GrammarParseError,
    InterpolationKeyError,
    MissingMandatoryValue,
    OmegaConfBaseException,
    UnsupportedInterpolationType,
)

from auditapp.config._checks import Ctx, suggest
from auditapp.config.model import AppConfig, FeatureExtractionConfig, MetricExtractionConfig
from auditapp.errors import ConfigError, ConfigWarning

__all__ = ["load_feature_config", "load_metric_config", "load_app_config", "read_config"]

_EXPECTED_INTERP = "expected ${key}, ${a.b}, ${oc.env:VAR} or ${oc.env:VAR,default} (write \\${ for a literal '${')"
_REF = re.compile(r"(?<!\\)\$\{\s*([^${}:]*?)\s*([:}])")


class _YamlLoader(yaml.SafeLoader):
    """SafeLoader that rejects duplicate keys and reads ``1e3`` as a float (as OmegaConf's loader does)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        seen: set = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            if isinstance(key, (str, int, float, bool)) and key in seen:
                raise yaml.constructor.ConstructorError(
                    "while constructing a mapping", node.start_mark, f"found duplicate key {key}", key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


_YamlLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(
        r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?
        |[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)
        |\.[0-9_]+(?:[eE][-+][0-9]+)?
        |[-+]?\.(?:inf|Inf|INF)
        |\.(?:nan|NaN|NAN))$""",
        re.X,
    ),
    list("-+0123456789."),
)


def _yaml_loader() -> type:
    return _YamlLoader


def _yaml_problem(exc: yaml.YAMLError) -> str:
    """``invalid YAML at line L, column C: <problem> (<context> at line L2)``."""
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None)
    if mark is None or problem is None:
        return "invalid YAML: " + " ".join(str(exc).split())
    text = f"invalid YAML at line {mark.line + 1}, column {mark.column + 1}: {problem}"
    context, cmark = getattr(exc, "context", None), getattr(exc, "context_mark", None)
    if context:
        text += f" ({context}" + (f" at line {cmark.line + 1}" if cmark is not None else "") + ")"
    return text


def _yaml_expected(exc: yaml.YAMLError) -> str:
    if "'{'" in str(getattr(exc, "problem", "")):
        return "expected valid YAML: quote a value holding ${...} inside [ ] or { }, e.g. {a: \"${root}/x\"}"
    return "expected a valid YAML mapping of keys"


def _file_error(source: str, problem: str, expected: str) -> ConfigError:
    return ConfigError([f"error: {source}: (file): {problem}; {expected}"])


def _walk_strings(node: Any, key: str):
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _walk_strings(v, f"{key}.{k}" if key else str(k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _walk_strings(v, f"{key}[{i}]")
    elif isinstance(node, str):
        yield key, node


def _key_paths(node: Any, key: str = "") -> list[str]:
    out: list[str] = []
    if isinstance(node, dict):
        for k, v in node.items():
            kp = f"{key}.{k}" if key else str(k)
            out.append(kp)
            out.extend(_key_paths(v, kp))
    return out


def _drop_bad_syntax(node: Any, key: str, ctx: Ctx) -> Any:
    """Replace strings whose interpolation syntax is invalid (OmegaConf rejects them at creation)."""
    if isinstance(node, dict):
        out = {}
        for k, v in node.items():
            kp = f"{key}.{k}" if key else str(k)
            v2 = _drop_bad_syntax(v, kp, ctx)
            if v2 is not _BAD:
                out[k] = v2
        return out
    if isinstance(node, list):
        return [_drop_bad_syntax(v, f"{key}[{i}]", ctx) for i, v in enumerate(node)]
    if isinstance(node, str) and "${" in node:
        try:
            OmegaConf.create({"v": node})
        except GrammarParseError:
            ctx.bad.add(key)
            ctx.error(key, f"invalid interpolation syntax in '{node}'", _EXPECTED_INTERP)
            return _BAD if not key.endswith("]") else None
    return node


_BAD = object()


def _interp_error(ctx: Ctx, key: str, raw: Any, exc: Exception, candidates: list[str]) -> None:
    ctx.bad.add(key)
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    shown = f" in '{raw}'" if isinstance(raw, str) else ""
    if isinstance(exc, InterpolationKeyError):
        m = re.search(r"Interpolation key '([^']+)' not found", text)
        name = m.group(1) if m else text
        hint = suggest(name, candidates)
        ctx.error(key, f"unknown interpolation name '{name}'{shown}",
                  "expected a key defined in this file (${key} or ${a.b}) or ${oc.env:VAR}"
                  + (f" (did you mean '{hint}'?)" if hint else ""))
    elif "Environment variable" in text:
        m = re.search(r"Environment variable '([^']+)' not found", text)
        var = m.group(1) if m else "?"
        ctx.error(key, f"environment variable '{var}' is not set{shown}",
                  f"set it, or give a default: ${{oc.env:{var},default}}")
    elif "Recursive interpolation" in text:
        ctx.error(key, f"the interpolation{shown} refers to itself", _EXPECTED_INTERP)
    elif isinstance(exc, UnsupportedInterpolationType):
        ctx.error(key, f"unknown resolver{shown} ({text})", _EXPECTED_INTERP)
    elif isinstance(exc, MissingMandatoryValue):
        ctx.error(key, "the value is '???' (missing)", "expected a value")
    else:
        ctx.error(key, f"cannot resolve{shown}: {text}", _EXPECTED_INTERP)


def _resolve(node: Any, key: str, ctx: Ctx, candidates: list[str]) -> Any:
    """OmegaConf node -> plain Python, resolving interpolations one key at a time."""
    if isinstance(node, DictConfig):
        out: dict[str, Any] = {}
        for k in node.keys():
            kp = f"{key}.{k}" if key else str(k)
            try:
                value = node[k]
            except OmegaConfBaseException as exc:
                raw = _raw(node, k)
                _interp_error(ctx, kp, raw, exc, candidates)
                continue
            out[str(k)] = _resolve(value, kp, ctx, candidates)
        return out
    if isinstance(node, ListConfig):
        items = []
        for i in range(len(node)):
            kp = f"{key}[{i}]"
            try:
                value = node[i]
            except OmegaConfBaseException as exc:
                _interp_error(ctx, kp, _raw(node, i), exc, candidates)
                items.append(None)
                continue
            items.append(_resolve(value, kp, ctx, candidates))
        return items
    return node


def _raw(node: Any, k: Any) -> Any:
    try:
        return node._get_node(k)._value()
    except Exception:  # pragma: no cover - defensive
        return None


def read_config(path: str | Path, cwd: Path | None = None) -> tuple[Ctx, dict[str, Any], set[str]]:
    """Read a YAML config and resolve its interpolations.

    Parameters
    ----------
    path : str or Path
        The config file, as the user gave it (kept verbatim in messages).
    cwd : Path, optional
        Current directory for the relative-path hint (default ``Path.cwd()``).

    Returns
    -------
    ctx : Ctx
        Problem collector, holding the interpolation problems found so far.
    data : dict
        Plain resolved mapping (keys whose interpolation failed are left out).
    variables : set of str
        Top-level keys referenced by an interpolation (not "unknown keys").

    Raises
    ------
    ConfigError
        When the file is missing, is not valid YAML, or is not a mapping.
    """
    source = str(path)
    file = Path(path)
    if not file.exists():
        raise _file_error(source, "config file not found",
                          "expected an existing YAML file (create one with `auditapp init` or `auditapp demo`)")
    if not file.is_file():
        raise _file_error(source, "not a file", "expected a YAML config file")
    try:
        text = file.read_text(encoding="utf-8")
        plain = yaml.load(text, Loader=_yaml_loader())
    except yaml.YAMLError as exc:
        raise _file_error(source, _yaml_problem(exc), _yaml_expected(exc)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise _file_error(source, f"cannot read the file: {exc}", "expected a readable UTF-8 YAML file") from None
    if plain is None:
        plain = {}
    if not isinstance(plain, dict):
        raise _file_error(source, f"the file holds a {type(plain).__name__}, not a mapping",
                          "expected a YAML mapping of keys (key: value)")
    config_dir = Path(file.absolute().parent)
    ctx = Ctx(source=source, config_dir=config_dir, cwd=Path(cwd) if cwd is not None else Path.cwd())

    variables: set[str] = set()
    for _, value in _walk_strings(plain, ""):
        for m in _REF.finditer(value):
            name, end = m.group(1), m.group(2)
            if end == ":" or not name.lstrip("."):
                continue  # a resolver such as oc.env, or nothing
            variables.add(re.split(r"[.\[]", name.lstrip("."), maxsplit=1)[0])
    variables &= {str(k) for k in plain}

    plain = _drop_bad_syntax(plain, "", ctx)
    try:
        cfg = OmegaConf.create(plain)
    except OmegaConfBaseException as exc:  # pragma: no cover - syntax already checked
        raise _file_error(source, f"cannot load: {str(exc).splitlines()[0]}", "expected a YAML mapping") from None
    data = _resolve(cfg, "", ctx, _key_paths(plain))
    return ctx, data, variables


def _finish(ctx: Ctx) -> None:
    """Emit the collected warnings, log INFO lines, raise the collected problems."""
    for message in ctx.infos:
        logger.info(f"{ctx.source}: {message}")
    for message in ctx.warnings:
        warnings.warn(message, ConfigWarning, stacklevel=4)
    if ctx.problems:
        raise ConfigError(ctx.problems)


def _load(path: str | Path, normalize: Callable[[Ctx, dict, set], Any], cwd: Path | None) -> Any:
    ctx, data, variables = read_config(path, cwd=cwd)
    config = normalize(ctx, data, variables)
    _finish(ctx)
    return config


def load_feature_config(path: str | Path, *, cwd: Path | None = None) -> FeatureExtractionConfig:
    """Load, normalise and validate a ``feature_extraction.yaml``.

    Parameters
    ----------
    path : str or Path
        The config file. Relative paths inside it are resolved against its folder.
    cwd : Path, optional
        Current directory used only for the "exists relative to the current
        directory" hint (default: the process's current directory).

    Returns
    -------
    FeatureExtractionConfig

    Raises
    ------
    ConfigError
        Every problem of the file at once, one line each.

    Warns
    -----
    ConfigWarning
        Unknown keys (with a suggestion), ignored reference keys, defaults applied.
    """
    from auditapp.config.normalize import normalize_feature

    return _load(path, normalize_feature, cwd)


def load_metric_config(path: str | Path, *, cwd: Path | None = None) -> MetricExtractionConfig:
    """Load, normalise and validate a ``metric_extraction.yaml`` (see :func:`load_feature_config`)."""
    from auditapp.config.normalize import normalize_metric

    return _load(path, normalize_metric, cwd)


def load_app_config(path: str | Path, *, cwd: Path | None = None) -> AppConfig:
    """Load, normalise and validate an ``app.yaml``.

    Structural problems raise :class:`ConfigError`; missing files and folders are
    not errors: they are listed in ``AppConfig.warnings`` (config.md §4).
    """
    from auditapp.config.normalize import normalize_app

    return _load(path, normalize_app, cwd)
