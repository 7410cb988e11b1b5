"""The work-order queue's search box (issue 14): an order is found by its full number,
by the start or the end of its number, by the start of its room number and by the
start of the requester's name, each answered by an index at a million rows."""

import pytest
from django.urls import reverse

from propertydesk import search
from repairs import services
from repairs.models import WorkOrder
from tests.factories import BuildingFactory, EstateFactory, UnitFactory, UserFactory
from tests.repairs.conftest import T0


@pytest.fixture
def desk(db):
    estate = EstateFactory(code="cuihu")
    building = BuildingFactory(estate=estate)
    boss = UserFactory(username="boss", role="supervisor")
    rows = {}

    def order(key, *, number, room, name):
        unit = UnitFactory(building=building, estate=estate, number=room)
        made = services.work_order_register(
            unit=unit, kind="minor_repair", trade="plumbing", description="厨房水龙头漏水", source="phone",
            requester_name=name, now=T0, actor=boss,
        )
        WorkOrder.objects.filter(pk=made.pk).update(number=number)
        rows[key] = number

    order("seq39", number="CUIHU-PG2026-00039", room="3-1-502", name="王秀英")
    order("seq39_2025", number="CUIHU-PG2025-00039", room="3-1-503", name="李娜")
    order("seq390", number="CUIHU-PG2026-00390", room="13-1-502", name="李王秀")
    order("seq391", number="CUIHU-PG2026-00391", room="B-2-101", name="Wang Li")
    return {"boss": boss, "numbers": rows}


def found(client, desk, q):
    client.force_login(desk["boss"])
    page = client.get(reverse("repairs:queue"), {"q": q, "status": "all"}).content.decode()
    return {key for key, number in desk["numbers"].items() if number in page}


def test_a_full_number_finds_that_order_in_either_case(client, desk):
    assert found(client, desk, "CUIHU-PG2026-00039") == {"seq39"}
    assert found(client, desk, " cuihu-pg2026-00039 ") == {"seq39"}


def test_the_tail_or_the_start_of_a_number_finds_the_orders_ending_or_starting_so(client, desk):
    assert found(client, desk, "00039") == {"seq39", "seq39_2025"}
    assert found(client, desk, "PG2026-00039") == {"seq39"}
    assert found(client, desk, "cuihu-pg2025") == {"seq39_2025"}


def test_a_fragment_from_the_middle_of_a_number_finds_nothing(client, desk):
    # Deliberate (issue 14): by its start or its end, which an index answers.
    assert found(client, desk, "PG2026") == set()


def test_a_room_number_finds_the_orders_of_the_rooms_starting_so_as_typed(client, desk):
    assert found(client, desk, "3-1-502") == {"seq39"}
    assert found(client, desk, "3-1-50") == {"seq39", "seq39_2025"}
    assert found(client, desk, "B-2") == {"seq391"}
    assert found(client, desk, "b-2") == set()


def test_a_room_prefix_of_many_units_finds_the_same(client, desk, monkeypatch):
    monkeypatch.setattr(search, "UNIT_IDS_INLINE", 1)
    assert found(client, desk, "3-1-50") == {"seq39", "seq39_2025"}
    assert found(client, desk, "B-2") == {"seq391"}


def test_a_name_finds_the_orders_whose_requester_it_starts_in_either_case(client, desk):
    assert found(client, desk, "王秀") == {"seq39"}
    assert found(client, desk, "wang") == {"seq391"}
    # Deliberate (issue 14): the start of the name, not any part of it, which no
    # index answers for a name of two characters.
    assert found(client, desk, "王") == {"seq39"}
    assert found(client, desk, "秀") == set()


def test_the_api_finds_orders_by_number_or_room_as_the_queue_does(client, desk):
    client.force_login(desk["boss"])

    def api(q):
        rows = client.get("/api/v1/work-orders/", {"q": q}).json()["results"]
        return {key for key, number in desk["numbers"].items() if number in {row["number"] for row in rows}}

    assert api("cuihu-pg2026-00039") == {"seq39"}
    assert api("00039") == {"seq39", "seq39_2025"}
    assert api("3-1-50") == {"seq39", "seq39_2025"}
    assert api("PG2026") == set()
