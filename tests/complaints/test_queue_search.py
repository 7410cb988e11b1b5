"""The queue's search box (issue 14): a complaint is found by its full number, by the
start or the end of its number, by the start of its room number and by the start of
the contact's name, each answered by an index at a million rows."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from complaints import services
from complaints.models import Complaint
from propertydesk import search
from tests.factories import BuildingFactory, EstateFactory, UnitFactory, UserFactory

SH = ZoneInfo("Asia/Shanghai")
T0 = dt.datetime(2026, 11, 2, 9, 0, tzinfo=SH)


@pytest.fixture
def desk(db):
    estate = EstateFactory(code="cuihu")
    building = BuildingFactory(estate=estate)
    boss = UserFactory(username="boss", role="supervisor")
    rows = {}

    def complaint(key, *, number, room, name):
        unit = UnitFactory(building=building, estate=estate, number=room)
        made = services.complaint_register(
            unit=unit, channel="phone", category="noise", description="楼上装修噪音", contact_name=name,
            now=T0, actor=boss,
        )
        Complaint.objects.filter(pk=made.pk).update(number=number)
        rows[key] = number

    complaint("seq39", number="CUIHU-TS2026-00039", room="3-1-502", name="王秀英")
    complaint("seq39_2025", number="CUIHU-TS2025-00039", room="3-1-503", name="李娜")
    complaint("seq390", number="CUIHU-TS2026-00390", room="13-1-502", name="李王秀")
    complaint("seq391", number="CUIHU-TS2026-00391", room="B-2-101", name="Wang Li")
    return {"boss": boss, "numbers": rows}


def found(client, desk, q):
    client.force_login(desk["boss"])
    page = client.get(reverse("complaints:queue"), {"q": q}).content.decode()
    return {key for key, number in desk["numbers"].items() if number in page}


def test_a_full_number_finds_that_complaint_in_either_case(client, desk):
    assert found(client, desk, "CUIHU-TS2026-00039") == {"seq39"}
    assert found(client, desk, "cuihu-ts2026-00039") == {"seq39"}


def test_the_tail_of_a_number_finds_the_complaints_ending_so(client, desk):
    assert found(client, desk, "00039") == {"seq39", "seq39_2025"}
    assert found(client, desk, "TS2026-00039") == {"seq39"}
    assert found(client, desk, "0391") == {"seq391"}


def test_the_start_of_a_number_finds_the_estate_and_year(client, desk):
    assert found(client, desk, "cuihu-ts2025") == {"seq39_2025"}


def test_a_fragment_from_the_middle_of_a_number_finds_nothing(client, desk):
    # Deliberate (issue 14): a number is found by its start or its end, which an index
    # answers; "TS2026" alone would be a scan of every complaint.
    assert found(client, desk, "TS2026") == set()
    assert found(client, desk, "0003") == set()


def test_a_room_number_finds_the_complaints_of_the_rooms_starting_so(client, desk):
    assert found(client, desk, "3-1-502") == {"seq39"}
    assert found(client, desk, "3-1-50") == {"seq39", "seq39_2025"}
    assert found(client, desk, "b-2") == {"seq391"}


def test_a_room_prefix_of_many_units_finds_the_same(client, desk, monkeypatch):
    monkeypatch.setattr(search, "UNIT_IDS_INLINE", 1)
    assert found(client, desk, "3-1-50") == {"seq39", "seq39_2025"}
    assert found(client, desk, "3-1-502") == {"seq39"}


def test_a_name_finds_the_complaints_whose_contact_it_starts_as_typed(client, desk):
    assert found(client, desk, "王秀") == {"seq39"}
    assert found(client, desk, "Wang") == {"seq391"}
    assert found(client, desk, "wang") == set()
