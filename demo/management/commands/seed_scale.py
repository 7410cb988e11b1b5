import time
from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from demo import scale as scale_module
from owners.models import Unit


class Command(BaseCommand):
    help = (
        "Load a large property company's data for measuring speed (demo.scale): at --scale 1.0, "
        "100,000 units in 20 estates, 120,000 owners, 1,000,000 complaints and work orders with "
        "their events and callbacks, 1,200,000 bills with payments and notices, over three years, and "
        "2,000 renovations over the last year with their workers, passes, fees and refunds."
    )

    def add_arguments(self, parser):
        parser.add_argument("--scale", type=float, default=1.0,
                            help="multiplies every count (0.01 gives 1/100 of each; default 1.0)")
        parser.add_argument("--seed", type=int, default=2026,
                            help="random seed: the same seed, scale and day give the same data (default 2026)")
        parser.add_argument("--as-of", type=date.fromisoformat, default=None, metavar="YYYY-MM-DD",
                            help="the data ends at midnight at the start of this day, Shanghai time (default today)")
        parser.add_argument("--force", action="store_true",
                            help="load even though the database has units (adds new estates beside them)")

    def handle(self, *args, scale=1.0, seed=2026, as_of=None, force=False, **options):
        if scale <= 0:
            raise CommandError("--scale must be positive.")
        if Unit.objects.exists() and not force:
            raise CommandError("The database already has units: seed_scale loads into an empty database "
                               "(use a fresh database, or --force to add beside them).")
        today = as_of or timezone.localdate()
        self.stdout.write(f"seed_scale: scale {scale:g}, seed {seed}, as of {today}")
        started = time.monotonic()
        report = scale_module.generate(scale=scale, seed=seed, today=today, out=self.stdout.write)
        self.stdout.write(self.style.SUCCESS(
            f"Loaded {sum(report.counts.values()):,} rows in {time.monotonic() - started:.1f} s."))
