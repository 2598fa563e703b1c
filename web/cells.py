"""Spreadsheet cells that stay text: a complaint, a name or a group title that starts like a
formula (`=`, `+`, `-`, `@`, tab, CR) must never run when the ledger is opened.

XLSX: such a value is written as a string cell (openpyxl would write it as a formula).
CSV: the cell gets a leading `'` as OWASP's CSV-injection advice says; quotes and separators
are the csv module's to escape.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from openpyxl.cell.cell import Cell

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> object:
    """The value as a CSV cell that no spreadsheet evaluates."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def csv_cells(values: list[object], columns: Sequence[int]) -> None:
    """`csv_cell` on these columns of a row, in place."""
    for n in columns:
        values[n] = csv_cell(values[n])


def as_text(cells: Iterable[Cell]) -> None:
    """Make every text cell a string cell, whatever it starts with."""
    for cell in cells:
        if isinstance(cell.value, str) and cell.data_type != "s":
            cell.data_type = "s"
