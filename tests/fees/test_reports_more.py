"""Fee reports: the month report page and its .xlsx, the stored report of the 2nd and
its job, the day's takings and the arrears as .xlsx, and the income and spending
statements finance enters and publishes."""

import datetime as dt
from decimal import Decimal
from io import BytesIO

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from fees import jobs, services
from fees.models import IncomeStatement, MonthReport
from propertydesk.jobs import get_job
from tests.factories import EstateFactory
from tests.fees.conftest import sh

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
NOV = dt.date(2026, 11, 1)


@pytest.fixture
def november(estate):
    """November billed (753.50 in all); 李娜 paid 220.33 in cash, 王强's card payment
    of 346.92 was reversed; round 1 of the reminders went out on the 16th."""
    services.bill_run(period=NOV, as_of=sh(2026, 11, 10, 1, 0))
    services.payment_take(unit=estate["u1"], amount=Decimal("220.33"), method="cash", payer_name="李娜",
                          now=sh(2026, 11, 12, 10, 0), actor=estate["desk"])
    wrong = services.payment_take(unit=estate["u2"], amount=Decimal("346.92"), method="card", payer_name="王强",
                                  now=sh(2026, 11, 12, 11, 0), actor=estate["desk"])
    services.payment_reverse(payment=wrong, reason="刷错卡", now=sh(2026, 11, 12, 11, 5), actor=estate["boss"])
    services.dunning_round(period=NOV, round_=1, as_of=sh(2026, 11, 16, 9, 0))
    return estate


def workbook(response):
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return load_workbook(BytesIO(b"".join(response.streaming_content) if response.streaming else response.content))


def cells(sheet) -> list[list]:
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def test_reports_page_shows_the_collection_rate_of_the_month(client, november, finance_user):
    client.force_login(finance_user)
    page = client.get(reverse("fees:reports"), {"month": "2026-11"}, **EN).content.decode()
    assert "29.24%" in page and "753.50" in page and "220.33" in page and "533.17" in page
    assert "1 reversed, not counted" in page


def test_the_desk_does_not_see_the_month_report(client, november):
    client.force_login(november["desk"])
    assert client.get(reverse("fees:reports")).status_code == 403
    assert client.get(reverse("fees:month_xlsx")).status_code == 403


def test_month_report_xlsx_holds_the_figures(client, november, finance_user):
    client.force_login(finance_user)
    with translation.override("en"):
        book = workbook(client.get(reverse("fees:month_xlsx"), {"month": "2026-11"}, **EN))
    assert book.sheetnames == ["Collection", "Payments", "Arrears", "Notices"]
    collection = cells(book["Collection"])
    row = next(r for r in collection if r[0] == november["estate"].name)
    assert row[1:4] == [753.5, 220.33, 29.24]
    assert "2026-11" in collection[0][0]
    payments = cells(book["Payments"])
    assert [november["estate"].name, "Cash", 1, 220.33] in payments
    notices = cells(book["Notices"])
    assert sum(r[3] for r in notices[3:] if r[0] == november["estate"].name) == 2  # 1-1-101 paid before the 16th


def test_month_report_generate_twice_keeps_one_row_per_estate(november):
    # when
    services.month_report_generate(month=NOV, as_of=sh(2026, 12, 2, 2, 30))
    services.month_report_generate(month=NOV, as_of=sh(2026, 12, 2, 2, 31))

    # then: one row for the estate, one for all estates
    assert MonthReport.objects.count() == 2
    report = MonthReport.objects.get(estate=november["estate"], month=NOV)
    assert (report.data["receivable"], report.data["collected"], report.data["rate"]) == ("753.50", "220.33", "29.24")
    assert {"method": "cash", "count": 1, "total": "220.33"} in report.data["payments"]
    assert report.data["reversed_total"] == "346.92"
    assert {"bucket": "1", "units": 2, "owed": "533.17"} in report.data["aging"]
    assert report.generated_at == sh(2026, 12, 2, 2, 31)


def test_month_report_job_waits_for_the_2nd_then_makes_last_months_once(november):
    EstateFactory(code="other")
    assert jobs.month_report(as_of=sh(2026, 12, 1, 2, 30)) == "nothing before the 2nd"
    assert not MonthReport.objects.exists()

    jobs.month_report(as_of=sh(2026, 12, 2, 2, 30))
    assert set(MonthReport.objects.values_list("month", flat=True)) == {NOV}
    assert MonthReport.objects.count() == 3  # all estates, and each of the two

    # a later run leaves the report of the 2nd as it was made
    assert "made already" in jobs.month_report(as_of=sh(2026, 12, 3, 2, 30))
    assert set(MonthReport.objects.values_list("generated_at", flat=True)) == {sh(2026, 12, 2, 2, 30)}


def test_month_report_job_catches_up_later_in_the_month(november):
    jobs.month_report(as_of=sh(2026, 12, 5, 2, 30))
    assert MonthReport.objects.filter(month=NOV, estate__isnull=True).exists()


def test_month_report_job_is_registered_daily_at_half_past_two():
    job = get_job("fees.month_report")
    assert job.function() is jobs.month_report
    assert job.schedule.hour == {2} and job.schedule.minute == {30}


def test_reports_page_shows_the_stored_report_of_the_2nd(client, november, finance_user):
    services.month_report_generate(month=NOV, as_of=sh(2026, 12, 2, 2, 30))
    client.force_login(finance_user)
    page = client.get(reverse("fees:reports"), {"month": "2026-11"}, **EN).content.decode()
    assert "Made at 2026-12-02 02:30" in page


def test_takings_page_and_xlsx_by_method_and_staff(client, november):
    client.force_login(november["desk"])
    page = client.get(reverse("fees:takings"), {"day": "2026-11-12"}, **EN).content.decode()
    assert "220.33" in page and "CUIHU-SJ2026-000002" in page and "刷错卡" in page
    with translation.override("en"):
        book = workbook(client.get(reverse("fees:takings_xlsx"), {"day": "2026-11-12"}, **EN))
    by_method = cells(book["By method"])
    assert ["Cash", 1, 220.33] in by_method and ["Total", 1, 220.33] in by_method
    assert ["desk", 1, 220.33] in cells(book["By staff"])
    assert any(r[0] == "CUIHU-SJ2026-000002" and r[3] == 346.92 for r in cells(book["Reversed"]))


def test_arrears_xlsx_lists_the_units_and_what_they_owe(client, november):
    client.force_login(november["desk"])
    import time_machine

    with time_machine.travel(sh(2026, 11, 20, 10, 0), tick=False), translation.override("en"):
        book = workbook(client.get(reverse("export", args=["arrears"]), **EN))
    rows = cells(book["Arrears"])
    assert any(r[0] == "2-1-201" and r[6] == 346.92 and r[4] == "1 month" for r in rows)
    assert not any(r[0] == "1-1-101" for r in rows)


# ---- statements -------------------------------------------------------------------------------

def statement_post(estate, *lines, title="2026年下半年收支情况", start="2026-07-01", end="2026-12-31"):
    data = {"estate": estate.pk, "title": title, "period_start": start, "period_end": end,
            "lines-TOTAL_FORMS": len(lines), "lines-INITIAL_FORMS": 0}
    for i, (kind, category, amount) in enumerate(lines):
        data.update({f"lines-{i}-kind": kind, f"lines-{i}-category": category, f"lines-{i}-amount": amount,
                     f"lines-{i}-note": ""})
    return data


def test_finance_enters_a_statement_with_exact_totals_and_publishes_it(client, estate, finance_user):
    # given
    client.force_login(finance_user)
    data = statement_post(estate["estate"], ("income", "物业服务费", "0.10"), ("income", "停车费", "0.20"),
                          ("spending", "保洁", "0.15"), ("spending", "", ""), ("", "", ""))

    # when
    response = client.post(reverse("fees:statement_new"), data, **EN)

    # then: 0.10 + 0.20 is exactly 0.30
    statement = IncomeStatement.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("fees:statement", args=[statement.pk])
    assert (statement.income, statement.spending, statement.balance) == (
        Decimal("0.30"), Decimal("0.15"), Decimal("0.15"))
    assert statement.lines.count() == 3 and statement.published_at is None
    page = client.get(reverse("fees:statement", args=[statement.pk]), **EN).content.decode()
    assert "¥0.15" in page and "0.30" in page and "Publish to the owners" in page

    # when: published
    client.post(reverse("fees:statement_publish", args=[statement.pk]), **EN)
    statement.refresh_from_db()
    assert statement.published_at is not None
    again = client.post(reverse("fees:statement_publish", args=[statement.pk]), follow=True, **EN)
    assert "This statement was published already." in again.content.decode()
    assert client.get(reverse("fees:statement_edit", args=[statement.pk])).status_code == 302


def test_statement_errors_are_named_on_their_fields(client, estate, finance_user):
    client.force_login(finance_user)
    data = statement_post(estate["estate"], ("income", "物业服务费", "12.345"), ("spending", "维修", "abc"),
                          title="", start="2026-12-31", end="2026-07-01")
    response = client.post(reverse("fees:statement_new"), data, **EN)
    assert response.status_code == 400
    form, formset = response.context["form"], response.context["formset"]
    assert "amount" in formset.forms[0].errors and "amount" in formset.forms[1].errors
    assert not IncomeStatement.objects.exists()

    data = statement_post(estate["estate"], ("income", "物业服务费", "12.34"), title="", start="2026-12-31",
                          end="2026-07-01")
    response = client.post(reverse("fees:statement_new"), data, **EN)
    form = response.context["form"]
    assert response.status_code == 400
    assert form.errors["title"] == ["Give the statement a title."]
    assert form.errors["period_end"] == ["The period ends before it starts."]
    assert "Give the statement a title." in response.content.decode()

    data = statement_post(estate["estate"], ("", "物业服务费", "12.34"))
    response = client.post(reverse("fees:statement_new"), data, **EN)
    assert response.status_code == 400 and response.context["formset"].forms[0].errors["kind"] == ["Income or spending?"]
    assert not IncomeStatement.objects.exists()


def test_a_statement_needs_lines(estate, finance_user):
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        services.income_statement_save(estate=estate["estate"], title="空", period_start=dt.date(2026, 1, 1),
                                       period_end=dt.date(2026, 6, 30), lines=[], actor=finance_user,
                                       now=sh(2026, 7, 2))
    assert caught.value.message_dict == {"lines": ["Enter at least one line of income or spending."]}


def test_the_desk_cannot_enter_a_statement(client, estate):
    client.force_login(estate["desk"])
    assert client.get(reverse("fees:statement_new")).status_code == 403
    assert client.post(reverse("fees:statement_new"), statement_post(estate["estate"], ("income", "x", "1"))
                       ).status_code == 403
    assert not IncomeStatement.objects.exists()


def test_supervisors_read_statements_but_do_not_publish(client, estate, finance_user):
    statement = services.income_statement_save(
        estate=estate["estate"], title="上半年", period_start=dt.date(2026, 1, 1), period_end=dt.date(2026, 6, 30),
        lines=[{"kind": "income", "category": "物业服务费", "amount": Decimal("100.00")}], actor=finance_user,
        now=sh(2026, 7, 2))
    client.force_login(estate["boss"])
    assert client.get(reverse("fees:statements")).status_code == 200
    assert client.post(reverse("fees:statement_publish", args=[statement.pk])).status_code == 403
