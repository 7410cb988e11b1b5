"""Scheduled jobs of fees (registered in propertydesk/jobs.py). Each runs every day
and acts from its day of the month on, each estate from the day its fee policy sets
(by default bills on the 10th, reminders on the 16th and 21st, the report on the 2nd).
Each catches up across the month's end too: after downtime from before its day to
the next month, the next run does last month's work as well as this month's, and the
unique constraints make every rerun a no-op."""

from __future__ import annotations

from datetime import date, datetime

from dateutil.relativedelta import relativedelta
from django.db.models import Exists, Max, OuterRef
from django.utils import timezone

from fees import selectors, services


def _nth(day: int) -> str:
    """The summaries are for the job log, in English: 2nd, 10th, 21st."""
    suffix = "th" if 11 <= day % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"{day}{suffix}"


def _bill_summary(run: services.BillRun) -> str:
    return f"{run.bills} bills issued for {run.period:%Y-%m} ({run.lines} lines, {run.bank_charges} bank charges)"


def bill_run(*, as_of: datetime) -> str:
    """From each estate's bill day: this month's bills for every unit that has none yet.
    Before that, last month's bills of every estate that has none of them though it was
    billed here before (the job was down from before its bill day to the month's end);
    an estate new here starts with the month it joined, and a unit added to an estate
    after its bills were made is billed from this month on."""
    from fees.models import Bill
    from owners.models import Estate

    today = timezone.localdate(as_of)
    this_month = today.replace(day=1)
    last = this_month - relativedelta(months=1)
    done = []
    missed = (Estate.objects
              .filter(Exists(Bill.objects.filter(estate=OuterRef("pk"), period__lt=last)))
              .exclude(Exists(Bill.objects.filter(estate=OuterRef("pk"), period=last)))
              .order_by("name"))
    caught_up = [services.bill_run(period=last, as_of=as_of, estate=estate) for estate in missed]
    if caught_up:
        done.append(_bill_summary(services.BillRun(
            period=last, bills=sum(r.bills for r in caught_up), lines=sum(r.lines for r in caught_up),
            bank_charges=sum(r.bank_charges for r in caught_up))) + " (caught up)")
    first = selectors.fee_policy_days()["bill_day"][0]
    if today.day >= first:
        done.append(_bill_summary(services.bill_run(period=this_month, as_of=as_of, from_bill_day=True)))
    return "; ".join(done) or f"nothing before the {_nth(first)}"


def dunning(*, as_of: datetime) -> str:
    """From each estate's first dunning day: round 1 to every unit still owing for this
    month; from its second: round 2. Only the latest round whose day has come is made:
    a unit that missed round 1 (downtime) gets round 2 alone, never both on one day.
    Last month's second round is long due, so a unit still owing for last month without
    one gets it (the job was down over the 21st, or its bill came late). Then the new
    notices' messages go into the outbox, which sends them after commit."""
    today = timezone.localdate(as_of)
    this_month = today.replace(day=1)
    last = this_month - relativedelta(months=1)
    days = selectors.fee_policy_days()
    earliest = {1: days["first_dunning_day"][0], 2: days["second_dunning_day"][0]}
    caught_up = services.dunning_round(period=last, round_=2, as_of=as_of, from_dunning_day=True,
                                       latest_only=True)
    made = {
        round_: services.dunning_round(period=this_month, round_=round_, as_of=as_of, from_dunning_day=True,
                                       latest_only=True)
        for round_, day in earliest.items() if today.day >= day
    }
    queued = services.dunning_deliver(as_of=as_of)
    if not made and not caught_up and not queued:
        return f"nothing before the {_nth(earliest[1])}"
    parts = [f"{last:%Y-%m} round 2: {caught_up} new notices (caught up)"] if caught_up else []
    parts += [f"round {r}: {n} new notices" for r, n in made.items()]
    return ", ".join(parts) + f"; {queued} queued in the outbox"


def _months(first: date, last: date) -> list[date]:
    months = []
    while first <= last:
        months.append(first)
        first += relativedelta(months=1)
    return months


def month_report(*, as_of: datetime) -> str:
    """From each estate's report day: its report of last month, once; the report of all
    estates once every estate's day has come. Every month missing since the latest one
    made is made too (the job was down over a report day); a database with no report
    starts with last month. Once made, the report of a month is left as it was made."""
    from fees.models import MonthReport
    from owners.models import Estate

    today = timezone.localdate(as_of)
    policies = selectors.fee_policies()
    days = selectors.fee_policy_days()["report_day"]
    last = selectors.last_month(today)
    latest = MonthReport.objects.aggregate(latest=Max("month"))["latest"]
    months = _months(min(latest, last), last) if latest else [last]
    if months == [last] and today.day < days[0]:
        return f"nothing before the {_nth(days[0])}"
    done = []
    for month in months:
        made = set(MonthReport.objects.filter(month=month).values_list("estate_id", flat=True))
        if None in made:
            continue
        # Before last month every estate's day has passed.
        due = [pk for pk, policy in policies.items()
               if pk not in made and (month < last or today.day >= policy.report_day)]
        overall = month < last or today.day >= days[-1]
        if not due and not overall:
            continue
        reports = services.month_report_generate(month=month, as_of=as_of, overall=overall,
                                                 estates=Estate.objects.filter(pk__in=due).order_by("name"))
        if overall and len(due) == len(policies):
            done.append(f"report of {month:%Y-%m}: {len(reports)} rows (all estates and each estate)")
        else:
            done.append(f"report of {month:%Y-%m}: {len(reports)} rows ({'all estates and ' if overall else ''}"
                        f"the estates whose report day has come)")
    if not done:
        if months == [last] and MonthReport.objects.filter(month=last, estate__isnull=True).exists():
            return f"the report of {last:%Y-%m} was made already"
        return f"the reports of {last:%Y-%m} due so far were made already"
    return "; ".join(done)


def debts(*, as_of: datetime) -> str:
    """Just after midnight: the stored debts (what the arrears page reads) become today's:
    the bills whose pay-by day was yesterday now count. Between two runs the payments
    keep them true; a day the job has not reached is added up from the bills."""
    today = timezone.localdate(as_of)
    owing = services.unit_debts_rebuild(as_of=today)
    return f"debts as of {today:%Y-%m-%d}: {owing} units owing"
