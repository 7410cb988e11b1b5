"""One owner of record per unit, whoever asks: the desk search, the unit page, the
complaint API and pages, the work-order page, the fee desk and the bill run all name
the earliest current owner (of two from the same day, the one entered first)."""

import datetime as dt
import json
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.urls import reverse

from complaints.models import Complaint, Suggestion
from fees import services as fees
from fees import selectors as fees_selectors
from fees.models import Bill, FeeStandard
from owners import selectors, services
from repairs.models import WorkOrder
from tests.factories import UnitFactory, make_owner

SH = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def co_owned(db):
    """Unit 5-2-801: 陈建国 bought it on 2020-05-01; his wife 刘芳 was added on 2021-03-15,
    but the desk typed her in first (her ownership has the lower id). Unit 5-2-802: 周杰 and
    孙丽 both from 2022-08-08, 周杰 entered first."""
    later, first = make_owner(name="刘芳", phone="13700000001"), make_owner(name="陈建国", phone="13700000002")
    unit = UnitFactory(number="5-2-801")
    services.ownership_start(unit=unit, owner=later, start_date=dt.date(2021, 3, 15))
    services.ownership_start(unit=unit, owner=first, start_date=dt.date(2020, 5, 1))
    tie_first, tie_second = make_owner(name="周杰", phone="13700000003"), make_owner(name="孙丽", phone="13700000004")
    tie_unit = UnitFactory(building=unit.building, number="5-2-802")
    services.ownership_start(unit=tie_unit, owner=tie_first, start_date=dt.date(2022, 8, 8))
    services.ownership_start(unit=tie_unit, owner=tie_second, start_date=dt.date(2022, 8, 8))
    FeeStandard.objects.create(estate=unit.estate, item="物业服务费", basis="per_m2_month", rate=Decimal("2.35"),
                               effective_from=dt.date(2026, 1, 1))
    return [(unit, first, later), (tie_unit, tie_first, tie_second)]


def test_the_registry_names_the_earliest_owner_first_and_breaks_a_tie_by_entry(co_owned):
    for unit, first, second in co_owned:
        assert selectors.unit_owners(unit=unit) == [first, second]
        assert selectors.owner_of_record(unit=unit) == first


def test_the_desk_search_and_the_unit_page_list_the_owner_of_record_first(client, desk_user, co_owned):
    client.force_login(desk_user)
    for unit, first, second in co_owned:
        hits = client.get(reverse("desk"), {"q": unit.number}).context["hits"]
        assert [hit.owners for hit in hits if hit.unit == unit] == [[first, second]]
        page = client.get(reverse("owners:unit", args=[unit.pk])).content.decode()
        current = page[page.index("bi-person-badge"):page.index("bi-clock-history")]
        assert current.index(first.name) < current.index(second.name)


def test_complaints_from_the_api_and_the_page_go_to_the_owner_of_record(client, desk_user, co_owned):
    client.force_login(desk_user)
    for unit, first, _second in co_owned:
        # when the desk registers the owner's call through the API, and again on the intake page
        made = client.post("/api/v1/complaints/", json.dumps({
            "unit": unit.pk, "from_owner": True, "channel": "phone", "category": "repair",
            "description": "卫生间漏水"}), content_type="application/json")
        assert made.status_code == 201 and made.json()["owner"] == first.pk
        page = client.post(reverse("complaints:intake"), {
            "estate": unit.estate_id, "unit_number": unit.number, "from_owner": "on", "channel": "phone",
            "category": "repair", "urgency": "normal", "description": "厨房漏水"})
        assert page.status_code == 302
        complaint = Complaint.objects.get(unit=unit, description="厨房漏水")

        # then both name the owner of record, and so does the complaint's page
        assert complaint.owner == first
        assert first.name in client.get(reverse("complaints:detail", args=[complaint.pk])).content.decode()


def test_suggestions_and_work_orders_go_to_the_owner_of_record(client, desk_user, co_owned):
    client.force_login(desk_user)
    unit, first, _second = co_owned[0]
    made = client.post("/api/v1/suggestions/", json.dumps({
        "unit": unit.pk, "channel": "phone", "subject": "绿化", "content": "多种树"}), content_type="application/json")
    assert made.status_code == 201 and Suggestion.objects.get().owner == first
    client.post(reverse("complaints:suggestion_create"), {
        "estate": unit.estate_id, "unit_number": unit.number, "channel": "phone", "subject": "路灯", "content": "修"})
    assert Suggestion.objects.get(subject="路灯").owner == first
    client.post(reverse("repairs:register"), {
        "estate": unit.estate_id, "unit_number": unit.number, "from_owner": "on", "source": "phone",
        "kind": "minor_repair", "trade": "plumbing", "description": "水龙头滴水"})
    assert WorkOrder.objects.get().owner == first


def test_the_bill_and_the_fee_desk_name_the_owner_of_record(client, desk_user, co_owned):
    # when the month's bills are issued
    fees.bill_run(period=dt.date(2026, 11, 1), as_of=dt.datetime(2026, 11, 10, 1, 0, tzinfo=SH))

    # then each bill is addressed to the owner the pages name, and the fee desk offers them as payer
    client.force_login(desk_user)
    for unit, first, second in co_owned:
        assert Bill.objects.get(unit=unit).owner == first
        account = client.get(reverse("fees:unit_account", args=[unit.pk]))
        assert account.context["owners"] == [first, second]
        assert account.context["form"].initial["payer_name"] == first.name


def test_the_sql_ordering_picks_the_owner_the_selector_picks_on_any_day(co_owned):
    unit, first, second = co_owned[0]
    buyer = make_owner(name="赵敏", phone="13700000005")
    services.ownership_transfer(unit=unit, new_owners=[buyer, second], transfer_date=dt.date(2025, 6, 1))
    days = [dt.date(2020, 4, 30), dt.date(2020, 5, 1), dt.date(2021, 3, 15), dt.date(2025, 5, 31),
            dt.date(2025, 6, 1), dt.date(2026, 1, 1)]
    sql = selectors.owner_of_record_sql(unit="%(unit)s", as_of="%(day)s")
    with connection.cursor() as cursor:
        for day in days:
            cursor.execute(f"SELECT ({sql})", {"unit": unit.pk, "day": day})
            expected = selectors.owner_of_record(unit=unit, as_of=day)
            assert cursor.fetchone()[0] == (expected.pk if expected else None), day
    # the buyer owns from the transfer day; 刘芳 stayed on and now comes first
    assert selectors.owner_of_record(unit=unit, as_of=dt.date(2025, 5, 31)) == first
    assert selectors.unit_owners(unit=unit, as_of=dt.date(2025, 6, 1)) == [second, buyer]
    assert selectors.unit_owners(unit=unit) == [second, buyer]


def test_arrears_name_the_owner_of_record_and_after_a_sale_the_buyer(co_owned):
    # given November's bills, unpaid, then 5-2-801 sold in December with its debt
    fees.bill_run(period=dt.date(2026, 11, 1), as_of=dt.datetime(2026, 11, 10, 1, 0, tzinfo=SH))
    (sold, first, _later), (tie_unit, tie_first, _tie_second) = co_owned
    buyer = make_owner(name="赵敏", phone="13700000005")
    services.ownership_transfer(unit=sold, new_owners=[buyer], transfer_date=dt.date(2026, 12, 1))

    # when the desk reads the arrears before and after the sale
    def owners(as_of):
        return {row.unit_id: row.owner_id for row in fees_selectors.arrears(as_of=as_of)}

    # then: the owner of record, and once sold, the buyer, who owns the unit and its debt
    assert owners(dt.date(2026, 11, 20)) == {sold.pk: first.pk, tie_unit.pk: tie_first.pk}
    assert owners(dt.date(2026, 12, 20)) == {sold.pk: buyer.pk, tie_unit.pk: tie_first.pk}
