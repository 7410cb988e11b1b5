from django.apps import AppConfig
from django.utils.translation import pgettext_lazy


class DeskConfig(AppConfig):
    name = "desk"
    verbose_name = pgettext_lazy("app", "Shift log")
