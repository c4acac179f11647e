"""``auditapp organize``: organise subject folders by a metadata column (CLI form of auditapp.files)."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Annotated, Optional

import typer

from auditapp.errors import EXIT_CONFIG, AuditappError, AuditappWarning


def _parse_where(where: list[str]) -> list[tuple[str, list[str]]]:
    filters = []
    for item in where:
        column, sep, values = item.partition("=")
        if not sep or not column.strip():
            raise ValueError(f"--where expects COLUMN=VALUE[,VALUE...], got {item!r}")
        filters.append((column, values.split(",")))
    return filters


def organize(
    metadata: Annotated[Path, typer.Argument(
        help="Metadata table: .csv, .tsv, .xlsx or .xls (first sheet).", metavar="METADATA", show_default=False)],
    column: Annotated[str, typer.Option(
        "--column", help="Column giving the category folder (e.g. Site). Surrounding spaces are ignored.",
        show_default=False)],
    input_dir: Annotated[Path, typer.Option(
        "--input-dir", help="Folder holding one <ID> folder (or file) per subject.", show_default=False)],
    output_dir: Annotated[Path, typer.Option(
        "--output-dir", help="Where <category>/<ID> is created.", show_default=False)],
    id_column: Annotated[str, typer.Option(
        "--id-column", help="Column giving the subject ID.")] = "BraTS Subject ID",
    subdir: Annotated[Optional[str], typer.Option(
        "--subdir", help="Extra level below the category, e.g. '{category}_images' "
                         "(gives <Site>/<Site>_images/<ID>, the layout the dashboard expects).")] = None,
    mode: Annotated[str, typer.Option(
        "--mode", help="copy (merge into existing folders), move, or symlink.")] = "copy",
    where: Annotated[Optional[list[str]], typer.Option(
        "--where", help="Keep only rows where COLUMN is one of the values: COLUMN=V1,V2 (repeatable).",
        show_default=False)] = None,
    dry_run: Annotated[bool, typer.Option(
        "--dry-run", help="Print the plan ([SAFE MODE] lines) and change nothing.")] = False,
    overwrite: Annotated[bool, typer.Option(
        "--overwrite", help="Replace existing destinations (move/symlink) instead of refusing.")] = False,
    verbose: Annotated[bool, typer.Option(
        "--verbose", "-v", help="Print one line per folder created and subject copied/moved/linked.")] = False,
) -> None:
    """Organise subject folders into one folder per value of a metadata column.

    <input-dir>/<ID> goes to <output-dir>/<category>/[<subdir>/]<ID>; try --dry-run first.

    Subjects listed in the metadata but absent from the input folder are reported and skipped.

    Example (BraTS 2024 tutorial): auditapp organize metadata.xlsx --column Site --input-dir datasets/BraTS_2024
    --output-dir datasets/BraTS_2024_by_site --subdir '{category}_images'
    --where 'Train/Test/Validation=Train,Train-additional' --dry-run
    """
    from auditapp.files import organize_by_metadata, select_metadata_rows

    try:
        filters = _parse_where(where or [])
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", AuditappWarning)
            table = metadata
            for col, values in filters:
                table = select_metadata_rows(table, col, values)
            result = organize_by_metadata(
                table, column, input_dir, output_dir, id_column=id_column, subdir=subdir, mode=mode,
                verbose=verbose, safe_mode=dry_run, overwrite=overwrite,
            )
    except (AuditappError, KeyError, ValueError, TypeError, OSError) as exc:
        message = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc
        typer.echo(f"error: {message}", err=True)
        raise typer.Exit(code=EXIT_CONFIG) from None
    for w in caught:
        typer.echo(f"warning: {w.message}", err=True)
    organized = sum(len(ids) for ids in result["organized"].values())
    summary = (f"{organized} subjects in {len(result['organized'])} folders"
               f"{' (dry run)' if dry_run else ''}; {len(result['missing'])} not found; "
               f"{len(result['skipped'])} skipped (no '{column}' value, or refused as printed above).")
    typer.echo(summary)
