"""A list's .xlsx names every filter in force on its second line, those the dashboard's
and the staff view's links add too (days, a figure and whose, "not dispatched", a
callback tab, the renovations waiting for the desk), in the reader's language, and holds
exactly the rows they select; its rows are read as plain values, in a number of
statements that does not grow with the rows."""

from __future__ import annotations

import datetime as dt
from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.base import ContentFile
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from callbacks.models import Callback
from complaints import services as complaints
from propertydesk import exports
from propertydesk.jobs import get_job
from propertydesk.models import Download
from renovation.models import Renovation
from repairs.models import WorkOrder
from tests.factories import UnitFactory, UserFactory, make_owner, works_in

SH = ZoneInfo("Asia/Shanghai")
T0 = dt.datetime(2026, 11, 2, 9, 0, tzinfo=SH)


def sheet(client, name, query, language="en"):
    with translation.override(language):
        response = client.get(reverse("export", args=[name]), query, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    book = load_workbook(BytesIO(b"".join(response.streaming_content)))
    ws = book.worksheets[0]
    return ws["A2"].value, [list(row) for row in ws.iter_rows(min_row=4, values_only=True)]


def complaint(unit, actor, *, at, contact="住户", urgency="normal"):
    return complaints.complaint_register(unit=unit, contact_name=contact, channel="phone", category="noise",
                                         urgency=urgency, description="楼上噪音", actor=actor, now=at)


@pytest.fixture
def supervisor(db):
    return UserFactory(username="caption-boss", role="supervisor", first_name="丽华", last_name="陈")


def test_the_dashboards_days_and_the_staff_views_figure_are_named_and_select_the_rows(client, supervisor):
    # given complaints received on the 2nd and on the 5th, one of the 2nd resolved late by
    # the supervisor, who handled it
    unit = UnitFactory(number="1-1-101")
    early = [complaint(unit, supervisor, at=T0 + dt.timedelta(minutes=i)) for i in range(3)]
    complaint(unit, supervisor, at=T0 + dt.timedelta(days=3))
    handled = early[0]
    works_in(supervisor, unit.estate, "customer_service")
    complaints.complaint_assign(complaint=handled, department="customer_service", assignee=supervisor,
                                actor=supervisor, now=T0 + dt.timedelta(minutes=5))
    complaints.complaint_start(complaint=handled, actor=supervisor, now=T0 + dt.timedelta(minutes=6))
    complaints.complaint_resolve(complaint=handled, resolution="已处理", actor=supervisor,
                                 now=T0 + dt.timedelta(days=6))
    client.force_login(supervisor)

    with time_machine.travel(T0 + dt.timedelta(days=7), tick=False):
        # when the list of the dashboard's age link (received on the 2nd) is downloaded
        caption, rows = sheet(client, "complaints", {"received_from": "2026-11-02", "received_to": "2026-11-02"})
        # then it names the days, and holds the three complaints of the 2nd
        assert caption == "Filters: Received: 2026-11-02 to 2026-11-02"
        assert sorted(row[0] for row in rows) == sorted(c.number for c in early)

        # when the staff view's "handled" figure of the supervisor, late ones only
        caption, rows = sheet(client, "complaints", {"figure": "handled", "person": supervisor.pk, "late": "1",
                                                     "from": "2026-11-01", "to": "2026-11-30"})
        # then the figure, its days and whose are said, and the one complaint is the file
        assert caption == ("Filters: Resolved after the promise: yes · Complaints handled: 2026-11-01 to "
                           "2026-11-30 · Person: 陈丽华")
        assert [row[0] for row in rows] == [handled.number]
        assert rows[0][7] == "Resolved" and rows[0][9] == "陈丽华"

        # and in Chinese, with the reader's own colons
        caption, _rows = sheet(client, "complaints", {"figure": "handled", "person": supervisor.pk,
                                                      "from": "2026-11-01", "to": "2026-11-30"}, language="zh-hans")
        assert caption == "筛选条件：处理投诉：2026-11-01 至 2026-11-30 · 处理人：陈丽华"


def order(unit, number, *, status="registered", appointment=None):
    return WorkOrder.objects.create(
        number=number, estate=unit.estate, unit=unit, requester_name="李娜", kind="minor_repair", source="phone",
        trade="plumbing", description="水龙头漏水", status=status, registered_at=T0 - dt.timedelta(hours=1),
        dispatch_due_at=T0 - dt.timedelta(minutes=10), dispatch_mode="desk", appointment_at=appointment,
        dispatched_at=T0 if status not in ("registered", "accepted") else None)


def test_the_today_pages_work_order_links_are_named_and_select_the_rows(client, supervisor):
    # given an order waiting for dispatch (late), one dispatched, one with an appointment on the 3rd
    unit = UnitFactory(number="2-1-301")
    waiting = order(unit, "WX-1")
    order(unit, "WX-2", status="dispatched")
    booked = order(unit, "WX-3", status="dispatched", appointment=T0 + dt.timedelta(days=1))
    client.force_login(supervisor)

    with time_machine.travel(T0, tick=False):
        caption, rows = sheet(client, "work-orders", {"undispatched": "on"})
        assert caption == "Filters: Not dispatched yet: yes"
        assert [row[0] for row in rows] == [waiting.number] and rows[0][11] == "NOT DISPATCHED"

        caption, rows = sheet(client, "work-orders", {"status": "all", "appointment": "2026-11-03"})
        assert caption == "Filters: Status: Any · Appointment on: 2026-11-03"
        assert [row[0] for row in rows] == [booked.number]


def test_the_callbacks_due_by_today_tab_is_named(client, supervisor):
    # given a callback due yesterday and one due next week
    unit = UnitFactory(number="3-1-101")
    source = complaint(unit, supervisor, at=T0 - dt.timedelta(days=5))
    for i, due in enumerate((T0.date() - dt.timedelta(days=1), T0.date() + dt.timedelta(days=6))):
        Callback.objects.create(estate=unit.estate, kind="complaint", source_key=f"complaint:{source.pk}:{i}",
                                complaint=source, unit=unit, contact_name="李娜", event_at=T0 - dt.timedelta(days=3),
                                due_on=due, created_at=T0 - dt.timedelta(days=3))
    client.force_login(supervisor)

    with time_machine.travel(T0, tick=False):
        # when the today page's "due" link is downloaded (it answered 500 before)
        caption, rows = sheet(client, "callbacks", {"bucket": "due"})

    # then the tab is named and only the callback due by today is in the file, overdue
    assert caption == "Filters: Due: Due by today"
    assert [(row[9].date(), row[10]) for row in rows] == [(T0.date() - dt.timedelta(days=1), "Overdue")]


def test_the_renovations_waiting_for_the_desk_are_the_file(client, supervisor):
    # given a renovation submitted (the desk checks its papers) and one under way
    owner = make_owner(name="王芳")
    for number, status in (("ZX-1", "submitted"), ("ZX-2", "in_progress")):
        unit = UnitFactory(number=f"5-1-50{number[-1]}")
        Renovation.objects.create(
            number=number, estate=unit.estate, unit=unit, owner=owner, source="desk", status=status, scope="厨房翻新",
            planned_start=T0.date(), planned_end=T0.date() + dt.timedelta(days=40), contractor_name="好家装饰",
            contractor_lead_name="赵师傅", applied_at=T0 - dt.timedelta(days=2),
            permit_number=f"P-{number}" if status == "in_progress" else "")
    client.force_login(supervisor)

    # when the today page's link (?waiting=desk) is downloaded
    with time_machine.travel(T0, tick=False):
        caption, rows = sheet(client, "renovations", {"waiting": "desk"})

    # then it says so and holds the one the desk has to act on (it held both before)
    assert caption == "Filters: Waiting for: The desk"
    assert [row[0] for row in rows] == ["ZX-1"]


def test_a_lists_statements_do_not_grow_with_its_rows(supervisor):
    # given ten complaints, then a hundred and ten
    unit = UnitFactory(number="6-1-601")
    export = exports.get_export("complaints")

    def statements():
        with CaptureQueriesContext(connection) as queries:
            written = exports.write_list(BytesIO(), export, export.rows(QueryDict(""), user=supervisor, now=T0),
                                         now=T0, size=20)
        return written, len(queries)

    for i in range(10):
        complaint(unit, supervisor, at=T0 + dt.timedelta(minutes=i))
    statements()  # the user's roles are read once, then known
    few = statements()
    for i in range(100):
        complaint(unit, supervisor, at=T0 + dt.timedelta(hours=1, minutes=i), urgency="urgent")
    many = statements()

    # then as many statements for 110 rows read 20 at a time as for 10
    assert (few[0], many[0]) == (10, 110)
    assert many[1] == few[1]


def test_the_sweeps_statements_do_not_grow_with_the_expired_downloads(desk_user):
    def expired(n):
        for _i in range(n):
            row = Download(user=desk_user, export="complaints", language="en", status="ready", filename="c.xlsx",
                           requested_at=T0 - dt.timedelta(days=4), expires_at=T0 - dt.timedelta(days=1))
            row.file.save("c.xlsx", ContentFile(b"PK"), save=False)
            row.save()

    job = get_job("propertydesk.downloads_sweep").function()
    counts = []
    for n in (2, 20):
        expired(n)
        with CaptureQueriesContext(connection) as queries:
            assert job(as_of=T0).startswith(f"{n} expired downloads removed")
        counts.append(len(queries))
    assert counts[0] == counts[1] == 2
    assert not Download.objects.exists()
