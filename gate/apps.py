from django.apps import AppConfig
from django.utils.translation import pgettext_lazy


class GateConfig(AppConfig):
    name = "gate"
    verbose_name = pgettext_lazy("app", "Gate")

    def ready(self):
        from gate import messages  # noqa: F401
