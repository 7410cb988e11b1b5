"""The desk's three queues at scale (issue 14): a page costs the same statements with 5
rows as with 60, counts stop at QUEUE_COUNT_CAP ("More than N", "N+" on the tabs) and
paging goes on past the cap in the queue's order."""

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from callbacks.models import Callback
from complaints import services as complaints
from repairs import services as repairs
from tests.factories import UnitFactory, UserFactory

SH = ZoneInfo("Asia/Shanghai")
T0 = dt.datetime(2026, 11, 2, 9, 0, tzinfo=SH)


@pytest.fixture
def desk(db):
    return {"unit": UnitFactory(number="3-1-1203"), "boss": UserFactory(username="boss", role="supervisor")}


def add_complaints(desk, start, n):
    return [complaints.complaint_register(
        unit=desk["unit"], channel="phone", category="noise", description="楼上装修噪音",
        contact_name="李娜", now=T0 + dt.timedelta(minutes=i), actor=desk["boss"],
    ).number for i in range(start, start + n)]


def add_work_orders(desk, start, n):
    return [repairs.work_order_register(
        unit=desk["unit"], kind="minor_repair", trade="plumbing", description="厨房水龙头漏水", source="phone",
        requester_name="李娜", now=T0 + dt.timedelta(minutes=i), actor=desk["boss"],
    ).number for i in range(start, start + n)]


def add_callbacks(desk, start, n):
    unit = desk["unit"]
    if "complaint" not in desk:
        desk["complaint"] = complaints.complaint_register(
            unit=unit, channel="phone", category="noise", description="楼上装修噪音", contact_name="李娜", now=T0,
            actor=desk["boss"])
    Callback.objects.bulk_create([Callback(
        estate=unit.estate, unit=unit, kind="complaint", complaint=desk["complaint"], source_key=f"test:{i}", contact_name=f"业主{i:03d}",
        event_at=T0, due_on=T0.date() + dt.timedelta(days=i), created_at=T0,
    ) for i in range(start, start + n)])
    return [f"业主{i:03d}" for i in range(start, start + n)]


QUEUES = [
    ("complaints:queue", add_complaints),
    ("repairs:queue", add_work_orders),
    ("callbacks:queue", add_callbacks),
]


def statements(client, url):
    client.get(url)  # the first view warms the caches (permissions, session)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


@pytest.mark.parametrize("name, add", QUEUES)
def test_a_queue_page_costs_as_many_statements_with_60_rows_as_with_5(client, desk, name, add):
    client.force_login(desk["boss"])
    add(desk, 0, 5)
    few = statements(client, reverse(name))
    add(desk, 5, 55)
    assert statements(client, reverse(name)) == few
    assert statements(client, reverse(name) + "?page=2") == few


@pytest.mark.parametrize("name, add", QUEUES)
def test_beyond_the_cap_the_queue_says_more_than_and_pages_on_in_its_order(client, desk, settings, name, add):
    settings.QUEUE_COUNT_CAP = 40
    client.force_login(desk["boss"])
    rows = add(desk, 0, 60)
    if name == "repairs:queue":
        rows.reverse()  # newest first
    first = client.get(reverse(name), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert re.search(r"More than 40 (complaints|work orders|callbacks)", first)
    assert "Counted and paged up to 40; narrow the filters to reach the rest." in first
    assert re.search(r'badge rounded-pill">40\+<', first)
    assert rows[0] in first and rows[29] in first and rows[30] not in first

    # Page 2 goes on where page 1 stopped, across the cap; there is no page 3.
    second = client.get(reverse(name) + "?page=2").content.decode()
    assert rows[30] in second and rows[40] in second and rows[29] not in second
    assert "page=3" not in second
    beyond = client.get(reverse(name) + "?page=3").content.decode()  # the last page, as Django's paginator does
    assert rows[30] in beyond and rows[40] in beyond and rows[29] not in beyond

    chinese = client.get(reverse(name), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert re.search(r"(投诉|工单|回访)超过 40 (件|张|条)", chinese)
    assert "只计数、分页到前 40 条；请缩小筛选范围查看其余记录。" in chinese


@pytest.mark.parametrize("name, add", QUEUES)
def test_below_the_cap_the_queue_counts_exactly(client, desk, settings, name, add):
    settings.QUEUE_COUNT_CAP = 40
    client.force_login(desk["boss"])
    add(desk, 0, 7)
    page = client.get(reverse(name), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert re.search(r"\b7 (complaints|work orders|callbacks)", page)
    assert "More than" not in page and "Counted and paged" not in page


SEARCHED_QUEUES = [
    ("complaints:queue", add_complaints, "complaints"),
    ("repairs:queue", add_work_orders, "work orders"),
]


def searches(desk, kind):
    """A room prefix, a name's start and a number's start, each matching every row."""
    prefix = {"complaints": "TS", "work orders": "PG"}[kind]
    return ["3-1-12", "李", f"{desk['unit'].estate.code}-{prefix}2026"]


@pytest.mark.parametrize("inline", [1000, 0])
@pytest.mark.parametrize("name, add, kind", SEARCHED_QUEUES)
def test_a_searched_queue_costs_as_many_statements_with_60_matches_as_with_5(
        client, desk, monkeypatch, name, add, kind, inline):
    from propertydesk import search

    monkeypatch.setattr(search, "UNIT_IDS_INLINE", inline)  # the units listed, or a subquery
    client.force_login(desk["boss"])
    add(desk, 0, 5)
    few = {q: statements(client, f"{reverse(name)}?q={q}") for q in searches(desk, kind)}
    add(desk, 5, 55)
    for q in searches(desk, kind):
        assert statements(client, f"{reverse(name)}?q={q}") == few[q]
        assert statements(client, f"{reverse(name)}?q={q}&page=2") == few[q]


@pytest.mark.parametrize("name, add, kind", SEARCHED_QUEUES)
def test_a_search_matching_beyond_the_cap_says_more_than_and_pages_on(client, desk, settings, name, add, kind):
    settings.QUEUE_COUNT_CAP = 40
    client.force_login(desk["boss"])
    rows = add(desk, 0, 60)
    if name == "repairs:queue":
        rows.reverse()  # newest first
    for q in searches(desk, kind):
        first = client.get(reverse(name), {"q": q}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert f"More than 40 {kind}" in first
        assert rows[0] in first and rows[29] in first and rows[30] not in first
        second = client.get(reverse(name), {"q": q, "page": 2}).content.decode()
        assert rows[30] in second and rows[29] not in second
