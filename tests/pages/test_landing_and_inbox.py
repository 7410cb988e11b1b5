"""Where each role lands after signing in, and the inbox's kinds and links."""

import datetime as dt

import pytest
from django.urls import reverse

from propertydesk import views as core_views
from propertydesk.models import Notification
from repairs.models import Worker
from tests.factories import UnitFactory, UserFactory, give_unit, make_owner

NOW = dt.datetime(2026, 11, 18, 2, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(("role", "page"), [
    ("supervisor", core_views.SUPERVISOR_START),
    ("front_desk", "desk"),
    ("finance", "fees:home"),
])
def test_each_role_lands_on_its_own_start_page(client, db, role, page):
    client.force_login(UserFactory(role=role))
    assert client.get(reverse("home")).url == reverse(page)


def test_engineering_lands_on_its_own_work_orders(client, db):
    user = UserFactory(role="engineering")
    Worker.objects.create(user=user, estate=UnitFactory().estate, trades=["plumbing"])
    client.force_login(user)
    assert client.get(reverse("home")).url == reverse("repairs:my_orders")


def test_an_owner_lands_on_the_portal(client, owner_with_unit):
    owner, _unit = owner_with_unit
    client.force_login(owner.user)
    assert client.get(reverse("home")).url == reverse("portal:home")


@pytest.fixture
def inbox(db):
    desk = UserFactory(username="desk", role="front_desk")
    owner = make_owner(name="李娜")
    give_unit(owner, UnitFactory())
    owner.user = UserFactory(username="lina")
    owner.save(update_fields=["user"])
    notes = {
        "complaint": Notification.objects.create(recipient=desk, kind="complaint.overdue", url="/complaints/7/",
                                                 params={"number": "TS-7", "unit": "3-1-1203", "category": "x",
                                                         "time": None}, created_at=NOW),
        # written before the message kept its link: it leads to the list, searched by its number
        "order": Notification.objects.create(recipient=desk, kind="workorder.dispatch_late",
                                             params={"number": "WO-9", "minutes": 15, "unit": "3-1-1203", "text": ""},
                                             created_at=NOW),
        "owner_fees": Notification.objects.create(owner=owner, recipient=owner.user, kind="fees.dunning.1",
                                                  params={"unit": "3-1-1203", "owed": "10.00",
                                                          "month": {"$month": "2026-11-01"}}, created_at=NOW),
    }
    return {"desk": desk, "owner": owner, "notes": notes}


def test_every_message_links_to_its_record_or_its_list(client, inbox):
    client.force_login(inbox["desk"])
    html = client.get(reverse("inbox"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'href="/complaints/7/"' in html
    assert f'href="{reverse("repairs:queue")}?q=WO-9&amp;status=all"' in html
    client.force_login(inbox["owner"].user)
    html = client.get(reverse("inbox"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f'href="{reverse("fees:portal_home")}"' in html


def test_the_inbox_filters_by_kind(client, inbox):
    client.force_login(inbox["desk"])
    orders = client.get(reverse("inbox"), {"kind": "work_orders"}, HTTP_ACCEPT_LANGUAGE="en")
    assert [note.kind for note in orders.context["page"].object_list] == ["workorder.dispatch_late"]
    assert orders.context["page"].paginator.count == 1
    complaints = client.get(reverse("inbox"), {"kind": "complaints"}, HTTP_ACCEPT_LANGUAGE="en")
    assert [note.kind for note in complaints.context["page"].object_list] == ["complaint.overdue"]
    everything = client.get(reverse("inbox"), {"kind": "nonsense"}, HTTP_ACCEPT_LANGUAGE="en")
    assert everything.context["page"].paginator.count == 2
    assert everything.context["nav_unread"] == 2


def test_a_late_dispatch_message_is_written_with_its_orders_link(db, inbox):
    from repairs.services import work_orders_flag_late_dispatch
    from tests.pages.test_today import order

    # given: an order not dispatched past its deadline
    late = order(UnitFactory(), "WO-77", due=NOW - dt.timedelta(minutes=5))

    # when
    work_orders_flag_late_dispatch(as_of=NOW)

    # then
    note = Notification.objects.get(kind="workorder.dispatch_late", recipient=inbox["desk"], params__number="WO-77")
    assert note.url == reverse("repairs:detail", args=[late.pk])
