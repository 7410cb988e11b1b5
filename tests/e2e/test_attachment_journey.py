"""A photo on a complaint, in a browser, with DEBUG off (the live server runs as production
does): the owner's page refuses an HTML file dressed as a photo and takes a real one;
the photo shows on the owner's complaint and on the desk's, and nobody else can fetch it."""

import re

import pytest
from playwright.sync_api import expect

from complaints.models import Complaint, ComplaintAttachment
from tests.e2e.conftest import log_in
from tests.factories import PASSWORD, UnitFactory, UserFactory, give_unit, make_owner
from tests.uploads import HTML, jpeg_with_gps

pytestmark = pytest.mark.e2e


@pytest.fixture
def estate(transactional_db):
    UserFactory(username="desk", role="front_desk")
    UserFactory(username="fin", role="finance")
    owner = make_owner(name="李娜", phone="13912345678")
    unit = UnitFactory(number="3-1-1203")
    give_unit(owner, unit)
    owner.user = UserFactory(username="lina")
    owner.save(update_fields=["user"])
    other = make_owner(name="王强", phone="13800000001")
    give_unit(other, UnitFactory(number="5-2-0801", building=unit.building))
    other.user = UserFactory(username="wang")
    other.save(update_fields=["user"])
    return {"owner": owner, "unit": unit}


def _image_loaded(page, selector: str) -> bool:
    """The picture has arrived: scrolled to (a thumbnail below the fold loads lazily) and
    given its time to come, then read as an image of its own size (an error page is not)."""
    image = page.locator(selector).first
    image.scroll_into_view_if_needed()
    image.evaluate("img => img.complete || new Promise(done => { img.onload = img.onerror = done; })")
    return image.evaluate("img => img.complete && img.naturalWidth > 0")


def test_owner_attaches_a_photo_the_desk_sees_it_and_nobody_else_can_fetch_it(page_for, screenshot, estate, settings):
    assert settings.DEBUG is False

    # given: the owner on the portal's complaint form, on a phone
    owner = page_for(locale="zh-CN", width=390, height=844)
    log_in(owner, "lina", PASSWORD)
    owner.goto(owner.base_url + "/complaints/portal/new/")
    owner.select_option("select[name=unit]", str(estate["unit"].pk))
    owner.select_option("select[name=category]", "repair")
    owner.fill("textarea[name=description]", "卫生间天花板渗水，照片见附件")

    # when: the file is a web page renamed to look like a photo
    owner.set_input_files("input[name=attachments]", files=[
        {"name": "漏水.jpg", "mimeType": "image/jpeg", "buffer": HTML}])
    owner.locator("form[enctype] button[type=submit]").click()
    owner.wait_for_load_state("networkidle")

    # then: refused on the field, nothing recorded
    expect(owner.locator("#id_attachments_error, #error_1_id_attachments, .invalid-feedback").filter(
        has_text="漏水.jpg").first).to_be_visible()
    assert not Complaint.objects.exists()
    screenshot(owner, "complaint-portal-file-refused-zh")

    # when: a real photo instead (the description is still there)
    expect(owner.locator("textarea[name=description]")).to_have_value("卫生间天花板渗水，照片见附件")
    owner.set_input_files("input[name=attachments]", files=[
        {"name": "漏水.jpg", "mimeType": "image/jpeg", "buffer": jpeg_with_gps(size=(640, 480))}])
    owner.locator("form[enctype] button[type=submit]").click()
    owner.wait_for_load_state("networkidle")

    # then: the complaint shows the photo, served through its checked view
    complaint = Complaint.objects.get()
    attachment = ComplaintAttachment.objects.get()
    file_url = f"/complaints/{complaint.pk}/files/{attachment.pk}/"
    expect(owner).to_have_url(re.compile(rf"/complaints/portal/{complaint.pk}/$"))
    img = f"img[src='{file_url}']"
    owner.locator(img).first.scroll_into_view_if_needed()
    expect(owner.locator(img).first).to_be_visible()
    assert _image_loaded(owner, img)
    assert "PhoneMaker" not in attachment.file.open("rb").read().decode("latin-1")  # EXIF gone
    screenshot(owner, "complaint-portal-photo-zh")

    # and: the desk sees it on the complaint, in English
    desk = page_for(locale="en-US")
    log_in(desk, "desk", PASSWORD)
    desk.goto(desk.base_url + f"/complaints/{complaint.pk}/")
    expect(desk.locator(img).first).to_be_visible()
    assert _image_loaded(desk, img)
    screenshot(desk, "complaint-desk-photo-en")

    # but: another owner, finance and a visitor who is not signed in cannot fetch it
    for username, refused in (("wang", 404), ("fin", 403)):
        other = page_for(locale="zh-CN")
        log_in(other, username, PASSWORD)
        response = other.request.get(other.base_url + file_url, max_redirects=0)
        assert response.status == refused, username
    anonymous = page_for(locale="zh-CN")
    response = anonymous.request.get(anonymous.base_url + file_url, max_redirects=0)
    assert response.status == 302 and "/accounts/login/" in response.headers["location"]
    # and: the photo's bytes went out with their own type and no sniffing
    response = owner.request.get(owner.base_url + file_url)
    assert response.status == 200 and response.headers["content-type"] == "image/jpeg"
    assert response.headers["x-content-type-options"] == "nosniff"
