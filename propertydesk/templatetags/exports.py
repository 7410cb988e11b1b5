from django import template
from django.urls import reverse

register = template.Library()


@register.simple_tag(takes_context=True)
def export_url(context, name: str) -> str:
    """The list's .xlsx with the page's own filters (its query string, less the page number)."""
    params = context["request"].GET.copy()
    params.pop("page", None)
    url = reverse("export", args=[name])
    return f"{url}?{params.urlencode()}" if params else url
