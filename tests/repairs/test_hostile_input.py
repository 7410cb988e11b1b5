"""Hostile query strings on the work-order API are refused with a 400 naming the filter
(issue 13), not a database error."""

import pytest

from repairs import services
from tests.repairs.conftest import at

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def two_orders(shop):
    """One order registered at 14:44 Shanghai time, one at 15:44."""
    early = services.work_order_register(unit=shop["unit"], owner=shop["owner"], kind="minor_repair",
                                         trade="plumbing", source="phone", description="厨房水龙头漏水", now=at(0))
    late = services.work_order_register(unit=shop["unit"], owner=shop["owner"], kind="minor_repair",
                                        trade="plumbing", source="phone", description="卫生间漏水", now=at(60))
    return early, late


@pytest.mark.parametrize("moment", [
    "2026-01-01T00:00:00-21:59",  # PostgreSQL refuses offsets beyond ±15:59: was a 500
    "2026-01-01T00:00:00+15:00",
    "0001-01-01T00:00:00+08:00",  # before year 1 in UTC
    "yesterday",
])
def test_a_moment_no_clock_shows_is_a_400_naming_the_filter(client, shop, two_orders, moment):
    client.force_login(shop["desk"])
    response = client.get("/api/v1/work-orders/", {"registered_after": moment}, **EN)
    assert response.status_code == 400
    assert list(response.json()) == ["registered_after"]


def test_a_moment_with_any_real_offset_filters_as_the_same_instant(client, shop, two_orders):
    early, late = two_orders
    client.force_login(shop["desk"])

    def numbers(**params):
        response = client.get("/api/v1/work-orders/", params)
        assert response.status_code == 200
        return {o["number"] for o in response.json()["results"]}

    # 15:00 in Shanghai is 07:00 UTC, 21:00 in Kiribati (+14:00), 19:00 the day before at -12:00
    assert numbers(registered_after="2026-11-02T15:00:00+08:00") == {late.number}
    assert numbers(registered_after="2026-11-02T21:00:00+14:00") == {late.number}
    assert numbers(registered_after="2026-11-01T19:00:00-12:00") == {late.number}
    assert numbers(registered_before="2026-11-02T07:00:00Z") == {early.number}
