"""The supervisors' month report (issue 16): made on the 2nd by pages.month_report from
the month's facts, once, kept as made, the dashboard's figures of that month for every
estate and all of them; its pages and its .xlsx. On the year-end data set of
tests/pages/dashboard_world.py: January 2026's report, made on 2 February."""

from __future__ import annotations

import datetime as dt
from io import BytesIO

import pytest
from dateutil.relativedelta import relativedelta
from django.core.management import call_command
from django.urls import reverse
from openpyxl import load_workbook

from complaints.models import Complaint
from pages import jobs
from pages.models import DashboardReport
from propertydesk.jobs import get_job
from tests.concurrency import at_once
from tests.pages import dashboard_world
from tests.pages.dashboard_world import DEC, JAN, sh

MADE = sh(2026, 2, 2, 6)  # the job's slot: 06:00 on the 2nd


@pytest.fixture
def world(db):
    return dashboard_world.build()


def stored(month) -> dict:
    return DashboardReport.objects.get(month=month).data


def figure(part: dict, key: str) -> dict:
    return next(line for line in part["figures"] if line["key"] == key)


def estate_part(data: dict, estate) -> dict:
    return next(part for part in data["estates"] if part["estate"] == estate.pk)


def test_the_job_is_registered_for_the_2nd_at_six():
    job = get_job("pages.month_report")

    assert job.schedule.day_of_month == {2} and job.schedule.hour == {6} and job.schedule.minute == {0}
    assert job.function() is jobs.month_report


def test_the_job_run_twice_stores_one_report_with_januarys_figures(world):
    # when
    first = jobs.month_report(as_of=MADE)
    second = jobs.month_report(as_of=MADE + dt.timedelta(hours=1))

    # then
    assert first == "reports made: 2026-01"
    assert second == "the report of 2026-01 was made already"
    assert DashboardReport.objects.count() == 1
    report = DashboardReport.objects.get()
    assert report.month == JAN and report.generated_at == MADE
    every = report.data["all"]
    # January, worked out by hand: C2 late and C4 on time resolved; S2 declined.
    assert figure(every, "complaints_on_time") == {
        "key": "complaints_on_time", "numerator": "1", "denominator": "2", "value": "50.0", "target": "95",
        "below": True}
    assert figure(every, "suggestions_adopted")["value"] == "0.0"
    assert figure(estate_part(report.data, world["b"]), "complaints_on_time")["value"] == "100.0"
    assert {part["name"] for part in report.data["estates"]} == {"甲花园", "乙花园"}
    # C3 (A, received 01-20) stood open on the 2nd, 13 days old: the 7–30 days bucket.
    assert every["standing"]["ages"] == [0, 0, 0, 1, 0]


@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_store_one_report():
    # given: the data set, committed, and two workers running the job at the same moment
    dashboard_world.build()

    # when
    said = at_once(lambda: jobs.month_report(as_of=MADE), lambda: jobs.month_report(as_of=MADE))

    # then: one made it, the other found it made; one report
    assert sorted(said) == ["reports made: 2026-01", "the report of 2026-01 was made already"]
    assert DashboardReport.objects.count() == 1


def test_runjob_on_the_command_line_makes_the_report_once(world, capsys):
    call_command("runjob", "pages.month_report", "--as-of", "2026-02-02T06:00")
    call_command("runjob", "pages.month_report", "--as-of", "2026-02-02T06:00", "--again")

    assert DashboardReport.objects.filter(month=JAN).count() == 1


def test_the_stored_figures_equal_the_dashboards_last_month(client, world, time_machine):
    # given: the report made on the 2nd, and the dashboard read the same morning
    jobs.month_report(as_of=MADE)
    time_machine.move_to(MADE + dt.timedelta(minutes=5), tick=False)
    client.force_login(world["boss"])

    for estate in (None, world["a"]):
        # when
        chosen = {"estate": estate.pk} if estate else {}
        response = client.get(reverse("dashboard"), {"period": "last_month", **chosen})

        # then: every figure, its parts, its target and its mark are the dashboard's
        part = estate_part(stored(JAN), estate) if estate else stored(JAN)["all"]
        shown = {card["figure"].key: card["value"] for card in response.context["cards"]}
        assert [line["key"] for line in part["figures"]] == list(shown)
        for line in part["figures"]:
            value = shown[line["key"]]
            assert (line["numerator"], line["denominator"], line["value"], line["target"], line["below"]) == (
                str(value.numerator), None if value.denominator is None else str(value.denominator),
                None if value.value is None else str(value.value), str(value.target), value.below_target), line
        rates = {(r.kind, r.bank): r for r in response.context["callback_rates"]}
        assert {(r["kind"], r["bank"]): (r["done"], r["owed"], r["below"]) for r in part["callback_rates"]} == {
            key: (r.done, r.owed, r.below_target) for key, r in rates.items()}


def test_a_report_is_kept_as_made_when_the_months_data_moves_later(world):
    jobs.month_report(as_of=MADE)
    Complaint.objects.filter(number="C3").update(status="resolved", department="security",
                                                 assigned_at=sh(2026, 1, 20, 9), resolved_at=sh(2026, 1, 21, 9))

    jobs.month_report(as_of=sh(2026, 2, 20, 6))

    assert figure(stored(JAN)["all"], "complaints_on_time")["denominator"] == "2"


def test_the_months_missed_while_the_job_was_down_are_made_once_oldest_first(world):
    # given: December's report made on 2 January, then the job down until 3 March
    assert jobs.month_report(as_of=sh(2026, 1, 2, 6)) == "reports made: 2025-12"

    # when
    said = jobs.month_report(as_of=sh(2026, 3, 3, 9))

    # then: January and February, each once
    assert said == "reports made: 2026-01, 2026-02 (caught up)"
    assert list(DashboardReport.objects.order_by("month").values_list("month", flat=True)) == [
        DEC, JAN, dt.date(2026, 2, 1)]
    assert jobs.month_report(as_of=sh(2026, 3, 3, 10)) == "the report of 2026-02 was made already"
    # January's figures are the settled month's (as of 1 March), not of the day it was made
    january = DashboardReport.objects.get(month=JAN)
    assert january.as_of == sh(2026, 3, 1)
    assert figure(january.data["all"], "complaints_on_time")["value"] == "50.0"
    # what stood open on 3 March is February's, not January's
    assert "standing" not in january.data["all"] and "standing" in stored(dt.date(2026, 2, 1))["all"]


def test_before_the_2nd_last_months_report_is_not_made(world):
    assert jobs.month_report(as_of=sh(2026, 2, 1, 23)) == "nothing before the 2nd"
    assert not DashboardReport.objects.exists()


def test_the_supervisor_reads_the_list_and_the_report_with_its_marks(client, world):
    jobs.month_report(as_of=sh(2026, 1, 2, 6))
    jobs.month_report(as_of=MADE)
    client.force_login(world["boss"])

    listing = client.get(reverse("month_reports")).content.decode()
    page = client.get(reverse("month_report", kwargs={"month": JAN})).content.decode()
    one = client.get(reverse("month_report", kwargs={"month": JAN}), {"estate": world["b"].pk})

    assert listing.index("2026-01") < listing.index("2025-12")  # newest first
    assert reverse("month_report_xlsx", kwargs={"month": JAN}) in listing
    assert 'class="table-danger is-below" data-figure="complaints_on_time"' in page  # 50 % < 95 %
    assert "甲花园" in page and "乙花园" in page
    assert one.status_code == 200
    assert 'data-figure="complaints_on_time"' in one.content.decode()
    assert one.context["detail"].name == "乙花园"


def test_the_report_page_speaks_english_to_an_english_reader(client, world):
    jobs.month_report(as_of=MADE)
    client.force_login(world["boss"])
    client.post(reverse("set_language"), {"language": "en", "next": "/"})

    page = client.get(reverse("month_report", kwargs={"month": JAN})).content.decode()

    assert "Month report 2026-01" in page
    assert "Complaint handled-on-time rate" in page


def test_a_month_without_a_report_and_a_month_that_is_no_month_are_not_found(client, world):
    client.force_login(world["boss"])

    assert client.get(reverse("month_report", kwargs={"month": JAN})).status_code == 404
    assert client.get("/dashboard/reports/2026-13/").status_code == 404
    assert client.get("/dashboard/reports/2026-13.xlsx").status_code == 404


def test_the_xlsx_opens_and_holds_the_figures_as_numbers(client, world):
    jobs.month_report(as_of=MADE)
    client.force_login(world["boss"])

    response = client.get(reverse("month_report_xlsx", kwargs={"month": JAN}))

    assert response.status_code == 200
    assert 'filename="month-report-2026-01.xlsx"' in response["Content-Disposition"]
    book = load_workbook(BytesIO(response.content))
    overview = book.worksheets[0]
    header = [cell.value for cell in overview[4]]
    assert header[2] == "全部小区" and set(header[3:]) == {"甲花园", "乙花园"}
    rows = {row[0].value: row for row in overview.iter_rows(min_row=5)}
    on_time = dict(zip(header, [cell.value for cell in rows["投诉处理及时率"]]))
    assert (on_time["全部小区"], on_time["甲花园"], on_time["乙花园"]) == (0.5, 0.0, 1.0)
    on_time = rows["投诉处理及时率"]
    assert on_time[2].number_format == "0.0%"
    assert on_time[2].fill.fgColor.rgb.endswith("F8D7DA")  # misses its 95 % target
    details = book["明细"]
    lines = [[cell.value for cell in row] for row in details.iter_rows(min_row=5) if row[0].value == "全部小区"]
    collection = next(line for line in lines if line[1] == "收费率")
    # January's bills, 350 receivable; by the 2nd only B's 50 was paid (A's 150 on 01-12 went to December)
    assert collection[3:6] == [50, 350, 0.143]
    assert details.cell(row=5, column=6).number_format == "0.0%"


def test_only_supervisors_open_the_reports(client, world):
    jobs.month_report(as_of=MADE)
    for user in (world["desk"],):
        client.force_login(user)
        assert client.get(reverse("month_reports")).status_code == 403
        assert client.get(reverse("month_report", kwargs={"month": JAN})).status_code == 403
        assert client.get(reverse("month_report_xlsx", kwargs={"month": JAN})).status_code == 403
    client.logout()
    assert client.get(reverse("month_reports")).status_code == 302


def test_the_dashboard_links_to_the_month_reports(client, world, time_machine):
    time_machine.move_to(MADE, tick=False)
    client.force_login(world["boss"])

    assert reverse("month_reports") in client.get(reverse("dashboard")).content.decode()


def test_the_demo_leaves_the_reports_of_its_past_months(demo_seeded, db):
    # given: the demo loaded for its day (its history ends at midnight before it)
    day = demo_seeded[2]
    made_by_then = 1 if day.day >= 3 else 2  # last month's is made at 06:00 on the 2nd
    last = day.replace(day=1) - relativedelta(months=made_by_then)

    months = list(DashboardReport.objects.order_by("month").values_list("month", flat=True))

    # then: every month before the clock since the demo's first, once, every estate in each
    assert months[-1] == last and len(months) >= 4
    assert months == [last - relativedelta(months=i) for i in range(len(months) - 1, -1, -1)]
    latest = DashboardReport.objects.get(month=last)
    assert len(latest.data["estates"]) == 2
    assert figure(latest.data["all"], "collection")["denominator"] not in (None, "0")
