"""The desk's search box takes a record's number too (issue 18, "search by any number"):
a complaint's, a work order's, a receipt's, a bill's, a renovation's, written as the slip
shows it or loosely, opens the record's page at once; a number that names nothing says so."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from fees.models import Bill
from pages.selectors import parse_number, record_by_number
from tests.factories import UnitFactory, UserFactory, give_unit, make_owner
from tests.pages.test_today import NOW, TODAY, complaint, order, payment, renovation


@pytest.fixture
def world(db):
    unit = UnitFactory(number="3-1-1203")
    owner = make_owner(name="张伟", phone="13812345678")
    give_unit(owner, unit)
    code = unit.estate.code.upper()
    desk = UserFactory(username="desk", role="front_desk")
    return {
        "code": code, "desk": desk, "unit": unit,
        "complaint": complaint(unit, f"{code}-TS2026-00039", promised=NOW),
        "order": order(unit, f"{code}-PG2026-00007"),
        "payment": payment(unit, f"{code}-SJ2026-000012", "120.00", by=desk, at=NOW),
        "bill": Bill.objects.create(number=f"{code}-ZD202611-000003", estate=unit.estate, unit=unit, owner=owner,
                                    period=TODAY.replace(day=1), amount=Decimal("230.00"), paid=Decimal("0"),
                                    status="open", issued_at=NOW, due_on=TODAY + dt.timedelta(days=20)),
        "renovation": renovation(unit, owner, f"{code}-ZX2026-00002", "applied"),
    }


def test_a_number_as_the_slip_writes_it_opens_its_record(world, client):
    client.force_login(world["desk"])
    code = world["code"]
    expected = {
        f"{code}-TS2026-00039": reverse("complaints:detail", args=[world["complaint"].pk]),
        f"{code}-PG2026-00007": reverse("repairs:detail", args=[world["order"].pk]),
        f"{code}-SJ2026-000012": reverse("fees:payment", args=[world["payment"].pk]),
        f"{code}-ZD202611-000003": reverse("fees:bill", args=[world["bill"].pk]),
        f"{code}-ZX2026-00002": reverse("renovation:detail", args=[world["renovation"].pk]),
    }
    for number, url in expected.items():
        response = client.get(reverse("desk"), {"q": number})
        assert (response.status_code, response.headers.get("Location")) == (302, url), number


def test_lower_case_spaces_and_a_short_sequence_still_find_it(world):
    number = f"{world['code'].lower()}-ts2026-39 "
    assert parse_number(number)[0] == f"{world['code']}-TS2026-00039"
    hit = record_by_number(query=number, user=world["desk"])
    assert hit.found and hit.url == reverse("complaints:detail", args=[world["complaint"].pk])


def test_a_number_that_names_nothing_says_so_and_lists_no_units(world, client):
    client.force_login(world["desk"])
    response = client.get(reverse("desk"), {"q": f"{world['code']}-TS2026-00040"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    body = response.content.decode()
    assert f"No complaint has the number {world['code']}-TS2026-00040." in body
    assert "units found" not in body


def test_room_numbers_phones_and_names_are_not_numbers(world):
    for query in ("3-1-1203", "3-1-12", "13812345678", "5678", "张伟", "TS2026-00039", "CUIHU-XX2026-00001"):
        assert parse_number(query) is None, query


def test_a_reader_without_the_permission_is_not_sent_to_the_record(world):
    finance = UserFactory(username="fin", role="finance")
    hit = record_by_number(query=world["complaint"].number, user=finance)
    assert hit.found and hit.url == ""
    bill = record_by_number(query=world["bill"].number, user=finance)
    assert bill.url == reverse("fees:bill", args=[world["bill"].pk])
