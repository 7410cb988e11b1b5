from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from propertydesk.selectors import tick_last_sent


class Command(BaseCommand):
    help = ("Beat's health check (docker-compose): exits 0 if Celery beat has sent the scheduler's tick "
            "within --max-age seconds, 1 otherwise.")

    def add_arguments(self, parser):
        parser.add_argument("--max-age", type=int, default=600, help="seconds (600)")

    def handle(self, *args, max_age, **options):
        now = timezone.now()
        last = tick_last_sent()
        if last is None:
            raise CommandError("Beat has never sent the tick (no propertydesk.tick entry in its schedule).")
        age = (now - last).total_seconds()
        if age > max_age:
            raise CommandError(f"Beat last sent the tick {age:.0f} s ago, at {timezone.localtime(last):%Y-%m-%d %H:%M:%S} "
                               f"(more than {max_age} s).")
        self.stdout.write(f"Beat sent the tick {age:.0f} s ago.")
