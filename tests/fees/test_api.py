"""The fees REST API: fee standards, bills, payments (taken and reversed), dunning
notices and arrears, for staff and owners."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from rest_framework.authtoken.models import Token

from fees import services
from fees.models import Bill, DunningNotice, Payment, Receipt
from tests.factories import UserFactory
from tests.fees.conftest import sh

JSON = {"content_type": "application/json"}
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
SEP, OCT, NOV = dt.date(2026, 9, 1), dt.date(2026, 10, 1), dt.date(2026, 11, 1)


def bills_for(*periods):
    for period in periods:
        services.bill_run(period=period, as_of=sh(period.year, period.month, 10, 1, 0))


def login(owner, username):
    owner.user = UserFactory(username=username)
    owner.save(update_fields=["user"])
    return owner.user


def token_auth(user) -> dict:
    return {"HTTP_AUTHORIZATION": f"Token {Token.objects.create(user=user).key}"}


def pay(estate, unit, amount):
    return services.payment_take(unit=unit, amount=Decimal(amount), method="cash", payer_name="李娜",
                                 now=sh(2026, 11, 12, 10, 0), actor=estate["desk"])


def numbers(response) -> list[str]:
    assert response.status_code == 200, response.content
    return sorted(row["number"] for row in response.json()["results"])


def test_staff_list_bills_with_their_lines_and_filters(client, estate):
    # given: October and November for the three units; 1-1-101 paid October
    bills_for(OCT, NOV)
    pay(estate, estate["u1"], "220.33")
    client.force_login(estate["desk"])

    # when
    november = client.get("/api/v1/bills/", {"period": "2026-11"})
    owing = client.get("/api/v1/bills/", {"owing": "true", "unit": estate["u1"].pk})
    paid = client.get("/api/v1/bills/", {"status": "paid"})
    bad_month = client.get("/api/v1/bills/", {"period": "November"})

    # then
    assert numbers(november) == ["CUIHU-ZD202611-000001", "CUIHU-ZD202611-000002", "CUIHU-ZD202611-000003"]
    assert numbers(owing) == ["CUIHU-ZD202611-000001"]
    [bill] = paid.json()["results"]
    assert (bill["unit_number"], bill["period"], bill["amount"], bill["paid"], bill["owing"]) == (
        "1-1-101", "2026-10", "220.33", "220.33", "0.00")
    assert sorted((line["description"], line["quantity"], line["rate"], line["amount"]) for line in bill["lines"]) == [
        ("物业服务费", "89.50", "2.35", "210.33"), ("生活垃圾清运费", "1.00", "10.00", "10.00")]
    assert [(a["receipt_number"], a["amount"], a["reversed"]) for a in bill["allocations"]] == [
        ("CUIHU-SJ2026-000001", "220.33", False)]
    assert bad_month.status_code == 400 and "period" in bad_month.json()


def test_an_owner_sees_only_the_bills_of_their_own_units(client, estate):
    # given: 李娜 owns 1-1-101; 王强 owns the two others
    bills_for(NOV)
    auth = token_auth(login(estate["li"], "lina"))
    mine = Bill.objects.get(unit=estate["u1"])
    theirs = Bill.objects.get(unit=estate["u2"])

    # when
    listed = client.get("/api/v1/bills/", **auth)
    own = client.get(f"/api/v1/bills/{mine.pk}/", **auth)
    other = client.get(f"/api/v1/bills/{theirs.pk}/", **auth)

    # then
    assert numbers(listed) == [mine.number]
    assert own.status_code == 200 and own.json()["amount"] == "220.33"
    assert other.status_code == 404


@time_machine.travel(sh(2026, 11, 20, 10, 0), tick=False)  # the receipt number carries the year
def test_the_desk_takes_a_payment_and_it_settles_the_oldest_bill_first(client, estate):
    # given: 1-1-101 owes October and November, 220.33 each
    bills_for(OCT, NOV)
    client.force_login(estate["desk"])

    # when
    taken = client.post("/api/v1/payments/", {"unit": estate["u1"].pk, "amount": "300.00", "method": "cash",
                                              "payer_name": "李娜"}, **JSON)

    # then
    assert taken.status_code == 201, taken.content
    body = taken.json()
    assert body["receipt_number"] == "CUIHU-SJ2026-000001" and body["amount"] == "300.00"
    assert body["received_by_name"] == "desk"
    assert [(a["period"], a["amount"]) for a in body["allocations"]] == [("2026-10", "220.33"), ("2026-11", "79.67")]
    october, november = Bill.objects.filter(unit=estate["u1"]).order_by("period")
    assert (october.status, november.status, november.paid) == ("paid", "part_paid", Decimal("79.67"))


def test_more_than_owed_is_a_400_on_the_amount_and_nothing_is_written(client, estate):
    bills_for(NOV)
    client.force_login(estate["desk"])

    refused = client.post("/api/v1/payments/", {"unit": estate["u1"].pk, "amount": "220.34", "method": "cash",
                                                "payer_name": "李娜"}, **JSON, **EN)

    assert refused.status_code == 400
    assert "220.33" in refused.json()["amount"][0]
    assert not Payment.objects.exists() and not Receipt.objects.exists()


def test_only_a_supervisor_reverses_a_payment_and_the_bill_owes_again(client, estate):
    # given
    bills_for(NOV)
    payment = pay(estate, estate["u1"], "220.33")
    url = f"/api/v1/payments/{payment.pk}/reverse/"

    # when: the desk tries, then the supervisor does it
    client.force_login(estate["desk"])
    by_desk = client.post(url, {"reason": "收错户"}, **JSON, **EN)
    client.force_login(estate["boss"])
    no_reason = client.post(url, {"reason": " "}, **JSON)
    by_boss = client.post(url, {"reason": "收错户"}, **JSON)

    # then
    assert by_desk.status_code == 403 and "supervisor" in by_desk.json()["detail"]
    assert no_reason.status_code == 400 and "reason" in no_reason.json()
    assert by_boss.status_code == 200
    assert by_boss.json()["reversal_reason"] == "收错户" and by_boss.json()["reversed_at"]
    assert Bill.objects.get(unit=estate["u1"]).status == "open"
    assert Payment.objects.filter(pk=payment.pk).exists()


def test_a_payment_is_never_changed_or_deleted(client, estate):
    bills_for(NOV)
    payment = pay(estate, estate["u1"], "100.00")
    client.force_login(estate["boss"])

    deleted = client.delete(f"/api/v1/payments/{payment.pk}/")
    changed = client.patch(f"/api/v1/payments/{payment.pk}/", {"amount": "1.00"}, **JSON)

    assert deleted.status_code == 405 and changed.status_code == 405
    assert Payment.objects.get(pk=payment.pk).amount == Decimal("100.00")


def test_an_owner_cannot_take_a_payment_and_sees_their_own_payments_only(client, estate):
    bills_for(NOV)
    mine = pay(estate, estate["u1"], "100.00")
    theirs = pay(estate, estate["u2"], "100.00")
    auth = token_auth(login(estate["li"], "lina"))

    listed = client.get("/api/v1/payments/", **auth)
    other = client.get(f"/api/v1/payments/{theirs.pk}/", **auth)
    create = client.post("/api/v1/payments/", {"unit": estate["u1"].pk, "amount": "1.00", "method": "online",
                                               "payer_name": "李娜"}, **JSON, **auth)

    assert [p["receipt_number"] for p in listed.json()["results"]] == [mine.receipt.number]
    assert listed.json()["results"][0]["received_by_name"] is None
    assert other.status_code == 404 and create.status_code == 403


def test_dunning_notices_filter_by_round_and_a_printed_one_is_marked_delivered(client, estate):
    # given: nobody paid November; 王强 wants letters, so his notices are printed
    bills_for(NOV)
    estate["wang"].preferred_channel = "letter"
    estate["wang"].save(update_fields=["preferred_channel"])
    services.dunning_round(period=NOV, round_=1, as_of=sh(2026, 11, 16, 9, 0))
    services.dunning_round(period=NOV, round_=2, as_of=sh(2026, 11, 21, 9, 0))
    client.force_login(estate["desk"])

    # when
    second = client.get("/api/v1/dunning-notices/", {"round": 2, "period": "2026-11"})
    printed = DunningNotice.objects.get(channel="printed", round=2, unit=estate["u2"])
    delivered = client.post(f"/api/v1/dunning-notices/{printed.pk}/delivered/")
    again = client.post(f"/api/v1/dunning-notices/{printed.pk}/delivered/")

    # then
    rows = second.json()["results"]
    assert len(rows) == 3 and {row["round"] for row in rows} == {2}
    assert {row["unit_number"]: row["amount_owed"] for row in rows}["2-1-201"] == "346.92"
    assert delivered.status_code == 200 and delivered.json()["status"] == "delivered"
    assert again.status_code == 400 and "non_field_errors" in again.json()


def test_arrears_list_and_summary_put_each_unit_in_its_age_bucket(client, estate):
    # given: 1-1-101 owes since September, 2-1-201 since November, 1-1-102 paid everything
    bills_for(SEP, OCT, NOV)
    pay(estate, estate["u2"], str(sum(b.amount for b in Bill.objects.filter(unit=estate["u2"], period__lt=NOV))))
    pay(estate, estate["u3"], str(sum(b.amount for b in Bill.objects.filter(unit=estate["u3"]))))
    client.force_login(estate["desk"])

    # when: on 20 November, Shanghai time
    with time_machine.travel(sh(2026, 11, 20, 10, 0), tick=False):
        listed = client.get("/api/v1/arrears/")
        only_old = client.get("/api/v1/arrears/", {"bucket": "2-3"})
        summary = client.get("/api/v1/arrears/summary/", {"estate": estate["estate"].pk})

    # then
    rows = {row["unit_number"]: row for row in listed.json()["results"]}
    assert set(rows) == {"1-1-101", "2-1-201"}
    assert (rows["1-1-101"]["owed"], rows["1-1-101"]["oldest"], rows["1-1-101"]["months"],
            rows["1-1-101"]["bucket"]) == ("660.99", "2026-09", 3, "2-3")
    assert (rows["2-1-201"]["months"], rows["2-1-201"]["bucket"]) == (1, "1")
    assert [row["unit_number"] for row in only_old.json()["results"]] == ["1-1-101"]
    assert summary.json() == [
        {"bucket": "1", "units": 1, "owed": "346.92"}, {"bucket": "2-3", "units": 1, "owed": "660.99"},
        {"bucket": "4-6", "units": 0, "owed": "0.00"}, {"bucket": "7-12", "units": 0, "owed": "0.00"},
        {"bucket": "12+", "units": 0, "owed": "0.00"}]


def test_arrears_are_staff_only(client, estate):
    finance = UserFactory(username="cw", role="finance")
    engineer = UserFactory(username="eng", role="engineering")
    auth = token_auth(login(estate["li"], "lina"))

    by_owner = client.get("/api/v1/arrears/", **auth)
    client.force_login(engineer)
    by_engineer = client.get("/api/v1/arrears/summary/")
    client.force_login(finance)
    by_finance = client.get("/api/v1/arrears/")

    assert by_owner.status_code == 403 and by_engineer.status_code == 403 and by_finance.status_code == 200


def test_owners_read_the_published_standards_of_their_estate_only(client, estate):
    # given: the rubbish fee is published; the management fees are not yet
    from fees.models import FeeStandard

    FeeStandard.objects.filter(item="生活垃圾清运费").update(published_at=sh(2026, 1, 1, 9, 0))
    auth = token_auth(login(estate["li"], "lina"))

    # when
    by_owner = client.get("/api/v1/fee-standards/", **auth)
    client.force_login(estate["desk"])
    by_desk = client.get("/api/v1/fee-standards/", {"building": estate["b2"].pk, "in_force_on": "2026-11-20"})
    before = client.get("/api/v1/fee-standards/", {"in_force_on": "2025-12-31"})

    # then
    assert [(s["item"], s["basis"], s["rate"]) for s in by_owner.json()["results"]] == [
        ("生活垃圾清运费", "per_unit_month", "10.00")]
    assert [(s["item"], s["rate"], s["building_number"]) for s in by_desk.json()["results"]] == [
        ("物业服务费", "2.80", "2")]
    assert before.json()["results"] == []


def test_the_schema_lists_the_fees_endpoints(client, estate):
    client.force_login(estate["desk"])

    schema = client.get("/api/v1/schema/")

    assert schema.status_code == 200
    body = schema.content.decode()
    for path in ("/api/v1/fee-standards/", "/api/v1/bills/{id}/", "/api/v1/payments/{id}/reverse/",
                 "/api/v1/dunning-notices/{id}/delivered/", "/api/v1/arrears/", "/api/v1/arrears/summary/"):
        assert path in body


@pytest.mark.parametrize("path", ["/api/v1/bills/", "/api/v1/payments/", "/api/v1/arrears/"])
def test_fees_need_a_login(client, estate, path):
    assert client.get(path).status_code in (401, 403)
