"""A list's .xlsx: what people typed stays text, phone and ID numbers stay masked, a long
list is prepared in the background for its reader alone, and is deleted after its
retention period."""

from __future__ import annotations

import datetime as dt
import tracemalloc
import zipfile
from decimal import Decimal
from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from complaints import services as complaints
from propertydesk import downloads, exports, pii
from propertydesk.jobs import get_job
from propertydesk.models import Download
from tests.factories import UnitFactory, UserFactory, give_unit, make_owner, resident_id

SH = ZoneInfo("Asia/Shanghai")
T0 = dt.datetime(2026, 11, 2, 9, 0, tzinfo=SH)
HOSTILE = '=HYPERLINK("http://x","y")'


def complaint(unit, desk, *, contact="住户", minutes=0):
    return complaints.complaint_register(unit=unit, contact_name=contact, channel="phone", category="noise",
                                         urgency="normal", description="楼上噪音", actor=desk,
                                         now=T0 + dt.timedelta(minutes=minutes))


def sheet_of(content: bytes):
    return load_workbook(BytesIO(content)).worksheets[0]


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_a_name_that_looks_like_a_formula_stays_text(client, desk_user):
    # given a complaint whose contact typed a formula as their name
    complaint(UnitFactory(number="1-1-101"), desk_user, contact=HOSTILE)
    client.force_login(desk_user)

    # when the desk downloads the queue
    response = client.get(reverse("export", args=["complaints"]))

    # then the name is a string cell marked as quoted text, and the file holds no formula at all
    content = body(response)
    cells = [row[14] for row in sheet_of(content).iter_rows(min_row=4)]
    assert [c.value for c in cells] == [HOSTILE]
    assert cells[0].data_type == "s" and cells[0].quotePrefix
    with zipfile.ZipFile(BytesIO(content)) as book:
        xml = "".join(book.read(n).decode() for n in book.namelist() if n.startswith("xl/worksheets/"))
    assert "<f>" not in xml and '<is><t>=HYPERLINK("http://x","y")</t></is>' in xml


def test_owners_phones_and_id_numbers_are_masked_as_the_list_masks_them(client, desk_user):
    # given an owner with a phone and an ID number
    owner = make_owner(name="李娜", phone="13912345678", id_number=resident_id(7))
    give_unit(owner, UnitFactory(number="3-1-1203"))
    client.force_login(desk_user)

    # when
    content = body(client.get(reverse("export", args=["owners"]), {"q": "李娜"}))

    # then the file shows what the page shows, and the numbers never whole
    row = next(sheet_of(content).iter_rows(min_row=4, values_only=True))
    assert row[:4] == ("李娜", "139****5678", pii.mask_id_number(resident_id(7)),
                       f"3-1-1203 {owner.ownerships.get().unit.estate.name}")
    with zipfile.ZipFile(BytesIO(content)) as book:
        xml = "".join(book.read(n).decode() for n in book.namelist())
    assert "13912345678" not in xml and resident_id(7) not in xml and resident_id(7)[6:14] not in xml


def test_a_list_nobody_may_see_is_refused_like_its_page(client, finance_user, desk_user):
    client.force_login(finance_user)
    assert client.get(reverse("export", args=["complaints"])).status_code == 403  # finance: no complaints
    assert client.get(reverse("export", args=["bills"])).status_code == 200
    client.force_login(desk_user)
    assert client.get(reverse("export", args=["nothing-by-this-name"])).status_code == 404


def test_a_list_longer_than_the_setting_is_asked_for_in_the_background(client, desk_user, settings):
    # given three complaints and a threshold of two rows
    settings.EXPORT_INLINE_ROWS = 2
    unit = UnitFactory(number="1-1-101")
    for minutes in range(3):
        complaint(unit, desk_user, minutes=minutes)
    client.force_login(desk_user)
    url = reverse("export", args=["complaints"]) + "?urgency=normal&page=2"

    # when the button is pressed: a page that says so, and offers to prepare the file
    with translation.override("en"):
        offer = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    # when the desk asks for it, twice (a double click)
    with time_machine.travel(T0, tick=False):
        first = client.post(url)
        second = client.post(url)

    # then one download, waiting, with the list's filters (not its page number), kept three days
    assert offer.status_code == 200 and "more than 2 rows" in offer.content.decode()
    assert first.status_code == second.status_code == 302 and first["Location"].startswith(reverse("downloads"))
    download = Download.objects.get()
    assert (download.user, download.export, download.query, download.status) == (
        desk_user, "complaints", "urgency=normal", "queued")
    assert download.expires_at == T0 + dt.timedelta(hours=72)
    assert download.filters == [["紧急程度", "一般"]]


def test_a_download_is_written_and_read_by_its_owner_alone(client, desk_user, settings):
    # given a download asked for by the desk
    unit = UnitFactory(number="1-1-101")
    for minutes in range(3):
        complaint(unit, desk_user, minutes=minutes)
    download = Download.objects.create(user=desk_user, export="complaints", query="", language="en",
                                       filename="complaints-20261102-0900.xlsx", requested_at=T0,
                                       expires_at=T0 + dt.timedelta(days=3))
    other = UserFactory(username="other-desk", role="front_desk")

    # when it is written (what the task does), and written again (the message delivered twice)
    summary = downloads.download_write(download_id=download.pk)
    again = downloads.download_write(download_id=download.pk)

    # then it is ready with its three rows, once
    download.refresh_from_db()
    assert summary.startswith(f"download {download.pk}: 3 rows") and "not waiting" in again
    assert (download.status, download.rows_done, download.rows_total, download.percent) == ("ready", 3, 3, 100)
    client.force_login(desk_user)
    page = client.get(reverse("downloads")).content.decode()
    assert reverse("download", args=[download.pk]) in page
    response = client.get(reverse("download", args=[download.pk]))
    assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment")
    assert len(list(sheet_of(body(response)).iter_rows(min_row=4))) == 3
    # and another member of the desk neither sees it nor fetches it
    client.force_login(other)
    assert reverse("download", args=[download.pk]) not in client.get(reverse("downloads")).content.decode()
    assert client.get(reverse("download", args=[download.pk])).status_code == 404
    assert client.get(reverse("downloads_progress")).json() == {"downloads": []}


def test_the_sweep_deletes_expired_downloads_and_closes_abandoned_ones(desk_user):
    # given one download past its retention, one kept, one whose worker went quiet
    def made(status, requested_at, **fields):
        row = Download(user=desk_user, export="complaints", language="en", status=status, filename="c.xlsx",
                       requested_at=requested_at, expires_at=requested_at + dt.timedelta(hours=72), **fields)
        if status == "ready":
            row.file.save("c.xlsx", ContentFile(b"PK"), save=False)
        row.save()
        return row

    expired = made("ready", T0 - dt.timedelta(days=4))
    kept = made("ready", T0 - dt.timedelta(days=1))
    quiet = made("running", T0 - dt.timedelta(hours=1), heartbeat_at=T0 - dt.timedelta(minutes=20))
    name = expired.file.name

    # when the daily job runs, twice
    job = get_job("propertydesk.downloads_sweep").function()
    first, second = job(as_of=T0), job(as_of=T0)

    # then the expired one is gone with its file, the quiet one failed, the rest kept
    assert first == "1 expired downloads removed, 1 abandoned ones closed"
    assert second == "0 expired downloads removed, 0 abandoned ones closed"
    assert not Download.objects.filter(pk=expired.pk).exists() and not default_storage.exists(name)
    assert default_storage.exists(kept.file.name)
    quiet.refresh_from_db()
    assert quiet.status == "failed" and "abandoned" in quiet.error


class ManyRows(exports.Rows):
    """``n`` rows of complaint-like cells, made as they are read."""

    filters = []

    def __init__(self, n):
        self.n = n

    def count(self, *, limit=None):
        return self.n

    def chunks(self, size=exports.CHUNK_ROWS):
        for start in range(0, self.n, size):
            yield [[f"TS2026-{i:07d}", T0, "翠湖花园", "3-1-1203", "噪音", "楼上每晚十点后有噪音", Decimal("12.50"), i]
                   for i in range(start, min(self.n, start + size))]


def test_the_writer_s_memory_does_not_grow_with_the_rows(tmp_path):
    export = exports.ListExport(name="many", title="Many", permission="", list_url="complaints:queue",
                                columns=tuple(exports.Column(str(i)) for i in range(8)), rows=None)

    def peak(n):
        tracemalloc.start()
        written = exports.write_list(tmp_path / f"{n}.xlsx", export, ManyRows(n), now=T0, size=500)
        _current, top = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert written == n
        return top

    small, large = peak(2_000), peak(10_000)
    # five times the rows (read and written 500 at a time), the same memory: a workbook held
    # whole would take about five times as much

    assert large < small * 1.3, (small, large)
    assert sum(1 for _row in load_workbook(tmp_path / "10000.xlsx", read_only=True).worksheets[0].iter_rows()) == 10_003


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1", "@SUM(A1)", "\t=1"])
def test_every_formula_start_is_text_in_a_streamed_sheet(tmp_path, text):
    export = exports.ListExport(name="t", title="T", permission="", list_url="complaints:queue",
                                columns=(exports.Column("Name"),), rows=None)

    class One(ManyRows):
        def chunks(self, size=exports.CHUNK_ROWS):
            yield [[text]]

    exports.write_list(tmp_path / "t.xlsx", export, One(1), now=T0)
    cell = load_workbook(tmp_path / "t.xlsx").worksheets[0]["A4"]
    assert (cell.value, cell.data_type, cell.quotePrefix) == (text, "s", True)


def test_a_download_is_refused_to_its_owner_once_the_list_is_no_longer_theirs(client, desk_user):
    # given a ready download of the complaints, then the desk's role taken away
    download = Download.objects.create(user=desk_user, export="complaints", query="", language="en",
                                       filename="c.xlsx", requested_at=T0, expires_at=T0 + dt.timedelta(days=3))
    downloads.download_write(download_id=download.pk)
    desk_user.groups.set(Group.objects.filter(name="finance"))
    client.force_login(desk_user)

    # when / then: the file is refused, as the list is
    assert client.get(reverse("download", args=[download.pk])).status_code == 403
    assert client.get(reverse("export", args=["complaints"])).status_code == 403
