"""Longitudinal ID parsing (features.md §10)."""

from __future__ import annotations

import re
import warnings
from collections.abc import Sequence

from auditapp.config.model import LongitudinalSpec
from auditapp.errors import LongitudinalWarning

__all__ = ["split_id", "parse_longitudinal"]


def split_id(subject_id: str, pattern: str) -> list[str]:
    """Split an ID as pandas ``str.split`` does: a 1-character pattern is literal, longer ones are regexes.

    Examples
    --------
    >>> split_id("Patient-002-week-021", "-week-")
    ['Patient-002', '021']
    >>> split_id("a.b", ".")
    ['a', 'b']
    """
    if len(pattern) == 1:
        return subject_id.split(pattern)
    return re.split(pattern, subject_id)


def parse_longitudinal(
    ids: Sequence[str], spec: LongitudinalSpec | None
) -> tuple[list[str], list[int]]:
    """``longitudinal_id`` and ``time_point`` of each subject ID.

    Parameters
    ----------
    ids : sequence of str
        Subject IDs.
    spec : LongitudinalSpec or None
        ``pattern``, piece index ``longitudinal_id`` and piece index ``time_point``.
        None: every ID gets the defaults.

    Returns
    -------
    longitudinal_ids : list of str
        Piece ``spec.longitudinal_id`` (leading zeros kept); ``""`` by default.
    time_points : list of int
        Piece ``spec.time_point`` as an integer (``"044"`` -> 44); 0 by default.

    Warns
    -----
    LongitudinalWarning
        Once, naming every ID that cannot be parsed (piece index out of range or a
        time point that is not an integer); those rows get the defaults.

    Notes
    -----
    Deviation from the reference 0.2.0: one unparsable ID reset every row of the
    dataset to the defaults there; here only that row.

    Examples
    --------
    >>> parse_longitudinal(["Patient-001-week-044"], LongitudinalSpec("-", 1, 3))
    (['001'], [44])
    >>> parse_longitudinal(["UCSF_100302_1"], LongitudinalSpec("_", 1, 2))
    (['100302'], [1])
    >>> parse_longitudinal(["x"], None)
    ([''], [0])
    """
    long_ids: list[str] = []
    times: list[int] = []
    bad: list[str] = []
    for subject in ids:
        if spec is None:
            long_ids.append("")
            times.append(0)
            continue
        try:
            pieces = split_id(str(subject), spec.pattern)
            long_id = pieces[spec.longitudinal_id]
            piece = pieces[spec.time_point].strip()
            if not re.fullmatch(r"[+-]?[0-9]+", piece):
                raise ValueError(piece)
            time_point = int(piece)
        except (IndexError, ValueError, re.error):
            bad.append(str(subject))
            long_ids.append("")
            times.append(0)
            continue
        long_ids.append(long_id)
        times.append(time_point)
    if bad:
        warnings.warn(
            f"cannot parse longitudinal information (pattern {spec.pattern!r}, longitudinal_id piece "
            f"{spec.longitudinal_id}, time_point piece {spec.time_point}) from {len(bad)} ID(s): "
            f"{', '.join(bad[:10])}{' ...' if len(bad) > 10 else ''}; they get longitudinal_id '' and time_point 0",
            LongitudinalWarning, stacklevel=2)
    return long_ids, times
