"""Pure: a Streamlit Plotly selection event -> the subjects it designates.

Every point of every figure carries ``customdata = [set, ID, ...]`` (plots put it there), so the subject is read
from the event and never inferred from a point index or coordinates (reference bug: the wrong subject when a CSV
was unsorted, had NaN, or the colour scale was continuous).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["selected_subjects", "selection_points", "toggle_subjects"]


def selection_points(event: Any) -> list[Mapping]:
    """The ``points`` list of a ``st.plotly_chart(..., on_select="rerun")`` return value (or of a plain dict)."""
    if event is None:
        return []
    selection = event.get("selection") if isinstance(event, Mapping) else getattr(event, "selection", None)
    if selection is None:
        return []
    points = selection.get("points") if isinstance(selection, Mapping) else getattr(selection, "points", None)
    return list(points or [])


def selected_subjects(event: Any) -> list[tuple[str, str]]:
    """``(set, ID)`` of the selected points, in selection order, without duplicates.

    Points without ``customdata`` (e.g. a box or a density curve) are ignored.

    >>> selected_subjects({"selection": {"points": [{"customdata": ["Duke", "Duke-1"]},
    ...                                             {"customdata": ["Duke", "Duke-1"]},
    ...                                             {"x": 3.0},
    ...                                             {"customdata": ["UCSF", "U-2", "ET"]}]}})
    [('Duke', 'Duke-1'), ('UCSF', 'U-2')]
    """
    out: list[tuple[str, str]] = []
    for point in selection_points(event):
        custom = point.get("customdata") if isinstance(point, Mapping) else None
        if custom is None or isinstance(custom, (str, bytes)) or len(custom) < 2:
            continue
        subject = (str(custom[0]), str(custom[1]))
        if subject not in out:
            out.append(subject)
    return out


def toggle_subjects(current: list[tuple[str, str]], clicked: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Highlight list after a click: clicked subjects not in the list are added, those in it removed.

    Examples
    --------
    >>> toggle_subjects([("A", "1"), ("A", "2")], [("A", "2"), ("B", "3")])
    [('A', '1'), ('B', '3')]
    """
    out = [tuple(s) for s in current]
    for subject in clicked:
        subject = tuple(subject)
        if subject in out:
            out.remove(subject)
        else:
            out.append(subject)
    return out
