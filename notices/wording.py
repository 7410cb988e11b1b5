"""The notice templates the desk starts from (domain §8: 提前做好停水停电的通知工作): a kind, whether
it is usually an emergency, a title and a text in the desk's language, with the
placeholders ``{start}``, ``{end}`` and ``{place}`` filled from the notice when it is shown
(so moving the end after publishing keeps the text true)."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from notices.models import NoticeKind


@dataclass(frozen=True)
class NoticeTemplate:
    key: str
    name: Promise
    kind: str
    emergency: bool
    title: Promise
    body: Promise


TEMPLATES = [
    NoticeTemplate("water", _("Planned water outage"), NoticeKind.OUTAGE, False, _("Water supply interrupted"),
                   _("Because of pipe maintenance, the water supply to {place} will be interrupted from {start} to "
                     "{end}. Please store water in advance and turn your taps off. We apologise for the "
                     "inconvenience.")),
    NoticeTemplate("power", _("Planned power outage"), NoticeKind.OUTAGE, False, _("Power supply interrupted"),
                   _("Because of electrical maintenance, the power supply to {place} will be interrupted from "
                     "{start} to {end}. Lifts will not run. Please switch sensitive appliances off and take care on "
                     "the stairs.")),
    NoticeTemplate("emergency_outage", _("Emergency outage"), NoticeKind.OUTAGE, True,
                   _("Water or power cut"),
                   _("An unexpected failure has cut the supply to {place} since {start}. Engineering is repairing "
                     "it and expects to finish by {end}. Call the service centre if anyone needs help.")),
    NoticeTemplate("lift", _("Lift maintenance"), NoticeKind.LIFT, False, _("Lift maintenance"),
                   _("The lifts of {place} will be stopped for maintenance from {start} to {end}. Please use the "
                     "stairs or the other lifts. Thank you for your patience.")),
    NoticeTemplate("safety", _("Safety notice"), NoticeKind.SAFETY, False, _("Safety reminder"),
                   _("Please keep corridors and fire exits of {place} clear, do not charge electric bikes indoors "
                     "and close windows before storms.")),
    NoticeTemplate("fees", _("Fee publication"), NoticeKind.FEES, False, _("Fee publication"),
                   _("The income and spending statement of the estate is published in the owner portal and on the "
                     "notice board of {place}, from {start}. Questions are welcome at the service centre.")),
]

BY_KEY = {t.key: t for t in TEMPLATES}
