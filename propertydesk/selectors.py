from django.db.models import Q, QuerySet

from propertydesk.models import Notification
from propertydesk.roles import owner_of


def inbox_for(user) -> QuerySet[Notification]:
    owner = owner_of(user)
    mine = Q(recipient=user) | Q(owner=owner) if owner is not None else Q(recipient=user)
    return Notification.objects.filter(mine).order_by("-created_at", "-id")


def unread_count(user) -> int:
    return inbox_for(user).filter(read_at__isnull=True).count()
