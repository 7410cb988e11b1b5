"""The messages work orders send (propertydesk.messages): stored as a key and
parameters, rendered in the reader's language. What a worker, the customer or the desk
wrote (a description, a refusal, a complaint about the work) is a parameter shown as
written."""

from django.utils.translation import gettext_lazy as _

from propertydesk.messages import Message, define


def _worker_coming(values: dict) -> str:
    if values.get("time"):
        return _("%(worker)s will come on %(time)s.") % values
    return _("%(worker)s will come as soon as possible.") % values


define(
    # to the owner
    Message("workorder.refused", _("We cannot take on work order %(number)s"), "%(explanation)s"),
    Message("workorder.assigned", _("Work order %(number)s: a worker is assigned"), _worker_coming),
    Message("workorder.rescheduled", _("Work order %(number)s: the visit moves to %(time)s"),
            _("%(worker)s cannot come at the time agreed: %(reason)s")),
    # to staff
    Message("workorder.dispatched", _("Work order %(number)s for %(unit)s"), "%(description)s"),
    Message("workorder.escalated", _("Work order %(number)s: customer still unsatisfied after rework"),
            "%(comment)s"),
    Message("workorder.dispatch_late", _("Work order %(number)s not dispatched within %(minutes)d minutes"),
            _("%(unit)s: %(text)s")),
    Message("workorder.damage", _("Work order %(number)s: customer's property damaged"), _("%(unit)s: %(text)s")),
)
