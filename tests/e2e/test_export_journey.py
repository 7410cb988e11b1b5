"""Lists as spreadsheets, in the browser: a short list downloads at once from its button;
a long one is prepared in the background, followed on "My downloads" as it is written,
then downloaded there. In Chinese and in English."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from complaints import services as complaints
from propertydesk import downloads
from propertydesk.models import Download
from tests.e2e.conftest import log_in
from tests.factories import PASSWORD, UnitFactory, UserFactory, give_unit, make_owner

pytestmark = pytest.mark.e2e

T0 = dt.datetime(2026, 11, 2, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def desk(transactional_db, settings, monkeypatch):
    """The front desk, three complaints, two owners; lists of more than two rows are
    prepared in the background (by the test here, standing in for the worker)."""
    settings.EXPORT_INLINE_ROWS = 2
    monkeypatch.setattr(downloads, "enqueue", lambda download_id: None)
    user = UserFactory(username="desk", role="front_desk", first_name="丽华", last_name="陈")
    unit = UnitFactory(number="3-1-1203")
    for minutes in range(3):
        complaints.complaint_register(unit=unit, contact_name="李娜", channel="phone", category="noise",
                                      urgency="normal", description="楼上噪音", actor=user,
                                      now=T0 + dt.timedelta(minutes=minutes))
    for name, phone in (("李娜", "13912345678"), ("王强", "13800001111")):
        give_unit(make_owner(name=name, phone=phone), UnitFactory())
    return user


@pytest.mark.parametrize("locale, lang", [("zh-CN", "zh"), ("en-US", "en")])
def test_a_long_list_is_prepared_followed_and_downloaded(page_for, screenshot, desk, tmp_path, locale, lang):
    page = page_for(locale=locale)
    log_in(page, "desk", PASSWORD)

    # given the open complaints, filtered: the button carries the filters
    page.goto(page.base_url + "/complaints/?status=open&urgency=normal")
    button = page.locator("a[data-export=complaints]")
    expect(button).to_be_visible()
    assert "status=open" in button.get_attribute("href") and "urgency=normal" in button.get_attribute("href")
    screenshot(page, f"export-complaint-queue-button-{lang}")

    # when the list is longer than is written at once: the page offers to prepare it
    button.click()
    page.wait_for_load_state("networkidle")
    expect(page.locator("#export-confirm")).to_be_visible()
    screenshot(page, f"export-prepare-{lang}")
    page.locator("#export-confirm button[type=submit]").click()
    page.wait_for_load_state("networkidle")

    # then "My downloads" lists it, waiting; as the worker writes, the bar moves on its own
    download = Download.objects.get(user=desk)
    row = page.locator(f"tr[data-download='{download.pk}']")
    expect(row).to_be_visible()
    Download.objects.filter(pk=download.pk).update(status="running", rows_total=3000, rows_done=1200)
    expect(row.locator(".progress-bar")).to_have_text("40%", timeout=10_000)
    screenshot(page, f"export-my-downloads-running-{lang}")

    # when it is written, the page offers the file, and the file has the three open complaints
    Download.objects.filter(pk=download.pk).update(status="queued", rows_done=0)
    downloads.download_write(download_id=download.pk)
    link = row.locator(f"a[href='/downloads/{download.pk}/']")
    expect(link).to_be_visible(timeout=10_000)
    screenshot(page, f"export-my-downloads-ready-{lang}")
    with page.expect_download() as info:
        link.click()
    saved = tmp_path / info.value.suggested_filename
    info.value.save_as(saved)
    assert saved.suffix == ".xlsx"
    sheet = load_workbook(saved).worksheets[0]
    assert len(list(sheet.iter_rows(min_row=4))) == 3


def test_a_short_list_downloads_at_once(page_for, desk, tmp_path):
    page = page_for(locale="en-US")
    log_in(page, "desk", PASSWORD)
    page.goto(page.base_url + "/owners/?q=李")
    with page.expect_download() as info:
        page.locator("a[data-export=owners]").click()
    saved = tmp_path / "owners.xlsx"
    info.value.save_as(saved)
    rows = list(load_workbook(saved).worksheets[0].iter_rows(min_row=4, values_only=True))
    assert [row[:2] for row in rows] == [("李娜", "139****5678")]
