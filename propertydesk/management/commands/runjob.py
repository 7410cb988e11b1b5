from datetime import datetime, time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from propertydesk.jobs import JOBS, UnknownJob, run_job


def parse_as_of(value: str) -> datetime:
    """YYYY-MM-DD (midnight) or YYYY-MM-DDTHH:MM, in the project's time zone."""
    moment = parse_datetime(value)
    if moment is None:
        day = parse_date(value)
        if day is None:
            raise CommandError(f"--as-of {value!r}: expected YYYY-MM-DD or YYYY-MM-DDTHH:MM")
        moment = datetime.combine(day, time.min)
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


class Command(BaseCommand):
    help = "Run a scheduled job by hand: runjob NAME [--as-of YYYY-MM-DD[THH:MM]], or runjob --list."

    def add_arguments(self, parser):
        parser.add_argument("name", nargs="?")
        parser.add_argument("--as-of", dest="as_of", help="the moment the job runs for")
        parser.add_argument("--list", action="store_true", help="list the registered jobs")

    def handle(self, *args, name=None, as_of=None, list=False, **options):
        if list or not name:
            width = max(len(job.name) for job in JOBS)
            for job in JOBS:
                self.stdout.write(f"{job.name:<{width}}  {_cron(job.schedule)}  {job.description}")
            return
        moment = parse_as_of(as_of) if as_of else timezone.now()
        try:
            summary = run_job(name, as_of=moment)
        except UnknownJob:
            raise CommandError(f"No job named {name!r}; see runjob --list") from None
        local = timezone.localtime(moment)
        self.stdout.write(self.style.SUCCESS(f"{name} as of {local:%Y-%m-%d %H:%M}: {summary}"))


def _cron(schedule) -> str:
    return " ".join(
        str(part)
        for part in (
            schedule._orig_minute,
            schedule._orig_hour,
            schedule._orig_day_of_month,
            schedule._orig_month_of_year,
            schedule._orig_day_of_week,
        )
    )
