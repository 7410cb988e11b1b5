"""The supervisor's dashboard in the browser: she opens it, picks an estate and the
months over the year's end, sees a figure missing its target, and follows it to the
complaints behind it; the twelve months' charts are drawn, in Chinese and in English.

The data set's months (December 2025, January 2026) are over and settled for any clock
from March 2026 on."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from pages import services
from tests.e2e.conftest import log_in
from tests.factories import PASSWORD
from tests.pages import dashboard_world

pytestmark = pytest.mark.e2e


@pytest.fixture
def world(transactional_db):
    world = dashboard_world.build()
    now = timezone.now()
    services.month_facts_refresh(as_of=now, now=now, months=36)
    return world


def test_the_supervisor_changes_estate_and_period_and_follows_a_figure_to_its_list(page_for, screenshot, world):
    # given: the supervisor on her dashboard
    page = page_for(locale="zh-CN")
    log_in(page, "dash-boss", PASSWORD)
    page.goto(page.base_url + "/dashboard/")
    expect(page.locator("h1")).to_contain_text("管理看板")

    # when: she picks estate 甲花园 and the days from 1 December to 31 January
    page.select_option("#dashboard-estate", label="甲花园")
    page.fill("#dashboard-from", "2025-12-01")
    page.fill("#dashboard-to", "2026-01-31")
    expect(page.locator("#dashboard-period")).to_have_value("custom")
    page.locator(".dashboard-picker button[type=submit]").click()
    page.wait_for_load_state("networkidle")

    # then: the period's figures of that estate, the missed target marked
    expect(page.locator("#dashboard-scope")).to_contain_text("甲花园 · 2025-12 至 2026-01")
    on_time = page.locator("[data-figure=complaints_on_time]")
    expect(on_time.locator(".dashboard-value")).to_contain_text("50.0")
    expect(on_time).to_contain_text("未达目标")
    expect(page.locator("[data-figure=collection] .dashboard-value")).to_contain_text("58.3")  # 350 of 600
    expect(page.locator("[data-chart=satisfaction] svg")).to_have_count(1)
    screenshot(page, "dashboard-zh")

    # when: she follows the figure to its list
    on_time.get_by_role("link", name="投诉处理及时率").click()
    page.wait_for_load_state("networkidle")

    # then: the complaints resolved in the period in that estate, and only those
    expect(page.locator(".day-ranges")).to_contain_text("2025-12-01")
    table = page.locator("table")
    expect(table).to_contain_text("C1")
    expect(table).to_contain_text("C2")
    expect(table).not_to_contain_text("C3")
    expect(table).not_to_contain_text("C4")


def test_the_dashboard_in_english_with_its_charts(page_for, screenshot, world):
    page = page_for(locale="en-US")
    log_in(page, "dash-boss", PASSWORD)
    page.goto(page.base_url + "/dashboard/?period=custom&from=2025-12&to=2026-01")

    expect(page.locator("h1")).to_contain_text("Dashboard")
    expect(page.locator("[data-figure=households] .dashboard-value")).to_contain_text("60.0")
    expect(page.locator("[data-chart=collection] svg")).to_have_count(1)
    screenshot(page, "dashboard-en")

    # on paper: no navigation, no pickers, the figures and the charts
    page.emulate_media(media="print")
    expect(page.locator(".dashboard-picker")).to_be_hidden()
    expect(page.locator(".pd-navbar")).to_be_hidden()
    expect(page.locator("[data-chart=collection] svg")).to_be_visible()
    screenshot(page, "dashboard-print-en")


@pytest.mark.parametrize("username", ["dash-boss", "dash-desk"])
def test_the_english_navigation_fits_a_1366_screen_with_the_rest_under_more(page_for, screenshot, world, username):
    # given: a supervisor (a dozen links) or the front desk, in English, at 1366 px
    page = page_for(locale="en-US", width=1366, height=768)
    log_in(page, username, PASSWORD)
    page.goto(page.base_url + ("/dashboard/" if username == "dash-boss" else "/"))

    # then: the bar is one row and its last box (the user's menu) ends inside the screen
    bar = page.locator(".pd-navbar").bounding_box()
    user_menu = page.locator(".pd-navbar .dropdown-toggle").last.bounding_box()
    assert bar["height"] < 80
    assert user_menu["x"] + user_menu["width"] <= 1366 - 12
    assert page.evaluate("document.documentElement.scrollWidth") == 1366
    more = page.locator(".pd-nav-more")
    if username == "dash-boss":
        # the links with no room are one click away
        more.get_by_role("button").click()
        expect(more.get_by_role("link", name="Admin")).to_be_visible()
        screenshot(page, "navigation-supervisor-en-1366")
    else:
        # the desk's routine (shift log, gate, incidents, activities) leaves no room either
        # for all of its links: the last ones are one click away too
        more.get_by_role("button").click()
        expect(more.locator(".dropdown-item").first).to_be_visible()
