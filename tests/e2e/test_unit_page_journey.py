"""The unit's page and the owner's page on the demo estate (issue 18, "One unit, one page"),
in Chinese and in English: the desk finds the demo owner's unit by its room number, opens
the row's menu of actions, then the unit's page (what is open first, the history below, the
actions) and the owner's page. Screenshots of each, in both languages."""

import pytest
from django.db.models import Count, Q
from playwright.sync_api import expect

from complaints.models import OPEN_STATUSES
from demo.context import DEMO_PASSWORD
from owners.models import Owner
from owners.selectors import owned_units
from tests.e2e.conftest import log_in

pytestmark = pytest.mark.e2e


def test_the_desk_sees_the_demo_owners_unit_and_owner_pages_in_both_languages(demo_page_for, screenshot):
    owner = Owner.objects.get(user__username="owner")
    # the demo owner's unit with the most open complaints
    unit = (owned_units(owner=owner).annotate(open=Count("complaints", filter=Q(complaints__status__in=OPEN_STATUSES)))
            .order_by("-open", "number").first())

    for locale, language in (("zh-CN", "zh"), ("en-US", "en")):
        page = demo_page_for(locale=locale, width=1366, height=900)
        log_in(page, "desk", DEMO_PASSWORD)
        if language == "en":
            page.locator("form[action$='/i18n/setlang/'] button[value=en]").first.click()
            page.wait_for_load_state("networkidle")

        # the desk search: each row offers the main actions
        page.goto(page.base_url + f"/desk/?q={unit.number}")
        row = page.locator("tr", has=page.get_by_role("link", name=unit.number, exact=True)).first
        expect(row.locator("[data-action=complaint]")).to_be_visible()
        row.locator(".dropdown-toggle").click()
        expect(row.locator(".dropdown-menu [data-action=payment]")).to_be_visible()
        screenshot(page, f"desk-search-actions-{language}")

        # the unit's page: open first, the history below, the actions on top
        page.goto(page.base_url + f"/owners/units/{unit.pk}/")
        actions = page.locator(f"#unit-actions-{unit.pk}")
        for action in ("complaint", "work-order", "payment", "renovation", "visitor", "item-pass"):
            expect(actions.locator(f"[data-action={action}]")).to_be_visible()
        expect(page.locator("#open-now")).to_be_visible()
        expect(page.locator("#block-owed [data-figure=owed]")).to_contain_text("¥")
        assert page.evaluate("document.getElementById('open-now').getBoundingClientRect().top") < page.evaluate(
            "document.getElementById('history').getBoundingClientRect().top")
        screenshot(page, f"unit-page-{language}")

        # the owner's page
        page.goto(page.base_url + f"/owners/{owner.pk}/")
        expect(page.locator("#open-now")).to_be_visible()
        expect(page.locator(f"#unit-actions-{unit.pk}").or_(page.locator("[data-action=payment]").first)).to_be_attached()
        screenshot(page, f"owner-page-{language}")
        page.context.close()
