"""A small fixed data set for the supervisor's dashboard, over a year's end (December
2025 and January 2026), every figure's value worked out by hand in the tests.

Estate A (two units) and estate B (one unit); Shanghai time throughout.

Complaints (received → assigned → resolved):
  A c1  2025-12-01 09:00 → 11:00 (2 h) → 12-02 09:00 (24 h), on time
  A c2  2025-12-30 10:00 → 14:00 (4 h) → 2026-01-03 10:00 (96 h), late
  A c3  2026-01-20 08:00, open (not assigned)
  B c4  2026-01-05 09:00 → 10:00 (1 h) → 01-06 09:00 (24 h), on time
Suggestions: A adopted 2025-12-15, A declined 2026-01-10.
Work orders (A): w1 dispatched on time 2025-12-10, appointment 14:00, completed 16:00
  (on time), rated 5; w2 registered 2026-01-02 09:00, dispatched 15 min late, no
  appointment, completed 01-06 09:00 (past 72 h: late), rated 3.
Callbacks: A cb1 complaint, event 12-02, done 12-04, satisfied; A cb2 complaint, event
  01-03, due 01-06, not done; A cb3 minor repair, event 01-06, done 01-08: unsatisfied,
  corrected on 01-09 to very satisfied; B cb4 complaint, event 01-06, done 01-07, neutral.
  One spot check, 2026-01-12.
Fees: bills A u1 100 and u2 200 for December and for January, B u3 50 for January.
  Paid: u1 100 on 12-12 (December), u2 150 on 01-12 (December's, in part: arrears
  recovered in January), u3 50 on 01-13, u1 100 on 2026-02-05 (January's, late).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

from callbacks.models import Callback, CallbackResult, SpotCheck
from complaints.models import Complaint, Suggestion
from fees import services as fee_services
from fees.models import Bill
from repairs.models import Acceptance, Worker, WorkOrder
from tests.factories import BuildingFactory, EstateFactory, UnitFactory, UserFactory, give_unit, make_owner

SH = ZoneInfo("Asia/Shanghai")
OCT, DEC = dt.date(2025, 10, 1), dt.date(2025, 12, 1)
JAN, FEB, MAR = dt.date(2026, 1, 1), dt.date(2026, 2, 1), dt.date(2026, 3, 1)


def sh(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SH)


def build() -> dict:
    a = EstateFactory(code="dash-a", name="甲花园")
    b = EstateFactory(code="dash-b", name="乙花园")
    ba, bb = BuildingFactory(estate=a, number="1"), BuildingFactory(estate=b, number="1")
    u1 = UnitFactory(building=ba, number="1-1-101", area=Decimal("80.00"))
    u2 = UnitFactory(building=ba, number="1-1-102", area=Decimal("90.00"))
    u3 = UnitFactory(building=bb, number="1-1-101", area=Decimal("70.00"))
    for n, unit in enumerate((u1, u2, u3)):
        give_unit(make_owner(name=f"业主{n}", phone=f"1391234000{n}"), unit, since=dt.date(2020, 1, 1))
    desk = UserFactory(username="dash-desk", role="front_desk")
    boss = UserFactory(username="dash-boss", role="supervisor")
    worker = Worker.objects.create(user=UserFactory(username="dash-worker", role="engineering"), estate=a,
                                   trades=["plumbing"])

    def complaint(number, estate, unit, received, assigned=None, resolved=None, late=False):
        status = "resolved" if resolved else ("assigned" if assigned else "received")
        return Complaint.objects.create(
            number=number, estate=estate, unit=unit, contact_name="业主", channel="phone", category="noise",
            urgency="normal", description="楼上噪音", status=status, department="security" if assigned else "",
            received_at=received, promised_at=received + dt.timedelta(hours=72), assigned_at=assigned,
            resolved_at=resolved, late_by=dt.timedelta(days=1) if late else None)

    c1 = complaint("C1", a, u1, sh(2025, 12, 1, 9), sh(2025, 12, 1, 11), sh(2025, 12, 2, 9))
    c2 = complaint("C2", a, u2, sh(2025, 12, 30, 10), sh(2025, 12, 30, 14), sh(2026, 1, 3, 10), late=True)
    c3 = complaint("C3", a, u1, sh(2026, 1, 20, 8))
    c4 = complaint("C4", b, u3, sh(2026, 1, 5, 9), sh(2026, 1, 5, 10), sh(2026, 1, 6, 9))
    for number, status, decided in (("S1", "adopted", sh(2025, 12, 15, 10)), ("S2", "declined", sh(2026, 1, 10, 10))):
        Suggestion.objects.create(number=number, estate=a, channel="portal", subject="建议", content="多种树",
                                  status=status, received_at=decided - dt.timedelta(days=3), decided_at=decided,
                                  reply="谢谢")

    def order(number, registered, dispatched, late_minutes, completed, appointment=None, rating=5):
        w = WorkOrder.objects.create(
            number=number, estate=a, unit=u1, requester_name="业主", kind="minor_repair", source="desk",
            trade="plumbing", description="水龙头漏水", status="signed_off", registered_at=registered,
            dispatch_due_at=registered + dt.timedelta(minutes=15), dispatch_mode="desk", dispatched_at=dispatched,
            dispatch_late_by=dt.timedelta(minutes=late_minutes) if late_minutes else None, worker=worker,
            appointment_at=appointment, completed_at=completed, signed_off_at=completed + dt.timedelta(hours=1))
        Acceptance.objects.create(work_order=w, at=completed + dt.timedelta(hours=1), satisfied=True, rating=rating,
                                  signed_on="paper", signer_name="业主")
        return w

    w1 = order("W1", sh(2025, 12, 10, 9), sh(2025, 12, 10, 9, 10), 0, sh(2025, 12, 10, 16),
               appointment=sh(2025, 12, 10, 14), rating=5)
    w2 = order("W2", sh(2026, 1, 2, 9), sh(2026, 1, 2, 9, 30), 15, sh(2026, 1, 6, 9), rating=3)

    def callback(key, estate, unit, kind, event, due, done=None, source=None):
        return Callback.objects.create(
            estate=estate, unit=unit, kind=kind, source_key=key, event_at=event, due_on=due,
            status="done" if done else "due", done_at=done, created_at=event, **(source or {}))

    def answer(cb, satisfaction, at, corrects=None):
        return CallbackResult.objects.create(
            callback=cb, method="online", satisfaction=satisfaction, at=at, corrects=corrects,
            correction_reason="记错了" if corrects else "")

    cb1 = callback("complaint:C1", a, u1, "complaint", sh(2025, 12, 2, 9), dt.date(2025, 12, 5),
                   done=sh(2025, 12, 4, 10), source={"complaint": c1})
    answer(cb1, "satisfied", sh(2025, 12, 4, 10))
    callback("complaint:C2", a, u2, "complaint", sh(2026, 1, 3, 10), dt.date(2026, 1, 6), source={"complaint": c2})
    cb3 = callback("workorder:W2", a, u1, "minor_repair", sh(2026, 1, 6, 9), dt.date(2026, 1, 9),
                   done=sh(2026, 1, 8, 10), source={"work_order": w2})
    first = answer(cb3, "unsatisfied", sh(2026, 1, 8, 10))
    answer(cb3, "very_satisfied", sh(2026, 1, 9, 10), corrects=first)
    cb4 = callback("complaint:C4", b, u3, "complaint", sh(2026, 1, 6, 9), dt.date(2026, 1, 9),
                   done=sh(2026, 1, 7, 10), source={"complaint": c4})
    answer(cb4, "neutral", sh(2026, 1, 7, 10))
    SpotCheck.objects.create(callback=cb1, at=sh(2026, 1, 12, 10), checked_by=boss, method="phone", agrees=True)

    def bill(number, estate, unit, period, amount):
        return Bill.objects.create(number=number, estate=estate, unit=unit, period=period, amount=Decimal(amount),
                                   issued_at=sh(period.year, period.month, 10, 1), due_on=period.replace(day=15))

    bill("B-A1-12", a, u1, DEC, "100.00")
    bill("B-A2-12", a, u2, DEC, "200.00")
    bill("B-A1-01", a, u1, JAN, "100.00")
    bill("B-A2-01", a, u2, JAN, "200.00")
    bill("B-B3-01", b, u3, JAN, "50.00")
    for unit, amount, when in ((u1, "100.00", sh(2025, 12, 12, 10)), (u2, "150.00", sh(2026, 1, 12, 10)),
                               (u3, "50.00", sh(2026, 1, 13, 10)), (u1, "100.00", sh(2026, 2, 5, 10))):
        fee_services.payment_take(unit=unit, amount=Decimal(amount), method="cash", payer_name="业主", now=when,
                                  actor=desk)
    return {"a": a, "b": b, "u1": u1, "u2": u2, "u3": u3, "boss": boss, "desk": desk, "c3": c3, "w1": w1}
