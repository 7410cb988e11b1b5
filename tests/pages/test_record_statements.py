"""The owner's page and the unit's page at the desk read a fixed number of statements,
however many complaints the owner has made."""

import datetime as dt
from zoneinfo import ZoneInfo

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from complaints import services
from tests.factories import UnitFactory, give_unit, make_owner

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def _owner_with_complaints(name, phone, number, how_many, desk_user):
    owner, unit = make_owner(name=name, phone=phone), UnitFactory(number=number)
    give_unit(owner, unit)
    for n in range(how_many):
        services.complaint_register(unit=unit, owner=owner, channel="phone", category="noise",
                                    description=f"{name}的投诉{n}", now=T0 - dt.timedelta(days=n), actor=desk_user)
    return owner, unit


def _statements(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), response.content.decode()


def test_the_owner_and_unit_pages_read_as_many_statements_for_20_complaints_as_for_2(client, desk_user):
    quiet, quiet_unit = _owner_with_complaints("李娜", "13912345678", "3-1-1203", 2, desk_user)
    busy, busy_unit = _owner_with_complaints("王强", "13700001111", "3-1-1204", 20, desk_user)
    client.force_login(desk_user)
    _statements(client, reverse("owners:detail", args=[quiet.pk]))  # the session's first read
    for name in ("owners:detail", "owners:unit"):
        few, _ = _statements(client, reverse(name, args=[quiet.pk if name == "owners:detail" else quiet_unit.pk]))
        many, page = _statements(client, reverse(name, args=[busy.pk if name == "owners:detail" else busy_unit.pk]))
        assert many == few, name
    owner_page = _statements(client, reverse("owners:detail", args=[busy.pk]))[1]
    # open first, the nearest promise first, and how many are open
    assert busy.complaints.order_by("promised_at").first().number in owner_page
    assert 'data-count="complaints_open">20<' in owner_page
