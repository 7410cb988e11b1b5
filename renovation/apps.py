from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RenovationConfig(AppConfig):
    name = "renovation"
    verbose_name = _("Renovation")

    def ready(self):
        from renovation import messages  # noqa: F401
