"""The owner answers a callback online, from the link in their inbox."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from callbacks import services
from callbacks.models import Callback, CallbackResult, Status
from complaints.models import Status as ComplaintStatus
from tests.callbacks.conftest import resolve_complaint
from tests.factories import UnitFactory, UserFactory, give_unit, make_owner

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture(autouse=True)
def _owner_reads_english(estate):
    """The portal is in the owner's language, whatever the browser asks: these pages are read in English."""
    estate["owner"].language = "en"
    estate["owner"].save(update_fields=["language"])


@pytest.fixture
def offered(estate):
    """A resolved complaint whose callback the desk offered to the owner online."""
    now = timezone.now()
    complaint = resolve_complaint(estate, received=now - dt.timedelta(days=2), resolved=now - dt.timedelta(days=1))
    callback = Callback.objects.get(complaint=complaint)
    services.callback_offer_online(callback=callback, now=now, actor=estate["desk"])
    return callback


def answer_url(callback) -> str:
    return reverse("callbacks:portal_answer", args=[callback.pk])


def test_the_owner_answers_satisfied_and_the_complaint_closes(client, estate, offered):
    # given
    client.force_login(estate["owner"].user)
    page = client.get(answer_url(offered), **EN)
    assert page.status_code == 200
    text = page.content.decode()
    assert offered.complaint.number in text and "更换了楼上的防水层" in text and "Very satisfied" in text

    # when
    sent = client.post(answer_url(offered), {"satisfaction": "satisfied", "suggestions": "师傅很负责"}, **EN,
                       follow=True)

    # then: done, the complaint closed, and the page thanks the owner and shows the answer
    offered.refresh_from_db()
    offered.complaint.refresh_from_db()
    assert offered.status == Status.DONE and offered.complaint.status == ComplaintStatus.CLOSED
    result = CallbackResult.objects.get(callback=offered)
    assert (result.method, result.satisfaction, result.recorded_by) == ("online", "satisfied",
                                                                         estate["owner"].user)
    text = sent.content.decode()
    assert "Thank you for your answer" in text and "师傅很负责" in text and "Send my answer" not in text


def test_unsatisfied_without_shortcomings_is_a_400_on_that_field(client, estate, offered):
    client.force_login(estate["owner"].user)

    refused = client.post(answer_url(offered), {"satisfaction": "unsatisfied"}, **EN)

    assert refused.status_code == 400
    assert "shortcomings" in refused.context["form"].errors
    assert "Please tell us what was not good" in refused.content.decode()
    offered.refresh_from_db()
    assert offered.status == Status.DUE and not CallbackResult.objects.exists()

    # and with what was wrong, the complaint goes back in progress
    client.post(answer_url(offered), {"satisfaction": "unsatisfied", "shortcomings": "雨后仍渗水"}, **EN)
    offered.complaint.refresh_from_db()
    assert offered.complaint.status == ComplaintStatus.IN_PROGRESS


def test_answering_twice_is_refused_with_a_message(client, estate, offered):
    client.force_login(estate["owner"].user)
    client.post(answer_url(offered), {"satisfaction": "very_satisfied"}, **EN)

    again = client.post(answer_url(offered), {"satisfaction": "unsatisfied", "shortcomings": "改主意了"}, **EN,
                        follow=True)

    assert "You have answered already" in again.content.decode()
    assert CallbackResult.objects.filter(callback=offered).count() == 1
    assert CallbackResult.objects.get().satisfaction == "very_satisfied"


def test_another_owners_callback_is_not_found(client, estate, offered):
    neighbour = make_owner(name="王强", phone="13700001111")
    give_unit(neighbour, UnitFactory(number="3-1-1204"))
    neighbour.user = UserFactory(username="wangqiang")
    neighbour.save(update_fields=["user"])
    client.force_login(neighbour.user)

    assert client.get(answer_url(offered)).status_code == 404
    assert client.post(answer_url(offered), {"satisfaction": "satisfied"}).status_code == 404
    assert "3-1-1203" not in client.get(reverse("callbacks:portal_list")).content.decode()
    offered.refresh_from_db()
    assert offered.status == Status.DUE


def test_a_callback_not_offered_online_is_not_found(client, estate):
    now = timezone.now()
    complaint = resolve_complaint(estate, received=now - dt.timedelta(days=2), resolved=now - dt.timedelta(days=1))
    callback = Callback.objects.get(complaint=complaint)
    client.force_login(estate["owner"].user)

    assert client.get(answer_url(callback)).status_code == 404
    assert client.post(answer_url(callback), {"satisfaction": "satisfied"}).status_code == 404
    assert complaint.number not in client.get(reverse("callbacks:portal_list")).content.decode()


def test_the_list_shows_what_is_offered_and_still_due(client, estate, offered):
    client.force_login(estate["owner"].user)

    listed = client.get(reverse("callbacks:portal_list"), **EN).content.decode()
    assert offered.complaint.number in listed and answer_url(offered) in listed

    client.post(answer_url(offered), {"satisfaction": "satisfied"})
    assert answer_url(offered) not in client.get(reverse("callbacks:portal_list"), **EN).content.decode()


def test_staff_cannot_use_the_owners_page(client, estate, offered):
    client.force_login(estate["desk"])

    assert client.get(answer_url(offered)).status_code == 403
    assert client.post(answer_url(offered), {"satisfaction": "satisfied"}).status_code == 403
