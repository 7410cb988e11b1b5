"""The message the handover sends (propertydesk.messages): an item the receiving shift
refused, to the supervisors, with the reason in the refuser's own words."""

from django.utils.translation import gettext_lazy as _

from propertydesk.messages import Message, define

ITEM_REFUSED = "desk.item_refused"

define(
    Message(ITEM_REFUSED, _("Handover item refused: %(estate)s, %(shift)s of %(day)s"),
            _("%(by)s refused to sign for “%(entry)s”. Reason: %(reason)s")),
)
