"""The demo estate (manage.py seed_demo), read from the estate tests/conftest.py loads
once per run (``demo_seeded``)."""

import random
from datetime import date
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db.models import Exists, OuterRef
from django.test import Client
from django.urls import reverse

from demo import registry, steps
from demo.context import DEFAULT_SEED, DemoContext
from demo.people import People
from owners import crypto, selectors
from owners.models import Estate, IdType, Owner, OwnerPhone, Ownership, Resident, Unit
from owners.validators import MOBILE_RE, resident_id_checksum_ok

TODAY = date(2026, 3, 15)


@pytest.fixture
def seeded(demo_seeded):
    """The demo estate (tests/conftest.py, loaded once per run): what seed_demo printed."""
    return demo_seeded[0]


def _sorted(rows) -> list[tuple]:
    # Sorted in Python: the database's collation may order "1-1-102" and "1-1-1002" differently.
    return sorted(rows, key=lambda r: r[:4])


def _plan_fingerprint(ctx) -> list[tuple]:
    return _sorted(
        (o.unit.estate.code, o.unit.number, o.owner.name, o.start_date, o.end_date)
        for o in ctx.ownerships
    )


def _db_fingerprint() -> list[tuple]:
    return _sorted(Ownership.objects.values_list(
        "unit__estate__code", "unit__number", "owner__name", "start_date", "end_date"
    ))


def test_the_same_seed_gives_the_same_estate(seeded, demo_seeded, db):
    # given the estate the command seeded with the default seed for its day

    # when the generator plans it twice more, in memory, for the same day
    today = demo_seeded[2]
    first = steps.plan(rng=random.Random(DEFAULT_SEED), today=today)
    second = steps.plan(rng=random.Random(DEFAULT_SEED), today=today)

    # then the plans are equal and the database holds exactly that plan
    assert _plan_fingerprint(first) == _plan_fingerprint(second)
    assert [p.number for p in first.phones] == [p.number for p in second.phones]
    assert [o.id_number for o in first.owners] == [o.id_number for o in second.owners]
    assert _db_fingerprint() == _plan_fingerprint(first)
    assert Owner.objects.get(user__username="owner").name == first.demo_owner.name


def test_a_different_seed_gives_different_owners():
    # given / when (planning only: nothing is written)
    one = steps.plan(rng=random.Random(1), today=TODAY)
    two = steps.plan(rng=random.Random(2), today=TODAY)

    # then
    assert [o.name for o in one.owners[:50]] != [o.name for o in two.owners[:50]]


def test_counts_are_in_the_expected_ranges(seeded, db):
    # given the seeded estate

    # when
    units = Unit.objects.count()
    owned = Unit.objects.filter(
        Exists(Ownership.objects.filter(unit=OuterRef("pk"), end_date__isnull=True))
    ).count()
    owners = Owner.objects.count()

    # then
    assert Estate.objects.count() == 2
    assert 1400 <= units <= 1600
    assert 0.92 <= owned / units <= 0.98
    assert units * 0.9 <= owners <= units * 1.3
    assert OwnerPhone.objects.count() >= owners
    assert Ownership.objects.filter(end_date__isnull=False, end_reason="sale").count() >= 10
    assert Resident.objects.filter(relation="tenant", move_out_date__isnull=True).count() >= 100
    special = Owner.objects.exclude(special_needs=[]).count()
    assert 0.03 * owners <= special <= 0.09 * owners
    assert "units" in seeded and "owners" in seeded


def test_every_unit_number_and_area_is_well_formed(seeded, db):
    # given the seeded estate

    # when
    rows = list(Unit.objects.values_list("number", "floor", "area", "building__number"))

    # then
    for number, floor, area, building in rows:
        b, entrance, room = number.split("-")
        assert b == building and entrance in {"1", "2"}
        assert int(room) // 100 == floor and 1 <= int(room) % 100 <= 4
        assert area.as_tuple().exponent == -2 and area > 50


def test_id_numbers_pass_the_checksum_and_phones_are_unique_mobiles(seeded, db):
    # given the seeded estate

    # when
    owners = list(Owner.objects.filter(id_type=IdType.RESIDENT_ID))
    numbers = [p.number for p in OwnerPhone.objects.all()]

    # then
    assert len(owners) > 1000
    assert all(resident_id_checksum_ok(o.id_number) for o in owners)
    assert len({o.id_number for o in owners}) == len(owners)
    assert all(MOBILE_RE.match(n) for n in numbers)
    assert len(set(numbers)) == len(numbers)


def test_bulk_loaded_hashes_are_the_ones_save_computes(seeded, db):
    # given the seeded estate (bulk_create skips save())
    owners = list(Owner.objects.order_by("?")[:100])
    phones = list(OwnerPhone.objects.order_by("?")[:100])

    # then
    assert all(o.id_number_hash == crypto.id_number_index(o.id_number) for o in owners)
    assert all(p.number_hash == crypto.phone_index(p.number) for p in phones)
    assert all(p.tail_hash == crypto.phone_tail_index(p.number) for p in phones)
    assert not OwnerPhone.objects.exclude(owner__phones__is_primary=True).exists()


def test_the_desk_finds_a_seeded_owner_by_phone_and_by_tail(seeded, db):
    # given
    phone = (
        OwnerPhone.objects.filter(owner__ownerships__end_date__isnull=True).order_by("pk").first()
    )

    # when
    by_phone = selectors.desk_search(query=phone.number)
    by_tail = selectors.desk_search(query=phone.number[-4:], limit=200)

    # then
    assert by_phone and all(h.matched_by == "phone" for h in by_phone)
    assert any(phone.owner in hit.owners for hit in by_phone)
    assert any(phone.owner in hit.owners for hit in by_tail)


@pytest.mark.parametrize(
    "username, lands_on",
    [
        ("desk", "desk"),
        ("supervisor", "dashboard"),
        ("engineer", "repairs:my_orders"),
        ("finance", "fees:home"),
        ("owner", "portal:home"),
        ("admin", "dashboard"),
    ],
)
def test_every_demo_user_logs_in_with_the_demo_password(seeded, db, username, lands_on):
    # given
    client = Client()

    # when
    response = client.post(reverse("login"), {"username": username, "password": "demo12345"})
    home = client.get(reverse("home"))

    # then
    assert response.status_code == 302, f"{username} could not log in"
    assert home.status_code == 302 and home.url == reverse(lands_on)


def test_staff_users_have_their_roles_and_only_admin_is_superuser(seeded, db):
    # given
    users = {u.username: u for u in get_user_model().objects.all()}

    # then
    assert [g.name for g in users["desk"].groups.all()] == ["front_desk"]
    assert users["supervisor"].is_staff and not users["supervisor"].is_superuser
    assert [g.name for g in users["supervisor"].groups.all()] == ["supervisor"]
    assert [g.name for g in users["engineer"].groups.all()] == ["engineering"]
    assert [g.name for g in users["finance"].groups.all()] == ["finance"]
    assert users["admin"].is_superuser and users["admin"].is_staff
    assert not users["owner"].is_staff and not users["owner"].groups.exists()
    assert users["desk"].last_name and users["desk"].first_name


def test_the_demo_owner_sees_exactly_two_units(seeded, db):
    # given
    user = get_user_model().objects.get(username="owner")

    # when
    units = list(selectors.unit_queryset_for(user))
    client = Client()
    client.post(reverse("login"), {"username": "owner", "password": "demo12345"})
    portal = client.get(reverse("portal:home"))

    # then
    assert len(units) == 2
    assert {u.estate.code for u in units} == {"cuihu", "jinxiu"}
    assert user.owner_profile.name == f"{user.last_name}{user.first_name}"
    assert portal.status_code == 200
    for unit in units:
        assert unit.number in portal.content.decode()


def test_if_empty_on_a_seeded_database_adds_nothing(seeded, db):
    # given
    before = (Unit.objects.count(), Owner.objects.count(), get_user_model().objects.count())
    out = StringIO()

    # when
    call_command("seed_demo", "--if-empty", stdout=out)
    call_command("seed_demo", "--if-empty", stdout=out)

    # then
    assert (Unit.objects.count(), Owner.objects.count(), get_user_model().objects.count()) == before
    assert "nothing loaded" in out.getvalue()


def test_seeding_a_database_with_data_is_refused(seeded, db):
    # given the seeded estate

    # when / then
    with pytest.raises(CommandError, match="fresh database"):
        call_command("seed_demo", stdout=StringIO())


def test_existing_logins_are_left_alone(seeded, db):
    # given every demo username taken already (by the module's seeding), one with another password
    desk = get_user_model().objects.get(username="desk")
    desk.set_password("someone-elses-42")
    desk.save()
    ctx = DemoContext(rng=random.Random(1), today=TODAY, people=People(random.Random(1)))
    ctx.demo_owner = Owner.objects.filter(user__isnull=True).first()

    # when
    registry.seed_users(ctx)

    # then
    assert sorted(ctx.skipped_users) == [
        "admin", "desk", "engineer", "finance", "owner", "supervisor"
    ]
    assert ctx.users == {}
    desk.refresh_from_db()
    assert desk.check_password("someone-elses-42")
    assert ctx.demo_owner.user_id is None
