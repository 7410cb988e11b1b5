"""Every write of community activities: planned and corrected, the households that signed
up and came recorded by the desk, held (its callbacks are made by the callbacks app, which
receives ``activity_finished`` in this transaction) or cancelled (the households that
signed up are told)."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from activities import messages as activity_messages
from activities.models import TRANSITIONS, Activity, ActivityKind, ActivityStatus, Participation
from activities.signals import activity_finished
from owners.models import Estate, Owner, Resident, Unit
from owners.selectors import current_ownerships, owner_of_record
from propertydesk import limits, notifications, states
from propertydesk import messages as message_params

_UNCHANGED = object()
_FIELDS = ("title", "kind", "place", "starts_at", "ends_at", "organiser", "capacity", "description")


def _allowed(actor, perm: str) -> None:
    if actor is not None and not actor.has_perm(perm):
        raise PermissionDenied(_("You cannot record community activities."))


def _check(values: dict) -> dict[str, list[str]]:
    errors = limits.field_errors(Activity, {name: values[name] for name in
                                            ("title", "place", "organiser", "description")})
    if not (values["title"] or "").strip():
        errors.setdefault("title", []).append(_("Give the activity a title."))
    if values["kind"] not in ActivityKind.values:
        errors["kind"] = [_("Choose the kind of activity.")]
    if values["starts_at"] is None:
        errors["starts_at"] = [_("Say when the activity starts.")]
    elif not limits.EARLIEST_DAY <= timezone.localdate(values["starts_at"]) <= limits.LATEST_DAY:
        errors["starts_at"] = [_("Give a date between %(first)s and %(last)s.")
                               % {"first": limits.EARLIEST_DAY, "last": limits.LATEST_DAY}]
    elif values["ends_at"] is not None and values["ends_at"] <= values["starts_at"]:
        errors["ends_at"] = [_("The end must come after the start.")]
    capacity = values["capacity"]
    if capacity is not None and not 1 <= capacity <= 100000:
        errors["capacity"] = [_("Give the number of places (at least 1), or leave it blank.")]
    return errors


def _clean(value):
    return value.strip() if isinstance(value, str) else value


@transaction.atomic
def activity_plan(*, estate: Estate, title: str, starts_at: datetime, now: datetime, actor=None,
                  kind: str = ActivityKind.OTHER, place: str = "", ends_at: datetime | None = None,
                  organiser: str = "", capacity: int | None = None, description: str = "") -> Activity:
    """Plan an activity of an estate. The desk then records who signs up and who comes."""
    _allowed(actor, "activities.add_activity")
    values = {"title": title, "kind": kind, "place": place or "", "starts_at": starts_at, "ends_at": ends_at,
              "organiser": organiser or "", "capacity": capacity, "description": description or ""}
    errors = _check(values)
    if errors:
        raise ValidationError(errors)
    activity = Activity.objects.create(
        estate=estate, **{name: _clean(value) for name, value in values.items()},
        held_on=timezone.localdate(starts_at), created_at=now, created_by=actor)
    activity.events.create(at=now, actor=actor, from_status="", to_status=ActivityStatus.PLANNED)
    return activity


def _locked(activity: Activity) -> Activity:
    return Activity.objects.select_for_update().select_related("estate").get(pk=activity.pk)


def _still_planned(activity: Activity) -> None:
    if activity.status != ActivityStatus.PLANNED:
        raise ValidationError(_("An activity that is %(status)s is not changed any more.")
                              % {"status": activity.get_status_display()}, code="closed")


@transaction.atomic
def activity_change(*, activity: Activity, now: datetime, actor=None, **changes) -> Activity:
    """Correct a planned activity (any of its own fields); a held or cancelled one stays as it was."""
    _allowed(actor, "activities.change_activity")
    unknown = set(changes) - set(_FIELDS)
    if unknown:
        raise TypeError(f"activity_change: unknown fields {sorted(unknown)}")
    activity = _locked(activity)
    _still_planned(activity)
    values = {name: changes.get(name, getattr(activity, name)) for name in _FIELDS}
    values = {name: ("" if value is None and name in ("place", "organiser", "description") else value)
              for name, value in values.items()}
    errors = _check(values)
    if values["capacity"] is not None and "capacity" not in errors:
        taken = _places_taken(activity)
        if taken > values["capacity"]:
            errors["capacity"] = [_("%(people)d people have signed up already: give at least that many places.")
                                  % {"people": taken}]
    if errors:
        raise ValidationError(errors)
    for name, value in values.items():
        setattr(activity, name, _clean(value))
    activity.held_on = timezone.localdate(activity.starts_at)
    activity.save()
    return activity


def _places_taken(activity: Activity, *, besides: Unit | None = None) -> int:
    rows = activity.participations.all()
    if besides is not None:
        rows = rows.exclude(unit=besides)
    return rows.aggregate(n=Sum("people"))["n"] or 0


@transaction.atomic
def participation_record(*, activity: Activity, unit: Unit, now: datetime, actor=None, owner: Owner | None = None,
                         resident: Resident | None = None, people: int = 1, attended: bool = True) -> Participation:
    """A household signs up for a planned activity, or the desk records that it came
    (``attended``), with the owner or resident who came and how many people. Recording a
    household again corrects its row: one row per unit."""
    _allowed(actor, "activities.change_activity")
    return _record(activity=_locked(activity), unit=unit, now=now, actor=actor, owner=owner, resident=resident,
                   people=people, attended=attended)


@transaction.atomic
def participation_sign_up(*, activity: Activity, owner: Owner, unit: Unit, now: datetime,
                          people: int = 1) -> Participation:
    """An owner signs their household up in the portal, for a planned activity of the unit's
    estate that has not started yet (then it is the desk's, who sees who came)."""
    activity = _locked(activity)
    if activity.status == ActivityStatus.PLANNED and activity.starts_at <= now:
        raise ValidationError(_("The activity has started: sign up at the service centre's desk."), code="started")
    return _record(activity=activity, unit=unit, now=now, actor=owner.user, owner=owner, resident=None,
                   people=people, attended=False)


def _record(*, activity: Activity, unit: Unit, now: datetime, actor, owner, resident, people, attended) -> Participation:
    _still_planned(activity)
    errors: dict[str, list[str]] = {}
    if unit.estate_id != activity.estate_id:
        errors["unit"] = [_("%(unit)s is not in %(estate)s.") % {"unit": unit.number, "estate": activity.estate.name}]
    if owner is not None and resident is not None:
        errors["resident"] = [_("Name the owner or the resident who came, not both.")]
    elif owner is not None and "unit" not in errors and not current_ownerships(as_of=timezone.localdate(now)).filter(
            unit=unit, owner=owner).exists():
        errors["owner"] = [_("%(owner)s does not own %(unit)s.") % {"owner": owner.name, "unit": unit.number}]
    elif resident is not None and resident.unit_id != unit.pk:
        errors["resident"] = [_("%(resident)s does not live in %(unit)s.")
                              % {"resident": resident.name, "unit": unit.number}]
    if not isinstance(people, int) or not 1 <= people <= 100:
        errors["people"] = [_("Give how many people came, from 1 to 100.")]
    elif activity.capacity is not None and _places_taken(activity, besides=unit) + people > activity.capacity:
        errors["people"] = [_("The activity has %(capacity)d places and %(left)d are left.")
                            % {"capacity": activity.capacity,
                               "left": max(activity.capacity - _places_taken(activity, besides=unit), 0)}]
    if errors:
        raise ValidationError(errors)
    row, _made = Participation.objects.update_or_create(
        activity=activity, unit=unit,
        defaults={"owner": owner, "resident": resident, "people": people, "attended": attended,
                  "recorded_at": now, "recorded_by": actor})
    return row


@transaction.atomic
def participation_remove(*, activity: Activity, unit: Unit, now: datetime, actor=None) -> None:
    """Take a household off a planned activity (signed up by mistake, or will not come)."""
    _allowed(actor, "activities.change_activity")
    activity = _locked(activity)
    _still_planned(activity)
    deleted, _rows = Participation.objects.filter(activity=activity, unit=unit).delete()
    if not deleted:
        raise ValidationError({"unit": [_("%(unit)s is not on this activity's list.") % {"unit": unit.number}]})


@transaction.atomic
def activity_hold(*, activity: Activity, now: datetime, actor=None, note: str = "") -> Activity:
    """The activity is over: it was held. Every household recorded as having come gets its
    callback a month later (the callbacks app, on ``activity_finished``, in this
    transaction). Households signed up that did not come are not called back."""
    _allowed(actor, "activities.hold_activity")
    activity = _locked(activity)
    if activity.status == ActivityStatus.PLANNED and activity.starts_at > now:
        raise ValidationError(_("The activity has not started yet: it can be marked held once it has taken place."),
                              code="not_started")
    states.move(activity, ActivityStatus.HELD, TRANSITIONS, at=now, actor=actor, note=note[:limits.NOTE_LENGTH])
    activity.finished_at = now
    activity.save(update_fields=["status", "finished_at"])
    activity_finished.send(sender=Activity, activity=activity, now=now)
    return activity


@transaction.atomic
def activity_cancel(*, activity: Activity, now: datetime, reason: str, actor=None) -> Activity:
    """Call a planned activity off, with the reason: it owes no callback, and every owner of
    a household that signed up is told (in the portal and by their channel)."""
    _allowed(actor, "activities.hold_activity")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Say why the activity is cancelled.")]})
    if len(reason) > limits.NOTE_LENGTH:
        raise ValidationError({"reason": [_("At most %(n)d characters.") % {"n": limits.NOTE_LENGTH}]})
    activity = _locked(activity)
    states.move(activity, ActivityStatus.CANCELLED, TRANSITIONS, at=now, actor=actor, note=reason)
    activity.save(update_fields=["status"])
    params = {"title": activity.title, "start": message_params.at(activity.starts_at), "reason": reason}
    day = timezone.localdate(now)
    told: set[int] = set()
    for row in activity.participations.select_related("unit", "owner").order_by("unit__number"):
        owner = row.owner or owner_of_record(unit=row.unit, as_of=day)
        if owner is None or owner.pk in told:
            continue
        told.add(owner.pk)
        notifications.notify_owner(owner=owner, kind=activity_messages.CANCELLED, params=params, now=now,
                                   url=reverse("activities:portal_list"),
                                   dedupe_key=f"activity:{activity.pk}:cancelled")
    return activity


@transaction.atomic
def activity_announce(*, activity: Activity, now: datetime, actor=None):
    """A draft notice (公告) to the whole estate announcing a planned activity: its title, its
    description, its window and place (filled whenever the notice is shown). The desk checks
    it and publishes it from the notices' pages; nothing is sent here."""
    from notices import services as notices
    from notices.models import NoticeKind

    _allowed(actor, "notices.add_notice")
    activity = _locked(activity)
    _still_planned(activity)
    if activity.ends_at is not None:
        when = _("Time: {start} to {end}.")
    else:
        when = _("Time: from {start}.")
    lines = [activity.description, when]
    if activity.place:
        lines.append(_("Place: {place}."))
    lines.append(_("To take part, sign up at the service centre's desk or by phone."))
    return notices.notice_create(
        estate=activity.estate, kind=NoticeKind.OTHER, title=activity.title,
        body="\n".join(line for line in lines if line), place=activity.place, starts_at=activity.starts_at,
        ends_at=activity.ends_at, now=now, actor=actor)
