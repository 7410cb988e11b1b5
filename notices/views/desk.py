"""The desk's notice pages (公告): the list with read counts, a new notice from a
template, a notice with its households still to reach (to call or knock), and the
buttons that publish, end and withdraw it. Thin: parse, call a service or selector,
render."""

from __future__ import annotations

from django.contrib.auth.decorators import permission_required
from django.http import Http404
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_POST

from notices import selectors, services
from notices.forms import NoticeEndForm, NoticeForm, NoteForm
from notices.models import Audience, Notice, NoticeStatus
from notices.wording import BY_KEY, TEMPLATES
from owners.models import Estate
from propertydesk.actions import render_form, run_action
from propertydesk.web import staff_required

_VIEW = "notices.view_notice"


@staff_required
@permission_required(_VIEW, raise_exception=True)
def notice_list(request):
    try:
        estate_id = int(request.GET.get("estate") or 0)
    except ValueError:
        estate_id = 0
    status = request.GET.get("status", "")
    notices = list(selectors.desk_notices(estate_id=estate_id or None, status=status)[:100])
    return render(request, "notices/list.html", {
        "notices": notices, "estates": Estate.objects.order_by("name"), "estate_id": estate_id,
        "status": status if status in NoticeStatus.values else "", "statuses": NoticeStatus.choices,
        "templates": TEMPLATES, "now": timezone.now(),
    })


def _template_initial(request) -> dict:
    initial = {"audience": Audience.ESTATE}
    estates = list(Estate.objects.order_by("name")[:2])
    if len(estates) == 1:
        initial["estate"] = estates[0].pk
    if request.GET.get("estate", "").isdigit():
        initial["estate"] = int(request.GET["estate"])
    template = BY_KEY.get(request.GET.get("template", ""))
    if template is not None:
        initial.update(kind=template.kind, emergency=template.emergency, title=str(template.title),
                       body=str(template.body))
    return initial


@staff_required
@permission_required("notices.add_notice", raise_exception=True)
def notice_new(request):
    form = NoticeForm(request.POST or None, initial=_template_initial(request))

    def page(form):
        return render_form(request, "notices/form.html", form, templates=TEMPLATES, editing=None)

    if request.method != "POST":
        return page(form)
    return run_action(
        request, form=form, rerender=page,
        run=lambda _t, data, user, now: services.notice_create(
            estate=data["estate"], kind=data["kind"], emergency=data["emergency"], audience=data["audience"],
            buildings=data["buildings"], units=data["units"], title=data["title"], body=data["body"],
            place=data["place"], starts_at=data["starts_at"], ends_at=data["ends_at"], now=now, actor=user),
        message=lambda n: _("The notice is saved as a draft. Check it, then publish it."),
        done_url=lambda n: reverse("notices:detail", args=[n.pk]),
    )


def _get(pk) -> Notice:
    try:
        return selectors.notice_for_desk(pk=pk)
    except Notice.DoesNotExist:
        raise Http404 from None


@staff_required
@permission_required(_VIEW, raise_exception=True)
def notice_detail(request, pk):
    notice = _get(pk)
    unread, unread_total = ([], 0)
    if notice.chased and notice.status != NoticeStatus.DRAFT:
        unread, unread_total = selectors.unread_households(notice=notice)
    named = notice.buildings.all() if notice.audience == Audience.BUILDINGS else notice.units.all()
    places = pgettext("between items", ", ").join(p.number for p in named) if notice.audience != Audience.ESTATE else ""
    return render(request, "notices/detail.html", {
        "notice": notice, "places": places, "unread": unread, "unread_total": unread_total, "now": timezone.now(),
        "can_publish": request.user.has_perm("notices.publish_notice"),
        "can_change": request.user.has_perm("notices.change_notice"),
    })


@staff_required
@permission_required("notices.change_notice", raise_exception=True)
def notice_edit(request, pk):
    notice = _get(pk)
    if notice.status not in (NoticeStatus.DRAFT, NoticeStatus.PUBLISHED):
        raise Http404
    draft = notice.status == NoticeStatus.DRAFT
    if draft:
        initial = {name: getattr(notice, name) for name in (
            "kind", "emergency", "audience", "title", "body", "place", "starts_at", "ends_at")}
        initial.update(estate=notice.estate_id, buildings=", ".join(b.number for b in notice.buildings.all()),
                       units=", ".join(u.number for u in notice.units.all()))
        form = NoticeForm(request.POST or None, initial=initial)
        form.fields["estate"].disabled = True
    else:
        form = NoticeEndForm(request.POST or None, initial={"ends_at": notice.ends_at})

    def page(form):
        return render_form(request, "notices/form.html", form, templates=TEMPLATES, editing=notice, draft=draft)

    if request.method != "POST":
        return page(form)

    def run(notice, data, user, now):
        if not draft:
            return services.notice_change(notice=notice, ends_at=data["ends_at"], now=now, actor=user)
        return services.notice_change(
            notice=notice, kind=data["kind"], emergency=data["emergency"], audience=data["audience"],
            buildings=data["buildings"], units=data["units"], title=data["title"], body=data["body"],
            place=data["place"], starts_at=data["starts_at"], ends_at=data["ends_at"], now=now, actor=user)

    return run_action(request, target=notice, form=form, rerender=page, run=run,
                      message=_("The notice is saved."), done_url=reverse("notices:detail", args=[notice.pk]))


def _button(service, message):
    @staff_required
    @permission_required("notices.publish_notice", raise_exception=True)
    @require_POST
    def view(request, pk):
        notice = _get(pk)
        back = reverse("notices:detail", args=[notice.pk])
        form = NoteForm(request.POST)
        return run_action(request, target=notice, form=None, back_url=back,
                          run=lambda n, _d, user, now: service(
                              notice=n, now=now, actor=user,
                              **({"note": form.data.get("note", "")[:500]} if service is not services.notice_publish
                                 else {})),
                          message=message)
    view.__name__ = service.__name__
    return view


notice_publish = _button(services.notice_publish, lambda n: _(
    "The notice is published: %(households)d households, %(owners)d owners told.")
    % {"households": n.households, "owners": n.messages_sent})
notice_end = _button(services.notice_end, lambda n: _("The notice is ended."))
notice_withdraw = _button(services.notice_withdraw, lambda n: _("The notice is withdrawn."))

urlpatterns = [
    path("", notice_list, name="list"),
    path("new/", notice_new, name="new"),
    path("<int:pk>/", notice_detail, name="detail"),
    path("<int:pk>/edit/", notice_edit, name="edit"),
    path("<int:pk>/publish/", notice_publish, name="publish"),
    path("<int:pk>/end/", notice_end, name="end"),
    path("<int:pk>/withdraw/", notice_withdraw, name="withdraw"),
]
