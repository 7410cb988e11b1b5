"""The messages callbacks send (propertydesk.messages): stored as a key and parameters,
rendered in the reader's language. The source is shown by its number (or an activity by
its title) and what the owner said as it was written."""

from django.utils.translation import gettext_lazy as _

from propertydesk.messages import Message, define

define(
    # to the owner
    Message("callback.offered", _("How did we do? %(source)s"),
            _("Please tell us whether you are satisfied. It takes a minute.")),
    # to staff
    Message("callback.unsatisfied", _("Owner unsatisfied at callback: %(source)s"), "%(shortcomings)s"),
    Message("callback.overdue", _("Callback overdue: %(source)s (due %(date)s)"), "%(kind)s"),
    Message("callback.rate_below", _("Callback rate below the requirement: %(kind)s, %(month)s"),
            _("%(done)d of %(owed)d done (%(rate)s%%), %(required)s%% required.")),
)
