from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.apps import apps
from django.db.models import Count, Min, Prefetch, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from propertydesk.models import Delivery, DeliveryChannel, DeliveryStatus, Notification
from propertydesk.outbox import SENT_BY_WORKER
from propertydesk.people import person_name
from propertydesk.roles import owner_of


# The inbox's filters: each kind of message by the start of its key (propertydesk.messages).
INBOX_KINDS = {
    "complaints": ("complaint.", "suggestion."),
    "work_orders": ("workorder.",),
    "callbacks": ("callback.",),
    "fees": ("fees.",),
    "renovation": ("renovation.",),
}


def inbox_for(user, *, kind: str = "") -> QuerySet[Notification]:
    """The user's messages (an owner's login: the owner's too), newest first; ``kind``
    (a key of INBOX_KINDS) keeps one kind of them."""
    owner = owner_of(user)
    mine = Q(recipient=user) | Q(owner=owner) if owner is not None else Q(recipient=user)
    rows = Notification.objects.filter(mine)
    if kind in INBOX_KINDS:
        of_kind = Q()
        for prefix in INBOX_KINDS[kind]:
            of_kind |= Q(kind__startswith=prefix)
        rows = rows.filter(of_kind)
    return rows.order_by("-created_at", "-id")


def unread_count(user) -> int:
    return inbox_for(user).filter(read_at__isnull=True).count()


def inbox_counts(user, *, kind: str = "") -> dict[str, int]:
    """``{"all": messages, "unread": unread ones}`` in one statement: the inbox's pages
    and its badge; ``"shown"``: the messages of ``kind`` (all of them without one)."""
    shown = Q()
    for prefix in INBOX_KINDS.get(kind, ()):
        shown |= Q(kind__startswith=prefix)
    return inbox_for(user).order_by().aggregate(all=Count("id"), unread=Count("id", filter=Q(read_at__isnull=True)),
                                                shown=Count("id", filter=shown) if kind in INBOX_KINDS else Count("id"))


# Where a message that was written without a link leads (older messages): the list of its
# kind, a member of staff's or the owner's portal, searched by its number when it has one.
_STAFF_LISTS = (("complaint.", "complaints:queue"), ("suggestion.", "complaints:suggestions"),
                ("workorder.", "repairs:queue"), ("callback.", "callbacks:queue"), ("fees.", "fees:home"),
                ("renovation.", "renovation:board"))
_OWNER_LISTS = (("complaint.", "complaints:portal_list"), ("suggestion.", "complaints:portal_list"),
                ("workorder.", "repairs:portal_list"), ("callback.", "callbacks:portal_list"),
                ("fees.", "fees:portal_home"), ("renovation.", "renovation:portal_list"))


def message_link(note: Notification) -> str:
    """The page of the record a message is about: its own link, else the list of its kind
    (searched by the record's number on the desk's lists)."""
    if note.url:
        return note.url
    from urllib.parse import urlencode

    from django.urls import NoReverseMatch, reverse

    lists = _OWNER_LISTS if note.owner_id else _STAFF_LISTS
    name = next((name for prefix, name in lists if note.kind.startswith(prefix)), None)
    if name is None:
        return ""
    try:
        url = reverse(name)
    except NoReverseMatch:
        return ""
    number = (note.params or {}).get("number")
    if not note.owner_id and isinstance(number, str) and name in ("complaints:queue", "repairs:queue"):
        url += "?" + urlencode({"q": number, **({"status": "all"} if name == "repairs:queue" else {})})
    return url


# ---- the outbox, as the desk sees it ----------------------------------------------------------

# A delivery the desk should look at: it failed (and will be retried) or was given up.
NEEDS_ATTENTION = (DeliveryStatus.FAILED, DeliveryStatus.GIVEN_UP)
# Not (yet) in the recipient's hands.
UNDELIVERED = (DeliveryStatus.PENDING, DeliveryStatus.SENDING, DeliveryStatus.FAILED, DeliveryStatus.GIVEN_UP)
# The channels the figure counts one by one; a printed letter is a count of its own.
SENT_CHANNELS = (DeliveryChannel.EMAIL, DeliveryChannel.SMS, DeliveryChannel.WECHAT)

# The outbox's own reasons (propertydesk.outbox), in the reader's language; a gateway's
# error is shown as the gateway wrote it.
_REASONS = {
    "no phone number": _("The owner has no phone number."),
    "no address": _("No e-mail address."),
}


@dataclass(frozen=True)
class DeliveryRow:
    """One delivery on the desk's page, with its message rendered in the page's language."""

    delivery: Delivery
    subject: str
    recipient: str  # the owner's name, or the member of staff's
    owner_id: int | None
    phone_masked: str  # the owner's primary phone, masked; "" for staff or none on file
    reason: str

    @property
    def can_retry(self) -> bool:
        return self.delivery.channel in SENT_BY_WORKER  # a letter is delivered by hand


def deliveries_needing_attention(*, channel: str | None = None, status: str | None = None,
                                 limit: int = 100) -> list[DeliveryRow]:
    """Failed and given-up deliveries, newest first (at most ``limit``), optionally of one
    channel or one of the two statuses. Four queries whatever the number of rows: the
    deliveries with their message, owner and staff recipient, and the owners' primary phones."""
    statuses = [status] if status in NEEDS_ATTENTION else list(NEEDS_ATTENTION)
    rows = Delivery.objects.filter(status__in=statuses)
    if channel:
        rows = rows.filter(channel=channel)
    # The registry's phone model by name: the core does not import the registry.
    phones = apps.get_model("owners", "OwnerPhone").objects.filter(is_primary=True)
    rows = (rows.select_related("notification", "notification__owner", "notification__recipient")
            .prefetch_related(Prefetch("notification__owner__phones", queryset=phones, to_attr="primary_phones"))
            .order_by("-id")[:limit])
    return [_delivery_row(delivery) for delivery in rows]


def _delivery_row(delivery: Delivery) -> DeliveryRow:
    note = delivery.notification
    owner = note.owner
    if owner is not None:
        recipient = owner.name
        primary = getattr(owner, "primary_phones", [])
        phone_masked = primary[0].masked if primary else ""
    else:
        recipient = person_name(note.recipient) if note.recipient is not None else ""
        phone_masked = ""
    return DeliveryRow(
        delivery=delivery, subject=note.subject, recipient=recipient, owner_id=note.owner_id,
        phone_masked=phone_masked, reason=str(_REASONS.get(delivery.last_error, delivery.last_error)),
    )


def delivery_attention_counts() -> dict[str, dict[str, int]]:
    """Failed and given-up deliveries by channel, then status: {"sms": {"failed": 2, "given_up": 1}}.
    One grouped count over the (channel, status) index."""
    counts: dict[str, dict[str, int]] = {}
    for channel, status, n in (Delivery.objects.filter(status__in=NEEDS_ATTENTION)
                               .values_list("channel", "status").annotate(n=Count("id")).order_by()):
        counts.setdefault(channel, {})[status] = n
    return counts


@dataclass(frozen=True)
class UndeliveredFigure:
    """What has not reached its recipient as of a moment (the supervisors' figure)."""

    as_of: datetime
    by_channel: dict[str, dict[str, int]]  # e-mail, SMS, WeChat: status → count
    letters_waiting: int  # printed letters not yet put through the door
    oldest: datetime | None  # when the longest-waiting of them was written

    def _of(self, *statuses: str) -> int:
        return sum(counts.get(status, 0) for counts in self.by_channel.values() for status in statuses)

    @property
    def waiting(self) -> int:
        """To be sent or being sent."""
        return self._of(DeliveryStatus.PENDING, DeliveryStatus.SENDING)

    @property
    def failed(self) -> int:
        return self._of(DeliveryStatus.FAILED)

    @property
    def given_up(self) -> int:
        return self._of(DeliveryStatus.GIVEN_UP)

    @property
    def total(self) -> int:
        return sum(sum(counts.values()) for counts in self.by_channel.values()) + self.letters_waiting

    def channel_total(self, channel: str) -> int:
        return sum(self.by_channel.get(channel, {}).values())


def undelivered_figure(*, as_of: datetime) -> UndeliveredFigure:
    """Messages written by ``as_of`` that have not been delivered: pending, sending, failed
    and given up, per channel, plus the letters waiting to be delivered by hand. The
    inbox is delivered when written and is not counted. One grouped query."""
    by_channel: dict[str, dict[str, int]] = {}
    letters, oldest = 0, None
    for channel, status, n, first in (
        Delivery.objects.filter(status__in=UNDELIVERED, created_at__lte=as_of)
        .exclude(channel=DeliveryChannel.INBOX)
        .values_list("channel", "status").annotate(n=Count("id"), first=Min("created_at")).order_by()
    ):
        if channel == DeliveryChannel.LETTER:
            letters += n
        else:
            by_channel.setdefault(channel, {})[status] = n
        oldest = first if oldest is None else min(oldest, first)
    return UndeliveredFigure(as_of=as_of, by_channel=by_channel, letters_waiting=letters, oldest=oldest)


# ---- counts per row of a list ---------------------------------------------------------------------


def count_of(rows: QuerySet):
    """The number of ``rows`` (filtered on ``OuterRef``), as a subquery per row of a list,
    0 when there are none. PostgreSQL runs it only for the rows the page shows, after the
    order and the limit; a join with GROUP BY counts the related rows of every row first
    (350–400 ms for the activities and the handovers at scale)."""
    from django.db.models import Func, IntegerField, Subquery
    from django.db.models.functions import Coalesce

    return Coalesce(Subquery(rows.order_by().annotate(n=Func("pk", function="COUNT")).values("n"),
                             output_field=IntegerField()), 0)


def sum_of(rows: QuerySet, field: str):
    """The sum of ``field`` over ``rows`` (filtered on ``OuterRef``) per row of a list,
    None when there are none; see ``count_of``."""
    from django.db.models import Func, Subquery

    return Subquery(rows.order_by().annotate(n=Func(field, function="SUM")).values("n"))


def tick_last_sent() -> datetime | None:
    """When beat last sent the scheduler's tick, as its database scheduler recorded it
    (it writes every few minutes), or None if it never has."""
    from django_celery_beat.models import PeriodicTask

    from propertydesk.jobs import TICK_TASK

    return PeriodicTask.objects.filter(name=TICK_TASK).values_list("last_run_at", flat=True).first()
