from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CallbacksConfig(AppConfig):
    name = "callbacks"
    verbose_name = _("Callbacks")

    def ready(self):
        # the messages callbacks send; the receivers connect the source events
        from callbacks import messages, receivers  # noqa: F401
