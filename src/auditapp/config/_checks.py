"""Shared validation helpers: the problem collector and the per-type checks.

Every check appends to a :class:`Ctx` instead of raising, so that one run of the
validator reports every problem of a config file at once. A check that fails
returns ``None`` (or the documented default) and validation goes on.
"""

from __future__ import annotations

import difflib
import math
import os
from dataclasses import dataclass, field
from importlib.util import find_spec
from pathlib import Path
from typing import Any, Iterable

from auditapp.config.model import Formats, Label, ParallelConfig

__all__ = ["Ctx", "describe", "suggest"]

#: Log levels accepted by ``logger`` (loguru's level names).
LOG_LEVELS = ("TRACE", "DEBUG", "INFO", "SUCCESS", "WARNING", "ERROR", "CRITICAL")
#: Accepted ``formats`` values -> extensions tried, in order.
NIFTI_FORMATS = {
    ".nii.gz": (".nii.gz", ".nii"),
    "nii.gz": (".nii.gz", ".nii"),
    ".nii": (".nii", ".nii.gz"),
    "nii": (".nii", ".nii.gz"),
    "nifti": (".nii.gz", ".nii"),
    "auto": (".nii.gz", ".nii"),
}
FORMAT_KINDS = ("image", "segmentation", "prediction")
LEGACY_FORMAT_KEYS = ("image_format", "segmentation_format", "prediction_format", "format")


def describe(value: Any) -> str:
    """A short, quoted description of a YAML value for error messages.

    Examples
    --------
    >>> describe("1")
    "the string '1'"
    >>> describe(None)
    'nothing (null)'
    >>> describe([1, 2])
    'a list [1, 2]'
    """
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, str):
        return f"the string '{value}'"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    if isinstance(value, list):
        return f"a list {value}"
    if isinstance(value, dict):
        return "a mapping"
    return repr(value)


def suggest(name: str, candidates: Iterable[str]) -> str | None:
    """Closest candidate to ``name`` (difflib, case-insensitive), or None.

    Examples
    --------
    >>> suggest("labls", ["labels", "sequences"])
    'labels'
    >>> suggest("zzz", ["labels"]) is None
    True
    """
    cands = [str(c) for c in candidates]
    lowered = {c.lower(): c for c in cands}
    match = difflib.get_close_matches(str(name).lower(), list(lowered), n=1, cutoff=0.6)
    return lowered[match[0]] if match else None


def _numeric_text(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return True


@dataclass
class Ctx:
    """Collects the problems and warnings of one config file.

    Parameters
    ----------
    source : str
        The config path as the user gave it (used verbatim in every message).
    config_dir : Path
        Absolute folder of the config file: relative paths are resolved against it.
    cwd : Path
        The current directory, only used for the "exists relative to the current
        directory" hint.
    """

    source: str
    config_dir: Path
    cwd: Path
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    bad: set[str] = field(default_factory=set)  # keys whose interpolation failed (already reported)
    resolved_paths: dict[str, str] = field(default_factory=dict)
    infos: list[str] = field(default_factory=list)

    # ------------------------------------------------------------------ messages
    def error(self, key: str, problem: str, expected: str) -> None:
        """Record ``error: <source>: <key>: <problem>; <expected>``."""
        self.problems.append(f"error: {self.source}: {key}: {problem}; {expected}")

    def warn(self, key: str, message: str) -> None:
        """Record a warning ``<source>: <key>: <message>`` (emitted as ConfigWarning)."""
        self.warnings.append(f"{self.source}: {key}: {message}")

    def is_bad(self, key: str) -> bool:
        """True when ``key`` or a key below it had an interpolation error (already reported)."""
        return any(b == key or b.startswith(key + ".") for b in self.bad)

    # ------------------------------------------------------------------ structure
    def unknown_keys(self, mapping: dict, known: Iterable[str], prefix: str = "",
                     variables: Iterable[str] = ()) -> None:
        """Warn about keys of ``mapping`` not in ``known`` (with a "did you mean")."""
        known = list(known)
        variables = set(variables)
        for key in mapping:
            if key in known or key in variables:
                continue
            hint = suggest(key, known)
            if hint:
                tail = f"did you mean '{hint}'?"
            elif len(known) > 8:
                tail = "not a key of this kind of config (docs/config.md lists them)"
            else:
                tail = "known keys here: " + ", ".join(known)
            self.warn(f"{prefix}{key}", f"unknown key '{key}', ignored; {tail}")

    def missing(self, key: str, expected: str, mapping: dict | None = None,
                known: Iterable[str] = ()) -> None:
        """Report a missing required key, pointing at a likely typo among the unknown keys."""
        if self.is_bad(key):
            return
        hint = ""
        if mapping:
            leaf = key.rsplit(".", 1)[-1]
            others = [k for k in mapping if k not in set(known)]
            close = suggest(leaf, others)
            if close is not None:
                hint = f" (found the unknown key '{close}': a typo?)"
        self.error(key, "missing required key", expected + hint)

    def mapping(self, key: str, value: Any, expected: str) -> dict | None:
        """``value`` if it is a mapping; null -> ``{}``; anything else -> error, None."""
        if value is None:
            return {}
        if isinstance(value, dict):
            return value
        self.error(key, f"got {describe(value)}", expected)
        return None

    # ------------------------------------------------------------------ scalars
    def boolean(self, key: str, value: Any, default: bool | None = None) -> bool | None:
        if value is None and default is not None:
            return default
        if isinstance(value, bool):
            return value
        self.error(key, f"got {describe(value)}", "expected true or false")
        return default

    def integer(self, key: str, value: Any, *, minimum: int | None = None,
                expected: str = "expected an integer") -> int | None:
        """An int; integral floats accepted; bools, strings and other floats are errors."""
        out: int | None = None
        if isinstance(value, bool) or value is None:
            pass
        elif isinstance(value, int):
            out = value
        elif isinstance(value, float) and math.isfinite(value) and value.is_integer():
            out = int(value)
        if out is None:
            extra = " (remove the quotes)" if isinstance(value, str) and _numeric_text(value) else ""
            self.error(key, f"got {describe(value)}", expected + extra)
            return None
        if minimum is not None and out < minimum:
            self.error(key, f"got {out}", expected)
            return None
        return out

    def number(self, key: str, value: Any, *, positive: bool = False,
               expected: str = "expected a number") -> float | None:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            extra = " (remove the quotes)" if isinstance(value, str) and _numeric_text(value) else ""
            self.error(key, f"got {describe(value)}", expected + extra)
            return None
        if positive and value <= 0:
            self.error(key, f"got {value}", expected)
            return None
        return float(value)

    def string(self, key: str, value: Any, expected: str = "expected a text value",
               allow_int: bool = False) -> str | None:
        if isinstance(value, str) and value != "":
            return value
        if allow_int and isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        self.error(key, f"got {describe(value) if value != '' else 'an empty string'}", expected)
        return None

    def name(self, key: str, value: Any, what: str) -> str | None:
        """A name that becomes part of a file name: non-empty, no ``/`` or ``\\``."""
        text = self.string(key, value, f"expected a {what} (text)", allow_int=True)
        if text is None:
            return None
        if "/" in text or "\\" in text or text in (".", ".."):
            self.error(key, f"'{text}' cannot be used in a file name",
                       f"expected a {what} without '/' or '\\\\'")
            return None
        return text

    def str_list(self, key: str, value: Any, expected: str) -> tuple[str, ...] | None:
        if not isinstance(value, list):
            self.error(key, f"got {describe(value)}", expected)
            return None
        out: list[str] = []
        ok = True
        for i, item in enumerate(value):
            if self.is_bad(f"{key}[{i}]"):
                ok = False  # interpolation problem, already reported
            elif isinstance(item, str) and item != "":
                out.append(item)
            else:
                self.error(f"{key}[{i}]", f"got {describe(item)}", "expected a non-empty text value")
                ok = False
        return tuple(out) if ok else None

    # ------------------------------------------------------------------ paths
    def resolve_path(self, value: str) -> Path:
        """``~`` expanded, relative -> against the config folder, absolute and normalised."""
        expanded = os.path.expanduser(value)
        path = Path(expanded)
        if not path.is_absolute():
            path = self.config_dir / path
        return Path(os.path.normpath(os.path.abspath(path)))

    def path(self, key: str, value: Any, *, kind: str | None = None, missing: str = "error",
             app_warnings: list[str] | None = None) -> Path | None:
        """Resolve a path value; optionally check it exists.

        Parameters
        ----------
        kind : {"dir", "file", None}
            What must exist there (None: no check, e.g. outputs).
        missing : {"error", "warn", "app"}
            What a missing input does: a validation error, a ConfigWarning, or a
            line appended to ``app_warnings`` (app.yaml).
        """
        if not isinstance(value, str) or value.strip() == "":
            self.error(key, f"got {describe(value) if value != '' else 'an empty string'}",
                       "expected a path (text)")
            return None
        path = self.resolve_path(value)
        self.resolved_paths[key] = str(path)
        what = {"dir": "folder", "file": "file"}.get(kind or "", "")
        if kind is None:
            if path.exists() and not path.is_dir():
                self.error(key, f"{path} exists and is not a folder", "expected a folder path")
            return path
        ok = path.is_dir() if kind == "dir" else path.is_file()
        if ok:
            return path
        if path.exists():
            problem = f"{path} is not a {what}"
            expected = f"expected an existing {what}"
        else:
            problem = f"{what} not found: {path}"
            expected = f"expected an existing {what}"
            rel = Path(os.path.expanduser(value))
            if not rel.is_absolute():
                expected += f" (relative paths are resolved against the config file's folder {self.config_dir})"
                in_cwd = self.cwd / rel
                if in_cwd.exists():
                    fix = os.path.relpath(os.path.normpath(os.path.abspath(in_cwd)), self.config_dir)
                    expected += (f"; '{value}' exists relative to the current directory {self.cwd}:"
                                 f" write '{fix}' or an absolute path")
        if missing == "error":
            self.error(key, problem, expected)
            return None
        if missing == "app" and app_warnings is not None:
            app_warnings.append(f"{self.source}: {key}: {problem}; {expected}")
        else:
            self.warn(key, f"{problem}; {expected}")
        return path

    # ------------------------------------------------------------------ shared sections
    def labels(self, key: str, value: Any) -> tuple[Label, ...] | None:
        """config.md §1.4: name -> int or non-empty list of ints, in the order written."""
        expected_map = "expected a mapping of label name -> integer value or list of integers"
        if not isinstance(value, dict):
            self.error(key, f"got {describe(value)}", expected_map)
            return None
        if not value:
            if not self.is_bad(key):
                self.error(key, "no labels", expected_map + ", e.g. {BKG: 0, ET: 3}")
            return None
        out: list[Label] = []
        ok = True
        scalar_owner: dict[int, str] = {}
        lowered: dict[str, str] = {}
        for raw_name, raw in value.items():
            name = str(raw_name)
            k = f"{key}.{name}"
            if name.lower() in lowered:
                self.error(k, f"label name '{name}' differs from '{lowered[name.lower()]}' only by case",
                           "expected label names that differ ignoring case (they become column names)")
                ok = False
            lowered[name.lower()] = name
            if isinstance(raw, list):
                if not raw:
                    self.error(k, "empty list", "expected a non-empty list of integer label values")
                    ok = False
                    continue
                vals: list[int] = []
                for i, item in enumerate(raw):
                    v = self._label_value(f"{k}[{i}]", item)
                    if v is None:
                        ok = False
                        continue
                    if v == 0:
                        self.error(f"{k}[{i}]", "value 0 (the background) inside a list",
                                   "expected only non-zero values in a composite label")
                        ok = False
                        continue
                    if v in vals:
                        self.error(f"{k}[{i}]", f"value {v} repeated", "expected distinct values in the list")
                        ok = False
                        continue
                    vals.append(v)
                if vals:
                    out.append(Label(name, tuple(vals), composite=True))
            else:
                v = self._label_value(k, raw)
                if v is None:
                    ok = False
                    continue
                if v in scalar_owner:
                    what = "the background value 0" if v == 0 else f"value {v}"
                    self.error(k, f"{what} is already used by label '{scalar_owner[v]}'",
                               "expected distinct values for scalar labels")
                    ok = False
                    continue
                scalar_owner[v] = name
                out.append(Label(name, (v,), composite=False))
        return tuple(out) if ok else None

    def _label_value(self, key: str, item: Any) -> int | None:
        if self.is_bad(key):
            return None  # interpolation problem, already reported
        if isinstance(item, str):
            if _numeric_text(item):
                self.error(key, f"label values must be integers, got the string '{item}'",
                           "expected an integer: remove the quotes")
            else:
                self.error(key, f"label values must be integers, got the string '{item}'",
                           "expected an integer or a non-empty list of integers")
            return None
        v = self.integer(key, item, expected="expected an integer label value or a non-empty list of integers")
        if v is not None and v < 0:
            self.error(key, f"got {v}", "expected a label value >= 0")
            return None
        return v

    def formats(self, data: dict, kinds: Iterable[str] = FORMAT_KINDS) -> Formats:
        """config.md §1.5: ``formats`` (string or mapping) plus the legacy keys."""
        chosen: dict[str, tuple[str, tuple[str, ...]]] = {}  # kind -> (key given, extensions)

        def parse(key: str, value: Any) -> tuple[str, ...] | None:
            if not isinstance(value, str):
                self.error(key, f"got {describe(value)}", "expected one of .nii.gz, .nii, nifti, auto")
                return None
            exts = NIFTI_FORMATS.get(value.strip().lower())
            if exts is None:
                self.error(key, f"format '{value}' is not supported: only NIfTI (.nii/.nii.gz) is "
                                "supported in this version", "expected one of .nii.gz, .nii, nifti, auto")
            return exts

        def put(kind: str, key: str, exts: tuple[str, ...] | None) -> None:
            if exts is None:
                return
            if kind in chosen and chosen[kind][1] != exts:
                self.error(key, f"conflicts with {chosen[kind][0]}",
                           "expected the same format in both keys, or only one of them")
                return
            chosen.setdefault(kind, (key, exts))

        fm = data.get("formats")
        if isinstance(fm, str):
            exts = parse("formats", fm)
            for kind in FORMAT_KINDS:
                put(kind, "formats", exts)
        elif isinstance(fm, dict):
            self.unknown_keys(fm, FORMAT_KINDS, prefix="formats.")
            for kind in FORMAT_KINDS:
                if fm.get(kind) is not None:
                    put(kind, f"formats.{kind}", parse(f"formats.{kind}", fm[kind]))
        elif fm is not None:
            self.error("formats", f"got {describe(fm)}",
                       "expected a format such as .nii.gz, or a mapping with image, segmentation, prediction")
        for kind in FORMAT_KINDS:
            legacy = f"{kind}_format"
            if data.get(legacy) is not None:
                put(kind, legacy, parse(legacy, data[legacy]))
        if data.get("format") is not None:
            exts = parse("format", data["format"])
            for kind in FORMAT_KINDS:
                put(kind, "format", exts)
        default = Formats()
        image = chosen["image"][1] if "image" in chosen else default.image
        seg = chosen["segmentation"][1] if "segmentation" in chosen else default.segmentation
        pred = chosen["prediction"][1] if "prediction" in chosen else seg
        return Formats(image=image, segmentation=seg, prediction=pred)

    def modality(self, value: Any) -> str:
        if value is None:
            return "MRI"
        if isinstance(value, str) and value.strip().upper() == "MRI":
            return "MRI"
        if isinstance(value, str) and value.strip().upper() == "US":
            self.error("modality", "the ultrasound modality 'US' is not supported in this version",
                       "expected MRI")
        else:
            self.error("modality", f"got {describe(value)}", "expected MRI (the only modality of this version)")
        return "MRI"

    def cpu_cores(self, value: Any) -> int:
        """config.md §1.6: missing/null/"None"/<= 0 -> all cores; non-integer -> warning + default."""
        default = os.cpu_count() or 1
        if value is None or (isinstance(value, str) and value.strip().lower() == "none"):
            return default
        number: int | None = None
        if isinstance(value, int) and not isinstance(value, bool):
            number = value
        elif isinstance(value, float) and math.isfinite(value) and value.is_integer():
            number = int(value)
        if number is None:
            self.warn("cpu_cores", f"got {describe(value)}, not an integer; using all {default} cores")
            return default
        if number <= 0:
            self.infos.append(f"cpu_cores: {number} means all cores ({default})")
            return default
        return number

    def parallel(self, value: Any) -> ParallelConfig:
        expected = "expected a mapping {backend: loky | dask, scheduler: 'tcp://host:port'}"
        mapping = self.mapping("parallel", value, expected)
        if not mapping:
            return ParallelConfig()
        self.unknown_keys(mapping, ("backend", "scheduler"), prefix="parallel.")
        backend = mapping.get("backend", "loky")
        if backend is None:
            backend = "loky"
        if not isinstance(backend, str) or backend.strip().lower() not in ("loky", "dask"):
            hint = suggest(str(backend), ("loky", "dask")) if isinstance(backend, str) else None
            self.error("parallel.backend", f"got {describe(backend)}",
                       "expected loky or dask" + (f" (did you mean '{hint}'?)" if hint else ""))
            return ParallelConfig()
        backend = backend.strip().lower()
        scheduler = mapping.get("scheduler")
        if scheduler is not None:
            scheduler = self.string("parallel.scheduler", scheduler,
                                    "expected the address of a Dask scheduler such as 'tcp://host:8786'")
            if scheduler is not None and backend != "dask":
                self.warn("parallel.scheduler", "ignored: a scheduler is used only with backend: dask")
                scheduler = None
        if backend == "dask" and (find_spec("dask") is None or find_spec("distributed") is None):
            self.error("parallel.backend", "backend dask needs dask[distributed], which is not installed",
                       "expected loky, or install the extra: pip install 'auditapp[dask]'")
        return ParallelConfig(backend=backend, scheduler=scheduler)

    def logger(self, value: Any) -> str:
        if value is None:
            return "WARNING"
        if isinstance(value, str) and value.strip().upper() in LOG_LEVELS:
            return value.strip().upper()
        hint = suggest(value, LOG_LEVELS) if isinstance(value, str) else None
        self.error("logger", f"got {describe(value)}",
                   "expected a log level: DEBUG, INFO, SUCCESS, WARNING or ERROR"
                   + (f" (did you mean '{hint}'?)" if hint else ""))
        return "WARNING"

    def ignored(self, data: dict, keys: Iterable[str]) -> None:
        """Reference keys accepted and ignored with one warning each (config.md §1.3)."""
        for key in keys:
            if key not in data:
                continue
            value = data[key]
            if key in ("reader_options", "preprocessing"):
                if value is not None and not isinstance(value, dict):
                    self.error(key, f"got {describe(value)}", "expected a mapping (it is ignored anyway)")
                    continue
                if not value:
                    continue
                reason = ("preprocessing is a no-op for MRI" if key == "preprocessing"
                          else "NIfTI files are read without reader options")
            else:
                reason = "it only applied to the pymia back end"
            self.warn(key, f"ignored: {reason} in this version")
