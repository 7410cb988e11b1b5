from django.apps import AppConfig
from django.utils.translation import pgettext_lazy


class DeskConfig(AppConfig):
    name = "desk"
    verbose_name = pgettext_lazy("app", "Shift log")

    def ready(self):
        from desk import messages  # noqa: F401
        from desk.shifts import check_settings

        check_settings()  # a wrong DESK_SHIFTS stops the start, not a page
