"""The fee pages at scale: the arrears summary is one grouped query and its list reads
only the page shown (the figures are those the old grouping in Python gave, kept here as
the reference); the arrears page and API, the bills of a month, a unit's fee desk, the
owner's fees and the API lists take the same statements whatever the rows."""

import datetime as dt
from decimal import Decimal

import time_machine
from django.db.models import Count, F, Min, OuterRef, Sum
from django.test import override_settings
from django.urls import reverse

from fees import reports, selectors, services
from fees.models import Bill
from owners.selectors import owner_of_record_subquery
from tests.factories import UserFactory
from tests.fees.conftest import sh
from tests.fees.conftest import add_estate, count_statements

ZERO = Decimal("0.00")
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def reference_arrears(*, as_of, estate=None, bucket=""):
    """The arrears as they were computed before (every owing unit grouped, bucketed in
    Python), in the list's order (oldest debt, room, unit)."""
    rows = Bill.objects.filter(status__in=selectors.OWING, due_on__lt=as_of)
    if estate is not None:
        rows = rows.filter(estate=estate)
    grouped = (rows.values("unit_id", "unit__number", "estate_id")
               .annotate(owed=Sum(F("amount") - F("paid")), oldest=Min("period"), bills=Count("pk"),
                         owner_id=owner_of_record_subquery(unit=OuterRef("unit_id"), as_of=as_of)))
    policies = selectors.fee_policies(estate_ids=None if estate is None else [estate.pk])
    result = []
    for row in grouped:
        months = selectors.months_in_arrears(oldest_period=row["oldest"], as_of=as_of)
        key = policies[row["estate_id"]].bucket_of(months)
        if not bucket or key == bucket:
            result.append(selectors.ArrearsRow(row["unit_id"], row["unit__number"], row["estate_id"], row["owner_id"],
                                               row["owed"], row["oldest"], row["bills"], months, key))
    return sorted(result, key=lambda r: (r.oldest, r.unit_number, r.unit_id))


def reference_summary(*, as_of, estate=None):
    totals = {key: {"bucket": key, "units": 0, "owed": ZERO} for key, _l, _h in selectors.aging_buckets(estate=estate)}
    for row in reference_arrears(as_of=as_of, estate=estate):
        totals[row.bucket]["units"] += 1
        totals[row.bucket]["owed"] += row.owed
    return list(totals.values())


def test_the_grouped_arrears_equal_the_old_grouping_in_python(three_estates):
    checked = 0
    for as_of in (dt.date(2026, 12, 20), dt.date(2027, 2, 28), dt.date(2027, 9, 30)):
        for estate in (None, *three_estates):
            expected = reference_arrears(as_of=as_of, estate=estate)
            assert selectors.arrears(as_of=as_of, estate=estate) == expected
            summary = selectors.aging_summary(as_of=as_of, estate=estate)
            assert summary == reference_summary(as_of=as_of, estate=estate)
            for row in summary:
                bucket = row["bucket"]
                assert selectors.arrears(as_of=as_of, estate=estate, bucket=bucket) == reference_arrears(
                    as_of=as_of, estate=estate, bucket=bucket)
                listed = selectors.arrears_list(as_of=as_of, estate=estate, bucket=bucket, summary=summary)
                assert len(listed) == row["units"]
                # read a page at a time, the pages make the whole list
                assert [r for start in range(0, len(listed), 4) for r in listed[start:start + 4]] == \
                    reference_arrears(as_of=as_of, estate=estate, bucket=bucket)
            checked += len(expected)
    # the data is not trivial: units in several buckets, the estate's own buckets among them
    summary = selectors.aging_summary(as_of=dt.date(2027, 9, 30))
    assert checked > 50 and sum(1 for row in summary if row["units"]) >= 2
    assert {"3-6", "6+"} & {row["bucket"] for row in summary if row["units"]}


@time_machine.travel(sh(2026, 12, 20, 10, 0), tick=False)
def test_the_arrears_page_api_and_download_take_the_same_statements_for_ten_times_the_owing_units(client, estate):
    finance = UserFactory(username="fin", role="finance")
    services.arrears_case_open(unit=estate["u2"], reason="refusal", actor=estate["boss"], now=sh(2026, 12, 1))

    def statements():
        services.bill_run(period=dt.date(2026, 11, 1), as_of=sh(2026, 11, 10, 1, 0))
        client.force_login(finance)
        counts = {"page": count_statements(lambda: client.get(reverse("fees:arrears"), {"bucket": "2-3"})),
                  "download": count_statements(lambda: client.get(reverse("export", args=["arrears"])))}
        client.force_login(estate["boss"])
        counts["api"] = count_statements(lambda: client.get("/api/v1/arrears/"))
        counts["api summary"] = count_statements(lambda: client.get("/api/v1/arrears/summary/"))
        return counts

    few = statements()
    assert sum(row["units"] for row in selectors.aging_summary(as_of=dt.date(2026, 12, 20))) == 3
    Bill.objects.all().delete()
    add_estate("more", 27)
    many = statements()
    assert sum(row["units"] for row in selectors.aging_summary(as_of=dt.date(2026, 12, 20))) == 30
    assert many == few
    client.force_login(finance)
    html = client.get(reverse("fees:arrears"), **EN).content.decode()
    assert "30 units owe" in html and html.count("/fees/arrears/units/") >= 30


@time_machine.travel(sh(2026, 12, 20, 10, 0), tick=False)
def test_the_arrears_list_pages_through_every_owing_unit_in_order(client, estate):
    add_estate("more", 57)  # 60 units owe: two pages of 50
    services.bill_run(period=dt.date(2026, 11, 1), as_of=sh(2026, 11, 10, 1, 0))
    client.force_login(estate["boss"])
    first = client.get("/api/v1/arrears/").json()
    second = client.get(first["next"]).json()
    assert first["count"] == 60 and len(first["results"]) == 50 and len(second["results"]) == 10
    units = [row["unit"] for row in first["results"] + second["results"]]
    assert units == [row.unit_id for row in reference_arrears(as_of=dt.date(2026, 12, 20))]
    client.force_login(UserFactory(username="fin", role="finance"))
    html = client.get(reverse("fees:arrears"), {"page": 2}, **EN).content.decode()
    assert "60 units owe" in html and html.count("/fees/arrears/units/") == 10


def months_billed(estate, first: int, last: int):
    """Months ``first`` to ``last`` - 1 counted from January 2026 billed; 1-1-101 pays half
    of what it owes each month (a payment a month, bills part paid) and round 1 reminds."""
    for n in range(first, last):
        period = dt.date(2026 + n // 12, n % 12 + 1, 1)
        services.bill_run(period=period, as_of=sh(period.year, period.month, 10, 1, 0))
        owed = selectors.unit_owed(unit=estate["u1"])
        services.payment_take(unit=estate["u1"], amount=(owed / 2).quantize(Decimal("0.01")), method="cash",
                              payer_name="李娜", now=sh(period.year, period.month, 12, 10, 0), actor=estate["desk"])
        services.dunning_round(period=period, round_=1, as_of=sh(period.year, period.month, 16, 9, 0))


@time_machine.travel(sh(2027, 9, 20, 10, 0), tick=False)
def test_a_units_fee_desk_the_owners_fees_and_the_api_take_the_same_statements_for_ten_times_the_history(
        client, estate):
    finance = UserFactory(username="fin", role="finance")
    li = estate["li"]
    li.user = UserFactory(username="li")
    li.save(update_fields=["user"])

    def statements():
        client.force_login(finance)
        counts = {"desk": count_statements(lambda: client.get(reverse("fees:unit_account", args=[estate["u1"].pk]))),
                  "bills": count_statements(lambda: client.get(reverse("fees:bills"), {"period": "2026-02"}))}
        client.force_login(li.user)
        counts["portal"] = count_statements(lambda: client.get(reverse("fees:portal_home")))
        client.force_login(estate["boss"])
        for name in ("bills", "payments", "dunning-notices"):
            counts[f"api {name}"] = count_statements(lambda n=name: client.get(f"/api/v1/{n}/"))
        return counts

    months_billed(estate, 0, 2)
    few = statements()
    assert Bill.objects.filter(unit=estate["u1"]).count() == 2
    months_billed(estate, 2, 20)  # 20 bills per unit; 20 payments and reminders for 1-1-101
    assert Bill.objects.filter(unit=estate["u1"]).count() == 20 and estate["u1"].payments.count() == 20
    assert statements() == few


def test_the_bills_of_a_month_show_totals_and_pages_with_one_aggregate(client, estate):
    add_estate("more", 57)  # 60 bills in the month
    services.bill_run(period=dt.date(2026, 11, 1), as_of=sh(2026, 11, 10, 1, 0))
    services.payment_take(unit=estate["u1"], amount=Decimal("100.00"), method="cash", payer_name="李娜",
                          now=sh(2026, 11, 12, 10, 0), actor=estate["desk"])
    client.force_login(UserFactory(username="fin", role="finance"))
    response = client.get(reverse("fees:bills"), {"period": "2026-11", "page": 2}, **EN)
    totals = selectors.bill_totals(Bill.objects.filter(period=dt.date(2026, 11, 1)))
    assert totals["count"] == 60 and totals["paid"] == Decimal("100.00")
    assert response.context["totals"] == totals
    assert response.context["page"].paginator.count == 60 and len(response.context["page"].object_list) == 10
    # the month report's collected is the bills' paid, less what was paid after its moment
    assert reports.month_report_figures(month=dt.date(2026, 11, 1), as_of=sh(2026, 11, 12, 9))[0]["collected"] == "0.00"
    assert reports.month_report_figures(month=dt.date(2026, 11, 1), as_of=sh(2026, 11, 30))[0]["collected"] == "100.00"


@override_settings(FILTER_MAX_BUILDINGS=1)
def test_the_bills_filter_offers_the_buildings_of_the_estate_chosen(client, finance_user):
    import re

    from tests.factories import BuildingFactory

    a, _b = BuildingFactory(), BuildingFactory()
    client.force_login(finance_user)

    def options(params):
        html = client.get(reverse("fees:bills"), params).content.decode()
        select = re.search(r'<select name="building".*?</select>', html, re.S).group(0)
        return [v for v in re.findall(r'<option value="(\d*)"', select) if v]

    assert options({}) == []
    assert options({"estate": a.estate_id}) == [str(a.pk)]
