from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CallbacksConfig(AppConfig):
    name = "callbacks"
    verbose_name = _("Callbacks")

    def ready(self):
        from callbacks import messages, receivers  # noqa: F401  (the messages it sends; connects the source events)
