import pytest

from owners.selectors import desk_search
from tests.factories import BuildingFactory, UnitFactory, give_unit, make_owner


@pytest.fixture
def estate_with_owners(db):
    building = BuildingFactory(number="3")
    units = {n: UnitFactory(building=building, number=n) for n in ["3-1-1203", "3-1-1204", "3-2-0501"]}
    give_unit(make_owner(name="张伟", phone="13812345678"), units["3-1-1203"])
    give_unit(make_owner(name="张丽", phone="13955556666"), units["3-1-1204"])
    give_unit(make_owner(name="王芳", phone="13700005678"), units["3-2-0501"])
    return units


def numbers(hits):
    return [h.unit.number for h in hits]


def test_room_number_and_prefix(estate_with_owners):
    assert numbers(desk_search(query="3-1-1203")) == ["3-1-1203"]
    assert numbers(desk_search(query="3-1-12")) == ["3-1-1203", "3-1-1204"]


def test_owner_name_and_surname(estate_with_owners):
    assert numbers(desk_search(query="张伟")) == ["3-1-1203"]
    assert sorted(numbers(desk_search(query="张"))) == ["3-1-1203", "3-1-1204"]


def test_full_phone_finds_the_unit_despite_encryption(estate_with_owners):
    hits = desk_search(query="139 5555 6666")
    assert numbers(hits) == ["3-1-1204"]
    assert hits[0].matched_by == "phone"
    assert [o.name for o in hits[0].owners] == ["张丽"]


def test_last_four_digits_of_a_phone(estate_with_owners):
    assert sorted(numbers(desk_search(query="5678"))) == ["3-1-1203", "3-2-0501"]


def test_nothing_found_is_an_empty_list(estate_with_owners):
    assert desk_search(query="赵") == []
    assert desk_search(query="13000000000") == []


def test_phone_written_with_dashes_or_country_code_is_still_a_phone(estate_with_owners):
    assert numbers(desk_search(query="139-5555-6666")) == ["3-1-1204"]
    assert numbers(desk_search(query="+86 139 5555 6666")) == ["3-1-1204"]


def test_a_tenant_is_found_by_phone_and_a_former_tenant_is_not(estate_with_owners):
    # given
    import datetime

    from owners import services

    unit = estate_with_owners["3-2-0501"]
    services.resident_add(unit=unit, name="林晓", relation="tenant",
                          move_in_date=datetime.date(2025, 3, 1), phone="13566667777")
    gone = services.resident_add(unit=estate_with_owners["3-1-1204"], name="韩梅", relation="tenant",
                                 move_in_date=datetime.date(2020, 1, 1), phone="13588889999")
    services.resident_move_out(resident=gone, move_out_date=datetime.date(2024, 1, 1))

    # when
    hits = desk_search(query="135 6666 7777")

    # then
    assert numbers(hits) == ["3-2-0501"]
    assert hits[0].matched_by == "resident_phone" and hits[0].resident.name == "林晓"
    assert [o.name for o in hits[0].owners] == ["王芳"]
    assert numbers(desk_search(query="7777")) == ["3-2-0501"]
    assert desk_search(query="13588889999") == []


def test_search_query_count_does_not_grow_with_hits(estate_with_owners, django_assert_num_queries):
    import datetime

    from owners import services

    for n, unit in enumerate(estate_with_owners.values()):
        services.resident_add(unit=unit, name=f"租户{n}", relation="tenant",
                              move_in_date=datetime.date(2025, 1, 1), phone=f"135000{n}9999")
    # The rooms, the owners' phones' last digits, the residents' and their units: each
    # unit read with its owners and their primary phones in the same statement.
    with django_assert_num_queries(4):
        hits = desk_search(query="9999")
    assert len(hits) >= 3
    assert {o.primary_phone_masked for hit in hits for o in hit.owners} == {"138****5678", "139****6666", "137****5678"}
