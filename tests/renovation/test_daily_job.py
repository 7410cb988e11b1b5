"""renovation.daily: each event told once, however often the job runs."""

import datetime as dt
from collections import Counter

import pytest
from django.core.management import call_command

from propertydesk.jobs import get_job
from propertydesk.models import Delivery, Notification
from renovation import jobs, selectors, services
from renovation.models import Status
from tests.factories import UnitFactory, UserFactory, give_unit, make_owner
from tests.renovation.conftest import T0, apply, complete, sh

AS_OF = sh(2026, 12, 5, 8, 0)  # a Saturday


def flat(w, number: str, name: str, phone: str):
    owner = make_owner(name=name, phone=phone)
    unit = UnitFactory(number=number, building=w.unit.building)
    give_unit(owner, unit)
    return owner, unit


def start(w, owner, unit, *, end: dt.date):
    """At T0: applied by the desk, complete, approved, paid, permitted."""
    renovation = apply(w, owner=owner, unit=unit, planned_end=end)
    complete(w, renovation)
    services.renovation_approve(renovation=renovation, now=T0, actor=w.desk)
    services.renovation_fees_take(renovation=renovation, method="cash", now=T0, actor=w.finance)
    return services.permit_issue(renovation=renovation, now=T0, actor=w.desk)


@pytest.fixture
def situations(w):
    """On 5 December 2026 at 08:00:
    - 3-1-1203's passes end on 7 December (within 3 days);
    - 3-1-1204's passes ended on 20 November and its work is past its planned end;
    - 3-1-1501 passed on 24 November: its deposits fall due on 4 December;
    - 3-1-1502 asked for acceptance on Monday 30 November: due by Wednesday, not done."""
    expiring = start(w, w.owner, w.unit, end=dt.date(2026, 12, 7))
    overrun = start(w, w.other, w.other_unit, end=dt.date(2026, 11, 20))
    owner, unit = flat(w, "3-1-1501", "孙丽", "13600000001")
    due = start(w, owner, unit, end=dt.date(2026, 11, 30))
    services.acceptance_request(renovation=due, now=sh(2026, 11, 23, 9), actor=w.desk)
    services.inspection_record(renovation=due, passed=True, now=sh(2026, 11, 24, 15), actor=w.engineer)
    services.pass_return(worker_pass=due.passes.get(), now=sh(2026, 11, 24, 16), actor=w.desk)
    owner, unit = flat(w, "3-1-1502", "钱军", "13600000002")
    late = start(w, owner, unit, end=dt.date(2026, 12, 20))
    services.acceptance_request(renovation=late, now=sh(2026, 11, 30, 9), actor=w.desk)
    return {"expiring": expiring, "overrun": overrun, "due": due, "late": late}


def told(kind: str) -> Counter:
    rows = Notification.objects.filter(kind=kind)
    return Counter(("owner", n.owner.name) if n.owner_id else ("staff", n.recipient.username) for n in rows)


def test_the_daily_job_run_twice_tells_each_event_once(w, situations):
    # when the job runs at 08:00 on 5 December, and again
    call_command("runjob", "renovation.daily", "--as-of", "2026-12-05T08:00")
    first = (Notification.objects.count(), Delivery.objects.count())
    call_command("runjob", "renovation.daily", "--as-of", "2026-12-05T08:00", "--again")
    jobs.daily(as_of=AS_OF + dt.timedelta(minutes=30))
    # then nothing was sent twice
    assert (Notification.objects.count(), Delivery.objects.count()) == first
    # and each event was told once to each of its readers
    assert told("renovation.passes_expiring") == Counter({("owner", "李娜"): 1, ("staff", "desk"): 1})
    assert told("renovation.passes_expired") == Counter({("owner", "王强"): 1, ("staff", "desk"): 1})
    assert told("renovation.overrun") == Counter({("owner", "王强"): 1, ("staff", "desk"): 1})
    assert told("renovation.deposits_due") == Counter({("owner", "孙丽"): 1, ("staff", "finance"): 1})
    assert told("renovation.inspection_late") == Counter({("staff", "engineer"): 1, ("staff", "boss"): 1})
    # the owners' messages go out by their preferred channel (SMS), once each
    owners_sms = Delivery.objects.filter(notification__owner__isnull=False, channel="sms",
                                         notification__kind__startswith="renovation.")
    assert owners_sms.filter(notification__created_at=AS_OF).count() == 4
    situations["due"].refresh_from_db()
    assert situations["due"].status == Status.DEPOSITS_DUE
    assert situations["due"].events.filter(to_status=Status.DEPOSITS_DUE, actor__isnull=True).count() == 1


def test_a_message_reads_in_the_readers_language(w, situations):
    jobs.daily(as_of=AS_OF)
    note = Notification.objects.get(kind="renovation.passes_expiring", owner=w.owner)
    assert note.render("en")[0] == "Worker passes for 3-1-1203 expire on 2026-12-07"
    assert note.render("en")[1] == "1 passes: 工人1号."


def test_an_idle_day_tells_nothing(w):
    started_at = T0
    assert started_at < AS_OF
    summary = jobs.daily(as_of=AS_OF)
    assert Notification.objects.count() == 0
    assert summary.startswith("0 renovations")


def test_the_passes_warning_moves_with_the_estates_policy(w, situations):
    services.renovation_policy_save(estate=w.estate, actor=w.boss, pass_warning_days=1)
    jobs.daily(as_of=AS_OF)
    assert not Notification.objects.filter(kind="renovation.passes_expiring").exists()
    jobs.daily(as_of=sh(2026, 12, 6, 8))
    assert Notification.objects.filter(kind="renovation.passes_expiring").count() == 2


def test_inspections_due_count_working_days_and_the_estates_days_off(w, situations):
    # requested Monday 30 November: due by Wednesday 2 December; with the 1st off, Thursday
    due = {d.renovation: d for d in selectors.inspections_due(as_of=sh(2026, 12, 3, 9))}
    assert (due[situations["late"]].due_by, due[situations["late"]].late) == (dt.date(2026, 12, 2), True)
    services.renovation_policy_save(estate=w.estate, actor=w.boss, days_off=[dt.date(2026, 12, 1)])
    due = {d.renovation: d for d in selectors.inspections_due(as_of=sh(2026, 12, 3, 9))}
    assert (due[situations["late"]].due_by, due[situations["late"]].late) == (dt.date(2026, 12, 3), False)


def test_the_job_is_registered_with_its_crontab_and_catch_up():
    job = get_job("renovation.daily")
    assert (job.func, job.catch_up) == ("renovation.jobs.daily", "until_done")
    assert job.function() is jobs.daily
    assert job.schedule.hour == {8} and job.schedule.minute == {0}


def test_the_desk_user_of_another_role_gets_nothing(w, situations):
    stranger = UserFactory(username="stranger")
    jobs.daily(as_of=AS_OF)
    assert not Notification.objects.filter(recipient=stranger).exists()
