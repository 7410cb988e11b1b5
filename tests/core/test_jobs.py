import datetime

from django.core.management import call_command
from django.utils import timezone

from owners.models import RegistryCheck
from propertydesk.celery import app
from propertydesk.jobs import JOBS, beat_schedule
from propertydesk.models import JobRun
from tests.factories import UnitFactory, make_owner


def test_every_registered_job_is_in_beat_and_points_at_a_real_task():
    app.loader.import_default_modules()
    schedule = beat_schedule()
    assert set(schedule) == {job.name for job in JOBS}
    for name, entry in schedule.items():
        assert entry["task"] in app.tasks, name
        assert entry["args"] == (name,)
        assert callable(next(j for j in JOBS if j.name == name).function())


def test_beat_configuration_comes_from_the_registry():
    app.finalize()
    assert set(app.conf.beat_schedule) == {job.name for job in JOBS}


def test_runjob_list_names_every_job(capsys, db):
    call_command("runjob", "--list")
    out = capsys.readouterr().out
    for job in JOBS:
        assert job.name in out


def test_registry_check_run_twice_on_a_day_keeps_one_row_with_the_findings(db, capsys):
    # given: one unit without an owner, one owner without a unit
    UnitFactory(number="9-1-101")
    make_owner(name="空房业主")

    # when
    call_command("runjob", "owners.registry_check", "--as-of", "2026-11-22T03:10")
    call_command("runjob", "owners.registry_check", "--as-of", "2026-11-22T05:00")

    # then
    check = RegistryCheck.objects.get()
    assert check.check_date == datetime.date(2026, 11, 22)
    assert (check.units_without_owner, check.owners_without_unit) == (1, 1)
    assert check.details["units_without_owner"] == ["9-1-101"]
    assert JobRun.objects.filter(name="owners.registry_check", ok=True).count() == 2
    assert "1 units without an owner" in capsys.readouterr().out


def test_runjob_as_of_is_read_in_shanghai_time(db):
    # 2026-11-22 00:30 in Shanghai is still the 21st in UTC: the check belongs to the 22nd.
    call_command("runjob", "owners.registry_check", "--as-of", "2026-11-22T00:30")
    run = JobRun.objects.get()
    assert timezone.localtime(run.as_of).date() == datetime.date(2026, 11, 22)
    assert RegistryCheck.objects.get().check_date == datetime.date(2026, 11, 22)
