import os

from celery import Celery
from celery.signals import beat_init, worker_ready

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "propertydesk.settings")

app = Celery("propertydesk")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_finalize.connect
def _schedule_from_registry(sender, **kwargs):
    # Beat's schedule is built from the one job registry, never written by hand: the tick.
    from propertydesk.jobs import beat_schedule

    sender.conf.beat_schedule = beat_schedule()


@beat_init.connect
def _forget_the_old_entries(sender, **kwargs):
    # Beat used to have an entry per job; django-celery-beat keeps the entries it once
    # stored, and they would go on firing run_job beside the tick. (The slots keep any
    # such run from doing a slot twice; this keeps the schedule honest.)
    from propertydesk.jobs import JOBS, RUN_JOB_TASK

    try:
        from django_celery_beat.models import PeriodicTask
    except ImportError:
        return
    for entry in PeriodicTask.objects.filter(task=RUN_JOB_TASK, name__in=[job.name for job in JOBS]):
        entry.delete()  # one by one, so django-celery-beat notes the change


@worker_ready.connect
def _tick_at_worker_start(sender, **kwargs):
    # A worker that starts closes the runs its host's dead processes left unfinished,
    # and, if it serves the tick's queue, ticks at once rather than at the next minute.
    from django.utils import timezone

    from propertydesk.jobs import TICK_EXPIRES, TICK_TASK, abandon_gone_runs

    abandon_gone_runs(now=timezone.now())
    queue = sender.app.conf.task_default_queue
    if queue in sender.app.amqp.queues.consume_from:
        sender.app.send_task(TICK_TASK, queue=queue, expires=TICK_EXPIRES)
