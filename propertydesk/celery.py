import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "propertydesk.settings")

app = Celery("propertydesk")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_finalize.connect
def _schedule_from_registry(sender, **kwargs):
    # Beat's schedule is built from the one job registry, never written by hand.
    from propertydesk.jobs import beat_schedule

    sender.conf.beat_schedule = beat_schedule()
