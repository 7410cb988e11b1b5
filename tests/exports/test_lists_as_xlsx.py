"""Every list page downloads as .xlsx with its filters: the file holds exactly the rows the
page shows over all its pages, in its order (read from the demo estate, which has
records of every kind, many pages of them)."""

from __future__ import annotations

from io import BytesIO

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import load_workbook

from complaints.models import Complaint
from fees.models import Bill, Payment
from fees.selectors import aging_summary
from owners.models import Estate
from tests.factories import UserFactory

HEADER_ROWS = 3  # the caption, the filters, the column titles


def xlsx_rows(response) -> list[list]:
    assert response.status_code == 200, response.content[:300] if not response.streaming else response.status_code
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
    assert response["Content-Disposition"].startswith("attachment")
    book = load_workbook(BytesIO(b"".join(response.streaming_content)))
    return [list(row) for row in book.worksheets[0].iter_rows(min_row=HEADER_ROWS + 1, values_only=True)]


def every_page(client, url: str, query: dict) -> list:
    """The records a list shows, page after page, in order."""
    records, number = [], 1
    while True:
        response = client.get(url, {**query, "page": number})
        assert response.status_code == 200
        page = response.context["page"]
        records += list(page.object_list)
        if not page.has_next():
            return records
        number += 1


def _callback_key(c):
    source = c.complaint or c.work_order
    return (source.number if source else (c.activity.title if c.activity_id else ""), c.due_on)


# (list, the page's URL name, filters, the record's key on the page, the key in the file's row)
LISTS = [
    ("complaints", "complaints:queue", {}, lambda c: c.number, lambda r: r[0]),
    ("complaints", "complaints:queue", {"status": "open"}, lambda c: c.number, lambda r: r[0]),
    ("complaints", "complaints:queue", {"status": "closed", "urgency": "normal"}, lambda c: c.number,
     lambda r: r[0]),
    ("suggestions", "complaints:suggestions", {}, lambda s: s.number, lambda r: r[0]),
    ("suggestions", "complaints:suggestions", {"status": "adopted"}, lambda s: s.number, lambda r: r[0]),
    ("work-orders", "repairs:queue", {}, lambda o: o.number, lambda r: r[0]),
    ("work-orders", "repairs:queue", {"status": "all"}, lambda o: o.number, lambda r: r[0]),
    ("work-orders", "repairs:queue", {"status": "all", "kind": "special_service"}, lambda o: o.number, lambda r: r[0]),
    ("callbacks", "callbacks:queue", {}, _callback_key, lambda r: (r[3], r[9].date())),
    ("callbacks", "callbacks:queue", {"status": "all"}, _callback_key, lambda r: (r[3], r[9].date())),
    ("callbacks", "callbacks:queue", {"bucket": "week"}, _callback_key, lambda r: (r[3], r[9].date())),
    ("owners", "owners:list", {"special_needs": "1"}, lambda o: o.name, lambda r: r[0]),
    ("arrears", "fees:arrears", {}, lambda line: line.row.unit_number, lambda r: r[0]),
]


@pytest.mark.parametrize("name, page, query, on_page, in_file", LISTS,
                         ids=[f"{name} {query}" for name, _p, query, _a, _b in LISTS])
def test_the_file_holds_the_rows_of_every_page_in_their_order(demo_seeded, db, client, settings, name, page, query,
                                                               on_page, in_file):
    # given a supervisor, and no cap on what a queue counts and pages
    settings.QUEUE_COUNT_CAP = 1_000_000
    settings.EXPORT_INLINE_ROWS = 1_000_000
    client.force_login(UserFactory(username="sheet-boss", role="supervisor"))
    with time_machine.travel(timezone.now(), tick=False):
        # when the page is read to its end, and the list downloaded with the same filters
        shown = [on_page(record) for record in every_page(client, reverse(page), query)]
        rows = xlsx_rows(client.get(reverse("export", args=[name]), query))

    # then the same rows in the same order, and not a trivial list
    assert [in_file(row) for row in rows] == shown
    assert len(shown) >= 3


def test_bills_of_a_month_by_estate_and_status(demo_seeded, db, client):
    # given
    client.force_login(UserFactory(username="sheet-fin", role="finance"))
    period = Bill.objects.order_by("-period").values_list("period", flat=True).first()
    estate = Estate.objects.order_by("pk").first()
    query = {"period": f"{period:%Y-%m}", "estate": estate.pk, "status": "paid"}

    # when
    shown = [bill.number for bill in every_page(client, reverse("fees:bills"), query)]
    rows = xlsx_rows(client.get(reverse("export", args=["bills"]), query))

    # then
    expected = list(Bill.objects.filter(period=period, estate=estate, status="paid").order_by("number")
                    .values_list("number", flat=True))
    assert [row[0] for row in rows] == shown == expected and len(expected) > 50
    assert all(row[6] == row[7] and row[8] == 0 for row in rows)  # receivable = paid, nothing owing


def test_a_days_payments_are_the_takings_of_the_day(demo_seeded, db, client):
    # given the busiest day of payments
    client.force_login(UserFactory(username="sheet-desk", role="front_desk"))
    day = max({timezone.localdate(p) for p in Payment.objects.values_list("received_at", flat=True)},
              key=lambda d: Payment.objects.filter(received_at__date=d).count())
    query = {"day": f"{day:%Y-%m-%d}"}

    # when
    takings = client.get(reverse("fees:takings"), query).context["takings"]
    rows = xlsx_rows(client.get(reverse("export", args=["payments"]), query))

    # then every payment of the day once, the kept ones adding up to the day's takings
    kept = [row for row in rows if row[8] is None]
    assert len(kept) == sum(r["count"] for r in takings["by_method"])
    assert sum(row[6] for row in kept) == pytest.approx(float(takings["total"]))
    assert len(rows) - len(kept) == len(takings["reversed"])
    assert [row[1] for row in rows] == sorted(row[1] for row in rows)


def test_the_renovation_board_in_the_file_state_by_state(demo_seeded, db, client):
    client.force_login(UserFactory(username="sheet-reno", role="front_desk"))
    columns = client.get(reverse("renovation:board")).context["columns"]
    rows = xlsx_rows(client.get(reverse("export", args=["renovations"])))
    assert all(column.count == len(column.renovations) for column in columns)  # the board shows them all here
    assert [row[0] for row in rows] == [r.number for column in columns for r in column.renovations]
    assert len(rows) >= 3


def test_the_file_names_its_filters_in_the_readers_language(demo_seeded, db, client):
    client.force_login(UserFactory(username="sheet-en", role="front_desk"))
    with translation.override("en"):
        response = client.get(reverse("export", args=["complaints"]), {"status": "open", "urgency": "urgent"},
                              HTTP_ACCEPT_LANGUAGE="en")
    book = load_workbook(BytesIO(b"".join(response.streaming_content)))
    sheet = book.worksheets[0]
    assert sheet.title == "Complaints"
    assert sheet["A2"].value == "Filters: Status: Open · Urgency: Urgent"
    assert [c.value for c in sheet[3]][:3] == ["Number", "Received at", "Estate"]
    rows = list(sheet.iter_rows(min_row=4, values_only=True))
    assert rows and all(row[6] == "Urgent" for row in rows)
    assert len(rows) == Complaint.objects.filter(urgency="urgent", status__in=["received", "assigned",
                                                                             "in_progress"]).count()


def test_arrears_of_a_bucket(demo_seeded, db, client):
    client.force_login(UserFactory(username="sheet-arrears", role="finance"))
    today = timezone.localdate()
    bucket = next(row for row in aging_summary(as_of=today) if row["units"])
    rows = xlsx_rows(client.get(reverse("export", args=["arrears"]), {"bucket": bucket["bucket"]}))
    assert len(rows) == bucket["units"]
    assert sum(row[6] for row in rows) == pytest.approx(float(bucket["owed"]))


def test_each_files_moment_is_named_in_chinese_as_its_page_names_it(demo_seeded, db, client):
    # a complaint is received (受理) at the desk; a payment is received (收款) at the till
    client.force_login(UserFactory(username="sheet-zh", role="front_desk"))
    day = timezone.localdate(Payment.objects.order_by("-received_at").values_list("received_at", flat=True)[0])
    headers = {}
    for name, query in (("complaints", {}), ("payments", {"day": f"{day:%Y-%m-%d}"})):
        with translation.override("zh-hans"):
            response = client.get(reverse("export", args=[name]), query, HTTP_ACCEPT_LANGUAGE="zh-hans")
        sheet = load_workbook(BytesIO(b"".join(response.streaming_content))).worksheets[0]
        headers[name] = [c.value for c in sheet[3]]
    assert "受理时间" in headers["complaints"] and "收款时间" not in headers["complaints"]
    assert "收款时间" in headers["payments"] and "受理时间" not in headers["payments"]
