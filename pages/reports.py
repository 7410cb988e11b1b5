"""The supervisors' month report (issue 16): what a stored report holds, how it is read
back for its page, and its .xlsx. Reads only; the job's write is
pages.services.month_report_store.

A report freezes every dashboard figure of one month as the dashboard shows it for that
month ("Last month", every estate and each one): the month's stored facts (MonthFacts)
added up by the dashboard's own rules (figures.add_up), each against the target that
applied, and what stood open when it was made. Numbers are kept as strings (money keeps
its cents); labels are not stored, the page says them in the reader's language."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from io import BytesIO

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from owners.models import Estate
from pages import figures
from pages.models import DashboardReport, DashboardTarget, MonthFacts
from propertydesk.exports import XLSX_TYPE, write_cell  # noqa: F401 (XLSX_TYPE: the view's content type)


def _text(value) -> str | None:
    return None if value is None else str(value)


def _number(text) -> Decimal | None:
    return None if text in (None, "") else Decimal(text)


# ---- what a report holds --------------------------------------------------------------------


def _estate_targets(estate_ids: list[int]) -> dict[int | None, dict[str, Decimal]]:
    """figures.targets for all estates (None) and each estate, in one query (the month's
    spot checks' target is one month's)."""
    base = {key: Decimal(value) for key, value in settings.DASHBOARD_TARGETS.items()}
    base["spot_checks"] = Decimal(settings.CALLBACK_SPOT_CHECKS_PER_MONTH)
    out: dict[int | None, dict[str, Decimal]] = {None: base, **{pk: dict(base) for pk in estate_ids}}
    for estate_id, key, target in DashboardTarget.objects.filter(estate_id__in=estate_ids).values_list(
            "estate_id", "figure", "target"):
        out[estate_id][key] = target
    return out


def _part(period: figures.Period, *, targets: dict[str, Decimal]) -> dict:
    for key, target in targets.items():
        if key in period.values:
            period.values[key].target = target
    return {
        "figures": [{"key": key, "numerator": _text(v.numerator), "denominator": _text(v.denominator),
                     "value": _text(v.value), "target": _text(v.target), "below": v.below_target}
                    for key, v in period.values.items()],
        "callback_rates": [{"kind": r.kind, "bank": r.bank, "done": r.done, "owed": r.owed, "rate": _text(r.rate),
                            "required": _text(r.required), "below": r.below_target}
                           for r in period.callback_rates.values()],
    }


def _standing_total(parts: list[dict]) -> dict:
    """What stood open in all estates: counts and money added up; the undelivered
    messages are nobody's estate's, the same number on each (figures.standing)."""
    ages = [sum(part.get("ages", [0] * 5)[i] for part in parts) for i in range(5)]
    deposits = {key: str(sum((Decimal(part.get("deposits", {}).get(key, 0)) for part in parts), Decimal(0)))
                for key in ("held", "held_count", "due", "due_count")}
    return {"ages": ages, "overdue": sum(part.get("overdue", 0) for part in parts), "deposits": deposits,
            "undelivered": max((part.get("undelivered", 0) for part in parts), default=0)}


def report_data(*, month: date, standing: dict[int, dict] | None) -> dict:
    """The report of ``month`` from its stored facts (MonthFacts: brought up to date by
    the caller): all estates together and every estate (by name), each figure's
    numerator, denominator, value, target and whether it misses it, the callback rates
    per kind; with ``standing`` (figures.standing at the moment of making), what stood
    open. The same as the dashboard for "Last month": the same add_up, the same targets."""
    estates = list(Estate.objects.order_by("name").values_list("pk", "name"))
    facts = {estate_id: data for estate_id, data in
             MonthFacts.objects.filter(month=month).values_list("estate_id", "figures")}
    targets = _estate_targets([pk for pk, _name in estates])
    rows = {pk: figures.tagged(facts.get(pk, {}), estate_id=pk, month=month) for pk, _name in estates}
    everything = _part(figures.add_up(list(rows.values())), targets=targets[None])
    each = []
    for pk, name in estates:
        part = {"estate": pk, "name": name, **_part(figures.add_up([rows[pk]]), targets=targets[pk])}
        if standing is not None:
            part["standing"] = _standing_part(standing.get(pk, {}))
        each.append(part)
    if standing is not None:
        everything["standing"] = _standing_total([part["standing"] for part in each])
    return {"month": f"{month:%Y-%m}", "all": everything, "estates": each}


def _standing_part(data: dict) -> dict:
    deposits = data.get("deposits", {})
    return {"ages": list(data.get("ages") or [0] * 5), "overdue": data.get("overdue", 0),
            "deposits": {key: str(deposits.get(key, 0)) for key in ("held", "held_count", "due", "due_count")},
            "undelivered": data.get("undelivered", 0)}


# ---- a report read back, for its page and its spreadsheet --------------------------------------


@dataclass
class FigureLine:
    figure: figures.Figure
    numerator: Decimal
    denominator: Decimal | None
    value: Decimal | None
    target: Decimal | None
    below: bool

    @property
    def count(self) -> int:
        return int(self.denominator or 0)


@dataclass
class RateLine:
    kind: str
    bank: bool
    done: int
    owed: int
    rate: Decimal | None
    required: Decimal | None
    below: bool

    @property
    def label(self):
        return figures.CallbackRate(self.kind, self.bank).label


@dataclass
class Standing:
    ages: list[int]
    overdue: int
    held: Decimal
    held_count: int
    due: Decimal
    due_count: int
    undelivered: int


@dataclass
class ReportPart:
    """All estates (``estate_id`` None) or one estate, as the report froze it."""

    name: str
    estate_id: int | None
    figures: list[FigureLine] = field(default_factory=list)
    rates: list[RateLine] = field(default_factory=list)
    standing: Standing | None = None

    @property
    def by_key(self) -> dict[str, FigureLine]:
        return {line.figure.key: line for line in self.figures}

    @property
    def below_count(self) -> int:
        return sum(line.below for line in self.figures) + sum(rate.below for rate in self.rates)


def _read_part(data: dict, *, name: str, estate_id: int | None) -> ReportPart:
    part = ReportPart(name=name, estate_id=estate_id)
    for line in data.get("figures", []):
        figure = figures.BY_KEY.get(line["key"]) or figures.Figure(line["key"], line["key"], figures.COUNT)
        part.figures.append(FigureLine(figure, _number(line["numerator"]) or Decimal(0), _number(line["denominator"]),
                                       _number(line["value"]), _number(line["target"]), bool(line["below"])))
    for rate in data.get("callback_rates", []):
        part.rates.append(RateLine(rate["kind"], rate["bank"], int(rate["done"]), int(rate["owed"]),
                                   _number(rate["rate"]), _number(rate["required"]), bool(rate["below"])))
    standing = data.get("standing")
    if standing is not None:
        deposits = standing.get("deposits", {})
        part.standing = Standing(ages=list(standing.get("ages", [])), overdue=int(standing.get("overdue", 0)),
                                 held=Decimal(deposits.get("held", 0)), held_count=int(deposits.get("held_count", 0)),
                                 due=Decimal(deposits.get("due", 0)), due_count=int(deposits.get("due_count", 0)),
                                 undelivered=int(standing.get("undelivered", 0)))
    return part


def report_parts(report: DashboardReport) -> tuple[ReportPart, list[ReportPart]]:
    """(all estates, each estate) of a stored report, in the estates' names as they were."""
    overall = _read_part(report.data.get("all", {}), name=_("All estates"), estate_id=None)
    return overall, [_read_part(part, name=part["name"], estate_id=part["estate"])
                     for part in report.data.get("estates", [])]


def report_list() -> list[dict]:
    """The stored reports, newest first, with how many figures of all estates missed their
    target (kept beside the figures: the list reads no report's figures)."""
    return list(DashboardReport.objects.order_by("-month").values("month", "as_of", "generated_at", "missed"))


# ---- the spreadsheet ------------------------------------------------------------------------

RATE_FORMAT, ONE_PLACE, TWO_PLACES, WHOLE = "0.0%", "0.0", "0.00", "0"
MONEY_FORMAT = "#,##0.00"
BELOW_FILL = "F8D7DA"


def _unit_label(figure: figures.Figure) -> str:
    return {figures.RATE: "%", figures.HOURS: _("hours"), figures.SCORE: _("out of 5"),
            figures.COUNT: pgettext("a figure's unit", "number")}[figure.unit]


def _cell_value(figure: figures.Figure, value: Decimal | None) -> tuple[object, str]:
    """A figure as a spreadsheet number and its format: a rate as a fraction shown as a
    percentage (85.7 % is 0.857), so that Excel sums and charts it as one."""
    if value is None:
        return None, WHOLE
    if figure.unit == figures.RATE:
        return float(value / 100), RATE_FORMAT
    if figure.unit == figures.HOURS:
        return float(value), ONE_PLACE
    if figure.unit == figures.SCORE:
        return float(value), TWO_PLACES
    return int(value), WHOLE


def _rate_value(value: Decimal | None) -> float | None:
    return None if value is None else float(value / 100)


def report_xlsx(report: DashboardReport) -> bytes:
    """The report as a workbook a supervisor compares estates in: "Overview", one row per
    figure and a column per estate (all estates first), a cell that misses its target
    filled red; "Figures", one row per estate and figure with numerator, denominator,
    value, target and the mark (for a filter or a pivot table); "Callbacks", the rates
    per kind; and, when stored, "Standing" (what stood open when it was made). Numbers
    are numbers; rates are percentages."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    overall, estates = report_parts(report)
    parts = [overall, *estates]
    month = f"{report.month:%Y-%m}"
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="E9EEF5")
    below_fill = PatternFill("solid", fgColor=BELOW_FILL)
    book = Workbook()
    book.remove(book.active)

    def sheet(title: str, caption: str, header: list[str], widths: list[int]):
        ws = book.create_sheet(title=title[:31])
        write_cell(ws.cell(row=1, column=1), caption)
        ws.cell(row=1, column=1).font = Font(bold=True, size=12)
        write_cell(ws.cell(row=2, column=1), _("Figures as of %(time)s; generated %(generated)s") % {
            "time": f"{timezone.localtime(report.as_of):%Y-%m-%d %H:%M}",
            "generated": f"{timezone.localtime(report.generated_at):%Y-%m-%d %H:%M}"})
        for column, title_ in enumerate(header, start=1):
            cell = ws.cell(row=4, column=column)
            write_cell(cell, title_)
            cell.font, cell.fill = bold, fill
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        for i, width in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(i)].width = width
        ws.freeze_panes = ws.cell(row=5, column=2)
        return ws

    def put(ws, row: int, column: int, value, number_format: str | None = None, below: bool = False):
        cell = ws.cell(row=row, column=column)
        write_cell(cell, value)
        if number_format and value is not None:
            cell.number_format = number_format
        if below:
            cell.fill = below_fill
        return cell

    # Overview: figures down, estates across.
    ws = sheet(_("Overview"), _("Month report %(month)s") % {"month": month},
               [_("Figure"), pgettext("of measure", "Unit"), *[part.name for part in parts]],
               [34, 10, *[14] * len(parts)])
    row = 5
    for line in overall.figures:
        put(ws, row, 1, str(line.figure.label))
        put(ws, row, 2, _unit_label(line.figure))
        for column, part in enumerate(parts, start=3):
            mine = part.by_key.get(line.figure.key)
            value, number_format = _cell_value(line.figure, mine.value if mine else None)
            put(ws, row, column, value, number_format, below=bool(mine and mine.below))
        row += 1
    kinds = []
    for part in parts:
        for rate in part.rates:
            if (rate.kind, rate.bank) not in kinds:
                kinds.append((rate.kind, rate.bank))
    for kind, bank in kinds:
        label = figures.CallbackRate(kind, bank).label
        kind_label = f"{label} · {_('bank collection')}" if bank else str(label)
        put(ws, row, 1, _("Callbacks done: %(kind)s") % {"kind": kind_label})
        put(ws, row, 2, "%")
        for column, part in enumerate(parts, start=3):
            rate = next((r for r in part.rates if (r.kind, r.bank) == (kind, bank)), None)
            put(ws, row, column, _rate_value(rate.rate) if rate else None, RATE_FORMAT, below=bool(rate and rate.below))
        row += 1
    put(ws, row + 1, 1, _("A cell filled red misses its target; an empty cell means nothing to count."))

    # Figures: one row per estate and figure.
    ws = sheet(_("Figures"), _("Month report %(month)s") % {"month": month},
               [_("Estate"), _("Figure"), pgettext("of measure", "Unit"), _("Numerator"), _("Denominator"),
                _("Value"), _("Target"), _("Misses its target")], [18, 34, 10, 14, 14, 12, 12, 12])
    row = 5
    for part in parts:
        for line in part.figures:
            value, number_format = _cell_value(line.figure, line.value)
            target, _format = _cell_value(line.figure, line.target)
            put(ws, row, 1, part.name)
            put(ws, row, 2, str(line.figure.label))
            put(ws, row, 3, _unit_label(line.figure))
            # Times are kept in seconds; the spreadsheet says hours, as the page does.
            scale = Decimal(3600) if line.figure.unit == figures.HOURS else Decimal(1)
            put(ws, row, 4, float(line.numerator / scale))
            put(ws, row, 5, None if line.denominator is None or line.figure.unit == figures.COUNT
                else float(line.denominator))
            put(ws, row, 6, value, number_format, below=line.below)
            put(ws, row, 7, target, number_format)
            put(ws, row, 8, _("yes") if line.below else _("no"), below=line.below)
            row += 1

    # Callbacks: per estate and kind.
    ws = sheet(_("Callbacks"), _("Callbacks done, by kind"),
               [_("Estate"), _("Callback for"), _("Done"), _("Owed"), _("Rate"), _("Required"),
                _("Misses its target")], [18, 24, 10, 10, 10, 10, 12])
    row = 5
    for part in parts:
        for rate in part.rates:
            put(ws, row, 1, part.name)
            put(ws, row, 2, f"{rate.label}{' · ' + _('bank collection') if rate.bank else ''}")
            put(ws, row, 3, rate.done, WHOLE)
            put(ws, row, 4, rate.owed, WHOLE)
            put(ws, row, 5, _rate_value(rate.rate), RATE_FORMAT, below=rate.below)
            put(ws, row, 6, _rate_value(rate.required), RATE_FORMAT)
            put(ws, row, 7, _("yes") if rate.below else _("no"), below=rate.below)
            row += 1

    if overall.standing is not None:
        from pages.dashboard import AGE_LABELS

        ws = sheet(_("Standing"), _("Standing when the report was made"),
                   [_("Estate"), *[_("Open complaints, %(age)s") % {"age": label} for label in AGE_LABELS],
                    _("Overdue callbacks"), _("Renovation deposits held"), _("Deposits held, number"),
                    _("Deposit refunds due"), _("Refunds due, number")], [18, *[12] * 5, 12, 16, 10, 16, 10])
        row = 5
        for part in parts:
            s = part.standing or Standing([0] * 5, 0, Decimal(0), 0, Decimal(0), 0, 0)
            put(ws, row, 1, part.name)
            for i, n in enumerate(s.ages, start=2):
                put(ws, row, i, n, WHOLE)
            put(ws, row, 7, s.overdue, WHOLE)
            put(ws, row, 8, s.held, MONEY_FORMAT)
            put(ws, row, 9, s.held_count, WHOLE)
            put(ws, row, 10, s.due, MONEY_FORMAT)
            put(ws, row, 11, s.due_count, WHOLE)
            row += 1
        put(ws, row + 1, 1, _("Undelivered messages (all estates)"))
        put(ws, row + 1, 2, overall.standing.undelivered, WHOLE)

    out = BytesIO()
    book.save(out)
    return out.getvalue()


def report_filename(report: DashboardReport) -> str:
    return f"month-report-{report.month:%Y-%m}.xlsx"

