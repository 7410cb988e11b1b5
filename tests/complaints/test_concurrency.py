"""Beat can fire a job twice at once: two real connections race for the same complaint."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from complaints import services
from propertydesk.models import Notification
from tests.concurrency import at_once
from tests.factories import UnitFactory, UserFactory

SH = ZoneInfo("Asia/Shanghai")
T0 = dt.datetime(2026, 11, 2, 9, 0, tzinfo=SH)


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_flag_and_notify_once():
    # given
    UserFactory(username="boss", role="supervisor")
    c = services.complaint_register(unit=UnitFactory(), contact_name="住户", channel="phone",
                                   category="repair", urgency="emergency", description="漏水", now=T0)

    def sweep():
        return services.complaint_flag_overdue(complaint_id=c.pk, as_of=T0 + dt.timedelta(hours=3))

    # when
    results = at_once(sweep, sweep)

    # then
    assert sorted(results) == [False, True]
    assert Notification.objects.filter(kind="complaint.overdue").count() == 1


@pytest.mark.django_db(transaction=True)
def test_complaint_numbers_stay_unique_and_gapless_under_concurrent_intake():
    unit = UnitFactory()

    def take():
        return services.complaint_register(
            unit=unit, contact_name="住户", channel="phone", category="noise", description="噪音", now=T0
        ).number

    numbers = at_once(take, take, take, take)
    assert sorted(n[-5:] for n in numbers) == ["00001", "00002", "00003", "00004"]
