"""Scheduled jobs of fees (registered in propertydesk/jobs.py). Each runs every day
and acts from its day of the month on, each estate from the day its fee policy sets
(by default bills on the 10th, reminders on the 16th and 21st, the report on the 2nd):
if beat was down on that day, the next day's run catches up, and the unique
constraints make every rerun a no-op."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from fees import selectors, services


def _nth(day: int) -> str:
    """The summaries are for the job log, in English: 2nd, 10th, 21st."""
    suffix = "th" if 11 <= day % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"{day}{suffix}"


def bill_run(*, as_of: datetime) -> str:
    """From each estate's bill day: this month's bills for every unit that has none yet."""
    today = timezone.localdate(as_of)
    first = selectors.fee_policy_days()["bill_day"][0]
    if today.day < first:
        return f"nothing before the {_nth(first)}"
    run = services.bill_run(period=today.replace(day=1), as_of=as_of, from_bill_day=True)
    return f"{run.bills} bills issued for {run.period:%Y-%m} ({run.lines} lines, {run.bank_charges} bank charges)"


def dunning(*, as_of: datetime) -> str:
    """From each estate's first dunning day: round 1 to every unit still owing for this
    month; from its second: round 2. Then send what is pending."""
    today = timezone.localdate(as_of)
    days = selectors.fee_policy_days()
    earliest = {1: days["first_dunning_day"][0], 2: days["second_dunning_day"][0]}
    made = {
        round_: services.dunning_round(period=today.replace(day=1), round_=round_, as_of=as_of, from_dunning_day=True)
        for round_, day in earliest.items() if today.day >= day
    }
    if not made:
        return f"nothing before the {_nth(earliest[1])}"
    sent = services.dunning_deliver(as_of=as_of)
    return ", ".join(f"round {r}: {n} new notices" for r, n in made.items()) + f"; {sent} sent"


def month_report(*, as_of: datetime) -> str:
    """From each estate's report day: its report of last month, once; the report of all
    estates once every estate's day has come. A later day catches up if the day was
    missed; once made, the report of the month is left as it was made."""
    from fees.models import MonthReport
    from owners.models import Estate

    today = timezone.localdate(as_of)
    policies = selectors.fee_policies()
    days = selectors.fee_policy_days()["report_day"]
    if today.day < days[0]:
        return f"nothing before the {_nth(days[0])}"
    month = selectors.last_month(today)
    made = set(MonthReport.objects.filter(month=month).values_list("estate_id", flat=True))
    if None in made:
        return f"the report of {month:%Y-%m} was made already"
    due = [pk for pk, policy in policies.items() if today.day >= policy.report_day and pk not in made]
    overall = today.day >= days[-1]
    if not due and not overall:
        return f"the reports of {month:%Y-%m} due so far were made already"
    reports = services.month_report_generate(month=month, as_of=as_of, overall=overall,
                                             estates=Estate.objects.filter(pk__in=due).order_by("name"))
    if overall and len(due) == len(policies):
        return f"report of {month:%Y-%m}: {len(reports)} rows (all estates and each estate)"
    return f"report of {month:%Y-%m}: {len(reports)} rows ({'all estates and ' if overall else ''}" \
           f"the estates whose report day has come)"
