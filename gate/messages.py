"""The messages the gate sends (propertydesk.messages): stored as a key and parameters,
rendered in the reader's language. Numbers, room numbers, names and items as written."""

from django.utils.translation import gettext_lazy as _

from propertydesk.messages import Message, define

PASS_TO_CONFIRM = "gate.pass_to_confirm"
CARD_READY = "gate.card_ready"
# what a receipt is for (fees.Receipt.purpose_key)
CARD_RECEIPT = "gate.card_receipt"

define(
    Message(PASS_TO_CONFIRM, _("Item pass %(number)s for %(unit)s waits for your confirmation"),
            _("%(applicant)s will take goods out on %(day)s: %(items)s. Confirm it in the portal or sign at "
              "the service centre.")),
    Message(CARD_READY, _("Your %(kind)s %(number)s is ready"),
            _("Please collect it at the service centre with your receipt %(receipt)s.")),
    Message(CARD_RECEIPT, _("%(kind)s %(number)s, %(unit)s")),
)
