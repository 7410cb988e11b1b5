"""A list's .xlsx, at once or prepared in the background (propertydesk.exports has the lists).

A list of at most ``EXPORT_INLINE_ROWS`` rows is written while its reader waits. A longer
one becomes a ``Download``: its row is written, a Celery task is queued after the commit,
and a worker writes the file (streamed: openpyxl's write-only mode, a chunk of rows at a
time) into the file storage, noting its progress on the row as it goes. The reader
follows it on "My downloads" and is the only one who can fetch it. The daily
``propertydesk.downloads_sweep`` deletes downloads past ``EXPORT_RETENTION_HOURS``, and
closes as failed one whose worker stopped making progress.

The task claims its row with a conditional UPDATE (waiting → being written), so a message
delivered twice writes the file once; a copy delivered again after its worker died finds
the row stale and takes it over.
"""

from __future__ import annotations

import logging
import os
import tempfile
from datetime import datetime, timedelta

from django.conf import settings
from django.core.files import File
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone, translation

from propertydesk import exports
from propertydesk.models import Download

logger = logging.getLogger(__name__)

WRITE_TASK = "propertydesk.write_download"
# A download whose worker noted no progress for this long is taken to be abandoned.
STALE_AFTER = timedelta(minutes=15)
PROGRESS_EVERY = timedelta(seconds=1)
PROGRESS_NOTES = 20  # the bar moves by 5 % at least


def download_request(*, user, export: exports.ListExport, query: str, filters: list, rows_total: int | None,
                     now: datetime) -> tuple[Download, bool]:
    """Ask for ``export`` with the list's ``query`` string to be prepared for ``user``.
    The same list with the same filters already waiting or being written for the same
    user is not asked for twice: (the download, whether it is new)."""
    with transaction.atomic():
        same = (Download.objects.select_for_update().filter(
            user=user, export=export.name, query=query, status__in=Download.UNFINISHED).first())
        if same is not None:
            return same, False
        download = Download.objects.create(
            user=user, export=export.name, query=query, filters=[list(pair) for pair in filters],
            language=translation.get_language() or settings.LANGUAGE_CODE, rows_total=rows_total,
            filename=export.filename(now), requested_at=now,
            expires_at=now + timedelta(hours=settings.EXPORT_RETENTION_HOURS))
        transaction.on_commit(lambda: enqueue(download.pk))
    return download, True


def enqueue(download_id: int) -> None:
    from propertydesk.tasks import write_download_task

    try:
        write_download_task.delay(download_id)
    except Exception:  # the broker is away: the row says so, the reader may ask again
        logger.exception("download %s could not be queued", download_id)
        Download.objects.filter(pk=download_id, status=Download.Status.QUEUED).update(
            status=Download.Status.FAILED, error="not queued: the task queue is not reachable",
            finished_at=timezone.now())


def _claim(download_id: int, *, now: datetime) -> bool:
    """This worker's turn to write the download: a waiting one, or one whose worker went
    quiet for STALE_AFTER (its message delivered again after that worker died)."""
    return bool(Download.objects.filter(pk=download_id).filter(
        Q(status=Download.Status.QUEUED)
        | Q(status=Download.Status.RUNNING, heartbeat_at__lt=now - STALE_AFTER)
    ).update(status=Download.Status.RUNNING, started_at=now, heartbeat_at=now, rows_done=0))


def download_write(*, download_id: int, clock=timezone.now) -> str:
    """Write a claimed download's file (the Celery task's whole work). ``clock`` is read
    for the progress notes as the rows go by."""
    if not _claim(download_id, now=clock()):
        return f"download {download_id}: not waiting (done, deleted, or being written)"
    download = Download.objects.select_related("user").get(pk=download_id)
    mine = Download.objects.filter(pk=download_id, status=Download.Status.RUNNING)
    export = exports.get_export(download.export)
    try:
        if export is None:
            raise LookupError(f"no list is exported as {download.export!r}")
        if not download.user.has_perm(export.permission):  # taken away since it was asked for
            raise PermissionError(f"{download.user} may no longer see the list {export.name}")
        with translation.override(download.language):
            rows = export.rows(_params(download.query), user=download.user, now=download.requested_at)
            total = rows.count()
            mine.update(rows_total=total)
            noted = [clock(), 0]
            step = max(1, total // PROGRESS_NOTES)

            def progress(done: int) -> None:
                # At most PROGRESS_NOTES notes whatever the rows (and one a second at most):
                # the statements of a download do not grow with its rows.
                moment = clock()
                if done >= total or (moment - noted[0] >= PROGRESS_EVERY and done - noted[1] >= step):
                    noted[:] = moment, done
                    mine.update(rows_done=done, heartbeat_at=moment)

            handle, path = tempfile.mkstemp(suffix=".xlsx")
            os.close(handle)
            try:
                written = exports.write_list(path, export, rows, now=download.requested_at, progress=progress)
                size = os.path.getsize(path)
                with open(path, "rb") as fh:
                    download.file.save(download.filename, File(fh), save=False)
            finally:
                os.unlink(path)
    except Exception as exc:
        mine.update(status=Download.Status.FAILED, finished_at=clock(),
                    error=f"{type(exc).__name__}: {exc}"[:Download._meta.get_field("error").max_length])
        raise
    if not mine.update(status=Download.Status.READY, file=download.file.name, size=size, rows_done=written,
                       rows_total=written, finished_at=clock(), heartbeat_at=clock()):
        # Deleted or taken over meanwhile: the file has no row (the files sweep removes it).
        download.file.storage.delete(download.file.name)
        return f"download {download_id}: written, but no longer wanted"
    return f"download {download_id}: {written} rows, {size} bytes"


def _params(query: str):
    from django.http import QueryDict

    return QueryDict(query)


def mine(*, user, limit: int = 50):
    """The user's downloads, newest first (a few: the sweep deletes them after days)."""
    return Download.objects.filter(user=user).order_by("-requested_at", "-pk")[:limit]


def sweep(*, as_of: datetime) -> str:
    """The ``propertydesk.downloads_sweep`` job: delete the downloads asked for more than
    EXPORT_RETENTION_HOURS before ``as_of`` (the rows in one statement that returns their
    files, then the files), and close as failed those whose worker noted no progress for
    STALE_AFTER. Two statements however many downloads expire; running it twice (or two
    sweeps at once) deletes nothing twice: a row is returned to the sweep that deleted it."""
    stale = Download.objects.filter(
        Q(status=Download.Status.RUNNING, heartbeat_at__lt=as_of - STALE_AFTER)
        | Q(status=Download.Status.QUEUED, requested_at__lt=as_of - STALE_AFTER)
    ).update(status=Download.Status.FAILED, finished_at=as_of, error="abandoned: the worker stopped")
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {Download._meta.db_table} WHERE expires_at < %s RETURNING file", [as_of])
        names = [name for (name,) in cursor.fetchall()]
    storage = Download._meta.get_field("file").storage
    for name in names:
        if name:  # a file left behind when this fails is removed by the files sweep
            storage.delete(name)
    return f"{len(names)} expired downloads removed, {stale} abandoned ones closed"
