from datetime import datetime, time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from propertydesk.jobs import JOBS, JobBusy, UnknownJob, run_job, timezone_local


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
    help = ("Run a scheduled job by hand: runjob NAME [--as-of YYYY-MM-DD[THH:MM]] [--again], or runjob --list. "
            "It runs the job's latest slot at or before --as-of (default: now) and records it like the tick; "
            "a slot that is done is left alone unless --again is given.")

    def add_arguments(self, parser):
        parser.add_argument("name", nargs="?")
        parser.add_argument("--as-of", dest="as_of", help="the moment the job runs for")
        parser.add_argument("--again", action="store_true",
                            help="run a slot that is done once more (jobs only make what is missing)")
        parser.add_argument("--list", action="store_true", help="list the registered jobs")

    def handle(self, *args, name=None, as_of=None, again=False, list=False, **options):
        if list or not name:
            width = max(len(job.name) for job in JOBS)
            for job in JOBS:
                self.stdout.write(f"{job.name:<{width}}  {_cron(job.schedule):<14}  {job.catch_up:<10}  "
                                  f"{job.description}")
            return
        # The clock is read here, at the edge.
        now = timezone.now()
        moment = parse_as_of(as_of) if as_of else now
        try:
            outcome = run_job(name, as_of=moment, now=now, again=again)
        except UnknownJob:
            raise CommandError(f"No job named {name!r}; see runjob --list") from None
        except JobBusy as busy:
            raise CommandError(str(busy)) from None
        local = timezone.localtime(moment)
        if not outcome.ran:
            self.stdout.write(f"{name} as of {local:%Y-%m-%d %H:%M}: nothing run; {outcome.summary} "
                              f"(--again runs it once more)")
            return
        self.stdout.write(self.style.SUCCESS(
            f"{name} as of {local:%Y-%m-%d %H:%M} (slot {timezone_local(outcome.slot)}): {outcome.summary}"))


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
