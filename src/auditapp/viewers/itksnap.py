"""Open a subject (and optionally model predictions) in ITK-SNAP, without blocking the dashboard.

Three steps, each usable alone (dashboard.md §6):

1. :func:`subject_files` finds the files of a subject inside the configured dataset folders through
   :mod:`auditapp.io.layout` (names matched literally; IDs that are not one plain path component are refused; a
   symlinked subject folder, as ``auditapp organize --mode symlink`` makes, is opened);
2. :func:`build_command` turns them into an argument list (``-g`` main image, ``-s`` ground truth, ``-o`` other
   sequences and predictions, ``-l`` label description file from :func:`label_description`);
3. :func:`launch` starts it with ``subprocess.Popen`` (no shell, new session, never waited on).

Reference 0.2.0: blocking ``subprocess.run``, a label file at a CWD-relative path with a wrong header, an uncaught
``FileNotFoundError`` when ITK-SNAP was not installed, hard-coded ``.nii.gz`` names, no Windows support.
"""

from __future__ import annotations

import atexit
import colorsys
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from auditapp.config.model import AppConfig, Label, ViewerConfig
from auditapp.io.atomic import write_text_atomic
from auditapp.io.layout import MAIN_SEQUENCE_FALLBACK, SubjectFilesError, SubjectLayout, case_folder, subject_layout

__all__ = [
    "NOT_FOUND_MESSAGE",
    "DUPLICATE_WINDOW_S",
    "LaunchResult",
    "SubjectFiles",
    "SubjectLayout",
    "ViewerError",
    "ViewerNotFound",
    "build_command",
    "case_folder",
    "find_executable",
    "label_colors",
    "label_description",
    "label_file",
    "launch",
    "subject_files",
    "subject_layout",
]

NOT_FOUND_MESSAGE = (
    "ITK-SNAP was not found. Install it from itksnap.org and put `itksnap` on your PATH, "
    "or set `viewer: {itksnap: /path/to/itksnap}` in app.yaml."
)
#: A second identical launch within this many seconds is ignored (duplicate selection events).
DUPLICATE_WINDOW_S = 3.0


#: The subject cannot be opened (bad ID, folder outside the configured roots, no image files...); the locator's
#: error, so one ``except ViewerError`` covers both locating and launching.
ViewerError = SubjectFilesError


class ViewerNotFound(ViewerError):
    """ITK-SNAP is not installed (or not at the configured path)."""


@dataclass(frozen=True)
class SubjectFiles:
    """Files of one subject: ``main`` image, other ``sequences``, ``seg``, ``predictions`` (model -> file)."""

    subject: str
    folder: Path
    main: Path
    sequences: tuple[Path, ...] = ()
    seg: Path | None = None
    predictions: tuple[tuple[str, Path], ...] = ()

    def all_files(self) -> list[Path]:
        files = [self.main, *self.sequences]
        if self.seg is not None:
            files.append(self.seg)
        return files + [p for _, p in self.predictions]


@dataclass(frozen=True)
class LaunchResult:
    """What :func:`launch` did: ``launched`` False for a duplicate event within the window."""

    command: tuple[str, ...]
    launched: bool
    pid: int | None = None


# ------------------------------------------------------------------------------------------------------------------
# Executable
# ------------------------------------------------------------------------------------------------------------------
def find_executable(viewer: ViewerConfig = ViewerConfig(), *, platform: str | None = None) -> list[str]:
    """Command prefix that starts ITK-SNAP, e.g. ``['/usr/bin/itksnap']``.

    ``viewer.itksnap`` may be a path or a command name looked up on ``PATH``. On macOS, when nothing is found and
    ``/Applications/ITK-SNAP.app`` exists, ``['open', '-n', '-a', 'ITK-SNAP', '--args']``. On Windows the names
    ``ITK-SNAP.exe`` / ``itksnap.exe`` are also tried.

    Raises
    ------
    ViewerNotFound
        With :data:`NOT_FOUND_MESSAGE` when no executable is found.
    """
    platform = platform or sys.platform
    configured = viewer.itksnap or "itksnap"
    candidates = [configured]
    if platform.startswith("win") and configured == "itksnap":
        candidates += ["ITK-SNAP.exe", "itksnap.exe"]
    for cand in candidates:
        path = Path(cand).expanduser()
        if (os.sep in cand or "/" in cand) and path.is_file() and os.access(path, os.X_OK):
            return [str(path)]
        found = shutil.which(cand)
        if found:
            return [found]
    if platform == "darwin" and Path("/Applications/ITK-SNAP.app").is_dir():
        return ["open", "-n", "-a", "ITK-SNAP", "--args"]
    raise ViewerNotFound(NOT_FOUND_MESSAGE)


# ------------------------------------------------------------------------------------------------------------------
# Files
# ------------------------------------------------------------------------------------------------------------------
def subject_files(cfg: AppConfig, set_name: str, subject: str,
                  models: tuple[str, ...] | list[str] = ()) -> SubjectFiles:
    """Locate a subject's images, ground truth and the predictions of ``models``.

    Main image: ``viewer.main_sequence`` when present, else the first present of ``_t1ce, _t1, _t2, _flair``, else the
    first configured sequence present. Predictions: ``predictions[set][model]/<ID>/<ID>_pred*`` or
    ``.../<ID>_pred*``; a model without a file is skipped.

    Raises
    ------
    ViewerError
        See :func:`case_folder`; also "No image files for <ID> in <folder>" when no sequence file exists.
    """
    layout = subject_layout(cfg, set_name, subject, models)
    present = layout.sequences
    if not present:
        raise ViewerError(f"No image files for {subject} in {layout.folder}")
    order = [cfg.viewer.main_sequence, *MAIN_SEQUENCE_FALLBACK, *present]
    main_key = next(s for s in order if s in present)
    others = tuple(p for k, p in present.items() if k != main_key)
    preds = tuple((m, p) for m, p in layout.predictions.items() if p is not None)
    return SubjectFiles(subject=subject, folder=layout.folder, main=present[main_key], sequences=others,
                        seg=layout.seg, predictions=preds)


# ------------------------------------------------------------------------------------------------------------------
# Label description file
# ------------------------------------------------------------------------------------------------------------------
def label_colors(labels: tuple[Label, ...], colors: dict | None = None) -> dict[str, tuple[int, int, int]]:
    """RGB per single-value label: ``colors`` (name -> ``(r, g, b)`` or ``"#rrggbb"``) when given, else the
    reference scheme hue = value / number of labels, full saturation and value, ``int(255 * c)`` per channel.

    >>> from auditapp.config.model import Label
    >>> labs = tuple(Label(n, (v,)) for n, v in [("BKG", 0), ("NETC", 1), ("SNFH", 2), ("ET", 3), ("RC", 4)])
    >>> label_colors(labs)["NETC"], label_colors(labs)["RC"]
    ((203, 255, 0), (204, 0, 255))
    """
    colors = colors or {}
    n = max(len(labels), 1)
    out: dict[str, tuple[int, int, int]] = {}
    for lab in labels:
        if lab.composite:
            continue
        given = colors.get(lab.name)
        if isinstance(given, str):
            h = given.lstrip("#")
            out[lab.name] = (int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16))
        elif given is not None:
            out[lab.name] = tuple(int(c) for c in given)  # type: ignore[assignment]
        else:
            rgb = colorsys.hsv_to_rgb(lab.values[0] / n, 1.0, 1.0)
            out[lab.name] = tuple(int(255 * c) for c in rgb)  # type: ignore[assignment]
    return out


def label_description(labels: tuple[Label, ...], colors: dict | None = None) -> str:
    """ITK-SNAP label description text: index 0 is the clear label; composite labels are skipped."""
    rgb = label_colors(labels, colors)
    lines = [
        "################################################",
        "# ITK-SnAP Label Description File",
        "# File format:",
        "# IDX   -R-  -G-  -B-  -A--  VIS MSH  LABEL",
        "################################################",
        f"{0:5d}{0:6d}{0:5d}{0:5d}{0.0:9.2f}{0:3d}{0:3d}    \"Clear Label\"",
    ]
    for lab in labels:
        if lab.composite or lab.is_background:
            continue
        r, g, b = rgb[lab.name]
        lines.append(f"{lab.values[0]:5d}{r:6d}{g:5d}{b:5d}{1.0:9.2f}{1:3d}{1:3d}    \"{lab.name}\"")
    return "\n".join(lines) + "\n"


_TMP: dict[str, Path] = {}
_LOCK = threading.Lock()


def _temp_dir() -> Path:
    with _LOCK:
        if "dir" not in _TMP:
            path = Path(tempfile.mkdtemp(prefix="auditapp-"))
            _TMP["dir"] = path
            atexit.register(shutil.rmtree, path, True)
        return _TMP["dir"]


def label_file(labels: tuple[Label, ...], colors: dict | None = None) -> Path | None:
    """Write (once per label configuration) the label description into this server's temp folder; None without
    labels."""
    if not labels:
        return None
    text = label_description(labels, colors)
    name = f"labels-{abs(hash(text)) % 10**10}.txt"
    path = _temp_dir() / name
    if not path.is_file():
        write_text_atomic(path, text)
    return path


# ------------------------------------------------------------------------------------------------------------------
# Command and launch
# ------------------------------------------------------------------------------------------------------------------
def build_command(executable: list[str], files: SubjectFiles, label_path: Path | None = None,
                  prediction_layer: str = "overlay") -> list[str]:
    """``[exe, -g main, -s seg, -o others... predictions..., -l labels]`` (dashboard.md §6).

    With ``prediction_layer="segmentation"`` the predictions follow the ground truth after ``-s`` (several
    segmentation layers need ITK-SNAP >= 4). Missing parts are left out.
    """
    cmd = [*executable, "-g", str(files.main)]
    segs = [str(files.seg)] if files.seg is not None else []
    overlays = [str(p) for p in files.sequences]
    preds = [str(p) for _, p in files.predictions]
    if prediction_layer == "segmentation":
        segs += preds
    else:
        overlays += preds
    if segs:
        cmd += ["-s", *segs]
    if overlays:
        cmd += ["-o", *overlays]
    if label_path is not None and segs:
        cmd += ["-l", str(label_path)]
    return cmd


_RECENT: dict[tuple[str, ...], float] = {}


def launch(cfg: AppConfig, set_name: str, subject: str, models: tuple[str, ...] | list[str] = (), *,
           force: bool = False, log_file: Path | None = None) -> LaunchResult:
    """Start ITK-SNAP on a subject without waiting for it.

    A launch identical to one started less than :data:`DUPLICATE_WINDOW_S` seconds ago is skipped
    (``launched=False``) unless ``force`` ("Open again").

    Raises
    ------
    ViewerNotFound
        ITK-SNAP is not installed; the message says how to install or configure it.
    ViewerError
        Files cannot be located, or the process could not start (the message shows the command).
    """
    exe = find_executable(cfg.viewer)
    files = subject_files(cfg, set_name, subject, models)
    labels = tuple(cfg.labels or ())
    cmd = build_command(exe, files, label_file(labels, cfg.label_colors), cfg.viewer.prediction_layer)
    key = tuple(cmd)
    now = time.monotonic()
    with _LOCK:
        last = _RECENT.get(key)
        if not force and last is not None and now - last < DUPLICATE_WINDOW_S:
            return LaunchResult(command=key, launched=False)
        _RECENT[key] = now
    log_path = log_file or (_temp_dir() / "itksnap.log")
    try:
        with open(log_path, "ab") as log:
            proc = subprocess.Popen(  # noqa: S603 - argument list, no shell
                cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=log,
                start_new_session=True, close_fds=True,
            )
    except OSError as exc:
        with _LOCK:
            _RECENT.pop(key, None)  # an error never blocks a retry
        raise ViewerError(f"Could not start ITK-SNAP ({exc}). Command: {' '.join(cmd)}") from exc
    return LaunchResult(command=key, launched=True, pid=proc.pid)
