from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PropertyDeskConfig(AppConfig):
    name = "propertydesk"
    verbose_name = _("PropertyDesk")

    def ready(self):
        from django.contrib.auth.signals import user_logged_in
        from django.db.models.signals import post_migrate

        from . import checks  # noqa: F401
        from .forms import use_one_placeholder_word
        from .middleware import mark_session_seen
        from .roles import ensure_roles
        from .tokens import connect_signals

        post_migrate.connect(ensure_roles, sender=self)
        connect_signals()
        use_one_placeholder_word()
        user_logged_in.connect(mark_session_seen, dispatch_uid="propertydesk.middleware.seen")
