"""The shift log (客服日志) and the handover (交接班), domain §8 and seed 002 三.

During a shift the desk writes entries, stamped with the moment and the author, with a
priority and optionally the unit, complaint or work order they are about. An open entry
is held by a shift (``held_key``/``held_start``): the one it was written in, until a
handover carries it and the next shift acknowledges it (签收); only then is it theirs.
The handover freezes the shift's takings by payment method (002 三 1.2, 2.3) and the
notes; each open entry becomes an item, pending until the receiving shift acknowledges
it or refuses it with a reason, which goes to the supervisors."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from desk.shifts import shift_name
from propertydesk import audit, limits
from propertydesk.states import StateEvent, Transitions


class Priority(models.TextChoices):
    NORMAL = "normal", pgettext_lazy("priority", "normal")
    HIGH = "high", pgettext_lazy("priority", "high")
    URGENT = "urgent", pgettext_lazy("priority", "urgent")


class EntryStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("log entry", "open")
    CLOSED = "closed", pgettext_lazy("log entry", "closed")


ENTRY_TRANSITIONS = Transitions(EntryStatus, {
    EntryStatus.OPEN: {EntryStatus.CLOSED},
    EntryStatus.CLOSED: set(),
}, refusal=_("An entry that is %(current)s cannot become %(target)s."))


class HandoverStatus(models.TextChoices):
    HANDED_OVER = "handed_over", pgettext_lazy("handover", "waiting for the next shift")
    TAKEN_OVER = "taken_over", pgettext_lazy("handover", "taken over")


# A handover is taken over when its last pending item is acknowledged or refused.
HANDOVER_TRANSITIONS = Transitions(HandoverStatus, {
    HandoverStatus.HANDED_OVER: {HandoverStatus.TAKEN_OVER},
    HandoverStatus.TAKEN_OVER: set(),
}, refusal=_("A handover that is %(current)s cannot become %(target)s."))


class ItemStatus(models.TextChoices):
    PENDING = "pending", pgettext_lazy("handover item", "pending")
    ACKNOWLEDGED = "acknowledged", pgettext_lazy("handover item", "acknowledged")
    REFUSED = "refused", pgettext_lazy("handover item", "refused")
    CLOSED = "closed", pgettext_lazy("handover item", "closed by the supervisor")


# A refused item is the supervisors' to settle: reassigned (pending again, for the shift or
# person they name) or closed with a note.
ITEM_TRANSITIONS = Transitions(ItemStatus, {
    ItemStatus.PENDING: {ItemStatus.ACKNOWLEDGED, ItemStatus.REFUSED},
    ItemStatus.ACKNOWLEDGED: set(),
    ItemStatus.REFUSED: {ItemStatus.PENDING, ItemStatus.CLOSED},
    ItemStatus.CLOSED: set(),
}, refusal=_("An item that is %(current)s cannot become %(target)s."))


class TakingsStatus(models.TextChoices):
    WAITING = "waiting", pgettext_lazy("takings", "waiting to be received")
    RECEIVED = "received", pgettext_lazy("takings", "received")
    DIFFERENCE = "difference", pgettext_lazy("takings", "received with a difference")


# The receiving shift counts what was handed over (002 三 2.3) once: as frozen, or not.
TAKINGS_TRANSITIONS = Transitions(TakingsStatus, {
    TakingsStatus.WAITING: {TakingsStatus.RECEIVED, TakingsStatus.DIFFERENCE},
    TakingsStatus.RECEIVED: set(),
    TakingsStatus.DIFFERENCE: set(),
}, refusal=_("Takings that are %(current)s cannot become %(target)s."))


class LogEntry(models.Model):
    Priority, Status = Priority, EntryStatus

    estate = models.ForeignKey("owners.Estate", on_delete=models.PROTECT, related_name="+", verbose_name=_("estate"))
    shift_key = models.CharField(_("shift"), max_length=20)
    shift_start = models.DateTimeField(_("shift started"))
    shift_day = models.DateField(_("shift date"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("written by"))
    written_at = models.DateTimeField(_("written at"))
    priority = models.CharField(_("priority"), max_length=10, choices=Priority.choices, default=Priority.NORMAL)
    text = models.TextField(_("entry"), max_length=limits.NOTE_LENGTH)
    unit = models.ForeignKey("owners.Unit", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                             verbose_name=_("unit"))
    complaint = models.ForeignKey("complaints.Complaint", on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="+", verbose_name=_("complaint"))
    work_order = models.ForeignKey("repairs.WorkOrder", on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("work order"))
    status = models.CharField(_("status"), max_length=10, choices=EntryStatus.choices, default=EntryStatus.OPEN)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="+", verbose_name=_("closed by"))
    # The shift whose it is now: the one it was written in, then the one that acknowledged it.
    held_key = models.CharField(_("held by shift"), max_length=20)
    held_start = models.DateTimeField(_("held since the shift of"))

    class Meta:
        verbose_name = _("shift log entry")
        verbose_name_plural = _("shift log entries")
        ordering = ["-written_at", "-id"]
        permissions = [("hand_over_shift", _("Can hand a shift over and sign for items"))]
        indexes = [
            models.Index(fields=["estate", "held_start"], condition=models.Q(status="open"), name="logentry_open_held"),
            models.Index(fields=["estate", "shift_start", "-written_at"], name="logentry_shift"),
        ]

    def __str__(self):
        return self.text[:60]

    @property
    def shift_name(self):
        return shift_name(self.shift_key)

    @property
    def held_name(self):
        return shift_name(self.held_key)


class LogEntryEvent(StateEvent):
    entry = models.ForeignKey(LogEntry, on_delete=models.CASCADE, related_name="events", verbose_name=_("entry"))
    from_status = models.CharField(_("from"), max_length=10, choices=EntryStatus.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=10, choices=EntryStatus.choices, blank=True)

    class Meta(StateEvent.Meta):
        verbose_name = _("shift log entry event")
        verbose_name_plural = _("shift log entry events")


class Handover(models.Model):
    Status = HandoverStatus

    estate = models.ForeignKey("owners.Estate", on_delete=models.PROTECT, related_name="+", verbose_name=_("estate"))
    shift_key = models.CharField(_("shift"), max_length=20)
    shift_start = models.DateTimeField(_("shift started"))
    shift_end = models.DateTimeField(_("shift ended"))
    shift_day = models.DateField(_("shift date"))
    next_key = models.CharField(_("next shift"), max_length=20)
    next_start = models.DateTimeField(_("next shift starts"))
    handed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("handed over by"))
    handed_at = models.DateTimeField(_("handed over at"))
    notes = models.TextField(_("notes"), max_length=limits.NOTE_LENGTH, blank=True)
    takings_total = models.DecimalField(_("takings (yuan)"), max_digits=12, decimal_places=2)
    takings_count = models.PositiveIntegerField(_("payments"))
    status = models.CharField(_("status"), max_length=12, choices=HandoverStatus.choices,
                              default=HandoverStatus.HANDED_OVER)
    taken_over_at = models.DateTimeField(_("taken over at"), null=True, blank=True)

    class Meta:
        verbose_name = _("handover")
        verbose_name_plural = _("handovers")
        ordering = ["-shift_start", "-id"]
        permissions = [("view_handover_history", _("Can see the handover history of every shift"))]
        constraints = [models.UniqueConstraint(fields=["estate", "shift_start"], name="handover_once_a_shift")]
        indexes = [models.Index(fields=["shift_day", "estate"], name="handover_day"),
                   models.Index(fields=["-shift_start", "-id"], name="handover_newest")]

    def __str__(self):
        return f"{self.shift_day:%Y-%m-%d} {self.shift_name}"

    @property
    def shift_name(self):
        return shift_name(self.shift_key)

    @property
    def next_name(self):
        return shift_name(self.next_key)


class HandoverEvent(StateEvent):
    handover = models.ForeignKey(Handover, on_delete=models.CASCADE, related_name="events",
                                 verbose_name=_("handover"))
    from_status = models.CharField(_("from"), max_length=12, choices=HandoverStatus.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=12, choices=HandoverStatus.choices, blank=True)

    class Meta(StateEvent.Meta):
        verbose_name = _("handover event")
        verbose_name_plural = _("handover events")


class HandoverTakings(models.Model):
    """The shift's takings of one payment method, frozen when the shift was handed over."""

    handover = models.ForeignKey(Handover, on_delete=models.CASCADE, related_name="takings",
                                 verbose_name=_("handover"))
    method = models.CharField(_("method"), max_length=20)
    count = models.PositiveIntegerField(_("payments"))
    total = models.DecimalField(_("amount (yuan)"), max_digits=12, decimal_places=2)
    # What the receiving shift counted (cash by hand), and why it differs, if it does.
    counted = models.DecimalField(_("counted (yuan)"), max_digits=12, decimal_places=2, null=True, blank=True)
    # db_default: rows written in bulk by SQL (seed_scale) leave these out.
    difference_reason = models.CharField(_("reason for the difference"), max_length=500, blank=True, db_default="")

    @property
    def difference(self):
        return None if self.counted is None else self.counted - self.total

    class Meta:
        verbose_name = _("takings handed over")
        verbose_name_plural = _("takings handed over")
        ordering = ["method"]
        constraints = [models.UniqueConstraint(fields=["handover", "method"], name="handover_takings_method_once")]


class HandoverItem(models.Model):
    Status = ItemStatus

    handover = models.ForeignKey(Handover, on_delete=models.CASCADE, related_name="items",
                                 verbose_name=_("handover"))
    entry = models.ForeignKey(LogEntry, on_delete=models.PROTECT, related_name="items", verbose_name=_("entry"))
    status = models.CharField(_("status"), max_length=12, choices=ItemStatus.choices, default=ItemStatus.PENDING)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("signed by"))
    decided_at = models.DateTimeField(_("signed at"), null=True, blank=True)
    reason = models.CharField(_("reason for refusing"), max_length=500, blank=True)
    # Set when a supervisor reassigns a refused item: the shift (and, if named, the person)
    # that signs for it now instead of the handover's next shift.
    assigned_key = models.CharField(_("reassigned to shift"), max_length=20, blank=True, db_default="")
    assigned_start = models.DateTimeField(_("reassigned to the shift of"), null=True, blank=True)
    assigned_to = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+", verbose_name=_("reassigned to"))

    class Meta:
        verbose_name = _("handover item")
        verbose_name_plural = _("handover items")
        ordering = ["handover", "id"]
        permissions = [("settle_handoveritem", _("Can reassign or close a refused handover item"))]
        constraints = [
            models.UniqueConstraint(fields=["handover", "entry"], name="handover_item_once"),
            # An entry waits in one handover at a time.
            models.UniqueConstraint(fields=["entry"], condition=models.Q(status="pending"),
                                    name="handover_item_one_pending"),
            models.CheckConstraint(condition=~models.Q(status="refused") | ~models.Q(reason=""),
                                   name="handover_item_refusal_has_reason"),
        ]
        indexes = [models.Index(fields=["handover"], condition=models.Q(status="pending"),
                                name="handover_item_pending")]

    def __str__(self):
        return f"{self.handover_id}: {self.entry_id} {self.status}"

    @property
    def assigned_name(self):
        return shift_name(self.assigned_key) if self.assigned_key else ""


class TakingsReceipt(models.Model):
    """The receiving shift's signature for a handover's takings (002 三 2.3: 清点核对): one
    per handover that handed over any, waiting until someone of the next shift (never the
    one who handed over) counts each method; a difference needs a reason and is told to
    the supervisors."""

    Status = TakingsStatus

    handover = models.OneToOneField(Handover, on_delete=models.CASCADE, related_name="receipt",
                                    verbose_name=_("handover"))
    status = models.CharField(_("status"), max_length=12, choices=TakingsStatus.choices,
                              default=TakingsStatus.WAITING)
    received_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name=_("received by"))
    received_at = models.DateTimeField(_("received at"), null=True, blank=True)

    class Meta:
        verbose_name = _("takings received")
        verbose_name_plural = _("takings received")
        indexes = [models.Index(fields=["handover"], condition=models.Q(status="waiting"),
                                name="takings_receipt_waiting")]

    def __str__(self):
        return f"{self.handover_id} {self.status}"


class TakingsReceiptEvent(StateEvent):
    receipt = models.ForeignKey(TakingsReceipt, on_delete=models.CASCADE, related_name="events",
                                verbose_name=_("takings received"))
    from_status = models.CharField(_("from"), max_length=12, choices=TakingsStatus.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=12, choices=TakingsStatus.choices, blank=True)

    class Meta(StateEvent.Meta):
        verbose_name = _("takings event")
        verbose_name_plural = _("takings events")


class HandoverItemEvent(StateEvent):
    item = models.ForeignKey(HandoverItem, on_delete=models.CASCADE, related_name="events",
                             verbose_name=_("handover item"))
    from_status = models.CharField(_("from"), max_length=12, choices=ItemStatus.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=12, choices=ItemStatus.choices, blank=True)

    class Meta(StateEvent.Meta):
        verbose_name = _("handover item event")
        verbose_name_plural = _("handover item events")


# The audit history of the business records (propertydesk/audit.py says what is left out).
audit.track(LogEntry, Handover, HandoverTakings, HandoverItem, TakingsReceipt)
