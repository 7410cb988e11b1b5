"""The messages fees sends (propertydesk.messages): rendered in the reader's language."""

from django.utils.translation import gettext_lazy as _

from propertydesk.messages import Message, define

define(
    Message("fees.dunning.1", _("First payment reminder: %(month)s"),
            _("%(unit)s owes ¥%(owed)s for %(month)s. Please pay at the service centre.")),
    Message("fees.dunning.2", _("Second payment reminder: %(month)s"),
            _("%(unit)s owes ¥%(owed)s for %(month)s. Please pay at the service centre.")),
)

# What a receipt or a bill line is for (Receipt.purpose_key, BillLine.description_key):
# shown in the reader's language, printed in the payer's.
define(
    Message("fees.receipt.fees", _("Property fees, %(unit)s")),
    # A paid service (a work order): its number and the price list's item, or its kind.
    Message("fees.receipt.paid_service", _("Paid service %(number)s: %(item)s")),
)
