from django import template

from propertydesk.paging import count_cap

register = template.Library()


@register.filter
def capped(count) -> str:
    """A count from ``propertydesk.paging``: "1000+" above the cap, else the number."""
    cap = count_cap()
    return f"{cap}+" if count is not None and count > cap else str(count)
