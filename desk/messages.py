"""The messages the handover sends (propertydesk.messages), to the supervisors, each with a
link to the handover: an item the receiving shift refused, with the reason in the
refuser's own words; takings the receiving shift counted differently from what was
handed over, method by method, with the reasons."""

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from propertydesk.messages import Message, define

ITEM_REFUSED = "desk.item_refused"
TAKINGS_DIFFERENCE = "desk.takings_difference"


def _difference_body(values: dict) -> str:
    keys = ("method", "counted", "frozen", "reason")
    lines = [gettext("%(method)s: counted %(counted)s, handed over %(frozen)s. Reason: %(reason)s")
             % {key: line.get(key, "") for key in keys}
             for line in values.get("lines") or [] if isinstance(line, dict)]
    said = gettext("%(by)s received the takings with a difference.") % {"by": values.get("by", "")}
    return " ".join([said, *lines])


define(
    Message(ITEM_REFUSED, _("Handover item refused: %(estate)s, %(shift)s of %(day)s"),
            _("%(by)s refused to sign for “%(entry)s”. Reason: %(reason)s")),
    Message(TAKINGS_DIFFERENCE, _("Takings differ at the handover: %(estate)s, %(shift)s of %(day)s"),
            _difference_body),
)
