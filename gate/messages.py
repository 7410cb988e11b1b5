"""The messages the gate sends (propertydesk.messages): stored as a key and parameters,
rendered in the reader's language. Numbers, room numbers, names and items as written."""

from django.utils.translation import gettext_lazy as _

from propertydesk.messages import Message, define

PASS_TO_CONFIRM = "gate.pass_to_confirm"
CARD_READY = "gate.card_ready"
# to a tenant (gate.ResidentLogin), by SMS in their language
TENANT_ACTIVATION = "gate.tenant_activation"
PASS_CONFIRMED = "gate.pass_confirmed"
PASS_REFUSED = "gate.pass_refused"
# what a receipt is for (fees.Receipt.purpose_key)
CARD_RECEIPT = "gate.card_receipt"

define(
    Message(PASS_TO_CONFIRM, _("Item pass %(number)s for %(unit)s waits for your confirmation"),
            _("%(applicant)s will take goods out on %(day)s: %(items)s. Confirm it in the portal or sign at "
              "the service centre.")),
    Message(CARD_READY, _("Your %(kind)s %(number)s is ready"),
            _("Please collect it at the service centre with your receipt %(receipt)s.")),
    Message(TENANT_ACTIVATION, _("Your portal login for %(unit)s: %(username)s"),
            _("Set your password at %(path)s with the code %(code)s (valid until %(until)s). Never tell anyone "
              "this code.")),
    Message(PASS_CONFIRMED, _("Item pass %(number)s is confirmed by the owner"),
            _("You may take the goods out on %(day)s: show the pass at the gate.")),
    Message(PASS_REFUSED, _("Item pass %(number)s was refused by the owner"),
            _("The owner did not confirm taking the goods out on %(day)s. %(reason)s")),
    Message(CARD_RECEIPT, _("%(kind)s %(number)s, %(unit)s")),
)
