"""Spreadsheet downloads: every .xlsx the portal hands out is written here, so that
text somebody typed (an owner's name, a payer, a note) can never become a formula in
the reader's Excel or LibreOffice.

An owner named ``=HYPERLINK("http://x","y")`` is text. openpyxl turns any string that
starts with ``=`` into a formula; we store such a cell as a plain string (data type
``s``, no formula is ever written) and also set the cell style's ``quotePrefix``: that
is the flag Excel and LibreOffice themselves set for a value typed with a leading
apostrophe, so the text stays text even when somebody edits the cell and presses
Enter. The value is kept as typed, no apostrophe is added to it (OWASP's quote prefix
is for CSV, which has no types: see ``csv_safe``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from io import BytesIO

from django.http import HttpResponse
from django.utils.functional import Promise

# What a spreadsheet reads as the start of a formula (or, for tab and CR, what lets a
# CSV cell start one after the reader trims it). OWASP "CSV Injection".
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

MONEY_FORMAT = "#,##0.00"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def looks_like_formula(value) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def csv_safe(value):
    """For a CSV export: text that a spreadsheet would run gets OWASP's leading
    apostrophe; anything else is returned as it is."""
    return "'" + value if looks_like_formula(value) else value


def write_cell(cell, value) -> None:
    """Put ``value`` in an openpyxl cell; text is always text, Decimals are money."""
    if isinstance(value, Promise):
        value = str(value)
    cell.value = value
    if looks_like_formula(value):
        cell.data_type = "s"
        cell.quotePrefix = True
    elif isinstance(value, Decimal):
        cell.number_format = MONEY_FORMAT


@dataclass
class Sheet:
    title: str
    header: list[str]
    rows: list[list]
    caption: str = ""
    widths: list[int] = field(default_factory=list)


def xlsx_bytes(sheets: list[Sheet]) -> bytes:
    """A workbook with one worksheet per Sheet: a caption line, a bold header, the rows;
    Decimals are written as numbers with two places, text as inert text."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    book = Workbook()
    book.remove(book.active)
    for sheet in sheets:
        ws = book.create_sheet(title=sheet.title[:31])
        row_number = 1
        if sheet.caption:
            write_cell(ws.cell(row=1, column=1), sheet.caption)
            ws.cell(row=1, column=1).font = Font(bold=True, size=12)
            row_number = 3
        header_row = row_number
        for column, title in enumerate(sheet.header, start=1):
            cell = ws.cell(row=header_row, column=column)
            write_cell(cell, title)
            cell.font = Font(bold=True)
            cell.fill = PatternFill("solid", fgColor="E9EEF5")
        for row_number, row in enumerate(sheet.rows, start=header_row + 1):
            for column, value in enumerate(row, start=1):
                write_cell(ws.cell(row=row_number, column=column), value)
        ws.freeze_panes = ws.cell(row=header_row + 1, column=1)
        for i, title in enumerate(sheet.header, start=1):
            width = sheet.widths[i - 1] if i <= len(sheet.widths) else max(10, len(str(title)) * 2 + 2)
            ws.column_dimensions[get_column_letter(i)].width = width
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def xlsx_response(filename: str, sheets: list[Sheet]) -> HttpResponse:
    response = HttpResponse(xlsx_bytes(sheets), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
