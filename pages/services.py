"""Writes of the pages layer: the dashboard's month facts (pages.models.MonthFacts), the
staff view's (StaffMonthFacts), the supervisors' month reports (DashboardReport) and the
desk's daily and weekly reports (DeskReport); a departed owner anonymised (owner_anonymise)."""

from __future__ import annotations

from datetime import date, datetime

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from owners.models import Estate, Owner, OwnerAnonymisation
from owners.selectors import current_ownerships
from pages import figures, personal_data, selectors
from pages.models import DashboardReport, DeskReport, MonthFacts, StaffMonthFacts
from propertydesk import audit, limits, periods
from propertydesk.tokens import tokens_revoke_for


def month_facts_store(*, month: date, as_of: datetime, now: datetime) -> int:
    """Compute ``month``'s figures for every estate at ``as_of`` (figures.month_figures)
    and store them, one row per estate (an estate with nothing that month gets a row with
    no figures, so the month reads as computed), each with its snapshot of what stands
    open (``standing``): the running month's at ``as_of`` (figures.standing, what the page
    shows as standing now), a month that is over at its end (figures.standing_at, read
    once when the month is first computed after its end, then kept). Running it again
    replaces the rows with the same numbers: idempotent, and two runs at once end with one
    row each (the unique constraint, INSERT ... ON CONFLICT UPDATE). Returns the rows
    written."""
    month = figures.month_start(month)
    computed = figures.month_figures(month=month, as_of=as_of)
    if month == figures.month_start(timezone.localdate(as_of)):
        snapshots = figures.standing(as_of=as_of)
    else:
        snapshots = _month_end_snapshots(month)
    for estate_id, snapshot in snapshots.items():
        computed.setdefault(estate_id, {})["standing"] = snapshot
    effective = min(as_of, figures.settles_at(month))
    settled = as_of >= figures.settles_at(month)
    rows = [MonthFacts(estate_id=estate_id, month=month, figures=computed.get(estate_id, {}), as_of=effective,
                       settled=settled, computed_at=now)
            for estate_id in Estate.objects.order_by("pk").values_list("pk", flat=True)]
    for row in rows:
        row.figures["staff_kept"] = True  # the month's StaffMonthFacts are written with it
    people = _staff_month(month=month, as_of=as_of)
    with transaction.atomic():
        MonthFacts.objects.bulk_create(
            rows, update_conflicts=True, unique_fields=["estate", "month"],
            update_fields=["figures", "as_of", "settled", "computed_at"])
        _staff_month_replace(month=month, people=people)
    return len(rows)


def _staff_month(*, month: date, as_of: datetime) -> list[StaffMonthFacts]:
    """The staff view's counts of the month per estate and person, up to ``as_of``: one
    grouped statement per figure for every estate at once."""
    staff = selectors.staff_counts(start=periods.local_midnight(month),
                                   end=min(periods.local_midnight(month + relativedelta(months=1)), as_of),
                                   by=periods.ESTATE_PERSON_MONTH)
    return [StaffMonthFacts(estate_id=estate_id, month=month, person_id=person_id, **counts)
            for (_month, estate_id, person_id), counts in staff.items()
            if person_id is not None and estate_id is not None]


def _staff_month_replace(*, month: date, people: list[StaffMonthFacts]) -> None:
    # Replaced whole: a person with nothing left in the month keeps no row.
    StaffMonthFacts.objects.filter(month=month).delete()
    StaffMonthFacts.objects.bulk_create(people, batch_size=2000)


def staff_month_backfill(*, month: date, as_of: datetime) -> int:
    """Give a month settled before the staff view's month facts were kept its
    StaffMonthFacts (counted over the whole month, as a settled month's are) and mark
    its MonthFacts ``staff_kept``, so the staff view reads it from there. Returns the
    people's rows written."""
    people = _staff_month(month=month, as_of=max(as_of, figures.settles_at(month)))
    with transaction.atomic():
        _staff_month_replace(month=month, people=people)
        with connection.cursor() as cursor:
            cursor.execute("""UPDATE pages_monthfacts SET figures = figures || '{"staff_kept": true}'::jsonb
                              WHERE month = %s""", [month])
    return len(people)


def _month_end_snapshots(month: date) -> dict[int, dict]:
    """The month's end snapshot per estate: the one stored already, or read from the
    records' history at the month's end (every part: the month is not settled, so its
    end is at most SETTLE_MONTHS ago; see figures.HISTORY_PARTS for the overdue
    callbacks' caveat)."""
    end = figures.bounds(month)[1]
    kept = {estate_id: data["standing"] for estate_id, data in
            MonthFacts.objects.filter(month=month, figures__standing__at=end.isoformat())
            .values_list("estate_id", "figures")}
    if kept and len(kept) == Estate.objects.count():
        return kept
    return figures.standing_at(moment=end)


def month_facts_backfill_snapshot(*, month: date) -> int:
    """Give a month settled before its snapshots were kept the snapshot of its end, of
    what the records' history tells honestly (figures.HISTORY_PARTS: not the overdue
    callbacks, whose trend keeps a gap there), marked ``partial``. The month's figures
    are left as they were. Returns the rows written."""
    end = figures.bounds(month)[1]
    snapshots = figures.standing_at(moment=end, parts=figures.HISTORY_PARTS)
    written = 0
    with transaction.atomic():
        for facts in MonthFacts.objects.select_for_update().filter(month=month, settled=True,
                                                                   figures__standing__isnull=True):
            facts.figures["standing"] = {**snapshots.get(facts.estate_id, {}), "partial": True}
            facts.save(update_fields=["figures"])
            written += 1
    return written


def month_facts_refresh(*, as_of: datetime, now: datetime, months: int) -> list[date]:
    """Keep the facts of the last ``months`` months up to ``as_of``'s current: every month
    not settled for every estate is computed again (the running month, the month just
    over, and any month missing, e.g. an estate added or the first run); settled months
    are left alone. Returns the months computed."""
    this_month = figures.month_start(timezone.localdate(as_of))
    wanted = [this_month - relativedelta(months=i) for i in range(months)]
    estates = Estate.objects.count()
    settled = dict(MonthFacts.objects.filter(month__in=wanted, settled=True).values_list("month")
                   .annotate(n=Count("pk")).order_by())
    done = []
    for month in sorted(wanted):
        if settled.get(month, 0) >= estates and estates:
            continue
        month_facts_store(month=month, as_of=as_of, now=now)
        done.append(month)
    # Months settled before the snapshots were kept get theirs from history, the newest
    # first and one a run: each reads every complaint resolved since its end.
    bare = (MonthFacts.objects.filter(month__in=wanted, settled=True, figures__standing__isnull=True)
            .order_by("-month").values_list("month", flat=True).first())
    if bare is not None:
        month_facts_backfill_snapshot(month=bare)
    # Likewise the staff view's counts of months settled before they were kept: one a run.
    unkept = (MonthFacts.objects.filter(month__in=wanted, settled=True).exclude(figures__has_key="staff_kept")
              .order_by("-month").values_list("month", flat=True).first())
    if unkept is not None:
        staff_month_backfill(month=unkept, as_of=as_of)
    return done


def month_report_store(*, month: date, as_of: datetime, now: datetime) -> DashboardReport | None:
    """Store ``month``'s report (pages.reports.report_data) once: the month's facts are
    brought up to date first as the facts job would (computed again at ``as_of`` unless
    every estate's are settled), then every figure of every estate and of all of them is
    frozen with what stands open at ``as_of``. A month already reported is left as it was
    made: returns None. Under an advisory lock, and the month is unique (INSERT ... ON
    CONFLICT DO NOTHING): two runs at once store one report, neither overwrites it.
    What stood open is kept with the month just over (made in the month after it)."""
    from pages import reports

    month = figures.month_start(month)
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext('pages.month_report'))")
        if DashboardReport.objects.filter(month=month).exists():
            return None
        estates = Estate.objects.count()
        if MonthFacts.objects.filter(month=month, settled=True).count() < estates or not estates:
            month_facts_store(month=month, as_of=as_of, now=now)
        # What stands open is of the moment, not of a month: kept with the month just
        # over only, not with an older month caught up after downtime.
        just_over = month == figures.month_start(timezone.localdate(as_of)) - relativedelta(months=1)
        data = reports.report_data(month=month, standing=figures.standing(as_of=as_of) if just_over else None)
        data["standing_as_of"] = as_of.isoformat() if just_over else None
        every = data["all"]
        missed = sum(line["below"] for line in every["figures"]) + sum(r["below"] for r in every["callback_rates"])
        DashboardReport.objects.bulk_create(
            [DashboardReport(month=month, as_of=min(as_of, figures.settles_at(month)), generated_at=as_of,
                             data=data, missed=missed)],
            ignore_conflicts=True, unique_fields=["month"])
        # ON CONFLICT DO NOTHING gives no id back; under the lock the row is this run's.
        return DashboardReport.objects.get(month=month)


def desk_report_store(*, period: str, last_day: date, as_of: datetime, now: datetime) -> DeskReport | None:
    """Store the desk's report of ``period`` (day or week) ending on ``last_day`` once
    (pages.desk_reports.report_data over its window, with what stands open at ``as_of``
    when made on its own day). A report already made is left as it was made: returns None.
    Refused (ValueError) before its window is over. Under an advisory lock, and the
    period's last day is unique (INSERT ... ON CONFLICT DO NOTHING): two runs at once
    store one report, neither overwrites it. ``now`` is the real moment it was made."""
    from pages import desk_reports

    if period not in DeskReport.Period.values:
        raise ValueError(f"period: {period!r} is not day or week")
    if period == DeskReport.Period.WEEK and last_day.isoweekday() != desk_reports.FRIDAY:
        raise ValueError(f"last_day: a weekly report ends on a Friday, not on {last_day:%A}")
    win = desk_reports.window(period, last_day, as_of=as_of)
    if as_of < win.end:
        raise ValueError(f"as_of: the report of {last_day} counts until {win.end:%H:%M}, not yet reached")
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext('pages.desk_report'))")
        if DeskReport.objects.filter(period=period, last_day=last_day).exists():
            return None
        data = desk_reports.report_data(win)
        DeskReport.objects.bulk_create(
            [DeskReport(period=period, first_day=win.first, last_day=last_day, starts_at=win.start, ends_at=win.end,
                        as_of=as_of, generated_at=now, standing=win.as_of is not None, data=data)],
            ignore_conflicts=True, unique_fields=["period", "last_day"])
        # ON CONFLICT DO NOTHING gives no id back; under the lock the row is this run's.
        return DeskReport.objects.get(period=period, last_day=last_day)


# ---- personal data: a departed owner anonymised (PIPL art. 47) -------------------------------------

ANONYMISE_PERMISSION = "owners.anonymise_owner"


def owner_anonymise(*, owner_id: int, actor, reason: str, now: datetime):
    """Replace a departed owner's personal data on every record about them with neutral
    values (``pages.personal_data.ANONYMISE``): their name becomes "Former owner #123" in
    the estate's language, numbers and their search hashes are cleared, what they wrote or
    was written about them is removed, their portal login is closed. Numbers of records,
    statuses, dates, amounts and links stay, so bills, receipts and figures are unchanged.
    One UPDATE per kind of record, whatever their number. Writes an ``OwnerAnonymisation``
    (who, when, why, how many rows of each kind). An owner who still owns a unit is
    refused; an owner already anonymised is returned as they are (nothing is written twice)."""
    if not actor.has_perm(ANONYMISE_PERMISSION):
        raise PermissionDenied(_("Only a supervisor can anonymise an owner."))
    reason = (reason or "").strip()
    errors = limits.field_errors(OwnerAnonymisation, {"reason": reason})
    if not reason:
        errors.setdefault("reason", []).append(_("Say why this owner's data is anonymised."))
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        owner = Owner.objects.select_for_update().get(pk=owner_id)
        done = OwnerAnonymisation.objects.filter(owner=owner).first()
        if done is not None:
            return done
        held = list(current_ownerships().filter(owner=owner).select_related("unit").order_by("unit__number"))
        if held:
            raise ValidationError(
                _("%(name)s still owns %(units)s: only an owner with no current unit can be anonymised.")
                % {"name": owner.name, "units": ", ".join(o.unit.number for o in held)})
        latest = owner.ownerships.select_related("unit__estate").order_by("-start_date", "-pk").first()
        language = latest.unit.estate.language if latest else settings.LANGUAGE_CODE
        context = personal_data.Context(
            owner_id=owner.pk, user_id=owner.user_id, periods=personal_data.owner_periods(owner.pk),
            names=[owner.name], **personal_data.labels(owner, language=language))
        counts = {}
        for scrub, rows in personal_data.anonymised_rows(context):
            has_history = audit.event_model(scrub.model_class) is not None
            if not has_history:
                counts[scrub.model] = personal_data.apply(scrub, rows, context)
            elif scrub.delete:
                # A deletion's own history row copies the row as it was: scrubbed after it.
                ids = list(rows.values_list("pk", flat=True))
                counts[scrub.model] = personal_data.apply(scrub, rows, context)
                audit.scrub_history(model=scrub.model_class, pks=ids, fields=list(scrub.fields))
            else:
                # What the history kept of these rows, blanked before they are rewritten (the
                # rewrite's own history row holds the neutral values).
                audit.scrub_history(model=scrub.model_class, pks=rows.values("pk"), fields=list(scrub.fields))
                counts[scrub.model] = personal_data.apply(scrub, rows, context)
        if owner.user_id:
            tokens_revoke_for(users=[owner.user_id])
        return OwnerAnonymisation.objects.create(owner=owner, anonymised_at=now, anonymised_by=actor,
                                                 reason=reason, rows=counts)
