"""The number to call, revealed on the callback's and the complaint's page (issue 18):
a POST that comes back to the same page showing the number once as a tel: link, logged
as the owner page's reveal is; refused to whoever may not reveal owners' numbers."""

import datetime as dt

import time_machine
from django.urls import reverse

from callbacks.models import Callback
from complaints.models import Complaint
from owners.models import PiiReveal
from tests.factories import UnitFactory, give_unit, make_owner
from tests.pages.test_today import NOW, TODAY

NUMBER = "13912345678"


def world(contact_phone=NUMBER, assignee=None):
    """An owner whose complaint TS-R1 was resolved three days before NOW, and its
    callback due today."""
    owner = make_owner(name="李娜", phone=NUMBER)
    unit = UnitFactory(number="3-1-1201")
    give_unit(owner, unit)
    complaint = Complaint.objects.create(
        number="TS-R1", estate=unit.estate, unit=unit, owner=owner, contact_name="李娜", contact_phone=contact_phone,
        channel="phone", category="repair", description="卫生间漏水", status="resolved", department="engineering",
        received_at=NOW - dt.timedelta(days=5), promised_at=NOW - dt.timedelta(days=4),
        resolved_at=NOW - dt.timedelta(days=3))
    callback = Callback.objects.create(
        estate=unit.estate, kind="complaint", source_key=f"complaint:{complaint.pk}:1", complaint=complaint,
        unit=unit, owner=owner, contact_name="李娜", event_at=NOW - dt.timedelta(days=3), due_on=TODAY,
        created_at=NOW - dt.timedelta(days=3), assignee=assignee)
    return owner, complaint, callback


def test_the_desk_reveals_the_number_on_the_callback_and_sees_it_once(client, desk_user):
    # given
    owner, complaint, callback = world()
    client.force_login(desk_user)
    page = reverse("callbacks:detail", args=[callback.pk])
    before = client.get(page).content.decode()
    assert NUMBER not in before and "139****5678" in before and "data-reveal-phone" in before

    # when
    posted = client.post(reverse("callbacks:reveal_phone", args=[callback.pk]))

    # then: back to the callback at its phone; the number is not in the address
    assert posted.status_code == 302 and posted["Location"] == page + "#phone"
    shown = client.get(page)
    assert f'href="tel:{NUMBER}"' in shown.content.decode() and "no-store" in shown["Cache-Control"]
    log = PiiReveal.objects.get()
    assert (log.user, log.owner, log.field, log.via, log.reason, log.record_number) == (
        desk_user, owner, "phone", "web", "callback", "TS-R1")
    # and: the next page load masks it again
    assert NUMBER not in client.get(page).content.decode()


def test_the_owners_reveal_log_names_the_record_and_why(client, desk_user, supervisor_user):
    # given: the desk revealed the number on the callback
    owner, _complaint, callback = world()
    client.force_login(desk_user)
    client.post(reverse("callbacks:reveal_phone", args=[callback.pk]))

    # when: a supervisor reads the owner's page
    client.force_login(supervisor_user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    log = client.get(reverse("owners:detail", args=[owner.pk]), HTTP_ACCEPT_LANGUAGE="en").content.decode()

    # then
    assert "To make a callback TS-R1" in log


def test_the_desk_reveals_the_contact_on_the_complaint(client, desk_user):
    owner, complaint, _callback = world()
    client.force_login(desk_user)
    page = reverse("complaints:detail", args=[complaint.pk])

    posted = client.post(reverse("complaints:reveal_phone", args=[complaint.pk]))

    assert posted["Location"] == page + "#phone"
    assert f'href="tel:{NUMBER}"' in client.get(page).content.decode()
    assert (PiiReveal.objects.get().reason, PiiReveal.objects.get().record_number) == ("complaint", "TS-R1")


def test_whoever_may_not_reveal_owners_numbers_is_refused_and_nothing_is_logged(client, engineer_user, finance_user):
    _owner, complaint, callback = world()
    for user in (engineer_user, finance_user):
        client.force_login(user)
        assert client.post(reverse("callbacks:reveal_phone", args=[callback.pk])).status_code == 403
        assert client.post(reverse("complaints:reveal_phone", args=[complaint.pk])).status_code in (403, 404)
    assert PiiReveal.objects.count() == 0


def test_the_reveal_is_a_post_only(client, desk_user):
    _owner, _complaint, callback = world()
    client.force_login(desk_user)
    assert client.get(reverse("callbacks:reveal_phone", args=[callback.pk])).status_code == 405
    assert PiiReveal.objects.count() == 0


def test_a_complaint_without_a_phone_says_so_and_logs_nothing(client, desk_user):
    _owner, complaint, _callback = world(contact_phone=None)
    client.force_login(desk_user)

    posted = client.post(reverse("complaints:reveal_phone", args=[complaint.pk]), follow=True,
                         HTTP_ACCEPT_LANGUAGE="en")

    assert posted.status_code == 200
    assert "There is no phone number to call on this record." in posted.content.decode()
    assert PiiReveal.objects.count() == 0


def test_a_reveal_whose_page_was_not_opened_at_once_shows_nothing_later(client, desk_user):
    # given: the desk revealed the number, but the browser went elsewhere
    _owner, _complaint, callback = world()
    client.force_login(desk_user)
    page = reverse("callbacks:detail", args=[callback.pk])
    with time_machine.travel(NOW, tick=False):
        client.post(reverse("callbacks:reveal_phone", args=[callback.pk]))

    # when: the callback is opened two minutes later
    with time_machine.travel(NOW + dt.timedelta(minutes=2), tick=False):
        later = client.get(page).content.decode()

    # then: masked
    assert NUMBER not in later and "139****5678" in later
