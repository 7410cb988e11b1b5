"""The late-dispatch sweep alerts about a set of orders in a number of statements that
does not grow with them, with the same messages as one by one."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from propertydesk.models import Delivery, Notification
from repairs import jobs
from repairs.models import WorkOrder, WorkOrderEvent
from tests.factories import UserFactory
from tests.repairs.test_services import at, register


def _counted(as_of):
    with CaptureQueriesContext(connection) as queries:
        summary = jobs.late_dispatch_sweep(as_of=as_of)
    return summary, len(queries)


def _expected(orders, desk) -> set[tuple]:
    return {(user.username, f"workorder-dispatch-late:{o.pk}:user:{user.pk}", o.number,
             int((o.dispatch_due_at - o.registered_at).total_seconds() // 60), o.unit.number, o.description[:200],
             reverse("repairs:detail", args=[o.pk]))
            for o in orders for user in desk}


def _sent() -> set[tuple]:
    return {(n.recipient.username, n.dedupe_key, n.params["number"], n.params["minutes"], n.params["unit"],
             n.params["text"], n.url)
            for n in Notification.objects.filter(kind="workorder.dispatch_late").select_related("recipient")}


def test_30_late_orders_take_as_many_statements_as_3_and_alert_the_same_people_once(shop):
    desk = [shop["desk"], shop["boss"], UserFactory(username="desk2", role="front_desk")]
    # given: 3 orders registered at 14:44, due 14:59
    few = [register(shop) for _ in range(3)]

    # when: the sweep at 15:00, and again at 15:05
    summary, small = _counted(at(16))
    assert summary == "3 work orders newly late for dispatch"
    first = _sent()
    assert first == _expected(few, desk)
    late = Delivery.objects.filter(notification__kind="workorder.dispatch_late")
    assert set(late.values_list("channel", flat=True)) == {"inbox"} and late.count() == len(first)
    deliveries = Delivery.objects.count()
    assert jobs.late_dispatch_sweep(as_of=at(21)) == "0 work orders newly late for dispatch"
    assert _sent() == first and Delivery.objects.count() == deliveries

    # given: 30 more registered at 15:30 (a long description is cut to 200 characters)
    many = [register(shop, now=at(46), description="水" * 300 if n == 0 else "厨房水龙头漏水") for n in range(30)]

    events = WorkOrderEvent.objects.count()

    # when
    summary, large = _counted(at(62))

    # then
    assert summary == "30 work orders newly late for dispatch"
    assert large == small
    assert _sent() - first == _expected(many, desk)
    cut = Notification.objects.filter(dedupe_key__startswith=f"workorder-dispatch-late:{many[0].pk}:")
    assert {len(n.params["text"]) for n in cut} == {200}
    assert set(WorkOrder.objects.values_list("dispatch_alerted_at", flat=True)) == {at(16), at(62)}
    # the alert is not a move: no order changed state
    assert WorkOrderEvent.objects.count() == events
    assert set(WorkOrder.objects.values_list("status", flat=True)) == {"registered"}

    # and again: nothing new
    before = (Notification.objects.count(), Delivery.objects.count())
    assert jobs.late_dispatch_sweep(as_of=at(70)) == "0 work orders newly late for dispatch"
    assert (Notification.objects.count(), Delivery.objects.count()) == before
