from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RepairsConfig(AppConfig):
    name = "repairs"
    verbose_name = _("Work orders and services")

    def ready(self):
        from repairs import messages  # noqa: F401  (the messages work orders send)
