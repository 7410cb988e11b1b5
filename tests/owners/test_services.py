import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from owners import services
from owners.models import EndReason, Owner, OwnerPhone, Ownership
from tests.factories import UnitFactory, give_unit, make_owner, resident_id


@pytest.fixture(autouse=True)
def english():
    # Messages are asserted in English; the default language is Chinese.
    with translation.override("en"):
        yield


def test_service_messages_are_translated_to_chinese(db):
    with translation.override("zh-hans"), pytest.raises(ValidationError) as caught:
        services.owner_create(name="", phones=[services.PhoneInput(number="13800000001")])
    assert caught.value.message_dict["name"] == ["请输入业主姓名。"]


def test_owner_create_names_every_bad_field(db):
    # when
    with pytest.raises(ValidationError) as caught:
        services.owner_create(
            name=" ",
            phones=[services.PhoneInput(number="12345")],
            id_number="440106198001010001",
            preferred_channel="email",
        )

    # then
    errors = caught.value.message_dict
    assert set(errors) == {"name", "phones", "id_number", "email"}
    assert "check digit" in errors["id_number"][0]
    assert Owner.objects.count() == 0


def test_owner_with_one_bad_phone_among_good_ones_is_not_half_written(db):
    with pytest.raises(ValidationError):
        services.owner_create(
            name="赵敏",
            phones=[services.PhoneInput(number="13800000001"), services.PhoneInput(number="999")],
        )
    assert Owner.objects.count() == 0
    assert OwnerPhone.objects.count() == 0


def test_second_owner_with_the_same_id_number_is_refused(db):
    make_owner(name="甲", id_number=resident_id(11))
    with pytest.raises(ValidationError) as caught:
        make_owner(name="乙", id_number=resident_id(11))
    assert "already registered" in caught.value.message_dict["id_number"][0]


def test_first_phone_becomes_primary_and_duplicates_collapse(db):
    owner = services.owner_create(
        name="陈静",
        phones=[
            services.PhoneInput(number="139 1234 5678"),
            services.PhoneInput(number="+8613912345678"),
            services.PhoneInput(number="021-55551234", label="home"),
        ],
    )
    phones = list(owner.phones.all())
    assert [p.number for p in phones] == ["13912345678", "02155551234"]
    assert [p.is_primary for p in phones] == [True, False]


def test_update_keeps_the_stored_id_number_when_left_blank_and_must_keep_a_phone(db):
    # given
    owner = make_owner(name="孙悦", id_number=resident_id(21))
    phone = owner.phones.get()

    # when removing the only phone
    with pytest.raises(ValidationError) as caught:
        services.owner_update(
            owner=owner, name="孙悦", id_type=owner.id_type, address="", email="",
            preferred_channel="phone", special_needs=[], special_needs_note="",
            remove_phone_ids=[phone.pk],
        )
    assert "phones" in caught.value.message_dict

    # when renaming with a blank ID field
    services.owner_update(
        owner=owner, name="孙悦悦", id_type=owner.id_type, address="幸福路1号", email="",
        preferred_channel="phone", special_needs=["elderly_alone"], special_needs_note="独居",
    )
    owner.refresh_from_db()
    assert owner.name == "孙悦悦"
    assert owner.id_number == resident_id(21)
    assert owner.special_needs == ["elderly_alone"]


def test_transfer_ends_current_ownership_and_keeps_history(db):
    # given
    unit = UnitFactory(number="5-2-801")
    seller = make_owner(name="周强")
    give_unit(seller, unit, since=datetime.date(2015, 3, 1))
    buyer = make_owner(name="吴敏")

    # when
    services.ownership_transfer(
        unit=unit, new_owners=[buyer], transfer_date=datetime.date(2026, 6, 30),
        reason=EndReason.SALE,
    )

    # then
    history = {o.owner.name: o for o in Ownership.objects.filter(unit=unit)}
    assert history["周强"].end_date == datetime.date(2026, 6, 30)
    assert history["周强"].end_reason == EndReason.SALE
    assert history["吴敏"].is_current and history["吴敏"].start_date == datetime.date(2026, 6, 30)


def test_transfer_dated_before_the_current_owner_bought_is_refused(db):
    unit = UnitFactory()
    give_unit(make_owner(name="甲"), unit, since=datetime.date(2024, 1, 1))
    with pytest.raises(ValidationError) as caught:
        services.ownership_transfer(
            unit=unit, new_owners=[make_owner(name="乙")], transfer_date=datetime.date(2023, 1, 1)
        )
    assert "transfer_date" in caught.value.message_dict
    assert Ownership.objects.filter(unit=unit, end_date__isnull=True).count() == 1


def test_co_owner_is_added_beside_the_owner_but_not_twice(db):
    unit = UnitFactory()
    husband, wife = make_owner(name="郭涛"), make_owner(name="何琳")
    give_unit(husband, unit)
    services.ownership_start(unit=unit, owner=wife, start_date=datetime.date(2021, 1, 1))
    assert Ownership.objects.filter(unit=unit, end_date__isnull=True).count() == 2
    with pytest.raises(ValidationError) as caught:
        services.ownership_start(unit=unit, owner=wife, start_date=datetime.date(2022, 1, 1))
    assert "already owns" in caught.value.message_dict["owner"][0]


def test_resident_move_out_before_move_in_is_refused(db):
    unit = UnitFactory()
    resident = services.resident_add(
        unit=unit, name="林晓", relation="tenant", move_in_date=datetime.date(2026, 1, 1),
        phone="13700000000",
    )
    with pytest.raises(ValidationError) as caught:
        services.resident_move_out(resident=resident, move_out_date=datetime.date(2025, 12, 1))
    assert "move_out_date" in caught.value.message_dict
    services.resident_move_out(resident=resident, move_out_date=datetime.date(2026, 9, 1))
    resident.refresh_from_db()
    assert resident.move_out_date == datetime.date(2026, 9, 1)
    assert resident.phone_masked == "137****0000"
