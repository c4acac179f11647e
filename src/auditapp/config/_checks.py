"""The custom checks of the config schema (:mod:`auditapp.config.model`): one YAML value -> a typed value.

A check raises a ``config`` :class:`~pydantic_core.PydanticCustomError` (``config_warning`` for a
missing input of app.yaml or a metadata file) whose ``items`` are ``(sub-key, problem, expected)``
triples, so one field reports all its problems; ``info.context`` is the context of ``loader.py``.
"""

from __future__ import annotations

import difflib
import math
import os
import re
from dataclasses import replace
from importlib.util import find_spec
from pathlib import Path
from typing import Annotated, Any, Callable, Iterable

from pydantic import Field, PlainValidator
from pydantic_core import PydanticCustomError

from auditapp.metrics.registry import ALIASES, CONFIG_METRIC_NAMES, METRIC_GROUPS, NAME_HINTS

SPREADSHEETS = (".csv", ".tsv", ".xlsx", ".xls")
EXPECT_FORMAT = "expected one of .nii.gz, .nii, nifti, auto"
EXPECT_LABEL = "expected an integer label value or a non-empty list of integers"
_GZ, _NII = (".nii.gz", ".nii"), (".nii", ".nii.gz")
#: Accepted ``formats`` values -> NIfTI extensions tried, in order.
NIFTI_FORMATS = {".nii.gz": _GZ, "nii.gz": _GZ, ".nii": _NII, "nii": _NII, "nifti": _GZ, "auto": _GZ}


def describe(value: Any) -> str:
    """A short description of a YAML value for error messages.

    >>> describe("1"), describe(None), describe([1, 2]), describe(False)
    ("the string '1'", 'nothing (null)', 'a list [1, 2]', 'the boolean false')
    """
    if isinstance(value, str):
        return f"the string '{value}'" if value else "an empty string"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    return {type(None): "nothing (null)", dict: "a mapping", list: f"a list {value}"}.get(type(value), repr(value))


def suggest(name: Any, candidates: Iterable[Any]) -> str | None:
    """The candidate closest to ``name`` (difflib, case-insensitive), or None.

    >>> suggest("labls", ["labels", "sequences"]), suggest("zzz", ["labels"])
    ('labels', None)
    """
    lowered = {str(c).lower(): str(c) for c in candidates}
    match = difflib.get_close_matches(str(name).lower(), list(lowered), n=1, cutoff=0.6)
    return lowered[match[0]] if match else None


def did_you_mean(name: Any, candidates: Iterable[Any]) -> str:
    """`` (did you mean 'x'?)`` for the closest candidate, else an empty string."""
    hint = suggest(name, candidates)
    return f" (did you mean '{hint}'?)" if hint else ""


def fail(problem: str, expected: str, sub: str = "", kind: str = "config") -> PydanticCustomError:
    """The error of one problem (``sub`` is appended to the key of the field)."""
    return PydanticCustomError(kind, "{problem}", {"problem": problem, "items": [(sub, problem, expected)]})


class Issues(list):
    """Problems of one field, collected by :meth:`run` and raised together by :meth:`check`."""

    def run(self, sub: str, check: Callable, *args: Any) -> Any:
        """``check(*args)``, or None with its problems recorded under ``sub``."""
        try:
            return check(*args)
        except PydanticCustomError as exc:
            self.extend((sub + s, p, e) for s, p, e in exc.context["items"])
            return None

    def check(self) -> None:
        """Raise the recorded problems as one error."""
        if self:
            raise PydanticCustomError("config", "{n} problems", {"n": len(self), "items": list(self)})


def leaf(check: Callable, expected: str = "", **options: Any) -> Any:
    """The type whose value is ``check(value, info, expected, **options)``; ``expected`` also describes it."""
    return Annotated[Any, PlainValidator(lambda v, info: check(v, info, expected, **options)),
                     Field(description=expected)]


def warn(info: Any, key: str, message: str) -> None:
    """Record the warning ``<file>: <key>: <message>``."""
    info.context["warnings"].append(f"{info.context['source']}: {key}: {message}")


def sequence_key(suffix: str) -> str:
    """Column key of a sequence suffix: every ``_`` removed, case kept (``'_t1ce'`` -> ``'t1ce'``)."""
    return suffix.replace("_", "")


def integral(v: Any) -> Any:
    """An integral float as an int: YAML integers may be written ``4`` or ``4.0``."""
    return int(v) if isinstance(v, float) and v.is_integer() else v


def _quotes(v: Any) -> str:
    """A hint when a number was written as a string."""
    number = r"\s*[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?\s*"
    return " (remove the quotes)" if isinstance(v, str) and re.fullmatch(number, v, re.I) else ""


def number(v: Any, info: Any, expected: str, integer: bool = False, minimum: float | None = 0,
           above: float | None = None, below: float | None = None) -> float | int:
    """A finite number (an int when ``integer``) >= ``minimum``, > ``above``, < ``below``; no bools or strings."""
    v = integral(v) if integer else v
    if isinstance(v, bool) or not isinstance(v, int if integer else (int, float)) or not math.isfinite(v):
        raise fail(f"got {describe(v)}", expected + _quotes(v))
    too_low = (minimum is not None and v < minimum) or (above is not None and v <= above)
    if too_low or (below is not None and v >= below):
        raise fail(f"got {v}", expected)
    return v if integer else float(v)


def choice(v: Any, info: Any, expected: str, options: tuple = (), unsupported: dict | None = None) -> Any:
    """One of ``options`` (case-insensitive, as spelled there); a value of ``unsupported`` is out of scope."""
    scalar = isinstance(v, (str, int, float)) and not isinstance(v, bool)
    key = (v.strip().lower() if isinstance(v, str) else integral(v)) if scalar else None
    found = {o.lower() if isinstance(o, str) else o: o for o in options}.get(key)
    if found is not None:
        return found
    if key in (unsupported or {}):
        raise fail(f"{unsupported[key]} '{v}' is not supported in this version", expected)
    raise fail(f"got {describe(v)}", expected + (did_you_mean(v, options) if isinstance(v, str) else ""))


# ------------------------------------------------------------------------------------------ paths
def resolve(context: dict, raw: str) -> Path:
    """``raw`` with ``~`` expanded, made absolute against the config folder and normalised."""
    path = Path(os.path.normpath(context["dir"] / os.path.expanduser(raw)))
    context["paths"][raw] = path
    return path


def path(v: Any, info: Any, expected: str = "", kind: str | None = None) -> Path:
    """A path resolved against the config folder: an output folder (``kind`` None) or an existing "dir"/"file".

    With "dir?"/"file?" a missing one is only a warning; the current-directory hint: docs/config.md, Paths.
    """
    if not isinstance(v, str) or not v.strip():
        raise fail(f"got {describe(v)}", "expected a path (text)")
    context, resolved = info.context, resolve(info.context, v)
    what = "folder" if kind in ("dir", "dir?") else "file"
    if kind is None and resolved.exists() and not resolved.is_dir():
        raise fail(f"{resolved} exists and is not a folder", "expected a folder path")
    if kind is None or (resolved.is_dir() if what == "folder" else resolved.is_file()) or (
            kind.endswith("?") and context["lenient"]):
        return resolved
    error = "config_warning" if kind.endswith("?") else "config"
    if resolved.exists():
        raise fail(f"{resolved} is not a {what}", f"expected an existing {what}", kind=error)
    expected, relative = f"expected an existing {what}", Path(os.path.expanduser(v))
    if not relative.is_absolute():
        expected += f" (relative paths are resolved against the config file's folder {context['dir']})"
        if (context["cwd"] / relative).exists():
            fix = os.path.relpath(context["cwd"] / relative, context["dir"])
            expected += (f"; '{v}' exists relative to the current directory {context['cwd']}:"
                         f" write '{fix}' or an absolute path")
    raise fail(f"{what} not found: {resolved}", expected, kind=error)


def spreadsheet(v: Any, info: Any, expected: str) -> Path:
    """A metadata file: .csv, .tsv, .xlsx or .xls; a missing one is a warning."""
    if isinstance(v, str) and not v.lower().endswith(SPREADSHEETS):
        raise fail(f"'{Path(v).name}' is not a .csv, .tsv, .xlsx or .xls file",
                   "expected a metadata file with one of those extensions")
    return path(v, info, expected, "file?")


def command(v: str, info: Any) -> str:
    """A value with a folder part is a path (resolved like every path); a bare name is a command on PATH."""
    return str(resolve(info.context, v)) if ("/" in v or "\\" in v or v.startswith("~")) else v


# ------------------------------------------------------------------------------------------ sections
def _label_value(v: Any, composite: bool) -> int:
    """One label value: an integer >= 0, not 0 inside a list."""
    if isinstance(v, str):
        raise fail(f"label values must be integers, got the string '{v}'",
                   "expected an integer: remove the quotes" if _quotes(v) else EXPECT_LABEL)
    value = number(v, None, EXPECT_LABEL, integer=True)
    if composite and value == 0:
        raise fail("value 0 (the background) inside a list", "expected only non-zero values in a composite label")
    return value


def labels(v: Any, info: Any, expected: str, cls: type, regions: bool = False) -> tuple:
    """Label name -> an integer or a non-empty list of integers, in the written order (docs/config.md)."""
    if not isinstance(v, dict) or not v:
        raise fail("no labels" if isinstance(v, dict) else f"got {describe(v)}", expected)
    issues, out, owner, lowered = Issues(), [], {}, {}
    for key, raw in v.items():
        label, sub = str(key), f".{key}"
        if label.lower() in lowered:
            issues.append((sub, f"label name '{label}' differs from '{lowered[label.lower()]}' only by case",
                           "expected label names that differ ignoring case (they become column names)"))
        lowered[label.lower()] = label
        if isinstance(raw, list) and not raw:
            issues.append((sub, "empty list", "expected a non-empty list of integer label values"))
        elif isinstance(raw, list):
            values: list[int] = []
            for i, item in enumerate(raw):
                value = issues.run(f"{sub}[{i}]", _label_value, item, True)
                if value in values:
                    issues.append((f"{sub}[{i}]", f"value {value} repeated", "expected distinct values in the list"))
                elif value is not None:
                    values.append(value)
            out.append(cls(label, tuple(values), composite=True))
        elif (value := issues.run(sub, _label_value, raw, False)) in owner:
            issues.append((sub, f"{'the background value 0' if value == 0 else f'value {value}'} is already used "
                                f"by label '{owner[value]}'", "expected distinct values for scalar labels"))
        elif value is not None:
            owner[value] = label
            out.append(cls(label, (value,)))
    if regions and not issues and all(lab.is_background for lab in out):
        issues.append(("", "only the background (value 0) is configured",
                       "expected at least one non-zero label: each one is a metric region"))
    issues.check()
    return tuple(out)


def sequences(v: tuple[str, ...], info: Any) -> tuple[str, ...]:
    """File-name suffixes: unique, with distinct column keys; no leading ``_`` is only a warning."""
    issues, keys = Issues(), {}
    for i, s in enumerate(v):
        key = sequence_key(s)
        if s in v[:i]:
            issues.append((f"[{i}]", f"'{s}' is listed twice", "expected each sequence once"))
        elif not key:
            issues.append((f"[{i}]", f"'{s}' has no characters besides '_'", "expected a suffix such as '_t1'"))
        elif key in keys:
            issues.append((f"[{i}]", f"'{s}' and '{keys[key]}' give the same column key '{key}'",
                           "expected sequences whose names differ once '_' is removed"))
        else:
            keys[key] = s
            if not s.startswith("_"):
                warn(info, f"sequences[{i}]", f"'{s}' has no leading '_': files are looked up as <ID>{s}.nii.gz")
    issues.check()
    return v


def extensions(v: Any, info: Any = None, expected: str = EXPECT_FORMAT) -> tuple[str, ...]:
    """A ``formats`` value -> the NIfTI extensions to try, in order."""
    found = NIFTI_FORMATS.get(v.strip().lower()) if isinstance(v, str) else None
    if found is None:
        raise fail(f"format '{v}' is not supported: only NIfTI (.nii/.nii.gz) is supported in this version"
                   if isinstance(v, str) else f"got {describe(v)}", EXPECT_FORMAT)
    return found


def formats(v: Any) -> Any:
    """A string means every kind of file; ``prediction`` falls back to ``segmentation``."""
    if isinstance(v, str):
        return dict.fromkeys(("image", "segmentation", "prediction"), v) if extensions(v) else v
    if isinstance(v, dict) and "prediction" not in v and str(v.get("segmentation")).lower() in NIFTI_FORMATS:
        return {**v, "prediction": v["segmentation"]}
    return v


def cpu_cores(v: Any, info: Any, expected: str) -> int:
    """``None``/<= 0 -> all cores (INFO); a non-integer -> a warning and all cores."""
    default, v = os.cpu_count() or 1, integral(v)
    if isinstance(v, str) and v.strip().lower() == "none":
        return default
    if isinstance(v, bool) or not isinstance(v, int):
        warn(info, "cpu_cores", f"got {describe(v)}, not an integer; using all {default} cores")
        return default
    if v <= 0:
        info.context["infos"].append(f"cpu_cores: {v} means all cores ({default})")
    return default if v <= 0 else v


def parallel(v: Any, info: Any) -> Any:
    """A scheduler only with dask (else a warning); dask needs its extra."""
    if v.scheduler is not None and v.backend != "dask":
        warn(info, "parallel.scheduler", "ignored: a scheduler is used only with backend: dask")
        v = replace(v, scheduler=None)
    if v.backend == "dask" and (find_spec("dask") is None or find_spec("distributed") is None):
        raise fail("backend dask needs dask[distributed], which is not installed",
                   "expected loky, or install the extra: pip install 'auditapp[dask]'", ".backend")
    return v


def sheet(v: Any, info: Any, expected: str) -> int | str:
    """A sheet name, or a 0-based sheet index."""
    return v if isinstance(v, str) and v else number(v, info, expected, integer=True)


def pattern(v: str, info: Any) -> str:
    """A separator: one character is literal, a longer one a regular expression."""
    try:
        if len(v) > 1:
            re.compile(v)
    except re.error as exc:
        raise fail(f"'{v}' is not a valid regular expression ({exc})",
                   "expected a separator (one character) or a valid regular expression") from None
    return v


def min_sizes(v: Any, info: Any, expected: str) -> float | dict[str, float]:
    """A number >= 0, or a mapping region name (``"*"``: the other regions) -> number >= 0."""
    if not isinstance(v, dict):
        return number(v, info, expected)
    issues = Issues()
    out = {str(k): issues.run(f".{k}", number, size, info, expected) for k, size in v.items()}
    issues.check()
    return out


# ------------------------------------------------------------------------------------------ feature_extraction.yaml
def families(v: Any) -> Any:
    """A family left out of a given ``features`` mapping is off."""
    return {**dict.fromkeys(("statistical", "texture", "spatial", "tumor"), False), **v} if isinstance(v, dict) else v


def _of_datasets(v: Any, info: Any) -> dict:
    """The entries of ``v`` whose dataset is in ``data_paths``; the others are warned about and dropped."""
    names = info.context["raw"].get("data_paths")
    names = [str(k) for k in names] if isinstance(names, dict) else []
    for ds in [ds for ds in v if names and str(ds) not in names]:
        warn(info, f"{info.field_name}.{ds}",
             f"'{ds}' is not a dataset of data_paths; ignored{did_you_mean(ds, names)}")
    return {ds: entry for ds, entry in v.items() if not names or str(ds) in names}


def longitudinal(v: Any, info: Any) -> Any:
    """Entries of unknown datasets, empty or missing a key are dropped with a warning (as the reference)."""
    if not isinstance(v, dict):
        return v
    out = _of_datasets(v, info)
    for ds, entry in list(out.items()):
        absent = [f for f in ("pattern", "longitudinal_id", "time_point")
                  if not isinstance(entry, dict) or entry.get(f) is None]
        if not entry or (isinstance(entry, dict) and absent):
            warn(info, f"longitudinal.{ds}", ("empty entry" if len(absent) == 3 else f"missing {', '.join(absent)}")
                 + "; no longitudinal split for this dataset (longitudinal_id empty, time_point 0)")
            del out[ds]
    return out


def metadata_files(v: Any, info: Any) -> Any:
    """Dataset -> {name: file or {path, id_column, sheet}}: each a full mapping, named (before validation)."""
    if not isinstance(v, dict):
        return v
    out = _of_datasets(v, info)
    for ds, files in out.items():
        if isinstance(files, dict):
            out[ds] = {label: {**(e if isinstance(e, dict) else {"path": e}), "name": str(label)}
                       for label, e in files.items()}
            info.context["rename"].update({("metadata", ds, label, "path"): ("metadata", ds, label)
                                           for label, e in files.items() if not isinstance(e, dict)})
    return out


def existing_sources(v: dict) -> dict:
    """Per dataset, the metadata sources whose file exists (a missing one was a warning); datasets without any go."""
    kept = {ds: tuple(source for source in files.values() if source.path.is_file()) for ds, files in v.items()}
    return {ds: sources for ds, sources in kept.items() if sources}


# ------------------------------------------------------------------------------------------ metric_extraction.yaml
def metrics(v: Any, info: Any, expected: str) -> tuple[str, ...]:
    """Metric name (canonical, or a short alias of the registry) -> true/false; the enabled canonical names."""
    if not isinstance(v, dict):
        raise fail(f"got {describe(v)}", expected)
    issues, chosen, enabled, mapped = Issues(), {}, [], []
    for written, flag in v.items():
        key = str(written).strip().lower()
        canonical = key if key in CONFIG_METRIC_NAMES else ALIASES.get(key)
        if canonical is None:
            hint = next((group for group, columns in METRIC_GROUPS.items() if key in columns), None)
            hint = hint or NAME_HINTS.get(key) or suggest(key, [*CONFIG_METRIC_NAMES, *ALIASES])
            issues.append((f".{written}", f"unknown metric '{written}'", "expected one of " + ", ".join(
                sorted(CONFIG_METRIC_NAMES)) + (f" (did you mean '{ALIASES.get(hint, hint)}'?)" if hint else "")))
        elif canonical in chosen:
            issues.append((f".{written}", f"'{written}' and '{chosen[canonical]}' both name the metric "
                                          f"'{canonical}'", "expected each metric once"))
        else:
            chosen[canonical] = written
            mapped += [f"{written} -> {canonical}"] if key != canonical else []
            if not isinstance(flag, bool):
                issues.append((f".{written}", f"got {describe(flag)}", "expected true or false"))
            elif flag:
                enabled.append(canonical)
    if mapped:
        info.context["infos"].append("short metric names mapped: " + ", ".join(mapped))
    if not enabled and not issues:
        warn(info, "metrics", "every metric is false: the CSV will have only ID, region and model")
    issues.check()
    return tuple(enabled)


# ------------------------------------------------------------------------------------------ app.yaml
def pair(v: Any, info: Any, expected: str) -> tuple[str, str]:
    """An ``[old, new]`` pair of texts, ``old`` not empty."""
    if not (isinstance(v, list) and len(v) == 2 and v[0] != "" and all(isinstance(x, str) for x in v)):
        raise fail(f"got {describe(v)}", expected)
    return v[0], v[1]


def columns(v: Any, info: Any, expected: str) -> tuple[str, ...]:
    """Column names (numbers as text; empty entries dropped)."""
    if not isinstance(v, list) or any(isinstance(c, (bool, list, dict)) for c in v):
        raise fail(f"got {describe(v)}", expected)
    return tuple(str(c) for c in v if c is not None)


def one_or_many(v: Any, info: Any) -> Any:
    """One mapping is a list of one (its problems keep the key ``metadata.file``)."""
    if isinstance(v, dict):
        info.context["rename"][(info.field_name, 0)] = (info.field_name,)
        return [v]
    return v


def color(v: Any, info: Any, expected: str) -> tuple[int, int, int]:
    """``'#rrggbb'`` or ``[r, g, b]`` (0-255) -> an RGB triple."""
    if isinstance(v, str) and re.fullmatch(r"\s*#[0-9a-fA-F]{6}\s*", v):
        return tuple(int(v.strip()[i:i + 2], 16) for i in (1, 3, 5))
    if isinstance(v, list) and len(v) == 3 and all(type(x) is int and 0 <= x <= 255 for x in v):
        return tuple(v)
    raise fail(f"got {describe(v)}", expected)


def known_labels(v: dict, info: Any) -> dict:
    """Colours of names that are not configured labels are warned about and dropped."""
    names = [lab.name for lab in info.data.get("labels") or ()]
    for label in [label for label in v if names and label not in names]:
        warn(info, f"label_colors.{label}", f"'{label}' is not a configured label; ignored{did_you_mean(label, names)}")
    return {label: rgb for label, rgb in v.items() if not names or label in names}
