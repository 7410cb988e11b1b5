"""The fee desk's pages: a unit's account and taking a payment, the printed receipt,
reversal, the bills of a month, the fee standards; and the receipt's amount in
Chinese capitals."""

import datetime as dt
import html
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from fees import services
from fees.amount_words import rmb_upper
from fees.models import Allocation, Bill, DunningNotice, FeeStandard, Payment, Receipt
from tests.factories import BuildingFactory, UserFactory
from tests.fees.conftest import sh

OCT, NOV = dt.date(2026, 10, 1), dt.date(2026, 11, 1)
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def bills_for(*periods):
    for period in periods:
        services.bill_run(period=period, as_of=sh(period.year, period.month, 10, 1, 0))


def pay(estate, unit, amount, **kwargs):
    return services.payment_take(unit=unit, amount=Decimal(amount), method=kwargs.pop("method", "cash"),
                                 payer_name="李娜", now=kwargs.pop("now", sh(2026, 11, 12, 10, 0)),
                                 actor=estate["desk"], **kwargs)


def standard_fields(estate, **overrides):
    fields = {"estate": estate["estate"].pk, "building": "", "item": "电梯运行费", "basis": "per_unit_month",
              "rate": "25.00", "effective_from": "2027-01-01", "effective_to": ""}
    fields.update(overrides)
    return fields


# ---- the amount in capitals ---------------------------------------------------------------------


@pytest.mark.parametrize(("amount", "words"), [
    ("0.33", "叁角叁分"),
    ("220.33", "贰佰贰拾元叁角叁分"),
    ("1005.00", "壹仟零伍元整"),
    ("10000.10", "壹万元壹角"),
    ("100000000.00", "壹亿元整"),
    ("10.00", "壹拾元整"),
    ("1.05", "壹元零伍分"),
    ("100010.00", "壹拾万零壹拾元整"),
    ("100001000.01", "壹亿零壹仟元零壹分"),
    ("16409.02", "壹万陆仟肆佰零玖元零贰分"),
    ("0.00", "零元整"),
    ("2.345", "贰元叁角伍分"),  # rounded half up to the fen first
])
def test_rmb_upper_writes_the_amount_as_on_a_cheque(amount, words):
    assert rmb_upper(Decimal(amount)) == words


def test_rmb_upper_refuses_a_negative_amount():
    with pytest.raises(ValueError):
        rmb_upper(Decimal("-1.00"))


# ---- the fee desk and a unit's account ----------------------------------------------------------


@time_machine.travel(sh(2026, 11, 20, 10, 0), tick=False)  # the month's figures are November's
def test_the_desk_finds_a_unit_by_room_number_and_shows_the_months_figures(client, estate):
    bills_for(NOV)
    pay(estate, estate["u1"], "220.33", now=timezone.now())
    client.force_login(estate["desk"])
    response = client.get(reverse("fees:home"), {"estate": estate["estate"].pk, "unit_number": "1-1-101"})
    assert response.status_code == 302 and response.url == reverse("fees:unit_account", args=[estate["u1"].pk])
    several = client.get(reverse("fees:home"), {"estate": estate["estate"].pk, "unit_number": "1-1"}, **EN)
    assert "1-1-101" in several.content.decode() and "1-1-102" in several.content.decode()
    home = client.get(reverse("fees:home"), {"estate": estate["estate"].pk}, **EN).content.decode()
    assert "¥220.33" in home  # collected this month and today's takings
    figures = client.get(reverse("fees:home"), **EN).context["figures"]
    assert figures["bills"] == 3 and figures["takings_total"] == Decimal("220.33")
    nowhere = client.get(reverse("fees:home"), {"estate": estate["estate"].pk, "unit_number": "9-9"}, **EN)
    assert "unit_number" in nowhere.context["form"].errors


def test_the_unit_page_prefills_what_is_owed_and_the_owner_and_previews_oldest_first(client, estate):
    bills_for(OCT, NOV)  # 220.33 each month for 1-1-101
    client.force_login(estate["desk"])
    page = client.get(reverse("fees:unit_account", args=[estate["u1"].pk]), **EN)
    form = page.context["form"]
    assert form["amount"].value() == Decimal("440.66") and form["payer_name"].value() == "李娜"
    text = page.content.decode()
    assert "The payment settles the oldest bill first" in text and "物业服务费" in text
    october = Bill.objects.get(unit=estate["u1"], period=OCT)
    assert text.index(october.number) < text.index(Bill.objects.get(unit=estate["u1"], period=NOV).number)


@time_machine.travel(sh(2026, 11, 20, 10, 0), tick=False)  # the receipt number carries the year
def test_taking_a_payment_settles_the_oldest_bill_first_and_opens_the_receipt(client, estate):
    bills_for(OCT, NOV)
    client.force_login(estate["desk"])
    response = client.post(reverse("fees:unit_account", args=[estate["u1"].pk]),
                           {"amount": "300.00", "method": "cash", "payer_name": "李娜"})
    payment = Payment.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("fees:receipt_print", args=[payment.receipt_id])
    shares = [(a.bill.period, a.amount) for a in Allocation.objects.filter(payment=payment).order_by("bill__period")]
    assert shares == [(OCT, Decimal("220.33")), (NOV, Decimal("79.67"))]
    assert payment.receipt.number == "CUIHU-SJ2026-000001" and payment.received_by == estate["desk"]
    receipt = client.get(response.url).content.decode()
    assert "CUIHU-SJ2026-000001" in receipt and "叁佰元整" in receipt


def test_more_than_owed_is_refused_on_the_amount_and_nothing_is_saved(client, estate):
    bills_for(NOV)
    client.force_login(estate["desk"])
    with translation.override("en"):
        response = client.post(reverse("fees:unit_account", args=[estate["u1"].pk]),
                               {"amount": "220.34", "method": "cash", "payer_name": "李娜"}, **EN)
    assert response.status_code == 400
    assert "220.33" in " ".join(response.context["form"].errors["amount"])
    assert not Payment.objects.exists() and not Receipt.objects.exists() and not Allocation.objects.exists()


def test_a_unit_that_owes_nothing_gets_a_message_not_a_payment(client, estate):
    client.force_login(estate["desk"])
    response = client.post(reverse("fees:unit_account", args=[estate["u1"].pk]),
                           {"amount": "10.00", "method": "cash", "payer_name": "李娜"}, follow=True, **EN)
    assert response.status_code == 200 and "owes nothing" in response.content.decode()
    assert not Payment.objects.exists()


# ---- the receipt -----------------------------------------------------------------------------


def test_the_receipt_shows_number_amount_in_capitals_what_it_settles_and_who_took_it(client, estate):
    bills_for(NOV)
    estate["li"].language = "en"  # the payer reads English: so is the sheet
    estate["li"].save()
    estate["desk"].first_name, estate["desk"].last_name = "丽华", "陈"
    estate["desk"].save()
    payment = pay(estate, estate["u1"], "220.33")
    client.force_login(estate["desk"])
    page = client.get(reverse("fees:receipt_print", args=[payment.receipt_id]), **EN).content.decode()
    bill = Bill.objects.get(unit=estate["u1"])
    for expected in ("CUIHU-SJ2026-000001", "贰佰贰拾元叁角叁分", "¥220.33", bill.number, "2026-11", "1-1-101",
                     "陈丽华", "Cash", estate["estate"].name):
        assert expected in page
    assert "REVERSED" not in page and 'class="navbar' not in page
    assert "Property fees, 1-1-101" in page


def test_the_receipt_is_printed_in_the_payers_language_whatever_the_desks(client, estate):
    # given: 李娜 reads Chinese, the desk English
    bills_for(NOV)
    payment = pay(estate, estate["u1"], "220.33")
    client.force_login(estate["desk"])

    # when: the desk prints her receipt
    page = html.unescape(client.get(reverse("fees:receipt_print", args=[payment.receipt_id]), **EN).content.decode())

    # then: the sheet is in Chinese, the toolbar around it in the desk's English
    sheet = page[page.index('<main class="rc-sheet" lang="zh-hans">'):]
    with translation.override("zh-hans"):
        for expected in (translation.gettext("Property fees, %(unit)s") % {"unit": "1-1-101"},
                         translation.gettext("Cash"), translation.gettext("Payer's copy")):
            assert expected in sheet
    assert "Property fees" not in page and "Payer's copy" not in page
    assert "Back to the unit's account" in page
    # each bill settled is said with its month and its fee items, in full-width punctuation
    bill = payment.allocations.get().bill
    with translation.override("zh-hans"):
        items = [line.description_text for line in bill.lines.all()]
    assert items and f'<span class="rc-bill">{bill.period:%Y-%m} {"、".join(items)} ¥220.33' in sheet
    assert "。冲抵费用单：" in sheet and ". 冲抵" not in sheet

    # when: she chooses English, then the same receipt is printed again
    estate["li"].language = "en"
    estate["li"].save()
    page = html.unescape(client.get(reverse("fees:receipt_print", args=[payment.receipt_id]), **EN).content.decode())

    # then: her copy is in English, from the same row
    assert "Property fees, 1-1-101" in page and "Payer's copy" in page
    assert Receipt.objects.get(pk=payment.receipt_id).purpose_params == {"unit": "1-1-101"}


def test_a_receipt_without_an_owner_is_printed_in_the_estates_language(client, estate):
    receipt = services.receipt_issue(estate=estate["estate"], amount=Decimal("50.00"), method="cash",
                                     payer_name="路人", purpose_key="fees.receipt.paid_service",
                                     purpose_params={"number": "GD-1", "item": "疏通下水道"}, now=sh(2026, 11, 12, 9, 0))
    client.force_login(estate["desk"])
    page = client.get(reverse("fees:receipt_print", args=[receipt.pk]), **EN).content.decode()
    assert '<main class="rc-sheet" lang="zh-hans">' in page and "GD-1" in page and "Paid service" not in page


def test_a_reversed_receipt_says_so(client, estate):
    bills_for(NOV)
    estate["li"].language = "en"
    estate["li"].save()
    payment = pay(estate, estate["u1"], "100.00")
    services.payment_reverse(payment=payment, reason="收错户", now=sh(2026, 11, 12, 11, 0), actor=estate["boss"])
    client.force_login(estate["desk"])
    page = client.get(reverse("fees:receipt_print", args=[payment.receipt_id]), **EN).content.decode()
    assert "REVERSED" in page and "收错户" in page


# ---- reversal ---------------------------------------------------------------------------------


def test_a_supervisor_reverses_a_payment_with_a_reason_and_the_unit_page_strikes_it(client, estate):
    bills_for(NOV)
    payment = pay(estate, estate["u1"], "220.33")
    client.force_login(estate["boss"])
    page = client.get(reverse("fees:payment", args=[payment.pk]), **EN).content.decode()
    assert "Reverse the payment" in page
    refused = client.post(reverse("fees:payment_reverse", args=[payment.pk]), {"reason": " "})
    assert refused.status_code == 400 and "reason" in refused.context["reverse_form"].errors
    done = client.post(reverse("fees:payment_reverse", args=[payment.pk]), {"reason": "收错户，应为1-1-102"})
    assert done.status_code == 302
    payment.refresh_from_db()
    assert payment.reversed_by == estate["boss"] and Bill.objects.get(unit=estate["u1"]).status == "open"
    account = client.get(reverse("fees:unit_account", args=[estate["u1"].pk]), **EN).content.decode()
    assert f'<del><a href="{reverse("fees:payment", args=[payment.pk])}"' in account and "收错户，应为1-1-102" in account


def test_the_desk_does_not_see_reverse_and_is_refused_if_it_posts(client, estate):
    bills_for(NOV)
    payment = pay(estate, estate["u1"], "220.33")
    client.force_login(estate["desk"])
    page = client.get(reverse("fees:payment", args=[payment.pk]), **EN).content.decode()
    assert "Reverse the payment" not in page and "220.33" in page
    response = client.post(reverse("fees:payment_reverse", args=[payment.pk]), {"reason": "收错户"})
    assert response.status_code == 403
    payment.refresh_from_db()
    assert payment.reversed_at is None


# ---- bills ------------------------------------------------------------------------------------


def test_the_bills_page_filters_by_month_building_status_and_room_with_totals(client, estate):
    bills_for(OCT, NOV)
    pay(estate, estate["u1"], "220.33")  # 1-1-101's October bill
    client.force_login(estate["desk"])
    url = reverse("fees:bills")
    october = client.get(url, {"period": "2026-10"})
    assert october.context["totals"] == {"count": 3, "receivable": Decimal("753.50"), "paid": Decimal("220.33"),
                                         "owing": Decimal("533.17")}
    # 1-1-101: 89.50 × 2.35 + 10 = 220.33; 2-1-201: 120.33 × 2.80 + 10 = 346.92; 1-1-102: 75 × 2.35 + 10 = 186.25
    owing = client.get(url, {"period": "2026-10", "status": "owing"})
    assert {b.unit.number for b in owing.context["page"].object_list} == {"2-1-201", "1-1-102"}
    building2 = client.get(url, {"period": "2026-10", "building": estate["b2"].pk}).context["totals"]
    assert building2["receivable"] == Decimal("346.92")
    room = client.get(url, {"period": "2026-10", "q": "1-1-10"}, **EN)
    assert room.context["totals"]["count"] == 2 and "¥406.58" in room.content.decode()
    paid = client.get(url, {"period": "2026-10", "status": "paid"}).context["page"].object_list
    assert [b.unit.number for b in paid] == ["1-1-101"]
    with time_machine.travel(sh(2026, 12, 5, 10, 0), tick=False):
        # Before December's bill day the page opens on November, the latest month billed,
        # not on an empty December; so does the fee desk's figures card.
        latest = client.get(url)
        assert latest.context["period"] == NOV and latest.context["totals"]["count"] == 3
        home = client.get(reverse("fees:home"), **EN)
        assert home.context["figures"]["period"] == NOV and "Bills of 2026-11" in home.content.decode()
    with time_machine.travel(sh(2026, 11, 12, 10, 0), tick=False):
        assert client.get(url).context["period"] == NOV   # November's bills are out: this month


def test_the_fee_desk_offers_reports_only_to_those_who_may_read_them(client, estate, finance_user):
    client.force_login(estate["desk"])
    reports = reverse("fees:reports")
    assert f'href="{reports}"' not in client.get(reverse("fees:home")).content.decode()
    assert client.get(reports).status_code == 403
    client.force_login(finance_user)
    assert f'href="{reports}"' in client.get(reverse("fees:home")).content.decode()


def test_the_bill_page_shows_lines_and_payments(client, estate):
    bills_for(NOV)
    payment = pay(estate, estate["u1"], "100.00")
    bill = Bill.objects.get(unit=estate["u1"])
    client.force_login(estate["desk"])
    page = client.get(reverse("fees:bill", args=[bill.pk]), **EN).content.decode()
    assert "物业服务费" in page and "生活垃圾清运费" in page and payment.receipt.number in page and "¥120.33" in page


# ---- fee standards ------------------------------------------------------------------------------


def test_finance_adds_a_fee_standard_and_publishes_it(client, estate, finance_user):
    client.force_login(finance_user)
    response = client.post(reverse("fees:standard_new"), standard_fields(estate))
    assert response.status_code == 302
    standard = FeeStandard.objects.get(item="电梯运行费")
    assert (standard.rate, standard.published_at) == (Decimal("25.00"), None)
    listing = client.get(reverse("fees:standards"), {"estate": estate["estate"].pk}, **EN).content.decode()
    assert "电梯运行费" in listing and "Publish to owners" in listing
    client.post(reverse("fees:standard_publish", args=[standard.pk]))
    standard.refresh_from_db()
    assert standard.published_at is not None


def test_a_fee_standard_with_bad_fields_is_refused_naming_them(client, estate, finance_user):
    client.force_login(finance_user)
    response = client.post(reverse("fees:standard_new"),
                           standard_fields(estate, item="", rate="0", effective_to="2026-12-01"))
    assert response.status_code == 400
    assert {"item", "rate", "effective_to"} <= set(response.context["form"].errors)
    overlap = client.post(reverse("fees:standard_new"),
                          standard_fields(estate, item="物业服务费", basis="per_m2_month", rate="2.50"))
    assert overlap.status_code == 400 and "effective_from" in overlap.context["form"].errors
    assert FeeStandard.objects.count() == 3


def test_the_desk_reads_the_standards_but_cannot_change_them(client, estate):
    client.force_login(estate["desk"])
    listing = client.get(reverse("fees:standards"), **EN).content.decode()
    assert "物业服务费" in listing and "Add a fee standard" not in listing
    assert client.post(reverse("fees:standard_new"), standard_fields(estate)).status_code == 403
    standard = FeeStandard.objects.first()
    assert client.post(reverse("fees:standard_publish", args=[standard.pk])).status_code == 403
    assert FeeStandard.objects.count() == 3


def test_a_standard_on_bills_keeps_its_rate_and_can_only_be_ended(estate, finance_user):
    bills_for(NOV)
    standard = FeeStandard.objects.get(item="生活垃圾清运费")
    fields = {"estate": estate["estate"], "building": None, "item": standard.item, "basis": standard.basis,
              "effective_from": standard.effective_from, "actor": finance_user, "standard": standard}
    with pytest.raises(ValidationError):
        services.fee_standard_save(rate=Decimal("12.00"), effective_to=None, **fields)
    with pytest.raises(ValidationError) as caught:
        services.fee_standard_save(rate=standard.rate, effective_to=dt.date(2026, 10, 31), **fields)
    assert "effective_to" in caught.value.message_dict
    ended = services.fee_standard_save(rate=standard.rate, effective_to=dt.date(2026, 12, 31), **fields)
    assert ended.effective_to == dt.date(2026, 12, 31)
    follow_up = services.fee_standard_save(estate=estate["estate"], building=None, item=standard.item,
                                           basis=standard.basis, rate=Decimal("12.00"),
                                           effective_from=dt.date(2027, 1, 1), effective_to=None, actor=finance_user)
    assert follow_up.rate == Decimal("12.00")


def test_fee_standard_services_check_the_actor_and_publish_once(estate, finance_user):
    with pytest.raises(PermissionDenied):
        services.fee_standard_save(estate=estate["estate"], building=None, item="电梯运行费", basis="per_unit_month",
                                   rate=Decimal(25), effective_from=dt.date(2027, 1, 1), effective_to=None,
                                   actor=estate["desk"])
    standard = FeeStandard.objects.first()
    with pytest.raises(PermissionDenied):
        services.fee_standard_publish(standard=standard, now=sh(2026, 11, 20, 9, 0), actor=estate["desk"])
    services.fee_standard_publish(standard=standard, now=sh(2026, 11, 20, 9, 0), actor=finance_user)
    with pytest.raises(ValidationError):
        services.fee_standard_publish(standard=standard, now=sh(2026, 11, 21, 9, 0), actor=finance_user)
    with pytest.raises(ValidationError) as caught:  # a building of another estate
        services.fee_standard_save(estate=estate["estate"], building=BuildingFactory(), item="x",
                                   basis="per_unit_month", rate=Decimal(1), effective_from=dt.date(2027, 1, 1),
                                   effective_to=None, actor=finance_user)
    assert "building" in caught.value.message_dict


# ---- who may see the fee pages ----------------------------------------------------------------------


def test_owners_and_engineering_get_403_on_the_fee_desk(client, estate, engineer_user):
    bills_for(NOV)
    payment = pay(estate, estate["u1"], "100.00")
    bill = Bill.objects.get(unit=estate["u1"])
    owner_user = UserFactory(username="lina")
    estate["li"].user = owner_user
    estate["li"].save(update_fields=["user"])
    urls = [reverse("fees:home"), reverse("fees:bills"), reverse("fees:bill", args=[bill.pk]),
            reverse("fees:unit_account", args=[estate["u1"].pk]), reverse("fees:payment", args=[payment.pk]),
            reverse("fees:receipt_print", args=[payment.receipt_id]), reverse("fees:standards")]
    for user in (owner_user, engineer_user):
        client.force_login(user)
        for url in urls:
            assert client.get(url).status_code == 403, url
    client.force_login(owner_user)
    assert client.post(reverse("fees:unit_account", args=[estate["u1"].pk]),
                       {"amount": "1.00", "method": "cash", "payer_name": "x"}).status_code == 403
    assert Payment.objects.count() == 1


def test_the_unit_page_lists_the_reminders_sent(client, estate):
    bills_for(NOV)
    services.dunning_round(period=NOV, round_=1, as_of=sh(2026, 11, 16, 9, 0))
    assert DunningNotice.objects.filter(unit=estate["u1"]).exists()
    client.force_login(estate["desk"])
    page = client.get(reverse("fees:unit_account", args=[estate["u1"].pk]), **EN).content.decode()
    assert "First reminder" in page
