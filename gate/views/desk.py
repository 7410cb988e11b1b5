"""The desk's gate pages: today's visitors (register, out in one click, reveal an ID
number), item passes (list, a pass for a resident, one pass with its QR code and the
owner's signature), the guard's phone page, and card applications. Thin: parse, call a
service or selector, render."""

from __future__ import annotations

from functools import partial

from django.contrib import messages as flash
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gate import selectors, services
from gate.forms import (
    CardDeactivateForm,
    CardForm,
    CardPayForm,
    CardReadyForm,
    DeskItemPassForm,
    ReleaseForm,
    SignatureConfirmForm,
    TenantEndForm,
    TenantForm,
    VisitForm,
    parse_lines,
)
from gate.models import AppliedVia, CardStatus, PassCheck, PassStatus
from gate.rules import local_day, pass_check
from owners.models import Estate, Owner, Unit
from owners.selectors import owner_of_record, unit_owners
from propertydesk.actions import render_form, run_action
from propertydesk.qr import qr_svg as core_qr_svg
from propertydesk.web import apply_service_errors, query_day, staff_required

VIEW_VISITS, ADD_VISIT = "gate.view_visit", "gate.add_visit"
VIEW_PASSES, ADD_PASS, CHECK = "gate.view_itempass", "gate.add_itempass", "gate.check_item_pass"
VIEW_CARDS, ADD_CARD, TAKE_FEE = "gate.view_cardapplication", "gate.add_cardapplication", "gate.take_card_fee"

# How the guard's page shows each answer: green lets the goods out, amber says not yet.
LOOKS = {
    PassCheck.VALID: ("success", "bi-check-circle-fill"),
    PassCheck.NOT_CONFIRMED: ("warning", "bi-hourglass-split"),
    PassCheck.NOT_YET: ("warning", "bi-calendar-event"),
    PassCheck.EXPIRED: ("danger", "bi-calendar-x-fill"),
    PassCheck.USED: ("danger", "bi-box-arrow-right"),
    PassCheck.CANCELLED: ("danger", "bi-slash-circle-fill"),
    PassCheck.UNKNOWN: ("danger", "bi-question-circle-fill"),
}


def checked(item_pass, *, now) -> tuple:
    """A pass with what the guard's page says of it now, and how that looks."""
    answer = PassCheck(pass_check(item_pass, now=now))
    return item_pass, answer, LOOKS[answer]


qr_svg = partial(core_qr_svg, css_class="gate-qr")


def _estate_id(request) -> int | None:
    value = request.GET.get("estate", "")
    return int(value) if value.isdigit() else None


def _unit_from_query(request) -> Unit | None:
    """The unit a link names by its id (``?unit=12``, from the unit's page or the desk's
    search): the form opens with it."""
    value = request.GET.get("unit", "")
    return Unit.objects.filter(pk=value).first() if value.isdigit() else None


def _unit(number: str, errors_field: str = "unit", estate=None):
    unit = selectors.unit_by_number(number=number, estate_id=getattr(estate, "pk", None))
    if unit is None:
        raise ValidationError({errors_field: [_("No unit has this number.")]})
    return unit


# ---- visitors ----------------------------------------------------------------------------------

def _visitors_page(request, form, *, revealed=None, status=200):
    now = timezone.now()
    day = query_day(request.GET.get("day")) or local_day(now)
    estate_id = _estate_id(request)
    visits = list(selectors.visits_of_day(day=day, estate_id=estate_id)[:200])
    return render(request, "gate/visitors.html", {
        "form": form, "visits": visits, "still_in": [v for v in visits if v.time_out is None], "day": day,
        "today": local_day(now), "estates": Estate.objects.order_by("name"), "estate_id": estate_id,
        "revealed": revealed or {},
    }, status=400 if form.errors else status)


@staff_required
@permission_required(VIEW_VISITS, raise_exception=True)
def visitors(request):
    if request.method != "POST":
        unit = _unit_from_query(request)
        initial = {"unit": unit.number, "estate": unit.estate_id} if unit else None
        return _visitors_page(request, VisitForm(initial=initial))
    if not request.user.has_perm(ADD_VISIT):
        return HttpResponse(status=403)
    form = VisitForm(request.POST)

    def run(_target, data, user, now):
        unit = _unit(data["unit"], estate=data.get("estate")) if data["unit"].strip() else None
        return services.visit_register(
            unit=unit, visitor_name=data["visitor_name"], id_number=data["id_number"], confirmed=data["confirmed"],
            confirmed_how=data["confirmed_how"], code=data["code"], note=data["note"], now=now, actor=user)

    return run_action(
        request, form=form, rerender=lambda f: _visitors_page(request, f), run=run,
        message=lambda v: (_("%(name)s registered for %(unit)s.") if v.confirmed
                           else _("%(name)s recorded and not let in: %(unit)s did not confirm."))
        % {"name": v.visitor_name, "unit": v.unit.number},
        done_url=reverse("gate:visitors"))


@staff_required
@permission_required(ADD_VISIT, raise_exception=True)
@require_POST
def visit_out(request, pk):
    visit = selectors.visit_for(visit_id=pk, user=request.user)
    return run_action(request, form=None, target=visit, back_url=reverse("gate:visitors"),
                      run=lambda v, _d, user, now: services.visit_check_out(visit=v, now=now, actor=user),
                      message=lambda v: _("%(name)s has left.") % {"name": v.visitor_name})


@staff_required
@permission_required("gate.reveal_gate_pii", raise_exception=True)
@require_POST
def visit_reveal(request, pk):
    visit = selectors.visit_for(visit_id=pk, user=request.user)
    number = services.visit_reveal_id(visit=visit, user=request.user, now=timezone.now(),
                                      ip_address=request.META.get("REMOTE_ADDR"))
    return _visitors_page(request, VisitForm(), revealed={visit.pk: number})


# ---- item passes -------------------------------------------------------------------------------

@staff_required
@permission_required(VIEW_PASSES, raise_exception=True)
def passes(request):
    now = timezone.now()
    day = query_day(request.GET.get("day"))
    status = request.GET.get("status", "")
    rows = list(selectors.desk_passes(estate_id=_estate_id(request), day=day, status=status)[:100])
    return render(request, "gate/passes.html", {
        "passes": [checked(p, now=now) for p in rows], "day": day, "status": status,
        "statuses": PassStatus.choices, "estates": Estate.objects.order_by("name"), "estate_id": _estate_id(request),
    })


def _applicant(unit, name: str):
    """The owner or the current resident of ``unit`` called ``name``."""
    name = (name or "").strip()
    for owner in unit_owners(unit=unit):
        if owner.name == name:
            return {"applicant_owner": owner}
    resident = unit.residents.filter(name=name, move_out_date__isnull=True).first()
    if resident is not None:
        return {"applicant_resident": resident}
    raise ValidationError({"applicant": [_("%(name)s is neither an owner nor a resident of %(unit)s.")
                                         % {"name": name, "unit": unit.number}]})


@staff_required
@permission_required(ADD_PASS, raise_exception=True)
def pass_new(request):
    initial = {"day": local_day(timezone.now())}
    unit = _unit_from_query(request) if request.method != "POST" else None
    if unit is not None:
        owner = owner_of_record(unit=unit)
        initial.update(unit=unit.number, estate=unit.estate_id, applicant=owner.name if owner else "")
    form = DeskItemPassForm(request.POST or None, initial=initial)

    def page(f):
        return render_form(request, "gate/pass_new.html", f)

    if request.method != "POST":
        return page(form)

    def run(_target, data, user, now):
        unit = _unit(data["unit"], estate=data.get("estate"))
        return services.item_pass_apply(unit=unit, day=data["day"], lines=parse_lines(data["lines"]),
                                        via=AppliedVia.DESK, now=now, actor=user, **_applicant(unit, data["applicant"]))

    return run_action(request, form=form, rerender=page, run=run,
                      message=lambda p: _("Item pass %(number)s written.") % {"number": p.number},
                      done_url=lambda p: reverse("gate:pass_detail", args=[p.pk]))


def _pass_page(request, item_pass, *, sign_form=None, status=200):
    now = timezone.now()
    check_url = request.build_absolute_uri(f"{reverse('gate:check')}?number={item_pass.number}")
    owners = unit_owners(unit=item_pass.unit)
    if sign_form is None:
        sign_form = SignatureConfirmForm(owners=_owner_queryset(owners))
    return render(request, "gate/pass_detail.html", {
        "row": checked(item_pass, now=now), "p": item_pass, "qr": qr_svg(check_url),
        "check_url": check_url, "sign_form": sign_form, "events": list(item_pass.events.select_related("actor")),
    }, status=400 if sign_form.errors else status)


def _owner_queryset(owners):
    return Owner.objects.filter(pk__in=[o.pk for o in owners])


@staff_required
@permission_required(VIEW_PASSES, raise_exception=True)
def pass_detail(request, pk):
    return _pass_page(request, selectors.item_pass_for(pass_id=pk, user=request.user))


@staff_required
@permission_required("gate.change_itempass", raise_exception=True)
@require_POST
def pass_sign(request, pk):
    """The owner confirms a tenant's pass by signing on the pad at the desk."""
    item_pass = selectors.item_pass_for(pass_id=pk, user=request.user)
    form = SignatureConfirmForm(request.POST, owners=_owner_queryset(unit_owners(unit=item_pass.unit)))
    return run_action(
        request, form=form, target=item_pass, back_url=reverse("gate:pass_detail", args=[pk]),
        rerender=lambda f: _pass_page(request, item_pass, sign_form=f),
        run=lambda p, data, user, now: services.item_pass_confirm(
            item_pass=p, owner=data["owner"], how="signature", signature=data["signature"], now=now, actor=user),
        message=lambda p: _("The owner has confirmed item pass %(number)s.") % {"number": p.number})


@staff_required
@permission_required("gate.change_itempass", raise_exception=True)
@require_POST
def pass_cancel(request, pk):
    item_pass = selectors.item_pass_for(pass_id=pk, user=request.user)
    return run_action(request, form=None, target=item_pass, back_url=reverse("gate:pass_detail", args=[pk]),
                      run=lambda p, _d, user, now: services.item_pass_cancel(item_pass=p, now=now, actor=user),
                      message=lambda p: _("Item pass %(number)s cancelled.") % {"number": p.number})


# ---- the guard's phone page --------------------------------------------------------------------

@staff_required
@permission_required(CHECK, raise_exception=True)
def check(request):
    """Find a pass by its number (typed, or the URL its QR code holds), say whether the goods
    may leave, and record the carrier when they do."""
    now = timezone.now()
    text = request.GET.get("number", "")
    answer = selectors.pass_answer(text=text, now=now) if text.strip() else None
    form = ReleaseForm(request.POST or None)
    if request.method == "POST" and answer is not None and answer.item_pass is not None:
        target = answer.item_pass
        if form.is_valid():
            try:
                services.item_pass_release(item_pass=target, carrier_name=form.cleaned_data["carrier_name"],
                                           carrier_id_number=form.cleaned_data["carrier_id_number"], now=now,
                                           actor=request.user)
            except ValidationError as error:
                apply_service_errors(form, error)
            else:
                flash.success(request, _("Goods of pass %(number)s released.") % {"number": target.number})
                return redirect(f"{reverse('gate:check')}?number={target.number}")
    elif request.method == "POST":
        form = ReleaseForm()
    return render(request, "gate/check.html", {
        "answer": answer, "label": PassCheck(answer.answer).label if answer else "",
        "look": LOOKS.get(answer.answer) if answer else None, "form": form, "text": text,
    }, status=400 if form.errors else 200)


# ---- cards -------------------------------------------------------------------------------------

@staff_required
@permission_required(VIEW_CARDS, raise_exception=True)
def cards(request):
    status = request.GET.get("status", "")
    unit_number = request.GET.get("unit", "")
    rows = list(selectors.desk_cards(estate_id=_estate_id(request), status=status, unit_number=unit_number)[:100])
    unit = selectors.unit_by_number(number=unit_number) if unit_number.strip() else None
    return render(request, "gate/cards.html", {
        "cards": rows, "status": status, "statuses": CardStatus.choices, "unit_number": unit_number,
        "unit": unit, "estates": Estate.objects.order_by("name"), "estate_id": _estate_id(request),
    })


@staff_required
@permission_required(ADD_CARD, raise_exception=True)
def card_new(request):
    form = CardForm(request.POST or None)

    def page(f):
        return render_form(request, "gate/card_new.html", f)

    if request.method != "POST":
        return page(form)

    def run(_target, data, user, now):
        unit = _unit(data["unit"])
        owner = owner_of_record(unit=unit)
        if owner is None:
            raise ValidationError({"unit": [_("Nobody owns %(unit)s: an owner applies.") % {"unit": unit.number}]})
        return services.card_apply(unit=unit, kind=data["kind"], applicant=owner, holder_name=data["holder_name"],
                                   plate_number=data["plate_number"], now=now, actor=user)

    return run_action(request, form=form, rerender=page, run=run,
                      message=lambda c: _("Application %(number)s: ¥%(fee)s, ready on %(day)s.")
                      % {"number": c.number, "fee": c.fee, "day": c.ready_on.isoformat()},
                      done_url=lambda c: reverse("gate:card_detail", args=[c.pk]))


def _card_page(request, card, **forms):
    context = {"card": card, "pay_form": CardPayForm(), "ready_form": CardReadyForm(),
               "deactivate_form": CardDeactivateForm(), "events": list(card.events.select_related("actor"))}
    context.update(forms)
    bad = any(f.errors for f in forms.values())
    return render(request, "gate/card_detail.html", context, status=400 if bad else 200)


@staff_required
@permission_required(VIEW_CARDS, raise_exception=True)
def card_detail(request, pk):
    return _card_page(request, selectors.card_for(card_id=pk, user=request.user))


def _card_action(request, pk, *, form_class, name, run, message):
    card = selectors.card_for(card_id=pk, user=request.user)
    form = form_class(request.POST) if form_class else None
    return run_action(request, form=form, target=card, back_url=reverse("gate:card_detail", args=[pk]),
                      rerender=lambda f: _card_page(request, card, **{name: f}), run=run, message=message)


@staff_required
@permission_required(TAKE_FEE, raise_exception=True)
@require_POST
def card_pay(request, pk):
    return _card_action(request, pk, form_class=CardPayForm, name="pay_form",
                        run=lambda c, data, user, now: services.card_pay(card=c, method=data["method"], now=now,
                                                                         actor=user),
                        message=lambda c: _("Paid: receipt %(receipt)s.") % {
                            "receipt": c.receipt.number if c.receipt_id else "—"})


@staff_required
@permission_required("gate.change_cardapplication", raise_exception=True)
@require_POST
def card_ready(request, pk):
    return _card_action(request, pk, form_class=CardReadyForm, name="ready_form",
                        run=lambda c, data, user, now: services.card_mark_ready(
                            card=c, card_number=data["card_number"], now=now, actor=user),
                        message=lambda c: _("Ready: %(name)s has been told.") % {"name": c.applicant.name})


@staff_required
@permission_required("gate.change_cardapplication", raise_exception=True)
@require_POST
def card_hand_over(request, pk):
    return _card_action(request, pk, form_class=None, name="", message=lambda c: _("Handed over."),
                        run=lambda c, _d, user, now: services.card_hand_over(card=c, now=now, actor=user))


@staff_required
@permission_required("gate.change_cardapplication", raise_exception=True)
@require_POST
def card_deactivate(request, pk):
    return _card_action(request, pk, form_class=CardDeactivateForm, name="deactivate_form",
                        run=lambda c, data, user, now: services.card_deactivate(
                            card=c, reason=data["reason"], note=data["note"], now=now, actor=user),
                        message=lambda c: _("Deactivated. A replacement is a new application."))


@staff_required
@permission_required("gate.change_cardapplication", raise_exception=True)
@require_POST
def card_cancel(request, pk):
    return _card_action(request, pk, form_class=None, name="", message=lambda c: _("Cancelled."),
                        run=lambda c, _d, user, now: services.card_cancel(card=c, now=now, actor=user))


# ---- tenants -----------------------------------------------------------------------------------

VIEW_TENANTS, ADD_TENANT, CHANGE_TENANT = ("gate.view_residentlogin", "gate.add_residentlogin",
                                           "gate.change_residentlogin")


def _tenants_page(request, unit, form, *, status=200):
    return render(request, "gate/residents.html", {
        "unit": unit, "unit_number": request.GET.get("unit", "") if unit is None else unit.number, "form": form,
        "tenants": selectors.residents_for_unit(unit) if unit is not None else [],
        "owner": owner_of_record(unit=unit) if unit is not None else None,
        "recent": selectors.recent_tenant_logins() if unit is None else [],
        "end_form": TenantEndForm(), "today": local_day(timezone.now()),
    }, status=400 if form is not None and form.errors else status)


@staff_required
@permission_required(VIEW_TENANTS, raise_exception=True)
def residents(request):
    """A unit's tenants (from the unit's page: ?unit=3-1-1203) and their portal logins; the
    desk registers a tenant here and ends a login when the lease is over."""
    number = request.GET.get("unit", "")
    unit = selectors.unit_by_number(number=number) if number.strip() else None
    may_add = request.user.has_perm(ADD_TENANT)
    form = TenantForm(request.POST if request.method == "POST" else None) if unit is not None and may_add else None
    if request.method != "POST":
        return _tenants_page(request, unit, form)
    if form is None:
        return _tenants_page(request, unit, None, status=404 if unit is None else 403)
    return run_action(
        request, form=form, rerender=lambda f: _tenants_page(request, unit, f),
        run=lambda _t, data, user, now: services.tenant_register(
            unit=unit, name=data["name"], phone=data["phone"], id_number=data["id_number"],
            lease_ends_on=data["lease_ends_on"], language=data["language"], username=data["username"], now=now,
            actor=user),
        message=lambda login: _("%(name)s is registered; the activation code has been sent to %(phone)s.")
        % {"name": login.resident.name, "phone": login.resident.phone_masked},
        done_url=f"{reverse('gate:residents')}?unit={unit.number}")


def _tenant_action(request, pk, *, form_class, run, message):
    login = selectors.tenant_login_for(pk=pk)
    back = f"{reverse('gate:residents')}?unit={login.resident.unit.number}"
    form = form_class(request.POST) if form_class else None
    return run_action(request, form=form, target=login, back_url=back,
                      rerender=lambda f: _tenants_page(request, login.resident.unit, None, status=400), run=run,
                      message=message)


@staff_required
@permission_required(CHANGE_TENANT, raise_exception=True)
@require_POST
def resident_end(request, pk):
    return _tenant_action(request, pk, form_class=TenantEndForm,
                          run=lambda login, data, user, now: services.tenant_access_end(
                              login=login, reason=data["reason"], note=data["note"], now=now, actor=user),
                          message=lambda login: _("%(name)s's login has ended.") % {"name": login.resident.name})


@staff_required
@permission_required(CHANGE_TENANT, raise_exception=True)
@require_POST
def resident_resend(request, pk):
    return _tenant_action(request, pk, form_class=None,
                          run=lambda login, _d, user, now: services.tenant_activation_resend(
                              login=login, now=now, actor=user),
                          message=lambda login: _("A new code has been sent to %(phone)s.")
                          % {"phone": login.resident.phone_masked})


urlpatterns = [
    path("residents/", residents, name="residents"),
    path("residents/<int:pk>/end/", resident_end, name="resident_end"),
    path("residents/<int:pk>/resend/", resident_resend, name="resident_resend"),
    path("visitors/", visitors, name="visitors"),
    path("visitors/<int:pk>/out/", visit_out, name="visit_out"),
    path("visitors/<int:pk>/reveal/", visit_reveal, name="visit_reveal"),
    path("passes/", passes, name="passes"),
    path("passes/new/", pass_new, name="pass_new"),
    path("passes/<int:pk>/", pass_detail, name="pass_detail"),
    path("passes/<int:pk>/sign/", pass_sign, name="pass_sign"),
    path("passes/<int:pk>/cancel/", pass_cancel, name="pass_cancel"),
    path("check/", check, name="check"),
    path("cards/", cards, name="cards"),
    path("cards/new/", card_new, name="card_new"),
    path("cards/<int:pk>/", card_detail, name="card_detail"),
    path("cards/<int:pk>/pay/", card_pay, name="card_pay"),
    path("cards/<int:pk>/ready/", card_ready, name="card_ready"),
    path("cards/<int:pk>/hand-over/", card_hand_over, name="card_hand_over"),
    path("cards/<int:pk>/deactivate/", card_deactivate, name="card_deactivate"),
    path("cards/<int:pk>/cancel/", card_cancel, name="card_cancel"),
]
