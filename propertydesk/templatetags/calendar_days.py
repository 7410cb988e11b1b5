from django import template
from django.contrib.humanize.templatetags.humanize import ordinal
from django.utils.translation import pgettext

register = template.Library()


@register.filter
def day_of_month(day) -> str:
    """The day of a monthly calendar as the reader says it: "the 16th", "16 日". The
    English suffix comes from humanize's ordinal; a language may leave it out."""
    suffix = str(ordinal(day)).removeprefix(str(day))
    # Translators: a language without the English suffix leaves {suffix} out.
    # xgettext:no-python-brace-format
    return pgettext("day of month", "the {day}{suffix}").format(day=day, suffix=suffix)
