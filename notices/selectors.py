"""Every read of notices: the desk's list and a notice with its households still to reach,
the owner's notices and the home tile's summary, the API's rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery, Window

from notices.models import SENT_STATUSES, Notice, NoticeHousehold, NoticeStatus
from owners.models import Owner, OwnerPhone
from owners.selectors import current_ownerships, owner_of_record_subquery
from propertydesk import pii
from propertydesk.roles import is_staff_member, owner_of


def desk_notices(*, estate_id: int | None = None, status: str = "") -> QuerySet[Notice]:
    """The desk's list, newest first, with what each row shows."""
    rows = Notice.objects.select_related("estate", "created_by", "published_by")
    if estate_id:
        rows = rows.filter(estate_id=estate_id)
    if status in NoticeStatus.values:
        rows = rows.filter(status=status)
    return rows.order_by("-id")


def notice_for_desk(*, pk: int) -> Notice:
    return (Notice.objects.select_related("estate", "created_by", "published_by")
            .prefetch_related("buildings", "units", "events__actor").get(pk=pk))


@dataclass
class UnreadHousehold:
    unit_id: int
    unit_number: str
    building: str
    owner_id: int | None
    owner_name: str
    phone: str   # masked


def unread_households(*, notice: Notice, limit: int | None = None) -> tuple[list[UnreadHousehold], int]:
    """The households the notice was addressed to that have not read it, by room number,
    each with its owner of record and their primary phone masked (to call or knock); and
    how many there are in all."""
    limit = limit or settings.NOTICE_UNREAD_SHOWN
    unread = NoticeHousehold.objects.filter(notice=notice, read_at__isnull=True)
    total = notice.households - notice.read_households
    # One statement: each household with its owner of record, their name and primary phone.
    owner = owner_of_record_subquery(unit=OuterRef("unit_id"))
    rows = list(unread.annotate(
        owner_id=owner,
        owner_name=Subquery(Owner.objects.filter(pk=OuterRef("owner_id")).values("name")[:1]),
        phone=Subquery(OwnerPhone.objects.filter(owner_id=OuterRef("owner_id"), is_primary=True)
                       .values("number")[:1]),
    ).select_related("unit", "unit__building").order_by("unit__number", "unit_id")[:limit])
    out = [UnreadHousehold(unit_id=row.unit_id, unit_number=row.unit.number, building=row.unit.building.number,
                           owner_id=row.owner_id, owner_name=row.owner_name or "",
                           phone=pii.mask_phone(row.phone) if row.phone else "") for row in rows]
    return out, total


def _mine(owner) -> QuerySet[NoticeHousehold]:
    return NoticeHousehold.objects.filter(
        notice=OuterRef("pk"), unit_id__in=current_ownerships().filter(owner=owner).values("unit_id"))


def owner_notices(*, owner) -> QuerySet[Notice]:
    """The notices sent to the owner's units (as they own them now), newest first, each
    with ``is_read`` (one of their households has opened it)."""
    return (Notice.objects.filter(Exists(_mine(owner)), status__in=SENT_STATUSES)
            .annotate(is_read=Exists(_mine(owner).filter(read_at__isnull=False)))
            .select_related("estate").order_by("-published_at", "-id"))


def current_q(now: datetime) -> Q:
    return Q(status=NoticeStatus.PUBLISHED) & (Q(ends_at__isnull=True) | Q(ends_at__gt=now))


@dataclass
class OwnerNoticeSummary:
    unread: int
    latest: Notice | None


def owner_notice_summary(*, owner, now: datetime) -> OwnerNoticeSummary:
    """For the owner's home: how many current notices they have not read, and the latest
    current one (an emergency first)."""
    # One statement: the latest, with the count of the unread ones over them all.
    latest = (owner_notices(owner=owner).filter(current_q(now))
              .annotate(unread_total=Window(Count("pk", filter=Q(is_read=False))))
              .order_by("-emergency", "-published_at", "-id").first())
    return OwnerNoticeSummary(unread=latest.unread_total if latest else 0, latest=latest)


def notices_for(user) -> QuerySet[Notice]:
    """What the API lists: every notice for staff who may read them, the notices sent to
    an owner's units for an owner, nothing for anyone else."""
    if is_staff_member(user):
        if not user.has_perm("notices.view_notice"):
            return Notice.objects.none()
        return Notice.objects.select_related("estate").prefetch_related("buildings", "units")
    owner = owner_of(user)
    if owner is None:
        return Notice.objects.none()
    return (Notice.objects.filter(Exists(_mine(owner)), status__in=SENT_STATUSES)
            .select_related("estate").prefetch_related("buildings", "units"))


def desk_report_counts(*, start: datetime, end: datetime, as_of: datetime | None = None) -> dict[int, dict[str, int]]:
    """Per estate, the notices published in the moments [start, end) (the desk's daily
    and weekly reports), and of them the emergencies. One grouped statement."""
    out: dict[int, dict[str, int]] = {}
    for estate_id, n, emergencies in (Notice.objects.filter(published_at__gte=start, published_at__lt=end)
                                      .values_list("estate_id")
                                      .annotate(n=Count("pk"), emergencies=Count("pk", filter=Q(emergency=True)))
                                      .order_by()):
        out.setdefault(estate_id, {}).update({"published": n, "emergencies": emergencies})
    return out
