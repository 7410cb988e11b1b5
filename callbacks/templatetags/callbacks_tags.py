"""The callback chain shown on the complaint's and the work order's pages, and small
helpers for the callback pages."""

from django import template
from django.utils import timezone

from callbacks import selectors
from propertydesk import pii

register = template.Library()


@register.inclusion_tag("callbacks/_chain.html", takes_context=True)
def callback_chain(context, complaint=None, work_order=None, current=None, chain=None):
    """``{% callback_chain complaint=complaint %}``: every callback of the source, oldest
    first, with its latest result. Nothing for a user who may not see callbacks. A page
    that has read the chain already (selectors.callbacks_for_source) passes it as ``chain``."""
    request = context.get("request")
    user = getattr(request, "user", None)
    allowed = user is not None and user.has_perm("callbacks.view_callback")
    if not allowed or (complaint is None and work_order is None):
        chain = []
    elif chain is None:
        chain = selectors.callbacks_for_source(complaint=complaint, work_order=work_order)
    return {"chain": chain, "today": timezone.localdate(), "current": current,
            "source_is_complaint": complaint is not None}


@register.filter
def overdue_on(callback, today) -> bool:
    return callback.is_overdue(today)


@register.filter
def callback_phone(callback) -> str:
    """Who to call, masked: the contact phone given with the complaint or the work order,
    else the owner's primary phone (prefetched by selectors.with_owner_phones)."""
    source = callback.complaint or callback.work_order
    for name in ("contact_phone", "requester_phone"):
        raw = getattr(source, name, None) if source is not None else None
        if raw:
            return pii.mask_phone(raw)
    owner = callback.owner
    if owner is None:
        return ""
    phones = getattr(owner, "primary_phones", None)
    if phones is None:
        phones = [p for p in owner.phones.all() if p.is_primary]
    return phones[0].masked if phones else ""


@register.filter
def round_label(number) -> str:
    """"2nd round" / "第2轮": a callback after the owner was unsatisfied."""
    from django.contrib.humanize.templatetags.humanize import ordinal
    from django.utils.translation import gettext

    return gettext("%(ordinal)s round") % {"ordinal": ordinal(number)}
