"""The messages activities send (propertydesk.messages): an activity called off, told to
the owners of the households that signed up, with the desk's reason as written."""

from django.utils.translation import gettext_lazy as _

from propertydesk.messages import Message, define

CANCELLED = "activities.cancelled"

define(
    Message(CANCELLED, _("Activity cancelled: %(title)s"),
            _("The activity of %(start)s you signed up for will not take place: %(reason)s")),
)
