"""``{% history_link record %}``: the link from a record's page to its audit history, shown
to supervisors only (the page refuses anyone else)."""

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from propertydesk import audit
from propertydesk.roles import is_supervisor

register = template.Library()


@register.simple_tag(takes_context=True)
def history_link(context, record, compact: bool = False) -> str:
    """A button on a record's page; ``compact``, an icon for a list's row."""
    request = context.get("request")
    if record is None or request is None or not is_supervisor(request.user) or audit.event_model(record) is None:
        return ""
    url = f'{reverse("history", args=[record._meta.label_lower, record.pk])}?{urlencode({"back": request.get_full_path()})}'
    if compact:
        return format_html('<a class="pd-history-link ms-1" href="{}" title="{}"><i class="bi bi-clock-history" '
                           'aria-hidden="true"></i><span class="visually-hidden">{}</span></a>',
                           url, _("Change history"), _("Change history"))
    return format_html(
        '<a class="btn btn-sm btn-outline-secondary pd-history-link" href="{}">'
        '<i class="bi bi-clock-history me-1" aria-hidden="true"></i>{}</a>', url, _("Change history"))
