"""The owner portal's fees: what I owe, my bills and receipts, reminders, the published
standards and statements; another owner's records are a 404."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from fees import services
from fees.models import Bill, FeeStandard, IncomeStatement, IncomeStatementLine
from tests.factories import UserFactory
from tests.fees.conftest import sh

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
OCT, NOV = dt.date(2026, 10, 1), dt.date(2026, 11, 1)


def bills_for(*periods):
    for period in periods:
        services.bill_run(period=period, as_of=sh(period.year, period.month, 10, 1, 0))


def login(client, owner, username):
    """An owner who reads English (the portal is in the owner's language, not the browser's)."""
    owner.user = UserFactory(username=username)
    owner.language = "en"
    owner.save(update_fields=["user", "language"])
    client.force_login(owner.user)


def pay(estate, unit, amount):
    return services.payment_take(unit=unit, amount=Decimal(amount), method="cash", payer_name="王强",
                                 now=sh(2026, 11, 12, 10, 0), actor=estate["desk"])


def text_of(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def test_home_shows_what_i_owe_in_total_and_per_unit(client, estate):
    # given: 王强's two units, billed for November: 346.92 + 186.25
    bills_for(NOV)
    login(client, estate["wang"], "wang")

    # when
    page = text_of(client.get(reverse("fees:portal_home"), **EN))

    # then
    assert "You owe" in page and "¥533.17" in page
    assert "¥346.92" in page and "¥186.25" in page and "2-1-201" in page and "1-1-102" in page
    assert "CUIHU-ZD202611-000002" in page and "To pay" in page
    assert "1-1-101" not in page  # 李娜's unit


def test_after_a_payment_the_bill_shows_paid_with_its_receipt(client, estate):
    # given: 1-1-102 paid in full at the desk; a reminder for 2-1-201 on the 16th
    bills_for(NOV)
    payment = pay(estate, estate["u3"], "186.25")
    services.dunning_round(period=NOV, round_=1, as_of=sh(2026, 11, 16, 9, 0))
    login(client, estate["wang"], "wang")
    paid_bill = Bill.objects.get(unit=estate["u3"])

    # when
    home = text_of(client.get(reverse("fees:portal_home"), **EN))
    bill = text_of(client.get(reverse("fees:portal_bill", args=[paid_bill.pk]), **EN))
    receipt = text_of(client.get(reverse("fees:portal_receipt", args=[payment.receipt_id]), **EN))

    # then
    assert "¥346.92" in home and payment.receipt.number in home and "Paid" in home
    assert "First payment reminder" in home
    assert "This bill is paid" in bill and payment.receipt.number in bill
    assert "How to pay" not in bill
    assert payment.receipt.number in receipt and "¥186.25" in receipt and paid_bill.number in receipt
    assert "Reversed" not in receipt


def test_an_unpaid_bill_says_how_to_pay_and_that_online_payment_is_not_there_yet(client, estate):
    bills_for(NOV)
    login(client, estate["li"], "lina")
    bill = Bill.objects.get(unit=estate["u1"])

    page = text_of(client.get(reverse("fees:portal_bill", args=[bill.pk]), **EN))

    assert "¥220.33" in page and "89.50 m² × ¥2.35" in page and "Pay by 2026-11-15" in page
    assert "customer service centre" in page and "Paying here in the portal is not available yet" in page
    assert "<button" not in page.split("How to pay")[1]


def test_a_reversed_receipt_says_so(client, estate):
    bills_for(NOV)
    payment = pay(estate, estate["u3"], "100.00")
    services.payment_reverse(payment=payment, reason="收错户", now=sh(2026, 11, 13, 9, 0), actor=estate["boss"])
    login(client, estate["wang"], "wang")

    page = text_of(client.get(reverse("fees:portal_receipt", args=[payment.receipt_id]), **EN))

    assert "Reversed" in page and "no longer valid" in page and "收错户" in page


def test_another_owners_bill_and_receipt_are_404(client, estate):
    bills_for(NOV)
    payment = pay(estate, estate["u2"], "100.00")
    login(client, estate["li"], "lina")

    bill = client.get(reverse("fees:portal_bill", args=[Bill.objects.get(unit=estate["u2"]).pk]))
    receipt = client.get(reverse("fees:portal_receipt", args=[payment.receipt_id]))

    assert bill.status_code == 404 and receipt.status_code == 404


def test_the_standards_page_shows_the_published_standards_only(client, estate):
    # given: the estate's management fee and the rubbish fee are published; building 2's is not
    FeeStandard.objects.filter(building__isnull=True).update(published_at=sh(2026, 1, 1, 9, 0))
    FeeStandard.objects.create(estate=estate["estate"], item="停车费", basis="per_unit_month",
                               rate=Decimal("150.00"), effective_from=dt.date(2020, 1, 1),
                               effective_to=dt.date(2020, 12, 31), published_at=sh(2020, 1, 1, 9, 0))
    login(client, estate["li"], "lina")

    page = text_of(client.get(reverse("fees:portal_standards"), **EN))

    assert "物业服务费" in page and "¥2.35" in page and "per m² of floor area per month" in page
    assert "生活垃圾清运费" in page and "¥10.00" in page
    assert "¥2.80" not in page  # not published
    assert "停车费" not in page  # no longer in force


def test_the_statements_page_shows_the_published_statements_of_my_estate(client, estate):
    published = IncomeStatement.objects.create(
        estate=estate["estate"], title="2026年第三季度收支情况", period_start=dt.date(2026, 7, 1),
        period_end=dt.date(2026, 9, 30), entered_at=sh(2026, 10, 5, 9, 0), published_at=sh(2026, 10, 8, 9, 0))
    IncomeStatementLine.objects.create(statement=published, kind="income", category="物业服务费",
                                       amount=Decimal("120000.00"))
    IncomeStatementLine.objects.create(statement=published, kind="spending", category="保洁", amount=Decimal("45000.50"))
    IncomeStatement.objects.create(
        estate=estate["estate"], title="草稿：第四季度", period_start=dt.date(2026, 10, 1),
        period_end=dt.date(2026, 12, 31), entered_at=sh(2026, 11, 5, 9, 0))
    login(client, estate["li"], "lina")

    page = text_of(client.get(reverse("fees:portal_statements"), **EN))

    assert "2026年第三季度收支情况" in page and "¥120,000.00" in page and "¥45,000.50" in page
    assert "¥74,999.50" in page  # the balance
    assert "草稿" not in page


@pytest.mark.parametrize("name,args", [("portal_home", []), ("portal_bill", [1]), ("portal_receipt", [1]),
                                       ("portal_standards", []), ("portal_statements", [])])
def test_staff_are_not_owners(client, estate, name, args):
    client.force_login(estate["desk"])

    assert client.get(reverse(f"fees:{name}", args=args)).status_code == 403


def test_the_home_page_reads_in_chinese(client, estate):
    bills_for(NOV)
    login(client, estate["li"], "lina")
    estate["li"].language = "zh-hans"
    estate["li"].save(update_fields=["language"])

    page = text_of(client.get(reverse("fees:portal_home"), **EN))  # hers, whatever the browser's

    assert "2026年11月" in page and "¥220.33" in page
