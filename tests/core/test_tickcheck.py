"""Beat's container health check: healthy while beat has sent the scheduler's tick lately."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django_celery_beat.models import CrontabSchedule, PeriodicTask

from propertydesk.jobs import TICK_TASK

SENT = dt.datetime(2026, 12, 10, 0, 30, tzinfo=ZoneInfo("Asia/Shanghai"))


def test_tickcheck_is_healthy_after_a_recent_tick_and_not_after_a_stale_one(db, capsys):
    # given: beat's database scheduler recorded the tick at 00:30
    every_minute = CrontabSchedule.objects.create(minute="*", hour="*")
    PeriodicTask.objects.create(name=TICK_TASK, task=TICK_TASK, crontab=every_minute, last_run_at=SENT)

    # then: healthy at 00:39, unhealthy at 00:41 (more than 600 s)
    with time_machine.travel(SENT + dt.timedelta(minutes=9), tick=False):
        call_command("tickcheck", "--max-age", "600")
    assert "540 s ago" in capsys.readouterr().out
    with time_machine.travel(SENT + dt.timedelta(minutes=11), tick=False):
        with pytest.raises(CommandError, match="660 s ago.*more than 600 s"):
            call_command("tickcheck", "--max-age", "600")


def test_tickcheck_is_unhealthy_before_beat_ever_ran(db):
    with pytest.raises(CommandError, match="never sent the tick"):
        call_command("tickcheck")
