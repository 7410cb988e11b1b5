"""Anonymising a departed owner of the demo estate changes no figure: the dashboard's
month figures and what stands open, the arrears by age, the fee desk's figures and the
desk's day are the same before and after (pages.services.owner_anonymise)."""

from dateutil.relativedelta import relativedelta
from django.contrib.auth import get_user_model
from django.db.models import Count, Q
from django.utils import timezone

from complaints.models import Complaint
from fees import selectors as fees
from owners import services as owner_services
from owners.models import Owner, Ownership
from owners.selectors import current_ownerships
from pages import figures
from pages.selectors import desk_today
from pages.services import owner_anonymise
from repairs.models import WorkOrder


def _kpis(now, desk):
    today = timezone.localdate(now)
    first = today.replace(day=1)
    return {
        "months": [figures.month_figures(month=first - relativedelta(months=i), as_of=now) for i in range(3)],
        "standing": figures.standing(as_of=now),
        "arrears": fees.aging_summary(as_of=today),
        "desk_figures": fees.desk_figures(now=now),
        "today": desk_today(user=desk, as_of=now).counts,
    }


def test_anonymising_a_departed_owner_of_the_demo_changes_no_figure(demo_seeded):
    now = timezone.now()
    supervisor = get_user_model().objects.get(username="supervisor")
    desk = get_user_model().objects.get(username="desk")
    # given: the owner with the most complaints and work orders sells every unit they hold
    owner = (Owner.objects.annotate(records=Count("complaints", distinct=True) + Count("work_orders", distinct=True))
             .filter(Q(complaints__isnull=False) & Q(ownerships__end_date__isnull=True)).order_by("-records").first())
    buyer = Owner.objects.exclude(pk=owner.pk).filter(ownerships__isnull=True).first() or \
        Owner.objects.exclude(pk=owner.pk).order_by("pk").first()
    for held in current_ownerships().filter(owner=owner).select_related("unit"):
        owner_services.ownership_transfer(unit=held.unit, new_owners=[buyer], transfer_date=timezone.localdate(now))
    name = owner.name
    before = _kpis(now, desk)

    done = owner_anonymise(owner_id=owner.pk, actor=supervisor, reason="已售房，业主申请注销", now=now)

    # then: their records were rewritten, and every figure is as it was
    assert done.rows["complaints.Complaint"] >= 1 and done.rows["owners.Owner"] == 1
    assert not Complaint.objects.filter(owner=owner, contact_name=name).exists()
    assert not WorkOrder.objects.filter(owner=owner, requester_name=name).exists()
    assert Ownership.objects.filter(owner=owner).exists()  # the history of who owned what stays
    after = _kpis(now, desk)
    assert after == before
