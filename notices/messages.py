"""The messages a notice sends (propertydesk.messages): the desk's own title and text as
written, the kind and the window in the reader's language."""

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from propertydesk.messages import Message, define

ORDINARY = "notices.ordinary"
EMERGENCY = "notices.emergency"


def _body(values: dict) -> str:
    window = ""
    if values.get("start") and values.get("end"):
        window = gettext("From %(start)s to %(end)s.") % values
    elif values.get("start"):
        window = gettext("From %(start)s.") % values
    elif values.get("end"):
        window = gettext("Until %(end)s.") % values
    return " ".join(part for part in (window, str(values.get("body", ""))) if part)


define(
    Message(ORDINARY, _("Notice (%(kind)s): %(title)s"), _body),
    Message(EMERGENCY, _("Emergency notice: %(title)s"), _body),
)
