"""A list too long to write at once, end to end: the desk asks for it, a real Celery worker
on Redis writes it into the file storage, it lands on the desk's "My downloads", and
nobody else can fetch it."""

from __future__ import annotations

import datetime as dt
import time
import uuid
from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
from celery import current_app
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from complaints import services as complaints
from propertydesk.models import Download
from tests.conftest import start_worker, stop_worker
from tests.factories import UnitFactory, UserFactory

T0 = dt.datetime(2026, 11, 2, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def export_worker(redis_url, transactional_db, settings, monkeypatch):
    """A real worker on a queue of its own, sharing this test's file storage; the tasks
    this process sends go to that queue."""
    queue = f"test-{uuid.uuid4().hex[:8]}"
    proc = start_worker(redis_url, queue, MEDIA_ROOT=str(settings.MEDIA_ROOT))
    monkeypatch.setitem(current_app.conf, "task_default_queue", queue)
    try:
        yield proc
    finally:
        stop_worker(proc)


@pytest.mark.celery_worker
def test_a_long_list_is_written_by_a_worker_and_lands_in_my_downloads(export_worker, settings):
    # given 30 complaints and lists of more than 10 rows prepared in the background
    settings.EXPORT_INLINE_ROWS = 10
    desk = UserFactory(username="w-desk", role="front_desk")
    unit = UnitFactory(number="2-1-201")
    numbers = [complaints.complaint_register(unit=unit, contact_name="住户", channel="phone", category="noise",
                                             urgency="normal", description="噪音", actor=desk,
                                             now=T0 + dt.timedelta(minutes=i)).number for i in range(30)]
    client = Client()
    client.force_login(desk)

    # when the desk presses the list's button, then asks for the file
    url = reverse("export", args=["complaints"]) + "?status=open"
    assert client.get(url).status_code == 200
    assert client.post(url).status_code == 302

    # then a worker writes it, and "My downloads" offers it
    deadline = time.monotonic() + 90
    download = Download.objects.get()
    while time.monotonic() < deadline and download.status in Download.UNFINISHED:
        if export_worker.poll() is not None:
            pytest.fail(f"worker exited early:\n{export_worker.stdout.read()}")
        time.sleep(0.3)
        download.refresh_from_db()
    assert download.status == "ready", download.error
    assert (download.rows_done, download.rows_total) == (30, 30)
    page = client.get(reverse("downloads")).content.decode()
    assert reverse("download", args=[download.pk]) in page
    response = client.get(reverse("download", args=[download.pk]))
    rows = list(load_workbook(BytesIO(b"".join(response.streaming_content))).worksheets[0]
                .iter_rows(min_row=4, values_only=True))
    assert [row[0] for row in rows] == sorted(numbers)  # the open ones, the nearest promise first

    # and another member of the desk cannot fetch it
    other = Client()
    other.force_login(UserFactory(username="w-other", role="front_desk"))
    assert other.get(reverse("download", args=[download.pk])).status_code == 404
