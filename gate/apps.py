from django.apps import AppConfig
from django.utils.translation import pgettext_lazy


class GateConfig(AppConfig):
    name = "gate"
    verbose_name = pgettext_lazy("app", "Gate")

    def ready(self):
        from gate import messages  # noqa: F401
        from propertydesk.people import register_user_phones
        from propertydesk.roles import register_landing

        # A tenant's portal login starts on their item passes (there is no owner's home for them).
        register_landing(lambda user: "gate:portal_passes" if hasattr(user, "gate_resident") else None)
        # An SMS to a tenant (their activation code, their pass's answer) goes to the phone
        # the desk registered for them.
        register_user_phones(tenant_phones)


def tenant_phones(user_ids) -> dict[int, str]:
    from gate.models import ResidentLogin

    return {user_id: phone for user_id, phone in ResidentLogin.objects.filter(user_id__in=user_ids)
            .values_list("user_id", "resident__phone") if phone}
