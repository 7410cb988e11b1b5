"""The source events that create callbacks, handled inside the writing transaction:
if the callback cannot be made, the resolution is not saved either. The hourly job
(callbacks.jobs.hourly) repairs any event that was missed all the same."""

from django.dispatch import receiver

from activities.signals import activity_finished
from callbacks import services
from complaints.signals import complaint_resolved
from repairs.signals import work_order_completed


@receiver(complaint_resolved, dispatch_uid="callbacks.complaint_resolved")
def on_complaint_resolved(sender, complaint, now, **kwargs):
    services.callback_for_complaint(complaint=complaint, now=now)


@receiver(work_order_completed, dispatch_uid="callbacks.work_order_completed")
def on_work_order_completed(sender, order, now, **kwargs):
    services.callback_for_work_order(order=order, now=now)


@receiver(activity_finished, dispatch_uid="callbacks.activity_finished")
def on_activity_finished(sender, activity, now, **kwargs):
    services.callbacks_for_activity(activity=activity, now=now)
