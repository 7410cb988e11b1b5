"""The audit history of every business record: who changed it, when, what, and from
which request or job.

Kept by PostgreSQL triggers (django-pghistory on django-pgtrigger), not by Django
signals: a trigger sees every write, a service's ``save()``, a job's
``QuerySet.update()``, a ``bulk_create()`` and raw SQL alike, where a signal-based
library misses the set-based writes that the bill run, dunning and the sweeps are made
of. Each app's models.py ends with ``audit.track(...)`` of its business records; that
makes one event model ``<Model>History`` per record (a copy of its columns, with
``pgh_label`` insert/update/delete, ``pgh_created_at`` and ``pgh_context``), in the
app's own migration. The triggers are statement-level (one context row per statement,
not per row, so a bill run's thousands of rows cost one) and an update is recorded only
when a tracked column really changed (an ``auto_now`` stamp alone is not a change).

Who and from where (``pgh_context``, one ``pghistory.Context`` row per request, job run
or command): ``AuditContextMiddleware`` puts the user and the request (method, path, a
request id, answered as ``X-Request-ID``) on every write of a request; the job registry
wraps each slot's run in ``job_context`` (the job's name and slot); ``manage.py`` puts
the command's name on anything else (a shell, a seed, a migration).

Left out, on purpose:

- the domain's own append-only event rows (``ComplaintEvent``, ``WorkOrderEvent``,
  ``CallbackEvent``, ``DunningNoticeEvent``, ``RenovationEvent``, ``NoticeEvent`` and the
  rest of the ``StateEvent`` models): each already is a record of who moved what when,
  written once and never changed;
- logs written once and never changed: ``owners.PiiReveal`` and ``gate.GateReveal``
  (who revealed a number), ``renovation.GateCheck`` (a scan at the gate),
  ``notices.NoticeHousehold`` (who a notice went to and who read it);
- what a job computes again from the records above and overwrites: ``owners.RegistryCheck``,
  ``callbacks.RateCheck``, ``fees.MonthReport``, ``fees.DebtLedger``, ``fees.UnitDebt``,
  ``pages.MonthFacts``, ``pages.StaffMonthFacts``, ``pages.DashboardReport``,
  ``pages.DeskReport`` (their history would be the history of their sources, many times);
- the core's machinery: ``JobRun`` (a job's own record of its runs), the outbox
  (``Notification``, ``Delivery``, ``DeliveryEvent``), sequences, downloads, preferences.

Blind indexes (columns ending ``_hash``) are not copied: a history has no use for them and
they would be one more copy of a personal number's fingerprint. Encrypted columns
(phones, ID numbers) are copied encrypted and shown masked, never in full
(``history_page``); ``scrub_history`` blanks a person's fields in their records'
history when their data must go.
"""

from __future__ import annotations

import contextlib
import json
import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.db import connection, models

# Filled by ``track``: the tracked model's label ("complaints.complaint") -> its event model.
EVENT_MODELS: dict[str, type[models.Model]] = {}

PAGE_ROWS = 25
REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
TEXT_SHOWN = 200  # characters of a long text shown in a change


def track(*tracked: type[models.Model]) -> None:
    """Keep the history of each model: an insert, a real change of a tracked column, a
    delete (with the row as it was). Call it at the end of the app's models.py."""
    import pghistory
    import pgtrigger

    for model in tracked:
        exclude = [f.name for f in model._meta.concrete_fields if f.name.endswith("_hash")]
        EVENT_MODELS[model._meta.label_lower] = pghistory.create_event_model(
            model,
            pghistory.InsertEvent(),
            pghistory.UpdateEvent(condition=pghistory.AnyChange(exclude_auto=True)),
            pghistory.DeleteEvent(),
            exclude=exclude or None,
            model_name=f"{model.__name__}History",
            obj_field=pghistory.ObjForeignKey(related_name="+", related_query_name="+", db_index=True),
            abstract=False,
            level=pgtrigger.Statement,
        )


def event_model(model) -> type[models.Model] | None:
    return EVENT_MODELS.get(model._meta.label_lower)


@contextlib.contextmanager
def history_skipped():
    """Inside a transaction: the history's triggers skip every write until the block
    ends (seed_scale's load: seeded rows are not changes anybody made). It sets, for the
    transaction only, the variable the triggers consult (what ``pgtrigger.ignore()``
    sets; that one's statement wrapper cannot take the loader's named parameters, nor
    reach its COPY)."""
    from pgtrigger import registry

    if not connection.in_atomic_block:
        raise RuntimeError("history_skipped() belongs inside a transaction")
    pgids = sorted({trigger.get_pgid(model) for model, trigger in registry.registered()})
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('pgtrigger.ignore', %s, true)", ["{" + ",".join(pgids) + "}"])
    yield
    # (After an error the transaction is rolled back, and the setting with it.)
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('pgtrigger.ignore', NULL, true)")


# ---- context: the request, the job, the command -----------------------------------------------

def job_context(*, job: str, slot: datetime):
    """Every write of a job's run names the job and its slot."""
    import pghistory

    return pghistory.context(job=job, slot=slot.isoformat())


def command_context(argv: list[str]):
    """A management command's writes name the command (``manage.py shell``, ``seed_demo``,
    ``runjob``: the job's run adds its name and slot to the same context)."""
    if len(argv) < 2 or argv[1].startswith("-"):
        return contextlib.nullcontext()
    import pghistory

    return pghistory.context(command=argv[1])


def request_id(request) -> str:
    """The caller's X-Request-ID when it is a plain token, else a new one."""
    given = request.META.get("HTTP_X_REQUEST_ID", "")
    return given if REQUEST_ID.match(given) else uuid.uuid4().hex


class AuditContextMiddleware:
    """After AuthenticationMiddleware: the user, method, path and a request id on every
    history row a request writes (an API token's user too: pghistory's request class
    updates the context when DRF sets ``request.user``)."""

    def __init__(self, get_response):
        from pghistory.middleware import HistoryMiddleware

        class _Middleware(HistoryMiddleware):
            def get_context(self, request):
                context = super().get_context(request)
                return {"user": context["user"], "method": request.method, "path": request.path,
                        "request_id": request.request_id}

        self.history = _Middleware(get_response)

    def __call__(self, request):
        request.request_id = request_id(request)
        response = self.history(request)
        response["X-Request-ID"] = request.request_id
        return response


# ---- scrubbing personal data ------------------------------------------------------------------

def scrub_history(*, model: type[models.Model], pks, fields: list[str]) -> int:
    """Blank ``fields`` in every history row of the records ``pks`` (ids, or a queryset of
    them run as a subquery) of ``model`` (an owner anonymised under PIPL: the history must
    not keep what the record no longer does). A nullable field becomes NULL, text "", a list
    [], a document {}, bytes b""; a field the history does not copy (the search hashes) is
    passed over; anything else (a date, a number) is refused. Returns the number of history
    rows changed."""
    events = event_model(model)
    if events is None:
        raise ValueError(f"{model._meta.label} has no history")
    copied = {f.name for f in events._meta.fields}
    values = {}
    for name in fields:
        model._meta.get_field(name)   # a name the record does not have is a mistake
        if name not in copied:
            continue
        column = events._meta.get_field(name)
        if column.null:
            values[name] = None
        elif isinstance(column, (models.CharField, models.TextField)):
            # An encrypted column stores "" as NULL: a NOT NULL one keeps a dash instead.
            values[name] = "" if column.get_db_prep_save("", connection) is not None else "—"
        elif column.get_internal_type() == "ArrayField":
            values[name] = []
        elif isinstance(column, models.JSONField):
            values[name] = {}
        elif isinstance(column, models.BinaryField):
            values[name] = b""
        else:
            raise ValueError(f"{model._meta.label}.{name} cannot be blanked")
    if not values:
        return 0
    # One UPDATE: atomic by itself, and inside the caller's transaction (no savepoint of its own).
    ids = pks if isinstance(pks, models.QuerySet) else list(pks)
    return events.objects.filter(pgh_obj_id__in=ids).update(**values)


# ---- the page: a record's history, newest first --------------------------------------------

@dataclass
class Change:
    label: str
    old: str | None
    new: str


@dataclass
class HistoryRow:
    id: int
    at: datetime
    kind: str  # insert, update, delete
    who: dict
    request: dict
    changes: list[Change] = field(default_factory=list)
    first_known: bool = False  # an update whose earlier state was never recorded


@dataclass
class HistoryPage:
    rows: list[HistoryRow]
    next_before: int | None


def _shown_fields(model) -> list[models.Field]:
    return [f for f in model._meta.concrete_fields
            if not f.primary_key and not f.name.endswith("_hash")
            and not getattr(f, "auto_now", False) and not getattr(f, "auto_now_add", False)]


def _is_personal(f) -> bool:
    from encrypted_fields.fields import EncryptedFieldMixin

    return isinstance(f, EncryptedFieldMixin)


def masked(f, value) -> str:
    """A personal number as every list shows it: 138****5678, 4401**********1234."""
    from propertydesk.pii import mask_id_number, mask_phone

    if not value:
        return ""
    return mask_id_number(value) if "id_number" in f.name else mask_phone(value)


def history_page(*, model, pk: int, before: int | None = None, limit: int = PAGE_ROWS) -> HistoryPage:
    """One page of a record's history, newest first, ``limit`` rows with ids below
    ``before``. One read of limit+1 rows (the extra one is the state before the page's
    oldest row), then one read per kind of name shown (people, related records)."""
    events = event_model(model)
    rows = events.objects.filter(pgh_obj_id=pk)
    if before is not None:
        rows = rows.filter(pgh_id__lt=before)
    rows = list(rows.select_related("pgh_context").order_by("-pgh_id")[:limit + 1])
    shown = _shown_fields(model)
    names = _Names(rows, shown)
    out = []
    for i, row in enumerate(rows[:limit]):
        earlier = rows[i + 1] if i + 1 < len(rows) else None
        metadata = row.pgh_context.metadata if row.pgh_context_id else {}
        item = HistoryRow(id=row.pgh_id, at=row.pgh_created_at, kind=row.pgh_label,
                          who=names.who(metadata), request=_request_of(metadata))
        for f in shown:
            new = getattr(row, f.attname)
            if row.pgh_label == "insert" or (row.pgh_label == "update" and earlier is None):
                if new not in (None, ""):
                    item.changes.append(Change(str(f.verbose_name), None, names.value(f, new)))
            elif row.pgh_label == "update":
                old = getattr(earlier, f.attname)
                if old != new:
                    item.changes.append(Change(str(f.verbose_name), names.value(f, old), names.value(f, new)))
        item.first_known = row.pgh_label == "update" and earlier is None
        out.append(item)
    return HistoryPage(out, out[-1].id if len(rows) > limit else None)


def _request_of(metadata: dict) -> dict:
    return {k: metadata[k] for k in ("method", "path", "request_id") if metadata.get(k)}


class _Names:
    """The names a page shows, each kind read once: the people behind the rows and the
    records the foreign keys point at."""

    def __init__(self, rows, shown):
        from django.contrib.auth import get_user_model

        from propertydesk.people import person_name

        user_ids = {row.pgh_context.metadata.get("user") for row in rows if row.pgh_context_id}
        user_ids.discard(None)
        users = get_user_model().objects.in_bulk([u for u in user_ids if isinstance(u, int)])
        self.people = {pk: person_name(user) for pk, user in users.items()}
        self.related = {}
        for f in shown:
            if f.is_relation and f.many_to_one:
                ids = {getattr(row, f.attname) for row in rows} - {None}
                if ids:
                    self.related[f.name] = f.related_model._base_manager.in_bulk(list(ids))

    def who(self, metadata: dict) -> dict:
        from django.utils.dateparse import parse_datetime

        if metadata.get("job"):
            slot = parse_datetime(metadata.get("slot") or "")
            return {"job": metadata["job"], "slot": slot}
        if metadata.get("user"):
            return {"user": self.people.get(metadata["user"], f"#{metadata['user']}")}
        if metadata.get("command"):
            return {"command": metadata["command"]}
        return {}

    def value(self, f, value) -> str:
        from django.contrib.auth import get_user_model
        from django.utils import formats, timezone
        from django.utils.translation import gettext as _

        from propertydesk.people import person_name

        if value is None or value == "":
            return "—"
        if _is_personal(f):
            return masked(f, value)
        if f.is_relation:
            target = self.related.get(f.name, {}).get(value)
            if target is None:
                return f"#{value}"
            return person_name(target) if isinstance(target, get_user_model()) else str(target)
        if f.choices:
            return str(dict(f.flatchoices).get(value, value))
        if isinstance(value, bool):
            return _("Yes") if value else _("No")
        if isinstance(value, datetime):
            return formats.date_format(timezone.localtime(value), "Y-m-d H:i")
        if isinstance(value, Decimal):
            return formats.number_format(value, use_l10n=False)
        if isinstance(value, (dict, list)):
            value = json.dumps(value, ensure_ascii=False)
        if isinstance(value, models.fields.files.FieldFile):
            return value.name or "—"
        text = str(value)
        return text if len(text) <= TEXT_SHOWN else text[:TEXT_SHOWN] + "…"
