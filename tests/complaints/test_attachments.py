"""Complaint photos through the real pages, with DEBUG off as in production: only
pictures and clean PDFs get in, stored under names nobody can guess, and only the desk
and the complaint's own owner can read them back."""

import io
import re
from pathlib import Path

import pytest
from django.urls import reverse
from PIL import Image

from complaints.models import Complaint, ComplaintAttachment
from tests import uploads as u
from tests.factories import UnitFactory, UserFactory, give_unit, make_owner


@pytest.fixture(autouse=True)
def production(settings, tmp_path):
    settings.DEBUG = False
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def owners(db, owner_with_unit):
    mine, unit = owner_with_unit
    theirs = make_owner(name="王强", phone="13700001111")
    give_unit(theirs, UnitFactory(number="3-1-1204"))
    theirs.user = UserFactory(username="wangqiang")
    theirs.save(update_fields=["user"])
    return {"owner": mine, "unit": unit, "other": theirs}


def stored_files(media_root: Path) -> list[Path]:
    return [p for p in media_root.rglob("*") if p.is_file()] if media_root.exists() else []


def portal_complaint(client, owners, *files):
    client.force_login(owners["owner"].user)
    return client.post(reverse("complaints:portal_create"), {
        "unit": owners["unit"].pk, "category": "repair", "urgency": "normal",
        "description": "卫生间天花板漏水", "attachments": list(files),
    })


@pytest.fixture
def photo(client, owners):
    response = portal_complaint(client, owners, u.upload("IMG_0001.JPG", u.jpeg_with_gps(), "image/jpeg"))
    assert response.status_code == 302
    client.logout()
    attachment = ComplaintAttachment.objects.get()
    return attachment, reverse("complaints:attachment", args=[attachment.complaint_id, attachment.pk])


def test_owner_photo_is_stored_upright_under_an_unguessable_name_without_its_location(photo, production):
    attachment, _url = photo
    assert re.fullmatch(r"complaints/\d{4}/\d{2}/[0-9a-f]{32}\.jpg", attachment.file.name)
    assert attachment.complaint.number not in attachment.file.name
    assert (attachment.content_type, attachment.original_name) == ("image/jpeg", "IMG_0001.jpg")
    stored = Image.open(production / attachment.file.name)
    assert stored.size == (20, 40) and not stored.getexif()


@pytest.mark.parametrize("name, content", [
    ("page.html", u.HTML),
    ("logo.svg", u.SVG_WITH_SCRIPT),
    ("photo.jpg", u.HTML),
    ("invoice.pdf", u.pdf_with_javascript()),
])
def test_hostile_file_is_refused_on_the_portal_with_the_field_named_and_nothing_saved(
        client, owners, production, name, content):
    # given a good photo and one hostile file in the same form
    good = u.upload("ok.jpg", u.jpeg_with_gps(), "image/jpeg")

    response = portal_complaint(client, owners, good, u.upload(name, content, "image/jpeg"))

    assert response.status_code == 400
    errors = response.context["form"].errors
    assert list(errors) == ["attachments"]
    assert name in errors["attachments"][0]
    assert not Complaint.objects.exists() and not ComplaintAttachment.objects.exists()
    assert stored_files(production) == []


def test_desk_intake_takes_a_clean_pdf_and_refuses_a_scripted_one(client, desk_user, owners, production):
    client.force_login(desk_user)
    form = {"estate": owners["unit"].estate_id, "unit_number": owners["unit"].number, "from_owner": "on",
            "channel": "phone", "category": "repair", "urgency": "normal", "description": "漏水"}

    refused = client.post(reverse("complaints:intake"), {**form, "attachments": [
        u.upload("letter.pdf", u.pdf_with_javascript(), "application/pdf")]})
    assert refused.status_code == 400 and "letter.pdf" in refused.context["form"].errors["attachments"][0]
    assert not Complaint.objects.exists() and stored_files(production) == []

    taken = client.post(reverse("complaints:intake"), {**form, "attachments": [
        u.upload("letter.pdf", u.clean_pdf(), "application/pdf")]})
    assert taken.status_code == 302
    attachment = ComplaintAttachment.objects.get()
    response = client.get(reverse("complaints:attachment", args=[attachment.complaint_id, attachment.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="letter.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == u.clean_pdf()


def test_desk_and_the_owner_read_the_photo_inline(client, photo, owners, desk_user, supervisor_user):
    attachment, url = photo
    for reader in (desk_user, supervisor_user, owners["owner"].user):
        client.force_login(reader)
        response = client.get(url)
        assert response.status_code == 200, reader.username
        assert response["Content-Type"] == "image/jpeg"
        assert response["Content-Disposition"] == 'inline; filename="IMG_0001.jpg"'
        assert response["X-Content-Type-Options"] == "nosniff"
        assert "private" in response["Cache-Control"] and "public" not in response["Cache-Control"]
        assert Image.open(io.BytesIO(b"".join(response.streaming_content))).format == "JPEG"


def test_nobody_else_reads_the_photo(client, photo, owners, engineer_user, finance_user):
    attachment, url = photo

    anonymous = client.get(url)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith(reverse("login"))

    client.force_login(owners["other"].user)
    assert client.get(url).status_code == 404

    client.force_login(engineer_user)  # the complaint is not engineering's
    assert client.get(url).status_code == 404

    client.force_login(finance_user)  # no complaint access at all
    assert client.get(url).status_code in (403, 404)

    client.force_login(UserFactory(username="nobody"))  # a login that is neither staff nor owner
    assert client.get(url).status_code == 403


def test_a_file_is_read_only_under_its_own_complaint(client, photo, owners, desk_user):
    attachment, _url = photo
    other = Complaint.objects.create(
        number="X-1", estate=attachment.complaint.estate, unit=attachment.complaint.unit,
        channel="phone", category="noise", urgency="normal", description="x",
        received_at=attachment.uploaded_at, promised_at=attachment.uploaded_at)
    client.force_login(desk_user)
    assert client.get(reverse("complaints:attachment", args=[other.pk, attachment.pk])).status_code == 404


def test_pages_link_to_the_checked_view_and_media_is_not_served(client, photo, owners, desk_user):
    attachment, url = photo
    complaint = attachment.complaint

    client.force_login(desk_user)
    desk_page = client.get(reverse("complaints:detail", args=[complaint.pk])).content.decode()
    assert f'src="{url}"' in desk_page and "/media/" not in desk_page
    # not even the desk reaches a file by its storage path
    assert client.get(f"/media/{attachment.file.name}").status_code == 404

    client.force_login(owners["owner"].user)
    portal_page = client.get(reverse("complaints:portal_detail", args=[complaint.pk])).content.decode()
    assert f'src="{url}"' in portal_page and "/media/" not in portal_page

    client.logout()
    assert client.get(f"/media/{attachment.file.name}").status_code == 404


def test_file_stored_before_the_checks_is_still_served_but_only_as_a_download(client, photo, desk_user, production):
    # given a row from before: its old guessable name, no recorded type, HTML inside
    attachment, _url = photo
    old_name = f"complaints/{attachment.complaint.number}/page.html"
    (production / old_name).parent.mkdir(parents=True)
    (production / old_name).write_bytes(u.HTML)
    legacy = ComplaintAttachment.objects.create(complaint=attachment.complaint, file=old_name,
                                                uploaded_at=attachment.uploaded_at)

    client.force_login(desk_user)
    response = client.get(reverse("complaints:attachment", args=[legacy.complaint_id, legacy.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"] == 'attachment; filename="page.html"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert client.get(f"/media/{old_name}").status_code == 404


def test_accel_redirect_keeps_the_check(client, photo, owners, settings):
    settings.FILES_ACCEL_REDIRECT_PREFIX = "/protected-files/"
    attachment, url = photo

    client.force_login(owners["owner"].user)
    response = client.get(url)
    assert response.status_code == 200
    assert response["X-Accel-Redirect"] == f"/protected-files/{attachment.file.name}"

    client.force_login(owners["other"].user)
    response = client.get(url)
    assert response.status_code == 404 and "X-Accel-Redirect" not in response


def test_refusal_is_in_the_owners_language(client, owners):
    owner = owners["owner"]
    client.force_login(owner.user)
    for language, words in (("zh-hans", "既不是照片也不是 PDF"), ("en", "is neither a photo nor a PDF")):
        owner.language = language
        owner.save(update_fields=["language"])
        response = client.post(reverse("complaints:portal_create"), {
            "unit": owners["unit"].pk, "category": "repair", "urgency": "normal", "description": "漏水",
            "attachments": [u.upload("page.html", u.HTML, "text/html")],
        })
        assert words in response.context["form"].errors["attachments"][0]


def test_at_most_ten_files_per_complaint(client, owners, production):
    photos = [u.upload(f"p{i}.png", u.png(size=(4, 4)), "image/png") for i in range(11)]
    response = portal_complaint(client, owners, *photos)
    assert response.status_code == 400 and list(response.context["form"].errors) == ["attachments"]
    assert not Complaint.objects.exists() and stored_files(production) == []
