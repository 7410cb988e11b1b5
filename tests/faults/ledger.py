"""What the jobs and the desk wrote, counted by each record's natural key, and what the
recording gateways received: the fault tests' "lost 0, duplicated 0"."""

from __future__ import annotations

import json
from collections import Counter

# table: (what it is, its natural key)
NATURAL_KEYS = {
    "fees_bill": ("bills", "unit_id, period"),
    "fees_dunningnotice": ("dunning notices", "unit_id, period, round"),
    "callbacks_callback": ("callbacks", "kind, complaint_id, work_order_id, activity_id, round"),
    "fees_receipt": ("receipts", "estate_id, number"),
    "fees_payment": ("payments", "receipt_id"),
    "propertydesk_delivery": ("deliveries", "notification_id, channel"),
    "propertydesk_jobrun": ("job runs", "name, slot"),
}


def records(stack) -> dict[str, tuple[int, int]]:
    """{what: (rows, distinct natural keys)}."""
    found = {}
    for table, (what, key) in NATURAL_KEYS.items():
        rows, distinct = stack.sql(f"SELECT count(*), count(DISTINCT ({key}, true)) FROM {table}")[0]
        found[what] = (rows, distinct)
    return found


def duplicates(found: dict[str, tuple[int, int]]) -> int:
    return sum(rows - distinct for rows, distinct in found.values())


def outbox(stack) -> dict:
    """The outbox against the gateways: deliveries by status; SMS and e-mails queued that
    the gateway never got (lost), and messages a person got twice (the same text to the
    same address under two keys: duplicated). A resend under the same key is the
    gateway's to recognise, and is counted apart."""
    statuses = dict(stack.sql("SELECT status, count(*) FROM propertydesk_delivery GROUP BY status"))
    queued = {key for (key,) in stack.sql(
        "SELECT idempotency_key FROM propertydesk_delivery WHERE channel IN ('sms', 'email')")}
    received, calls = {}, 0
    for channel in ("sms", "email"):
        received |= {k.decode(): json.loads(v) for k, v in stack.gateway_messages(channel).items()}
        calls += stack.gateway_calls(channel)
    same = Counter((m["to"], m["text"]) for m in received.values())
    return {"statuses": statuses, "outgoing": len(queued), "received": len(set(received) & queued),
            "lost": len(queued - set(received)), "duplicated": sum(n - 1 for n in same.values() if n > 1),
            "resends recognised": calls - len(received), "unknown": len(set(received) - queued)}
