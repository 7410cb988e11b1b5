"""The desk's page of messages that did not go out (failed and given-up deliveries, per
channel, with the reason and a retry button) and the supervisors' figure of everything
not yet delivered."""

import datetime as dt
import zoneinfo

import pytest
from django.urls import reverse
from django.utils import translation

from propertydesk import messages, notifications, selectors
from propertydesk.models import Delivery, DeliveryEvent
from tests.factories import UserFactory, make_owner

SH = zoneinfo.ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 11, 16, 9, 0, tzinfo=SH)
PHONE = "13912345678"


def reminder(owner, *, now=NOW, unit="3-1-1203", **kwargs):
    return notifications.notify_owner(
        owner=owner, kind="fees.dunning.1", now=now, dedupe_key=f"test:{unit}:{now.isoformat()}",
        params={"unit": unit, "owed": "210.33", "month": messages.month(dt.date(2026, 11, 1))}, **kwargs)


@pytest.fixture
def no_retries(settings):
    """Every failure is final: the first failed attempt gives up."""
    settings.OUTBOX_RETRY_DELAYS_SECONDS = []


@pytest.fixture
def given_up_sms(db, sms_gateway, no_retries, django_capture_on_commit_callbacks):
    """An SMS reminder to 李娜 that the gateway refused, and was given up."""
    owner = make_owner(name="李娜", phone=PHONE)
    sms_gateway.fail_for(PHONE)
    with django_capture_on_commit_callbacks(execute=True):
        note = reminder(owner)
    delivery = Delivery.objects.get(notification=note, channel="sms")
    assert delivery.status == "given_up"
    return delivery


# ---- who may open it --------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["front_desk", "supervisor"])
def test_the_front_desk_and_supervisors_open_the_page_and_see_it_in_their_navigation(client, db, role):
    client.force_login(UserFactory(role=role))
    response = client.get(reverse("deliveries"))
    assert response.status_code == 200
    assert f'href="{reverse("deliveries")}"' in response.content.decode()


@pytest.mark.parametrize("role", ["engineering", "finance"])
def test_engineering_and_finance_are_refused_and_have_no_link(client, db, role):
    client.force_login(UserFactory(role=role))
    assert client.get(reverse("deliveries")).status_code == 403
    assert client.post(reverse("delivery_retry", args=[1])).status_code == 403
    assert f'href="{reverse("deliveries")}"' not in client.get(reverse("desk")).content.decode()


def test_an_owner_is_refused_and_a_stranger_is_sent_to_log_in(client, owner_with_unit):
    owner, _unit = owner_with_unit
    client.force_login(owner.user)
    assert client.get(reverse("deliveries")).status_code == 403
    client.logout()
    response = client.get(reverse("deliveries"))
    assert response.status_code == 302 and reverse("login") in response.url


# ---- the list -----------------------------------------------------------------------------------


def test_the_page_lists_a_given_up_sms_with_its_reason_the_masked_phone_and_a_retry_button(
    client, desk_user, given_up_sms
):
    client.force_login(desk_user)
    page = client.get(reverse("deliveries") + "?channel=sms", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "李娜" in page and "139****5678" in page and PHONE not in page
    assert "First payment reminder: 2026-11" in page  # the message, in the page's language
    assert "SmsError: gateway refused 139****5678" in page
    assert reverse("delivery_retry", args=[given_up_sms.pk]) in page and "csrfmiddlewaretoken" in page


def test_the_subject_is_shown_in_the_readers_language(client, desk_user, given_up_sms):
    client.force_login(desk_user)
    client.cookies["django_language"] = "zh-hans"
    page = client.get(reverse("deliveries")).content.decode()
    assert "第一次催款通知：2026-11" in page
    assert "First payment reminder" not in page


def test_the_list_filters_by_channel_and_status_and_counts_each_channel(
    db, sms_gateway, no_retries, django_capture_on_commit_callbacks, mailoutbox, settings
):
    # given: a given-up SMS, and an e-mail that failed and would be retried
    sms_owner = make_owner(name="李娜", phone=PHONE)
    mail_owner = make_owner(name="王强", phone="13800000001", email="wq@example.com", preferred_channel="email")
    sms_gateway.fail_for(PHONE)
    with django_capture_on_commit_callbacks(execute=True):
        reminder(sms_owner)
    mail = Delivery.objects.get(notification=reminder(mail_owner, unit="3-1-1204"), channel="email")
    Delivery.objects.filter(pk=mail.pk).update(status="failed", attempts=1, last_error="SMTPException: busy",
                                               next_attempt_at=NOW)

    # then
    assert selectors.delivery_attention_counts() == {"sms": {"given_up": 1}, "email": {"failed": 1}}
    assert [r.delivery.channel for r in selectors.deliveries_needing_attention()] == ["email", "sms"]
    assert [r.recipient for r in selectors.deliveries_needing_attention(channel="sms")] == ["李娜"]
    assert [r.recipient for r in selectors.deliveries_needing_attention(status="failed")] == ["王强"]
    assert selectors.deliveries_needing_attention(channel="letter") == []


def test_a_staff_recipient_is_shown_by_name_and_the_outboxs_own_reason_is_translated(db, desk_user):
    colleague = UserFactory(username="chen", first_name="丽华", last_name="陈", email="chen@example.com")
    [note] = notifications.notify(recipients=[colleague], kind="fees.dunning.1", now=NOW, email=True,
                                  params={"unit": "1-1-101", "owed": "1.00", "month": messages.month(NOW.date())})
    Delivery.objects.filter(notification=note, channel="email").update(
        status="given_up", attempts=1, last_error="no address")
    with translation.override("zh-hans"):
        [row] = selectors.deliveries_needing_attention()
        assert row.recipient == "陈丽华" and row.owner_id is None and row.phone_masked == ""
        assert row.reason != "no address"
    with translation.override("en"):
        assert selectors.deliveries_needing_attention()[0].reason == "No e-mail address."


def test_the_pages_queries_do_not_grow_with_its_rows(
    client, desk_user, sms_gateway, no_retries, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    def add(n, start):
        owners = [make_owner(name=f"业主{start + i}", phone=f"1390000{start + i:04d}") for i in range(n)]
        sms_gateway.fail_for(*[f"1390000{start + i:04d}" for i in range(n)])
        with django_capture_on_commit_callbacks(execute=True):
            for i, owner in enumerate(owners):
                reminder(owner, unit=f"1-1-{start + i}")

    client.force_login(desk_user)
    add(1, 0)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        assert client.get(reverse("deliveries")).status_code == 200
    add(12, 100)
    with CaptureQueriesContext(connection) as thirteen:
        page = client.get(reverse("deliveries")).content.decode()
    assert page.count('data-delivery="') == 13
    assert len(thirteen) == len(one)


# ---- retry ---------------------------------------------------------------------------------------


def test_retry_moves_a_given_up_sms_back_to_pending_and_it_is_then_sent(
    client, desk_user, given_up_sms, sms_gateway, django_capture_on_commit_callbacks
):
    # given: the owner's phone works again
    sms_gateway.heal()
    client.force_login(desk_user)

    # when: the desk presses Retry on the SMS tab
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(reverse("delivery_retry", args=[given_up_sms.pk]), {"channel": "sms"},
                               HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 302 and response.url == reverse("deliveries") + "?channel=sms"
    given_up_sms.refresh_from_db()
    assert (given_up_sms.status, given_up_sms.attempts) == ("pending", 0)
    retried = DeliveryEvent.objects.filter(delivery=given_up_sms).last()
    assert (retried.from_status, retried.to_status, retried.actor) == ("given_up", "pending", desk_user)

    # then: once the retry commits, it is sent, with its idempotency key, and the page says so
    for callback in callbacks:
        callback()
    given_up_sms.refresh_from_db()
    assert given_up_sms.status == "sent"
    assert sms_gateway.messages()[given_up_sms.idempotency_key]["to"] == PHONE
    page = client.get(response.url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Sending again: SMS to 李娜." in page  # the message after the redirect
    assert 'data-delivery="' not in page


def test_a_letter_is_not_retried_and_the_desk_is_told_why(client, desk_user, db):
    owner = make_owner(name="李娜", phone=PHONE)
    note = reminder(owner, letter=True)
    letter = Delivery.objects.get(notification=note, channel="letter")
    Delivery.objects.filter(pk=letter.pk).update(status="given_up")  # as if; letters are delivered by hand
    client.force_login(desk_user)
    response = client.post(reverse("delivery_retry", args=[letter.pk]), follow=True, HTTP_ACCEPT_LANGUAGE="en")
    assert "delivered by hand" in response.content.decode()
    assert Delivery.objects.get(pk=letter.pk).status == "given_up"


def test_retry_is_a_post(client, desk_user, given_up_sms):
    client.force_login(desk_user)
    assert client.get(reverse("delivery_retry", args=[given_up_sms.pk])).status_code == 405


# ---- the supervisors' figure --------------------------------------------------------------------


def test_the_figure_counts_what_is_not_delivered_by_channel_plus_letters_as_of_a_moment(
    db, sms_gateway, no_retries, django_capture_on_commit_callbacks
):
    li, wang, zhao = (make_owner(name=n, phone=p) for n, p in
                      (("李娜", PHONE), ("王强", "13800000002"), ("赵敏", "13800000003")))
    sms_gateway.fail_for(PHONE)
    with django_capture_on_commit_callbacks(execute=True):
        reminder(li)  # given up
        reminder(wang, unit="1-1-102")  # sent
    reminder(zhao, unit="1-1-103", now=NOW + dt.timedelta(hours=1))  # pending (not committed yet: no send)
    reminder(zhao, unit="1-1-104", letter=True)  # a letter waiting for the door

    figure = selectors.undelivered_figure(as_of=NOW + dt.timedelta(hours=2))
    assert figure.by_channel == {"sms": {"given_up": 1, "pending": 1}}
    assert (figure.letters_waiting, figure.given_up, figure.waiting, figure.total) == (1, 1, 1, 3)
    assert figure.oldest == NOW
    # written later than as_of: not counted
    assert selectors.undelivered_figure(as_of=NOW).total == 2


def test_the_supervisor_sees_the_figure_on_the_desk_red_when_any_is_given_up(client, supervisor_user, given_up_sms):
    client.force_login(supervisor_user)
    page = client.get(reverse("desk"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'id="undelivered"' in page and "1 message not delivered" in page and "alert-danger" in page
    assert f'href="{reverse("deliveries")}" id="undelivered"' in page
    client.cookies["django_language"] = "zh-hans"
    page = client.get(reverse("desk")).content.decode()
    assert "1 条消息未送达" in page and "其中 1 条已放弃发送" in page


def test_the_figure_is_amber_without_a_given_up_message_and_absent_at_zero(client, supervisor_user, db):
    client.force_login(supervisor_user)
    assert 'id="undelivered"' not in client.get(reverse("desk")).content.decode()
    reminder(make_owner(name="李娜", phone=PHONE))  # pending: its transaction has not committed in this test
    page = client.get(reverse("desk"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "1 message not delivered" in page and "alert-warning" in page and "alert-danger" not in page


def test_the_front_desk_does_not_get_the_figure(client, desk_user, given_up_sms):
    client.force_login(desk_user)
    assert 'id="undelivered"' not in client.get(reverse("desk")).content.decode()
