"""The estate the fault tests run on, built in the app's own process (``Stack.python``)
through the services, as of the evening before the bill day: UNITS units with an owner
each who wants SMS, a monthly fee, COMPLAINTS complaints resolved that afternoon (the
hourly job owes each a callback), and the staff who sign in (password PASSWORD)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

SH = ZoneInfo("Asia/Shanghai")
BUILT_AT = dt.datetime(2026, 11, 9, 15, 0, tzinfo=SH)
UNITS = 200
COMPLAINTS = 20
CODE = "faults"
# The whole job set runs at these moments (the registry's jobs, each its latest slot at
# or before the moment): the bill day's 01:00 run, then the first dunning day's 09:00.
MOMENTS = ("2026-11-10T01:00:00+08:00", "2026-11-16T09:00:00+08:00")
NOVEMBER = dt.date(2026, 11, 1)


def build() -> None:
    from complaints import services as complaints
    from tests.factories import UserFactory, estate_reached_by_sms, works_in

    estate, units, people = estate_reached_by_sms(UNITS, code=CODE, name="故障苑")
    desk = works_in(UserFactory(username="desk", role="front_desk"), estate, "customer_service")
    UserFactory(username="supervisor", role="supervisor")
    works_in(UserFactory(username="finance", role="finance"), estate, "finance")
    for i in range(COMPLAINTS):
        received = BUILT_AT - dt.timedelta(hours=4)
        complaint = complaints.complaint_register(
            unit=units[i], owner=people[i], channel="phone", category="repair", description="卫生间天花板渗水",
            now=received, actor=desk)
        complaints.complaint_assign(complaint=complaint, department="engineering", now=received, actor=desk)
        complaints.complaint_start(complaint=complaint, now=received, actor=None)
        complaints.complaint_resolve(complaint=complaint, resolution="更换了楼上的防水层", now=BUILT_AT, actor=None)


def publish_notice() -> int:
    """The desk publishes an outage notice to the whole estate now: a message to every
    owner (SMS), written in the transaction, sent by the workers. Returns its id."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from notices import services
    from owners.models import Estate

    now = timezone.now()
    notice = services.notice_create(
        estate=Estate.objects.get(code=CODE), kind="outage", title="停水通知", body="{place}将于{start}至{end}停水。",
        place="1号楼", starts_at=now + dt.timedelta(hours=6), ends_at=now + dt.timedelta(hours=10), now=now,
        actor=get_user_model().objects.get(username="desk"))
    return services.notice_publish(notice=notice, now=now, actor=notice.created_by).pk


PUBLISH_NOTICE = "from tests.faults.estate import publish_notice; print(publish_notice())"


def notice_sms_sent(stack, notice: int) -> int:
    return stack.scalar("SELECT count(*) FROM propertydesk_delivery d JOIN propertydesk_notification n "
                        "ON n.id = d.notification_id WHERE n.dedupe_key LIKE %s AND d.channel = 'sms' "
                        "AND d.status = 'sent'", (f"notice:{notice}:owner:%",))
