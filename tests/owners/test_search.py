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
