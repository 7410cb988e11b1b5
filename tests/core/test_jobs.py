import datetime

from celery.schedules import crontab
from django.core.management import call_command
from django.utils import timezone

from owners.models import RegistryCheck
from propertydesk.celery import app
from propertydesk.jobs import JOBS, LATEST, RUN_JOB_TASK, SAME_DAY, TICK_TASK, UNTIL_DONE, beat_schedule
from propertydesk.models import JobRun
from tests.factories import UnitFactory, make_owner


def test_beat_has_the_tick_alone_and_every_registered_job_points_at_a_real_function():
    app.loader.import_default_modules()
    schedule = beat_schedule()
    assert set(schedule) == {TICK_TASK}
    entry = schedule[TICK_TASK]
    assert entry["task"] == TICK_TASK and entry["task"] in app.tasks
    assert entry["schedule"] == crontab()  # every minute
    assert RUN_JOB_TASK in app.tasks
    for job in JOBS:
        assert callable(job.function()), job.name
        assert job.catch_up in {UNTIL_DONE, SAME_DAY, LATEST}, job.name


def test_beat_configuration_comes_from_the_registry():
    app.finalize()
    assert set(app.conf.beat_schedule) == {TICK_TASK}


def test_the_crash_settings(settings):
    assert settings.CELERY_TASK_ACKS_LATE and settings.CELERY_TASK_REJECT_ON_WORKER_LOST


def test_runjob_list_names_every_job(capsys, db):
    call_command("runjob", "--list")
    out = capsys.readouterr().out
    for job in JOBS:
        assert job.name in out


def test_registry_check_run_twice_in_its_slot_runs_once_and_again_on_request(db, capsys):
    # given: one unit without an owner, one owner without a unit
    UnitFactory(number="9-1-101")
    make_owner(name="空房业主")

    # when: by hand at 03:10, then at 05:00 (the same slot, 03:10, which is done)
    call_command("runjob", "owners.registry_check", "--as-of", "2026-11-22T03:10")
    call_command("runjob", "owners.registry_check", "--as-of", "2026-11-22T05:00")

    # then: one run of the slot, one row with the findings
    check = RegistryCheck.objects.get()
    assert check.check_date == datetime.date(2026, 11, 22)
    assert (check.units_without_owner, check.owners_without_unit) == (1, 1)
    assert check.details["units_without_owner"] == ["9-1-101"]
    run = JobRun.objects.get(name="owners.registry_check")
    assert (run.status, run.attempts, run.ok) == ("done", 1, True)
    assert timezone.localtime(run.slot) == timezone.make_aware(datetime.datetime(2026, 11, 22, 3, 10))
    out = capsys.readouterr().out
    assert "1 units without an owner" in out and "nothing run; slot 2026-11-22 03:10 was done" in out

    # when: --again runs the done slot once more, on the same row
    call_command("runjob", "owners.registry_check", "--as-of", "2026-11-22T05:00", "--again")
    run.refresh_from_db()
    assert (run.status, run.attempts) == ("done", 2)
    assert RegistryCheck.objects.count() == 1


def test_runjob_as_of_is_read_in_shanghai_time(db):
    # 2026-11-22 00:30 in Shanghai is still the 21st in UTC: the check belongs to the 22nd.
    call_command("runjob", "owners.registry_check", "--as-of", "2026-11-22T00:30")
    run = JobRun.objects.get()
    assert timezone.localtime(run.as_of).date() == datetime.date(2026, 11, 22)
    assert RegistryCheck.objects.get().check_date == datetime.date(2026, 11, 22)
