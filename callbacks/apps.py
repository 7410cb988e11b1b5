from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CallbacksConfig(AppConfig):
    name = "callbacks"
    verbose_name = _("Callbacks")

    def ready(self):
        from callbacks import receivers  # noqa: F401  (connects the source events)
