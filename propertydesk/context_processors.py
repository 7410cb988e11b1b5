from django.utils.functional import SimpleLazyObject

from propertydesk.selectors import unread_count
from propertydesk.roles import ROLE_LABELS, is_staff_member, is_supervisor, owner_of, roles_of, worker_of


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    roles = roles_of(user)
    return {
        "nav_is_staff": is_staff_member(user),
        "nav_is_supervisor": is_supervisor(user),
        "nav_owner": owner_of(user),
        "nav_role_labels": [ROLE_LABELS[r] for r in roles],
        # Counted when a template first shows it; a page that has counted already (the
        # inbox) gives its own and this one is never read.
        "nav_unread": SimpleLazyObject(lambda: unread_count(user)),
        "nav_worker": worker_of(user),
    }
