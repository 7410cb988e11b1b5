import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.utils import translation

from fees.models import BankCollectionCharge, Receipt
from propertydesk.models import Notification
from repairs import services
from repairs.models import DispatchRule, Status, WorkOrder
from tests.repairs.conftest import T0, at


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def register(shop, **kwargs):
    fields = dict(unit=shop["unit"], owner=shop["owner"], kind="minor_repair", trade="plumbing",
                  description="厨房水龙头漏水", source="phone", actor=shop["desk"], now=T0)
    fields.update(kwargs)
    return services.work_order_register(**fields)


def dispatched(shop, **kwargs):
    order = register(shop, **kwargs)
    services.work_order_judge(order=order, accept=True, actor=shop["desk"], now=at(2))
    return services.work_order_dispatch(order=order, worker=shop["plumber"], actor=shop["desk"], now=at(5))


def test_registration_names_bad_fields_and_numbers_per_estate_and_year(shop):
    with pytest.raises(ValidationError) as caught:
        register(shop, kind="magic", description=" ", appointment_at=at(-60))
    assert set(caught.value.message_dict) == {"kind", "description", "appointment_at"}
    order = register(shop)
    assert order.number.endswith("-PG2026-00001")
    assert order.dispatch_due_at == at(15) and order.requester_phone_masked == "139****5678"


def test_a_paid_service_comes_from_the_price_list(shop):
    with pytest.raises(ValidationError) as caught:
        register(shop, kind="special_service")
    assert "price_item" in caught.value.message_dict
    assert register(shop, kind="special_service", price_item=shop["unblock"]).price_item == shop["unblock"]


def test_refusal_needs_the_explanation_given_to_the_customer(shop):
    order = register(shop)
    with pytest.raises(ValidationError):
        services.work_order_judge(order=order, accept=False, actor=shop["desk"], now=at(1))
    refused = services.work_order_judge(order=order, accept=False, explanation="属于开发商保修范围，请联系开发商",
                                        actor=shop["desk"], now=at(1))
    assert refused.status == Status.REFUSED and "开发商" in refused.refusal_reason


@pytest.mark.parametrize("minute, late", [(14.99, None), (15.01, dt.timedelta(minutes=0.01))])
def test_the_fifteen_minute_rule_at_its_edge(shop, minute, late):
    order = register(shop)
    services.work_order_judge(order=order, accept=True, actor=shop["desk"], now=at(1))
    order = services.work_order_dispatch(order=order, worker=shop["plumber"], actor=shop["desk"], now=at(minute))
    assert order.dispatch_late_by == late


def test_a_worker_outside_his_trade_needs_an_explicit_override(shop):
    order = register(shop)
    services.work_order_judge(order=order, accept=True, actor=shop["desk"], now=at(1))
    with pytest.raises(ValidationError) as caught:
        services.work_order_dispatch(order=order, worker=shop["electrician"], actor=shop["desk"], now=at(3))
    assert "worker" in caught.value.message_dict
    assert WorkOrder.objects.get(pk=order.pk).status == Status.ACCEPTED
    order = services.work_order_dispatch(order=order, worker=shop["electrician"], trade_override="水电工都在外面",
                                         actor=shop["desk"], now=at(4))
    assert order.worker == shop["electrician"] and order.trade_override == "水电工都在外面"


def test_the_worker_dispatched_gets_the_order_in_his_inbox_and_the_pool_tells_no_one(shop):
    # given
    named = register(shop)
    services.work_order_judge(order=named, accept=True, actor=shop["desk"], now=at(1))
    DispatchRule.objects.create(estate=shop["unit"].estate, kind="major_works", mode="pool", minutes=60)
    pooled = register(shop, kind="major_works")
    services.work_order_judge(order=pooled, accept=True, actor=shop["desk"], now=at(1))

    # when
    services.work_order_dispatch(order=named, worker=shop["plumber"], actor=shop["desk"], now=at(2))
    services.work_order_dispatch(order=pooled, actor=shop["desk"], now=at(2))

    # then
    told = Notification.objects.get(kind="workorder.dispatched")
    assert told.recipient == shop["plumber"].user and told.owner is None
    assert told.render("en") == (f"Work order {named.number} for {named.unit.number}", "厨房水龙头漏水")
    assert told.render("zh-hans")[0] == f"派工单 {named.number}，{named.unit.number}"
    assert Notification.objects.filter(kind="workorder.assigned").count() == 1  # the owner, for the named one


def test_dispatch_before_judging_is_refused(shop):
    order = register(shop)
    with pytest.raises(ValidationError):
        services.work_order_dispatch(order=order, worker=shop["plumber"], actor=shop["desk"], now=at(3))


def test_round_robin_gives_the_next_worker_with_the_trade(shop):
    DispatchRule.objects.create(estate=shop["unit"].estate, kind="minor_repair", mode="round_robin", minutes=15)
    workers = []
    for n in range(3):
        order = register(shop, now=at(n))
        services.work_order_judge(order=order, accept=True, actor=shop["desk"], now=at(n + 1))
        workers.append(services.work_order_dispatch(order=order, actor=shop["desk"], now=at(n + 2)).worker.user.username)
    assert workers[0] != workers[1] and workers[2] == workers[0]
    assert set(workers) == {"plumber", "plumber2"}


def test_from_the_pool_the_first_worker_with_the_trade_takes_it(shop):
    DispatchRule.objects.create(estate=shop["unit"].estate, kind="minor_repair", mode="pool", minutes=15)
    order = register(shop)
    services.work_order_judge(order=order, accept=True, actor=shop["desk"], now=at(1))
    order = services.work_order_dispatch(order=order, actor=shop["desk"], now=at(2))
    assert order.worker is None and order.dispatched_at == at(2)
    with pytest.raises(ValidationError):
        services.work_order_take(order=order, worker=shop["electrician"], now=at(3))
    taken = services.work_order_take(order=order, worker=shop["plumber2"], now=at(4))
    assert taken.worker == shop["plumber2"] and taken.taken_at == at(4)
    with pytest.raises(ValidationError):
        services.work_order_take(order=order, worker=shop["plumber"], now=at(5))


def test_paid_service_needs_the_price_agreed_before_the_work_and_cash_gets_a_receipt(shop):
    order = dispatched(shop, kind="special_service", price_item=shop["unblock"])
    plumber = shop["plumber"]
    services.work_order_take(order=order, worker=plumber, now=at(10))
    services.work_order_arrive(order=order, worker=plumber, now=at(40))
    with pytest.raises(ValidationError) as caught:
        services.work_order_complete(order=order, worker=plumber, now=at(60))
    assert "price" in caught.value.messages[0].lower()
    services.work_order_confirm_price(order=order, worker=plumber, price=Decimal("80"), now=at(41))
    services.work_order_complete(order=order, worker=plumber, now=at(70))
    receipt = services.work_order_collect_payment(order=order, method="cash", actor=shop["desk"], now=at(71))
    assert isinstance(receipt, Receipt) and receipt.amount == Decimal("80.00")
    assert receipt.number.endswith("-SJ2026-000001") and receipt.source == f"workorder:{order.pk}"
    with pytest.raises(ValidationError):
        services.work_order_collect_payment(order=order, method="cash", actor=shop["desk"], now=at(72))


def test_bank_collection_puts_the_charge_on_the_next_bill(shop):
    order = dispatched(shop, kind="special_service", price_item=shop["unblock"])
    for step in ("take", "arrive"):
        getattr(services, f"work_order_{step}")(order=order, worker=shop["plumber"], now=at(20))
    services.work_order_confirm_price(order=order, worker=shop["plumber"], price=Decimal("80.005"), now=at(21))
    services.work_order_complete(order=order, worker=shop["plumber"], now=at(30))
    charge = services.work_order_collect_payment(order=order, method="bank_collection", now=at(31))
    assert BankCollectionCharge.objects.get() == charge
    assert charge.amount == Decimal("80.01") and charge.billed_at is None  # half up at the cent


def test_rework_then_escalation_then_settlement(shop):
    order = dispatched(shop)
    plumber = shop["plumber"]
    services.work_order_take(order=order, worker=plumber, now=at(10))
    services.work_order_arrive(order=order, worker=plumber, now=at(30))
    services.work_order_complete(order=order, worker=plumber, now=at(60))
    order = services.work_order_customer_verdict(order=order, satisfied=False, rating=2, comment="还在滴水", now=at(65))
    assert order.status == Status.REWORK and order.rework_count == 1
    services.work_order_complete(order=order, worker=plumber, now=at(90))
    order = services.work_order_customer_verdict(order=order, satisfied=False, rating=1, comment="依然滴水", now=at(95))
    assert order.status == Status.ESCALATED
    escalated = Notification.objects.get(kind="workorder.escalated", recipient=shop["boss"])
    assert escalated.render("en") == (f"Work order {order.number}: customer still unsatisfied after rework", "依然滴水")
    with pytest.raises(PermissionDenied):
        services.work_order_settle(order=order, rework=False, note="赔偿", actor=shop["desk"], now=at(100))
    settled = services.work_order_settle(order=order, rework=False, note="更换整个龙头，免收费用",
                                         actor=shop["boss"], now=at(100))
    assert settled.status == Status.SIGNED_OFF


def test_the_customer_cancels_and_the_order_is_voided_not_deleted(shop):
    order = dispatched(shop)
    with pytest.raises(ValidationError):
        services.work_order_void(order=order, reason=" ", now=at(6))
    voided = services.work_order_void(order=order, reason="业主自己修好了", now=at(6))
    assert voided.status == Status.VOIDED and WorkOrder.objects.filter(pk=order.pk).exists()
    with pytest.raises(ValidationError):
        services.work_order_take(order=order, worker=shop["plumber"], now=at(7))


def test_only_the_assigned_worker_carries_the_order_on(shop):
    order = dispatched(shop)
    services.work_order_take(order=order, worker=shop["plumber"], now=at(10))
    with pytest.raises(PermissionDenied):
        services.work_order_arrive(order=order, worker=shop["plumber2"], now=at(20))


def test_late_dispatch_sweep_run_twice_alerts_the_desk_once(shop):
    # given: registered 14:44, due 14:59
    order = register(shop)

    # when
    call_command("runjob", "repairs.late_dispatch_sweep", "--as-of", "2026-11-02T14:58")
    assert Notification.objects.filter(kind="workorder.dispatch_late").count() == 0
    call_command("runjob", "repairs.late_dispatch_sweep", "--as-of", "2026-11-02T15:00")
    call_command("runjob", "repairs.late_dispatch_sweep", "--as-of", "2026-11-02T15:05")

    # then: the desk and the supervisor, once each
    notes = Notification.objects.filter(kind="workorder.dispatch_late")
    assert sorted(n.recipient.username for n in notes) == ["boss", "desk"]
    assert notes[0].subject == f"Work order {order.number} not dispatched within 15 minutes"
    assert notes[0].body == f"{order.unit.number}: {order.description}"
    assert notes[0].render("zh-hans")[0] == f"派工单 {order.number} 未在 15 分钟内派工"


def test_dispatch_kpi(shop):
    from repairs.selectors import kpi_dispatch_on_time

    on_time, late = register(shop), register(shop)
    for order, minute in ((on_time, 10), (late, 20)):
        services.work_order_judge(order=order, accept=True, actor=shop["desk"], now=at(1))
        services.work_order_dispatch(order=order, worker=shop["plumber"], actor=shop["desk"], now=at(minute))
    assert kpi_dispatch_on_time(start=T0, end=at(60)) == (1, 2)


def test_every_move_outside_the_transition_map_is_refused(shop):
    from repairs.models import TRANSITIONS

    order = register(shop)
    refused = allowed = 0
    for current in Status.values:
        for target in Status.values:
            order.status = current
            if target in TRANSITIONS[current]:
                services._move(order, target, actor=None, now=at(1))
                allowed += 1
            else:
                with pytest.raises(ValidationError):
                    services._move(order, target, actor=None, now=at(1))
                refused += 1
    assert allowed == sum(len(targets) for targets in TRANSITIONS.values()) and refused > 90


def test_dispatching_again_changes_the_worker_but_not_the_dispatch_time(shop):
    order = dispatched(shop)  # to the plumber at minute 5
    again = services.work_order_dispatch(order=order, worker=shop["plumber2"], actor=shop["desk"], now=at(30))
    assert again.worker == shop["plumber2"] and again.dispatched_at == at(5) and again.dispatch_late_by is None
