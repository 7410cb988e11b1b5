"""The desk's reports at scale: a report's statements are a fixed number, and each reads
a range of an index, not the whole table, over a year of records (EXPLAIN)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from pages import desk_reports
from tests.pages.test_daily_weekly_reports import AT_1630, FRIDAY, build

# Big tables the report reads: none may be read whole.
BIG = ("complaints_complaint", "complaints_suggestion", "repairs_workorder", "callbacks_callback",
       "callbacks_callbackresult", "fees_payment")


def clone(table: str, where: str, rows: int, *, moments: tuple[str, ...], unique: dict[str, str]) -> None:
    """``rows`` copies of the row of ``table`` that ``where`` picks, the n-th with its
    ``moments`` n × 7 minutes earlier (a year back for 75,000) and its ``unique`` columns
    made unique (an SQL expression of n, ``g``)."""
    with connection.cursor() as cursor:
        columns = [c.name for c in connection.introspection.get_table_description(cursor, table) if c.name != "id"]
        values = [unique.get(c) or (f"{c} - g * interval '7 minutes'" if c in moments else c) for c in columns]
        cursor.execute(f"INSERT INTO {table} ({', '.join(columns)}) SELECT {', '.join(values)} "
                       f"FROM {table}, generate_series(1, %s) g WHERE {where}", [rows])


def grow(rows: int) -> None:
    """A year of records behind the small world, one every few minutes back from the Friday."""
    clone("complaints_complaint", "number = 'C3'", rows, unique={"number": "'X' || g"},
          moments=("received_at", "promised_at", "resolved_at", "assigned_at"))
    clone("complaints_suggestion", "number = 'S1'", rows, unique={"number": "'X' || g"}, moments=("received_at",))
    clone("repairs_workorder", "number = 'W1'", rows, unique={"number": "'X' || g"},
          moments=("registered_at", "dispatch_due_at", "dispatched_at", "completed_at"))
    clone("callbacks_callback", "source_key = 'cb3'", rows, unique={"source_key": "'x' || g"},
          moments=("event_at", "done_at", "created_at"))
    clone("callbacks_callbackresult", "corrects_id IS NULL AND satisfaction = 'unsatisfied'", rows,
          unique={}, moments=("at",))
    # Payments, each with its own receipt (one to one): the receipts first, then a payment
    # for each, at its receipt's moment.
    clone("fees_receipt", "number = (SELECT r.number FROM fees_receipt r ORDER BY r.id LIMIT 1)", rows,
          unique={"number": "'X' || g"}, moments=("issued_at",))
    with connection.cursor() as cursor:
        columns = [c.name for c in connection.introspection.get_table_description(cursor, "fees_payment")
                   if c.name not in ("id", "receipt_id", "received_at")]
        cursor.execute(f"""
            INSERT INTO fees_payment ({', '.join(columns)}, receipt_id, received_at)
            SELECT {', '.join('p.' + c for c in columns)}, r.id, r.issued_at
            FROM fees_receipt r, (SELECT * FROM fees_payment ORDER BY id LIMIT 1) p WHERE r.number LIKE 'X%%'""")
        cursor.execute("ANALYZE")


def report_statements() -> list[str]:
    win = desk_reports.window("day", FRIDAY, as_of=AT_1630)
    with CaptureQueriesContext(connection) as queries:
        desk_reports.report_data(win)
    return [query["sql"] for query in queries.captured_queries]


@pytest.mark.django_db
def test_a_report_reads_ranges_of_indexes_over_a_year_of_records():
    # given: 75,000 of each record over the year before the Friday, the statistics fresh
    build()
    small = len(report_statements())
    grow(75000)

    # when
    statements = report_statements()

    # then: as many statements as on the small world, none reading a big table whole
    assert len(statements) == small == 1 + 4 + 3 + 2 + 1 + 1 + 1 + 1 + 1  # the estates; each section's
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute("EXPLAIN " + sql)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            assert not any(f"Seq Scan on {table}" in plan for table in BIG), plan
