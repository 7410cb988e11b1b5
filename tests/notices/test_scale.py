"""Publishing at an estate's size: the statements do not grow with the households (one
a batch), and a 5,000-unit estate is told in one transaction that takes a few seconds."""

import datetime as dt
import time

from django.db import connection
from django.test.utils import CaptureQueriesContext

from notices import services
from notices.models import NoticeHousehold
from owners.models import Owner, OwnerPhone, Ownership, Unit
from propertydesk.models import Delivery, Notification
from tests.factories import BuildingFactory, EstateFactory, UserFactory
from tests.notices.conftest import T0


def estate_of(units: int, code: str):
    """An estate of ``units`` units, one owner each (every third by e-mail, the rest by SMS),
    written in bulk: the registry's services would take minutes for thousands."""
    estate = EstateFactory(code=code, name=f"{code}苑")
    buildings = [BuildingFactory(estate=estate, number=str(b + 1)) for b in range(max(1, units // 250))]
    made = Unit.objects.bulk_create([
        Unit(estate=estate, building=buildings[n % len(buildings)], number=f"{n % len(buildings) + 1}-1-{n}",
             floor=1, area=80) for n in range(units)])
    owners = Owner.objects.bulk_create([
        Owner(name=f"业主{n}", preferred_channel="email" if n % 3 == 0 else "sms",
              email=f"o{n}@example.com" if n % 3 == 0 else "") for n in range(units)])
    OwnerPhone.objects.bulk_create([
        OwnerPhone(owner=o, number=f"139{n:08d}", number_hash=f"{code}{n}", tail_hash=f"{code}{n}", is_primary=True)
        for n, o in enumerate(owners)])
    Ownership.objects.bulk_create([Ownership(unit=u, owner=o, start_date="2020-01-01") for u, o in zip(made, owners)])
    return estate


def publish(estate, *, batch=None):
    notice = services.notice_create(estate=estate, kind="outage", emergency=True, title="紧急停水", body="{place}停水",
                                    place="全小区",
                                    starts_at=T0, ends_at=T0 + dt.timedelta(hours=6), now=T0)
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        notice = services.notice_publish(notice=notice, now=T0, batch=batch)
        seconds = time.perf_counter() - started
    return notice, len(queries.captured_queries), seconds


def test_publishing_takes_the_same_statements_for_40_or_400_households(db, settings):
    settings.OUTBOX_DELIVERY = "off"
    small, small_statements, _s = publish(estate_of(40, "s"))
    large, large_statements, _s = publish(estate_of(400, "l"))
    assert (small.households, large.households) == (40, 400)
    assert small_statements == large_statements
    # and in batches of 100 households: one more statement a batch, never one per owner
    batched, batched_statements, _s = publish(estate_of(400, "b"), batch=100)
    assert batched.messages_sent == 400 and batched_statements == large_statements + 3


def test_an_estate_of_5000_units_is_told_in_one_transaction(db, settings, figure):
    settings.OUTBOX_DELIVERY = "off"
    UserFactory(username="n_desk", role="front_desk")
    notice, statements, seconds = publish(estate_of(5000, "big"))
    assert notice.households == 5000 and notice.messages_sent == 5000
    assert NoticeHousehold.objects.filter(notice=notice).count() == 5000
    assert Notification.objects.filter(dedupe_key__startswith=f"notice:{notice.pk}:").count() == 5000
    assert Delivery.objects.filter(notification__dedupe_key__startswith=f"notice:{notice.pk}:").count() == 10000
    figure(f"notices: an emergency published to 5,000 households (5,000 owners, 10,000 deliveries) "
           f"in {seconds * 1000:.0f} ms, {statements} statements")
