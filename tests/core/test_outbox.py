"""The outbox: every e-mail and SMS is a Delivery row written with the change that
causes it, sent after commit, retried with backoff, given up after the last attempt,
taken over from a worker that died, and sent with an idempotency key the gateway knows."""

import datetime as dt
import logging
import os
import subprocess
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction

from propertydesk import notifications, outbox
from propertydesk.languages import set_user_language
from propertydesk.models import Delivery, DeliveryEvent, Notification
from propertydesk.sms import LoggingSmsBackend
from tests.factories import UserFactory, make_owner

pytestmark = pytest.mark.django_db

SH = ZoneInfo("Asia/Shanghai")
T0 = dt.datetime(2026, 11, 16, 9, 0, tzinfo=SH)
REMINDER = {"unit": "1-1-101", "owed": "220.33", "month": {"$month": "2026-11-01"}}


def remind(owner, n=0):
    return notifications.notify_owner(owner=owner, kind="fees.dunning.1", params=REMINDER, now=T0,
                                      dedupe_key=f"test-reminder:{n}")


def minutes(n):
    return T0 + dt.timedelta(minutes=n)


@pytest.fixture
def off(settings):
    """Sent only when the test says so (as the worker or the sweep would)."""
    settings.OUTBOX_DELIVERY = "off"


def test_a_message_is_an_inbox_row_and_a_pending_sms_written_together(off, sms_gateway):
    # given: an owner who prefers the phone (so SMS)
    owner = make_owner(name="李娜", phone="13912345678", preferred_channel="phone")

    # when
    note = remind(owner)

    # then: the inbox is delivered with the row; the SMS waits for the worker
    assert sorted(note.deliveries.values_list("channel", "status")) == [("inbox", "sent"), ("sms", "pending")]
    assert sms_gateway.calls() == 0

    # when: the worker runs
    outcome = outbox.deliver(now=minutes(1))

    # then: one SMS, in the owner's language, with the delivery's key
    assert (outcome.sent, outcome.failed, outcome.given_up) == (1, 0, 0)
    sms = note.deliveries.get(channel="sms")
    assert (sms.status, sms.attempts, sms.sent_at) == ("sent", 1, minutes(1))
    assert sms.provider_id == f"rec:{sms.idempotency_key}"
    sent = sms_gateway.messages()
    assert list(sent) == [sms.idempotency_key]
    assert sent[sms.idempotency_key]["to"] == "13912345678"
    assert sent[sms.idempotency_key]["text"].startswith("第一次催款通知：2026-11")
    assert list(sms.events.values_list("from_status", "to_status")) == [("pending", "sending"), ("sending", "sent")]


def test_a_rolled_back_write_leaves_no_message_and_sends_nothing(sms_gateway, django_capture_on_commit_callbacks):
    owner = make_owner(name="李娜", phone="13912345678", preferred_channel="sms")
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        with transaction.atomic():
            remind(owner)
            raise RuntimeError("the business change failed")
    assert not Notification.objects.exists() and not Delivery.objects.exists()
    assert sms_gateway.calls() == 0


def test_after_commit_the_message_leaves_at_once(sms_gateway, django_capture_on_commit_callbacks):
    owner = make_owner(name="李娜", phone="13912345678", preferred_channel="sms")
    with django_capture_on_commit_callbacks(execute=True):
        remind(owner)
    assert sms_gateway.calls() == 1
    assert Delivery.objects.get(channel="sms").status == "sent"


def test_one_failing_sms_does_not_stop_the_others_and_is_retried_with_backoff(off, sms_gateway, settings):
    # given: three owners; the gateway refuses the second one's number
    settings.OUTBOX_RETRY_DELAYS_SECONDS = [60, 300]
    owners = [make_owner(name=f"业主{i}", phone=f"1390000000{i}", preferred_channel="sms") for i in range(3)]
    for i, owner in enumerate(owners):
        remind(owner, i)
    sms_gateway.fail_for("13900000001")

    # when
    first = outbox.deliver(now=minutes(0))

    # then: the other two left; the failed one waits a minute, with the reason
    assert (first.sent, first.failed, first.given_up) == (2, 1, 0)
    failed = Delivery.objects.get(channel="sms", status="failed")
    assert failed.notification.owner == owners[1]
    assert failed.next_attempt_at == minutes(1) and "gateway refused" in failed.last_error
    assert "13900000001" not in failed.last_error  # the error keeps the number masked

    # when: before the backoff nothing is tried; then it fails again, then it is given up
    assert outbox.deliver(now=minutes(0.5)).claimed == 0
    assert outbox.deliver(now=minutes(1)).failed == 1
    failed.refresh_from_db()
    assert failed.next_attempt_at == minutes(6)
    assert outbox.deliver(now=minutes(6)).given_up == 1
    failed.refresh_from_db()
    assert (failed.status, failed.attempts) == ("given_up", 3)
    assert outbox.deliver(now=minutes(600)).claimed == 0

    # when: the number works again and the desk presses retry
    sms_gateway.heal()
    desk = UserFactory(username="desk", role="front_desk")
    outbox.delivery_retry(delivery=failed, now=minutes(601), actor=desk)
    assert outbox.deliver(now=minutes(602)).sent == 1

    # then: sent once, and its history says who retried
    failed.refresh_from_db()
    assert failed.status == "sent" and len(sms_gateway.messages()) == 3
    assert list(failed.events.values_list("to_status", flat=True)) == [
        "sending", "failed", "sending", "failed", "sending", "given_up", "pending", "sending", "sent"]
    assert failed.events.get(to_status="pending").actor == desk


def test_an_owner_without_a_phone_is_given_up_at_once_with_the_reason(off, sms_gateway):
    owner = make_owner(name="李娜", phone="13912345678", preferred_channel="sms")
    note = remind(owner)
    owner.phones.all().delete()
    outcome = outbox.deliver(now=minutes(1))
    sms = note.deliveries.get(channel="sms")
    assert (outcome.given_up, sms.status, sms.last_error) == (1, "given_up", "no phone number")


def test_a_dead_workers_claim_is_taken_over_and_sent_with_the_same_key(off, sms_gateway):
    # given: a batch claimed by a worker process that has since died (a real process, gone)
    owner = make_owner(name="李娜", phone="13912345678", preferred_channel="sms")
    note = remind(owner)
    died = subprocess.Popen([sys.executable, "-c",
                             "from propertydesk import liveness; print(liveness.identity())"],
                            cwd=Path(__file__).resolve().parents[2], stdout=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])})
    dead_name = died.communicate(timeout=30)[0].strip()
    Delivery.objects.filter(notification=note, channel="sms").update(
        status="sending", claimed_by=dead_name, claimed_at=minutes(0), attempts=1)

    # when: the next run, a minute later (well within the lease)
    outcome = outbox.deliver(now=minutes(1))

    # then: taken over at once, sent once, with the key it was claimed with
    sms = note.deliveries.get(channel="sms")
    assert (outcome.sent, sms.status, sms.attempts) == (1, "sent", 2)
    assert list(sms_gateway.messages()) == [sms.idempotency_key]
    assert sms.events.filter(from_status="sending", to_status="sending",
                             note="taken over from a worker that stopped").exists()


def test_a_live_workers_claim_waits_for_its_lease(off, sms_gateway, settings):
    from propertydesk import liveness

    settings.OUTBOX_SENDING_LEASE_SECONDS = 600
    owner = make_owner(name="李娜", phone="13912345678", preferred_channel="sms")
    note = remind(owner)
    Delivery.objects.filter(notification=note, channel="sms").update(
        status="sending", claimed_by=liveness.identity(), claimed_at=minutes(0), attempts=1)
    assert outbox.deliver(now=minutes(5)).claimed == 0
    assert outbox.deliver(now=minutes(11)).sent == 1


def test_a_gateway_sent_the_same_key_twice_keeps_one_message(sms_gateway):
    from propertydesk.sms import RecordingSmsBackend

    backend = RecordingSmsBackend()
    first = backend.send(phone="13912345678", text="x", key="pd-1-sms")
    again = backend.send(phone="13912345678", text="x", key="pd-1-sms")
    assert first == again and len(sms_gateway.messages()) == 1 and sms_gateway.calls() == 2


def test_e_mail_goes_out_in_the_staff_readers_language_with_its_key(off, mailoutbox):
    # given: two supervisors, one reading English
    en = UserFactory(username="en", email="en@example.com")
    zh = UserFactory(username="zh", email="zh@example.com")
    set_user_language(en, "en")

    # when
    notifications.notify(recipients=[en, zh], kind="fees.dunning.1", params=REMINDER, now=T0, email=True)
    outbox.deliver(now=minutes(1))

    # then
    by_to = {m.to[0]: m for m in mailoutbox}
    assert by_to["en@example.com"].subject == "First payment reminder: 2026-11"
    assert by_to["zh@example.com"].subject == "第一次催款通知：2026-11"
    assert by_to["en@example.com"].extra_headers["Message-ID"] == \
        f"<{Delivery.objects.get(channel='email', notification__recipient=en).idempotency_key}@pd>"


def test_an_e_mail_failure_is_recorded_not_swallowed(off, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2  # nothing listens
    user = UserFactory(username="boss", email="boss@example.com")
    notifications.notify(recipients=[user], kind="fees.dunning.1", params=REMINDER, now=T0, email=True)
    outcome = outbox.deliver(now=minutes(1))
    email = Delivery.objects.get(channel="email")
    assert outcome.failed == 1 and email.status == "failed" and email.last_error


def test_the_inbox_renders_in_the_language_it_is_read_in():
    owner = make_owner(name="李娜", phone="13912345678")
    note = remind(owner)
    assert note.render("en") == ("First payment reminder: 2026-11",
                                 "1-1-101 owes ¥220.33 for 2026-11. Please pay at the service centre.")
    assert note.render("zh-hans")[0] == "第一次催款通知：2026-11"


def test_the_logging_sms_backend_masks_the_number_and_keeps_nothing(caplog):
    with caplog.at_level(logging.INFO, logger="propertydesk.sms"):
        LoggingSmsBackend().send(phone="13912345678", text="hello", key="pd-9-sms")
    assert "13912345678" not in caplog.text and "139****5678" in caplog.text
    assert not hasattr(LoggingSmsBackend, "sent")


def test_production_refuses_the_logging_sms_backend_unless_allowed():
    root = Path(__file__).resolve().parents[2]
    env = {k: v for k, v in os.environ.items() if k not in {"SMS_BACKEND", "SMS_ALLOW_LOGGING_BACKEND"}}
    env.update(DEBUG="false", SECRET_KEY="x" * 50, FIELD_ENCRYPTION_KEY="y" * 50, DJANGO_SETTINGS_MODULE="propertydesk.settings")
    code = "import django; django.setup(); print('started')"
    refused = subprocess.run([sys.executable, "-c", code], cwd=root, env=env, capture_output=True, text=True)
    allowed = subprocess.run([sys.executable, "-c", code], cwd=root, env={**env, "SMS_ALLOW_LOGGING_BACKEND": "true"},
                             capture_output=True, text=True)
    assert refused.returncode != 0 and "SMS_BACKEND is the logging backend" in refused.stderr
    assert allowed.returncode == 0 and "started" in allowed.stdout


def test_every_move_of_a_delivery_is_one_the_map_allows(off, sms_gateway):
    from propertydesk.models import DELIVERY_TRANSITIONS

    owner = make_owner(name="李娜", phone="13912345678", preferred_channel="sms")
    remind(owner)
    sms_gateway.fail_for("13912345678")
    outbox.deliver(now=minutes(0))
    sms_gateway.heal()
    outbox.deliver(now=minutes(2))
    moves = DeliveryEvent.objects.values_list("from_status", "to_status")
    assert moves and all(DELIVERY_TRANSITIONS.allows(f, t) for f, t in moves)


def test_the_outbox_sweep_sends_30_sms_in_as_many_statements_as_3(off, sms_gateway, settings):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from propertydesk.jobs import get_job

    sweep = get_job("propertydesk.outbox_sweep").function()

    def sweep_for(first, n):
        owners = [make_owner(name=f"业主{i}", phone=f"139000{i:05d}", preferred_channel="phone")
                  for i in range(first, first + n)]
        for i, owner in enumerate(owners, start=first):
            remind(owner, n=i)
        with CaptureQueriesContext(connection) as queries:
            summary = sweep(as_of=minutes(first + 1))
        return summary, len(queries)

    # given: 3 and then 30 pending SMS (one batch each)
    settings.OUTBOX_BATCH = 50
    small_summary, small = sweep_for(0, 3)
    large_summary, large = sweep_for(100, 30)

    # then: all sent, in the same statements: a batch's are fixed, whatever its size
    assert (small_summary, large_summary) == ("3 sent, 0 failed (to retry), 0 given up",
                                              "30 sent, 0 failed (to retry), 0 given up")
    assert large == small
    assert sms_gateway.calls() == 33
    # and swept again nothing is sent twice
    assert get_job("propertydesk.outbox_sweep").function()(as_of=minutes(200)).startswith("0 sent")
    assert sms_gateway.calls() == 33
