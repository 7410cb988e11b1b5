"""Every big API list pages by keyset: ``next`` continues where the page stopped, with no
row twice and none left out, in any ordering the list offers (ties included), and a
page of 50 costs the queries a page of 5 does."""

from datetime import date
from io import StringIO
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from callbacks.models import Callback
from complaints.models import Complaint
from fees.models import Bill, DunningNotice, Payment
from owners.models import Owner, Unit
from repairs.models import WorkOrder
from tests.factories import UserFactory

SCALE = 0.0005  # 50 units, 60 owners, 500 complaints and work orders, 600 bills

LISTS = {
    "complaints": Complaint,
    "work-orders": WorkOrder,
    "callbacks": Callback,
    "bills": Bill,
    "payments": Payment,
    "dunning-notices": DunningNotice,
    "units": Unit,
    "owners": Owner,
}


@pytest.fixture(scope="module")
def scaled(django_db_setup, django_db_blocker):
    """seed_scale once for the module, rolled back after its last test."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            call_command("seed_scale", scale=SCALE, as_of=date(2026, 11, 20), seed=7, stdout=StringIO())
            yield
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def boss(scaled, db, client):
    client.force_login(UserFactory(username="api_pages_boss", is_superuser=True))
    return client


def path_of(link):
    parts = urlsplit(link)
    return f"{parts.path}?{parts.query}"


def walk(client, url, params):
    """Every page from the first by ``next``: the rows in order and the pages' bodies."""
    body = client.get(url, params).json()
    pages, rows = [body], list(body["results"])
    while body["next"]:
        body = client.get(path_of(body["next"])).json()
        pages.append(body)
        rows.extend(body["results"])
    return rows, pages


@pytest.mark.parametrize("name", LISTS)
def test_next_walks_every_row_once_newest_first_and_previous_goes_back(boss, name):
    model = LISTS[name]
    url = f"/api/v1/{name}/"

    size = max(3, model.objects.count() // 5 + 1)  # five pages, the last one short

    rows, pages = walk(boss, url, {"page_size": size})

    ids = [row["id"] for row in rows]
    assert len(ids) == len(set(ids)), "a row came twice"
    assert set(ids) == set(model.objects.values_list("pk", flat=True)), "a row was left out"
    assert len(pages) > 2 and all(len(page["results"]) == size for page in pages[:-1])
    assert "count" not in pages[0] and pages[0]["previous"] is None and pages[-1]["next"] is None
    if name in ("units", "owners"):  # the registry keeps its own order
        return
    assert ids == sorted(ids, reverse=True)
    # previous from the second page is the first page again
    again = boss.get(path_of(pages[1]["previous"])).json()
    assert [row["id"] for row in again["results"]] == [row["id"] for row in pages[0]["results"]]


@pytest.mark.parametrize(("name", "ordering", "key"), [
    ("bills", "period", lambda row: row["period"]),  # 50 bills a month: ties across pages
    ("bills", "-number", None),
    ("callbacks", "due_on", lambda row: row["due_on"]),
    ("complaints", "-received_at", None),
    ("work-orders", "number", lambda row: row["number"]),
    ("payments", "received_at", None),
    ("units", "floor", None),
])
def test_an_ordering_with_ties_still_walks_every_row_once(boss, name, ordering, key):
    model = LISTS[name]

    rows, _pages = walk(boss, f"/api/v1/{name}/", {"page_size": 23, "ordering": ordering})

    ids = [row["id"] for row in rows]
    assert len(ids) == len(set(ids)) == model.objects.count()
    field = ordering.lstrip("-")
    expected = list(model.objects.order_by(ordering, "-id" if ordering.startswith("-") else "id")
                    .values_list("pk", flat=True))
    assert ids == expected, f"not in the order of {field}, then id"
    if key is not None:
        assert [key(row) for row in rows] == sorted(key(row) for row in rows)


def test_filters_page_with_the_cursor(boss):
    open_ids = set(Complaint.objects.filter(status__in=["received", "assigned", "in_progress"])
                   .values_list("pk", flat=True))

    rows, pages = walk(boss, "/api/v1/complaints/", {"status": "open", "page_size": 10})

    assert len(pages) > 1 and [row["id"] for row in rows] == sorted(open_ids, reverse=True)


def test_an_ordering_a_cursor_cannot_follow_is_not_offered(boss):
    # done_at is null for the callbacks still due: the list keeps its own order.
    ids = [row["id"] for row in boss.get("/api/v1/callbacks/", {"ordering": "done_at"}).json()["results"]]

    assert ids == list(Callback.objects.order_by("-id").values_list("pk", flat=True)[:50])


@pytest.mark.parametrize("cursor", ["not-base64!", "cD1bMV0=", "cD1bImFiYyJd", "cD17fQ==", "cD1bbnVsbF0=", "cD1hYmM=",
                                    "cD1bIjEiLCIyIl0="])
def test_a_forged_cursor_is_a_404_not_an_error(boss, cursor):
    # p=[1] (not a string), p=["abc"] (not an id), p={}, p=[null], p=abc, p=["1","2"] (two values for -id)
    assert boss.get("/api/v1/complaints/", {"cursor": cursor}).status_code == 404


@pytest.mark.parametrize("name", LISTS)
def test_a_page_of_50_costs_the_queries_of_a_page_of_5(boss, name):
    url = f"/api/v1/{name}/"
    boss.get(url, {"page_size": 5})  # the session and the user's preferences, once

    # The small data set's dice decide how many notices there are (row ids, which depend on
    # what ran before): a full page of 50 where there are 50, else every row, at least 20.
    big = min(50, LISTS[name].objects.count())
    assert big >= 20
    counts = []
    for size in (5, big):
        with CaptureQueriesContext(connection) as queries:
            page = boss.get(url, {"page_size": size}).json()
        assert len(page["results"]) == size
        counts.append(len(queries))

    assert counts[0] == counts[1]
