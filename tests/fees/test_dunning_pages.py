"""The dunning pages: the month's reminders by round, the printed door-delivery
notices, marking them delivered; the arrears by age, long-term refusers, and a unit's
case with its escalating measures."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from fees import services
from fees.models import ArrearsCase, ArrearsMeasure, Bill, DunningNotice, NoticeStatus
from tests.fees.conftest import sh

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}
NOV = dt.date(2026, 11, 1)


def by_letter(*owners):
    for owner in owners:
        owner.preferred_channel = "letter"
        owner.save(update_fields=["preferred_channel"])


def november_rounds(estate, *, payer=None):
    """November's bills; round 1 on the 16th; ``payer`` pays on the 18th; round 2 on the 21st."""
    services.bill_run(period=NOV, as_of=sh(2026, 11, 10, 1, 0))
    services.dunning_round(period=NOV, round_=1, as_of=sh(2026, 11, 16, 9, 0))
    if payer is not None:
        services.payment_take(unit=payer, amount=Decimal("220.33"), method="cash", payer_name="李娜",
                              now=sh(2026, 11, 18, 10, 0))
    services.dunning_round(period=NOV, round_=2, as_of=sh(2026, 11, 21, 9, 0))


def old_bill(unit, period: dt.date, amount: str) -> Bill:
    return Bill.objects.create(number=f"OLD-{unit.pk}-{period:%Y%m}", estate=unit.estate, unit=unit,
                               period=period, amount=Decimal(amount), issued_at=sh(period.year, period.month, 10),
                               due_on=period.replace(day=15))


def test_dunning_page_lists_the_notices_of_the_chosen_round(client, estate):
    # given: 1-1-101 paid between the rounds
    november_rounds(estate, payer=estate["u1"])
    client.force_login(estate["desk"])

    # when / then: round 1 went to all three units, round 2 to the two still owing
    first = client.get(reverse("fees:dunning"), {"period": "2026-11", "round": 1}, **EN).content.decode()
    assert all(number in first for number in ("1-1-101", "2-1-201", "1-1-102"))
    assert "346.92" in first and "Sent or delivered at" in first
    second = client.get(reverse("fees:dunning"), {"period": "2026-11", "round": 2}, **EN).content.decode()
    assert "2-1-201" in second and "1-1-102" in second and "1-1-101" not in second


def test_dunning_page_counts_by_channel_and_links_the_printed_ones(client, estate):
    # given: 王强 wants letters: his two units' notices are printed and delivered by hand
    by_letter(estate["wang"])
    november_rounds(estate)
    client.force_login(estate["desk"])

    # when
    page = client.get(reverse("fees:dunning"), {"period": "2026-11", "round": 1}, **EN).content.decode()

    # then
    assert "Printed, delivered door to door" in page and "To print and deliver" in page
    assert f'{reverse("fees:dunning_print")}?period=2026-11&amp;round=1' in page
    assert page.count("Mark delivered") == 2


def test_printed_notices_come_two_to_an_a4_sheet_with_the_reminder_wording(client, estate):
    # given: three printed notices in round 1
    by_letter(estate["li"], estate["wang"])
    estate["estate"].service_phone = "020-87654321"
    estate["estate"].save(update_fields=["service_phone"])
    november_rounds(estate)
    client.force_login(estate["desk"])
    url = reverse("fees:dunning_print")

    # when
    zh = client.get(url, {"period": "2026-11", "round": 1}, **ZH).content.decode()
    en = client.get(url, {"period": "2026-11", "round": 1}, **EN).content.decode()

    # then: two sheets (2 + 1 notices), each with the estate, the owed month and the phone
    assert zh.count('class="dn-sheet"') == 2 and zh.count('class="dn-notice"') == 3
    assert "size: A4" in zh and "148.5mm" in zh
    with translation.override("zh-hans"):
        assert translation.gettext("First payment reminder") in zh
    assert 'lang="zh-hans"' in zh
    assert "First payment reminder" in en and "How to pay" in en
    assert "2026-11" in en and "346.92" in en and "020-87654321" in en and estate["estate"].name in en
    second = client.get(url, {"period": "2026-11", "round": 2}, **EN).content.decode()
    assert "Second payment reminder" in second


def test_a_printed_notice_is_marked_delivered_and_no_other(client, estate):
    # given: 王强's notices are printed, 李娜's go by SMS
    by_letter(estate["wang"])
    november_rounds(estate)
    services.dunning_deliver(as_of=sh(2026, 11, 21, 9, 5))  # the job queues their messages
    printed = DunningNotice.objects.get(unit=estate["u2"], round=1)
    sms = DunningNotice.objects.get(unit=estate["u1"], round=1)
    client.force_login(estate["desk"])

    # when
    ok = client.post(reverse("fees:notice_delivered", args=[printed.pk]), **EN)
    refused = client.post(reverse("fees:notice_delivered", args=[sms.pk]), follow=True, **EN)

    # then
    assert ok.status_code == 302
    printed.refresh_from_db()
    assert printed.status == NoticeStatus.DELIVERED and printed.sent_at is not None
    # and the letter's outbox row with it: no longer counted as undelivered
    assert [(d.channel, d.status) for d in printed.notification.deliveries.order_by("channel")] == [
        ("inbox", "sent"), ("letter", "sent")]
    sms.refresh_from_db()
    assert sms.status == NoticeStatus.PENDING
    assert "Only a printed notice is marked delivered by hand." in refused.content.decode()


def test_printed_notices_need_the_dunning_permission(client, estate, engineer_user):
    client.force_login(engineer_user)
    assert client.get(reverse("fees:dunning")).status_code == 403
    assert client.get(reverse("fees:dunning_print")).status_code == 403


@time_machine.travel(sh(2026, 12, 20, 10, 0), tick=False)
def test_arrears_page_shows_the_age_buckets_and_lists_the_long_term_refusers(client, estate):
    # given: November's bills unpaid; 2-1-201 owes since 2025-09 and refuses; 1-1-102
    # refuses for 7 months after a lawyer's letter; 1-1-101 is in hardship
    services.bill_run(period=NOV, as_of=sh(2026, 11, 10, 1, 0))
    old_bill(estate["u2"], dt.date(2025, 9, 1), "300.00")
    old_bill(estate["u3"], dt.date(2026, 6, 1), "186.25")
    now = sh(2026, 12, 1, 9, 0)
    services.arrears_case_open(unit=estate["u2"], reason="refusal", note="嫌服务差", actor=estate["boss"], now=now)
    lawyer = services.arrears_case_open(unit=estate["u3"], reason="refusal", actor=estate["boss"], now=now)
    services.arrears_measure_add(case=lawyer, kind="lawyer", note="律师函已寄出", actor=estate["boss"], now=now)
    services.arrears_case_open(unit=estate["u1"], reason="hardship", actor=estate["boss"], now=now)
    client.force_login(estate["desk"])

    # when
    page = client.get(reverse("fees:arrears"), **EN)

    # then: 1-1-101 two months (2–3), 1-1-102 seven (7–12), 2-1-201 sixteen (>12)
    html = page.content.decode()
    assert page.status_code == 200
    assert "2–3 months" in html and "7–12 months" in html and "More than 12 months" in html
    refusers = html.split('id="refusers"')[1].split('id="arrears"')[0]
    assert "2-1-201" in refusers and "1-1-102" in refusers and "1-1-101" not in refusers
    assert "Lawyer&#x27;s letter" in refusers or "Lawyer's letter" in refusers
    assert "Financial hardship" in html

    # and: a bucket filter keeps only its units
    older = client.get(reverse("fees:arrears"), {"bucket": "12+"}, **EN).content.decode().split('id="arrears"')[1]
    assert "2-1-201" in older and "1-1-101" not in older


@time_machine.travel(sh(2026, 12, 20, 10, 0), tick=False)
def test_a_refuser_under_a_year_without_a_lawyers_letter_is_not_long_term(client, estate):
    old_bill(estate["u3"], dt.date(2026, 6, 1), "186.25")
    services.arrears_case_open(unit=estate["u3"], reason="refusal", actor=estate["boss"], now=sh(2026, 12, 1))
    client.force_login(estate["desk"])
    html = client.get(reverse("fees:arrears"), **EN).content.decode()
    assert "1-1-102" in html and 'id="refusers"' not in html


@time_machine.travel(sh(2026, 12, 20, 10, 0), tick=False)
def test_a_supervisor_opens_a_case_and_records_measures_up_the_escalation(client, estate):
    # given
    services.bill_run(period=NOV, as_of=sh(2026, 11, 10, 1, 0))
    url = reverse("fees:arrears_case", args=[estate["u2"].pk])
    client.force_login(estate["boss"])

    # when: the case, then a written notice
    opened = client.post(url, {"action": "case", "reason": "dispute", "note": "说电梯常坏"}, **EN)
    recorded = client.post(url, {"action": "measure", "kind": "notice", "note": "送达"}, **EN)

    # then
    assert opened.status_code == 302 and recorded.status_code == 302
    case = ArrearsCase.objects.get(unit=estate["u2"])
    assert (case.reason, case.note, case.opened_by) == ("dispute", "说电梯常坏", estate["boss"])
    assert list(case.measures.values_list("kind", flat=True)) == ["notice"]
    page = client.get(url, **EN).content.decode()
    assert "Next step suggested: <strong>Phone call</strong>" in page and "346.92" in page
    assert 'value="phone" selected' in page

    # and: the reason changes; a lawyer's letter without a word of what was sent is refused
    client.post(url, {"action": "case", "reason": "refusal", "note": ""}, **EN)
    assert ArrearsCase.objects.get(pk=case.pk).reason == "refusal"
    refused = client.post(url, {"action": "measure", "kind": "lawyer", "note": ""}, **EN)
    assert refused.status_code == 400
    assert "Say what was sent or filed, and the outcome." in refused.content.decode()
    assert ArrearsMeasure.objects.filter(case=case).count() == 1


def test_the_desk_sees_a_case_but_cannot_open_one(client, estate):
    services.bill_run(period=NOV, as_of=sh(2026, 11, 10, 1, 0))
    url = reverse("fees:arrears_case", args=[estate["u1"].pk])
    client.force_login(estate["desk"])
    assert client.get(url).status_code == 200
    response = client.post(url, {"action": "case", "reason": "dispute"}, follow=True, **EN)
    assert "You cannot change this case." in response.content.decode()
    assert not ArrearsCase.objects.exists()


def test_a_unit_has_one_case(estate):
    now = sh(2026, 12, 1)
    services.arrears_case_open(unit=estate["u1"], reason="vacant", actor=estate["boss"], now=now)
    with translation.override("en"), pytest.raises(ValidationError, match="already"):
        services.arrears_case_open(unit=estate["u1"], reason="refusal", actor=estate["boss"], now=now)
