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

from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from io import BytesIO

from django.http import HttpResponse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

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


# ---- lists as spreadsheets ----------------------------------------------------------------------
#
# Every list page of the desk (complaints, work orders, callbacks, bills, ...) downloads as
# .xlsx with its current filters. Each app declares its lists in its own ``exports.py``
# beside its views (``register(ListExport(...))``); the core finds those modules by name, as
# the admin finds ``admin.py``, and never imports an app. A declaration says who may have
# the list (the page's permission), its columns, and how the list's query string becomes
# rows: the same function the page pages through, so the file holds exactly the rows the
# page shows over all its pages, in its order, masked as the page masks them.

CHUNK_ROWS = 2000  # rows read and written at a time: memory stays flat however long the list


@dataclass(frozen=True)
class Column:
    title: str  # lazy: the file is written in its reader's language
    width: int = 14


class Rows:
    """What a list's query string selects: how many rows (``count``), the rows as cell
    values in the list's order, a chunk at a time (``chunks``), and the filters as the
    page shows them (``filters``: (label, value) pairs) for the file's caption."""

    filters: list[tuple[str, str]]

    def count(self, *, limit: int | None = None) -> int:
        raise NotImplementedError

    def chunks(self, size: int = CHUNK_ROWS):
        raise NotImplementedError


class QuerysetRows(Rows):
    """A short list read as records: ``cells(record)`` gives a row. The queryset is read
    with a server-side cursor, ``size`` records at a time, each chunk with its own
    prefetches (Django's ``iterator(chunk_size=...)``). For lists of a few thousand rows
    at most (the renovation board, the owners): a record and its related ones cost
    tens of microseconds a row; a long list reads plain values (ValuesRows)."""

    def __init__(self, queryset, cells, *, filters=None):
        self.queryset, self.cells, self.filters = queryset, cells, list(filters or [])

    def count(self, *, limit: int | None = None) -> int:
        rows = self.queryset.order_by().values("pk")
        return rows[:limit].count() if limit is not None else rows.count()

    def chunks(self, size: int = CHUNK_ROWS):
        batch = []
        with whole_result_plans(self.queryset.db):
            for record in self.queryset.iterator(chunk_size=size):
                batch.append(self.cells(record))
                if len(batch) >= size:
                    yield batch
                    batch = []
        if batch:
            yield batch


class ValuesRows(QuerysetRows):
    """A long list read as plain values: the list's own queryset (its filters, its order)
    narrowed to ``fields``, the shown columns as ORM paths (``"estate__name"``), which
    PostgreSQL joins in the one statement; read through one server-side cursor ``size``
    rows at a time, each tuple made a row by ``cells(values)``. No record is built and no
    query is made per row, whatever the rows: what a row needs besides its values (the
    labels of choices, people's names) is looked up in dicts made once (``labels``).

    Measured on 50,000 complaints: records with their estate, unit, building and
    assignee, and ``get_status_display()`` (which hashes every lazy label of the field's
    choices on each call), cost 220 µs a row; plain values 15 µs."""

    def __init__(self, queryset, fields, cells, *, filters=None):
        super().__init__(queryset.prefetch_related(None), cells, filters=filters)
        self.fields = tuple(fields)

    def chunks(self, size: int = CHUNK_ROWS):
        cells, batch = self.cells, []
        values = self.queryset.values_list(*self.fields)
        with whole_result_plans(values.db):
            for row in values.iterator(chunk_size=size):
                batch.append(cells(row))
                if len(batch) >= size:
                    yield batch
                    batch = []
        if batch:
            yield batch


def labels(choices) -> dict:
    """A field's choices as {value: label}, the labels in the current language (made once
    for a whole list, not looked up per row); an empty value is an empty cell."""
    return {"": "", None: ""} | {value: str(label) for value, label in choices}


class People(dict):
    """People's names by user id, each name made once (``person_name``) however many rows
    name the person; read from the row's own columns, so no query is made."""

    def name(self, user_id, first_name, last_name, username) -> str:
        if user_id is None:
            return ""
        name = self.get(user_id)
        if name is None:
            from propertydesk.people import person_name

            name = self[user_id] = person_name(_Person(first_name, last_name, username))
        return name


@dataclass(frozen=True)
class _Person:
    first_name: str
    last_name: str
    username: str

    def get_username(self) -> str:
        return self.username


@contextmanager
def whole_result_plans(alias: str):
    """PostgreSQL plans a cursor for its first rows (``cursor_tuple_fraction`` 0.1): for
    one estate's complaints it walked the queue's index over every estate in order rather
    than sort the estate's rows (50,000 rows: 155 s against 2.6 s). A list read to its end
    is planned for all of its rows."""
    from django.db import connections

    connection = connections[alias]
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET cursor_tuple_fraction = 1.0")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET cursor_tuple_fraction")


@dataclass(frozen=True)
class ListExport:
    name: str  # in the URL: /exports/<name>.xlsx
    title: str  # lazy; the sheet's name and the caption's start
    permission: str  # the list page's own
    list_url: str  # the list page's URL name, for the way back
    columns: tuple[Column, ...]
    rows: Callable[..., Rows]  # rows(params: QueryDict, *, user, now) -> Rows

    def filename(self, now) -> str:
            return f"{self.name}-{timezone.localtime(now):%Y%m%d-%H%M}.xlsx"


_registry: dict[str, ListExport] = {}
_discovered = False


def register(export: ListExport) -> ListExport:
    if _registry.get(export.name, export) is not export:
        raise ValueError(f"two lists are exported as {export.name!r}")
    _registry[export.name] = export
    return export


def list_exports() -> dict[str, ListExport]:
    """Every declared list export, by name: the ``exports`` module of each installed app
    imported once."""
    global _discovered
    if not _discovered:
        from django.utils.module_loading import autodiscover_modules

        autodiscover_modules("exports")
        _discovered = True
    return _registry


def get_export(name: str) -> ListExport | None:
    return list_exports().get(name)


def form_filters(form) -> list[tuple[str, str]]:
    """A filter form's chosen values as the page shows them: (label, value) of each field
    given a valid value (a choice by its label, a record by its name, a ticked box as "yes")."""
    from django import forms

    if not form.is_bound or not form.is_valid():
        return []
    shown = []
    for name, field in form.fields.items():
        raw, value = form.data.get(form.add_prefix(name)), form.cleaned_data.get(name)
        if raw in (None, "") or value in (None, ""):
            continue
        if isinstance(field, forms.BooleanField):
            if not value:
                continue
            value = _("yes")
        elif isinstance(field, forms.ModelChoiceField):
            value = str(value)
        elif isinstance(field, forms.ChoiceField):
            value = dict((str(key), label) for key, label in field.choices).get(str(raw), raw)
        shown.append((str(field.label or name), str(value)))
    return shown


def _cell(sheet, value):
    """A write-only cell for ``value``: text that looks like a formula stays text, money
    gets two places, moments are local wall-clock time (Excel has no time zones)."""
    return _cells(sheet)(value)


def _cells(sheet):
    """The function that makes each value of a row a cell (see ``_cell``), the time zone
    read once: plain values go to openpyxl as they are, the few that need a style
    (money, a formula-like text) as a cell of their own. An empty text is no cell."""
    tz = timezone.get_current_timezone()
    illegal = ILLEGAL_CHARACTERS_RE.search

    def cell(value):
        kind = type(value)
        if kind is str:
            if not value:
                return None
            if illegal(value):
                # Control characters typed or pasted into a note are not allowed in a worksheet.
                value = ILLEGAL_CHARACTERS_RE.sub("", value)
            if not value.startswith(FORMULA_STARTS):
                return value
        elif value is None or kind is int or kind is float or kind is bool or kind is date:
            return value
        elif kind is datetime:
            # A moment as the estate's wall clock; openpyxl gives it a date-and-time format.
            return value.astimezone(tz).replace(tzinfo=None) if value.tzinfo is not None else value
        elif isinstance(value, Promise):
            return cell(str(value))
        styled = WriteOnlyCell(sheet)
        write_cell(styled, value)
        return styled

    return cell


def write_list(target, export: ListExport, rows: Rows, *, now, progress=None, size: int = CHUNK_ROWS) -> int:
    """Write the list to ``target`` (a path or a binary file) as one worksheet: a caption
    (the list, the moment, the filters), a bold header, the rows. openpyxl's write-only
    mode streams the rows to a temporary file, so memory does not grow with them.
    ``progress(rows written)`` is called after each chunk. Returns the rows written."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=str(export.title)[:31])
    for i, column in enumerate(export.columns, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = column.width
    sheet.freeze_panes = "A4"
    as_cell = _cells(sheet)
    caption = WriteOnlyCell(sheet, value=f"{export.title} · {timezone.localtime(now):%Y-%m-%d %H:%M}")
    caption.font = Font(bold=True, size=12)
    sheet.append([caption])
    sheet.append([as_cell(caption_filters(rows.filters))])
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="E9EEF5")
    header = []
    for column in export.columns:
        cell = WriteOnlyCell(sheet)
        write_cell(cell, str(column.title))
        cell.font, cell.fill = bold, fill
        header.append(cell)
    sheet.append(header)
    written = 0
    append = sheet.append
    for chunk in rows.chunks(size):
        for values in chunk:
            append([as_cell(value) for value in values])
        written += len(chunk)
        if progress is not None:
            progress(written)
    book.save(target)
    return written


def caption_filters(filters) -> str:
    """The file's second line: the filters in force, each with its label, in the reader's
    language and with the reader's own colon."""
    shown = " · ".join(_("%(label)s: %(value)s") % {"label": label, "value": value} for label, value in filters)
    return _("Filters: %(filters)s") % {"filters": shown or _("no filters")}


def narrowing(*, ranges=(), notes=(), figure=None, figure_labels=None) -> list[tuple[str, str]]:
    """The filters a list takes besides its form, as the page says them above its rows:
    the dashboard's day ranges (``propertydesk.web.DayRange``: "Resolved: 2026-11-01 to
    2026-11-30"), its notes ("Resolved after the promise: yes"), and a staff-view figure
    (the figure over its days, and whose)."""
    from propertydesk import periods

    shown = []
    for range_ in ranges:
        shown.append((str(range_.label), _("%(first)s to %(last)s") % {
            "first": f"{range_.first:%Y-%m-%d}" if range_.first else "…",
            "last": f"{range_.last:%Y-%m-%d}" if range_.last else "…"}))
    shown += [(str(note), _("yes")) for note in notes]
    banner = periods.figure_banner(figure, labels=figure_labels or {})
    if banner is not None:
        shown.append((str(banner["label"]), _("%(first)s to %(last)s") % {
            "first": f"{banner['first']:%Y-%m-%d}", "last": f"{banner['last']:%Y-%m-%d}"}))
        shown.append((_("Person"), banner["person"]))
    return shown
