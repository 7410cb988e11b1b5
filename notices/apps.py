from django.apps import AppConfig
from django.utils.translation import pgettext_lazy


class NoticesConfig(AppConfig):
    name = "notices"
    verbose_name = pgettext_lazy("announcements", "Notices")

    def ready(self):
        from notices import messages  # noqa: F401
