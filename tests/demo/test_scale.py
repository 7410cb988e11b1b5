"""seed_scale at a tiny scale: the counts follow the scale, the data passes every
constraint, later services continue its numbers, and the pages accept it."""

from datetime import date, datetime
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import connection, models
from django.db.models import Count
from django.urls import reverse

from activities.models import Participation
from callbacks.models import Callback
from complaints import services as complaints
from complaints.models import Complaint, ComplaintEvent
from demo import scale
from fees.models import Allocation, Bill, MonthReport, Payment
from owners import crypto
from owners.models import Estate, Owner, OwnerPhone, Unit
from renovation import jobs as renovation_jobs
from renovation import services as renovation
from renovation.models import (
    ACTIVE_STATUSES,
    GateCheck,
    Inspection,
    Renovation,
    RenovationCharge,
    Status,
    WorkerPass,
)
from repairs.models import WorkOrder
from tests.factories import resident_id

AS_OF = date(2026, 11, 20)
SCALE = 0.0005  # 50 units, 60 owners, 500 complaints and work orders, 600 bills, 24 renovations
MORNING = datetime(2026, 11, 20, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def loaded(db):
    out = StringIO()
    call_command("seed_scale", scale=SCALE, as_of=AS_OF, seed=7, stdout=out)
    return out.getvalue()


def test_counts_follow_the_scale_and_the_output_says_so(loaded):
    sizes = scale.sizes(SCALE)

    assert Unit.objects.count() == sizes["units"] == 50
    assert Owner.objects.count() == sizes["owners"] == 60
    assert Complaint.objects.count() == sizes["complaints"] == 500
    assert WorkOrder.objects.count() == sizes["work_orders"] == 500
    assert Bill.objects.count() == scale.BILL_MONTHS * 50
    # 2 % of the units, but at least two of each state
    assert Renovation.objects.count() == 2 * len(scale.RENOVATION_FIRST) == 24
    # every resolved complaint, completed order and household that came to an activity owes its callback
    owed = (Complaint.objects.filter(resolved_at__isnull=False).count()
            + WorkOrder.objects.filter(completed_at__isnull=False).count()
            + Participation.objects.filter(attended=True, activity__status="held").count())
    assert Callback.objects.count() == owed
    assert "complaints 500" in loaded and "Loaded" in loaded
    # each month's report as the job makes it on the next month's report day (Dec–Oct)
    assert MonthReport.objects.filter(estate__isnull=True).count() == 11


def test_every_constraint_holds_and_every_state_appears(loaded):
    connection.check_constraints()

    assert set(Complaint.objects.values_list("status", flat=True)) == {
        "received", "assigned", "in_progress", "resolved", "closed"}
    assert {"registered", "refused", "voided", "signed_off", "completed"} <= set(
        WorkOrder.objects.values_list("status", flat=True))
    assert set(Bill.objects.values_list("status", flat=True)) >= {"paid", "open"}
    # one event per move: a closed complaint has its five
    closed = Complaint.objects.filter(status="closed").first()
    assert list(closed.events.order_by("at").values_list("to_status", flat=True)) == [
        "received", "assigned", "in_progress", "resolved", "closed"]
    assert not ComplaintEvent.objects.filter(at__gt=MORNING.replace(hour=0)).exists()


def test_payments_sum_to_what_the_bills_say_was_paid(loaded):
    for bill in Bill.objects.all():
        assert bill.paid == sum(a.amount for a in Allocation.objects.filter(bill=bill))
    assert Payment.objects.count() == Allocation.objects.count()


def test_personal_numbers_decrypt_and_their_hashes_are_the_ones_save_computes(loaded):
    owners = list(Owner.objects.all())
    phones = list(OwnerPhone.objects.all())

    assert all(len(o.id_number) >= 8 and o.id_number_hash == crypto.id_number_index(o.id_number) for o in owners)
    assert all(p.number.isdigit() and p.number_hash == crypto.phone_index(p.number) for p in phones)
    assert all(p.tail_hash == crypto.phone_tail_index(p.number) for p in phones)
    # the stored column is ciphertext, not the number
    with connection.cursor() as cursor:
        cursor.execute("SELECT number FROM owners_ownerphone WHERE id = %s", [phones[0].pk])
        assert cursor.fetchone()[0] != phones[0].number


def test_a_complaint_taken_after_the_load_gets_the_next_number(loaded, desk_user):
    estate = Estate.objects.order_by("pk").first()
    last = Complaint.objects.filter(estate=estate, number__contains="-TS2026-").order_by("-number").first()
    unit = Unit.objects.filter(estate=estate).first()

    complaint = complaints.complaint_register(
        unit=unit, channel="phone", category="noise", description="楼上装修噪音", contact_name="王先生",
        now=MORNING, actor=desk_user)

    assert complaint.number == last.number[:-5] + f"{int(last.number[-5:]) + 1:05d}"


def test_a_second_load_is_refused(loaded):
    with pytest.raises(CommandError, match="already has units"):
        call_command("seed_scale", scale=SCALE, as_of=AS_OF, stdout=StringIO())


def test_the_queue_and_the_fee_desk_render(loaded, client, supervisor_user, finance_user):
    unit = Bill.objects.filter(status="open").first().unit

    with time_machine.travel(MORNING, tick=False):
        client.force_login(supervisor_user)
        queue = client.get(reverse("complaints:queue"))
        client.force_login(finance_user)
        fee_desk = client.get(reverse("fees:home"))
        account = client.get(reverse("fees:unit_account", args=[unit.pk]))

    assert queue.status_code == fee_desk.status_code == account.status_code == 200
    assert unit.number in account.content.decode()


def test_the_sweeps_find_nothing_left_to_flag_after_the_load(loaded):
    """The load flags what the sweeps would have flagged by then, so their next run is
    the everyday one, not a backlog of the whole data set."""
    from callbacks.jobs import hourly
    from complaints.jobs import overdue_sweep
    from repairs.jobs import late_dispatch_sweep

    flagged = Complaint.objects.filter(overdue_flagged_at__isnull=False)
    assert flagged.exists()
    assert all(c.events.filter(kind="overdue").count() == 1 for c in flagged)
    assert Callback.objects.filter(status="due", overdue_flagged_at__isnull=False).exists()

    hourly(as_of=MORNING)
    overdue_sweep(as_of=MORNING)
    late_dispatch_sweep(as_of=MORNING)

    assert not Callback.objects.filter(overdue_flagged_at=MORNING).exists()
    assert not Complaint.objects.filter(overdue_flagged_at=MORNING).exists()
    assert not WorkOrder.objects.filter(dispatch_alerted_at=MORNING).exists()


def test_the_benchmark_times_every_operation_against_its_floor(loaded, tmp_path):
    import json

    out = StringIO()
    with time_machine.travel(MORNING, tick=True):
        call_command("benchmark", runs=1, job_runs=1, json=str(tmp_path / "b.json"), stdout=out)
    figures = json.loads((tmp_path / "b.json").read_text())

    rows = {r["name"]: r for r in figures["results"]}
    assert not [r for r in rows.values() if r["error"]], out.getvalue()
    assert {"complaint queue", "API callbacks: deep page", "job fees.bill_run (every unit billed)",
            "job callbacks.hourly (1,000 fall overdue)", "portal: my fees"} <= set(rows)
    assert all(r["runs"] >= 1 and r["statements"] > 0 and r["median_ms"] > 0 for r in rows.values())
    assert all(r["floor_ms"] is not None for r in rows.values() if r["kind"] != "job")
    assert "complaint queue" in out.getvalue() and "floor ms" in out.getvalue()


def test_renovations_in_every_state_with_their_money_and_passes(loaded):
    renovations = Renovation.objects.all()

    assert set(renovations.values_list("status", flat=True)) == set(Status.values)
    # a failed inspection being fixed; a wet floor waiting out its months
    assert renovations.filter(status=Status.IN_PROGRESS, inspections__passed=False).exists()
    assert renovations.filter(status=Status.PASSED, floors_altered=True, deposits_due_on__gt=AS_OF).exists()
    # every paid renovation's fees and deposits have their receipts; refunds pay the deposits back
    for paid in renovations.filter(fees_paid_at__isnull=False):
        charges = {c.kind: c for c in paid.charges.select_related("receipt")}
        assert {"owner_deposit", "contractor_deposit", "pass_fee"} <= set(charges), paid.number
        assert all(c.receipt.amount == c.amount and c.receipt.source.startswith("renovation:")
                   for c in charges.values())
    for refunded in renovations.filter(status=Status.REFUNDED):
        assert RenovationCharge.objects.filter(renovation=refunded, refund__isnull=False).count() == 2
    # passes: one per worker of a permitted renovation, revoked and handed back once it passed
    permitted = renovations.exclude(permit_number="")
    assert WorkerPass.objects.filter(renovation__in=permitted).count() == sum(r.workers.count() for r in permitted)
    assert not WorkerPass.objects.filter(renovation__status=Status.REFUNDED, returned_at__isnull=True).exists()
    assert GateCheck.objects.filter(result="valid").exists()
    assert not Inspection.objects.filter(inspected_at__isnull=True).values("renovation").annotate(
        n=Count("pk")).filter(n__gt=1).exists()


def test_the_renovation_services_and_the_daily_job_continue_from_the_load(loaded, desk_user):
    unit = Unit.objects.exclude(renovations__status__in=ACTIVE_STATUSES).filter(
        ownerships__end_date__isnull=True).first()
    owner = unit.ownerships.filter(end_date__isnull=True).first().owner
    last = Renovation.objects.filter(estate=unit.estate, number__contains="-ZX2026-").order_by("-number").first()

    made = renovation.renovation_apply(
        unit=unit, owner=owner, scope="厨房翻新", planned_start=date(2026, 11, 25), planned_end=date(2026, 12, 20),
        contractor_name="锦华装饰工程有限公司", contractor_lead_name="赵建国", contractor_lead_phone="13700001111",
        contractor_lead_id_number=resident_id(900), now=MORNING, actor=desk_user)
    summary = renovation_jobs.daily(as_of=MORNING.replace(hour=8))

    assert made.number == last.number[:-5] + f"{int(last.number[-5:]) + 1:05d}"
    assert "renovations' deposits fell due" in summary


def test_the_desk_routine_is_loaded_as_its_services_would_leave_it(loaded, desk_user):
    from desk.models import Handover, LogEntry
    from desk.selectors import frozen_takings, live_takings
    from gate import services as gate
    from gate.models import CardApplication, ItemPass, Visit
    from incidents.models import Incident
    from notices.models import Notice

    # visitors: the ID numbers decrypt, their blind index is the one save() computes; a
    # visitor not confirmed was not let in
    with_id = [v for v in Visit.objects.exclude(id_number_hash="")[:50]]
    assert with_id and all(v.id_number_hash == crypto.id_number_index(v.id_number) for v in with_id)
    assert not Visit.objects.filter(confirmed=False).exclude(time_out=models.F("time_in")).exists()
    # item passes used on their day carry the carrier; the numbers are the service's
    released = ItemPass.objects.filter(status="released")
    assert released.exists() and not released.filter(carrier_id_number__isnull=True).exists()
    assert all("-FX" in p.number and p.lines.exists() for p in ItemPass.objects.all()[:20])
    # each card paid has its receipt for the fee; a card applied after the load takes the next number
    for card in CardApplication.objects.exclude(status="cancelled").select_related("receipt"):
        assert card.receipt.amount == card.fee and card.receipt.source == f"gatecard:{card.pk}"
    unit = Unit.objects.filter(ownerships__end_date__isnull=True).first()
    owner = unit.ownerships.filter(end_date__isnull=True).first().owner
    last = CardApplication.objects.filter(estate=unit.estate, number__contains="-MK2026-").order_by("-number").first()
    card = gate.card_apply(unit=unit, kind="access_card", applicant=owner, holder_name=owner.name, now=MORNING,
                           actor=desk_user)
    assert card.number == last.number[:-5] + f"{int(last.number[-5:]) + 1:05d}"
    # every finished shift handed over with exactly the payments of the shift; the shift under
    # way has the open entries
    handovers = list(Handover.objects.all())
    assert handovers
    def by_method(rows):
        return [(row.method, row.count, row.total) for row in rows]

    for handover in handovers:
        assert by_method(frozen_takings(handover)) == by_method(live_takings(
            estate=handover.estate, start=handover.shift_start, end=handover.shift_end))
    assert LogEntry.objects.filter(status="open").exists()
    assert not LogEntry.objects.filter(status="open", shift_start__lt=max(h.shift_end for h in handovers)).exists()
    # each handover's takings counted as handed over and signed for by the next shift
    paid = [h for h in handovers if h.takings_count]
    assert paid and all(h.receipt.status == "received" and h.receipt.received_at == h.taken_over_at
                        for h in paid)
    assert all(t.counted == t.total for h in paid for t in h.takings.all())
    assert not any(hasattr(h, "receipt") for h in handovers if not h.takings_count)
    # one incident still open; each notice counts the households it reached and those that read it
    assert Incident.objects.filter(status="open").count() == 1
    for notice in Notice.objects.all():
        rows = notice.household_rows
        assert notice.households == rows.count() > 0
        assert notice.read_households == rows.filter(read_at__isnull=False).count()
