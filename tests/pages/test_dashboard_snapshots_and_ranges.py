"""The dashboard's snapshots of what stands open (each month's end, the running month's
at the job's run) and its custom periods of days, against values worked out by hand on
the small fixed data set (tests/pages/dashboard_world.py) and a renovation's deposits."""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse

from pages import figures, services
from pages.models import MonthFacts
from propertydesk.models import Delivery, Notification
from renovation import services as renovation_services
from renovation.models import ChargeKind
from tests.factories import BuildingFactory, UnitFactory, UserFactory, give_unit, make_owner
from tests.pages import dashboard_world
from tests.pages.dashboard_world import DEC, FEB, JAN, MAR, sh

D = Decimal
NOV = dt.date(2025, 11, 1)


def delivery(owner, key, *, created, status, sent=None, channel="sms") -> Delivery:
    note = Notification.objects.create(owner=owner, kind="complaint.received", created_at=created,
                                       params={"number": "C1", "time": None})
    return Delivery.objects.create(notification=note, channel=channel, status=status, idempotency_key=key,
                                   created_at=created, sent_at=sent)


@pytest.fixture(autouse=True)
def empty_cache():
    # the parts of months over are kept in the cache by their days: not from one world to another
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def world(db):
    world = dashboard_world.build()
    owner = world["u1"].ownerships.first().owner
    # sent on 5 January: undelivered at December's end only; failed since 10 January;
    # the inbox is delivered when written and never counts
    delivery(owner, "d1", created=sh(2025, 12, 20, 9), status="sent", sent=sh(2026, 1, 5, 9))
    delivery(owner, "d2", created=sh(2026, 1, 10, 9), status="failed")
    delivery(owner, "d3", created=sh(2025, 12, 20, 9), status="sent", sent=sh(2025, 12, 20, 9), channel="inbox")
    return world


def snapshot(estate, month) -> dict:
    return MonthFacts.objects.get(estate=estate, month=month).figures["standing"]


def values(data: dict) -> dict:
    return {figure.key: figures.snapshot_value(figure.key, data) for figure in figures.SNAPSHOTS}


def test_each_months_end_snapshot_equals_what_stood_open_then(world):
    # given: the job's first run, on 15 March (December to March)
    services.month_facts_refresh(as_of=sh(2026, 3, 15, 12), now=sh(2026, 3, 15, 12), months=4)

    # then, estate A:
    # December's end: c2 (received 30 Dec 10:00) open 1½ days; no callback past its day; d1 unsent
    assert snapshot(world["a"], DEC)["at"] == "2026-01-01T00:00:00+08:00"
    assert snapshot(world["a"], DEC)["ages"] == [0, 1, 0, 0, 0]
    assert values(snapshot(world["a"], DEC)) == {"open_complaints": 1, "open_complaints_week": 0,
                                                 "overdue_callbacks": 0, "deposits_held": 0, "deposits_due": 0,
                                                 "undelivered": 1}
    # January's end: c3 (received 20 Jan) open 11⅔ days; cb2 (due 6 Jan) not done; d2 failed
    assert snapshot(world["a"], JAN)["ages"] == [0, 0, 0, 1, 0]
    assert values(snapshot(world["a"], JAN)) == {"open_complaints": 1, "open_complaints_week": 1,
                                                 "overdue_callbacks": 1, "deposits_held": 0, "deposits_due": 0,
                                                 "undelivered": 1}
    # February's end: c3 past 30 days
    assert snapshot(world["a"], FEB)["ages"] == [0, 0, 0, 0, 1]
    # the running month: as of the run
    assert snapshot(world["a"], MAR)["at"] == "2026-03-15T12:00:00+08:00"
    assert values(snapshot(world["a"], MAR))["overdue_callbacks"] == 1
    # estate B: c4 opened and resolved within January, cb4 done
    assert values(snapshot(world["b"], JAN)) == {"open_complaints": 0, "open_complaints_week": 0,
                                                 "overdue_callbacks": 0, "deposits_held": 0, "deposits_due": 0,
                                                 "undelivered": 1}


@pytest.mark.parametrize("moment", [sh(2026, 1, 20, 12), sh(2026, 2, 10, 0), sh(2026, 3, 15, 12)])
def test_the_history_read_of_what_stands_open_equals_the_live_one_at_that_moment(world, moment):
    # given: moments after the world's last change (c3 received on 20 January at 8:00), so
    # the records' state now is their state then
    # then: the snapshot read from history is the live selectors', part for part
    assert figures.standing_at(moment=moment) == figures.standing(as_of=moment)


def test_the_stored_snapshot_equals_the_live_selectors_of_the_running_month(world):
    services.month_facts_refresh(as_of=sh(2026, 1, 20, 12), now=sh(2026, 1, 20, 12), months=1)

    for estate in (world["a"], world["b"]):
        assert snapshot(estate, JAN) == figures.standing(as_of=sh(2026, 1, 20, 12))[estate.pk]
        assert snapshot(estate, JAN) == figures.standing_at(moment=sh(2026, 1, 20, 12))[estate.pk]


def test_the_month_just_over_keeps_the_snapshot_of_its_end_on_later_runs(world):
    # given: computed on 1 February just after midnight: January's end read from history
    services.month_facts_refresh(as_of=sh(2026, 2, 1, 0, 5), now=sh(2026, 2, 1, 0, 5), months=2)
    assert values(snapshot(world["a"], JAN))["overdue_callbacks"] == 1
    # when: cb2 is done on 3 February and the job runs again
    world["a"].callbacks.filter(source_key="complaint:C2").update(status="done", done_at=sh(2026, 2, 3, 9))
    services.month_facts_refresh(as_of=sh(2026, 2, 3, 12), now=sh(2026, 2, 3, 12), months=2)
    # then: January's end still had it overdue; February now has none
    assert values(snapshot(world["a"], JAN))["overdue_callbacks"] == 1
    assert values(snapshot(world["a"], FEB))["overdue_callbacks"] == 0


def test_a_month_settled_before_the_snapshots_gets_what_history_tells_and_a_gap_for_callbacks(client, world,
                                                                                            time_machine):
    # given: December settled and stored without a snapshot (as before snapshots were kept)
    services.month_facts_refresh(as_of=sh(2026, 3, 15, 12), now=sh(2026, 3, 15, 12), months=4)
    for facts in MonthFacts.objects.filter(month__in=[DEC, JAN]):
        facts.figures.pop("standing")
        facts.save()

    # when: the job runs (one bare month a run, the newest first), twice
    services.month_facts_refresh(as_of=sh(2026, 3, 15, 12, 15), now=sh(2026, 3, 15, 12, 15), months=4)
    assert "standing" in MonthFacts.objects.get(estate=world["a"], month=JAN).figures
    assert "standing" not in MonthFacts.objects.get(estate=world["a"], month=DEC).figures
    services.month_facts_refresh(as_of=sh(2026, 3, 15, 12, 30), now=sh(2026, 3, 15, 12, 30), months=4)

    # then: complaints, deposits and messages from history; overdue callbacks a gap, not 0
    december = snapshot(world["a"], DEC)
    assert december["partial"] and december["ages"] == [0, 1, 0, 0, 0] and december["undelivered"] == 1
    assert values(december)["overdue_callbacks"] is None
    # and the page's trend shows the gap
    time_machine.move_to(sh(2026, 3, 15, 13), tick=False)
    client.force_login(world["boss"])
    html = client.get(reverse("dashboard"), {"estate": world["a"].pk}).content.decode()
    trends = json.loads(re.search(r'id="dashboard-trend-data"[^>]*>(.*?)</script>', html, re.S).group(1))
    chart = {item["key"]: item for item in trends["figures"]}
    december_at = trends["months"].index("2025-12")
    assert chart["overdue_callbacks"]["series"][0]["data"][december_at] is None
    assert chart["overdue_callbacks"]["series"][0]["data"][december_at + 1] is None  # January: bare too
    assert chart["open_complaints"]["series"][0]["data"][december_at] == 1
    assert chart["undelivered"]["series"][0]["data"][december_at:] == [1, 1, 1, 1]
    assert chart["open_complaints"]["series"][0]["data"][0] is None  # April 2025: never computed


# ---- renovation deposits ----------------------------------------------------------------------


@pytest.fixture
def renovation_world(db):
    from tests.renovation.conftest import passed

    building = BuildingFactory(number="3")
    owner = make_owner(name="李娜", phone="13912345678")
    unit = UnitFactory(number="3-1-1203", building=building, area=Decimal("89.50"))
    give_unit(owner, unit)
    owner.user = UserFactory(username="lina")
    owner.save(update_fields=["user"])
    w = SimpleNamespace(owner=owner, unit=unit, estate=unit.estate,
                        desk=UserFactory(username="desk", role="front_desk"), boss=UserFactory(username="boss", role="supervisor"),
                        engineer=UserFactory(username="engineer", role="engineering"),
                        finance=UserFactory(username="finance", role="finance"))
    # paid on 2 November 2026 (¥1000 each deposit), passed on 20 November: due on 30 November
    w.renovation = passed(w, on=sh(2026, 11, 20, 15))
    return w


def test_deposits_held_and_due_at_each_months_end(renovation_world):
    w = renovation_world
    # the owner's deposit refunded on 10 December
    renovation_services.deposit_refund(deposit=w.renovation.charges.get(kind=ChargeKind.OWNER_DEPOSIT),
                                       method="cash", now=sh(2026, 12, 10, 9), actor=w.finance)
    services.month_facts_refresh(as_of=sh(2027, 1, 15, 12), now=sh(2027, 1, 15, 12), months=4)

    def deposits(month):
        return {key: values(snapshot(w.estate, month))[key] for key in ("deposits_held", "deposits_due")}

    assert deposits(dt.date(2026, 10, 1)) == {"deposits_held": 0, "deposits_due": 0}
    assert deposits(dt.date(2026, 11, 1)) == {"deposits_held": D("2000.00"), "deposits_due": D("2000.00")}
    assert snapshot(w.estate, dt.date(2026, 11, 1))["deposits"]["due_count"] == "2"
    assert deposits(dt.date(2026, 12, 1)) == {"deposits_held": D("1000.00"), "deposits_due": D("1000.00")}
    # the history read equals the live one (after the last change)
    assert figures.standing_at(moment=sh(2027, 1, 15, 12)) == figures.standing(as_of=sh(2027, 1, 15, 12))


# ---- custom periods of days ---------------------------------------------------------------------


@pytest.fixture
def march(time_machine):
    time_machine.move_to(sh(2026, 3, 15, 12), tick=False)


def card_value(html: str, key: str) -> str:
    card = re.search(rf'data-figure="{key}">(.*?)</div>\s*</div>\s*</div>', html, re.S).group(1)
    value = re.search(r'class="dashboard-value mb-1">(.*?)</p>', card, re.S).group(1)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", re.sub(r"</?small>", "", value))).strip()


def test_days_over_a_month_boundary_equal_the_hand_computed_figures_and_the_live_parts(client, world, march):
    services.month_facts_refresh(as_of=sh(2026, 3, 15, 12), now=sh(2026, 3, 15, 12), months=6)
    first, last = dt.date(2025, 12, 20), dt.date(2026, 1, 10)

    # the days' figures, live: the two parts of months, each with its month's fees and
    # callback rates
    as_of = sh(2026, 3, 15, 12)
    period = figures.live_range(first=first, last=last, as_of=as_of)
    december = figures.with_month_level(figures.part_figures(first=first, last=dt.date(2025, 12, 31), as_of=as_of),
                                        figures.month_figures(month=DEC, as_of=as_of))
    january = figures.with_month_level(figures.part_figures(first=JAN, last=last, as_of=as_of),
                                       figures.month_figures(month=JAN, as_of=as_of))
    parts = figures.add_up([figures.tagged(data, estate_id=estate_id, month=DEC) for estate_id, data in december.items()]
                           + [figures.tagged(data, estate_id=estate_id, month=JAN)
                              for estate_id, data in january.items()])
    assert {k: (v.numerator, v.denominator) for k, v in period.values.items()} == \
        {k: (v.numerator, v.denominator) for k, v in parts.values.items()}
    v = {key: value.value for key, value in period.values.items()}
    assert v["complaints_on_time"] == D("50.0")  # c2 late (3 Jan), c4 on time (6 Jan)
    assert v["first_response"] == D("2.5")  # c2 4 h (30 Dec), c4 1 h (5 Jan)
    assert v["resolution_time"] == D("60.0")  # (96 + 24) h / 2
    assert v["suggestions_adopted"] == D("0.0")  # S2 declined on 10 January
    assert v["satisfaction"] == D("50.0")  # cb3's correction very satisfied, cb4 neutral
    assert v["dispatch_on_time"] == D("0.0") and v["rating"] == D("3.00")  # w2 only
    assert v["spot_checks"] == 0  # 12 January: after the days
    # fees and callback rates are their months': December's 250 of 300 and January's 150
    # of 350 (as settled), 3 of 5 bills paid in full, 150 of December's 200 recovered
    assert (period.values["collection"].numerator, period.values["collection"].denominator) == (D("400.00"),
                                                                                                  D("650.00"))
    assert v["households"] == D("60.0") and v["recovery"] == D("75.0")
    # callbacks owed by the month of their event: cb1 (December's); cb2, cb4 (January's)
    complaint = period.callback_rates["complaint"]
    assert (complaint.done, complaint.owed) == (2, 3)

    # when: the supervisor asks the page for those days
    client.force_login(world["boss"])
    html = client.get(reverse("dashboard"), {"period": "custom", "from": "2025-12-20", "to": "2026-01-10"}
                      ).content.decode()

    # then: the same figures, and the days named
    assert card_value(html, "complaints_on_time").startswith("50.0%")
    assert card_value(html, "first_response").startswith("2.5")
    assert card_value(html, "collection").startswith("61.5%")
    assert "2025-12-20 至 2026-01-10" in html
    assert "resolved_from=2025-12-20&amp;resolved_to=2026-01-10" in html


@pytest.mark.parametrize("first, last", [(dt.date(2025, 11, 15), dt.date(2026, 1, 10)),
                                         (dt.date(2026, 1, 1), dt.date(2026, 1, 31)),
                                         (dt.date(2026, 1, 6), dt.date(2026, 1, 6)),
                                         (dt.date(2026, 2, 20), dt.date(2026, 3, 15))],
                         ids=["whole-month-inside", "one-whole-month", "one-day", "to-today"])
def test_the_pages_days_equal_the_live_figures(client, world, march, first, last):
    # given: the facts kept by the job at the moment the page is read
    services.month_facts_refresh(as_of=sh(2026, 3, 15, 12), now=sh(2026, 3, 15, 12), months=6)
    client.force_login(world["boss"])

    for estate in (None, world["a"]):
        response = client.get(reverse("dashboard"), {"period": "custom", "from": f"{first}", "to": f"{last}",
                                                     "estate": estate.pk if estate else ""})
        live = figures.live_range(first=first, last=last, as_of=sh(2026, 3, 15, 12), estate=estate)
        shown = {card["figure"].key: (card["value"].numerator, card["value"].denominator)
                 for card in response.context["cards"]}
        assert shown == {k: (v.numerator, v.denominator) for k, v in live.values.items()}


@pytest.mark.parametrize("query, field, message", [
    ({"from": "2026-01-10", "to": "2025-12-20"}, "to", "The last day comes before the first."),
    ({"from": "2022-01-01", "to": "2026-01-10"}, "to", "A custom period is at most 1096 days"),
    ({"from": "next week", "to": "2026-01-10"}, "from", "Enter a day as 2026-01-15."),
    ({"from": "2026-04-01", "to": "2026-04-10"}, "from", "The period cannot start after today."),
    ({"to": "2026-01-10"}, "from", "This field is required."),
])
def test_a_refused_custom_period_names_its_field_and_shows_this_month(client, world, march, query, field, message):
    client.force_login(world["boss"])

    response = client.get(reverse("dashboard"), {"period": "custom", **query}, HTTP_ACCEPT_LANGUAGE="en")

    html = response.content.decode()
    assert response.status_code == 200
    assert re.search(rf'id="dashboard-{field}-error">[^<]*{re.escape(message)}', html)
    assert f'id="dashboard-{field}" name="{field}"' in html and "is-invalid" in html
    assert response.context["months"] == [MAR]


@override_settings(DASHBOARD_CUSTOM_MAX_DAYS=7)
def test_the_longest_custom_period_is_a_setting(client, world, march):
    client.force_login(world["boss"])
    week = client.get(reverse("dashboard"), {"period": "custom", "from": "2026-01-01", "to": "2026-01-07"})
    eight = client.get(reverse("dashboard"), {"period": "custom", "from": "2026-01-01", "to": "2026-01-08"})
    assert week.context["refused"] is None and eight.context["refused"].errors["to"]


def test_a_custom_period_of_whole_months_reads_only_the_stored_facts(client, world, march):
    services.month_facts_refresh(as_of=sh(2026, 3, 15, 12), now=sh(2026, 3, 15, 12), months=6)
    client.force_login(world["boss"])
    client.get(reverse("dashboard"))

    with CaptureQueriesContext(connection) as preset:
        client.get(reverse("dashboard"), {"period": "last_month"})
    with CaptureQueriesContext(connection) as custom:
        client.get(reverse("dashboard"), {"period": "custom", "from": "2025-12-01", "to": "2026-01-31"})
    assert len(custom) == len(preset)


def test_a_part_of_a_month_over_is_read_again_from_the_cache_and_a_running_day_live(client, world, march):
    services.month_facts_refresh(as_of=sh(2026, 3, 15, 12), now=sh(2026, 3, 15, 12), months=6)
    client.force_login(world["boss"])
    query = {"period": "custom", "from": "2026-01-06", "to": "2026-01-20"}
    client.get(reverse("dashboard"), query)

    with CaptureQueriesContext(connection) as again:
        client.get(reverse("dashboard"), {**query, "estate": world["a"].pk})
    with CaptureQueriesContext(connection) as whole:
        client.get(reverse("dashboard"), {"period": "custom", "from": "2026-01-01", "to": "2026-01-31",
                                          "estate": world["a"].pk})

    assert len(again) == len(whole)  # the days' figures from the cache, not read again
