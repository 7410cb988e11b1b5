"""The shift log's pages (客服日志, 交接班): the current shift's log with its add form and
open entries, the handover before it is confirmed, a handover with its items to sign for
or refuse, and the supervisors' history. Thin: parse, call a service or selector, render."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from desk import selectors, services, shifts
from desk.forms import EntryForm, HandoverForm, ReassignForm, RefuseForm, SettleCloseForm, TakingsForm
from desk.models import Handover, HandoverItem, ItemStatus, LogEntry, TakingsStatus
from owners.models import Estate
from propertydesk.actions import render_form, run_action
from propertydesk.notifications import users_in_roles
from propertydesk.people import staff_order
from propertydesk.roles import FRONT_DESK, SUPERVISOR
from propertydesk.web import query_day, staff_required

_VIEW = "desk.view_logentry"


def _estate(request) -> Estate:
    """The estate the page is about: ?estate= (or the form's), else the first one."""
    raw = request.POST.get("estate") or request.GET.get("estate") or ""
    estates = Estate.objects.order_by("name")
    estate = estates.filter(pk=int(raw)).first() if raw.isdigit() else None
    estate = estate or estates.first()
    if estate is None:
        raise Http404
    return estate


def _log_url(estate) -> str:
    return f"{reverse('desk:log')}?estate={estate.pk}"


@staff_required
@permission_required(_VIEW, raise_exception=True)
def shift_log(request):
    estate = _estate(request)
    now = timezone.now()
    shift = shifts.shift_at(estate, now)
    form = EntryForm(request.POST or None, estate=estate)

    def page(form):
        return render_form(request, "desk/log.html", form, estate=estate, shift=shift,
                           estates=Estate.objects.order_by("name"),
                           open_entries=list(selectors.open_entries(estate=estate, shift=shift)),
                           written=list(selectors.shift_entries(estate=estate, shift=shift)[:100]),
                           waiting=list(selectors.waiting_items(estate=estate)),
                           handover=selectors.handover_of_shift(estate=estate, shift=shift),
                           can_write=request.user.has_perm("desk.add_logentry"))

    if request.method != "POST":
        return page(form)
    if not request.user.has_perm("desk.add_logentry"):
        raise PermissionDenied
    return run_action(
        request, form=form, rerender=page,
        run=lambda _t, data, user, now: services.entry_add(
            estate=estate, author=user, text=data["text"], priority=data["priority"], unit=data["unit"],
            complaint=data["complaint"], work_order=data["work_order"], now=now),
        message=_("The entry is in the log."), done_url=_log_url(estate))


@staff_required
@permission_required("desk.change_logentry", raise_exception=True)
@require_POST
def entry_close(request, pk):
    entry = LogEntry.objects.filter(pk=pk).select_related("estate").first()
    if entry is None:
        raise Http404
    back = _log_url(entry.estate)
    return run_action(request, target=entry, form=None, back_url=back,
                      run=lambda e, _d, user, now: services.entry_close(entry=e, actor=user, now=now),
                      message=_("The entry is closed."))


def _shift_choices(estate, now):
    """The shift to hand over: the current one, or the one before it if nobody handed it over."""
    current = shifts.shift_at(estate, now)
    previous = shifts.shift_at(estate, current.start - timedelta(seconds=1))
    choices = [current]
    if selectors.handover_of_shift(estate=estate, shift=previous) is None:
        choices.append(previous)
    return choices


@staff_required
@permission_required("desk.hand_over_shift", raise_exception=True)
def handover_new(request):
    estate = _estate(request)
    now = timezone.now()
    choices = _shift_choices(estate, now)
    wanted = request.POST.get("shift") or request.GET.get("shift") or ""
    shift = next((s for s in choices if f"{s.day:%Y-%m-%d}/{s.key}" == wanted), choices[0])
    form = HandoverForm(request.POST or None, initial={"shift": f"{shift.day:%Y-%m-%d}/{shift.key}"})

    takings = selectors.live_takings(estate=estate, start=shift.start, end=min(shift.end, now))

    def page(form):
        return render_form(
            request, "desk/handover_new.html", form, estate=estate, shift=shift, choices=choices,
            following=shifts.next_shift(estate, shift), takings=takings,
            takings_total=sum((t.total for t in takings), selectors.ZERO), takings_count=sum(t.count for t in takings),
            carried=list(selectors.open_entries(estate=estate, shift=shift)),
            done=selectors.handover_of_shift(estate=estate, shift=shift))

    if request.method != "POST":
        return page(form)
    return run_action(
        request, form=form, rerender=page,
        run=lambda _t, data, user, now: services.handover_create(
            estate=estate, actor=user, now=now, notes=data["notes"], shift_key=shift.key, shift_day=shift.day),
        message=_("The shift is handed over. The next shift signs for each item."),
        done_url=lambda h: reverse("desk:handover", args=[h.pk]))


def _handover(pk) -> Handover:
    try:
        return selectors.handover_for(pk=pk)
    except Handover.DoesNotExist:
        raise Http404 from None


def _coming_shifts(estate, now, count: int = 3) -> list:
    """The shift ``now`` falls in and the ones after it: where a refused item may go."""
    found = [shifts.shift_at(estate, now)]
    while len(found) < count:
        found.append(shifts.next_shift(estate, found[-1]))
    return found


def _signers(handover):
    return users_in_roles(FRONT_DESK, SUPERVISOR).exclude(pk=handover.handed_by_id).order_by(*staff_order())


def _reassign_form(handover, data=None, *, coming=None, people=None):
    coming = coming or _coming_shifts(handover.estate, timezone.now())
    # By default the shift the item was handed to, while it lasts; else the one on now.
    wanted = next((s for s in coming if s.start == handover.next_start), coming[0])
    return ReassignForm(data, shifts=coming, people=_signers(handover) if people is None else people,
                        initial={"shift": f"{wanted.day:%Y-%m-%d}/{wanted.key}"})


def _handover_page(request, handover, *, refusing: HandoverItem | None = None, form=None, takings_form=None,
                   settling: HandoverItem | None = None, settle_form=None, settle_kind: str = ""):
    takings = selectors.frozen_takings(handover)
    receipt = selectors.receipt_of(handover)
    can_sign = request.user.has_perm("desk.hand_over_shift")
    if takings_form is None and receipt is not None and receipt.status == TakingsStatus.WAITING and can_sign:
        takings_form = TakingsForm(takings=takings)
    may_settle = request.user.has_perm("desk.settle_handoveritem")
    items = list(selectors.handover_items(handover))
    refused = [item for item in items if item.status == ItemStatus.REFUSED]
    if may_settle and refused:
        # The same shifts for every refused item, computed once.
        coming, people = _coming_shifts(handover.estate, timezone.now()), _signers(handover)
        for item in refused:
            bound = settling is not None and settling.pk == item.pk
            if bound and settle_kind == "reassign":
                item.reassign_form = settle_form
            else:
                item.reassign_form = _reassign_form(handover, coming=coming, people=people)
            item.close_form = settle_form if bound and settle_kind == "close" else SettleCloseForm()
    failed = any(f is not None and f.errors for f in (form, takings_form, settle_form))
    return render(request, "desk/handover.html", {
        "handover": handover, "items": items, "takings": takings, "receipt": receipt,
        "takings_form": takings_form, "refusing": refusing, "form": form, "can_sign": can_sign,
        "may_settle": may_settle, "settling": settling, "settle_kind": settle_kind,
    }, status=400 if failed else 200)


@staff_required
@permission_required("desk.view_handover", raise_exception=True)
def handover_detail(request, pk):
    return _handover_page(request, _handover(pk))


def _item(pk) -> HandoverItem:
    item = HandoverItem.objects.filter(pk=pk).first()
    if item is None:
        raise Http404
    return item


@staff_required
@permission_required("desk.hand_over_shift", raise_exception=True)
@require_POST
def item_acknowledge(request, pk):
    item = _item(pk)
    return run_action(request, target=item, form=None, back_url=reverse("desk:handover", args=[item.handover_id]),
                      run=lambda i, _d, user, now: services.item_acknowledge(item=i, actor=user, now=now),
                      message=_("Signed for: the item is your shift's now."))


@staff_required
@permission_required("desk.hand_over_shift", raise_exception=True)
@require_POST
def item_refuse(request, pk):
    item = _item(pk)
    back = reverse("desk:handover", args=[item.handover_id])
    form = RefuseForm(request.POST)
    if item.status != ItemStatus.PENDING:
        form = None  # nothing to ask: the service refuses with a message
    return run_action(
        request, target=item, form=form, back_url=back,
        rerender=lambda f: _handover_page(request, _handover(item.handover_id), refusing=item, form=f),
        run=lambda i, data, user, now: services.item_refuse(item=i, actor=user, now=now,
                                                            reason=data.get("reason", "")),
        message=_("Refused. The supervisors are told why."))


@staff_required
@permission_required("desk.hand_over_shift", raise_exception=True)
@require_POST
def takings_receive(request, pk):
    handover = _handover(pk)
    back = reverse("desk:handover", args=[handover.pk])
    receipt = selectors.receipt_of(handover)
    form = TakingsForm(request.POST, takings=selectors.frozen_takings(handover))
    if receipt is None or receipt.status != TakingsStatus.WAITING:
        form = None  # nothing to count: the service refuses with a message
    return run_action(
        request, target=handover, form=form, back_url=back,
        rerender=lambda f: _handover_page(request, handover, takings_form=f),
        run=lambda h, _d, user, now: services.takings_receive(
            handover=h, actor=user, now=now, counted=form.counted() if form else {},
            reasons=form.reasons() if form else {}),
        message=lambda r: _("Takings received, with a difference: the supervisors are told.")
        if r.status == TakingsStatus.DIFFERENCE else _("Takings received: they are your shift's now."))


@staff_required
@permission_required("desk.settle_handoveritem", raise_exception=True)
@require_POST
def item_reassign(request, pk):
    item = _item(pk)
    handover = _handover(item.handover_id)
    back = reverse("desk:handover", args=[handover.pk])
    form = _reassign_form(handover, request.POST)
    if item.status != ItemStatus.REFUSED:
        form = None

    def run(i, data, user, now):
        shift = form.chosen_shift()
        return services.item_reassign(item=i, actor=user, now=now, shift_key=shift.key, shift_day=shift.day,
                                      person=data.get("person"), note=data.get("note", ""))

    return run_action(
        request, target=item, form=form, back_url=back, aliases={"shift_key": "shift"},
        rerender=lambda f: _handover_page(request, handover, settling=item, settle_form=f, settle_kind="reassign"),
        run=run if form is not None else (lambda i, _d, user, now: services.item_reassign(
            item=i, actor=user, now=now)),
        message=_("Reassigned: the item waits to be signed for again."))


@staff_required
@permission_required("desk.settle_handoveritem", raise_exception=True)
@require_POST
def item_close(request, pk):
    item = _item(pk)
    handover = _handover(item.handover_id)
    back = reverse("desk:handover", args=[handover.pk])
    form = SettleCloseForm(request.POST)
    if item.status != ItemStatus.REFUSED:
        form = None
    return run_action(
        request, target=item, form=form, back_url=back,
        rerender=lambda f: _handover_page(request, handover, settling=item, settle_form=f, settle_kind="close"),
        run=lambda i, data, user, now: services.item_close(item=i, actor=user, now=now,
                                                           note=data.get("note", "")),
        message=_("Closed: the entry is closed with your note."))


@staff_required
@permission_required("desk.view_handover_history", raise_exception=True)
def handover_history(request):
    raw = request.GET.get("estate", "")
    estate_id = int(raw) if raw.isdigit() else None
    day_from, day_to = query_day(request.GET.get("from")), query_day(request.GET.get("to"))
    rows = list(selectors.handover_history(estate_id=estate_id, day_from=day_from, day_to=day_to)[:200])
    return render(request, "desk/history.html", {
        "handovers": rows, "estates": Estate.objects.order_by("name"), "estate_id": estate_id,
        "day_from": day_from, "day_to": day_to})


app_name = "desk"
urlpatterns = [
    path("", shift_log, name="log"),
    path("entries/<int:pk>/close/", entry_close, name="entry_close"),
    path("hand-over/", handover_new, name="handover_new"),
    path("handovers/", handover_history, name="history"),
    path("handovers/<int:pk>/", handover_detail, name="handover"),
    path("items/<int:pk>/acknowledge/", item_acknowledge, name="item_acknowledge"),
    path("items/<int:pk>/refuse/", item_refuse, name="item_refuse"),
    path("handovers/<int:pk>/takings/", takings_receive, name="takings_receive"),
    path("items/<int:pk>/reassign/", item_reassign, name="item_reassign"),
    path("items/<int:pk>/settle-close/", item_close, name="item_close"),
]
