"""The checks of the config schema (:mod:`auditapp.config.model`): one YAML value -> a typed value, or raise.

A failing check raises :class:`~pydantic_core.PydanticCustomError` of type ``config`` whose
context holds ``items``, ``(sub-key, problem, expected)`` triples (the sub-key, such as ``"[2]"``
or ``".ET"``, is appended to the key pydantic reports), so one field reports all its problems.
``info.context`` holds the config folder, the raw mapping and the warnings (see ``schema.py``).
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

from auditapp.metrics.registry import ALIASES, CONFIG_METRIC_NAMES, METRIC_GROUPS, METRICS, NAME_HINTS

EXPECT_INT_LABEL = "expected an integer label value or a non-empty list of integers"
METADATA_EXTENSIONS = (".csv", ".tsv", ".xlsx", ".xls")
EXPECT_FORMAT = "expected one of .nii.gz, .nii, nifti, auto"
#: Accepted ``formats`` values -> NIfTI extensions tried, in order.
NIFTI_FORMATS = {".nii.gz": (".nii.gz", ".nii"), "nii.gz": (".nii.gz", ".nii"), ".nii": (".nii", ".nii.gz"),
                 "nii": (".nii", ".nii.gz"), "nifti": (".nii.gz", ".nii"), "auto": (".nii.gz", ".nii")}


def describe(value: Any) -> str:
    """A short, quoted description of a YAML value for error messages.

    Examples
    --------
    >>> describe("1"), describe(None), describe([1, 2])
    ("the string '1'", 'nothing (null)', 'a list [1, 2]')
    """
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, str):
        return f"the string '{value}'" if value else "an empty string"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    if isinstance(value, (list, dict)):
        return f"a list {value}" if isinstance(value, list) else "a mapping"
    return repr(value)


def suggest(name: str, candidates: Iterable[str]) -> str | None:
    """Closest candidate to ``name`` (difflib, case-insensitive), or None.

    Examples
    --------
    >>> suggest("labls", ["labels", "sequences"]), suggest("zzz", ["labels"])
    ('labels', None)
    """
    lowered = {str(c).lower(): str(c) for c in candidates}
    match = difflib.get_close_matches(str(name).lower(), list(lowered), n=1, cutoff=0.6)
    return lowered[match[0]] if match else None


def did_you_mean(name: str, candidates: Iterable[str]) -> str:
    hint = suggest(name, candidates)
    return f" (did you mean '{hint}'?)" if hint else ""


def fail(problem: str, expected: str, sub: str = "") -> PydanticCustomError:
    return PydanticCustomError("config", "{problem}", {"problem": problem, "items": [(sub, problem, expected)]})


class Issues(list):
    """Problems of one field, raised together by :meth:`check`."""

    def add(self, sub: str, problem: str, expected: str) -> None:
        self.append((sub, problem, expected))

    def run(self, sub: str, check: Callable, *args: Any) -> Any:
        """``check(*args)``, or None with its problems recorded under ``sub``."""
        try:
            return check(*args)
        except PydanticCustomError as exc:
            self.extend((sub + s, p, e) for s, p, e in exc.context["items"])
            return None

    def check(self) -> None:
        if self:
            raise PydanticCustomError("config", "{n} problems", {"n": len(self), "items": list(self)})


def leaf(check: Callable, expected: str = "", **options: Any) -> Any:
    """Annotated type whose value is ``check(value, info, expected, **options)``; ``expected`` also describes it."""
    return Annotated[Any, PlainValidator(lambda v, info: check(v, info, expected, **options)),
                     Field(description=expected)]


def warn(info: Any, key: str, message: str) -> None:
    info.context["warnings"].append(f"{info.context['source']}: {key}: {message}")


def warn_unknown(context: dict, mapping: dict, known: list, parent: str) -> None:
    """Warn about each key of ``mapping`` not in ``known``, with a "did you mean" (config.md §1.3)."""
    for k in [k for k in mapping if k not in known]:
        context["unknown"].setdefault(parent, []).append(str(k))
        hint = suggest(str(k), known)
        tail = (f"did you mean '{hint}'?" if hint else "not a key of this kind of config (docs/config.md lists them)"
                if len(known) > 8 else "known keys here: " + ", ".join(known))
        context["warnings"].append(f"{context['source']}: {parent + '.' if parent else ''}{k}: unknown key '{k}', "
                                   f"ignored; {tail}")


def sequence_key(suffix: str) -> str:
    """Column key of a sequence suffix: every ``_`` removed, case kept (``'_t1ce'`` -> ``'t1ce'``)."""
    return suffix.replace("_", "")


# ------------------------------------------------------------------------------------------ scalars
def _quotes(v: Any) -> str:
    """A hint when a number was written as a string."""
    return " (remove the quotes)" if isinstance(v, str) and re.fullmatch(r"\s*[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?\s*",
                                                                       v, re.I) else ""


def integer(v: Any, info: Any, expected: str, minimum: int | None = None) -> int:
    """An int; integral floats accepted; bools, strings and other floats rejected."""
    v = int(v) if isinstance(v, float) and math.isfinite(v) and v.is_integer() else v
    if isinstance(v, bool) or not isinstance(v, int):
        raise fail(f"got {describe(v)}", expected + _quotes(v))
    if minimum is not None and v < minimum:
        raise fail(f"got {v}", expected)
    return v


def number(v: Any, info: Any, expected: str, minimum: float = 0.0, below: float | None = None) -> float:
    """A finite number >= ``minimum`` (and < ``below`` when given); bools and strings rejected."""
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
        raise fail(f"got {describe(v)}", expected + _quotes(v))
    if v < minimum or (below is not None and v >= below):
        raise fail(f"got {v}", expected)
    return float(v)


def int_choice(v: Any, info: Any, expected: str, options: tuple[int, ...] = ()) -> int:
    if integer(v, info, expected) not in options:
        raise fail(f"got {v}", expected)
    return int(v)


def min_sizes(v: Any, info: Any, expected: str) -> float | dict[str, float]:
    """A number >= 0, or a mapping region name (``"*"``: the other regions) -> number >= 0."""
    if not isinstance(v, dict):
        return number(v, info, expected)
    issues = Issues()
    out = {str(k): issues.run(f".{k}", number, size, info, expected) for k, size in v.items()}
    issues.check()
    return out


def boolean(v: Any, info: Any = None, expected: str = "expected true or false") -> bool:
    if not isinstance(v, bool):
        raise fail(f"got {describe(v)}", expected)
    return v


def positive(v: Any, info: Any, expected: str) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
        raise fail(f"got {describe(v)}", expected + _quotes(v))
    if v <= 0:
        raise fail(f"got {v}", expected)
    return float(v)


def text(v: Any, info: Any = None, expected: str = "expected a text value", allow_int: bool = False) -> str:
    if allow_int and isinstance(v, int) and not isinstance(v, bool):
        v = str(v)
    if not isinstance(v, str) or v == "":
        raise fail(f"got {describe(v)}", expected)
    return v


def name(v: Any, info: Any, expected: str, what: str = "name") -> str:
    """A name that becomes part of a file name: non-empty, no ``/`` or ``\\``."""
    v = text(v, None, f"expected a {what} (text)", allow_int=True)
    if "/" in v or "\\" in v or v in (".", ".."):
        raise fail(f"'{v}' cannot be used in a file name", f"expected a {what} without '/' or '\\\\'")
    return v


def choice(v: Any, info: Any, expected: str, options: tuple[str, ...] = ()) -> str:
    """One of ``options``, case-insensitive; returned as spelled in ``options``."""
    found = {o.lower(): o for o in options}.get(v.strip().lower()) if isinstance(v, str) else None
    if found is None:
        raise fail(f"got {describe(v)}", expected + (did_you_mean(v, options) if isinstance(v, str) else ""))
    return found


def text_list(v: Any, info: Any, expected: str) -> tuple[str, ...]:
    if not isinstance(v, list):
        raise fail(f"got {describe(v)}", expected)
    issues = Issues()
    out = tuple(issues.run(f"[{i}]", text, item, None, "expected a non-empty text value") for i, item in enumerate(v))
    issues.check()
    return out


# ------------------------------------------------------------------------------------------ paths
def resolve(context: dict, raw: str) -> Path:
    """``~`` expanded, relative -> against the config folder, absolute and normalised."""
    path = Path(os.path.expanduser(raw))
    path = Path(os.path.normpath(os.path.abspath(path if path.is_absolute() else context["dir"] / path)))
    context["paths"][raw] = path
    return path


def missing_path(context: dict, raw: str, path: Path, kind: str) -> tuple[str, str] | None:
    """``(problem, expected)`` when ``path`` is not an existing ``kind`` ("dir"/"file"), with the CWD hint."""
    what = "folder" if kind == "dir" else "file"
    if path.is_dir() if kind == "dir" else path.is_file():
        return None
    if path.exists():
        return f"{path} is not a {what}", f"expected an existing {what}"
    expected, rel = f"expected an existing {what}", Path(os.path.expanduser(raw))
    if not rel.is_absolute():
        expected += f" (relative paths are resolved against the config file's folder {context['dir']})"
        if (context["cwd"] / rel).exists():
            fix = os.path.relpath(os.path.normpath(os.path.abspath(context["cwd"] / rel)), context["dir"])
            expected += (f"; '{raw}' exists relative to the current directory {context['cwd']}:"
                         f" write '{fix}' or an absolute path")
    return f"{what} not found: {path}", expected


def path(v: Any, info: Any, expected: str, kind: str | None = None) -> Path:
    """A path: ``kind`` "dir"/"file" must exist, "any" is not checked, None (an output) must not be a file."""
    if not isinstance(v, str) or not v.strip():
        raise fail(f"got {describe(v)}", "expected a path (text)")
    resolved = resolve(info.context, v)
    if kind is None and resolved.exists() and not resolved.is_dir():
        raise fail(f"{resolved} exists and is not a folder", "expected a folder path")
    problem = missing_path(info.context, v, resolved, kind) if kind in ("dir", "file") else None
    if problem:
        raise fail(*problem)
    return resolved


def named_dirs(v: Any, info: Any, expected: str, what: str = "name") -> dict[str, Path]:
    """A non-empty mapping name -> existing folder (``data_paths``, ``model_predictions_paths``)."""
    if not isinstance(v, dict) or not v:
        raise fail("empty mapping" if isinstance(v, dict) else f"got {describe(v)}", expected)
    issues, out = Issues(), {}
    for key, raw in v.items():
        ok, folder = issues.run(f".{key}", name, key, None, "", what), issues.run(f".{key}", path, raw, info, "", "dir")
        if ok is not None and folder is not None:
            out[ok] = folder
    issues.check()
    return out


# ------------------------------------------------------------------------------------------ sections
def _label_value(v: Any, sub: str, composite: bool) -> int:
    if isinstance(v, str):
        raise fail(f"label values must be integers, got the string '{v}'",
                   "expected an integer: remove the quotes" if _quotes(v)
                   else "expected an integer or a non-empty list of integers", sub)
    value = int(v) if isinstance(v, float) and math.isfinite(v) and v.is_integer() else v
    if isinstance(value, bool) or not isinstance(value, int):
        raise fail(f"got {describe(v)}", EXPECT_INT_LABEL, sub)
    if value < 0:
        raise fail(f"got {value}", "expected a label value >= 0", sub)
    if composite and value == 0:
        raise fail("value 0 (the background) inside a list", "expected only non-zero values in a composite label", sub)
    return value


def labels(v: Any, info: Any, expected: str, cls: type, regions: bool = False) -> tuple:
    """config.md §1.4: name -> int or non-empty list of ints, in the order written."""
    mapping = "expected a mapping of label name -> integer value or list of integers"
    if not isinstance(v, dict) or not v:
        raise fail("no labels" if isinstance(v, dict) else f"got {describe(v)}",
                   mapping + (", e.g. {BKG: 0, ET: 3}" if isinstance(v, dict) else ""))
    issues, out, owner, lowered = Issues(), [], {}, {}
    for key, raw in v.items():
        label, sub = str(key), f".{key}"
        if label.lower() in lowered:
            issues.add(sub, f"label name '{label}' differs from '{lowered[label.lower()]}' only by case",
                       "expected label names that differ ignoring case (they become column names)")
        lowered[label.lower()] = label
        if isinstance(raw, list):
            if not raw:
                issues.add(sub, "empty list", "expected a non-empty list of integer label values")
            values: list[int] = []
            for i, item in enumerate(raw):
                value = issues.run("", _label_value, item, f"{sub}[{i}]", True)
                if value is not None and value in values:
                    issues.add(f"{sub}[{i}]", f"value {value} repeated", "expected distinct values in the list")
                elif value is not None:
                    values.append(value)
            if values:
                out.append(cls(label, tuple(values), composite=True))
            continue
        value = issues.run("", _label_value, raw, sub, False)
        if value in owner:
            issues.add(sub, f"{'the background value 0' if value == 0 else f'value {value}'} is already used by "
                            f"label '{owner[value]}'", "expected distinct values for scalar labels")
        elif value is not None:
            owner[value] = label
            out.append(cls(label, (value,)))
    if regions and not issues and all(lab.is_background for lab in out):
        issues.add("", "only the background (value 0) is configured",
                   "expected at least one non-zero label: each one is a metric region")
    issues.check()
    return tuple(out)


def sequences(v: Any, info: Any, expected: str) -> tuple[str, ...]:
    """File-name suffixes: non-empty, unique, distinct column keys; no leading ``_`` only warns."""
    suffixes = text_list(v, info, expected)
    if not suffixes:
        raise fail("empty list", expected)
    issues, keys = Issues(), {}
    for i, s in enumerate(suffixes):
        key = sequence_key(s)
        if s in suffixes[:i]:
            issues.add(f"[{i}]", f"'{s}' is listed twice", "expected each sequence once")
        elif not key:
            issues.add(f"[{i}]", f"'{s}' has no characters besides '_'", "expected a suffix such as '_t1'")
        elif key in keys:
            issues.add(f"[{i}]", f"'{s}' and '{keys[key]}' give the same column key '{key}'",
                       "expected sequences whose names differ once '_' is removed")
        else:
            keys[key] = s
            if not s.startswith("_"):
                warn(info, f"sequences[{i}]", f"'{s}' has no leading '_': files are looked up as <ID>{s}.nii.gz")
    issues.check()
    return suffixes


def extensions(v: Any, info: Any = None, expected: str = EXPECT_FORMAT) -> tuple[str, ...]:
    """config.md §1.5: a ``formats`` value -> the NIfTI extensions to try."""
    found = NIFTI_FORMATS.get(v.strip().lower()) if isinstance(v, str) else None
    if found is None:
        raise fail(f"format '{v}' is not supported: only NIfTI (.nii/.nii.gz) is supported in this version"
                   if isinstance(v, str) else f"got {describe(v)}", EXPECT_FORMAT)
    return found


def formats(v: Any, info: Any) -> Any:
    """A string means every kind; ``prediction`` falls back to ``segmentation``."""
    if isinstance(v, str):
        return dict.fromkeys(("image", "segmentation", "prediction"), v) if extensions(v) else v
    if isinstance(v, dict) and "prediction" not in v and str(v.get("segmentation")).lower() in NIFTI_FORMATS:
        return {**v, "prediction": v["segmentation"]}
    return v


def modality(v: Any, info: Any, expected: str) -> str:
    if isinstance(v, str) and v.strip().upper() == "MRI":
        return "MRI"
    if isinstance(v, str) and v.strip().upper() == "US":
        raise fail("the ultrasound modality 'US' is not supported in this version", "expected MRI")
    raise fail(f"got {describe(v)}", "expected MRI (the only modality of this version)")


def cpu_cores(v: Any, info: Any, expected: str) -> int:
    """config.md §1.6: ``"None"``/<= 0 -> all cores; a non-integer -> warning and all cores."""
    default = os.cpu_count() or 1
    v = int(v) if isinstance(v, float) and v.is_integer() else v
    if isinstance(v, str) and v.strip().lower() == "none":
        return default
    if isinstance(v, bool) or not isinstance(v, int):
        warn(info, "cpu_cores", f"got {describe(v)}, not an integer; using all {default} cores")
        return default
    if v <= 0:
        info.context["infos"].append(f"cpu_cores: {v} means all cores ({default})")
    return default if v <= 0 else v


def parallel(v: Any, info: Any) -> Any:
    if v.scheduler is not None and v.backend != "dask":
        warn(info, "parallel.scheduler", "ignored: a scheduler is used only with backend: dask")
        v = replace(v, scheduler=None)
    if v.backend == "dask" and (find_spec("dask") is None or find_spec("distributed") is None):
        raise fail("backend dask needs dask[distributed], which is not installed",
                   "expected loky, or install the extra: pip install 'auditapp[dask]'", ".backend")
    return v


def sheet(v: Any, info: Any, expected: str) -> int | str:
    return v if isinstance(v, str) and v else integer(v, info, expected, 0)


def pattern(v: Any, info: Any, expected: str) -> str:
    v = text(v, None, expected)
    try:
        if len(v) > 1:
            re.compile(v)
    except re.error as exc:
        raise fail(f"'{v}' is not a valid regular expression ({exc})",
                   "expected a separator (one character) or a valid regular expression") from None
    return v


# ------------------------------------------------------------------------------------------ feature_extraction.yaml
def families(v: Any, info: Any) -> Any:
    """A family left out of a given ``features`` mapping is off."""
    return {**dict.fromkeys(("statistical", "texture", "spatial", "tumor"), False), **v} if isinstance(v, dict) else v


def _dataset_known(info: Any, key: str, ds: str) -> bool:
    """False (with a warning) when ``ds`` is not a dataset of ``data_paths``."""
    names = info.context["raw"].get("data_paths")
    names = {str(k) for k in names} if isinstance(names, dict) else set()
    if names and ds not in names:
        warn(info, key, f"'{ds}' is not a dataset of data_paths; ignored{did_you_mean(ds, names)}")
    return not names or ds in names


def longitudinal(v: Any, info: Any) -> Any:
    """Entries of unknown datasets, or missing a key, are dropped with a warning (as the reference)."""
    if not isinstance(v, dict):
        return v
    out, none = {}, "no longitudinal split for this dataset (longitudinal_id empty, time_point 0)"
    for ds, entry in v.items():
        absent = [f for f in ("pattern", "longitudinal_id", "time_point")
                  if isinstance(entry, dict) and entry.get(f) is None]
        if not _dataset_known(info, f"longitudinal.{ds}", str(ds)):
            continue
        if not entry or absent:
            warn(info, f"longitudinal.{ds}", ("empty entry" if not entry or len(absent) == 3
                                              else f"missing {', '.join(absent)}") + f"; {none}")
        else:
            out[ds] = entry
    return out


def feature_metadata(v: Any, info: Any, expected: str, cls: type) -> dict:
    """Dataset -> {name: file or {path, id_column, sheet}}; a missing file is skipped with a warning."""
    if not isinstance(v, dict):
        raise fail(f"got {describe(v)}", expected)
    issues, out = Issues(), {}
    for ds, files in v.items():
        if not _dataset_known(info, f"metadata.{ds}", str(ds)):
            continue
        if not isinstance(files, dict):
            issues.add(f".{ds}", f"got {describe(files)}", "expected a mapping of metadata name -> file path or "
                                                           "{path, id_column, sheet}")
            continue
        kept = [issues.run(f".{ds}.{label}", _metadata_file, entry, info, f"metadata.{ds}.{label}", cls, label)
                for label, entry in files.items()]
        if any(kept):
            out[str(ds)] = tuple(k for k in kept if k)
    issues.check()
    return out


def _metadata_file(entry: Any, info: Any, key: str, cls: type, label: str) -> Any:
    short, sub = not isinstance(entry, dict), "" if not isinstance(entry, dict) else ".path"
    entry = {"path": entry} if short else entry
    if not short:
        warn_unknown(info.context, entry, ["path", "id_column", "sheet"], key)
    if entry.get("path") is None:
        raise fail("missing required key", "expected the metadata file (.csv, .tsv, .xlsx, .xls)", sub)
    if not isinstance(entry["path"], str):
        raise fail(f"got {describe(entry['path'])}", "expected the path of a .csv, .tsv, .xlsx or .xls file", sub)
    issues = Issues()
    id_column = issues.run(".id_column", text, entry.get("id_column", "ID"), None, "expected a column name")
    sheet_ = issues.run(".sheet", sheet, entry.get("sheet", 0), None, "expected a sheet name or a 0-based sheet index")
    file = resolve(info.context, entry["path"])
    if not file.name.lower().endswith(METADATA_EXTENSIONS):
        issues.add(sub, f"'{file.name}' is not a .csv, .tsv, .xlsx or .xls file",
                   "expected a metadata file with one of those extensions")
    issues.check()
    if problem := missing_path(info.context, entry["path"], file, "file"):
        return warn(info, key + sub, "; ".join(problem))
    return cls(label, file, id_column, sheet_)


# ------------------------------------------------------------------------------------------ metric_extraction.yaml
def backend(v: Any, info: Any, expected: str) -> str:
    name = text(v, None, "expected audit").strip().lower()
    if name in ("pymia", "metricsreloaded"):
        raise fail(f"back end '{v}' is not supported in this version",
                   "expected audit; the audit back end provides hd95, assd, nsd, volume_similarity and gt_size")
    if name != "audit":
        raise fail(f"unknown back end '{v}'", "expected audit" + did_you_mean(name, ("audit",)))
    return "audit"


def metrics(v: Any, info: Any, expected: str) -> tuple[str, ...]:
    """Metric name (canonical or the reference's short alias, from the registry) -> true/false."""
    if not isinstance(v, dict):
        raise fail(f"got {describe(v)}", expected)
    issues, chosen, enabled, mapped = Issues(), {}, [], []
    for written, flag in v.items():
        key = str(written).strip().lower()
        canonical = key if key in CONFIG_METRIC_NAMES else ALIASES.get(key)
        if canonical is None:
            grouped = next((group for group, columns in METRIC_GROUPS.items() if key in columns), None)
            hint = grouped or NAME_HINTS.get(key) or suggest(key, [*CONFIG_METRIC_NAMES, *ALIASES])
            hint = ALIASES.get(hint, hint)
            issues.add(f".{written}", f"unknown metric '{written}'",
                       "expected one of " + ", ".join(sorted(CONFIG_METRIC_NAMES))
                       + (f" (did you mean '{hint}'?)" if hint else ""))
        elif canonical in chosen:
            issues.add(f".{written}", f"'{written}' and '{chosen[canonical]}' both name the metric '{canonical}'",
                       "expected each metric once")
        else:
            chosen[canonical] = written
            mapped += [f"{written} -> {canonical}"] if key != canonical else []
            if issues.run(f".{written}", boolean, flag):
                enabled.append(canonical)
    if mapped:
        info.context["infos"].append("short metric names mapped: " + ", ".join(mapped))
    if not enabled and not issues:
        warn(info, "metrics", "every metric is false: the CSV will have only ID, region and model")
    issues.check()
    return tuple(enabled)


# ------------------------------------------------------------------------------------------ app.yaml
def spreadsheet(v: Any, info: Any, expected: str) -> Path:
    if isinstance(v, str) and not v.lower().endswith(METADATA_EXTENSIONS):
        raise fail(f"'{v}' is not a .csv, .tsv, .xlsx or .xls file",
                   "expected a metadata file with one of those extensions")
    return path(v, info, expected, "any")


def rewrite(v: Any, info: Any, expected: str) -> tuple[tuple[str, str], ...]:
    if not isinstance(v, list):
        raise fail(f"got {describe(v)}", expected)
    issues = Issues((f"[{i}]", f"got {describe(p)}", "expected a pair [old, new] of texts (old not empty)")
                    for i, p in enumerate(v) if not (isinstance(p, list) and len(p) == 2 and p[0] != ""
                                                     and all(isinstance(x, str) for x in p)))
    issues.check()
    return tuple((p[0], p[1]) for p in v)


def columns(v: Any, info: Any, expected: str) -> tuple[str, ...]:
    if not isinstance(v, list) or any(isinstance(c, (bool, list, dict)) for c in v):
        raise fail(f"got {describe(v)}", expected)
    return tuple(str(c) for c in v if c is not None)


def one_or_many(v: Any, info: Any) -> Any:
    if isinstance(v, dict):
        info.context["rename"][(info.field_name, 0)] = (info.field_name,)  # metadata.file, not metadata[0].file
        return [v]
    return v


def colors(v: Any, info: Any, expected: str) -> dict[str, tuple[int, int, int]]:
    if not isinstance(v, dict):
        raise fail(f"got {describe(v)}", expected)
    issues, out = Issues(), {}
    names = [lab.name for lab in info.data.get("labels") or ()]
    for label, colour in v.items():
        rgb = None
        if isinstance(colour, str) and re.fullmatch(r"#[0-9a-fA-F]{6}", colour.strip()):
            rgb = tuple(int(colour.strip()[i:i + 2], 16) for i in (1, 3, 5))
        elif isinstance(colour, list) and len(colour) == 3 and all(
                isinstance(x, int) and not isinstance(x, bool) and 0 <= x <= 255 for x in colour):
            rgb = tuple(colour)
        if rgb is None:
            issues.add(f".{label}", f"got {describe(colour)}", "expected '#rrggbb' or [r, g, b] with values 0-255")
        elif names and str(label) not in names:
            warn(info, f"label_colors.{label}", f"'{label}' is not a configured label; ignored"
                 + did_you_mean(str(label), names))
        else:
            out[str(label)] = rgb
    issues.check()
    return out


def command(v: Any, info: Any, expected: str) -> str:
    """A value with a folder part is a path (resolved like every path); a bare name is a command on PATH."""
    v = text(v, None, expected)
    return str(resolve(info.context, v)) if ("/" in v or "\\" in v or v.startswith("~")) else v
