"""When a callback is due and what rate is required: the rule in force for an estate
and kind. Read by the services (to date a new callback) and the selectors (to judge
a month's rate), so it sits below both."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.utils import timezone

from callbacks.models import CallbackRule


@dataclass(frozen=True)
class Rule:
    days: int = 0
    months: int = 0
    by_day_of_next_month: int | None = None
    required_rate: Decimal | None = None
    required_rate_bank: Decimal | None = None

    def due_on(self, event_at: datetime) -> date:
        """The due date, counted on the Shanghai calendar from the day of the event:
        +3 days, +1 calendar month (31 Jan → 28/29 Feb), at the latest by the 10th of
        the next month."""
        day = timezone.localdate(event_at)
        due = day + relativedelta(days=self.days, months=self.months)
        if self.by_day_of_next_month:
            due = min(due, (day + relativedelta(months=1)).replace(day=self.by_day_of_next_month))
        return due


def rule_for(*, estate, kind: str, at: datetime) -> Rule:
    """The rule in force at ``at``: the estate's latest row effective by then, or the
    defaults in settings.CALLBACK_RULE_DEFAULTS."""
    row = (CallbackRule.objects.filter(estate=estate, kind=kind, effective_from__lte=at)
           .order_by("-effective_from").first())
    return default_rule(kind) if row is None else _rule_of(row)


def rules_at(*, at: datetime) -> dict[tuple[int, str], Rule]:
    """Every estate's rule of every kind that has a row of its own in force at ``at``, in
    one query: {(estate id, kind): rule}; a pair missing from it has ``default_rule``."""
    rows = (CallbackRule.objects.filter(effective_from__lte=at)
            .order_by("estate_id", "kind", "-effective_from").distinct("estate_id", "kind"))
    return {(row.estate_id, row.kind): _rule_of(row) for row in rows}


def default_rule(kind: str) -> Rule:
    """The rule of ``kind`` in settings.CALLBACK_RULE_DEFAULTS."""
    defaults = settings.CALLBACK_RULE_DEFAULTS[kind]
    return Rule(
        days=defaults.get("days", 0), months=defaults.get("months", 0),
        by_day_of_next_month=defaults.get("by_day_of_next_month"),
        required_rate=_decimal(defaults.get("required_rate")),
        required_rate_bank=_decimal(defaults.get("required_rate_bank")),
    )


def _rule_of(row: CallbackRule) -> Rule:
    return Rule(days=row.days, months=row.months, by_day_of_next_month=row.by_day_of_next_month,
                required_rate=row.required_rate, required_rate_bank=row.required_rate_bank)


def _decimal(value) -> Decimal | None:
    return None if value is None else Decimal(str(value))
