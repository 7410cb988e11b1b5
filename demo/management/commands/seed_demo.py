import random
import time
from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from demo import steps
from demo.context import DEFAULT_SEED, DEMO_PASSWORD
from owners.models import Estate


class Command(BaseCommand):
    help = (
        "Load the demo estate (two estates, ~1,500 units, owners, residents and one login per "
        f"role, password {DEMO_PASSWORD}) into an empty database."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty", action="store_true",
            help="do nothing (instead of failing) when the database already has an estate",
        )
        parser.add_argument(
            "--seed", type=int, default=DEFAULT_SEED,
            help=f"random seed: the same seed gives the same estate (default {DEFAULT_SEED})",
        )
        parser.add_argument(
            "--as-of", type=date.fromisoformat, default=None, metavar="YYYY-MM-DD",
            help="the day the demo is generated for: its history ends at midnight at the start "
                 "of that day, Shanghai time (default today). The same seed and day give the "
                 "same estate.",
        )

    def handle(self, *args, if_empty=False, seed=DEFAULT_SEED, as_of=None, **options):
        started = time.monotonic()
        today = as_of or timezone.localdate()
        with transaction.atomic():
            if Estate.objects.exists():
                if if_empty:
                    self.stdout.write(
                        "seed_demo: the database already has estates; nothing loaded."
                    )
                    return
                raise CommandError(
                    "The database already has estates: seed_demo only loads the demo into an "
                    "empty database. Use a fresh database, or --if-empty to skip quietly."
                )
            ctx = steps.seed(rng=random.Random(seed), today=today)
        elapsed = time.monotonic() - started

        self.stdout.write(
            self.style.SUCCESS(f"Demo estate loaded (seed {seed}, as of {today}) in {elapsed:.1f} s:")
        )
        width = max(len(key) for key in ctx.counts)
        for key, value in ctx.counts.items():
            self.stdout.write(f"  {key.replace('_', ' '):<{width}}  {value:>6}")
        if ctx.skipped_users:
            self.stdout.write(self.style.WARNING(
                "These users existed already and were left as they were (password not "
                "changed): " + ", ".join(ctx.skipped_users)
            ))
        owner = ctx.demo_owner
        self.stdout.write(
            f"Logins (password {DEMO_PASSWORD}): "
            + ", ".join(ctx.users)
            + f"; 'owner' is {owner.name}, owner of "
            + ", ".join(f"{o.unit.estate.name} {o.unit.number}"
                        for o in ctx.current_ownerships if o.owner is owner)
        )
