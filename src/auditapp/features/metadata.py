"""Joining metadata tables onto a feature table (features.md §11)."""

from __future__ import annotations

import warnings

import pandas as pd

from auditapp.errors import AuditappWarning

__all__ = ["merge_metadata"]


def merge_metadata(features: pd.DataFrame, table: pd.DataFrame, *, id_column: str = "ID",
                   name: str = "metadata") -> pd.DataFrame:
    """Left-join one metadata table onto ``features`` on ``ID``.

    Parameters
    ----------
    features : DataFrame
        Has an ``ID`` column (strings).
    table : DataFrame
        The metadata; its ``id_column`` is matched against ``features["ID"]`` as strings.
    id_column : str
        Name of the ID column of ``table``.
    name : str
        Name used in warnings.

    Returns
    -------
    DataFrame
        ``features`` with the metadata columns appended (table column order, the ID
        column itself not repeated); rows and their order unchanged.

    Warns
    -----
    AuditappWarning
        No ``id_column`` (table skipped); duplicate IDs (first row kept); a column
        name already present (renamed with the suffix ``_meta``).

    Notes
    -----
    Deviations from the reference 0.2.0: duplicated IDs duplicated subjects there;
    clashing names got pandas' ``_x``/``_y`` suffixes.

    Examples
    --------
    >>> feats = pd.DataFrame({"ID": ["a", "b"], "x": [1, 2]})
    >>> meta = pd.DataFrame({"ID": ["b", "c"], "age": [40, 50]})
    >>> out = merge_metadata(feats, meta)
    >>> list(out.columns), out["age"].tolist()
    (['ID', 'x', 'age'], [nan, 40.0])
    """
    if id_column not in table.columns:
        warnings.warn(f"metadata '{name}' has no column '{id_column}': skipped", AuditappWarning, stacklevel=2)
        return features
    meta = table.copy()
    meta[id_column] = meta[id_column].map(lambda v: "" if pd.isna(v) else str(v))
    duplicated = meta[id_column].duplicated(keep="first")
    if duplicated.any():
        dups = sorted(set(meta.loc[duplicated, id_column]))
        warnings.warn(f"metadata '{name}' has duplicate IDs {dups[:10]}: the first row of each is kept",
                      AuditappWarning, stacklevel=2)
        meta = meta.loc[~duplicated]
    meta = meta.set_index(id_column)
    renames = {}
    taken = set(features.columns)
    for col in meta.columns:
        new = str(col)
        if new in taken:
            new = f"{new}_meta"
            while new in taken:
                new = f"{new}_meta"
            renames[col] = new
        taken.add(new)
    if renames:
        warnings.warn(f"metadata '{name}' columns {list(renames)} already exist: renamed "
                      f"{list(renames.values())}", AuditappWarning, stacklevel=2)
        meta = meta.rename(columns=renames)
    joined = meta.reindex(features["ID"].astype(str).tolist())
    joined.index = features.index
    return pd.concat([features, joined], axis=1)
