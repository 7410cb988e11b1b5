"""The supervisors' month report in the browser: from the dashboard to the list of
reports, to January 2026's, its missed targets marked, and its .xlsx downloaded; the
report in English and on A4 paper.

The reports are made by the job as on 2 January and 2 February 2026 (tests/pages/
dashboard_world.py's year-end data set)."""

from io import BytesIO
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from pages import jobs
from tests.e2e.conftest import log_in
from tests.factories import PASSWORD
from tests.pages import dashboard_world
from tests.pages.dashboard_world import sh

pytestmark = pytest.mark.e2e


@pytest.fixture
def world(transactional_db):
    world = dashboard_world.build()
    jobs.month_report(as_of=sh(2026, 1, 2, 6))
    jobs.month_report(as_of=sh(2026, 2, 2, 6))
    return world


def test_the_supervisor_goes_from_the_dashboard_to_a_month_report_and_downloads_it(page_for, screenshot, world):
    # given: the supervisor on her dashboard
    page = page_for(locale="zh-CN")
    log_in(page, "dash-boss", PASSWORD)
    page.goto(page.base_url + "/dashboard/")

    # when: she opens the month reports, then January's
    page.locator("#dashboard-month-reports").click()
    expect(page.locator("h1")).to_contain_text("月报")
    rows = page.locator("#month-reports tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("2026-01")  # newest first
    page.get_by_role("link", name="2026-01", exact=True).click()

    # then: January's figures, the missed target marked, the estates compared
    expect(page.locator("h1")).to_contain_text("2026-01 月报")
    on_time = page.locator("#month-report-detail [data-figure=complaints_on_time]")
    expect(on_time).to_contain_text("50.0%")
    expect(on_time).to_have_class("table-danger is-below")
    expect(page.locator("#month-report-matrix")).to_contain_text("乙花园")
    screenshot(page, "month-report-zh")

    # when: she downloads it
    with page.expect_download() as download:
        page.locator("#month-report-xlsx").click()

    # then: a workbook with January's figures
    assert download.value.suggested_filename == "month-report-2026-01.xlsx"
    book = load_workbook(BytesIO(Path(download.value.path()).read_bytes()))
    assert book.sheetnames[:2] == ["总览", "明细"]
    rows = {row[0].value: [cell.value for cell in row] for row in book["总览"].iter_rows(min_row=5)}
    assert rows["投诉处理及时率"][2] == 0.5


def test_the_month_report_in_english_and_on_paper(page_for, screenshot, world):
    page = page_for(locale="en-US")
    log_in(page, "dash-boss", PASSWORD)
    page.goto(page.base_url + "/dashboard/reports/2026-01/")

    expect(page.locator("h1")).to_contain_text("Month report 2026-01")
    expect(page.locator("#month-report-detail")).to_contain_text("Complaint handled-on-time rate")
    screenshot(page, "month-report-en")

    # on paper (A4 portrait is 794 px wide at 96 dpi): no navigation, no buttons, every column
    paper = page_for(locale="en-US", width=794, height=1123)
    log_in(paper, "dash-boss", PASSWORD)
    paper.emulate_media(media="print")
    paper.goto(paper.base_url + "/dashboard/reports/2026-01/")
    expect(paper.locator(".pd-navbar")).to_be_hidden()
    expect(paper.locator("#month-report-xlsx")).to_be_hidden()
    matrix = paper.locator("#month-report-matrix")
    expect(matrix).to_be_visible()
    assert matrix.bounding_box()["width"] <= 794
    # A4, as Chromium prints it
    pdf = screenshot(paper, "month-report-print-en").with_suffix(".pdf")
    pdf.write_bytes(paper.pdf(format="A4", print_background=True))
    assert pdf.read_bytes().startswith(b"%PDF")
