"""The desk's today page (pages.selectors.desk_today, the desk's start page): what each
block shows on a small fixed data set, at a held clock, and the filtered lists it links to."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from callbacks.models import Callback
from complaints.models import Complaint
from fees.models import Payment, Receipt
from pages.selectors import desk_today
from propertydesk.models import Delivery, Notification
from renovation.models import Renovation
from repairs.models import Worker, WorkOrder
from tests.factories import UnitFactory, UserFactory, give_unit, make_owner

SH = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 11, 18, 10, 0, tzinfo=SH)
TODAY = NOW.date()


def sh(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SH)


def complaint(unit, number, *, promised, status="assigned", paused=False, **extra) -> Complaint:
    return Complaint.objects.create(
        number=number, estate=unit.estate, unit=unit, contact_name="李娜", channel="phone", category="repair",
        description="卫生间漏水", status=status, department="engineering", received_at=promised - dt.timedelta(hours=24),
        promised_at=promised, paused_since=NOW - dt.timedelta(hours=1) if paused else None, **extra)


def callback(source, *, due, assignee=None, status="due") -> Callback:
    return Callback.objects.create(
        estate=source.estate, kind="complaint", source_key=f"complaint:{source.pk}:1", complaint=source,
        unit=source.unit, contact_name="李娜", event_at=NOW - dt.timedelta(days=3), due_on=due,
        created_at=NOW - dt.timedelta(days=3), status=status, assignee=assignee,
        done_at=NOW if status == "done" else None)


def order(unit, number, *, status="registered", due=None, appointment=None, worker=None) -> WorkOrder:
    return WorkOrder.objects.create(
        number=number, estate=unit.estate, unit=unit, requester_name="李娜", kind="minor_repair", source="phone",
        trade="plumbing", description="水龙头漏水", status=status, registered_at=NOW - dt.timedelta(hours=1),
        dispatch_due_at=due or NOW + dt.timedelta(hours=1), dispatch_mode="desk", appointment_at=appointment,
        dispatched_at=NOW - dt.timedelta(minutes=30) if status not in ("registered", "accepted", "voided") else None,
        worker=worker)


def renovation(unit, owner, number, status) -> Renovation:
    return Renovation.objects.create(
        number=number, estate=unit.estate, unit=unit, owner=owner, source="desk", status=status, scope="厨房翻新",
        planned_start=TODAY + dt.timedelta(days=3), planned_end=TODAY + dt.timedelta(days=40),
        contractor_name="好家装饰", contractor_lead_name="赵师傅", applied_at=NOW - dt.timedelta(days=2),
        permit_number=f"P-{number}" if status == "in_progress" else "")


def payment(unit, number, amount, *, by, at, reversed_=False) -> Payment:
    receipt = Receipt.objects.create(number=number, estate=unit.estate, unit=unit, payer_name="李娜",
                                     amount=Decimal(amount), method="cash", issued_at=at)
    return Payment.objects.create(estate=unit.estate, unit=unit, payer_name="李娜", amount=Decimal(amount),
                                  method="cash", receipt=receipt, received_at=at, received_by=by,
                                  reversed_at=at if reversed_ else None, reversal_reason="收错了" if reversed_ else "")


def delivery(owner, key, status) -> Delivery:
    note = Notification.objects.create(owner=owner, kind="complaint.received", created_at=NOW - dt.timedelta(hours=2),
                                       params={"number": "TS-1", "time": None})
    return Delivery.objects.create(notification=note, channel="sms", status=status, idempotency_key=key,
                                   created_at=note.created_at, last_error="SmsError: gateway refused")


@pytest.fixture
def world(db):
    return build_world()


def build_world() -> dict:
    """The small fixed data set, around NOW (a Wednesday 10:00 in Shanghai)."""
    owner = make_owner(name="李娜", phone="13912345678")
    units = [UnitFactory(number=f"3-1-12{n:02d}") for n in range(1, 6)]
    give_unit(owner, units[0])
    desk = UserFactory(username="desk", role="front_desk", first_name="丽华", last_name="陈")
    wang = UserFactory(username="wang", role="front_desk")
    unit = units[0]
    resolved = [complaint(unit, f"TS-R{n}", promised=NOW - dt.timedelta(days=4), status="resolved",
                          resolved_at=NOW - dt.timedelta(days=3)) for n in range(5)]
    w = {
        "owner": owner, "unit": unit, "units": units, "desk": desk, "wang": wang,
        # callbacks: mine overdue, someone else's due today, nobody's due today; not shown: tomorrow's, a done one
        "cb_mine": callback(resolved[0], due=TODAY - dt.timedelta(days=2), assignee=desk),
        "cb_wang": callback(resolved[1], due=TODAY, assignee=wang),
        "cb_nobody": callback(resolved[2], due=TODAY),
        "cb_tomorrow": callback(resolved[3], due=TODAY + dt.timedelta(days=1), assignee=desk),
        "cb_done": callback(resolved[4], due=TODAY - dt.timedelta(days=1), assignee=desk, status="done"),
        # complaints: past the promise, within 4 hours of it; not shown: tomorrow's, one on hold
        "k_past": complaint(unit, "TS-K1", promised=NOW - dt.timedelta(hours=1)),
        "k_near": complaint(unit, "TS-K2", promised=NOW + dt.timedelta(hours=2)),
        "k_far": complaint(unit, "TS-K3", promised=NOW + dt.timedelta(days=1)),
        "k_paused": complaint(unit, "TS-K4", promised=NOW - dt.timedelta(hours=2), paused=True),
        # work orders
        "w_late": order(unit, "WO-1", status="accepted", due=NOW - dt.timedelta(minutes=10)),
        "w_new": order(unit, "WO-2", due=NOW + dt.timedelta(minutes=10)),
        "w_at_two": order(unit, "WO-3", status="dispatched", appointment=sh(2026, 11, 18, 14, 0)),
        "w_at_nine": order(unit, "WO-4", status="dispatched", appointment=sh(2026, 11, 18, 9, 0)),
        "w_voided": order(unit, "WO-5", status="voided", appointment=sh(2026, 11, 18, 15, 0)),
        "w_tomorrow": order(unit, "WO-6", status="dispatched", appointment=sh(2026, 11, 19, 9, 0)),
        # renovations: two wait for the desk, one is at work
        "r_submitted": renovation(units[1], owner, "RN-1", "submitted"),
        "r_fees_paid": renovation(units[2], owner, "RN-2", "fees_paid"),
        "r_working": renovation(units[3], owner, "RN-3", "in_progress"),
        # payments: two of mine today, one of wang's; not counted: my reversed one, mine of yesterday
        "p_1": payment(unit, "SJ-1", "100.00", by=desk, at=sh(2026, 11, 18, 8, 30)),
        "p_2": payment(unit, "SJ-2", "250.50", by=desk, at=sh(2026, 11, 18, 9, 45)),
        "p_wang": payment(unit, "SJ-3", "80.00", by=wang, at=sh(2026, 11, 18, 9, 0)),
        "p_reversed": payment(unit, "SJ-4", "999.00", by=desk, at=sh(2026, 11, 18, 9, 10), reversed_=True),
        "p_yesterday": payment(unit, "SJ-5", "60.00", by=desk, at=sh(2026, 11, 17, 16, 0)),
        # deliveries: one failed, one given up; one sent
        "d_failed": delivery(owner, "k1", "failed"),
        "d_given_up": delivery(owner, "k2", "given_up"),
        "d_sent": delivery(owner, "k3", "sent"),
    }
    return w


def test_each_block_shows_what_is_due_late_or_waiting_and_counts_it(world):
    # when
    day = desk_today(user=world["desk"], as_of=NOW)

    # then: my overdue callback leads, then the others due today; tomorrow's and the done one are not there
    assert [c.pk for c in day.callbacks] == [world["cb_mine"].pk, world["cb_wang"].pk, world["cb_nobody"].pk]
    assert [c.mine for c in day.callbacks] == [True, False, False]
    assert day.counts["callbacks"] == 3 and day.counts["callbacks_mine"] == 1 and day.counts["callbacks_overdue"] == 1
    # complaints: the one past its promise, then the one due within the hours; not tomorrow's, not the paused one
    assert [c.number for c in day.complaints] == ["TS-K1", "TS-K2"]
    assert [c.overdue for c in day.complaints] == [True, False]
    assert day.counts["complaints"] == 2 and day.counts["complaints_overdue"] == 1
    # work orders: the earliest dispatch deadline first; today's appointments in time order, the voided one aside
    assert [o.number for o in day.undispatched] == ["WO-1", "WO-2"]
    assert [o.number for o in day.appointments] == ["WO-4", "WO-3"]
    assert day.counts["undispatched"] == 2 and day.counts["appointments"] == 2
    # renovations waiting for the desk: papers to check, and a permit to issue
    assert [r.number for r in day.renovations] == ["RN-1", "RN-2"] and day.counts["renovations"] == 2
    assert "permit" in day.renovations[1].waits_for or "许可证" in day.renovations[1].waits_for
    # payments of today, reversals and yesterday's aside
    assert day.payments["mine_count"] == 2 and day.payments["mine_total"] == Decimal("350.50")
    assert day.payments["count"] == 3 and day.payments["total"] == Decimal("430.50")
    assert [p.receipt.number for p in day.payments["mine"]] == ["SJ-2", "SJ-1"]
    # deliveries: the failed and the given-up one
    assert day.undelivered.failed == 1 and day.undelivered.given_up == 1
    assert {row.delivery.pk for row in day.deliveries} == {world["d_failed"].pk, world["d_given_up"].pk}


def test_a_quiet_day_shows_every_block_empty(db):
    # given: nothing at all
    desk = UserFactory(username="desk", role="front_desk")

    # when
    day = desk_today(user=desk, as_of=NOW)

    # then
    assert day.callbacks == [] and day.complaints == [] and day.undispatched == [] and day.appointments == []
    assert day.renovations == [] and day.payments["count"] == 0 and day.payments["total"] == Decimal("0.00")
    assert set(day.counts.values()) == {0}
    assert day.undelivered.total == 0 and day.deliveries == []


def test_finance_sees_only_the_blocks_of_its_work(world):
    finance = UserFactory(username="fin", role="finance")
    day = desk_today(user=finance, as_of=NOW)
    assert day.payments is not None
    assert day.callbacks is None and day.complaints is None and day.undispatched is None and day.deliveries is None


def _page(client, user, **query):
    client.force_login(user)
    with time_machine.travel(NOW, tick=False):
        return client.get(reverse("desk"), query, HTTP_ACCEPT_LANGUAGE="en")


def test_the_page_shows_the_rows_and_links_each_block_to_its_list_filtered(client, world):
    # when
    html = _page(client, world["desk"]).content.decode()

    # then: rows link to their records
    assert f'href="{reverse("callbacks:detail", args=[world["cb_mine"].pk])}"' in html
    assert f'href="{reverse("complaints:detail", args=[world["k_past"].pk])}"' in html
    assert f'href="{reverse("repairs:detail", args=[world["w_late"].pk])}"' in html
    assert f'href="{reverse("renovation:detail", args=[world["r_submitted"].pk])}"' in html
    assert "SJ-2" in html and "¥350.50" in html and "¥430.50" in html
    assert "TS-K3" not in html and "WO-6" not in html and "RN-3" not in html and "SJ-4" not in html
    # and each block links to its list, filtered
    for link in ("/callbacks/?bucket=due", "/callbacks/?bucket=due&amp;assignee=mine", "/complaints/?near=on",
                 "/complaints/?overdue=on", "/work-orders/?undispatched=on",
                 "/work-orders/?status=all&amp;appointment=2026-11-18", "/renovation/?waiting=desk",
                 "/fees/reports/takings/?day=2026-11-18", "/deliveries/"):
        assert f'href="{link}"' in html, link
    # the failed and given-up messages, not the supervisors' figure of everything undelivered
    assert 'data-count="deliveries">2<' in html and 'id="undelivered"' not in html


def test_the_search_box_works_as_before_and_hides_the_day(client, world):
    response = _page(client, world["desk"], q="3-1-1201")
    assert response.context["day"] is None
    assert [hit.unit.number for hit in response.context["hits"]] == ["3-1-1201"]


def _listed(client, url, query) -> str:
    with time_machine.travel(NOW, tick=False):
        return client.get(url, query).content.decode()


def test_the_lists_it_links_to_hold_exactly_the_blocks_rows(client, world):
    client.force_login(world["desk"])
    # callbacks due today and before, and mine of them
    due = _listed(client, reverse("callbacks:queue"), {"bucket": "due"})
    for key in ("cb_mine", "cb_wang", "cb_nobody"):
        assert reverse("callbacks:detail", args=[world[key].pk]) in due
    assert reverse("callbacks:detail", args=[world["cb_tomorrow"].pk]) not in due
    mine = _listed(client, reverse("callbacks:queue"), {"bucket": "due", "assignee": "mine"})
    assert reverse("callbacks:detail", args=[world["cb_mine"].pk]) in mine
    assert reverse("callbacks:detail", args=[world["cb_wang"].pk]) not in mine
    # complaints near or past the promise
    near = _listed(client, reverse("complaints:queue"), {"near": "on"})
    assert "TS-K1" in near and "TS-K2" in near and "TS-K3" not in near and "TS-K4" not in near
    # work orders not dispatched, and today's appointments
    undispatched = _listed(client, reverse("repairs:queue"), {"undispatched": "on"})
    assert "WO-1" in undispatched and "WO-2" in undispatched and "WO-3" not in undispatched
    appointments = _listed(client, reverse("repairs:queue"), {"status": "all", "appointment": "2026-11-18"})
    assert "WO-3" in appointments and "WO-4" in appointments
    assert "WO-5" not in appointments and "WO-6" not in appointments and "WO-1" not in appointments
    # renovations waiting for the desk: only those two states' columns
    board = _listed(client, reverse("renovation:board"), {"waiting": "desk"})
    assert "RN-1" in board and "RN-2" in board and "RN-3" not in board
    assert "RN-3" in _listed(client, reverse("renovation:board"), {})


def test_the_page_reads_a_fixed_number_of_queries_whatever_the_rows(client, world):
    def queries():
        client.force_login(world["desk"])
        with time_machine.travel(NOW, tick=False), CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("desk")).status_code == 200
        return len(captured)

    before = queries()
    # given: many more of every kind
    unit = world["unit"]
    for n in range(8):
        complaint(unit, f"TS-X{n}", promised=NOW - dt.timedelta(minutes=n + 1))
        callback(complaint(unit, f"TS-Y{n}", promised=NOW - dt.timedelta(days=5), status="resolved",
                           resolved_at=NOW - dt.timedelta(days=4)), due=TODAY, assignee=world["desk"])
        order(unit, f"WO-X{n}")
        order(unit, f"WO-Y{n}", status="dispatched", appointment=sh(2026, 11, 18, 16, n))
        payment(unit, f"SJ-X{n}", "10.00", by=world["desk"], at=sh(2026, 11, 18, 9, n))
        delivery(world["owner"], f"kx{n}", "failed")
    engineer = UserFactory(username="eng", role="engineering")
    Worker.objects.create(user=engineer, estate=unit.estate, trades=["plumbing"])
    WorkOrder.objects.filter(number__startswith="WO-Y").update(worker=Worker.objects.get())

    # then: no more (my callbacks now fill the block: the others are not read)
    assert queries() <= before


def test_the_lists_keep_their_behaviour_without_the_new_filters(client, world):
    client.force_login(world["desk"])
    default = _listed(client, reverse("complaints:queue"), {})
    assert "TS-K3" in default and "TS-K4" in default
    work = _listed(client, reverse("repairs:queue"), {})
    assert "WO-6" in work and "WO-1" in work
