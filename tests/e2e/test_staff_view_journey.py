"""The staff view in the browser: a supervisor opens it from the navigation, changes the
period (last month, then days across the year's end), follows a figure to the list of
exactly the complaints it counts, and opens a person's twelve months; in Chinese and in
English. The clock is held at 10 January 2027 (the data set of tests/pages/test_staff_view)."""

import pytest
import time_machine
from playwright.sync_api import expect

from tests.e2e.conftest import log_in, nav_link
from tests.factories import PASSWORD
from tests.pages.test_staff_view import NOW, build_world

pytestmark = pytest.mark.e2e


@pytest.fixture
def world(transactional_db):
    with time_machine.travel(NOW, tick=True):
        yield build_world()


def _row(page, name):
    return page.locator("#staff-table tbody tr", has=page.locator("th", has_text=name))


def test_a_supervisor_reads_the_staff_view_changes_the_period_and_follows_a_figure(page_for, screenshot, world):
    c1, c2, c3 = (c.number for c in world["complaints"])
    boss = page_for(locale="zh-CN")
    log_in(boss, "boss", PASSWORD)

    # this month, from the navigation
    nav_link(boss, "员工").click()
    expect(boss.locator("#staff-period-said")).to_contain_text("2027-01-01 至 2027-01-31")
    anna = _row(boss, "Anna Li")
    expect(anna.locator("td").nth(1)).to_have_text("2")       # complaints handled
    expect(_row(boss, "王强").locator("td").nth(5)).to_have_text("2")  # work orders taken
    screenshot(boss, "staff-view-zh")

    # last month
    boss.select_option("#staff-period", "last_month")
    boss.get_by_role("button", name="查看").click()
    expect(boss.locator("#staff-period-said")).to_contain_text("2026-12-01 至 2026-12-31")
    expect(_row(boss, "Anna Li").locator("td").nth(1)).to_have_text("1")

    # days across the year's end
    boss.select_option("#staff-period", "custom")
    boss.fill("#staff-from", "2026-12-15")
    boss.fill("#staff-to", "2027-01-15")
    boss.get_by_role("button", name="查看").click()
    expect(boss.locator("#staff-period-said")).to_contain_text("2026-12-15 至 2027-01-15")
    handled = _row(boss, "Anna Li").locator("td").nth(1)
    expect(handled).to_have_text("3")

    # the figure opens the complaints it counts, and says whose they are
    handled.get_by_role("link").click()
    expect(boss.locator("#figure-filter")).to_contain_text("处理投诉：Anna Li，2026-12-15 至 2027-01-15。")
    for number in (c1, c2, c3):
        expect(boss.get_by_text(number)).to_be_visible()
    expect(boss.locator("table tbody tr")).to_have_count(3)
    screenshot(boss, "staff-view-figure-list-zh")

    # back, and one person's twelve months
    boss.go_back()
    boss.get_by_role("link", name="Anna Li").click()
    expect(boss.locator("#person-months tbody tr")).to_have_count(12)
    december = boss.locator("#person-months tbody tr", has=boss.locator("th", has_text="2026-12"))
    expect(december.locator("td").first).to_have_text("1")
    screenshot(boss, "staff-view-person-zh")

    # in English
    english = page_for(locale="en-US")
    log_in(english, "boss", PASSWORD)
    english.goto(english.base_url + "/staff/?period=custom&from=2026-12-15&to=2027-01-15")
    expect(english.locator("#staff-period-said")).to_contain_text("2026-12-15 to 2027-01-15")
    expect(english.get_by_role("columnheader", name="Dispatch breaches")).to_be_visible()
    screenshot(english, "staff-view-en")
