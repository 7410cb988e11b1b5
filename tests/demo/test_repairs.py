"""Work orders and paid services in the demo estate (demo.repairs, a step of seed_demo),
read from the estate tests/conftest.py loads once per run (``demo_seeded``)."""

import re
from collections import defaultdict
from datetime import timedelta
from io import StringIO
from itertools import pairwise

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db.models import Count, F
from django.test import Client
from django.urls import reverse
from django.utils import translation

from complaints.models import ComplaintEvent
from fees.models import BankCollectionCharge, Receipt
from owners.models import Estate, Owner
from propertydesk.models import Notification
from propertydesk.people import person_name
from repairs import selectors
from repairs.models import (
    TRANSITIONS,
    Acceptance,
    DamageIncident,
    DamageStatus,
    DispatchMode,
    DispatchRule,
    DrawKind,
    Kind,
    MaterialDraw,
    PaymentMethod,
    PriceItem,
    SignedOn,
    Source,
    Status,
    Worker,
    WorkOrder,
    WorkOrderEvent,
)


def test_orders_in_every_status_in_both_estates(seeded, db):
    # given the seeded demo

    # when
    statuses = dict(WorkOrder.objects.values_list("status").annotate(n=Count("id")))
    per_estate = dict(WorkOrder.objects.values_list("estate__code").annotate(n=Count("id")))

    # then
    assert set(statuses) == set(Status.values)
    assert statuses[Status.SIGNED_OFF] > sum(statuses.values()) * 0.75  # most are done
    assert all(270 <= n <= 330 for n in per_estate.values()) and len(per_estate) == 2
    kinds = dict(WorkOrder.objects.values_list("kind").annotate(n=Count("id")))
    assert set(kinds) == set(Kind.values)
    assert kinds[Kind.MINOR_REPAIR] > kinds[Kind.SPECIAL_SERVICE] > kinds[Kind.MAJOR_WORKS]
    sources = dict(WorkOrder.objects.values_list("source").annotate(n=Count("id")))
    assert set(sources) == set(Source.values)
    assert "work orders signed off" in seeded[0] and "receipts" in seeded[0]


def test_three_months_of_orders_and_nothing_after_the_demo_clock(seeded, db, as_of):
    # given
    orders = WorkOrder.objects.all()

    # then
    oldest = orders.order_by("registered_at").first().registered_at
    assert as_of - timedelta(days=100) <= oldest <= as_of - timedelta(days=80)
    assert not WorkOrderEvent.objects.filter(at__gte=as_of).exists()
    assert not Acceptance.objects.filter(at__gte=as_of).exists()
    assert not MaterialDraw.objects.filter(drawn_at__gte=as_of).exists()
    assert orders.filter(registered_at__gte=as_of - timedelta(hours=1)).exists()


def test_every_timeline_follows_the_transition_map(seeded, db):
    # given every order's status changes, oldest first
    changes = defaultdict(list)
    for event in WorkOrderEvent.objects.exclude(to_status="").order_by("at", "id"):
        changes[event.work_order_id].append(event)

    # then: registered first, each move allowed from where the order was, ending where it is
    for order in WorkOrder.objects.all():
        events = changes[order.pk]
        assert events[0].to_status == Status.REGISTERED and events[0].at == order.registered_at
        for before, after in pairwise(events):
            assert after.from_status == before.to_status, order.number
            assert after.to_status in TRANSITIONS[before.to_status], order.number
        assert events[-1].to_status == order.status, order.number


def test_a_signed_off_order_records_each_step_in_turn(seeded, db, as_of):
    # given the orders done and accepted, from weeks ago and from the last days alike
    done = WorkOrder.objects.filter(status=Status.SIGNED_OFF).select_related("worker__user")

    # then
    assert done.filter(registered_at__lt=as_of - timedelta(days=30)).exists()
    assert done.filter(registered_at__gte=as_of - timedelta(days=7)).exists()
    for order in done:
        steps = [order.registered_at, order.judged_at, order.dispatched_at, order.taken_at,
                 order.arrived_at, order.completed_at, order.signed_off_at]
        assert steps == sorted(steps), order.number
        assert order.dispatch_due_at == order.registered_at + timedelta(minutes=15)
        taken = order.events.get(to_status=Status.TAKEN)
        assert taken.actor == order.worker.user and taken.at == order.taken_at
        if order.kind == Kind.SPECIAL_SERVICE:
            assert order.price_confirmed_at <= order.completed_at
        assert order.acceptances.filter(satisfied=True).exists() or order.rework_count


def test_numbers_follow_the_order_requests_came_in(seeded, db):
    for estate in Estate.objects.all():
        # when
        numbers = list(WorkOrder.objects.filter(estate=estate).order_by("registered_at")
                       .values_list("number", flat=True))

        # then: one gapless run per year
        assert numbers == sorted(numbers)
        assert numbers[0].startswith(f"{estate.code.upper()}-PG")
        runs = defaultdict(list)
        for number in numbers:
            prefix, seq = number.rsplit("-", 1)
            runs[prefix].append(int(seq))
        for seqs in runs.values():
            assert seqs == list(range(1, len(seqs) + 1))


def test_about_one_in_twelve_orders_reached_the_worker_late(seeded, db, as_of):
    # given
    dispatched = WorkOrder.objects.filter(dispatched_at__isnull=False)

    # when
    late = dispatched.filter(dispatch_late_by__isnull=False)
    on_time, total = selectors.kpi_dispatch_on_time(start=as_of - timedelta(days=120), end=as_of)

    # then
    assert 0.05 <= late.count() / dispatched.count() <= 0.12
    assert total == dispatched.count() and on_time == total - late.count()
    for order in late:
        assert order.dispatched_at - order.dispatch_due_at == order.dispatch_late_by > timedelta(0)
    assert not dispatched.filter(dispatch_late_by__isnull=True,
                                 dispatched_at__gt=F("dispatch_due_at")).exists()
    assert late.filter(dispatch_alerted_at__isnull=False).exists()  # the sweep saw most of them


def test_the_desk_sees_new_requests_and_one_past_its_deadline(seeded, db, as_of):
    # given the orders nobody has dispatched yet
    waiting = WorkOrder.objects.filter(status__in=[Status.REGISTERED, Status.ACCEPTED])

    # then
    assert waiting.filter(status=Status.REGISTERED).count() >= 3
    assert waiting.filter(dispatch_due_at__gte=as_of).exists()  # still within 15 minutes
    late = waiting.filter(dispatch_due_at__lt=as_of)
    assert late.exists()
    assert not late.filter(dispatch_alerted_at__isnull=True).exists()
    assert Notification.objects.filter(kind="workorder.dispatch_late",
                                       recipient__username="desk").exists()
    assert all(o.dispatch_due_at - o.registered_at == timedelta(minutes=15) for o in waiting)


def test_each_estate_publishes_its_price_list(seeded, db):
    for estate in Estate.objects.all():
        # when
        offered = list(selectors.price_list(estate=estate))
        everything = list(selectors.price_list(estate=estate, active_only=False))

        # then
        assert 12 <= len(offered) <= 18
        assert len(everything) - len(offered) == 2  # retired lines stay on record
        assert all(re.search(r"[\u4e00-\u9fff]", item.name) for item in everything)
    cuihu = {i.name: i for i in PriceItem.objects.filter(estate__code="cuihu")}
    assert (cuihu["疏通下水道"].price, cuihu["疏通下水道"].unit_label) == (80, "次")
    assert (cuihu["开荒保洁"].price, cuihu["开荒保洁"].unit_label) == (6, "平方米")
    assert cuihu["清洗油烟机"].price == 120 and cuihu["安装灯具"].unit_label == "盏"


def test_paid_services_have_an_agreed_price_and_are_charged_once(seeded, db):
    # given
    paid = WorkOrder.objects.filter(kind=Kind.SPECIAL_SERVICE).select_related("price_item")

    # then
    assert paid.count() >= 80
    for order in paid:
        assert order.price_item.estate_id == order.estate_id
        if order.completed_at is not None:
            assert order.agreed_price >= order.price_item.price
            assert order.price_confirmed_at <= order.completed_at
    cash = paid.filter(payment_method=PaymentMethod.CASH)
    bank = paid.filter(payment_method=PaymentMethod.BANK_COLLECTION)
    assert cash.count() > bank.count() > 0
    assert Receipt.objects.filter(source__startswith="workorder:").count() == cash.count()
    assert BankCollectionCharge.objects.count() == bank.count()
    for order in cash:
        receipt = Receipt.objects.get(source=f"workorder:{order.pk}")
        assert receipt.amount == order.agreed_price and order.number in receipt.purpose_text


def test_receipts_are_numbered_without_gaps(seeded, db):
    # given
    runs = defaultdict(list)
    for receipt in Receipt.objects.order_by("issued_at", "id"):
        prefix, seq = receipt.number.rsplit("-", 1)
        runs[prefix].append(int(seq))

    # then: each estate's year runs 1, 2, 3… in the order they were issued
    assert {prefix.split("-")[0] for prefix in runs} == {"CUIHU", "JINXIU"}
    for seqs in runs.values():
        assert seqs == list(range(1, len(seqs) + 1))


def test_the_portal_owner_sees_their_work_orders(seeded, db):
    # given
    owner = Owner.objects.get(user__username="owner")

    # when
    orders = list(selectors.owner_work_orders(owner=owner))
    client = Client()
    client.post(reverse("login"), {"username": "owner", "password": "demo12345"})
    with translation.override("en"):
        page = client.get(reverse("repairs:portal_list"), HTTP_ACCEPT_LANGUAGE="en")

    # then
    assert 3 <= len(orders) <= 6
    statuses = {o.status for o in orders}
    assert {Status.DISPATCHED, Status.SIGNED_OFF} <= statuses
    coming = next(o for o in orders if o.status == Status.DISPATCHED)
    assert coming.appointment_at is not None and coming.worker is not None
    assert any(o.kind == Kind.SPECIAL_SERVICE and o.payment_method != PaymentMethod.NONE
               for o in orders)
    assert page.status_code == 200
    for order in orders:
        assert order.number in page.content.decode()


def test_workers_staff_both_estates(seeded, db):
    # given
    workers = Worker.objects.select_related("user", "estate")
    User = get_user_model()

    # then
    engineer = workers.get(user__username="engineer")
    assert engineer.estate.code == "cuihu"
    assert set(engineer.trades) == {"plumbing", "electrical", "general"}
    for estate in Estate.objects.all():
        team = [w for w in workers if w.estate_id == estate.pk]
        assert len(team) >= 9
        assert any(not w.on_duty for w in team)
        assert {"plumbing", "electrical", "carpentry", "locksmith", "appliances", "masonry",
                "cleaning"} <= {t for w in team for t in w.trades}
    others = [w for w in workers if w.user.username != "engineer"]
    assert all(re.fullmatch(r"w_[a-z]+", w.user.username) for w in others)
    assert all(w.user.groups.filter(name="engineering").exists() for w in others)
    zhang = next(w for w in others if w.user.username == "w_zhang")
    assert person_name(zhang.user) == "张国强"
    assert zhang.user.check_password("demo12345")
    # the role logins, the let unit's tenant (gate.ResidentLogin) and the workers, no one else
    assert User.objects.count() == 6 + 1 + len(others)


def test_dispatch_rules_of_the_estates(seeded, db):
    # when
    rules = {(r.estate.code, r.kind): r for r in DispatchRule.objects.select_related("estate")}

    # then
    assert rules[("cuihu", Kind.MINOR_REPAIR)].mode == DispatchMode.DESK
    assert rules[("cuihu", Kind.SPECIAL_SERVICE)].mode == DispatchMode.POOL
    assert rules[("cuihu", Kind.ROUTINE)].mode == DispatchMode.ROUND_ROBIN
    assert rules[("jinxiu", Kind.MINOR_REPAIR)].mode == DispatchMode.ROUND_ROBIN
    assert {r.minutes for r in rules.values()} == {15}
    pool = WorkOrder.objects.filter(estate__code="cuihu", kind=Kind.SPECIAL_SERVICE,
                                    status=Status.DISPATCHED)
    assert pool.filter(worker__isnull=True).exists()  # waiting in the shared pool


def test_workers_get_orders_of_their_trade(seeded, db):
    # given
    orders = WorkOrder.objects.filter(worker__isnull=False).select_related("worker")

    # then: outside his trade only with the reason written down
    for order in orders:
        assert order.worker.can_do(order.trade) or order.trade_override, order.number
    assert orders.exclude(trade_override="").exists()


def test_customers_mostly_rate_four_or_five_and_sign(seeded, db):
    # given
    signed = Acceptance.objects.filter(satisfied=True)

    # then
    high = signed.filter(rating__gte=4).count()
    assert high / signed.count() >= 0.8 and signed.filter(rating__lte=3).exists()
    on_pad = signed.filter(signed_on=SignedOn.PAD).count()
    assert on_pad > signed.filter(signed_on=SignedOn.PAPER).count() > 0
    pad = signed.filter(signed_on=SignedOn.PAD).first()
    assert bytes(pad.signature_png).startswith(b"\x89PNG")
    unhappy = Acceptance.objects.filter(satisfied=False)
    assert unhappy.exists() and all(a.comment for a in unhappy)
    settled = WorkOrderEvent.objects.filter(from_status=Status.ESCALATED,
                                            to_status=Status.SIGNED_OFF)
    assert settled.exists() and all(e.actor.username == "supervisor" for e in settled)


def test_refusals_and_cancellations_are_explained(seeded, db):
    # then
    refused = WorkOrder.objects.filter(status=Status.REFUSED)
    voided = WorkOrder.objects.filter(status=Status.VOIDED)
    assert refused.exists() and not refused.filter(refusal_reason="").exists()
    assert voided.exists() and not voided.filter(void_reason="").exists()


def test_materials_tools_and_damage_are_on_record(seeded, db):
    # given
    draws = MaterialDraw.objects.all()

    # then
    names = set(draws.filter(kind=DrawKind.MATERIAL).values_list("name", flat=True))
    assert {"水管接头", "生料带", "灯泡", "开关面板"} <= names
    tools = draws.filter(kind=DrawKind.TOOL)
    assert tools.filter(returned_at__isnull=False).exists()
    out = tools.filter(returned_at__isnull=True)
    # brought back to the store after the job
    assert not out.filter(work_order__status=Status.SIGNED_OFF).exists()
    incidents = DamageIncident.objects.all()
    assert 2 <= incidents.count() <= 3
    assert incidents.filter(status=DamageStatus.SETTLED, compensation__gt=0).exists()
    assert incidents.filter(status=DamageStatus.REPORTED).exists()


def test_open_repair_complaints_became_work_orders(seeded, db):
    # given
    orders = WorkOrder.objects.filter(source=Source.COMPLAINT).select_related("complaint")

    # then: the complaint's timeline tells the owner
    assert orders.exists()
    for order in orders:
        assert order.complaint.unit_id == order.unit_id
        assert ComplaintEvent.objects.filter(
            complaint=order.complaint, public=True, note_message__p__number=order.number
        ).exists()


def test_loading_twice_with_if_empty_adds_nothing(seeded, db):
    # given
    def counts():
        return (WorkOrder.objects.count(), Worker.objects.count(), PriceItem.objects.count(),
                Receipt.objects.count(), DispatchRule.objects.count(),
                get_user_model().objects.count(),
                Notification.objects.count())

    before = counts()
    out = StringIO()

    # when
    call_command("seed_demo", "--if-empty", stdout=out)
    call_command("seed_demo", "--if-empty", stdout=out)

    # then
    assert counts() == before
    assert out.getvalue().count("nothing loaded") == 2
    assert not WorkOrder.objects.values("number").annotate(n=Count("id")).filter(n__gt=1).exists()
