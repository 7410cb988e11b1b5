from django.apps import AppConfig
from django.utils.translation import pgettext_lazy


class GateConfig(AppConfig):
    name = "gate"
    verbose_name = pgettext_lazy("app", "Gate")

    def ready(self):
        from gate import messages  # noqa: F401
        from propertydesk.roles import register_landing

        # A tenant's portal login starts on their item passes (there is no owner's home for them).
        register_landing(lambda user: "gate:portal_passes" if hasattr(user, "gate_resident") else None)
