"""The one registry of scheduled jobs, and the authority on what is due.

Every job the calendar runs is a line in ``JOBS``: a name, a crontab in
Asia/Shanghai time (CELERY_TIMEZONE), the dotted path of a function taking
``as_of``, and its catch-up window. Celery beat has one entry, ``propertydesk.tick``,
every minute (and a worker ticks when it starts). A tick works out, for each job, the
latest moment its crontab names (its *slot*) and runs that slot unless it is done:
beat firing late, twice or not at all for a while neither skips nor repeats work.

- Each slot is one ``JobRun`` row under a unique constraint on (job, slot). The tick
  claims a slot by inserting (or, for a retry, taking over) that row, so two ticks at
  once or a double fire run it once.
- Missed slots of a job collapse into one run of its latest slot at ``as_of = now``:
  the job functions catch up themselves (the fee jobs across months). The window says
  how late is still worth it: ``UNTIL_DONE`` (the monthly and fee jobs) however late;
  ``SAME_DAY`` (the 15:30 digest) only on the slot's own day, after that the slot is
  recorded as missed; ``LATEST`` (the sweeps) the latest slot only, a failed one is
  left to the next slot rather than retried.
- A tick runs the slots it claimed itself, one after the other, in the registry's
  order (the fee calendar is listed bills, reminders, report: the month report is made
  once and must see that month's bills and notices). Enqueuing one task per slot would
  let a second worker start the reminders before the bills are in; the fee jobs all
  run daily, so their slot times cannot give that order either.
- A run's worker (host, pid and the process's start: ``propertydesk.liveness``) keeps
  a heartbeat on its row. A row left claimed or running by a worker that is gone (a
  process of this host that no longer runs, seen at worker start and by every tick; a
  heartbeat older than ``STALE_AFTER`` from anywhere) is closed as
  abandoned, and the next tick runs the slot again on the same row. A failed slot is
  retried with a growing pause, ``MAX_ATTEMPTS`` times at most.

``manage.py runjob NAME --as-of`` runs the latest slot at or before ``as_of`` through
the same claim; a slot that is done is left alone unless ``--again`` is given (the job
functions are idempotent, so running one again only makes what is missing).

Functions are named by path, not imported, so beat can read this table before
Django's apps are loaded.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from celery.schedules import crontab
from django.utils.module_loading import import_string

from propertydesk import liveness

logger = logging.getLogger(__name__)

RUN_JOB_TASK = "propertydesk.run_job"
TICK_TASK = "propertydesk.tick"
TICK_EXPIRES = 55  # seconds: a tick that waited longer in the queue is left to the next one

UNTIL_DONE = "until_done"
SAME_DAY = "same_day"
LATEST = "latest"

HEARTBEAT_EVERY = 30  # seconds
STALE_AFTER = timedelta(minutes=5)
MAX_ATTEMPTS = 5
FIRST_RETRY_AFTER = timedelta(minutes=5)
LONGEST_RETRY_PAUSE = timedelta(hours=1)


@dataclass(frozen=True)
class Job:
    name: str
    schedule: crontab
    func: str
    description: str
    catch_up: str  # UNTIL_DONE, SAME_DAY or LATEST

    def function(self):
        return import_string(self.func)


JOBS: tuple[Job, ...] = (
    Job(
        name="owners.registry_check",
        schedule=crontab(hour=3, minute=10),
        func="owners.jobs.registry_check",
        description="Daily integrity check of the owner registry: units without a current "
        "owner, owners without a phone, owners without a unit.",
        catch_up=UNTIL_DONE,
    ),
    Job(
        name="complaints.overdue_sweep",
        schedule=crontab(minute="*/15"),
        func="complaints.jobs.overdue_sweep",
        description="Flag open complaints past their promise and tell the supervisors, once each.",
        catch_up=LATEST,
    ),
    Job(
        name="complaints.daily_followup",
        schedule=crontab(hour=15, minute=30),
        func="complaints.jobs.daily_followup",
        description="15:30 follow-up digest of every open complaint for the desk and engineering (002 6.13).",
        catch_up=SAME_DAY,
    ),
    Job(
        name="repairs.late_dispatch_sweep",
        schedule=crontab(minute="*/5"),
        func="repairs.jobs.late_dispatch_sweep",
        description="Alert the desk once about each work order not dispatched within 15 minutes (004 2.4.1).",
        catch_up=LATEST,
    ),
    Job(
        name="callbacks.hourly",
        schedule=crontab(minute=20),
        func="callbacks.jobs.hourly",
        description="Make the callback of any resolved complaint or finished job that has none; "
        "flag callbacks past due and tell the assignee and the supervisors, once.",
        catch_up=LATEST,
    ),
    Job(
        name="callbacks.monthly_rates",
        schedule=crontab(day_of_month=10, hour=23, minute=30),
        func="callbacks.jobs.monthly_rates",
        description="On the 10th: last month's callbacks per kind against the required rates (004 2.7.1).",
        catch_up=UNTIL_DONE,
    ),
    Job(
        name="fees.bill_run",
        schedule=crontab(hour=1, minute=0),
        func="fees.jobs.bill_run",
        description="From each estate's bill day (its fee policy, the 10th by default): the month's bill "
        "for every unit that has none yet (002 五).",
        catch_up=UNTIL_DONE,
    ),
    Job(
        name="fees.dunning",
        schedule=crontab(hour=9, minute=0),
        func="fees.jobs.dunning",
        description="From each estate's first dunning day (its fee policy, the 16th by default): the first "
        "payment reminder to every unit still owing; from its second (the 21st), the second (002 五). "
        "At most one per unit, month and round.",
        catch_up=UNTIL_DONE,
    ),
    Job(
        name="fees.debts",
        schedule=crontab(hour=0, minute=5),
        func="fees.jobs.debts",
        description="Just after midnight: what each unit owes past its pay-by day, stored for the arrears "
        "page (the payments keep it true during the day).",
        catch_up=LATEST,
    ),
    Job(
        name="fees.month_report",
        schedule=crontab(hour=2, minute=30),
        func="fees.jobs.month_report",
        description="From each estate's report day (its fee policy, the 2nd by default): last month's fee "
        "report (collection rate, payments by method, arrears by age, notices), once; a later day catches "
        "up if the day was missed (002 五).",
        catch_up=UNTIL_DONE,
    ),
    Job(
        name="renovation.daily",
        schedule=crontab(hour=8, minute=0),
        func="renovation.jobs.daily",
        description="Every morning: deposits whose refund day has come fall due; tell the desk and the owner "
        "of worker passes expiring within the policy's days or expired and of renovations past their planned "
        "end, finance and the owner of deposits due, engineering of inspections not done within the policy's "
        "working days (002 装修流程). Once per event.",
        catch_up=UNTIL_DONE,
    ),
    Job(
        name="gate.tenant_leases",
        schedule=crontab(hour=0, minute=10),
        func="gate.jobs.tenant_leases",
        description="Just after midnight: the portal login of every tenant whose lease ended before today stops "
        "working (the desk ends one at once when a lease ends early). Once per login.",
        catch_up=UNTIL_DONE,
    ),
    Job(
        name="pages.month_facts",
        schedule=crontab(minute="2,17,32,47"),
        func="pages.jobs.month_facts",
        description="Every quarter of an hour: the supervisor's dashboard's figures per estate and month, "
        "stored (the running month with what stands open); the running month and any month not settled yet "
        "(a month goes on moving for a month after its end) computed again, settled months left alone. The "
        "dashboard reads these: computed for the page, the running month alone took over a second at scale.",
        catch_up=LATEST,
    ),
    Job(
        name="pages.month_report",
        schedule=crontab(day_of_month=2, hour=6, minute=0),
        func="pages.jobs.month_report",
        description="On the 2nd: last month's report of every dashboard figure, for every estate and all of "
        "them, from the month's facts brought up to date, stored once and kept; a later run catches up the "
        "months missed (the job was down over a 2nd).",
        catch_up=UNTIL_DONE,
    ),
    Job(
        name="pages.daily_report",
        schedule=crontab(hour=16, minute=30),
        func="pages.jobs.daily_report",
        description="At 16:30: the desk's daily report (002 6.16) of the day from midnight to 16:30, every estate "
        "and all of them (complaints, suggestions, work orders, callbacks, takings by method, notices), stored "
        "once and kept; a later run makes each day missed once (DESK_REPORT_CATCH_UP_DAYS at most). The 16:30 "
        "here is the report's cut-off too (pages.desk_reports.cut_off).",
        catch_up=UNTIL_DONE,
    ),
    Job(
        name="pages.weekly_report",
        schedule=crontab(day_of_week=5, hour=16, minute=30),
        func="pages.jobs.weekly_report",
        description="On Friday at 16:30: the desk's weekly report (002 四.3) of the week from its first day "
        "(DESK_REPORT_WEEK_STARTS) to Friday 16:30, stored once and kept; a later run makes each week missed "
        "once (DESK_REPORT_CATCH_UP_WEEKS at most).",
        catch_up=UNTIL_DONE,
    ),
    Job(
        name="propertydesk.files_sweep",
        schedule=crontab(hour=4, minute=20),
        func="propertydesk.files.sweep_orphans",
        description="Daily: delete uploaded files that no record names (their transaction rolled back "
        "after the file was written), once they are a day old.",
        catch_up=LATEST,
    ),
    Job(
        name="pages.personal_data_purge",
        schedule=crontab(hour=4, minute=30),
        func="pages.jobs.personal_data_purge",
        description="Replace the personal data of visitors and item-pass carriers, and of renovation workers "
        "and contractors' leads, kept past their retention period (VISITOR_DATA_RETENTION_DAYS, "
        "WORKER_DATA_RETENTION_DAYS).",
        catch_up=LATEST,
    ),
    Job(
        name="propertydesk.downloads_sweep",
        schedule=crontab(hour=4, minute=40),
        func="propertydesk.downloads.sweep",
        description="Daily: delete the lists' prepared .xlsx downloads once their retention (EXPORT_RETENTION_HOURS) "
        "is over, and close as failed those whose worker stopped.",
        catch_up=LATEST,
    ),
    # Last: a tick runs its slots one after the other, and a large backlog of messages
    # should not hold up the jobs above (another tick's sweep shares the work: rows are
    # claimed with SKIP LOCKED).
    Job(
        name="propertydesk.outbox_sweep",
        schedule=crontab(),
        func="propertydesk.outbox.sweep",
        description="Every minute: send the outbox's messages that are due and were not sent after their "
        "commit (the task was lost, a retry's time has come, a worker died holding them).",
        catch_up=LATEST,
    ),
)


class UnknownJob(LookupError):
    pass


class JobBusy(RuntimeError):
    """The slot is being run by a live worker."""


def get_job(name: str) -> Job:
    for job in JOBS:
        if job.name == name:
            return job
    raise UnknownJob(name)


def beat_schedule() -> dict:
    """Beat's whole schedule: the tick, every minute. What is due is the registry's call."""
    return {TICK_TASK: {"task": TICK_TASK, "schedule": crontab(), "options": {"expires": TICK_EXPIRES}}}


# ---- slots ------------------------------------------------------------------------------------

def _zone() -> ZoneInfo:
    from django.conf import settings

    return ZoneInfo(settings.CELERY_TIMEZONE)


def _fires_on(schedule: crontab, day) -> bool:
    # Celery's crontab counts weekdays from Sunday = 0; day of month and of week must both match.
    return (day.month in schedule.month_of_year and day.day in schedule.day_of_month
            and day.isoweekday() % 7 in schedule.day_of_week)


def latest_slot(schedule: crontab, at: datetime) -> datetime:
    """The latest moment at or before ``at`` that ``schedule`` names, in CELERY_TIMEZONE."""
    zone = _zone()
    local = at.astimezone(zone)
    times = sorted(((h, m) for h in schedule.hour for m in schedule.minute), reverse=True)
    day = local.date()
    for _ in range(4 * 366 + 1):
        if _fires_on(schedule, day):
            for hour, minute in times:
                moment = datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone)
                if moment <= local:
                    return moment
        day -= timedelta(days=1)
    raise ValueError(f"{schedule} names no moment in the four years before {at}")


def next_slot(schedule: crontab, after: datetime) -> datetime:
    """The first moment after ``after`` that ``schedule`` names, in CELERY_TIMEZONE."""
    zone = _zone()
    local = after.astimezone(zone)
    times = sorted((h, m) for h in schedule.hour for m in schedule.minute)
    day = local.date()
    for _ in range(4 * 366 + 1):
        if _fires_on(schedule, day):
            for hour, minute in times:
                moment = datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone)
                if moment > local:
                    return moment
        day += timedelta(days=1)
    raise ValueError(f"{schedule} names no moment in the four years after {after}")


# ---- who runs a slot --------------------------------------------------------------------------

# The rows this process has claimed and not finished: one that names this process and
# is not among them was left behind (its run was cut short), not being worked on.
_in_hand: set[int] = set()


def worker_gone(run, *, now: datetime) -> bool:
    """Is the worker of an unfinished run gone? A process of this host that no longer
    runs (or this process, without the run in hand), or a heartbeat older than
    STALE_AFTER from any host."""
    if run.worker == liveness.identity():
        if run.pk not in _in_hand:
            return True
    elif liveness.is_gone(run.worker):
        return True
    return (run.heartbeat_at or run.claimed_at) < now - STALE_AFTER


def abandon_gone_runs(*, now: datetime) -> int:
    """Close as abandoned every claimed or running row whose worker is gone (at worker
    start and at every tick); the next tick runs their slots again. Returns how many."""
    from propertydesk.models import JobRun

    closed = 0
    for run in JobRun.objects.filter(status__in=JobRun.UNFINISHED).order_by("pk"):
        if not worker_gone(run, now=now):
            continue
        closed += JobRun.objects.filter(pk=run.pk, status=run.status, worker=run.worker).update(
            status=JobRun.Status.ABANDONED, finished_at=now,
            summary=f"abandoned: worker {run.worker or '?'} gone ({run.status} since "
                    f"{run.heartbeat_at or run.claimed_at:%Y-%m-%d %H:%M:%S %z})")
        logger.warning("job %s slot %s abandoned: worker %s gone", run.name, timezone_local(run.slot), run.worker)
    return closed


def _retry_after(attempts: int) -> timedelta:
    return min(FIRST_RETRY_AFTER * 2 ** max(attempts - 1, 0), LONGEST_RETRY_PAUSE)


def _claim(job: Job, slot: datetime, *, now: datetime, by_hand: bool = False, again: bool = False):
    """Claim the slot for this process: insert its row, or take the row over when the
    slot may run again. Returns (the row, None) when claimed, else (the row, why not)."""
    from django.db import transaction

    from propertydesk.models import JobRun

    mine = {"worker": liveness.identity(), "claimed_at": now, "heartbeat_at": now, "status": JobRun.Status.CLAIMED}
    with transaction.atomic():
        run, created = JobRun.objects.select_for_update().get_or_create(
            name=job.name, slot=slot, defaults={**mine, "as_of": now})
        if created:
            _in_hand.add(run.pk)
            return run, None
        status = run.status
        if status in JobRun.UNFINISHED:
            if not worker_gone(run, now=now):
                return run, f"{run.status} by {run.worker}"
            logger.warning("job %s slot %s: worker %s gone, claimed again",
                           run.name, timezone_local(run.slot), run.worker)
        elif status == JobRun.Status.DONE and not again:
            return run, "done"
        elif status == JobRun.Status.MISSED and not by_hand:
            return run, "missed"
        elif not by_hand and run.attempts >= MAX_ATTEMPTS:
            return run, f"given up after {run.attempts} attempts"
        elif status == JobRun.Status.FAILED and not by_hand:
            if job.catch_up == LATEST:
                return run, "failed; the next slot runs instead"
            if now < (run.finished_at or run.claimed_at) + _retry_after(run.attempts):
                return run, "failed; to be retried later"
        for field, value in mine.items():
            setattr(run, field, value)
        run.save(update_fields=list(mine))
        _in_hand.add(run.pk)
        return run, None


def _record_missed(job: Job, slot: datetime, *, now: datetime) -> None:
    from django.db import IntegrityError, transaction

    from propertydesk.models import JobRun

    if JobRun.objects.filter(name=job.name, slot=slot).exists():
        return
    try:
        with transaction.atomic():
            JobRun.objects.create(name=job.name, slot=slot, as_of=now, status=JobRun.Status.MISSED,
                                  claimed_at=now, finished_at=now,
                                  summary="missed: found after the slot's day, outside the job's catch-up window")
    except IntegrityError:
        pass  # a tick at the same moment recorded it


class _Heartbeat:
    """Beats on the rows a process has in hand, from a thread of its own, every
    HEARTBEAT_EVERY seconds while the jobs run."""

    def __init__(self, pks: list[int], clock: Callable[[], datetime]):
        self.pks, self.clock, self.worker = pks, clock, liveness.identity()
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._beat, name="job-heartbeat", daemon=True)

    def _beat(self) -> None:
        from django.db import connection

        from propertydesk.models import JobRun

        try:
            while not self.stopped.wait(HEARTBEAT_EVERY):
                JobRun.objects.filter(pk__in=self.pks, status__in=JobRun.UNFINISHED, worker=self.worker).update(
                    heartbeat_at=self.clock())
        except Exception:
            logger.exception("job heartbeat failed")
        finally:
            connection.close()

    def __enter__(self):
        if self.pks:
            self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stopped.set()
        if self.thread.is_alive():
            self.thread.join()


def _clock(now: datetime) -> Callable[[], datetime]:
    """``now`` as it moves on: the clock is read once, at the edge; the rest is elapsed time."""
    start = time.monotonic()
    return lambda: now + timedelta(seconds=time.monotonic() - start)


def _summary(outcome) -> str:
    """What a run says about itself, cut to the column (an exception's text has no limit)."""
    from propertydesk.models import JobRun

    return str(outcome or "")[:JobRun._meta.get_field("summary").max_length]


def _execute(job: Job, run, *, as_of: datetime, clock: Callable[[], datetime]) -> str:
    """Run a claimed slot's job for ``as_of`` and record how it went. Raises what the job raised."""
    from django.db.models import F

    from propertydesk import audit
    from propertydesk.models import JobRun

    mine = JobRun.objects.filter(pk=run.pk, worker=liveness.identity())
    try:
        started = clock()
        if not mine.filter(status=JobRun.Status.CLAIMED).update(
                status=JobRun.Status.RUNNING, as_of=as_of, started_at=started, heartbeat_at=started,
                finished_at=None, attempts=F("attempts") + 1):
            raise JobBusy(f"{job.name} slot {timezone_local(run.slot)}: taken over by another worker")
        try:
            # Every history row the run writes names the job and its slot.
            with audit.job_context(job=job.name, slot=run.slot):
                summary = _summary(job.function()(as_of=as_of))
        except Exception as exc:
            mine.filter(status=JobRun.Status.RUNNING).update(
                status=JobRun.Status.FAILED, finished_at=clock(), summary=_summary(f"{type(exc).__name__}: {exc}"))
            raise
        if not mine.filter(status=JobRun.Status.RUNNING).update(
                status=JobRun.Status.DONE, finished_at=clock(), summary=summary):
            logger.warning("job %s slot %s finished after it was abandoned", job.name, timezone_local(run.slot))
        return summary
    finally:
        _in_hand.discard(run.pk)


# ---- the tick and the hand run ----------------------------------------------------------------

@dataclass(frozen=True)
class Outcome:
    job: str
    slot: datetime
    ran: bool
    summary: str


def tick(*, now: datetime) -> list[Outcome]:
    """Run every slot that is due at ``now`` and not done, within its job's window (see
    the module's docstring). A failing job is recorded and does not stop the others."""
    from django.utils import timezone

    abandon_gone_runs(now=now)
    today = timezone.localdate(now, _zone())
    claimed, outcomes = [], []
    for job in JOBS:
        slot = latest_slot(job.schedule, now)
        if job.catch_up == SAME_DAY and timezone.localdate(slot, _zone()) != today:
            _record_missed(job, slot, now=now)
            continue
        run, why_not = _claim(job, slot, now=now)
        if why_not is None:
            claimed.append((job, run))
    clock = _clock(now)
    with _Heartbeat([run.pk for _job, run in claimed], clock):
        for job, run in claimed:
            try:
                summary = _execute(job, run, as_of=now, clock=clock)
            except Exception as exc:
                logger.exception("job %s slot %s failed", job.name, timezone_local(run.slot))
                outcomes.append(Outcome(job.name, run.slot, False, f"{type(exc).__name__}: {exc}"))
            else:
                outcomes.append(Outcome(job.name, run.slot, True, summary))
    return outcomes


def run_job(name: str, *, as_of: datetime, now: datetime, again: bool = False) -> Outcome:
    """Run one job by hand (``runjob``, or the ``propertydesk.run_job`` task) for the
    moment ``as_of``: its latest slot at or before ``as_of``, claimed like a tick claims
    it. A slot that is done is left alone (``ran`` is False) unless ``again``; a slot a
    live worker is running raises JobBusy. ``now`` is the real moment, for the
    heartbeat and the record. Raises what the job raised."""
    job = get_job(name)
    slot = latest_slot(job.schedule, as_of)
    run, why_not = _claim(job, slot, now=now, by_hand=True, again=again)
    if why_not == "done":
        return Outcome(job.name, slot, False, f"slot {timezone_local(slot)} was done at "
                                              f"{timezone_local(run.finished_at)}: {run.summary}")
    if why_not is not None:
        raise JobBusy(f"{job.name} slot {timezone_local(slot)} is {why_not}")
    clock = _clock(now)
    with _Heartbeat([run.pk], clock):
        return Outcome(job.name, slot, True, _execute(job, run, as_of=as_of, clock=clock))


def timezone_local(moment: datetime | None) -> str:
    return "?" if moment is None else f"{moment.astimezone(_zone()):%Y-%m-%d %H:%M}"
