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


@register.filter
def days_of_month(days) -> str:
    """Several days of a monthly calendar, such as the estates' different bill days:
    "the 16th, the 18th", "16 日、18 日"; one day is said as ``day_of_month`` says it."""
    return pgettext("between days of month", ", ").join(day_of_month(day) for day in days)
