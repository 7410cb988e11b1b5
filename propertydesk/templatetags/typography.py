"""Punctuation that belongs to the reader's language (``{% load typography %}``): Chinese
text takes full-width marks, English its own.

    {% translate "Reason" %}{% colon %}{{ reason }}      原因：… / Reason: …
    {{ purpose }}{% stop %}{% translate "Bills settled:" %}  …。冲抵费用单： / …. Bills settled:
    {% for x in items %}{{ x }}{% if not forloop.last %}{% comma %}{% endif %}{% endfor %}  物业费、水费 / fee, water
"""

from django import template
from django.utils.translation import pgettext

register = template.Library()


@register.simple_tag
def colon() -> str:
    return pgettext("typography: after a label", ": ")


@register.simple_tag
def stop() -> str:
    return pgettext("typography: between two sentences", ". ")


@register.simple_tag
def comma() -> str:
    return pgettext("typography: between the items of a list", ", ")
