from django.apps import AppConfig
from django.utils.translation import pgettext_lazy


class ActivitiesConfig(AppConfig):
    name = "activities"
    verbose_name = pgettext_lazy("app", "Community activities")
