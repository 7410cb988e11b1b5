"""The default emergency plans (seed 000 §八 应急预案: respond at once, people first, one
command; fire: call 119, evacuate, help the fire brigade; lift: call the maintenance
company, calm the people trapped, help free them; water and power: keep in touch with the
utility, tell the owners), the callers' script of each kind, and the notice generated
from an incident. An estate's plans are made from these in its own language and edited
in the admin afterwards; the notice's title and text hold the notices' placeholders
``{place}``, ``{start}`` and ``{end}``."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from incidents.models import IncidentKind
from notices.models import NoticeKind

_START = _("Start the plan at once and tell the supervisor on duty.")
_INFORM = _("Tell the affected owners: publish the notice and answer callers with the script.")
_CARE = _("Check on elderly and special-needs households in the affected buildings.")


@dataclass(frozen=True)
class Wording:
    steps: tuple[Promise, ...]
    script: Promise
    notice_kind: str
    notice_title: Promise
    notice_body: Promise


DEFAULTS: dict[str, Wording] = {
    IncidentKind.WATER_OUTAGE: Wording(
        steps=(_START,
               _("Call the water company and engineering: find the cause and when the water will be back."),
               _INFORM, _CARE,
               _("Confirm the water is back and tell the owners.")),
        script=_("We know about the water outage in your building and engineering is on it. We will tell you as "
                 "soon as the water is back; please keep your taps turned off. If anyone at home needs help, tell us "
                 "now."),
        notice_kind=NoticeKind.OUTAGE, notice_title=_("Water supply cut"),
        notice_body=_("The water supply to {place} has been cut since {start}. Engineering is repairing it and "
                      "expects the water back by {end}. Please keep your taps turned off, and call the service "
                      "centre if anyone needs help.")),
    IncidentKind.POWER_OUTAGE: Wording(
        steps=(_START,
               _("Call the power company and engineering: find the cause and when the power will be back."),
               _("Check every lift of the affected buildings: nobody trapped."),
               _INFORM, _CARE,
               _("Confirm the power is back and tell the owners.")),
        script=_("We know about the power cut in your building and engineering is working on it with the power "
                 "company. The lifts are stopped: please take the stairs with care. We will tell you as soon as the "
                 "power is back."),
        notice_kind=NoticeKind.OUTAGE, notice_title=_("Power supply cut"),
        notice_body=_("The power supply to {place} has been cut since {start}. Engineering is repairing it and "
                      "expects the power back by {end}. The lifts are stopped: please take care on the stairs, and "
                      "call the service centre if anyone needs help.")),
    IncidentKind.LIFT_ENTRAPMENT: Wording(
        steps=(_("Talk to the people trapped over the intercom and calm them: help is coming."),
               _("Call the lift maintenance company at once."),
               _("Tell the supervisor on duty; send security and engineering to the lift."),
               _("Help the maintenance company free the people; check they are safe and well."),
               _("Record the cause and when they were freed; the lift stays stopped until it is checked.")),
        script=_("A lift in your building has stopped with people inside. The maintenance company is on its way "
                 "and our staff are at the lift. Please use the other lift or the stairs, and do not try to open the "
                 "lift doors."),
        notice_kind=NoticeKind.LIFT, notice_title=_("Lift stopped"),
        notice_body=_("A lift of {place} stopped at {start} and is being repaired by the maintenance company; it "
                      "is expected to run again by {end}. Please use the other lifts or the stairs.")),
    IncidentKind.FIRE_ALARM: Wording(
        steps=(_("Check the alarm at once, on the spot or in the fire control room; if there is a fire, call 119."),
               _("Tell the supervisor on duty, who takes command."),
               _("Evacuate the owners by the evacuation routes; nobody takes the lifts."),
               _("Help the fire brigade: clear the way and guide them to the place."),
               _("Account for everyone and record the damage.")),
        script=_("A fire alarm has gone off in your building and our staff are checking it. If you see smoke or "
                 "fire, leave by the stairs now, do not take the lift, and call 119. We will tell you when it is "
                 "safe."),
        notice_kind=NoticeKind.SAFETY, notice_title=_("Fire alarm"),
        notice_body=_("A fire alarm went off in {place} at {start}. Please follow the staff's instructions, leave "
                      "by the stairs if you are asked to and do not take the lifts.")),
    IncidentKind.OTHER: Wording(
        steps=(_START,
               _("Send staff to the place and find out what happened."),
               _INFORM,
               _("Record what was done.")),
        script=_("We know about it and our staff are dealing with it. We will keep you informed."),
        notice_kind=NoticeKind.OTHER, notice_title=_("Emergency"),
        notice_body=_("Since {start} our staff have been dealing with an emergency in {place} and expect it to be "
                      "over by {end}. We will keep you informed.")),
}
