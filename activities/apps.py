from django.apps import AppConfig
from django.utils.translation import pgettext_lazy


class ActivitiesConfig(AppConfig):
    name = "activities"
    verbose_name = pgettext_lazy("app", "Community activities")

    def ready(self):
        from activities import messages  # noqa: F401  (the messages it sends)
