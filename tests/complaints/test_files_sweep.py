"""A photo whose complaint never committed stays on disk with no row; the daily files
sweep removes it once it is a day old, and never a file a record names."""

import os
from datetime import timedelta

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from complaints.models import ComplaintAttachment
from propertydesk.jobs import get_job
from tests import uploads as u
from tests.complaints.test_attachments import owners, portal_complaint  # noqa: F401  (fixtures)


def _age(name: str, hours: float) -> None:
    moment = (timezone.now() - timedelta(hours=hours)).timestamp()
    os.utime(default_storage.path(name), (moment, moment))


def test_the_sweep_removes_day_old_files_no_record_names_and_keeps_the_rest(client, owners, settings, tmp_path):  # noqa: F811
    settings.MEDIA_ROOT = tmp_path / "media"
    # given: an owner's photo on a complaint, written two days ago
    response = portal_complaint(client, owners, u.upload("IMG_0001.JPG", u.jpeg_with_gps(), "image/jpeg"))
    assert response.status_code == 302
    kept = ComplaintAttachment.objects.get().file.name
    _age(kept, 48)
    # and: two files nobody names (what a rolled-back upload leaves): one two days old, one an hour
    old = default_storage.save("complaints/2026/11/0f0e0d0c0b0a09080706050403020100.jpg", ContentFile(u.jpeg_with_gps()))
    fresh = default_storage.save("complaints/2026/12/00112233445566778899aabbccddeeff.jpg", ContentFile(u.jpeg_with_gps()))
    _age(old, 48)
    _age(fresh, 1)

    # when: the daily sweep runs
    summary = get_job("propertydesk.files_sweep").function()(as_of=timezone.now())

    # then: only the old file nobody names is gone; the photo is still served
    assert summary == "1 of 3 stored files named by no record removed"
    assert not default_storage.exists(old)
    assert default_storage.exists(fresh) and default_storage.exists(kept)


def test_the_sweep_with_nothing_ever_uploaded_says_so(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "never-made"
    assert get_job("propertydesk.files_sweep").function()(as_of=timezone.now()) == "no stored files"
