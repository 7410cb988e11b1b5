"""The desk's daily report (日报, 16:30) and weekly report (周报, Friday) of seed 002
(6.16, 四.3; domain §8): what each holds, the window of hours it counts, how a stored
report is read back for its page, and its .xlsx. Reads only; the jobs' write is
pages.services.desk_report_store.

A report is a list of sections (``SECTIONS``), each a few lines and one function that
counts them for every estate at once over the report's window: [start, end) and, when
the report is made on its own day, ``as_of`` for what stands open at that moment. A
section's function calls its app's selector (one or a few grouped statements), so a
report takes the same statements for two estates or two hundred, for ten rows or ten
million. Adding a section is a few lines: a function returning {estate id: {line key:
value}} and its Section appended to SECTIONS (see the end of this module's sections)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from io import BytesIO
from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.utils.translation import pgettext_lazy

from callbacks import selectors as callbacks
from complaints import selectors as complaints
from fees import selectors as fees
from desk import selectors as shift_log
from fees.models import PaymentMethod
from gate import selectors as gate
from incidents import selectors as incidents
from notices import selectors as notices
from owners.models import Estate
from pages.models import DeskReport
from propertydesk import jobs as registry
from propertydesk.exports import XLSX_TYPE, write_cell  # noqa: F401 (XLSX_TYPE: the view's content type)
from repairs import selectors as repairs

DAY, WEEK = DeskReport.Period.DAY, DeskReport.Period.WEEK
DAILY_JOB, WEEKLY_JOB = "pages.daily_report", "pages.weekly_report"
FRIDAY = 5  # isoweekday


# ---- the window a report counts ---------------------------------------------------------------


def cut_off(period: str = DAY) -> time:
    """The moment of the day a report is made and counts up to: its job's time in the
    registry (16:30, 002 6.16), so that the window and the job cannot disagree."""
    schedule = registry.get_job(DAILY_JOB if period == DAY else WEEKLY_JOB).schedule
    return time(min(schedule.hour), min(schedule.minute))


@dataclass(frozen=True)
class Window:
    """The moments [start, end) a report counts, the days it names, and the moment what
    stands open is read at (None: the report is made after its day, and what stood open
    then is not known any more)."""

    period: str
    first: date
    last: date
    start: datetime
    end: datetime
    as_of: datetime | None = None


def _at(day: date, moment: time) -> datetime:
    return datetime.combine(day, moment, tzinfo=timezone.get_current_timezone())


def week_first_day(friday: date) -> date:
    """The first day of the week a Friday's report counts (DESK_REPORT_WEEK_STARTS)."""
    return friday - timedelta(days=6 if settings.DESK_REPORT_WEEK_STARTS == "saturday" else 4)


def window(period: str, last: date, *, as_of: datetime | None = None) -> Window:
    """The window of the report of ``period`` ending on ``last`` (a day; for a week, its
    Friday): the day from its midnight to the cut-off, the week from its first day's
    midnight to Friday's cut-off. With ``as_of`` on that last day, what stands open is
    read at ``as_of``."""
    first = last if period == DAY else week_first_day(last)
    standing = as_of if as_of is not None and timezone.localdate(as_of) == last else None
    return Window(period, first, last, _at(first, time.min), _at(last, cut_off(period)), standing)


def last_due(period: str, *, as_of: datetime) -> date:
    """The last day of the latest report due at ``as_of``: today once the cut-off has
    passed, else yesterday; for a week, the latest Friday whose cut-off has passed."""
    local = timezone.localtime(as_of)
    day = local.date() if local.time() >= cut_off(period) else local.date() - timedelta(days=1)
    if period == WEEK:
        day -= timedelta(days=(day.isoweekday() - FRIDAY) % 7)
    return day


def due_between(period: str, *, after: date | None, last: date) -> list[date]:
    """The last days of the reports to make: every one after ``after`` (the latest made)
    up to ``last``, at most DESK_REPORT_CATCH_UP_DAYS (WEEKS) of them, the newest; with
    nothing made yet, ``last`` alone."""
    step = timedelta(days=1 if period == DAY else 7)
    limit = settings.DESK_REPORT_CATCH_UP_DAYS if period == DAY else settings.DESK_REPORT_CATCH_UP_WEEKS
    days, day = [], last
    while len(days) < limit and (after is None and not days or after is not None and day > after):
        days.append(day)
        day -= step
    return sorted(days)


# ---- the sections -------------------------------------------------------------------------------

Link = Callable[[Window, "int | None"], "str | None"]


@dataclass(frozen=True)
class Line:
    key: str
    label: object
    link: Link | None = None
    money: bool = False
    # Of the moment the report was made (what stands open), not of its window.
    standing: bool = False


@dataclass(frozen=True)
class Section:
    key: str
    title: object
    lines: tuple[Line, ...]
    # (start=, end=, as_of=) -> {estate id: {line key: value}}; as_of None: no standing lines.
    count: Callable[..., dict[int, dict]]


def list_link(url_name: str, *, moment: str = "", day: bool = False, **params) -> Link:
    """A link to the list ``url_name`` narrowed to the estate and, where the list filters
    by when things happened, to the report's days (``<moment>_from``/``_to``: the list
    counts whole days) or to its day (``day``: a day's page; none for a week)."""
    def make(window: Window, estate_id: int | None) -> str | None:
        query: dict[str, object] = dict(params)
        if moment:
            query[f"{moment}_from"], query[f"{moment}_to"] = window.first.isoformat(), window.last.isoformat()
        if day:
            if window.first != window.last:
                return None
            query["day"] = window.first.isoformat()
        if estate_id is not None:
            query["estate"] = estate_id
        return reverse(url_name) + ("?" + urlencode(query) if query else "")
    return make


def _takings(*, start: datetime, end: datetime, as_of: datetime | None) -> dict[int, dict]:
    out = fees.desk_report_takings(start=start, end=end)
    for values in out.values():
        values["total"] = sum((values.get(method, Decimal(0)) for method in PaymentMethod.values), Decimal(0))
        values["payments"] = sum(values.get(f"{method}_count", 0) for method in PaymentMethod.values)
    return out


SECTIONS: list[Section] = [
    Section("complaints", gettext_lazy("Complaints"), (
        Line("received", gettext_lazy("Received"), list_link("complaints:queue", moment="received")),
        Line("resolved", gettext_lazy("Resolved"), list_link("complaints:queue", moment="resolved")),
        Line("open", gettext_lazy("Still open"), list_link("complaints:queue", status="open"), standing=True),
        Line("overdue", gettext_lazy("Past the promise"), list_link("complaints:queue", overdue="on"), standing=True),
        Line("suggestions", gettext_lazy("Suggestions received"), list_link("complaints:suggestions")),
    ), complaints.desk_report_counts),
    Section("work_orders", gettext_lazy("Work orders"), (
        Line("registered", gettext_lazy("Registered"), list_link("repairs:queue", status="all")),
        Line("dispatched", gettext_lazy("Dispatched"), list_link("repairs:queue", status="all", moment="dispatched")),
        Line("dispatched_late", gettext_lazy("Dispatched after the deadline"),
             list_link("repairs:queue", status="all", late="on", moment="dispatched")),
        Line("completed", gettext_lazy("Completed"), list_link("repairs:queue", status="all", moment="completed")),
    ), repairs.desk_report_counts),
    Section("callbacks", gettext_lazy("Callbacks"), (
        Line("done", gettext_lazy("Done"), list_link("callbacks:queue", status="done", moment="done")),
        Line("unsatisfied", gettext_lazy("Owner unsatisfied")),
        Line("due", gettext_lazy("Due by the day"), list_link("callbacks:queue", bucket="due"), standing=True),
        Line("overdue", gettext_lazy("Overdue"), list_link("callbacks:queue", bucket="overdue"), standing=True),
    ), callbacks.desk_report_counts),
    Section("takings", gettext_lazy("Takings"), (
        *(Line(method, label, list_link("fees:takings", day=True), money=True) for method, label in
          PaymentMethod.choices),
        Line("total", pgettext_lazy("takings", "Total"), list_link("fees:takings", day=True), money=True),
        Line("payments", pgettext_lazy("desk report", "Payments"), list_link("fees:takings", day=True)),
    ), _takings),
    Section("notices", pgettext_lazy("announcements", "Notices"), (
        Line("published", pgettext_lazy("desk report", "Published"), list_link("notices:list")),
        Line("emergencies", gettext_lazy("Of them emergencies"), list_link("notices:list")),
    ), notices.desk_report_counts),
    Section("incidents", gettext_lazy("Incidents"), (
        Line("started", pgettext_lazy("desk report", "Began"), list_link("incidents:list")),
        Line("closed", pgettext_lazy("desk report", "Closed"), list_link("incidents:list")),
        Line("open", gettext_lazy("Still open"), list_link("incidents:list"), standing=True),
    ), incidents.desk_report_counts),
    Section("handovers", gettext_lazy("Shift handovers"), (
        Line("handovers", gettext_lazy("Shifts handed over"), list_link("desk:history")),
        Line("handed_over", gettext_lazy("Takings handed over"), list_link("desk:history"), money=True),
        Line("refused", gettext_lazy("Items refused by the next shift"), list_link("desk:history")),
    ), shift_log.desk_report_counts),
    Section("visitors", gettext_lazy("Visitors"), (
        Line("registered", pgettext_lazy("desk report", "Registered"), list_link("gate:visitors")),
        Line("not_confirmed", gettext_lazy("Not confirmed by the resident"), list_link("gate:visitors")),
        Line("still_in", gettext_lazy("Still in"), list_link("gate:visitors"), standing=True),
    ), gate.desk_report_counts),
]
BY_KEY = {section.key: section for section in SECTIONS}


# ---- what a report holds ------------------------------------------------------------------------


def _stored(value):
    return str(value) if isinstance(value, Decimal) else value


def _add(a, b):
    if a is None:
        return b
    if isinstance(a, str) or isinstance(b, str):
        return str(Decimal(a) + Decimal(b))
    return a + b


def report_data(win: Window) -> dict:
    """Every section's lines for every estate (by name) and all of them added up, over
    ``win``. A line with nothing to count is 0; a standing line of a report made after its
    day is None (not known). One call of each section's function."""
    estates = list(Estate.objects.order_by("name").values_list("pk", "name"))
    counted = {section.key: section.count(start=win.start, end=win.end, as_of=win.as_of) for section in SECTIONS}
    each, every = [], {}
    for pk, name in estates:
        sections = {}
        for section in SECTIONS:
            values = counted[section.key].get(pk, {})
            sections[section.key] = {
                line.key: None if line.standing and win.as_of is None
                else _stored(values.get(line.key, Decimal("0.00") if line.money else 0))
                for line in section.lines}
        each.append({"estate": pk, "name": name, "sections": sections})
    for section in SECTIONS:
        every[section.key] = {}
        for line in section.lines:
            total = None if line.standing and win.as_of is None else (
                Decimal("0.00") if line.money else 0)
            for part in each:
                value = part["sections"][section.key][line.key]
                if value is not None and total is not None:
                    total = _add(total, value)
            every[section.key][line.key] = _stored(total)
    return {"all": every, "estates": each}


# ---- a report read back -------------------------------------------------------------------------


@dataclass
class Cell:
    value: object  # int, Decimal, or None (not known)
    link: str | None


@dataclass
class Row:
    line: Line
    cells: list[Cell]


@dataclass
class Block:
    section: Section
    rows: list[Row]


def report_window(report: DeskReport) -> Window:
    return Window(report.period, report.first_day, report.last_day, report.starts_at, report.ends_at,
                  report.as_of if report.standing else None)


def _value(line: Line, raw):
    if raw is None:
        return None
    return Decimal(raw) if line.money else int(raw)


def report_columns(report: DeskReport, *, estate_id: int | None = None) -> list[tuple[str, int | None, dict]]:
    """(name, estate id, sections) of the report's columns: all estates and each estate,
    or all estates and the one asked for."""
    parts = [p for p in report.data.get("estates", []) if estate_id is None or p["estate"] == estate_id]
    return [(_("All estates"), None, report.data.get("all", {})),
            *[(p["name"], p["estate"], p.get("sections", {})) for p in parts]]


def report_blocks(report: DeskReport, *, estate_id: int | None = None, links: bool = True) -> list[Block]:
    """The report as the page shows it: per section its lines, each with a cell per column
    (report_columns), linked to the list behind it where the list can show it."""
    win = report_window(report)
    columns = report_columns(report, estate_id=estate_id)
    blocks = []
    for section in SECTIONS:
        rows = []
        for line in section.lines:
            cells = []
            for _name, pk, sections in columns:
                raw = sections.get(section.key, {}).get(line.key)
                cells.append(Cell(_value(line, raw), line.link(win, pk) if links and line.link else None))
            rows.append(Row(line, cells))
        blocks.append(Block(section, rows))
    return blocks


def headline(report: DeskReport, *, estate_id: int | None = None) -> dict:
    """The few figures the list of reports shows for a report (all estates, or one)."""
    if estate_id is None:
        sections = report.data.get("all", {})
    else:
        sections = next((p.get("sections", {}) for p in report.data.get("estates", []) if p["estate"] == estate_id), {})
    return {"complaints": sections.get("complaints", {}).get("received"),
            "work_orders": sections.get("work_orders", {}).get("registered"),
            "callbacks": sections.get("callbacks", {}).get("done"),
            "takings": _value(Line("total", "", money=True), sections.get("takings", {}).get("total"))}


def report_title(report: DeskReport) -> str:
    if report.period == DAY:
        return _("Daily report %(day)s") % {"day": f"{report.last_day:%Y-%m-%d}"}
    return _("Weekly report %(first)s – %(last)s") % {"first": f"{report.first_day:%Y-%m-%d}",
                                                        "last": f"{report.last_day:%Y-%m-%d}"}


def window_text(report: DeskReport) -> str:
    return _("Counted from %(start)s to %(end)s") % {
        "start": f"{timezone.localtime(report.starts_at):%Y-%m-%d %H:%M}",
        "end": f"{timezone.localtime(report.ends_at):%Y-%m-%d %H:%M}"}


# ---- the spreadsheet ----------------------------------------------------------------------------


def report_xlsx(report: DeskReport) -> bytes:
    """The report as a workbook: "Report", the sections' lines down and the estates
    across (all estates first), as the page shows it; "Figures", one row per estate,
    section and line (for a filter or a pivot table). Numbers are numbers, money has its
    cents; a line not known (what stood open, of a report made after its day) is empty."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    columns = report_columns(report)
    blocks = report_blocks(report, links=False)
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="E9EEF5")
    book = Workbook()
    ws = book.active
    ws.title = _("Report")[:31]

    def put(row: int, column: int, value, *, money: bool = False, header: bool = False):
        cell = ws.cell(row=row, column=column)
        write_cell(cell, value)
        if money and value is not None:
            cell.number_format = "#,##0.00"
        if header:
            cell.font, cell.fill = bold, fill

    put(1, 1, report_title(report))
    ws.cell(row=1, column=1).font = Font(bold=True, size=12)
    put(2, 1, window_text(report))
    put(3, 1, _("Generated %(generated)s") % {"generated": f"{timezone.localtime(report.generated_at):%Y-%m-%d %H:%M}"})
    put(5, 1, _("Figure"), header=True)
    for column, (name, _pk, _sections) in enumerate(columns, start=2):
        put(5, column, name, header=True)
    row = 6
    for block in blocks:
        put(row, 1, str(block.section.title), header=True)
        row += 1
        for line_row in block.rows:
            put(row, 1, str(line_row.line.label))
            for column, cell in enumerate(line_row.cells, start=2):
                put(row, column, cell.value, money=line_row.line.money)
            row += 1
    if not report.standing:
        put(row + 1, 1, _("What stood open is not known: the report was made after its day."))
    ws.column_dimensions["A"].width = 30
    for column in range(2, len(columns) + 2):
        ws.column_dimensions[get_column_letter(column)].width = 16
    ws.freeze_panes = ws.cell(row=6, column=2)

    ws = book.create_sheet(title=_("Figures")[:31])
    for column, title in enumerate([_("Estate"), _("Section"), _("Figure"), _("Value")], start=1):
        put(1, column, title, header=True)
    row = 2
    for index, (name, _pk, _sections) in enumerate(columns):
        for block in blocks:
            for line_row in block.rows:
                put(row, 1, name)
                put(row, 2, str(block.section.title))
                put(row, 3, str(line_row.line.label))
                put(row, 4, line_row.cells[index].value, money=line_row.line.money)
                row += 1
    for column, width in zip("ABCD", (18, 16, 30, 14), strict=True):
        ws.column_dimensions[column].width = width
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def report_filename(report: DeskReport) -> str:
    if report.period == DAY:
        return f"daily-report-{report.last_day:%Y-%m-%d}.xlsx"
    return f"weekly-report-{report.last_day:%Y-%m-%d}.xlsx"
