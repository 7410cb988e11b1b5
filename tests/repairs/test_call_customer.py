"""Calling the customer from the order's page: the desk, and the worker the order is
assigned to, reveal the requester's number in place (logged as a reveal, with why);
no other worker sees it."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from owners.models import PiiReveal
from repairs import services
from repairs.models import Status
from tests.repairs.test_worker_pages import (
    completed,
    dispatched_to,
    in_the_pool,
    log_in,
    on_site,
    png_data_url,
    step,
)

NUMBER = "13912345678"


def test_the_assigned_worker_reveals_the_customers_number_once_with_a_call_link(client, shop):
    # given: an order dispatched to the plumber, on his phone
    order = dispatched_to(shop, shop["plumber"])
    log_in(client, shop["plumber"])
    page = reverse("repairs:my_order", args=[order.pk])
    assert NUMBER not in client.get(page).content.decode()

    # when: he taps "show the number to call"
    posted = client.post(reverse("repairs:my_reveal_phone", args=[order.pk]))

    # then: back on the same order, at the phone, the number nowhere in the address
    assert posted.status_code == 302 and posted["Location"] == page + "#phone"
    shown = client.get(page)
    html = shown.content.decode()
    assert f'href="tel:{NUMBER}"' in html
    assert "no-store" in shown["Cache-Control"]
    # and: logged as the owner page's reveal is, naming the order and why
    log = PiiReveal.objects.get()
    assert (log.user, log.owner, log.field, log.reason, log.record_number) == (
        shop["plumber"].user, shop["owner"], "phone", "assigned_order", order.number)
    # and: shown for that page only; a reload masks it again
    again = client.get(page).content.decode()
    assert NUMBER not in again and "139****5678" in again


def test_another_workers_order_or_a_pool_order_is_refused_and_nothing_is_logged(client, shop):
    # given: an order of the other plumber's, and one in the shared pool of his trade
    theirs = on_site(shop, shop["plumber2"])
    pool = in_the_pool(shop)
    log_in(client, shop["plumber"])

    # when / then: neither the phone route nor the desk's route reveals it
    assert client.post(reverse("repairs:my_reveal_phone", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("repairs:my_reveal_phone", args=[pool.pk])).status_code == 404
    assert client.post(reverse("repairs:reveal_phone", args=[theirs.pk])).status_code in (403, 404)
    assert client.post(reverse("repairs:reveal_phone", args=[pool.pk])).status_code == 403
    assert PiiReveal.objects.count() == 0
    # and: the pool order's page offers no reveal
    assert "data-reveal-phone" not in client.get(reverse("repairs:my_order", args=[pool.pk])).content.decode()


def test_a_signed_off_order_no_longer_lets_its_worker_call(client, shop):
    # given: the plumber's order, done and signed off by the customer on his phone
    order = completed(shop, shop["plumber"])
    log_in(client, shop["plumber"])
    step(client, order, "accept", {"satisfied": "yes", "rating": "5", "signer_name": "李娜",
                                   "signature": png_data_url(ink=True)})
    order.refresh_from_db()
    assert order.status == Status.SIGNED_OFF

    # when / then: the button is gone and the reveal is refused
    assert "data-reveal-phone" not in client.get(reverse("repairs:my_order", args=[order.pk])).content.decode()
    assert client.post(reverse("repairs:my_reveal_phone", args=[order.pk])).status_code == 403
    with pytest.raises(PermissionDenied):
        services.work_order_reveal_phone(order=order, user=shop["plumber"].user, now=timezone.now())
    assert PiiReveal.objects.count() == 0


def test_the_desk_reveals_on_the_orders_page_logged_as_the_desks_call(client, shop):
    order = dispatched_to(shop, shop["plumber"])
    client.force_login(shop["desk"])
    page = reverse("repairs:detail", args=[order.pk])
    assert "data-reveal-phone" in client.get(page).content.decode()

    posted = client.post(reverse("repairs:reveal_phone", args=[order.pk]))

    assert posted["Location"] == page + "#phone"
    assert f'href="tel:{NUMBER}"' in client.get(page).content.decode()
    assert PiiReveal.objects.get().reason == "work_order"
