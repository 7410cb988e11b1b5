"""The owner's home (pages.views.portal_home): what is under way for them with its status
and promise, a missed one said plainly with an apology, what they owe, the hotline and
the quick tiles. Held clock, small fixed data set."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from fees.models import Bill
from tests.factories import UnitFactory, UserFactory, give_unit, make_owner
from tests.pages.test_today import NOW, TODAY, complaint, order, renovation, sh


@pytest.fixture
def home(db):
    owner = make_owner(name="李娜", phone="13912345678")
    owner.user = UserFactory(username="lina")
    owner.save(update_fields=["user"])
    unit = UnitFactory(number="3-1-1203")
    unit.estate.service_phone = "020-38861234"
    unit.estate.save(update_fields=["service_phone"])
    give_unit(owner, unit)
    other = UnitFactory(number="3-1-1204", building=unit.building)
    give_unit(owner, other)
    return {"owner": owner, "unit": unit, "other": other}


def _get(client, owner, language="en"):
    owner.language = language  # an owner reads in their own language
    owner.save(update_fields=["language"])
    client.force_login(owner.user)
    with time_machine.travel(NOW, tick=False):
        return client.get(reverse("portal:home"), HTTP_ACCEPT_LANGUAGE=language).content.decode()


def _mine(record, owner):
    record.owner = owner
    record.save(update_fields=["owner"])
    return record


def test_a_missed_promise_and_a_missed_appointment_are_said_plainly_with_an_apology(client, home):
    owner, unit = home["owner"], home["unit"]
    # given: a complaint past its promise, one within it; an order whose appointment passed, one still to come
    missed = _mine(complaint(unit, "TS-K1", promised=sh(2026, 11, 18, 9, 0)), owner)
    _mine(complaint(unit, "TS-K2", promised=sh(2026, 11, 19, 9, 0)), owner)
    late = _mine(order(unit, "WO-1", status="dispatched", appointment=sh(2026, 11, 18, 8, 0)), owner)
    _mine(order(unit, "WO-2", status="dispatched", appointment=sh(2026, 11, 18, 15, 0)), owner)

    # when
    html = _get(client, owner)

    # then
    assert "We promised to handle it by 2026-11-18 09:00 and did not. We are sorry" in html
    assert "We will handle it by 2026-11-19 09:00." in html
    assert "Our worker did not come at 2026-11-18 08:00 as agreed. We apologise" in html
    assert "Appointment: 2026-11-18 15:00." in html
    assert html.count("pd-missed") == 2
    assert f'href="{reverse("complaints:portal_detail", args=[missed.pk])}"' in html
    assert f'href="{reverse("repairs:portal_detail", args=[late.pk])}"' in html
    assert "Assigned" in html and "Dispatched" in html  # their status


def test_a_closed_complaint_or_finished_order_is_not_under_way(client, home):
    owner, unit = home["owner"], home["unit"]
    _mine(complaint(unit, "TS-K9", promised=sh(2026, 11, 10, 9, 0), status="closed",
                    resolved_at=sh(2026, 11, 9, 9, 0), closed_at=sh(2026, 11, 12, 9, 0)), owner)
    _mine(order(unit, "WO-9", status="voided", appointment=sh(2026, 11, 18, 8, 0)), owner)
    html = _get(client, owner)
    assert "TS-K9" not in html and "WO-9" not in html
    assert "Nothing is under way for you at the moment." in html


def test_a_renovation_shows_what_it_waits_for_and_a_late_refund_with_an_apology(client, home):
    owner = home["owner"]
    late = renovation(home["other"], owner, "RN-1", "submitted")
    html = _get(client, owner)
    assert "RN-1" in html and "The desk checks the papers" in html
    # given: it passed and its deposits fell due two days ago, not refunded yet
    late.status, late.permit_number = "deposits_due", "P-1"
    late.deposits_due_on = TODAY - dt.timedelta(days=2)
    late.save()
    html = _get(client, owner)
    assert "Your deposits were due back on 2026-11-16 and are not refunded yet. We are sorry for the delay" in html


def test_what_i_owe_links_to_how_to_pay_and_the_hotline_is_a_phone_link(client, home):
    owner, unit = home["owner"], home["unit"]
    Bill.objects.create(estate=unit.estate, unit=unit, number="ZD-1", period=dt.date(2026, 11, 1),
                        amount=Decimal("268.50"), paid=Decimal("0.00"), status="open", due_on=dt.date(2026, 11, 15),
                        issued_at=sh(2026, 11, 10, 8, 0))
    html = _get(client, owner)
    assert "¥268.50" in html
    assert f'href="{reverse("fees:portal_home")}#how-to-pay"' in html
    assert 'href="tel:020-38861234"' in html
    for url in ("repairs:portal_new", "complaints:portal_create", "complaints:portal_suggestion_create",
                "fees:portal_home"):
        assert f'href="{reverse(url)}"' in html, url


def test_the_home_reads_in_chinese(client, home):
    owner, unit = home["owner"], home["unit"]
    _mine(complaint(unit, "TS-K1", promised=sh(2026, 11, 18, 9, 0)), owner)
    html = _get(client, owner, language="zh-hans")
    assert "报修" in html and "服务热线" in html and "非常抱歉" in html
