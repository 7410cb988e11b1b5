"""A routine repair registered, accepted and dispatched in one submit from the desk's
registration form, and what every step of the order page says it did."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone, translation

from owners.models import StaffMembership
from propertydesk.models import Notification
from propertydesk.sequences import next_value
from repairs import services
from repairs.models import DispatchRule, Status, WorkOrder, WorkOrderEvent
from tests.factories import EstateFactory, UnitFactory


@pytest.fixture(autouse=True)
def english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    with translation.override("en"):
        yield


def form(shop, **extra):
    return {"estate": shop["unit"].estate_id, "unit_number": "3-1-1203", "from_owner": "on",
            "kind": "minor_repair", "trade": "plumbing", "description": "厨房水龙头漏水", "source": "phone",
            "next_step": "dispatch", **extra}


def said(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_one_submit_registers_accepts_and_dispatches_to_the_chosen_worker(client, shop):
    # given the desk on the registration form
    client.force_login(shop["desk"])

    # when it registers a leaking tap for the plumber, "accept and dispatch now"
    response = client.post(reverse("repairs:register"), form(shop, worker=shop["plumber"].pk))

    # then one order, dispatched to him, each step on its timeline, and the message says so
    order = WorkOrder.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("repairs:detail", args=[order.pk])
    assert order.status == Status.DISPATCHED and order.worker == shop["plumber"]
    assert order.judged_at == order.dispatched_at == order.registered_at and order.dispatch_late_by is None
    assert list(order.events.order_by("pk").values_list("from_status", "to_status")) == [
        ("", Status.REGISTERED), (Status.REGISTERED, Status.ACCEPTED), (Status.ACCEPTED, Status.DISPATCHED)]
    assert said(response) == [f"Work order {order.number} dispatched to plumber."]
    assert Notification.objects.filter(recipient=shop["plumber"].user, kind="workorder.dispatched").count() == 1


def test_a_refused_dispatch_writes_nothing_and_the_form_says_why(client, shop):
    # given an estate where the desk names the worker (no rule: the desk assigns)
    client.force_login(shop["desk"])
    before = next_value(f"workorder:{shop['unit'].estate_id}:{timezone.localtime().year}")

    # when the desk dispatches now without a worker, then to the electrician without a reason
    no_worker = client.post(reverse("repairs:register"), form(shop))
    wrong_trade = client.post(reverse("repairs:register"), form(shop, worker=shop["electrician"].pk))

    # then both forms come back on the worker field, and nothing was registered: no order,
    # no event, no message, no number taken
    assert no_worker.status_code == wrong_trade.status_code == 400
    assert no_worker.context["form"].errors["worker"] == ["Choose the worker."]
    assert "does not do Plumbing" in wrong_trade.context["form"].errors["worker"][0]
    assert "The work order was not registered." in wrong_trade.content.decode()
    assert WorkOrder.objects.count() == 0 and WorkOrderEvent.objects.count() == 0
    assert Notification.objects.count() == 0
    assert next_value(f"workorder:{shop['unit'].estate_id}:{timezone.localtime().year}") == before + 1


def test_by_the_estates_round_robin_the_next_worker_on_duty_gets_it(client, shop):
    DispatchRule.objects.create(estate=shop["unit"].estate, kind="minor_repair", mode="round_robin")
    client.force_login(shop["desk"])

    response = client.post(reverse("repairs:register"), form(shop))

    order = WorkOrder.objects.get()
    assert response.status_code == 302
    assert order.status == Status.DISPATCHED and order.worker in (shop["plumber"], shop["plumber2"])
    assert said(response) == [f"Work order {order.number} dispatched to {order.worker.display_name}."]


def test_to_the_shared_pool_the_order_goes_unnamed_and_a_chosen_worker_is_refused(client, shop):
    DispatchRule.objects.create(estate=shop["unit"].estate, kind="minor_repair", mode="pool")
    client.force_login(shop["desk"])

    named = client.post(reverse("repairs:register"), form(shop, worker=shop["plumber"].pk))
    pooled = client.post(reverse("repairs:register"), form(shop))

    assert named.status_code == 400 and "shared pool" in named.context["form"].errors["worker"][0]
    order = WorkOrder.objects.get()
    assert order.status == Status.DISPATCHED and order.worker is None
    assert said(pooled) == [f"Work order {order.number} is in the shared pool: the first Plumbing worker to take it gets it."]


def test_register_only_keeps_the_judgement_for_later(client, shop):
    client.force_login(shop["desk"])

    response = client.post(reverse("repairs:register"), form(shop, next_step="register", worker=shop["plumber"].pk))

    order = WorkOrder.objects.get()
    assert response.status_code == 302 and order.status == Status.REGISTERED and order.worker is None
    assert said(response)[0].startswith(f"Work order {order.number} registered; it must reach a worker by ")


def test_the_form_starts_on_the_estate_last_used_else_the_users_own(client, shop):
    # given a second estate, where the desk clerk works
    other = EstateFactory()
    UnitFactory(number="1-1-101", building__estate=other)
    StaffMembership.objects.create(user=shop["desk"], estate=other, department="customer_service")
    client.force_login(shop["desk"])

    # then the form starts on her own estate, and once she registered in the first, on that one
    assert client.get(reverse("repairs:register")).context["form"].initial["estate"] == other.pk
    services.work_order_register(unit=shop["unit"], owner=shop["owner"], kind="minor_repair", trade="plumbing",
                                 description="漏水", source="phone", actor=shop["desk"], now=timezone.now())
    page = client.get(reverse("repairs:register"))
    assert page.context["form"].initial["estate"] == shop["unit"].estate_id
    assert 'name="next_step" id="next-step-dispatch" value="dispatch" checked' in page.content.decode()


def test_a_clerk_who_may_not_dispatch_only_registers(client, shop):
    # engineering registers orders but does not judge or dispatch them
    from django.contrib.auth.models import Permission

    engineer = shop["plumber"].user
    engineer.user_permissions.add(Permission.objects.get(codename="add_workorder"))
    client.force_login(engineer)
    if engineer.has_perm("repairs.dispatch_workorder"):
        pytest.skip("engineering dispatches here")

    page = client.get(reverse("repairs:register")).content.decode()
    response = client.post(reverse("repairs:register"), form(shop, worker=shop["plumber"].pk))

    assert "next_step" not in page
    assert response.status_code == 302 and WorkOrder.objects.get().status == Status.REGISTERED


def test_each_step_of_the_order_page_says_what_it_did(client, shop):
    client.force_login(shop["desk"])
    order = services.work_order_register(unit=shop["unit"], owner=shop["owner"], kind="minor_repair",
                                         trade="plumbing", description="漏水", source="phone", actor=shop["desk"],
                                         now=timezone.now())

    def act(name, data):  # the page shown after the step, with its message
        return said(client.post(reverse("repairs:action", args=[order.pk, name]), data, follow=True))

    judged = act("judge", {"decision": "accept"})
    dispatched = act("dispatch", {"worker": shop["plumber"].pk})
    voided = act("void", {"reason": "业主取消"})

    assert judged[0].startswith(f"Work order {order.number} accepted; dispatch it by ")
    assert dispatched == [f"Work order {order.number} dispatched to plumber."]
    assert voided == [f"Work order {order.number} voided."]
    assert not any("Saved." in m for m in judged + dispatched + voided)


def test_the_messages_are_in_the_readers_language(client, shop):
    client.force_login(shop["desk"])
    with translation.override("zh-hans"):
        response = client.post(reverse("repairs:register"), form(shop, worker=shop["plumber"].pk),
                               HTTP_ACCEPT_LANGUAGE="zh-hans")
        order = WorkOrder.objects.get()
        assert said(response) == [f"派工单 {order.number} 已派给 plumber。"]
