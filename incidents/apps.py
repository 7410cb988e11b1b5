from django.apps import AppConfig
from django.utils.translation import pgettext_lazy


class IncidentsConfig(AppConfig):
    name = "incidents"
    verbose_name = pgettext_lazy("app", "Incidents")

    def ready(self):
        from incidents import messages, receivers  # noqa: F401
