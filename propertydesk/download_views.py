"""A list's "Download .xlsx" button and the reader's "My downloads" page
(propertydesk.downloads). Thin: parse, call, answer."""

from __future__ import annotations

import tempfile

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from propertydesk import downloads, exports, files
from propertydesk.models import Download
from propertydesk.web import staff_required

SPOOL_BYTES = 8 * 1024 * 1024  # a small list's file stays in memory up to this size


def _list_params(request):
    params = request.GET.copy()
    params.pop("page", None)
    return params


@staff_required
def export(request, name):
    """A list with the filters of its page's query string: up to EXPORT_INLINE_ROWS rows
    written at once; a longer one asked for in the background (a POST from the page this
    answers with), then followed on "My downloads"."""
    export = exports.get_export(name)
    if export is None:
        raise Http404
    if not request.user.has_perm(export.permission):
        raise PermissionDenied
    params = _list_params(request)
    now = timezone.now()
    rows = export.rows(params, user=request.user, now=now)
    limit = settings.EXPORT_INLINE_ROWS
    if request.method == "POST":
        download, new = downloads.download_request(user=request.user, export=export, query=params.urlencode(),
                                                   filters=rows.filters, rows_total=None, now=now)
        if new:
            messages.success(request, _("Your download of %(list)s is being prepared. It is listed here with its "
                                        "progress.") % {"list": export.title})
        else:
            messages.info(request, _("This list with these filters is being prepared already."))
        return redirect(reverse("downloads") + f"#download-{download.pk}")
    if rows.count(limit=limit + 1) > limit:
        return render(request, "downloads/confirm.html", {
            "export": export, "filters": rows.filters, "limit": limit,
            "back": reverse(export.list_url) + (f"?{params.urlencode()}" if params else ""),
        })
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)
    exports.write_list(spool, export, rows, now=now)
    spool.seek(0)
    response = FileResponse(spool, content_type=exports.XLSX_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, export.filename(now))
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@staff_required
def downloads_page(request):
    rows = list(downloads.mine(user=request.user))
    registry = exports.list_exports()
    for row in rows:
        row.list = registry.get(row.export)
    return render(request, "downloads/mine.html", {
        "downloads": rows, "retention_hours": settings.EXPORT_RETENTION_HOURS,
        "running": any(row.status in Download.UNFINISHED for row in rows),
    })


@staff_required
@never_cache
def downloads_progress(request):
    """The progress of the user's downloads, for the page to follow without reloading."""
    return JsonResponse({"downloads": [
        {"id": row.pk, "status": row.status, "label": row.get_status_display(), "rows_done": row.rows_done,
         "rows_total": row.rows_total, "percent": row.percent}
        for row in downloads.mine(user=request.user)]})


@staff_required
def download_file(request, pk):
    """A prepared file, for the user who asked for it and nobody else (404)."""
    download = get_object_or_404(Download, pk=pk, user=request.user, status=Download.Status.READY)
    export = exports.get_export(download.export)
    if export is None or not request.user.has_perm(export.permission):  # a role taken away since
        raise PermissionDenied
    return files.serve(request, download.file, filename=download.filename, content_type=exports.XLSX_TYPE)
