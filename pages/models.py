"""The supervisor's dashboard's own data (domain §9): the figures of each estate and
month, kept by the ``pages.month_facts`` job, and the targets an estate sets itself.

They live here, in the layer that composes the domain apps, because a month's facts are
figures of every app at once (complaints, work orders, callbacks, fees); no app below
may know the others' figures."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from propertydesk import audit


class MonthFacts(models.Model):
    """One estate's dashboard figures for one month, as each app's selectors computed
    them at ``as_of`` (pages.figures.month_figures): every figure a numerator and a
    denominator, so months add up to any period. A month's figures may still move for a
    while after it ends (a callback falls due, a bill is paid late): the job computes it
    again until ``settled`` (pages.figures.settles_at), then leaves it alone."""

    estate = models.ForeignKey("owners.Estate", on_delete=models.CASCADE, related_name="+",
                               verbose_name=_("estate"))
    month = models.DateField(_("month"), help_text=_("The first day of the month."))
    # {"complaints_on_time": ["12", "14"], ..., "callback_rates": {"complaint": ["3", "4", "100"]}}:
    # numbers as strings, so money keeps its cents.
    figures = models.JSONField(_("figures"), default=dict)
    as_of = models.DateTimeField(_("as of"))
    settled = models.BooleanField(_("settled"), default=False)
    computed_at = models.DateTimeField(_("computed at"))

    class Meta:
        verbose_name = _("month's figures")
        verbose_name_plural = _("months' figures")
        ordering = ["-month", "estate"]
        constraints = [models.UniqueConstraint(fields=["estate", "month"], name="month_facts_one_per_estate_month")]
        # The dashboard reads a range of months (every estate's, or one estate's).
        indexes = [models.Index(fields=["month", "estate"], name="month_facts_month")]

    def __str__(self):
        return f"{self.estate_id} {self.month:%Y-%m}"


class DashboardTarget(models.Model):
    """An estate's own target for one dashboard figure; without a row, the figure's
    target is settings.DASHBOARD_TARGETS'."""

    estate = models.ForeignKey("owners.Estate", on_delete=models.CASCADE, related_name="+",
                               verbose_name=_("estate"))
    figure = models.CharField(_("figure"), max_length=40)
    target = models.DecimalField(_("target"), max_digits=8, decimal_places=2)

    class Meta:
        verbose_name = _("dashboard target")
        verbose_name_plural = _("dashboard targets")
        ordering = ["estate", "figure"]
        constraints = [models.UniqueConstraint(fields=["estate", "figure"], name="dashboard_target_one_per_figure")]

    def __str__(self):
        return f"{self.estate} {self.figure}: {self.target}"


class StaffMonthFacts(models.Model):
    """One person's counts in one estate and month for the staff view (pages.staff), kept
    with the month's facts by the ``pages.month_facts`` job (computed again until the month
    settles, as MonthFacts), so a year's view sums a few hundred rows instead of a year of
    records. A person with nothing in an estate that month has no row."""

    estate = models.ForeignKey("owners.Estate", on_delete=models.CASCADE, related_name="+",
                               verbose_name=_("estate"))
    month = models.DateField(_("month"), help_text=_("The first day of the month."))
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+",
                               verbose_name=_("person"))
    handled = models.PositiveIntegerField(default=0)
    complaints_on_time = models.PositiveIntegerField(default=0)
    callbacks_done = models.PositiveIntegerField(default=0)
    callbacks_on_time = models.PositiveIntegerField(default=0)
    taken = models.PositiveIntegerField(default=0)
    completed = models.PositiveIntegerField(default=0)
    reworked = models.PositiveIntegerField(default=0)
    rating_sum = models.PositiveIntegerField(default=0)
    rated = models.PositiveIntegerField(default=0)
    late_dispatch = models.PositiveIntegerField(default=0)

    # The counts, in the staff view's order (pages.staff.COUNTS).
    COUNTS = ("handled", "complaints_on_time", "callbacks_done", "callbacks_on_time", "taken", "completed",
              "reworked", "rating_sum", "rated", "late_dispatch")

    class Meta:
        verbose_name = _("person's month")
        verbose_name_plural = _("people's months")
        ordering = ["-month", "estate", "person"]
        constraints = [models.UniqueConstraint(fields=["month", "estate", "person"],
                                               name="staff_month_facts_one_per_person")]

    def __str__(self):
        return f"{self.estate_id} {self.month:%Y-%m} {self.person_id}"


class DashboardReport(models.Model):
    """The supervisors' month report (issue 16): every dashboard figure of one month, for
    every estate and for all estates together, frozen on the 2nd of the next month by the
    ``pages.month_report`` job from the month's facts (MonthFacts). One per month for the
    whole company; once made it is kept as it was made (a later correction of the month's
    data moves the dashboard, not the report).

    ``data``: {"all": {...}, "estates": [{"estate": id, "name": ..., ...}], "standing_as_of": ...}
    where each part holds "figures" (key, numerator, denominator, value, target, below),
    "callback_rates" and "standing" (what stood open when it was made); numbers as strings,
    so money keeps its cents (pages.reports.report_data)."""

    month = models.DateField(_("month"), unique=True, help_text=_("The first day of the month reported."))
    as_of = models.DateTimeField(_("figures as of"))
    generated_at = models.DateTimeField(_("generated at"))
    data = models.JSONField(_("figures"), default=dict)
    # For the list of reports, without reading every report's figures.
    missed = models.PositiveSmallIntegerField(_("figures missing their target"), default=0,
                                              help_text=_("All estates together, callback rates included."))

    class Meta:
        verbose_name = _("dashboard month report")
        verbose_name_plural = _("dashboard month reports")
        ordering = ["-month"]

    def __str__(self):
        return f"{self.month:%Y-%m}"


class DeskReport(models.Model):
    """The desk's daily report (日报, made at 16:30 by the ``pages.daily_report`` job) and
    weekly report (周报, Friday, ``pages.weekly_report``) of seed 002: what came in and what
    was done between ``starts_at`` and ``ends_at`` (the day from midnight to 16:30; the
    week from its first day's midnight to Friday 16:30), for every estate and all of them
    (pages.desk_reports.report_data). One per period and last day, kept as it was made.

    A sibling of DashboardReport rather than a kind of it: that one is the supervisors'
    month of dashboard figures against their targets, unique by month; this one is the
    desk's counts of a window of hours, sections of lines, no targets.

    ``data``: {"all": {section: {line: value}}, "estates": [{"estate": id, "name": ...,
    "sections": {...}}]}: numbers as numbers, money as strings (it keeps its cents). What
    stands open (complaints open and overdue, callbacks due) is of the moment the report
    was made, kept only when it was made on its own day (``standing``)."""

    class Period(models.TextChoices):
        DAY = "day", _("Daily report")
        WEEK = "week", _("Weekly report")

    period = models.CharField(_("period"), max_length=4, choices=Period.choices)
    first_day = models.DateField(_("first day"))
    last_day = models.DateField(_("last day"))
    starts_at = models.DateTimeField(_("counted from"))
    ends_at = models.DateTimeField(_("counted until"))
    as_of = models.DateTimeField(_("figures as of"))
    generated_at = models.DateTimeField(_("generated at"))
    standing = models.BooleanField(_("with what stood open"), default=False,
                                   help_text=_("Made on its own day: what stood open then is kept with it."))
    data = models.JSONField(_("figures"), default=dict)

    class Meta:
        verbose_name = _("desk report")
        verbose_name_plural = _("desk reports")
        ordering = ["period", "-last_day"]
        constraints = [models.UniqueConstraint(fields=["period", "last_day"], name="desk_report_one_per_period_day")]

    def __str__(self):
        return f"{self.period} {self.last_day:%Y-%m-%d}"


# The audit history of the business records (propertydesk/audit.py says what is left out).
audit.track(DashboardTarget)
