from django.db import connection

from owners.models import Owner, OwnerPhone
from tests.factories import make_owner, resident_id


def _raw(sql, params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


def test_phone_and_id_columns_hold_no_plaintext(db):
    # given
    id_number = resident_id(7)
    owner = make_owner(name="王芳", phone="13800138000", id_number=id_number)

    # when
    raw_id, = _raw("SELECT id_number FROM owners_owner WHERE id = %s", [owner.pk])
    raw_phone, raw_hash = _raw(
        "SELECT number, number_hash FROM owners_ownerphone WHERE owner_id = %s", [owner.pk]
    )

    # then
    assert id_number not in raw_id and id_number[-4:] not in raw_id
    assert "13800138000" not in raw_phone and "0138000" not in raw_hash
    assert Owner.objects.get(pk=owner.pk).id_number == id_number
    assert OwnerPhone.objects.get(owner=owner).number == "13800138000"


def test_equal_numbers_encrypt_differently_but_share_the_search_hash(db):
    a = make_owner(name="甲", phone="13800138000")
    b = make_owner(name="乙", phone="+86 138 0013 8000")
    raw_a, hash_a = _raw("SELECT number, number_hash FROM owners_ownerphone WHERE owner_id = %s", [a.pk])
    raw_b, hash_b = _raw("SELECT number, number_hash FROM owners_ownerphone WHERE owner_id = %s", [b.pk])
    assert raw_a != raw_b
    assert hash_a == hash_b
