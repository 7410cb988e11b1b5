"""Pages that show several apps at once, so they sit above all of them: the desk's
start page, the owner's and the unit's pages at the desk (the registry, and every app's
records of the owner or the unit, open first)
and the owner portal's home (units, callbacks to answer, fees owed). Thin: each
reads the apps' selectors and calls their services, and keeps the URL names of the
app it belongs to (``owners:detail``, ``portal:home``; see pages/urls.py). The desk's
page of messages that did not go out (``deliveries``) is here too: it links each one to
the owner's page at the desk."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views import i18n
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from callbacks.selectors import owner_offered_callbacks
from complaints.selectors import owner_open_complaints
from incidents import selectors as incident_selectors
from notices.selectors import owner_notice_summary
from owners import selectors, services
from owners.forms import MoveOutForm, OwnershipForm, PortalLoginForm, ResidentForm
from owners.models import Owner, PiiField
from pages import selectors as page_selectors
from pages import services as page_services
from propertydesk import exports, languages, outbox
from propertydesk import selectors as core_selectors
from propertydesk.actions import run_action
from propertydesk.models import Delivery, DeliveryChannel, DeliveryStatus
from propertydesk.people import person_name
from propertydesk.roles import owner_of
from propertydesk.web import owner_required, staff_required
from renovation.selectors import owner_open_renovations
from repairs.selectors import owner_open_work_orders


@staff_required
@permission_required("owners.view_owner", raise_exception=True)
def desk(request):
    """The desk's start page: the registry's one search box (room, name, phone or its
    last four digits, or the number of a record, which opens that record), and below it, until something is searched, the desk's day: what
    is due, late or waiting, each block with its first rows and a link to its list."""
    query = request.GET.get("q", "").strip()
    numbered = page_selectors.record_by_number(query=query, user=request.user) if query else None
    if numbered and numbered.url:
        return redirect(numbered.url)   # a number names one record: straight to it
    if numbered:
        return render(request, "desk.html", {"query": query, "numbered": numbered})
    hits = selectors.desk_search(query=query) if query else None
    day = None if query else page_selectors.desk_today(user=request.user, as_of=timezone.now())
    # the incidents being handled now, above the day's blocks, while any is open
    incidents = incident_selectors.desk_banner() if day and request.user.has_perm("incidents.view_incident") else []
    return render(request, "desk.html", {"query": query, "hits": hits, "day": day, "incidents": incidents})


# ---- the owner's page at the desk ------------------------------------------


def _detail_context(request, owner, **extra):
    can_audit = request.user.has_perm("owners.view_piireveal")
    current_units = [o.unit for o in owner.all_ownerships if o.is_current]
    return {
        "owner": owner,
        "can_reveal": request.user.has_perm("owners.reveal_owner_pii"),
        "can_change": request.user.has_perm("owners.change_owner"),
        "ownership_form": OwnershipForm(initial={"start_date": timezone.localdate()}),
        "login_form": PortalLoginForm(),
        "reveals": selectors.owner_reveal_log(owner=owner) if can_audit else None,
        "records": page_selectors.owner_page(owner=owner, user=request.user, as_of=timezone.now()),
        "current_units": current_units,
        # the lists behind the blocks: a unit's page has them filtered to the unit
        "list_unit": current_units[0] if len(current_units) == 1 else None,
        "can_anonymise": request.user.has_perm("owners.anonymise_owner"),
        "anonymisation": selectors.owner_anonymisation(owner=owner),
        "anonymise_form": AnonymiseForm(),
        **extra,
    }


@staff_required
@permission_required("owners.view_owner", raise_exception=True)
def owner_detail(request, pk):
    owner = selectors.owner_detail(owner_id=pk, user=request.user)
    return render(request, "owners/owner_detail.html", _detail_context(request, owner))


@never_cache  # the full numbers stay in no cache and no back-button copy
@staff_required
@permission_required("owners.reveal_owner_pii", raise_exception=True)
@require_POST
def owner_reveal(request, pk):
    """Show the owner's full phone or ID number, once, on this response; the reveal is logged."""
    owner = selectors.owner_detail(owner_id=pk, user=request.user)
    field = request.POST.get("field", PiiField.PHONE)
    revealed = services.owner_reveal_pii(
        owner=owner, user=request.user, field=field, now=timezone.now(),
        ip_address=request.META.get("REMOTE_ADDR"),
    )
    return render(
        request, "owners/owner_detail.html", _detail_context(request, owner, revealed=revealed)
    )


def _add_unit(owner, data, user, now):
    if data["mode"] == OwnershipForm.MODE_TRANSFER:
        return services.ownership_transfer(
            unit=data["unit"], new_owners=[owner], transfer_date=data["start_date"],
            reason=data["reason"], move_in_date=data["move_in_date"], actor=user,
        )
    return services.ownership_start(
        unit=data["unit"], owner=owner, start_date=data["start_date"],
        move_in_date=data["move_in_date"], actor=user,
    )


def _owner_page_with(request, pk, **forms):
    owner = selectors.owner_detail(owner_id=pk, user=request.user)
    return render(request, "owners/owner_detail.html", _detail_context(request, owner, **forms), status=400)


@staff_required
@permission_required("owners.add_ownership", raise_exception=True)
@require_POST
def owner_add_unit(request, pk):
    owner = selectors.owner_detail(owner_id=pk, user=request.user)
    form = OwnershipForm(request.POST)
    return run_action(
        request, target=owner, form=form, run=_add_unit, aliases={"transfer_date": "start_date", "owner": None},
        rerender=lambda form: _owner_page_with(request, pk, ownership_form=form),
        message=lambda _made: _("%(owner)s is now registered as owner of %(unit)s.")
        % {"owner": owner.name, "unit": form.cleaned_data["unit"].number},
        done_url=reverse("owners:detail", args=[owner.pk]),
    )


@staff_required
@permission_required("owners.change_owner", raise_exception=True)
@require_POST
def owner_portal_login(request, pk):
    owner = selectors.owner_detail(owner_id=pk, user=request.user)
    return run_action(
        request, target=owner, form=PortalLoginForm(request.POST),
        run=lambda owner, data, user, now: services.owner_portal_login_create(owner=owner, **data),
        rerender=lambda form: _owner_page_with(request, pk, login_form=form),
        message=lambda login: _("Portal login %(username)s opened for %(name)s.")
        % {"username": login.username, "name": owner.name},
        done_url=reverse("owners:detail", args=[owner.pk]),
    )


# ---- the unit's page at the desk --------------------------------------------


@staff_required
# Owners' phones, residents and the ownership history: the registry's, not a fee desk's.
@permission_required(["owners.view_unit", "owners.view_owner"], raise_exception=True)
def unit_detail(request, pk):
    """One unit, one page: the registry (owners, residents, ownership history), then what is
    open for the unit and its history in every app the reader may see, with the actions
    that start something for it (a complaint, a work order, a payment, a renovation, a
    visitor, an item pass). Adding a resident is posted here."""
    unit = selectors.unit_detail(unit_id=pk, user=request.user)

    def page(resident_form):
        return render(
            request,
            "owners/unit_detail.html",
            {"unit": unit, "resident_form": resident_form, "move_out_form": MoveOutForm(),
             "can_change": request.user.has_perm("owners.change_resident"),
             "records": page_selectors.unit_page(unit=unit, user=request.user, as_of=timezone.now()),
             "list_unit": unit},
            status=400 if resident_form.errors else 200,
        )

    resident_form = ResidentForm(request.POST or None, initial={"move_in_date": timezone.localdate()})
    if request.method != "POST":
        return page(resident_form)
    if not request.user.has_perm("owners.add_resident"):
        raise PermissionDenied
    return run_action(
        request, target=unit, form=resident_form, rerender=page,
        run=lambda unit, data, user, now: services.resident_add(unit=unit, **data),
        message=_("Resident added."), done_url=reverse("owners:unit", args=[unit.pk]),
    )


# ---- owner portal ---------------------------------------------------------


@owner_required
def portal_home(request, owner):
    """The owner's home: what is under way for them (complaints, work orders, renovation,
    each with its status and promise, a missed one said plainly), what they owe, the
    estate's service hotline, the latest current notice and the quick ways to ask for
    something (the notices' tile with how many are unread)."""
    now = timezone.now()
    units = page_selectors.portal_home_units(owner=owner)
    estates = list({unit.estate.pk: unit.estate for unit in units}.values())
    return render(request, "owners/portal_home.html", {
        "owner": owner, "units": units, "callbacks_offered": owner_offered_callbacks(owner=owner).count(),
        "fees_owed": sum((unit.owed for unit in units), Decimal("0.00")), "now": now,
        "complaints": owner_open_complaints(owner=owner, now=now),
        "work_orders": owner_open_work_orders(owner=owner, now=now),
        "renovations": owner_open_renovations(owner=owner, as_of=now),
        "hotlines": [estate for estate in estates if estate.service_phone],
        "notices": owner_notice_summary(owner=owner, now=now),
    })


# ---- messages that did not go out (the outbox) ---------------------------------------------


# How many failed or given-up deliveries the page lists (newest first); the counts cover all.
DELIVERIES_SHOWN = 100
# Always a tab; WeChat and letters get one when they have something to show.
_DELIVERY_TABS = (DeliveryChannel.SMS, DeliveryChannel.EMAIL, DeliveryChannel.WECHAT, DeliveryChannel.LETTER)
_TAB_ICONS = {DeliveryChannel.SMS: "bi-chat-dots", DeliveryChannel.EMAIL: "bi-envelope-at",
              DeliveryChannel.WECHAT: "bi-wechat", DeliveryChannel.LETTER: "bi-mailbox"}


@staff_required
@permission_required("propertydesk.view_delivery", raise_exception=True)
def deliveries(request):
    """Failed and given-up messages, by channel, each with its reason and a retry button;
    above them, everything not yet delivered."""
    channel = request.GET.get("channel", "")
    channel = channel if channel in _DELIVERY_TABS else ""
    status = request.GET.get("status", "")
    status = status if status in core_selectors.NEEDS_ATTENTION else ""
    counts = core_selectors.delivery_attention_counts()
    tabs = []
    for c in _DELIVERY_TABS:
        by_status = counts.get(c.value, {})
        if c in (DeliveryChannel.SMS, DeliveryChannel.EMAIL) or by_status or c == channel:
            tabs.append({"channel": c.value, "label": c.label, "icon": _TAB_ICONS[c],
                         "count": sum(by_status.values()), "given_up": by_status.get(DeliveryStatus.GIVEN_UP, 0)})
    in_view = [by_status for c, by_status in counts.items() if not channel or c == channel]
    rows = core_selectors.deliveries_needing_attention(channel=channel or None, status=status or None,
                                                      limit=DELIVERIES_SHOWN)
    return render(request, "deliveries/list.html", {
        "rows": rows, "tabs": tabs, "channel": channel, "status": status,
        "total": sum(sum(by_status.values()) for by_status in counts.values()),
        "failed": sum(by_status.get(DeliveryStatus.FAILED, 0) for by_status in in_view),
        "given_up": sum(by_status.get(DeliveryStatus.GIVEN_UP, 0) for by_status in in_view),
        "limit": DELIVERIES_SHOWN,
        "figure": core_selectors.undelivered_figure(as_of=timezone.now()),
        "can_retry": request.user.has_perm("propertydesk.change_delivery"),
    })


@staff_required
@permission_required("propertydesk.change_delivery", raise_exception=True)
@require_POST
def delivery_retry(request, pk):
    delivery = get_object_or_404(Delivery, pk=pk)
    back = reverse("deliveries") + _deliveries_query(request.POST)
    return run_action(
        request, target=delivery, form=None,
        run=lambda delivery, data, user, now: outbox.delivery_retry(delivery=delivery, now=now, actor=user),
        message=lambda retried: _("Sending again: %(channel)s to %(recipient)s.")
        % {"channel": retried.get_channel_display(), "recipient": _recipient_name(retried)},
        back_url=back,
    )


def _deliveries_query(data) -> str:
    """Back to the tab the retry was pressed on."""
    channel = data.get("channel", "")
    return f"?channel={channel}" if channel in DeliveryChannel.values else ""


def _recipient_name(delivery) -> str:
    note = delivery.notification
    return note.owner.name if note.owner_id else person_name(note.recipient)


# ---- the language switcher ------------------------------------------------


@require_POST
def set_language(request):
    """Django's set_language (the cookie, then back to ``next``), and for a logged-in
    reader their choice kept: their preference, and for an owner's login the owner's
    language, which their messages, receipts and bills follow."""
    response = i18n.set_language(request)
    language = languages.valid(request.POST.get("language"))
    if language and request.user.is_authenticated:
        with transaction.atomic():
            languages.set_user_language(request.user, language)
            owner = owner_of(request.user)
            if owner is not None:
                services.owner_set_language(owner=owner, language=language)
    return response


# ---- personal data: the owner's own file, a departed owner anonymised ------------------------------


@owner_required
def portal_my_data(request, owner):
    """What the owner can download about themselves, and the button."""
    return render(request, "owners/portal_my_data.html", {"owner": owner, "kinds": page_selectors.my_data_kinds()})


@never_cache  # their numbers in full: kept in no cache
@owner_required
def portal_my_data_file(request, owner):
    """Everything the portal holds about the owner, one .xlsx with a sheet per kind, in
    their language, written while they wait (one owner's records are a few hundred rows)."""
    now = timezone.now()
    with translation.override(owner.language):
        sheets = page_selectors.owner_data_sheets(owner=owner, as_of=now)
    return exports.xlsx_response(f"my-data-{timezone.localtime(now):%Y%m%d}.xlsx", sheets)


class AnonymiseForm(forms.Form):
    reason = forms.CharField(label=_lazy("Reason"), max_length=200,
                             widget=forms.TextInput(attrs={"autocomplete": "off"}))


@staff_required
@permission_required("owners.anonymise_owner", raise_exception=True)
@require_POST
def owner_anonymise(request, pk):
    owner = selectors.owner_detail(owner_id=pk, user=request.user)
    return run_action(
        request, target=owner, form=AnonymiseForm(request.POST),
        run=lambda owner, data, user, now: page_services.owner_anonymise(
            owner_id=owner.pk, actor=user, reason=data["reason"], now=now),
        rerender=lambda form: _owner_page_with(request, pk, anonymise_form=form),
        message=lambda done: _("The owner's personal data was replaced: they are now %(name)s.")
        % {"name": Owner.objects.get(pk=done.owner_id).name},
        back_url=reverse("owners:detail", args=[owner.pk]) + "#anonymise",
        done_url=reverse("owners:detail", args=[owner.pk]),
    )
