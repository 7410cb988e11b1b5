"""The desk's daily and weekly reports in the browser: from the desk's today page to the
list of reports, to Friday's daily report of one estate, a figure opening its list, the
.xlsx downloaded; the weekly report in English.

The reports are made by the jobs as on Friday 4 December 2026 at 16:30 (the small world
of tests/pages/test_daily_weekly_reports.py)."""

from io import BytesIO
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from pages import jobs
from tests.e2e.conftest import log_in
from tests.factories import PASSWORD
from tests.pages.test_daily_weekly_reports import AT_1630, build

pytestmark = pytest.mark.e2e


@pytest.fixture
def world(transactional_db):
    world = build()
    jobs.daily_report(as_of=AT_1630)
    jobs.weekly_report(as_of=AT_1630)
    return world


def test_the_desk_opens_fridays_daily_report_follows_a_figure_and_downloads_it(page_for, screenshot, world):
    # given: the desk on its today page
    page = page_for(locale="zh-CN")
    log_in(page, "rep-desk", PASSWORD)
    page.goto(page.base_url + "/desk/")

    # when: it opens the reports, chooses 甲花园 and opens Friday's
    page.locator("#today-desk-reports").click()
    expect(page.locator("h1")).to_contain_text("客服报表")
    page.select_option("#desk-report-estate", str(world["a"].pk))
    page.get_by_role("button", name="查看").click()
    rows = page.locator("#desk-reports tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("150.50")  # 甲's takings
    screenshot(page, "desk-reports-zh")
    page.get_by_role("link", name="日报 2026-12-04").click()

    # then: the day's window said, 甲's figures beside all estates'
    expect(page.locator("h1")).to_contain_text("日报 2026-12-04")
    expect(page.locator("#desk-report-window")).to_contain_text("统计时段：2026-12-04 00:00 至 2026-12-04 16:30")
    received = page.locator("#desk-report [data-line='complaints.received'] td")
    expect(received).to_have_text(["2", "1"])
    expect(page.locator("#desk-report [data-line='work_orders.dispatched_late'] td")).to_have_text(["1", "1"])
    screenshot(page, "desk-report-day-zh")

    # when: it downloads the day
    with page.expect_download() as download:
        page.locator("#desk-report-xlsx").click()
    assert download.value.suggested_filename == "daily-report-2026-12-04.xlsx"
    book = load_workbook(BytesIO(Path(download.value.path()).read_bytes()))
    assert book.worksheets[0]["A1"].value == "日报 2026-12-04"

    # when: it follows 甲's complaints received that day
    received.nth(1).locator("a").click()

    # then: the complaint list, that day's one complaint of 甲
    expect(page).to_have_url(f"{page.base_url}/complaints/?received_from=2026-12-04&received_to=2026-12-04"
                             f"&estate={world['a'].pk}")
    expect(page.locator("body")).to_contain_text("C1")


def test_the_weekly_report_in_english(page_for, screenshot, world):
    page = page_for(locale="en-US")
    log_in(page, "rep-desk", PASSWORD)
    page.goto(page.base_url + "/desk/reports/?period=week")
    expect(page.locator("h1")).to_contain_text("Desk reports")
    expect(page.locator("#desk-report-periods")).not_to_contain_text("Month reports")  # the supervisors'
    screenshot(page, "desk-reports-week-en")
    page.get_by_role("link", name="Weekly report 2026-11-28 – 2026-12-04").click()
    expect(page.locator("#desk-report-window")).to_contain_text("Counted from 2026-11-28 00:00 to 2026-12-04 16:30")
    expect(page.locator("#desk-report [data-line='takings.total'] td").first).to_have_text("190.50")
    screenshot(page, "desk-report-week-en")
