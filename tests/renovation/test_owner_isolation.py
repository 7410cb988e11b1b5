"""An owner sees and acts on their own renovations only; staff act by their roles."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from owners import services as owners_services
from renovation import selectors, services
from renovation.models import DocumentKind, Paper, Party
from tests.factories import make_owner
from tests.renovation.conftest import T0, add_worker, apply, photo, sh, signature, started


def test_another_owner_cannot_see_the_renovation_through_any_selector(w):
    renovation = started(w)
    neighbour = w.other.user
    assert list(selectors.renovations_for(neighbour)) == []
    assert list(selectors.owner_renovations(owner=w.other)) == []
    with pytest.raises(Http404):
        selectors.renovation_detail(renovation_id=renovation.pk, user=neighbour, as_of=T0)
    with pytest.raises(Http404):
        selectors.owner_renovation_detail(owner=w.other, renovation_id=renovation.pk, as_of=T0)
    with pytest.raises(Http404):
        selectors.renovation_document(document_id=renovation.documents.first().pk, user=neighbour)
    with pytest.raises(Http404):
        selectors.pass_print(pass_id=renovation.passes.get().pk, user=neighbour)
    board = selectors.renovation_board(user=neighbour, as_of=T0)
    assert sum(column.count for column in board) == 0
    # the owner sees their own, in the owner's view
    detail = selectors.owner_renovation_detail(owner=w.owner, renovation_id=renovation.pk, as_of=T0)
    assert detail.for_owner and detail.renovation == renovation and detail.patrols == []


def test_another_owner_cannot_act_on_it(w):
    renovation = apply(w)
    neighbour = w.other.user
    attempts = [
        lambda: services.renovation_document_add(renovation=renovation, kind=DocumentKind.DRAWINGS,
                                                 uploads=[photo()], now=T0, actor=neighbour),
        lambda: services.worker_add(renovation=renovation, name="张三", id_number="110101199003070035", now=T0,
                                    actor=neighbour),
        lambda: services.paper_sign(renovation=renovation, paper=Paper.APPLICATION, party=Party.OWNER,
                                    signature_png=signature(), now=T0, actor=neighbour),
        lambda: services.renovation_withdraw(renovation=renovation, reason="", now=T0, actor=neighbour),
        lambda: services.renovation_change(renovation=renovation, scope="拆墙", now=T0, actor=neighbour),
    ]
    for attempt in attempts:
        with pytest.raises(PermissionDenied):
            attempt()
    assert renovation.documents.count() == renovation.workers.count() == renovation.papers.count() == 0


def test_an_owner_takes_only_an_owners_steps_on_their_own(w):
    renovation = started(w)
    owner = w.owner.user
    with pytest.raises(PermissionDenied):
        services.passes_issue(renovation=renovation, now=T0, actor=owner)
    with pytest.raises(PermissionDenied):
        services.inspection_record(renovation=renovation, passed=True, now=T0, actor=owner)
    services.acceptance_request(renovation=renovation, now=sh(2026, 11, 18, 9), actor=owner)
    other = apply(w, unit=w.other_unit, owner=w.other)
    with pytest.raises(PermissionDenied):
        services.renovation_approve(renovation=other, now=T0, actor=owner)
    with pytest.raises(PermissionDenied):  # the property company's signature is the desk's
        services.paper_sign(renovation=apply_second(w), paper=Paper.AGREEMENT, party=Party.PROPERTY,
                            signature_png=signature(), now=T0, actor=w.owner.user)


def apply_second(w):
    """李娜's second unit, with a renovation of its own."""
    from tests.factories import UnitFactory, give_unit

    unit = UnitFactory(number="3-2-0801", building=w.unit.building)
    give_unit(w.owner, unit)
    return apply(w, unit=unit)


def test_staff_act_by_their_roles(w):
    renovation = apply(w)
    with pytest.raises(PermissionDenied):
        services.renovation_approve(renovation=renovation, now=T0, actor=w.engineer)
    with pytest.raises(PermissionDenied):
        services.renovation_return(renovation=renovation, reasons="x", now=T0, actor=w.finance)
    with pytest.raises(PermissionDenied):
        services.worker_add(renovation=renovation, name="张三", id_number="110101199003070035", now=T0,
                            actor=w.finance)
    assert add_worker(w, renovation).renovation == renovation  # the desk does
    assert list(selectors.renovations_for(w.engineer)) == [renovation]  # engineering inspects and patrols


def test_a_co_owner_shares_the_renovation_and_a_buyer_does_not_see_the_sellers(w):
    renovation = apply(w)
    spouse = make_owner(name="周强")
    owners_services.ownership_start(unit=w.unit, owner=spouse, start_date=dt.date(2021, 1, 1))
    assert list(selectors.owner_renovations(owner=spouse)) == [renovation]
    # 李娜 sells the flat: the buyer does not see her renovation, she still does
    buyer = make_owner(name="陈晨")
    owners_services.ownership_transfer(unit=w.unit, new_owners=[buyer], transfer_date=dt.date(2026, 12, 1))
    assert list(selectors.owner_renovations(owner=buyer)) == []
    assert list(selectors.owner_renovations(owner=w.owner)) == [renovation]
    # and having sold it, she no longer acts on it
    with pytest.raises(PermissionDenied):
        services.renovation_withdraw(renovation=renovation, reason="", now=T0, actor=w.owner.user)
