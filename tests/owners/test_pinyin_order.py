"""Chinese names are listed in pinyin order, as the desk looks them up (阿, 李, 王, 张), not by
their code points (张 5F20, 李 674E, 王 738B, 阿 963F)."""

import pytest
from django.db import connection

from owners import selectors
from owners.models import Owner
from tests.conftest import skip_or_fail
from tests.factories import make_owner


@pytest.fixture(autouse=True)
def _icu(db):
    """Pinyin order is ICU's: a server built without it (the embedded one of ``./dev``) has a
    stand-in collation of the same name (owners migration 0006) that sorts otherwise."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT collprovider FROM pg_collation WHERE collname = 'zh-Hans-x-icu'")
        provider = cursor.fetchone()
    if not provider or provider[0] != "i":
        skip_or_fail("this PostgreSQL has no ICU collations: names sort, but not in pinyin")


def test_the_owner_list_is_in_pinyin_order(db):
    for name in ("张三", "李四", "王五", "阿明"):
        make_owner(name=name)

    listed = [o.name for o in selectors.owner_list()]

    assert listed == ["阿明", "李四", "王五", "张三"]
    # equality and prefix search are unchanged by the collation
    assert Owner.objects.filter(name="李四").count() == 1
    assert Owner.objects.filter(name__startswith="王").count() == 1


def test_a_departments_staff_are_listed_in_pinyin_order(db):
    from django.contrib.auth import get_user_model

    from owners.models import Estate, StaffMembership

    estate = Estate.objects.create(name="翠湖苑", code="cuihu")
    for i, family in enumerate(("张", "李", "王", "阿")):
        user = get_user_model().objects.create_user(username=f"s{i}", last_name=family, first_name="明")
        StaffMembership.objects.create(user=user, estate=estate, department="engineering")

    assert [u.last_name for u in selectors.department_staff(estate_id=estate.pk)] == ["阿", "李", "王", "张"]
    people = selectors.department_people(estate_id=estate.pk)["engineering"]
    assert [name[0] for _pk, name in people] == ["阿", "李", "王", "张"]
