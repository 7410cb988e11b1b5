"""Personal data in the browser (PIPL arts. 45, 47): an owner downloads their own data from
the account menu; a supervisor anonymises an owner who sold their unit. In Chinese and in
English."""

import datetime as dt
import re

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from owners import services as owner_services
from owners.models import Owner, OwnerAnonymisation
from tests.e2e.conftest import log_in
from tests.factories import PASSWORD, UnitFactory, UserFactory, give_unit, make_owner
from tests.pages.test_today import complaint, payment, sh

pytestmark = pytest.mark.e2e


@pytest.fixture
def estate(transactional_db):
    supervisor = UserFactory(username="boss", role="supervisor", first_name="芳", last_name="周")
    owner = make_owner(name="李娜", phone="13912345678")
    owner.user = UserFactory(username="lina")
    owner.save(update_fields=["user"])
    unit = UnitFactory(number="3-1-1203")
    give_unit(owner, unit)
    complaint(unit, "TS-20261101-0001", promised=sh(2026, 11, 19, 9, 0), owner=owner)
    payment(unit, "SJ-2026-000123", "256.40", by=None, at=sh(2026, 11, 1, 10, 0))
    neighbour = make_owner(name="王强", phone="13700001111")
    give_unit(neighbour, UnitFactory(number="3-1-1204"))

    seller = make_owner(name="赵敏", phone="13522223333")
    sold = UnitFactory(number="4-2-0303")
    give_unit(seller, sold, since=dt.date(2018, 1, 1))
    complaint(sold, "TS-20260501-0007", promised=sh(2026, 5, 2, 9, 0), owner=seller)
    owner_services.ownership_transfer(unit=sold, new_owners=[neighbour], transfer_date=dt.date(2026, 8, 1))
    return {"supervisor": supervisor, "owner": owner, "seller": seller}


@pytest.mark.parametrize("locale, lang", [("zh-CN", "zh-hans"), ("en-US", "en")])
def test_an_owner_downloads_their_data_from_the_account_menu(page_for, screenshot, estate, tmp_path, locale, lang):
    owner = estate["owner"]
    Owner.objects.filter(pk=owner.pk).update(language=lang)
    page = page_for(locale=locale)
    log_in(page, "lina", PASSWORD)
    expect(page).to_have_url(re.compile(r"/portal/$"))

    # the account menu offers "My data"
    page.locator("nav .dropdown-toggle").last.click()
    page.locator("#nav-my-data").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator("#my-data-download")).to_be_visible()
    expect(page.locator("#my-data-kinds li")).to_have_count(19)
    screenshot(page, f"pipl-my-data-{lang}")

    with page.expect_download() as info:
        page.locator("#my-data-download").click()
    saved = tmp_path / info.value.suggested_filename
    info.value.save_as(saved)
    book = load_workbook(saved)
    text = "\n".join(str(cell) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True)
                     for cell in row if cell is not None)
    assert "13912345678" in text and "TS-20261101-0001" in text and "SJ-2026-000123" in text
    assert "王强" not in text and "赵敏" not in text
    assert book.worksheets[0].title == ("业主" if lang == "zh-hans" else "owner")


@pytest.mark.parametrize("locale, lang", [("zh-CN", "zh"), ("en-US", "en")])
def test_a_supervisor_anonymises_an_owner_who_sold_their_unit(page_for, screenshot, estate, locale, lang):
    seller = estate["seller"]
    page = page_for(locale=locale)
    log_in(page, "boss", PASSWORD)
    page.goto(page.base_url + f"/owners/{seller.pk}/")
    card = page.locator("#anonymise")
    expect(card).to_be_visible()
    card.locator("input[name=reason]").fill("业主申请注销（已售房）" if lang == "zh" else "Sold the flat and asked")
    card.scroll_into_view_if_needed()
    screenshot(page, f"pipl-anonymise-form-{lang}")
    card.locator("button[type=submit]").click()
    page.wait_for_load_state("networkidle")

    expect(page.locator("#anonymised")).to_be_visible()
    expect(page.locator("h1")).to_contain_text(f"#{seller.pk}")
    assert "赵敏" not in page.content() and "3333" not in page.locator("main").inner_text()
    screenshot(page, f"pipl-anonymised-{lang}")
    assert OwnerAnonymisation.objects.get(owner=seller).anonymised_by == estate["supervisor"]

    # an owner who still owns a unit is refused, with the unit named
    page.goto(page.base_url + f"/owners/{estate['owner'].pk}/")
    expect(page.locator("#anonymise form")).to_have_count(0)
    expect(page.locator("#anonymise")).to_contain_text("只有已无房产" if lang == "zh" else "no longer owns")
