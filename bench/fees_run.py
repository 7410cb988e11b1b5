"""How long do the month's bill run and a dunning round take on a big estate?

    .venv/bin/python bench/fees_run.py [--units 100000] [--paid 0.6] [--keep]

Creates the scratch database ``pd_bench`` (as bench/desk_search.py does, whose loader
it reuses: N units with owners and phones), adds fee standards (per m² estate-wide,
a building's own rate, a per-unit fee) and bank collection charges on 2 % of the
units, VACUUM ANALYZE, then times on PostgreSQL:

1. fees.services.bill_run for the month (the 10th), and the same run again (a no-op);
2. payment of a share of the bills (set-based, not timed as a figure of the app);
3. dunning round 1 (the 16th), again (a no-op), and round 2 (the 21st);
4. putting every notice into the outbox (inbox row, e-mail/SMS/letter delivery rows), then
   sending every pending e-mail and SMS through it (claim, render in the reader's
   language, the logging SMS backend and the in-memory e-mail one, record outcomes).

Prints the figures; it is not a test. Drops ``pd_bench`` at the end unless --keep.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ["DJANGO_SETTINGS_MODULE"] = "propertydesk.settings"

from bench import desk_search  # noqa: E402  (sets up the scratch database the same way)

SH = ZoneInfo("Asia/Shanghai")
PERIOD = date(2026, 11, 1)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--units", type=int, default=100_000)
    parser.add_argument("--paid", type=float, default=0.6, help="share of bills paid before the 16th")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--keep", action="store_true")
    return parser.parse_args(argv)


def timed(label: str, func):
    start = time.perf_counter()
    result = func()
    seconds = time.perf_counter() - start
    print(f"  {label:<66} {seconds:8.2f} s   {result}", flush=True)
    return result, seconds


def main(argv=None) -> int:
    args = parse_args(argv)
    admin = desk_search.point_django_at_bench_db()
    desk_search.recreate_database(admin)
    import django

    django.setup()
    import logging

    from django.conf import settings
    from django.core.management import call_command

    # The messages are really written (inbox rows, e-mail, SMS) but not echoed to the console.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    logging.getLogger("propertydesk.sms").setLevel(logging.WARNING)
    from django.db import connection

    from django.db.models import Count

    from fees import services
    from fees.models import BankCollectionCharge, Bill, BillLine, DunningNotice, FeeStandard
    from owners.models import Building, Estate, Unit
    from propertydesk import outbox
    from propertydesk.models import Delivery

    settings.OUTBOX_DELIVERY = "off"  # sent by the timed step below, as the worker would

    try:
        call_command("migrate", verbosity=0)
        rng = random.Random(args.seed)
        print(f"Loading {args.units:,} units with owners …", flush=True)
        t = time.perf_counter()
        desk_search.load(args.units, rng, desk_search.Timer())
        for estate in Estate.objects.all():
            FeeStandard.objects.create(estate=estate, item="物业服务费", basis="per_m2_month", rate=Decimal("2.35"),
                                       effective_from=date(2026, 1, 1))
            FeeStandard.objects.create(estate=estate, item="生活垃圾清运费", basis="per_unit_month",
                                       rate=Decimal("10.00"), effective_from=date(2026, 1, 1))
            first = Building.objects.filter(estate=estate).order_by("pk").first()
            FeeStandard.objects.create(estate=estate, building=first, item="物业服务费", basis="per_m2_month",
                                       rate=Decimal("2.80"), effective_from=date(2026, 1, 1))
        unit_ids = list(Unit.objects.values_list("pk", "estate_id"))
        charged = rng.sample(unit_ids, k=len(unit_ids) // 50)
        BankCollectionCharge.objects.bulk_create([
            BankCollectionCharge(estate_id=estate_id, unit_id=unit_id, amount=Decimal("80.00"),
                                 description="疏通下水道", source=f"bench:{unit_id}",
                                 created_at=datetime(2026, 11, 3, 10, tzinfo=SH))
            for unit_id, estate_id in charged
        ], batch_size=5000)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        print(f"  loaded in {time.perf_counter() - t:.0f} s: {len(unit_ids):,} units, "
              f"{len(charged):,} bank collection charges", flush=True)

        print(f"\nOn PostgreSQL {connection.pg_version // 10000}, load average {desk_search._loadavg()}:")
        run, bill_seconds = timed("bill run, the 10th (set-based)", lambda: services.bill_run(
            period=PERIOD, as_of=datetime(2026, 11, 10, 1, tzinfo=SH)))
        timed("bill run again (nothing to do)", lambda: services.bill_run(
            period=PERIOD, as_of=datetime(2026, 11, 10, 1, 5, tzinfo=SH)).bills)
        print(f"    {Bill.objects.count():,} bills, {BillLine.objects.count():,} lines, "
              f"¥{sum(Bill.objects.values_list('amount', flat=True)):,} receivable")

        with connection.cursor() as cursor:  # a share pays before the 16th
            cursor.execute("UPDATE fees_bill SET paid = amount, status = 'paid' WHERE random() < %s", [args.paid])
            cursor.execute("ANALYZE fees_bill")
        owing = Bill.objects.exclude(status="paid").count()
        print(f"    {owing:,} bills still owing on the 16th")

        _n, round_seconds = timed("dunning round 1, the 16th (set-based)", lambda: services.dunning_round(
            period=PERIOD, round_=1, as_of=datetime(2026, 11, 16, 9, tzinfo=SH)))
        timed("dunning round 1 again (nothing to do)", lambda: services.dunning_round(
            period=PERIOD, round_=1, as_of=datetime(2026, 11, 16, 10, tzinfo=SH)))
        timed("dunning round 2, the 21st (set-based)", lambda: services.dunning_round(
            period=PERIOD, round_=2, as_of=datetime(2026, 11, 21, 9, tzinfo=SH)))
        print(f"    {DunningNotice.objects.count():,} notices")
        waiting = DunningNotice.objects.filter(notification__isnull=True).exclude(owner=None).count()
        _q, queue_seconds = timed(f"queue all {waiting:,} notices in the outbox (batches of 2,000)",
                                  lambda: services.dunning_deliver(as_of=datetime(2026, 11, 21, 9, 5, tzinfo=SH)))
        by_channel = dict(Delivery.objects.values_list("channel").annotate(n=Count("id")).values_list("channel", "n"))
        pending = Delivery.objects.filter(status="pending", channel__in=outbox.SENT_BY_WORKER).count()
        print(f"    deliveries by channel: {by_channel}; {pending:,} e-mail and SMS pending")
        outcome, send_seconds = timed(
            f"send all {pending:,} pending deliveries (outbox, batches of {settings.OUTBOX_BATCH:,})",
            lambda: outbox.deliver(now=datetime(2026, 11, 21, 9, 6, tzinfo=SH)))
        print(f"    queueing: {queue_seconds / max(waiting, 1) * 1000:.2f} ms per notice; "
              f"sending: {send_seconds / max(pending, 1) * 1000:.2f} ms per message; "
              f"both: {(queue_seconds + send_seconds) / max(waiting, 1) * 1000:.2f} ms per notice")
        print(f"    notices now: {dict(DunningNotice.objects.values_list('status').annotate(n=Count('id')).values_list('status', 'n'))}")
        print(f"\nBill run: {bill_seconds:.2f} s for {run.bills:,} bills; dunning round: {round_seconds:.2f} s "
              f"(target: each under 30 s)")
    finally:
        if not args.keep:
            desk_search.drop_database(admin)
    return 0


if __name__ == "__main__":
    sys.exit(main())
