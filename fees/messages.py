"""The messages fees sends (propertydesk.messages): rendered in the reader's language."""

from django.utils.translation import gettext_lazy as _

from propertydesk.messages import Message, define

define(
    Message("fees.dunning.1", _("First payment reminder: %(month)s"),
            _("%(unit)s owes ¥%(owed)s for %(month)s. Please pay at the service centre.")),
    Message("fees.dunning.2", _("Second payment reminder: %(month)s"),
            _("%(unit)s owes ¥%(owed)s for %(month)s. Please pay at the service centre.")),
)
