"""One unit, one page (issue 18): the unit's page and the owner's page at the desk show what
is open in every app first (complaints, work orders, callbacks due, bills owing with the
total, the renovation under way, today's item passes and visitors, cards), the history
below, and the actions that start something for the unit, pre-filled with it; only the
actions and blocks the reader may follow. A fixed number of statements whatever the data."""

import datetime as dt
import re
from decimal import Decimal

import pytest
import time_machine
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from fees.models import Bill
from gate import services as gate
from gate.services import PassLine
from pages.selectors import RECORD_ROWS, owner_page, unit_page
from tests.factories import BuildingFactory, EstateFactory, UnitFactory, UserFactory, give_unit, make_owner
from tests.pages.test_today import NOW, TODAY, callback, complaint, order, renovation, sh

pytestmark = pytest.mark.django_db


def bill(unit, owner, month: int, amount: str, *, paid: str = "0.00") -> Bill:
    status = "paid" if Decimal(paid) == Decimal(amount) else ("part_paid" if Decimal(paid) else "open")
    return Bill.objects.create(estate=unit.estate, unit=unit, owner=owner, number=f"ZD-2026{month:02d}-{unit.pk}",
                               period=dt.date(2026, month, 1), amount=Decimal(amount), paid=Decimal(paid),
                               status=status, due_on=dt.date(2026, month, 15), issued_at=sh(2026, month, 10, 8, 0))


def fill(unit, owner, desk, *, many: int = 1) -> dict:
    """``many`` of each kind of record for the unit, open and done."""
    made = {"open": [], "resolved": []}
    for n in range(many):
        made["open"].append(complaint(unit, f"TS-O{unit.pk}-{n}", promised=NOW - dt.timedelta(hours=1 - n * 3),
                                      owner=owner))
        done = complaint(unit, f"TS-D{unit.pk}-{n}", promised=NOW - dt.timedelta(days=5), status="resolved",
                         resolved_at=NOW - dt.timedelta(days=4), owner=owner)
        made["resolved"].append(done)
        due = callback(done, due=TODAY - dt.timedelta(days=1) if n == 0 else TODAY + dt.timedelta(days=n))
        due.owner = owner
        due.save(update_fields=["owner"])
        for status in ("dispatched", "closed"):
            wo = order(unit, f"PG-{status}-{unit.pk}-{n}", status=status)
            wo.owner = owner
            wo.save(update_fields=["owner"])
    for month in range(1, min(many, 9) + 2):
        bill(unit, owner, month, "210.33", paid="210.33" if month <= min(many, 9) else "0.00")
    renovation(unit, owner, f"ZX-{unit.pk}", "in_progress")
    with time_machine.travel(NOW, tick=False):
        for n in range(many):
            gate.item_pass_apply(unit=unit, day=TODAY, lines=[PassLine("旧沙发", 1)], via="desk",
                                 applicant_owner=owner, now=NOW, actor=desk)
            gate.visit_register(unit=unit, visitor_name=f"访客{n}", id_number="440106198001011234", confirmed=True,
                                confirmed_how="phone", now=NOW - dt.timedelta(minutes=n), actor=desk)
            gate.card_apply(unit=unit, kind="access_card", applicant=owner, holder_name=owner.name, now=NOW, actor=desk)
    return made


@pytest.fixture
def world():
    estate = EstateFactory(code="cuihu", name="翠湖花园")
    unit = UnitFactory(building=BuildingFactory(estate=estate, number="3"), number="3-1-1203")
    owner = make_owner(name="李娜", phone="13912345678")
    give_unit(owner, unit)
    desk = UserFactory(username="desk", role="front_desk")
    return {"unit": unit, "owner": owner, "desk": desk, "made": fill(unit, owner, desk)}


def test_the_unit_page_shows_what_is_open_first_then_the_history(client, world):
    unit, made = world["unit"], world["made"]
    client.force_login(world["desk"])

    # when
    with time_machine.travel(NOW, tick=False):
        page = client.get(reverse("owners:unit", args=[unit.pk])).content.decode()

    # then: what is open, above the history
    open_now, history = page.split('id="history"')
    assert made["open"][0].number in open_now and "卫生间漏水" in open_now
    assert f"PG-dispatched-{unit.pk}-0" in open_now
    assert re.search(r'data-figure="owed">¥210.33<', open_now)   # the one bill still owing
    assert f"ZX-{unit.pk}" in open_now                              # the renovation under way
    assert "旧沙发" not in open_now and "访客0" in open_now and "FX" in open_now   # today's pass and visitor
    assert "MK" in open_now                                          # the card applied for
    assert made["resolved"][0].number in history and f"PG-closed-{unit.pk}-0" in history
    # and: every action, each pre-filled with the unit
    for url in (reverse("complaints:intake"), reverse("repairs:register"), reverse("renovation:new"),
                reverse("gate:visitors"), reverse("gate:pass_new")):
        assert f'href="{url}?unit={unit.pk}' in page, url
    assert f'href="{reverse("fees:unit_account", args=[unit.pk])}"' in page


def test_the_pages_read_as_many_statements_for_many_records_as_for_one(client, world):
    # given: a second unit and owner with many of everything
    busy_unit = UnitFactory(building=world["unit"].building, number="3-1-1204")
    busy = make_owner(name="王强", phone="13700001111")
    give_unit(busy, busy_unit)
    fill(busy_unit, busy, world["desk"], many=RECORD_ROWS + 3)
    client.force_login(world["desk"])

    def statements(url):
        with CaptureQueriesContext(connection) as queries, time_machine.travel(NOW, tick=False):
            response = client.get(url)
        assert response.status_code == 200
        return len(queries), response.content.decode()

    statements(reverse("desk"))  # the session's first read
    for name, quiet, many in (("owners:unit", world["unit"].pk, busy_unit.pk),
                              ("owners:detail", world["owner"].pk, busy.pk)):
        few, _page = statements(reverse(name, args=[quiet]))
        more, page = statements(reverse(name, args=[many]))
        assert more == few, name
        assert few <= 40, name
        # each list capped, its count said
        history = page.split('id="history-complaints"')[1].split('id="history-work-orders"')[0]
        assert history.count(f"TS-D{busy_unit.pk}-") == RECORD_ROWS
        assert f'data-count="complaints_past">{RECORD_ROWS + 3}<' in page


def test_a_reader_sees_only_the_blocks_and_actions_of_their_permissions(client, world):
    # given: a desk whose role reads the registry and complaints only (rolled back after the test)
    reader = UserFactory(username="reader", role="front_desk")
    Group.objects.get(name="front_desk").permissions.set(Permission.objects.filter(
        content_type__app_label__in=["owners", "complaints"], codename__in=["view_unit", "view_owner",
                                                                            "view_complaint"]))
    client.force_login(reader)

    # when
    with time_machine.travel(NOW, tick=False):
        page = client.get(reverse("owners:unit", args=[world["unit"].pk])).content.decode()

    # then: the complaints, nothing of the other apps, and no action
    assert world["made"]["open"][0].number in page
    for absent in ('id="block-owed"', 'id="block-work-orders-open"', 'id="block-callbacks-due"',
                   'id="block-renovation"', 'id="block-gate"', 'id="block-cards"', "data-action="):
        assert absent not in page, absent


def test_finance_may_not_open_the_unit_page(client, world):
    client.force_login(UserFactory(username="caiwu", role="finance"))
    assert client.get(reverse("owners:unit", args=[world["unit"].pk])).status_code == 403


def test_the_owner_page_shows_the_owners_records_and_the_actions_for_each_unit(client, world):
    owner, unit = world["owner"], world["unit"]
    client.force_login(world["desk"])

    with time_machine.travel(NOW, tick=False):
        page = client.get(reverse("owners:detail", args=[owner.pk])).content.decode()

    assert world["made"]["open"][0].number in page.split('id="history"')[0]
    assert re.search(r'data-figure="owed">¥210.33<', page)
    assert f'href="{reverse("repairs:register")}?unit={unit.pk}"' in page
    assert f'href="{reverse("fees:unit_account", args=[unit.pk])}"' in page


def test_the_selectors_count_and_cap_each_list(world):
    records = unit_page(unit=world["unit"], user=world["desk"], as_of=NOW)
    assert records.counts["complaints_open"] == 1 and records.counts["bills_owing"] == 1
    assert records.owed == Decimal("210.33")
    assert [c.overdue for c in records.callbacks_due] == [True]
    assert records.renovation_active.number == f"ZX-{world['unit'].pk}"
    assert len(records.passes) == 1 and len(records.visits) == 1 and len(records.cards) == 1
    theirs = owner_page(owner=world["owner"], user=world["desk"], as_of=NOW)
    assert theirs.counts == records.counts


def test_a_desk_search_row_offers_the_main_actions(client, world):
    client.force_login(world["desk"])
    page = client.get(reverse("desk"), {"q": "3-1-1203"}).content.decode()
    unit = world["unit"]
    for action in ("complaint", "work-order", "payment", "renovation", "visitor", "item-pass"):
        assert f'data-action="{action}"' in page, action
    assert f'href="{reverse("fees:unit_account", args=[unit.pk])}"' in page


def test_the_visitor_and_item_pass_forms_open_with_the_unit_of_the_link(client, world):
    # given: the same room number in another estate
    other = UnitFactory(building=BuildingFactory(estate=EstateFactory(code="jinxiu", name="锦绣华庭"), number="3"),
                        number="3-1-1203")
    assert other.number == world["unit"].number
    client.force_login(world["desk"])
    unit = world["unit"]

    # when: the item pass form opens from the unit's page
    page = client.get(reverse("gate:pass_new"), {"unit": unit.pk}).content.decode()

    # then: the unit, its estate and its owner are filled in
    assert 'value="3-1-1203"' in page and f'name="estate" value="{unit.estate_id}"' in page
    assert 'value="李娜"' in page
    visitors = client.get(reverse("gate:visitors"), {"unit": unit.pk}).content.decode()
    assert 'value="3-1-1203"' in visitors and f'name="estate" value="{unit.estate_id}"' in visitors

    # and: sent as it is, the number is read in that estate
    with time_machine.travel(NOW, tick=True):
        response = client.post(reverse("gate:pass_new"), {
            "unit": "3-1-1203", "estate": unit.estate_id, "applicant": "李娜", "day": TODAY.isoformat(),
            "lines": "纸箱 × 6"})
    assert response.status_code == 302
    assert unit.item_passes.filter(lines__description="纸箱").exists()


def test_the_benchmark_measures_the_unit_and_owner_pages_against_their_floors(world):
    from demo import benchmark

    lines = []
    with time_machine.travel(NOW, tick=True):
        results, _meta = benchmark.run(only=["unit page", "owner detail"], runs=2, log=lines.append)
    rows = {r.name: r for r in results}
    assert {"unit page", "owner detail"} <= set(rows), lines
    print("\n".join(lines))
    assert all(not r.error and r.runs and r.floor_ms for r in rows.values()), [r.error for r in rows.values()]
