"""CSV and Excel (XLSX, openpyxl) downloads of the contract-manager figures.

One `Table` feeds both formats, so the same numbers land in both. Every figure carries its date and
source: CSV repeats them in the last columns of every row (it stays one clean table for any tool);
XLSX puts a header block (title, source, peildatum, denominator) above the table and freezes it.
Text that a spreadsheet would run as a formula is neutralised (domain/plain_text.py): in CSV with an
apostrophe before every formula-like ';'-part (Dutch Excel splits on ';'); in XLSX every text is
written as a text cell, which is never a formula, so "+31 40 123 4567" and "@Thuis Jeugdhulp" stay
as they are, without a visible apostrophe. Control characters are stripped from every text in both
formats: openpyxl refuses them (a 500) and no spreadsheet shows them.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass, field

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from beschikbaarheid.domain.plain_text import FORMULA_START, export_text, strip_control

CSV_MIMETYPE = "text/csv; charset=utf-8"
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass
class Table:
    """A titled table with its provenance: what it is, where it comes from and for which moment."""

    title: str
    source: str
    as_of: dt.datetime  # the peildatum (aware); shown in Amsterdam time
    columns: Sequence[str]
    rows: list[Sequence] = field(default_factory=list)
    notes: list[tuple[str, str]] = field(default_factory=list)  # e.g. ("Noemer", "gecontracteerde aanbieders 2026")
    sheet: str = "Gegevens"

    def as_of_text(self, tz) -> str:
        return self.as_of.astimezone(tz).strftime("%Y-%m-%d %H:%M")


def percent(share: float | None) -> float | None:
    """A 0..1 share as the percentage a table shows (one decimal); None stays empty."""
    return None if share is None else round(share * 100, 1)


def _csv_cell(value, tz) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "ja" if value else "nee"
    if isinstance(value, dt.datetime):
        return value.astimezone(tz).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return f"{value:.1f}"
    if isinstance(value, int):
        return str(value)
    return export_text(str(value))


def to_csv(table: Table, tz) -> bytes:
    """RFC 4180 CSV (comma, '.' decimals) in UTF-8 with a BOM so Excel reads the accents right."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([export_text(str(c)) for c in (*table.columns, "Peildatum", "Bron")])
    stamp, source = table.as_of_text(tz), export_text(str(table.source))
    for row in table.rows:
        writer.writerow([*(_csv_cell(v, tz) for v in row), stamp, source])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(table: Table, tz) -> bytes:
    """An XLSX workbook: provenance block, bold header, the rows; numbers stay numbers."""
    return to_xlsx_workbook([table], tz)


def to_xlsx_workbook(tables: Sequence[Table], tz) -> bytes:
    """One workbook with a sheet per table (a report), each with its own provenance block."""
    wb = Workbook()
    wb.remove(wb.active)
    for table in tables:
        _write_sheet(wb.create_sheet(strip_control(table.sheet, keep="")[:31] or "Gegevens"), table, tz)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


NUMBER_FORMATS = ((float, "0.0"), (dt.datetime, "dd-mm-yyyy hh:mm"), (dt.date, "dd-mm-yyyy"))


def _write_sheet(ws, table: Table, tz) -> None:
    """Provenance block, bold header and the rows of one table on one sheet.

    Rows are written cell by cell at known row numbers: asking the sheet for its last row scans
    every cell, which made a table of a few thousand rows take seconds.
    """
    bold = Font(bold=True)
    _put(ws, 1, [table.title], tz)[0].font = Font(bold=True, size=14)
    block = [("Bron", table.source), ("Peildatum", table.as_of_text(tz)), *table.notes]
    for row, (label, value) in enumerate(block, start=2):
        _put(ws, row, [label, str(value)], tz)[0].font = bold
    header_row = len(block) + 3  # one empty row between the block and the table
    for cell in _put(ws, header_row, list(table.columns), tz):
        cell.font = bold
    for row, values in enumerate(table.rows, start=header_row + 1):
        for cell in _put(ws, row, values, tz):
            for kind, number_format in NUMBER_FORMATS:
                if isinstance(cell.value, kind):
                    cell.number_format = number_format
                    break
    ws.freeze_panes = ws.cell(row=header_row + 1, column=1)
    for index, name in enumerate(table.columns, start=1):
        longest = max([len(str(name))] + [len(str(r[index - 1])) for r in table.rows[:500] if r[index - 1] is not None])
        ws.column_dimensions[get_column_letter(index)].width = min(60, max(10, longest + 2))


def _put(ws, row: int, values, tz) -> list:
    """Write one row; every text becomes a text cell (never a formula), marked as such for Excel when it looks like one."""
    cells = []
    for column, value in enumerate(values, start=1):
        cell = ws.cell(row=row, column=column)
        cell.value = _xlsx_cell(value, tz)
        if isinstance(cell.value, str):
            cell.data_type = "s"  # openpyxl reads a leading '=' as a formula; this cell is text, whatever it starts with
            if cell.value.startswith(FORMULA_START):
                cell.quotePrefix = True  # Excel keeps it text when someone edits the cell, and shows no apostrophe
        cells.append(cell)
    return cells


def _xlsx_cell(value, tz):
    if isinstance(value, bool):
        return "ja" if value else "nee"
    if isinstance(value, dt.datetime):
        # Excel has no time zones: write Amsterdam wall-clock time, as the page shows it.
        return value.astimezone(tz).replace(tzinfo=None)
    if value is None or isinstance(value, (int, float, dt.date)):
        return value
    return strip_control(str(value))  # text, and translated labels (lazy strings) as text
