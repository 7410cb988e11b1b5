"""Fees listens to the outbox: a dunning notice is sent when its message is."""

from django.dispatch import receiver

from fees import services
from propertydesk.outbox import delivery_settled


@receiver(delivery_settled, dispatch_uid="fees.notice_delivery_settled")
def _notices_follow_their_messages(sender, *, sent, given_up, now, **kwargs):
    services.notice_delivery_settled(sent=sent, given_up=given_up, now=now)
