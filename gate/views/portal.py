"""The portal's gate pages: an owner announces visitors (a code for the desk) and sees
who visited; owners and tenants apply for item passes, an owner confirms a tenant's;
an owner sees the cards of their units. Another household's record is a 404."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gate import selectors, services
from gate.forms import ActivationForm, ItemPassForm, PreregistrationForm, parse_lines
from gate.models import AppliedVia, OwnerConfirmedHow
from gate.rules import local_day
from gate.views.desk import checked, qr_svg
from propertydesk.actions import render_form, run_action
from propertydesk.web import owner_required


def person_required(view):
    """A portal page for an owner or a tenant with a login: the view gets the caller."""

    @login_required
    def wrapped(request, *args, **kwargs):
        person = selectors.portal_person(request.user)
        if person is None:
            raise PermissionDenied
        return view(request, person, *args, **kwargs)

    wrapped.__name__ = view.__name__
    return wrapped


@owner_required
def portal_visitors(request, owner):
    units = selectors.PortalPerson(owner=owner, resident=None).units()
    form = PreregistrationForm(request.POST or None, units=units, initial={"day": local_day(timezone.now())})

    def page(f):
        return render_form(request, "gate/portal/visitors.html", f, owner=owner,
                           preregistrations=list(selectors.owner_preregistrations(owner=owner)[:30]),
                           visits=selectors.owner_visits(owner=owner, limit=30), today=local_day(timezone.now()))

    if request.method != "POST":
        return page(form)
    return run_action(
        request, form=form, rerender=page,
        run=lambda _t, data, user, now: services.preregistration_create(
            owner=owner, unit=data["unit"], visitor_name=data["visitor_name"], day=data["day"], now=now),
        message=lambda p: _("Give %(name)s the code %(code)s for %(day)s.") % {
            "name": p.visitor_name, "code": p.code, "day": p.day.isoformat()},
        done_url=reverse("gate:portal_visitors"))


@person_required
def portal_passes(request, person):
    units = person.units()
    form = ItemPassForm(request.POST or None, units=units, initial={"day": local_day(timezone.now())})
    now = timezone.now()

    def page(f):
        rows = list(selectors.person_passes(person=person)[:50])
        return render_form(request, "gate/portal/passes.html", f, person=person,
                           passes=[checked(p, now=now) for p in rows])

    if request.method != "POST":
        return page(form)
    applicant = {"applicant_owner": person.owner} if person.owner else {"applicant_resident": person.resident}
    return run_action(
        request, form=form, rerender=page,
        run=lambda _t, data, user, now: services.item_pass_apply(
            unit=data["unit"], day=data["day"], lines=parse_lines(data["lines"]), via=AppliedVia.PORTAL, now=now,
            actor=user, **applicant),
        message=lambda p: (_("Item pass %(number)s is ready: show its QR code at the gate.")
                           if p.status == "confirmed" else
                           _("Item pass %(number)s waits for the owner's confirmation; the owner has been told."))
        % {"number": p.number},
        done_url=lambda p: reverse("gate:portal_pass", args=[p.pk]), aliases={"applicant": "unit"})


@person_required
def portal_pass(request, person, pk):
    item_pass = selectors.item_pass_for(pass_id=pk, user=request.user)
    check_url = request.build_absolute_uri(f"{reverse('gate:check')}?number={item_pass.number}")
    return render(request, "gate/portal/pass.html", {
        "p": item_pass, "person": person, "row": checked(item_pass, now=timezone.now()),
        "qr": qr_svg(check_url),
        "may_confirm": person.owner is not None and item_pass.status == "awaiting_owner",
    })


@owner_required
@require_POST
def portal_pass_confirm(request, owner, pk):
    item_pass = selectors.item_pass_for(pass_id=pk, user=request.user)
    return run_action(
        request, form=None, target=item_pass, back_url=reverse("gate:portal_pass", args=[pk]),
        run=lambda p, _d, user, now: services.item_pass_confirm(item_pass=p, owner=owner,
                                                                how=OwnerConfirmedHow.PORTAL, now=now, actor=user),
        message=lambda p: _("You have confirmed item pass %(number)s.") % {"number": p.number})


@owner_required
@require_POST
def portal_pass_refuse(request, owner, pk):
    item_pass = selectors.item_pass_for(pass_id=pk, user=request.user)
    reason = request.POST.get("reason", "")[:200]
    return run_action(
        request, form=None, target=item_pass, back_url=reverse("gate:portal_pass", args=[pk]),
        run=lambda p, _d, user, now: services.item_pass_refuse(item_pass=p, owner=owner, reason=reason, now=now,
                                                               actor=user),
        message=lambda p: _("You have refused item pass %(number)s; %(name)s has been told.")
        % {"number": p.number, "name": p.applicant_name})


@person_required
def portal_cards(request, person):
    return render(request, "gate/portal/cards.html", {
        "person": person, "cards": list(selectors.cards_for(user=request.user)[:100])})


def activate(request):
    """A tenant sets their password with the code the desk's registration sent by SMS."""
    form = ActivationForm(request.POST if request.method == "POST" else None)
    if request.method != "POST":
        return render_form(request, "gate/activate.html", form)
    return run_action(
        request, form=form, rerender=lambda f: render_form(request, "gate/activate.html", f),
        run=lambda _t, data, _user, now: services.tenant_activate(
            username=data["username"], code=data["code"], password=data["password"], now=now),
        message=lambda login: _("Your password is set, %(name)s: sign in with your login name.")
        % {"name": login.resident.name},
        done_url=reverse("login"))


urlpatterns = [
    path("portal/visitors/", portal_visitors, name="portal_visitors"),
    path("portal/passes/", portal_passes, name="portal_passes"),
    path("portal/passes/<int:pk>/", portal_pass, name="portal_pass"),
    path("portal/passes/<int:pk>/confirm/", portal_pass_confirm, name="portal_pass_confirm"),
    path("portal/passes/<int:pk>/refuse/", portal_pass_refuse, name="portal_pass_refuse"),
    path("portal/cards/", portal_cards, name="portal_cards"),
    path("activate/", activate, name="activate"),
]
