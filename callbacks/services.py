"""Every write to callbacks. Source events (a complaint resolved, a job completed, an
activity finished) create them; the hourly job repairs what an event missed; staff
perform them; supervisors cancel (with a reason) and spot-check."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from callbacks import selectors
from callbacks.models import (
    MAX_RULE_DAYS,
    MAX_RULE_MONTHS,
    TRANSITIONS,
    Callback,
    CallbackResult,
    CallbackRule,
    Kind,
    Method,
    Satisfaction,
    SpotCheck,
    Status,
)
from callbacks.rules import rule_for
from owners import services as owner_services
from owners.models import RevealReason
from propertydesk import limits, messages, notifications, states
from propertydesk.roles import FRONT_DESK, SUPERVISOR, owner_of

@transaction.atomic
def callback_rule_set(
    *, estate, kind: str, now: datetime, actor=None, days: int = 0, months: int = 0,
    by_day_of_next_month: int | None = None, required_rate: Decimal | None = None,
    required_rate_bank: Decimal | None = None,
) -> CallbackRule:
    """A supervisor changes a rule: a new row, effective now, for new callbacks. The
    old row stays, so what was due under it is still explained."""
    if actor is not None and not actor.has_perm("callbacks.add_callbackrule"):
        raise PermissionDenied(_("Only a supervisor changes the callback rules."))
    errors: dict[str, list[str]] = {}
    if kind not in Kind.values:
        errors["kind"] = [_("Choose what the callback is for.")]
    if days < 0 or months < 0 or not (days or months or by_day_of_next_month):
        errors["days"] = [_("Give the days or months after the event.")]
    elif days > MAX_RULE_DAYS or months > MAX_RULE_MONTHS:
        errors["days" if days > MAX_RULE_DAYS else "months"] = [
            _("At most %(days)s days or %(months)s months.") % {"days": MAX_RULE_DAYS, "months": MAX_RULE_MONTHS}]
    errors.update(limits.field_errors(CallbackRule, {"required_rate": required_rate,
                                                     "required_rate_bank": required_rate_bank}))
    if by_day_of_next_month is not None and not 1 <= by_day_of_next_month <= 28:
        errors["by_day_of_next_month"] = [_("A day from 1 to 28.")]
    for field, rate in (("required_rate", required_rate), ("required_rate_bank", required_rate_bank)):
        if rate is not None and field not in errors and not Decimal("0") <= rate <= Decimal("100"):
            errors[field] = [_("A rate from 0 to 100 %.")]
    if errors:
        raise ValidationError(errors)
    return CallbackRule.objects.create(
        estate=estate, kind=kind, days=days, months=months, by_day_of_next_month=by_day_of_next_month,
        required_rate=required_rate, required_rate_bank=required_rate_bank, effective_from=now, created_by=actor,
    )


# ---- creating callbacks from their source events ----------------------------------------


def _create(*, source_key: str, now: datetime, **fields) -> Callback | None:
    """Insert one callback unless its source_key exists: the event and the hourly job,
    or two runs at once, make one callback between them. None if it existed."""
    try:
        with transaction.atomic():
            return Callback.objects.create(source_key=source_key, created_at=now, **fields)
    except IntegrityError:
        if Callback.objects.filter(source_key=source_key).exists():
            return None
        raise


def _create_or_move(*, source_key: str, now: datetime, event_at: datetime, due_on: date, **fields) -> Callback | None:
    """As _create; and when the source was resolved again before its callback was done
    (a rework the customer asked for at acceptance, a complaint reopened at the desk),
    the callback still due moves to the new event and its due date. None unless new."""
    made = _create(source_key=source_key, now=now, event_at=event_at, due_on=due_on, **fields)
    if made is None:
        Callback.objects.filter(source_key=source_key, status=Status.DUE, event_at__lt=event_at).update(
            event_at=event_at, due_on=due_on, overdue_flagged_at=None)
    return made


def _chain(source_filter: dict) -> tuple[int, Callback | None]:
    """The round of the next callback for a source, and the callback it follows: each
    unsatisfied owner (a rectification ordered) starts a new round."""
    rectified = Callback.objects.filter(**source_filter, rectification_ordered_at__isnull=False).order_by("-round")
    last = rectified.first()
    return (last.round + 1 if last else 1), last


def _callback_staff(user):
    return user if user is not None and user.has_perm("callbacks.perform_callback") else None


def callback_for_complaint(*, complaint, now: datetime, by_job: bool = False) -> Callback | None:
    """A resolved complaint is called back within 3 days (001 一.1)."""
    round_, previous = _chain({"complaint": complaint})
    rule = rule_for(estate=complaint.estate, kind=Kind.COMPLAINT, at=complaint.resolved_at)
    return _create_or_move(
        source_key=f"complaint:{complaint.pk}:{round_}", now=now, estate=complaint.estate, kind=Kind.COMPLAINT,
        complaint=complaint, round=round_, previous=previous, unit=complaint.unit, owner=complaint.owner,
        contact_name=complaint.contact_name or (complaint.owner.name if complaint.owner else ""),
        event_at=complaint.resolved_at, due_on=rule.due_on(complaint.resolved_at),
        assignee=_callback_staff(complaint.created_by), created_by_job=by_job,
    )


WORK_ORDER_KINDS = {
    "minor_repair": Kind.MINOR_REPAIR,
    "major_works": Kind.MAJOR_WORKS,
    "special_service": Kind.SPECIAL_COMPLETION,
    "routine": Kind.OTHER,
}


def callback_for_work_order(*, order, now: datetime, by_job: bool = False) -> Callback | None:
    """A completed job: minor repair +3 days, major works +1 month, a special service
    after completion (by the 10th of next month), routine service +1 week."""
    kind = WORK_ORDER_KINDS[order.kind]
    round_, previous = _chain({"work_order": order, "kind": kind})
    rule = rule_for(estate=order.estate, kind=kind, at=order.completed_at)
    return _create_or_move(
        source_key=f"workorder:{order.pk}:{round_}", now=now, estate=order.estate, kind=kind, work_order=order,
        round=round_, previous=previous, unit=order.unit, owner=order.owner, contact_name=order.requester_name,
        event_at=order.completed_at, due_on=rule.due_on(order.completed_at),
        assignee=_callback_staff(order.created_by), created_by_job=by_job,
    )


def callback_midterm_for_work_order(*, order, now: datetime, by_job: bool = True) -> Callback | None:
    """A special service that spans days is also called back half-way (001 一.3)."""
    start = order.arrived_at or order.appointment_at
    if order.kind != "special_service" or start is None or order.planned_end_at is None:
        return None
    if timezone.localdate(order.planned_end_at) <= timezone.localdate(start):
        return None  # done within the day: the completion callback is enough
    midpoint = start + (order.planned_end_at - start) / 2
    return _create(
        source_key=f"workorder:{order.pk}:mid", now=now, estate=order.estate, kind=Kind.SPECIAL_MIDTERM,
        work_order=order, unit=order.unit, owner=order.owner, contact_name=order.requester_name,
        event_at=start, due_on=timezone.localdate(midpoint), assignee=_callback_staff(order.created_by),
        created_by_job=by_job,
    )


def callbacks_for_activity(*, activity, now: datetime, by_job: bool = False) -> int:
    """A held community activity: every household that came is called back within a month
    (001 一.4), the owner who came or else the unit's owner of record. One per household
    (``source_key`` names the activity and the unit, and is unique), whatever the reruns:
    the households are read and their callbacks written in one INSERT … SELECT. Returns
    how many were made."""
    from django.db import connection

    from owners.selectors import owner_of_record_sql

    rule = rule_for(estate=activity.estate, kind=Kind.ACTIVITY, at=activity.finished_at)
    # One INSERT … SELECT: the households are read and their callbacks written by the
    # database (100 callbacks as a list of rows took the insert 19 ms; this, its floor's 9).
    with connection.cursor() as cursor:
        cursor.execute(f"""
            INSERT INTO {Callback._meta.db_table} (estate_id, kind, source_key, activity_id, round, unit_id, owner_id,
                                                   contact_name, event_at, due_on, status, created_at, created_by_job,
                                                   cancel_reason)
            SELECT %(estate)s, %(kind)s, 'activity:' || %(activity)s || ':unit:' || p.unit_id, %(activity)s, 1,
                   p.unit_id, coalesce(p.owner_id, r.owner_id),
                   coalesce(o.name, res.name, ro.name, ''), %(event_at)s, %(due_on)s, %(status)s, %(now)s,
                   %(by_job)s, ''
            FROM activities_participation p
            LEFT JOIN owners_owner o ON o.id = p.owner_id
            LEFT JOIN owners_resident res ON res.id = p.resident_id
            CROSS JOIN LATERAL (SELECT ({owner_of_record_sql(unit="p.unit_id", as_of="%(held_on)s")}) AS owner_id) r
            LEFT JOIN owners_owner ro ON ro.id = r.owner_id
            WHERE p.activity_id = %(activity)s AND p.attended
            ORDER BY p.unit_id
            ON CONFLICT (source_key) DO NOTHING
        """, {"estate": activity.estate_id, "kind": Kind.ACTIVITY, "activity": activity.pk,
              "event_at": activity.finished_at, "due_on": rule.due_on(activity.finished_at), "status": Status.DUE,
              "now": now, "by_job": by_job, "held_on": activity.held_on})
        return cursor.rowcount


# ---- performing ------------------------------------------------------------------------


def _locked(callback: Callback) -> Callback:
    return (Callback.objects.select_for_update(of=("self",))
            .select_related("complaint", "work_order", "owner__user", "estate").get(pk=callback.pk))


def _may_perform(callback: Callback, actor, method: str) -> None:
    if actor is None:
        return
    if method == Method.ONLINE:
        owner = owner_of(actor)
        if owner is None or owner.pk != callback.owner_id or callback.offered_online_at is None:
            raise PermissionDenied(_("This callback is not yours to answer."))
        return
    if not actor.has_perm("callbacks.perform_callback"):
        raise PermissionDenied(_("You cannot perform callbacks."))


def _validate_result(*, method, satisfaction, owner_words, signature_png, shortcomings) -> None:
    errors: dict[str, list[str]] = {}
    if method not in Method.values:
        errors["method"] = [_("Choose how the owner was reached.")]
    if satisfaction not in Satisfaction.values:
        errors["satisfaction"] = [_("Choose how satisfied the owner is.")]
    if method == Method.FACE_TO_FACE and signature_png is None:
        errors["signature"] = [_("Face to face, the owner signs the record.")]
    if method == Method.PHONE and not (owner_words or "").strip():
        errors["owner_words"] = [_("By phone, write down the owner's own words.")]
    if satisfaction == Satisfaction.UNSATISFIED and not (shortcomings or "").strip():
        errors["shortcomings"] = [_("Write what the owner is unhappy with: it goes back for rectification.")]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def callback_perform(
    *, callback: Callback, method: str, satisfaction: str, now: datetime, actor=None, quality: str = "",
    effect: str = "", shortcomings: str = "", suggestions: str = "", owner_words: str = "",
    signature_png: bytes | None = None, signer_name: str = "",
) -> CallbackResult:
    """Record the callback (001 四, 五). Satisfied: a complaint closes. Unsatisfied: the
    complaint goes back in progress, the work order to rework, and once resolved again
    a new callback is due, chained to this one."""
    limits.check_fields(CallbackResult, {"quality": quality, "effect": effect, "shortcomings": shortcomings,
                                         "suggestions": suggestions, "owner_words": owner_words,
                                         "signer_name": signer_name})
    callback = _locked(callback)
    _may_perform(callback, actor, method)
    if callback.status == Status.DONE:
        raise ValidationError(_("This callback was done already. A correction is recorded as a new entry."),
                              code="done")
    if callback.status == Status.CANCELLED:
        raise ValidationError(_("This callback was cancelled."), code="cancelled")
    _validate_result(method=method, satisfaction=satisfaction, owner_words=owner_words,
                     signature_png=signature_png, shortcomings=shortcomings)
    result = CallbackResult.objects.create(
        callback=callback, method=method, satisfaction=satisfaction, quality=quality.strip(), effect=effect.strip(),
        shortcomings=shortcomings.strip(), suggestions=suggestions.strip(), owner_words=owner_words.strip(),
        signature_png=signature_png, signer_name=(signer_name or callback.contact_name).strip(), at=now,
        recorded_by=actor,
    )
    states.move(callback, Status.DONE, TRANSITIONS, at=now, actor=actor)
    callback.done_at = now
    if result.unsatisfied:
        callback.rectification_ordered_at = now if _rectify(callback, result, now) else None
    else:
        _close_source(callback, result, now)
    callback.save()
    return result


def _rectify(callback: Callback, result: CallbackResult, now: datetime) -> bool:
    """Send the source back; True if it went back (so a new callback will be due)."""
    from complaints import services as complaints
    from complaints.models import Status as ComplaintStatus
    from repairs import services as repairs
    from repairs.models import Status as OrderStatus

    # The reason is the owner's own words: a sentence of ours around them would be frozen
    # in one language on the timelines (the work order's event says it came from a callback).
    reason = result.shortcomings
    if callback.complaint_id and callback.complaint.status == ComplaintStatus.RESOLVED:
        complaints.complaint_reopen(complaint=callback.complaint, reason=reason, now=now)
        went_back = True
    elif callback.work_order_id and callback.work_order.status in (OrderStatus.COMPLETED, OrderStatus.SIGNED_OFF):
        repairs.work_order_rectify(order=callback.work_order, reason=reason, now=now)
        went_back = True
    else:
        went_back = False
    notifications.notify(
        recipients=notifications.users_in_roles(SUPERVISOR), kind="callback.unsatisfied", now=now,
        params={"source": callback.source_label, "shortcomings": result.shortcomings[:300]},
        url=reverse("callbacks:detail", args=[callback.pk]), dedupe_key=f"callback-unsatisfied:{callback.pk}",
    )
    return went_back


def _close_source(callback: Callback, result: CallbackResult, now: datetime) -> None:
    from complaints import messages as complaint_messages
    from complaints import services as complaints
    from complaints.models import Status as ComplaintStatus
    from propertydesk.messages import label, nested

    if callback.complaint_id and callback.complaint.status == ComplaintStatus.RESOLVED:
        complaints.complaint_close_after_callback(
            complaint=callback.complaint, now=now,
            note_message=nested(complaint_messages.CALLBACK_RESULT,
                                {"satisfaction": label(choices=Satisfaction, value=result.satisfaction)}),
        )


@transaction.atomic
def callback_correct(
    *, callback: Callback, reason: str, now: datetime, actor=None, quality: str | None = None,
    effect: str | None = None, shortcomings: str | None = None, suggestions: str | None = None,
    owner_words: str | None = None,
) -> CallbackResult:
    """A mistake in a submitted result is corrected by a new entry that points at it;
    the original stays. The owner's satisfaction and the method cannot be corrected:
    an unhappy owner is not turned into a happy one at the desk."""
    limits.check_fields(CallbackResult, {"reason": reason, "quality": quality, "effect": effect,
                                         "shortcomings": shortcomings, "suggestions": suggestions,
                                         "owner_words": owner_words}, columns={"reason": "correction_reason"})
    callback = _locked(callback)
    if actor is not None and not actor.has_perm("callbacks.perform_callback"):
        raise PermissionDenied(_("You cannot perform callbacks."))
    latest = callback.results.order_by("-at", "-pk").first()
    if latest is None:
        raise ValidationError(_("There is nothing to correct yet."), code="not_done")
    if not (reason or "").strip():
        raise ValidationError({"reason": [_("Say why the record is corrected.")]})

    def keep(new, old):
        return old if new is None else new.strip()

    shortcomings, owner_words = keep(shortcomings, latest.shortcomings), keep(owner_words, latest.owner_words)
    # A correction obeys the rules of the result it replaces: by phone the owner's words
    # stay written down (else the database's check refuses it), an unhappy owner's
    # shortcomings stay named.
    _validate_result(method=latest.method, satisfaction=latest.satisfaction, owner_words=owner_words,
                     signature_png=latest.signature_png, shortcomings=shortcomings)
    return CallbackResult.objects.create(
        callback=callback, corrects=latest, correction_reason=reason.strip()[:200], method=latest.method,
        satisfaction=latest.satisfaction, quality=keep(quality, latest.quality), effect=keep(effect, latest.effect),
        shortcomings=shortcomings, suggestions=keep(suggestions, latest.suggestions),
        owner_words=owner_words, signature_png=latest.signature_png,
        signer_name=latest.signer_name, at=now, recorded_by=actor,
    )


@transaction.atomic
def callback_cancel(*, callback: Callback, reason: str, now: datetime, actor=None) -> Callback:
    """Only a supervisor cancels a callback, and says why (the owner moved away, say)."""
    if actor is not None and not actor.has_perm("callbacks.cancel_callback"):
        raise PermissionDenied(_("Only a supervisor cancels a callback."))
    limits.check_fields(Callback, {"reason": reason}, columns={"reason": "cancel_reason"})
    callback = _locked(callback)
    if not (reason or "").strip():
        raise ValidationError({"reason": [_("Say why the callback is cancelled.")]})
    if callback.status != Status.DUE:
        raise ValidationError(_("Only a callback still due can be cancelled."), code="not_due")
    states.move(callback, Status.CANCELLED, TRANSITIONS, at=now, actor=actor, note=reason.strip())
    callback.cancelled_at, callback.cancelled_by, callback.cancel_reason = now, actor, reason.strip()[:200]
    callback.save()
    return callback


@transaction.atomic
def callback_assign(*, callback: Callback, assignee, now: datetime, actor=None) -> Callback:
    if actor is not None and not actor.has_perm("callbacks.perform_callback"):
        raise PermissionDenied(_("You cannot perform callbacks."))
    callback = _locked(callback)
    if assignee is not None and not assignee.has_perm("callbacks.perform_callback"):
        raise ValidationError({"assignee": [_("%(user)s does not do callbacks.") % {"user": assignee}]})
    if callback.status != Status.DUE:
        raise ValidationError(_("Only a callback still due is assigned."), code="not_due")
    callback.assignee = assignee
    callback.save(update_fields=["assignee"])
    return callback


@transaction.atomic
def callback_offer_online(*, callback: Callback, now: datetime, actor=None) -> Callback:
    """Invite the owner to answer the callback in the portal; their answer counts."""
    if actor is not None and not actor.has_perm("callbacks.perform_callback"):
        raise PermissionDenied(_("You cannot perform callbacks."))
    callback = _locked(callback)
    if callback.status != Status.DUE:
        raise ValidationError(_("Only a callback still due is offered to the owner."), code="not_due")
    if callback.owner is None or callback.owner.user_id is None:
        raise ValidationError(_("The owner has no portal login: call or visit instead."), code="no_login")
    callback.offered_online_at = callback.offered_online_at or now
    callback.save(update_fields=["offered_online_at"])
    notifications.notify_owner(
        owner=callback.owner, kind="callback.offered", now=now, params={"source": callback.source_label},
        url=reverse("callbacks:portal_answer", args=[callback.pk]), dedupe_key=f"callback-offered:{callback.pk}",
    )
    return callback


@transaction.atomic
def spot_check_record(*, callback: Callback, method: str, agrees: bool, now: datetime, actor, note: str = "") -> SpotCheck:
    """A supervisor re-contacts the owner of a done callback (004 2.7.4)."""
    if not actor.has_perm("callbacks.spotcheck_callback"):
        raise PermissionDenied(_("Only a supervisor spot-checks callbacks."))
    limits.check_fields(SpotCheck, {"note": note})
    callback = _locked(callback)
    if callback.status != Status.DONE:
        raise ValidationError(_("Only a callback that was done is spot-checked."), code="not_done")
    if method not in Method.values:
        raise ValidationError({"method": [_("Choose how the owner was reached.")]})
    if not agrees and not (note or "").strip():
        raise ValidationError({"note": [_("Write what the owner says differently.")]})
    return SpotCheck.objects.create(callback=callback, at=now, checked_by=actor, method=method, agrees=agrees,
                                    note=(note or "").strip())


# ---- the scheduled side ---------------------------------------------------------------------


@transaction.atomic
def callbacks_flag_overdue(*, as_of: datetime, ids: list[int] | None = None) -> int:
    """Flag every callback past its due date (or those of ``ids`` that are) and tell each
    one's assignee (or the desk) and the supervisors, once: one conditional UPDATE for
    all of them, which decides between concurrent runs, and the messages in two inserts
    (``notifications.notify_many``), whatever their number. Flagging is not a move: the
    callback stays due, so no event row is written. Returns how many were flagged."""
    today = timezone.localdate(as_of)
    only = "AND cb.id = ANY(%(ids)s)" if ids is not None else ""
    with connection.cursor() as cursor:
        cursor.execute(f"""
            WITH flagged AS (
                UPDATE callbacks_callback cb SET overdue_flagged_at = %(as_of)s
                WHERE cb.status = %(due)s AND cb.due_on < %(today)s AND cb.overdue_flagged_at IS NULL {only}
                RETURNING cb.id, cb.kind, cb.due_on, cb.assignee_id, cb.complaint_id, cb.work_order_id,
                          cb.activity_id
            )
            -- Each source looked up by primary key for the rows flagged: joined, the planner
            -- (which guesses tens of thousands of rows from the table's statistics) hashed
            -- every complaint and work order to name a few hundred.
            SELECT f.id, f.kind, f.due_on, f.assignee_id,
                   COALESCE((SELECT c.number FROM complaints_complaint c WHERE c.id = f.complaint_id),
                            (SELECT w.number FROM repairs_workorder w WHERE w.id = f.work_order_id),
                            (SELECT a.title FROM activities_activity a WHERE a.id = f.activity_id))
            FROM flagged f
            ORDER BY f.id
        """, {"as_of": as_of, "due": Status.DUE, "today": today, "ids": ids})
        flagged = cursor.fetchall()
    if not flagged:
        return 0
    supervisors = set(notifications.users_in_roles(SUPERVISOR).values_list("pk", flat=True))
    desk = None  # the front desk, asked for only if a callback has no assignee
    batch = []
    for pk, kind, due_on, assignee_id, source in flagged:
        if assignee_id is None and desk is None:
            desk = set(notifications.users_in_roles(FRONT_DESK).values_list("pk", flat=True))
        recipients = supervisors | ({assignee_id} if assignee_id is not None else desk)
        batch.append(notifications.StaffMessage(
            recipients=tuple(sorted(recipients)), kind="callback.overdue", dedupe_key=f"callback-overdue:{pk}",
            params={"source": source, "date": messages.day(due_on), "kind": messages.label(choices=Kind, value=kind)},
            url=reverse("callbacks:detail", args=[pk]),
        ))
    notifications.notify_many(messages=batch, now=as_of)
    return len(flagged)


def callback_flag_overdue(*, callback_id: int, as_of: datetime) -> bool:
    """Flag one callback past its due date, as ``callbacks_flag_overdue`` does: True if
    this call flagged it."""
    return callbacks_flag_overdue(as_of=as_of, ids=[callback_id]) == 1


@transaction.atomic  # a check cut short stores nothing: the job's retry makes the whole month again
def rate_check_month(*, as_of: datetime, month: date | None = None, counted_at: datetime | None = None) -> list:
    """A month's callbacks (last month's by default) per estate and kind (special
    services split by how they were paid) against the required rate; stored, and the
    supervisors told of any below it. ``counted_at``: the moment the check was due
    (a check made late counts what was owed and done by then, not by ``as_of``).
    Running it again updates the same rows and tells nobody twice."""
    from callbacks.models import RateCheck

    if month is None:
        month = timezone.localdate(as_of).replace(day=1) - relativedelta(months=1)
    counted_at = as_of if counted_at is None else min(as_of, counted_at)
    checks = RateCheck.objects.bulk_create(
        [RateCheck(estate_id=row.estate_id, month=month, kind=row.kind, payment=row.payment, owed=row.owed,
                   done=row.done, required_rate=row.required_rate, checked_at=as_of)
         for row in selectors.month_rates(month=month, as_of=counted_at)],
        update_conflicts=True, unique_fields=["estate", "month", "kind", "payment"],
        update_fields=["owed", "done", "required_rate", "checked_at"])
    below = [check for check in checks if not check.meets]
    if below:
        supervisors = tuple(notifications.users_in_roles(SUPERVISOR).values_list("pk", flat=True))
        notifications.notify_many(messages=[notifications.StaffMessage(
            recipients=supervisors, kind="callback.rate_below",
            params={"kind": messages.label(choices=Kind, value=check.kind), "month": messages.month(month),
                    "done": check.done, "owed": check.owed, "rate": str(check.rate),
                    "required": str(check.required_rate)},
            url=reverse("callbacks:rates") + f"?month={month:%Y-%m}",
            dedupe_key=f"callback-rate:{check.estate_id}:{month:%Y-%m}:{check.kind}:{check.payment}",
        ) for check in below], now=as_of)
    return checks


REVEAL_PERMISSION = "owners.reveal_owner_pii"


@transaction.atomic
def callback_reveal_phone(*, callback: Callback, user, now: datetime, ip_address: str | None = None) -> str:
    """The number to call back, from the callback's page: for whoever may reveal owners'
    numbers, logged as the owner page's reveal is, naming the callback's source."""
    if not user.has_perm(REVEAL_PERMISSION):
        raise PermissionDenied(_("You are not allowed to see owners' full phone and ID numbers."))
    return owner_services.record_phone_reveal(
        record_number=callback.source_label[:40], phone=selectors.callback_contact_phone(callback=callback),
        owner=callback.owner, user=user, reason=RevealReason.CALLBACK, now=now, ip_address=ip_address,
    )
