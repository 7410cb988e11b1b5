"""The demo's shift log and handovers (客服日志, 交接班), written through the desk's services:
the last three days of each estate, the day shift (the desk's clerk) and the night shift
(the duty supervisor), entries with their priority and a unit or a complaint, some done;
each shift handed over with its takings and notes and its items signed for by the next,
one refused with a reason (the supervisors have it in the inbox) and another refused and
closed by the supervisor with a note; each shift's takings counted and signed for by the
next, once short of cash with a reason; the last day shift's items and takings still
waiting for the night shift to sign, on the today page."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from complaints.models import Complaint
from demo.texts import texts
from desk import services, shifts
from desk.models import TakingsReceipt
from propertydesk import notifications

DAYS = 3


def seed_desk(ctx) -> None:
    """The step."""
    text = texts("desk")
    desk, boss = ctx.users.get("desk"), ctx.users.get("supervisor")
    if desk is None or boss is None:
        return  # logins that existed before the demo are left alone: no shifts without them
    counts = {"entries": 0, "handovers": 0, "refused": 0}
    with notifications.inbox_only():
        for e_index, estate in enumerate(ctx.estates):
            units = [u for u in ctx.owned_units if u.estate_id == estate.pk]
            complaints = list(Complaint.objects.filter(estate=estate).order_by("-received_at")[:DAYS * 2])
            if not units:
                continue
            first = shifts.shift_at(estate, ctx.as_of - timedelta(days=DAYS))
            shift = first if first.key == shifts.shift_defs(estate)[0].key else shifts.next_shift(estate, first)
            last_start = ctx.as_of - timedelta(hours=1)
            n = 0
            while shift.end <= ctx.as_of + timedelta(hours=12) and shift.start < last_start:
                day_shift = shift.key == shifts.shift_defs(estate)[0].key
                clerk, next_clerk = (desk, boss) if day_shift else (boss, desk)
                specs = text["day"] if day_shift else text["night"]
                for i, spec in enumerate(specs):
                    at = shift.start + timedelta(minutes=50 + 97 * i)
                    if at >= ctx.as_of:
                        break
                    unit = units[(n * 7 + i * 3 + e_index) % len(units)]
                    complaint = complaints[(n + i) % len(complaints)] if complaints else None
                    link = spec.get("link")
                    if link == "complaint" and complaint is None:
                        continue
                    entry = services.entry_add(
                        estate=estate, author=clerk, now=at, priority=spec["priority"],
                        text=spec["text"] % {"unit": unit.number,
                                             "complaint": complaint.number if complaint else ""},
                        unit=unit if link == "unit" else None,
                        complaint=complaint if link == "complaint" else None)
                    counts["entries"] += 1
                    if spec.get("closed"):
                        services.entry_close(entry=entry, actor=clerk, now=at + timedelta(minutes=40))
                handed_at = shift.end - timedelta(minutes=10)
                if handed_at >= ctx.as_of:
                    break  # the shift under way at the demo's clock is not over yet
                notes = text["notes_day" if day_shift else "notes_night"][n % 2]
                handover = services.handover_create(estate=estate, actor=clerk, now=handed_at, notes=notes,
                                                    shift_key=shift.key, shift_day=shift.day)
                counts["handovers"] += 1
                signed_at = shift.end + timedelta(minutes=5)
                if shifts.next_shift(estate, shift).end <= ctx.as_of:  # the shift under way has not signed yet
                    for j, item in enumerate(handover.items.order_by("id")):
                        if n in (1, 2) and j == 0:
                            services.item_refuse(item=item, actor=next_clerk, now=signed_at, reason=text["refusal"])
                            counts["refused"] += 1
                            if n == 1:  # the supervisor settles this one; the other stays for them to act on
                                services.item_close(item=item, actor=boss, now=signed_at + timedelta(minutes=30),
                                                    note=text["closing"])
                        else:
                            services.item_acknowledge(item=item, actor=next_clerk, now=signed_at)
                    if TakingsReceipt.objects.filter(handover=handover).exists():
                        counted = {t.method: t.total for t in handover.takings.all()}
                        reasons = {}
                        if n == 3 and counted.get("cash", Decimal(0)) >= 10:
                            counted["cash"] -= 10
                            reasons["cash"] = text["short"]
                        services.takings_receive(handover=handover, actor=next_clerk, now=signed_at,
                                                 counted=counted, reasons=reasons)
                shift = shifts.next_shift(estate, shift)
                n += 1
    ctx.counts["shift log entries"] = counts["entries"]
    ctx.counts["handovers"] = counts["handovers"]
