"""The messages incidents send (propertydesk.messages): the supervisors are told at once
when the desk opens one."""

from django.utils.translation import gettext_lazy as _

from propertydesk.messages import Message, define

OPENED = "incidents.opened"

define(
    Message(OPENED, _("Incident: %(kind)s, %(place)s"),
            _("Opened at %(at)s: %(description)s")),
)
