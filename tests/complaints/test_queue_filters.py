"""The complaint queue's estate and building filters, at a company's size: the building
list follows the estate chosen once there are too many buildings for one list."""

import datetime as dt
import re
from zoneinfo import ZoneInfo

from django.test import override_settings
from django.urls import reverse

from complaints import services
from tests.factories import BuildingFactory, UnitFactory

T0 = dt.datetime(2026, 11, 2, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def _complaint(unit, desk_user):
    return services.complaint_register(unit=unit, contact_name="住户", channel="phone", category="noise",
                                       urgency="normal", description="噪音", actor=desk_user, now=T0)


def _building_options(html: str) -> list[str]:
    select = re.search(r'<select name="building".*?</select>', html, re.S).group(0)
    return [v for v in re.findall(r'<option value="(\d*)"', select) if v]


@override_settings(FILTER_MAX_BUILDINGS=1)
def test_the_buildings_follow_the_estate_and_the_estate_filters_the_queue(client, desk_user):
    a, b = BuildingFactory(), BuildingFactory()
    mine = _complaint(UnitFactory(building=a, number="1-1-101"), desk_user)
    other = _complaint(UnitFactory(building=b, number="2-1-101"), desk_user)
    client.force_login(desk_user)

    everything = client.get(reverse("complaints:queue")).content.decode()
    chosen = client.get(reverse("complaints:queue"), {"estate": a.estate_id}).content.decode()

    # two buildings are more than the list may hold: none until an estate is chosen
    assert _building_options(everything) == [] and "请先选择小区" in everything
    assert mine.number in everything and other.number in everything
    # the estate chosen: its buildings, its complaints
    assert _building_options(chosen) == [str(a.pk)]
    assert mine.number in chosen and other.number not in chosen


def test_a_small_company_sees_every_building_at_once(client, desk_user):
    a, b = BuildingFactory(), BuildingFactory()
    client.force_login(desk_user)

    page = client.get(reverse("complaints:queue")).content.decode()

    assert sorted(_building_options(page)) == sorted([str(a.pk), str(b.pk)])
