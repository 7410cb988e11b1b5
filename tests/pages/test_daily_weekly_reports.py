"""The desk's daily report (16:30) and weekly report (Friday) of seed 002 (6.16, 四.3):
made by pages.daily_report and pages.weekly_report, once each, kept; the window they
count; catch-up after downtime; their pages and .xlsx.

A small world around Friday 4 December 2026 (Shanghai time): estates 甲 (A) and 乙 (B).

Complaints: A c1 received 12-04 09:00, open, promised by 12:00 (past it at 16:30);
  A c2 received 12-04 16:30 (at the cut-off: after the day's window); A c3
  received 12-03 10:00, resolved 12-04 10:00; B c4 received 12-04 08:00, open, promised
  12-07; A c5 received 12-01, open, promised 12-02, clock paused (not past its promise).
Suggestions: A 12-04 11:00; B 12-03 11:00.
Work orders: A w1 registered 12-04 09:00, dispatched 09:10, completed 15:00; A w2
  registered 12-04 10:00, dispatched 10:40 (25 minutes late); B w3 registered 12-04 16:45.
Callbacks: A cb1 due 12-04 (due); A cb2 due 12-02 (overdue); B cb3 answered 12-04 11:00
  unsatisfied; A cb4 answered 12-04 12:00 satisfied, corrected 13:00 (one callback done).
Payments: A cash 100.00 at 10:00 and card 50.50 at 11:00, A cash 20.00 at 17:00 (after the
  cut-off); B online 30.00 at 09:00; A cash 10.00 on Monday 11-30 (the week's).
Notices: A an emergency published 12-04 10:00; B a notice published 11-28 (Saturday: the
  week's, not the day's).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from openpyxl import load_workbook

from callbacks.models import Callback, CallbackResult
from complaints.models import Complaint, Suggestion
from fees import services as fee_services
from fees.models import Bill, Payment
from notices.models import Notice
from pages import desk_reports, jobs
from pages.models import DeskReport
from pages.services import desk_report_store
from propertydesk.jobs import get_job
from repairs.models import Worker, WorkOrder
from tests.concurrency import at_once
from tests.factories import BuildingFactory, EstateFactory, UnitFactory, UserFactory, give_unit, make_owner

SH = ZoneInfo("Asia/Shanghai")
FRIDAY = dt.date(2026, 12, 4)


def sh(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SH)


AT_1630 = sh(2026, 12, 4, 16, 30)


def build() -> dict:
    a = EstateFactory(code="rep-a", name="甲花园")
    b = EstateFactory(code="rep-b", name="乙花园")
    ua = UnitFactory(building=BuildingFactory(estate=a, number="1"), number="1-1-101", area=Decimal("80.00"))
    ub = UnitFactory(building=BuildingFactory(estate=b, number="1"), number="1-1-101", area=Decimal("70.00"))
    for n, unit in enumerate((ua, ub)):
        give_unit(make_owner(name=f"业主{n}", phone=f"1391234100{n}"), unit, since=dt.date(2020, 1, 1))
    desk = UserFactory(username="rep-desk", role="front_desk")
    worker = Worker.objects.create(user=UserFactory(username="rep-worker", role="engineering"), estate=a,
                                   trades=["plumbing"])

    def complaint(number, estate, unit, received, promised_hours, resolved=None, paused=None):
        return Complaint.objects.create(
            number=number, estate=estate, unit=unit, contact_name="业主", channel="phone", category="noise",
            urgency="normal", description="楼上噪音", status="resolved" if resolved else "received",
            department="security" if resolved else "", received_at=received, promised_at=received + dt.timedelta(hours=promised_hours), resolved_at=resolved,
            paused_since=paused)

    complaint("C1", a, ua, sh(2026, 12, 4, 9), 3)
    complaint("C2", a, ua, AT_1630, 72)
    complaint("C3", a, ua, sh(2026, 12, 3, 10), 72, resolved=sh(2026, 12, 4, 10))
    complaint("C4", b, ub, sh(2026, 12, 4, 8), 72)
    complaint("C5", a, ua, sh(2026, 12, 1, 9), 24, paused=sh(2026, 12, 1, 10))
    for number, estate, received in (("S1", a, sh(2026, 12, 4, 11)), ("S2", b, sh(2026, 12, 3, 11))):
        Suggestion.objects.create(number=number, estate=estate, channel="portal", subject="建议", content="多种树",
                                  received_at=received)

    def order(number, estate, unit, registered, dispatched=None, late_minutes=0, completed=None):
        status = "completed" if completed else ("dispatched" if dispatched else "registered")
        return WorkOrder.objects.create(
            number=number, estate=estate, unit=unit, requester_name="业主", kind="minor_repair", source="desk",
            trade="plumbing", description="水龙头漏水", status=status, registered_at=registered,
            dispatch_due_at=registered + dt.timedelta(minutes=15), dispatch_mode="desk", dispatched_at=dispatched,
            dispatch_late_by=dt.timedelta(minutes=late_minutes) if late_minutes else None,
            worker=worker if dispatched else None, completed_at=completed)

    order("W1", a, ua, sh(2026, 12, 4, 9), sh(2026, 12, 4, 9, 10), completed=sh(2026, 12, 4, 15))
    order("W2", a, ua, sh(2026, 12, 4, 10), sh(2026, 12, 4, 10, 40), late_minutes=25)
    order("W3", b, ub, sh(2026, 12, 4, 16, 45))
    c3 = Complaint.objects.get(number="C3")

    def callback(key, estate, unit, due, done=None):
        return Callback.objects.create(
            estate=estate, unit=unit, kind="complaint", source_key=key, event_at=sh(2026, 11, 30, 9), due_on=due,
            status="done" if done else "due", done_at=done, created_at=sh(2026, 11, 30, 9), complaint=c3)

    callback("cb1", a, ua, FRIDAY)
    callback("cb2", a, ua, dt.date(2026, 12, 2))
    cb3 = callback("cb3", b, ub, FRIDAY, done=sh(2026, 12, 4, 11))
    CallbackResult.objects.create(callback=cb3, method="online", satisfaction="unsatisfied", at=sh(2026, 12, 4, 11))
    cb4 = callback("cb4", a, ua, FRIDAY, done=sh(2026, 12, 4, 12))
    first = CallbackResult.objects.create(callback=cb4, method="online", satisfaction="satisfied",
                                          at=sh(2026, 12, 4, 12))
    CallbackResult.objects.create(callback=cb4, method="online", satisfaction="very_satisfied", at=sh(2026, 12, 4, 13),
                                  corrects=first, correction_reason="记错了")
    for number, estate, unit in (("B-A", a, ua), ("B-B", b, ub)):
        Bill.objects.create(number=number, estate=estate, unit=unit, period=dt.date(2026, 11, 1),
                            amount=Decimal("500.00"), issued_at=sh(2026, 11, 10, 1), due_on=dt.date(2026, 11, 15))
    for unit, amount, method, when in ((ua, "100.00", "cash", sh(2026, 12, 4, 10)),
                                       (ua, "50.50", "card", sh(2026, 12, 4, 11)),
                                       (ua, "20.00", "cash", sh(2026, 12, 4, 17)),
                                       (ub, "30.00", "online", sh(2026, 12, 4, 9)),
                                       (ua, "10.00", "cash", sh(2026, 11, 30, 9))):
        fee_services.payment_take(unit=unit, amount=Decimal(amount), method=method, payer_name="业主", now=when,
                                  actor=desk)
    for estate, emergency, published in ((a, True, sh(2026, 12, 4, 10)), (b, False, sh(2026, 11, 28, 10))):
        Notice.objects.create(estate=estate, kind="outage", emergency=emergency, title="停水", body="停水通知",
                              status="published", created_at=published, published_at=published)
    return {"a": a, "b": b, "desk": desk}


@pytest.fixture
def world(db):
    return build()


def part(report: DeskReport, estate) -> dict:
    return next(p["sections"] for p in report.data["estates"] if p["estate"] == estate.pk)


# ---- the jobs --------------------------------------------------------------------------------------


def test_the_jobs_are_registered_at_1630_daily_and_on_friday():
    daily, weekly = get_job("pages.daily_report"), get_job("pages.weekly_report")

    assert (daily.schedule.hour, daily.schedule.minute) == ({16}, {30})
    assert (weekly.schedule.day_of_week, weekly.schedule.hour, weekly.schedule.minute) == ({5}, {16}, {30})
    assert daily.function() is jobs.daily_report and weekly.function() is jobs.weekly_report
    assert desk_reports.cut_off() == dt.time(16, 30)


def test_report_jobs_run_twice_make_one_report_each(world):
    # when
    first_day, second_day = jobs.daily_report(as_of=AT_1630), jobs.daily_report(as_of=AT_1630 + dt.timedelta(hours=1))
    first_week, second_week = jobs.weekly_report(as_of=AT_1630), jobs.weekly_report(as_of=AT_1630)

    # then
    assert first_day == "reports made: 2026-12-04" and first_week == "reports made: 2026-12-04"
    assert second_day == second_week == "the report of 2026-12-04 was made already"
    assert DeskReport.objects.filter(period="day").count() == 1
    assert DeskReport.objects.filter(period="week").count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_store_one_report():
    build()

    outcomes = at_once(lambda: jobs.daily_report(as_of=AT_1630), lambda: jobs.daily_report(as_of=AT_1630))

    assert sorted(outcomes) == ["reports made: 2026-12-04", "the report of 2026-12-04 was made already"]
    assert DeskReport.objects.count() == 1


def test_the_daily_report_counts_the_day_from_midnight_to_1630(world):
    jobs.daily_report(as_of=AT_1630)

    report = DeskReport.objects.get(period="day")
    a, b, every = part(report, world["a"]), part(report, world["b"]), report.data["all"]
    assert (report.starts_at, report.ends_at) == (sh(2026, 12, 4), AT_1630)
    # C1 at 09:00 counted, C2 at 16:30 not (the day so far); C3 resolved; C1 past its promise, C5 paused
    # (C2 is open at the moment of making, though received after the window).
    assert a["complaints"] == {"received": 1, "resolved": 1, "open": 3, "overdue": 1, "suggestions": 1}
    assert b["complaints"] == {"received": 1, "resolved": 0, "open": 1, "overdue": 0, "suggestions": 0}
    assert a["work_orders"] == {"registered": 2, "dispatched": 2, "dispatched_late": 1, "completed": 1}
    assert b["work_orders"]["registered"] == 0  # W3 at 16:45
    assert a["callbacks"] == {"done": 1, "unsatisfied": 0, "due": 2, "overdue": 1}
    assert b["callbacks"] == {"done": 1, "unsatisfied": 1, "due": 0, "overdue": 0}
    assert a["takings"]["cash"] == "100.00" and a["takings"]["card"] == "50.50" and a["takings"]["total"] == "150.50"
    assert b["takings"]["online"] == "30.00" and a["takings"]["payments"] == 2
    assert every["takings"]["total"] == "180.50"
    assert a["notices"] == {"published": 1, "emergencies": 1} and b["notices"]["published"] == 0
    assert every["complaints"]["received"] == 2 and every["callbacks"]["unsatisfied"] == 1


def test_a_reports_figures_equal_the_records_counted_one_by_one(world):
    # given: the report, and the same figures counted from every row in Python
    jobs.daily_report(as_of=AT_1630)
    report = DeskReport.objects.get(period="day")
    start, end = sh(2026, 12, 4), AT_1630

    def within(moment):
        return moment is not None and start <= moment < end

    for estate in (world["a"], world["b"]):
        mine = part(report, estate)
        complaints = [c for c in Complaint.objects.all() if c.estate_id == estate.pk]
        orders = [w for w in WorkOrder.objects.all() if w.estate_id == estate.pk]
        payments = [p for p in Payment.objects.all() if p.estate_id == estate.pk and within(p.received_at)]
        answers = [r for r in CallbackResult.objects.select_related("callback")
                   if r.callback.estate_id == estate.pk and within(r.at) and r.corrects_id is None]
        due = [c for c in Callback.objects.all() if c.estate_id == estate.pk and c.status == "due"
               and c.due_on <= FRIDAY]

        assert mine["complaints"]["received"] == sum(within(c.received_at) for c in complaints)
        assert mine["complaints"]["resolved"] == sum(within(c.resolved_at) for c in complaints)
        assert mine["complaints"]["open"] == sum(c.status in ("received", "assigned", "in_progress")
                                                 for c in complaints)
        assert mine["work_orders"]["registered"] == sum(within(w.registered_at) for w in orders)
        assert mine["work_orders"]["dispatched_late"] == sum(within(w.dispatched_at) and w.dispatch_late_by is not None
                                                             for w in orders)
        assert Decimal(mine["takings"]["total"]) == sum((p.amount for p in payments), Decimal(0))
        assert mine["callbacks"]["done"] == len(answers)
        assert mine["callbacks"]["due"] == len(due)


def test_before_1630_the_report_due_is_yesterdays(world):
    # when: the job run by hand at 16:00 on Friday
    made = jobs.daily_report(as_of=sh(2026, 12, 4, 16))

    # then: Thursday's, from its midnight to its 16:30
    assert made == "reports made: 2026-12-03"
    report = DeskReport.objects.get()
    assert (report.starts_at, report.ends_at) == (sh(2026, 12, 3), sh(2026, 12, 3, 16, 30))
    # made the next day: what stood open on Thursday at 16:30 is not known
    assert report.standing is False and report.data["all"]["complaints"]["open"] is None
    assert report.data["all"]["complaints"]["suggestions"] == 1  # S2, Thursday 11:00


def test_a_report_before_its_window_is_over_is_refused(world):
    with pytest.raises(ValueError, match="as_of"):
        desk_report_store(period="day", last_day=FRIDAY, as_of=sh(2026, 12, 4, 16, 29), now=AT_1630)
    with pytest.raises(ValueError, match="last_day"):
        desk_report_store(period="week", last_day=dt.date(2026, 12, 3), as_of=AT_1630, now=AT_1630)
    assert not DeskReport.objects.exists()


def test_fridays_week_runs_from_saturday_to_friday_1630(world):
    jobs.weekly_report(as_of=AT_1630)

    report = DeskReport.objects.get(period="week")
    assert (report.first_day, report.last_day) == (dt.date(2026, 11, 28), FRIDAY)
    assert (report.starts_at, report.ends_at) == (sh(2026, 11, 28), AT_1630)
    every = report.data["all"]
    # Saturday's notice and Monday's payment are the week's; Friday 17:00's payment is not.
    assert every["notices"]["published"] == 2
    assert every["takings"]["total"] == "190.50"
    assert every["complaints"]["received"] == 4  # C1, C3, C4 and C5


def test_a_working_week_starts_on_monday(world, settings):
    settings.DESK_REPORT_WEEK_STARTS = "monday"

    jobs.weekly_report(as_of=AT_1630)

    report = DeskReport.objects.get(period="week")
    assert report.first_day == dt.date(2026, 11, 30)
    assert report.data["all"]["notices"]["published"] == 1  # Saturday's is not in it


def test_on_thursday_the_week_due_is_last_fridays(world):
    assert jobs.weekly_report(as_of=sh(2026, 12, 3, 18)) == "reports made: 2026-11-27"


def test_catch_up_after_missed_days_makes_each_once(world):
    # given: Tuesday's report made, then the jobs down until Friday evening
    jobs.daily_report(as_of=sh(2026, 12, 1, 16, 30))

    # when
    made = jobs.daily_report(as_of=sh(2026, 12, 4, 18))
    again = jobs.daily_report(as_of=sh(2026, 12, 4, 18, 5))

    # then: Wednesday, Thursday and Friday once each; only Friday's made on its day
    assert made == "reports made: 2026-12-02, 2026-12-03, 2026-12-04 (caught up)"
    assert again == "the report of 2026-12-04 was made already"
    days = dict(DeskReport.objects.filter(period="day").values_list("last_day", "standing"))
    assert days == {dt.date(2026, 12, 1): True, dt.date(2026, 12, 2): False, dt.date(2026, 12, 3): False,
                    FRIDAY: True}


def test_catch_up_goes_back_at_most_the_setting(world, settings):
    settings.DESK_REPORT_CATCH_UP_DAYS = 2
    jobs.daily_report(as_of=sh(2026, 11, 20, 16, 30))

    assert jobs.daily_report(as_of=AT_1630) == "reports made: 2026-12-03, 2026-12-04 (caught up)"


# ---- the pages and the spreadsheet ----------------------------------------------------------------


def test_the_xlsx_opens_with_the_figures(world, client):
    jobs.daily_report(as_of=AT_1630)
    client.force_login(world["desk"])

    response = client.get(reverse("desk_report_xlsx", args=["day", "2026-12-04"]))

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="daily-report-2026-12-04.xlsx"'
    book = load_workbook(BytesIO(response.content))
    sheet = book.worksheets[0]
    with translation.override(response["Content-Language"]):
        labels = {key: str(label) for key, label in (("figure", _("Figure")), ("all", _("All estates")))}
        received = str(desk_reports.BY_KEY["complaints"].lines[0].label)
        total = str(next(line.label for line in desk_reports.BY_KEY["takings"].lines if line.key == "total"))
    rows = [row for row in sheet.iter_rows(min_row=5, values_only=True)]
    assert rows[0][:2] == (labels["figure"], labels["all"]) and set(rows[0][2:4]) == {"甲花园", "乙花园"}
    by_label = {}
    for row in rows[1:]:
        by_label.setdefault(row[0], row[1:])  # the first "Received" is the complaints'
    assert by_label[received][:3] in ((2, 1, 1),)
    assert by_label[total][0] == 180.5
    long_rows = list(book.worksheets[1].iter_rows(min_row=2, values_only=True))
    assert len(long_rows) == 3 * sum(len(s.lines) for s in desk_reports.SECTIONS)


def test_the_desk_sees_the_list_and_a_report_with_its_figures_linked(world, client):
    jobs.daily_report(as_of=AT_1630)
    jobs.weekly_report(as_of=AT_1630)
    client.force_login(world["desk"])

    listing = client.get(reverse("desk_reports"), {"period": "week", "estate": world["a"].pk})
    page = client.get(reverse("desk_report", args=["day", "2026-12-04"]), {"estate": world["a"].pk})

    assert listing.status_code == 200 and "2026-11-28" in listing.content.decode()
    assert "month" not in dict(listing.context["periods"])  # the month reports are the supervisors'
    html = page.content.decode()
    assert page.status_code == 200
    assert "2026-12-04 00:00" in html and "2026-12-04 16:30" in html
    assert (f'/complaints/?received_from=2026-12-04&amp;received_to=2026-12-04&amp;estate={world["a"].pk}"'
            in html)
    assert f'/fees/reports/takings/?day=2026-12-04&amp;estate={world["a"].pk}"' in html
    assert "乙花园" not in page.context["columns"]


def test_finance_and_engineering_may_not_open_the_reports(world, client):
    jobs.daily_report(as_of=AT_1630)
    for role in ("finance", "engineering"):
        client.force_login(UserFactory(username=f"rep-{role}", role=role))
        assert client.get(reverse("desk_reports")).status_code == 403
        assert client.get(reverse("desk_report", args=["day", "2026-12-04"])).status_code == 403


def test_a_report_not_made_or_a_date_that_is_no_date_is_not_found(world, client):
    client.force_login(world["desk"])

    assert client.get(reverse("desk_report", args=["day", "2026-12-04"])).status_code == 404
    assert client.get(reverse("desk_report", args=["day", "2026-13-04"])).status_code == 404
    assert client.get(reverse("desk_report", args=["year", "2026-12-04"])).status_code == 404


def test_runjob_twice_for_the_same_slot_makes_the_report_once(world):
    from propertydesk.jobs import run_job

    first = run_job("pages.daily_report", as_of=AT_1630 + dt.timedelta(minutes=5), now=AT_1630)
    second = run_job("pages.daily_report", as_of=AT_1630 + dt.timedelta(minutes=10), now=AT_1630)

    assert first.ran and first.summary == "reports made: 2026-12-04"
    assert not second.ran and "was done" in second.summary
    assert DeskReport.objects.count() == 1


def test_a_report_and_its_page_cost_the_same_statements_with_more_estates(world, client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def statements() -> tuple[int, int]:
        DeskReport.objects.all().delete()
        jobs.daily_report(as_of=AT_1630)
        client.force_login(world["desk"])
        with CaptureQueriesContext(connection) as made:
            jobs.daily_report(as_of=AT_1630 + dt.timedelta(days=1))
        with CaptureQueriesContext(connection) as page:
            assert client.get(reverse("desk_report", args=["day", "2026-12-05"])).status_code == 200
        return len(made), len(page)

    before = statements()
    for n in range(3):
        EstateFactory(code=f"rep-more-{n}", name=f"丙花园{n}")

    assert statements() == before


def test_the_daily_report_counts_the_incidents_of_the_day_and_those_still_open(world):
    # given: a power cut of the morning, closed at noon; a water cut of the afternoon, still
    # open at 16:30; one of the day before, closed the day before (not counted)
    from incidents import services as incidents

    desk, a = world["desk"], world["a"]

    def incident(kind, start, closed=None):
        made = incidents.incident_open(estate=a, kind=kind, place="3栋", description="停电", whole_estate=True,
                                       started_at=start, now=start, actor=desk)
        if closed:
            incidents.incident_close(incident=made, summary="已恢复供电", now=closed, actor=desk)
        return made

    incident("power_outage", sh(2026, 12, 4, 8, 0), closed=sh(2026, 12, 4, 12, 0))
    incident("water_outage", sh(2026, 12, 4, 14, 0))
    incident("power_outage", sh(2026, 12, 3, 8, 0), closed=sh(2026, 12, 3, 9, 0))

    # when
    jobs.daily_report(as_of=AT_1630)

    # then
    report = DeskReport.objects.get(period="day")
    assert part(report, a)["incidents"] == {"started": 2, "closed": 1, "open": 1}
    assert report.data["all"]["incidents"]["started"] == 2


def test_the_daily_report_counts_the_handovers_and_the_visitors_of_the_day(world):
    # given: the night shift of the 3rd handed over at 08:20 with one open entry, which the
    # day shift refuses; two visitors, one let in and still in at 16:30, one the resident
    # did not confirm; a visitor of the day before (not counted)
    from desk import services as shift_log
    from gate import services as gate
    from owners.models import Unit

    a, desk = world["a"], world["desk"]
    boss = UserFactory(username="rep-boss", role="supervisor")
    unit = Unit.objects.filter(estate=a).first()
    shift_log.entry_add(estate=a, author=desk, text="3栋电梯异响，已报工程部", now=sh(2026, 12, 4, 2, 0))
    handover = shift_log.handover_create(estate=a, actor=desk, now=sh(2026, 12, 4, 8, 20), shift_key="night",
                                         shift_day=dt.date(2026, 12, 3))
    shift_log.item_refuse(item=handover.items.get(), actor=boss, now=sh(2026, 12, 4, 8, 30), reason="未说明处理进度")
    for name, confirmed, at in (("访客甲", True, sh(2026, 12, 4, 10, 0)), ("访客乙", False, sh(2026, 12, 4, 11, 0)),
                                ("访客丙", True, sh(2026, 12, 3, 15, 0))):
        gate.visit_register(unit=unit, visitor_name=name, id_number="440106198001010012", confirmed=confirmed,
                            confirmed_how="phone" if confirmed else "", now=at, actor=desk)

    # when
    jobs.daily_report(as_of=AT_1630)

    # then
    report = DeskReport.objects.get(period="day")
    assert part(report, a)["handovers"] == {"handovers": 1, "handed_over": "0.00", "refused": 1}
    # 访客丙 of the 3rd is not of the day, but still in (never left) as the report is made
    assert part(report, a)["visitors"] == {"registered": 2, "not_confirmed": 1, "still_in": 1}
